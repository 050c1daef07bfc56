import type { Command } from 'commander';
import { UsageError } from '../common.js';

export type FailOn = 'anomaly' | 'critical' | undefined;

export function failOnOption(cmd: Command): Command {
  return cmd.option('--fail-on <level>', 'exit 3 when an anomaly (or worse) / a critical period is found: anomaly | critical');
}

export function parseFailOn(v: string | undefined): FailOn {
  if (v === undefined) return undefined;
  if (v === 'anomaly' || v === 'critical') return v;
  throw new UsageError(`--fail-on must be anomaly or critical (got "${v}")`);
}
