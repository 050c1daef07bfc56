/**
 * Opening the dataset a command works on: the FOLDER argument, or the embedded sample (generated on first use
 * into the user data directory). Progress goes to stderr; service errors become exit-2 InputErrors.
 */
import type { Command } from 'commander';
import { DatasetError, loadMappingFile, openDataset, type Dataset } from '../electron/services/dataset.js';
import { userDataDir } from '../electron/services/paths.js';
import { ensureSample } from '../electron/services/sample.js';
import { settingsFor } from '../core/detector.js';
import type { DetectorProfile, DetectorSettings, Direction, Period } from '../core/types.js';
import { InputError, UsageError, progress, progressDone } from './common.js';

export interface DatasetOptions {
  mapping?: string;
  quiet?: boolean;
}

/** Adds the options every dataset command shares. */
export function datasetOptions(cmd: Command): Command {
  return cmd
    .option('--mapping <file>', 'column mapping JSON that overrides the automatic layout detection')
    .option('-q, --quiet', 'no progress on stderr');
}

export async function resolveFolder(folder: string | undefined, quiet = false): Promise<string> {
  if (folder) return folder;
  const { dir, generated } = await ensureSample(userDataDir(), {
    onProgress: quiet
      ? undefined
      : (p) => progress(`generating the sample dataset: day ${p.daysDone}/${p.days}, ${p.events.toLocaleString('en-US')} events`),
  });
  if (!quiet) {
    progressDone();
    if (generated) process.stderr.write(`sample dataset written to ${dir}\n`);
  }
  return dir;
}

export async function withDataset<T>(
  folder: string | undefined,
  opts: DatasetOptions,
  fn: (ds: Dataset) => Promise<T>,
): Promise<T> {
  const dir = await resolveFolder(folder, opts.quiet);
  let ds: Dataset;
  try {
    const mapping = opts.mapping ? await loadMappingFile(opts.mapping) : undefined;
    const started = Date.now();
    ds = await openDataset(dir, {
      mapping,
      onProgress: opts.quiet
        ? undefined
        : (p) => {
            if (Date.now() - started < 500) return;
            const eta = p.etaSeconds == null ? '' : `, ETA ${Math.ceil(p.etaSeconds)} s`;
            progress(
              `${p.phase}: files ${p.filesDone}/${p.filesTotal}, rows ${p.rowsDone.toLocaleString('en-US')}` +
                ` (${Math.round(p.rowsPerSecond).toLocaleString('en-US')}/s${eta})`,
            );
          },
    });
    if (!opts.quiet) progressDone();
  } catch (err) {
    if (!opts.quiet) progressDone();
    if (err instanceof DatasetError) throw new InputError(err.message);
    throw err;
  }
  try {
    return await fn(ds);
  } catch (err) {
    if (err instanceof DatasetError) throw new InputError(err.message);
    throw err;
  } finally {
    ds.close();
  }
}

// ---------------------------------------------------------------- detector settings

export interface DetectorCliOptions {
  profile?: string;
  sigma?: string;
  weeks?: string;
  streak?: string;
  minViews?: string;
  spikes?: boolean;
}

export function detectorOptions(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'detector profile: robust (default) or seed (the reference rule)', 'robust')
    .option('--sigma <n>', 'σ multiplier of the anomaly threshold')
    .option('--weeks <n>', 'weeks of same-weekday history in the baseline')
    .option('--streak <n>', 'consecutive anomalous days that make CRITICAL')
    .option('--min-views <n>', 'minimum views on a day for a verdict')
    .option('--spikes', 'also flag spikes (conversion far above the baseline), not only drops');
}

function num(name: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} (got "${v}")`);
  return n;
}

export function detectorSettings(o: DetectorCliOptions): DetectorSettings {
  const profile = (o.profile ?? 'robust') as DetectorProfile;
  if (profile !== 'robust' && profile !== 'seed')
    throw new UsageError(`--profile must be robust or seed (got "${o.profile}")`);
  const directions: Direction[] | undefined = o.spikes ? ['drop', 'spike'] : undefined;
  try {
    return settingsFor(profile, {
      sigma: num('sigma', o.sigma, false),
      weeks: num('weeks', o.weeks, true),
      streak: num('streak', o.streak, true),
      minViews: num('min-views', o.minViews, false),
      directions,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

// ---------------------------------------------------------------- dates

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseDate(name: string, v: string): string {
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v)
    throw new UsageError(`--${name} must be a date YYYY-MM-DD (got "${v}")`);
  return v;
}

/** "A..B" → {from: A, to: B} (inclusive). */
export function parsePeriod(name: string, v: string): Period {
  const m = /^(.+?)\.\.(.+)$/.exec(v.trim());
  if (!m) throw new UsageError(`--${name} must be a period FROM..TO, e.g. 2015-08-01..2015-08-31 (got "${v}")`);
  const from = parseDate(name, m[1]);
  const to = parseDate(name, m[2]);
  if (from > to) throw new UsageError(`--${name}: ${from} is after ${to}`);
  return { from, to };
}

export function parseList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new UsageError('expected a comma-separated list of dimensions');
  return items;
}

/** Checks requested dimensions against what the dataset offers; a specific message on unknown ones. */
export function checkDimensions(ds: Dataset, dims: readonly string[]): void {
  const known = [...ds.dimensions, ...ds.derivedDimensions];
  const unknown = dims.filter((d) => !known.includes(d));
  if (unknown.length)
    throw new UsageError(`unknown dimension${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (this dataset has: ${known.join(', ')})`);
}

/** device, os, browser where the dataset has them, else its data dimensions. */
export function defaultDimensions(ds: Dataset): string[] {
  const preferred = ['device', 'os', 'browser'].filter((d) => ds.dimensions.includes(d));
  return preferred.length ? preferred : [...ds.dimensions].slice(0, 3);
}
