import type { Command } from 'commander';
import { scan, type ScanResult } from '../../core/scan.js';
import { FailOnMatch, printJson, progress, progressDone, UsageError } from '../common.js';
import {
  checkDimensions,
  datasetOptions,
  defaultDimensions,
  detectorOptions,
  detectorSettings,
  parseDate,
  parseList,
  withDataset,
  type DatasetOptions,
  type DetectorCliOptions,
} from '../dataset.js';
import { fmt, table } from '../table.js';
import { failOnOption, parseFailOn } from './fail-on.js';

interface Opts extends DatasetOptions, DetectorCliOptions {
  dims?: string;
  from?: string;
  to?: string;
  minLevel?: string;
  maxLevel?: string;
  minDayViews?: string;
  all?: boolean;
  limit?: string;
  json?: boolean;
  failOn?: string;
}

/** The `scan --json` contract. */
export function scanJson(res: ScanResult) {
  return {
    settings: { ...res.settings, dimensions: res.dimensions, from: res.range.from, to: res.range.to },
    segments: res.segments.map((s) => ({
      segment: s.segment,
      level: s.level,
      daysChecked: s.daysChecked,
      anomalousDays: s.anomalousDays,
      criticalPeriods: s.criticalPeriods.map((p) => ({ start: p.start, end: p.end, days: p.days })),
      firstCritical: s.firstCritical,
      worstSigma: s.worstSigma,
      purchasesLost: s.purchasesLost,
      revenueLost: s.revenueLost,
    })),
  };
}

function level(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1 (got "${v}")`);
  return n;
}

export function register(program: Command): void {
  failOnOption(
    detectorOptions(
      datasetOptions(
        program
          .command('scan')
          .description('run the detector on every combination of the chosen dimensions, every day')
          .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
          .option('--dims <list>', 'dimensions to combine (default device,os,browser)')
          .option('--from <date>', 'first day reported (earlier data still serves as history)')
          .option('--to <date>', 'last day reported')
          .option('--min-level <n>', 'fewest dimensions fixed in a segment (default 1)')
          .option('--max-level <n>', 'most dimensions fixed in a segment (default: all)')
          .option('--min-day-views <n>', 'skip segments averaging fewer views per day (default 0)')
          .option('--all', 'list every segment, not only those with alerts')
          .option('--limit <n>', 'rows in the table (default 30)')
          .option('--json', 'machine-readable output (every segment)'),
      ),
    ),
  ).action(async (folder: string | undefined, o: Opts) => {
    const settings = detectorSettings(o);
    const failOn = parseFailOn(o.failOn);
    const from = o.from ? parseDate('from', o.from) : undefined;
    const to = o.to ? parseDate('to', o.to) : undefined;
    const minViews = o.minDayViews === undefined ? undefined : Number(o.minDayViews);
    if (minViews !== undefined && !(minViews >= 0)) throw new UsageError(`--min-day-views must be ≥ 0 (got "${o.minDayViews}")`);
    await withDataset(folder, o, async (ds) => {
      const dims = parseList(o.dims) ?? defaultDimensions(ds);
      checkDimensions(ds, dims);
      const cube = await ds.cube({ dimensions: dims, grain: 'day', to, visitors: false });
      const started = Date.now();
      const res = scan(cube, {
        dimensions: dims,
        minLevel: level('min-level', o.minLevel),
        maxLevel: level('max-level', o.maxLevel),
        range: { from, to },
        settings,
        minViewsPerDay: minViews,
        daily: false,
        onProgress: o.quiet || o.json ? undefined : (done, total) => {
          if (Date.now() - started > 300) progress(`scanning segments ${done}/${total}`);
        },
      });
      if (!o.quiet) progressDone();
      if (o.json) printJson(scanJson(res));
      else {
        const alerting = res.segments.filter((s) => s.anomalousDays > 0 || s.criticalPeriods.length > 0);
        const shown = (o.all ? res.segments : alerting).slice(0, Number(o.limit ?? 30));
        const crit = res.segments.filter((s) => s.criticalPeriods.length > 0);
        const out = [
          `Scanned ${res.segments.length} segments of ${dims.join(' × ')} from ${res.range.from} to ${res.range.to} ` +
            `(${settings.profile}: σ ${settings.sigma}, ${settings.weeks} weeks, streak ${settings.streak}, min views ${settings.minViews})` +
            (res.skipped ? `; ${res.skipped} below the volume filter left out` : ''),
          crit.length
            ? `${crit.length} segment(s) with critical periods; first: ${crit[0].label} since ${crit[0].criticalPeriods[0].start}`
            : 'No critical period in any segment.',
          '',
        ];
        if (shown.length)
          out.push(
            table(
              ['segment', 'days', 'anomalous', 'critical periods', 'first critical', 'worst σ', 'purchases lost'],
              shown.map((s) => [
                s.label,
                s.daysChecked,
                s.anomalousDays,
                s.criticalPeriods.map((p) => (p.start === p.end ? p.start : `${p.start}→${p.end}`)).join(', ') || '–',
                s.firstCritical ?? '–',
                fmt.sigma(s.worstSigma),
                fmt.int(s.purchasesLost),
              ]),
              ['left', 'right', 'right', 'left', 'left', 'right', 'right'],
            ),
          );
        else out.push('No segment had an anomalous day.');
        process.stdout.write(out.join('\n') + '\n');
      }
      if (failOn) {
        const hit = res.segments.find((s) => (failOn === 'critical' ? s.criticalPeriods.length > 0 : s.anomalousDays > 0));
        if (hit) throw new FailOnMatch(`${failOn} found in ${hit.label}`);
      }
    });
  });
}
