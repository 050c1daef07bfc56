import type { Command } from 'commander';
import { register as detect } from './detect.js';
import { register as explain } from './explain.js';
import { register as profile } from './profile.js';
import { register as replay } from './replay.js';
import { register as report } from './report.js';
import { register as sample } from './sample.js';
import { register as scan } from './scan.js';
import { register as serve } from './serve.js';
import { register as summary } from './summary.js';
import { register as tap } from './tap.js';

/** Every sub-command registers itself here (one line per command file). */
export const commands: Array<(program: Command) => void> = [sample, profile, summary, detect, scan, explain, report, serve, tap, replay];
