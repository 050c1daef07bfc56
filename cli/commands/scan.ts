/**
 * `funnelscope scan [FOLDER]` — the detector over every combination of the chosen dimensions, every day (or
 * hour), plus the what-if tools: `--compare` (a second scan with other settings: the alerts each raises that
 * the other does not), `--replay` (incident replay: detection delay and false CRITICAL periods elsewhere, per
 * setting) and `--csv` / `--parquet` exports of the scan rows (electron/services/export.ts).
 */
import type { Command } from 'commander';
import { settingsFor } from '../../core/detector.js';
import { suggestIncident } from '../../core/explain.js';
import {
  compareScans,
  incidentReplay,
  scan,
  type ReplayAlert,
  type ReplayOutcome,
  type ScanAlert,
  type ScanComparison,
  type ScanResult,
} from '../../core/scan.js';
import { formatSegment, parseSegment, segmentLabel } from '../../core/segments.js';
import type { DetectorProfile, DetectorSettings, Segment } from '../../core/types.js';
import { exportScan } from '../../electron/services/export.js';
import { FailOnMatch, InputError, printJson, progress, progressDone, UsageError } from '../common.js';
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
  grain?: string;
  levels?: string;
  minLevel?: string;
  maxLevel?: string;
  minDayViews?: string;
  minHourViews?: string;
  compare?: string;
  compareProfile?: string;
  replay?: string | boolean;
  csv?: string;
  parquet?: string;
  all?: boolean;
  limit?: string;
  json?: boolean;
  failOn?: string;
}

const hh = (h: number | undefined) => `${String(h ?? 0).padStart(2, '0')}:00`;

/** A period for humans: `A→B`, one day `A`, with hours `A HH:00→B HH:00`. */
function periodText(p: { start: string; end: string; startHour?: number; endHour?: number }): string {
  if (p.startHour !== undefined)
    return `${p.start} ${hh(p.startHour)}→${p.start === p.end ? '' : p.end + ' '}${hh(p.endHour)}`;
  return p.start === p.end ? p.start : `${p.start}→${p.end}`;
}

function periodJson(p: {
  start: string;
  end: string;
  days: number;
  startHour?: number;
  endHour?: number;
  hours?: number;
}) {
  const out: Record<string, unknown> = { start: p.start, end: p.end, days: p.days };
  if (p.startHour !== undefined)
    Object.assign(out, { startHour: p.startHour, endHour: p.endHour, hours: p.hours });
  return out;
}

function settingsJson(s: DetectorSettings) {
  return {
    profile: s.profile,
    sigma: s.sigma,
    weeks: s.weeks,
    streak: s.streak,
    minViews: s.minViews,
    directions: s.directions,
  };
}

/** The `scan --json` contract (segments); hour-grain fields are added only for hour-grain scans. */
export function scanJson(res: ScanResult) {
  const hourly = res.grain === 'hour';
  return {
    settings: {
      ...res.settings,
      dimensions: res.dimensions,
      from: res.range.from,
      to: res.range.to,
      grain: res.grain ?? 'day',
    },
    segments: res.segments.map((s) => ({
      segment: s.segment,
      level: s.level,
      daysChecked: s.daysChecked,
      anomalousDays: s.anomalousDays,
      ...(hourly ? { hoursChecked: s.hoursChecked ?? 0, anomalousHours: s.anomalousHours ?? 0 } : {}),
      criticalPeriods: s.criticalPeriods.map(periodJson),
      firstCritical: s.firstCritical,
      ...(hourly ? { firstCriticalHour: s.firstCriticalHour ?? null } : {}),
      worstSigma: s.worstSigma,
      purchasesLost: s.purchasesLost,
      revenueLost: s.revenueLost,
    })),
  };
}

const alertJson = (a: ScanAlert) => ({ segment: a.segment, ...periodJson(a) });

/** `comparison` of the JSON: A = the main settings, B = the --compare settings. */
export function comparisonJson(cmp: ScanComparison, b: DetectorSettings) {
  return {
    settings: settingsJson(b),
    onlyA: cmp.onlyA.map((a) => ({ ...alertJson(a), scannedInOther: a.scannedInOther })),
    onlyB: cmp.onlyB.map((a) => ({ ...alertJson(a), scannedInOther: a.scannedInOther })),
    both: cmp.both.map((x) => ({ segment: x.segment, a: periodJson(x.a), b: periodJson(x.b) })),
  };
}

const replayAlertJson = (a: ReplayAlert) => ({
  ...alertJson(a),
  relation: a.relation,
  incidentShare: a.incidentShare,
  ...(a.reason ? { reason: a.reason } : {}),
});

/** One `replay` entry of the JSON per setting (main first, then --compare). */
export function replayJson(o: ReplayOutcome) {
  return {
    settings: settingsJson(o.settings),
    firstCritical: o.firstCritical,
    delayDays: o.delayDays,
    ...(o.delayHours !== undefined
      ? { firstCriticalHour: o.firstCriticalHour ?? null, delayHours: o.delayHours }
      : {}),
    falseCritical: o.falseCritical,
    falseAlerts: o.falseAlerts.map(replayAlertJson),
    relatedCritical: o.relatedCritical,
    relatedAlerts: o.relatedAlerts.map(replayAlertJson),
    segmentsScanned: o.segmentsScanned,
  };
}

function level(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1 (got "${v}")`);
  return n;
}

/** `--levels 1-3` / `--levels 2` → [min, max]. */
export function parseLevels(v: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(v);
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || a < 1 || b < a)
    throw new UsageError(`--levels must be N or N-M with 1 ≤ N ≤ M, e.g. 1-3 (got "${v}")`);
  return [a, b];
}

function nonNegative(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`--${name} must be a number ≥ 0 (got "${v}")`);
  return n;
}

const COMPARE_KEYS = ['profile', 'sigma', 'weeks', 'streak', 'minViews', 'spikes'];

/**
 * The --compare settings: `key=value` pairs (profile, sigma, weeks, streak, minViews / min-views,
 * spikes=on|off) over the main settings. A different profile starts from that profile's defaults (so
 * "profile=seed" compares with the reference rule as it is), keeping the main scan's directions.
 */
export function parseCompare(text: string, main: DetectorSettings): DetectorSettings {
  const pairs = new Map<string, string>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0)
      throw new UsageError(`--compare: "${part}" is not key=value (keys: ${COMPARE_KEYS.join(', ')})`);
    let key = part.slice(0, eq).trim();
    if (key === 'min-views') key = 'minViews';
    const value = part.slice(eq + 1).trim();
    if (!COMPARE_KEYS.includes(key))
      throw new UsageError(`--compare: unknown setting "${key}" (keys: ${COMPARE_KEYS.join(', ')})`);
    if (pairs.has(key)) throw new UsageError(`--compare: "${key}" given twice`);
    pairs.set(key, value);
  }
  if (pairs.size === 0)
    throw new UsageError(`--compare needs at least one key=value, e.g. "sigma=3,weeks=8"`);
  const profile = (pairs.get('profile') ?? main.profile) as DetectorProfile;
  if (profile !== 'robust' && profile !== 'seed')
    throw new UsageError(`--compare: profile must be robust or seed (got "${profile}")`);
  const numOf = (k: string, integer: boolean): number | undefined => {
    const v = pairs.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
      throw new UsageError(`--compare: ${k} must be ${integer ? 'a whole number' : 'a number'} (got "${v}")`);
    return n;
  };
  const spikes = pairs.get('spikes');
  if (spikes !== undefined && !['on', 'off', 'true', 'false'].includes(spikes))
    throw new UsageError(`--compare: spikes must be on or off (got "${spikes}")`);
  const base: Partial<DetectorSettings> =
    profile === main.profile ? { ...main } : { directions: main.directions };
  try {
    return settingsFor(profile, {
      ...base,
      sigma: numOf('sigma', false) ?? base.sigma,
      weeks: numOf('weeks', true) ?? base.weeks,
      streak: numOf('streak', true) ?? base.streak,
      minViews: numOf('minViews', false) ?? base.minViews,
      directions:
        spikes === undefined
          ? base.directions
          : spikes === 'on' || spikes === 'true'
            ? ['drop', 'spike']
            : ['drop'],
    });
  } catch (err) {
    throw new UsageError(`--compare: ${(err as Error).message}`);
  }
}

/** `SEGMENT[@DATE[THH]]` → segment and start; the date may also be given as `DATE HH:00`. */
export function parseReplay(
  text: string,
  known: readonly string[],
): { segment: Segment; start?: string; startHour?: number } {
  const at = text.lastIndexOf('@');
  const segText = at >= 0 ? text.slice(0, at) : text;
  let segment: Segment;
  try {
    segment = parseSegment(segText, known);
  } catch (err) {
    throw new UsageError(`--replay: ${(err as Error).message}`);
  }
  if (at < 0) return { segment };
  const when = text.slice(at + 1).trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2})(?::00)?)?$/.exec(when);
  if (!m) throw new UsageError(`--replay: the start must be YYYY-MM-DD or YYYY-MM-DDTHH (got "${when}")`);
  const start = parseDate('replay', m[1]);
  const startHour = m[2] === undefined ? undefined : Number(m[2]);
  if (startHour !== undefined && startHour > 23)
    throw new UsageError(`--replay: hour must be 0–23 (got "${m[2]}")`);
  return { segment, start, startHour };
}

export function register(program: Command): void {
  failOnOption(
    detectorOptions(
      datasetOptions(
        program
          .command('scan')
          .description('run the detector on every combination of the chosen dimensions, every day (or hour)')
          .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
          .option('--dims <list>', 'dimensions to combine (default device,os,browser)')
          .option('--from <date>', 'first day reported (earlier data still serves as history)')
          .option('--to <date>', 'last day reported')
          .option(
            '--grain <grain>',
            'day (default) or hour: one verdict per hour with an hour-of-day-aware baseline',
          )
          .option('--levels <n-m>', 'dimensions fixed in a segment, e.g. 1-3 (default: 1 to all)')
          .option('--min-level <n>', 'fewest dimensions fixed in a segment (default 1)')
          .option('--max-level <n>', 'most dimensions fixed in a segment (default: all)')
          .option('--min-day-views <n>', 'skip segments averaging fewer views per day (default 0)')
          .option(
            '--min-hour-views <n>',
            'hour grain: minimum views in an hour for a verdict (default min views / 10)',
          )
          .option(
            '--compare <settings>',
            'what-if: a second scan with these overrides, e.g. "sigma=3,weeks=8"',
          )
          .option(
            '--compare-profile <name>',
            'what-if: a second scan with this profile (seed or robust) at its defaults',
          )
          .option(
            '--replay [segment@date]',
            'incident replay, e.g. device=mobile,os=ios,browser=safari@2015-09-04 (default: the incident the detector suggests)',
          )
          .option('--csv <file>', 'also write the scan rows as CSV')
          .option('--parquet <file>', 'also write the scan rows as Parquet')
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
    if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
    const grain = o.grain ?? 'day';
    if (grain !== 'day' && grain !== 'hour')
      throw new UsageError(`--grain must be day or hour (got "${o.grain}")`);
    let minLevel = level('min-level', o.minLevel);
    let maxLevel = level('max-level', o.maxLevel);
    if (o.levels !== undefined) {
      if (minLevel !== undefined || maxLevel !== undefined)
        throw new UsageError('give either --levels or --min-level/--max-level, not both');
      [minLevel, maxLevel] = parseLevels(o.levels);
    }
    if (minLevel !== undefined && maxLevel !== undefined && minLevel > maxLevel)
      throw new UsageError(`--min-level ${minLevel} is above --max-level ${maxLevel}`);
    const minViews = nonNegative('min-day-views', o.minDayViews);
    const minHourViews = nonNegative('min-hour-views', o.minHourViews);
    if (minHourViews !== undefined && grain !== 'hour')
      throw new UsageError('--min-hour-views needs --grain hour');
    if (o.compare !== undefined && o.compareProfile !== undefined)
      throw new UsageError('give either --compare or --compare-profile, not both');
    if (o.compareProfile !== undefined && o.compareProfile !== 'seed' && o.compareProfile !== 'robust')
      throw new UsageError(`--compare-profile must be robust or seed (got "${o.compareProfile}")`);
    const compareSettings =
      o.compare !== undefined
        ? parseCompare(o.compare, settings)
        : o.compareProfile !== undefined
          ? parseCompare(`profile=${o.compareProfile}`, settings)
          : undefined;
    if (o.csv !== undefined && o.csv.trim() === '') throw new UsageError('--csv needs a file name');
    if (o.parquet !== undefined && o.parquet.trim() === '')
      throw new UsageError('--parquet needs a file name');

    await withDataset(folder, o, async (ds) => {
      const dims = parseList(o.dims) ?? defaultDimensions(ds);
      checkDimensions(ds, dims);
      if (new Set(dims).size !== dims.length)
        throw new UsageError(`--dims lists a dimension twice (${dims.join(',')})`);
      if (minLevel !== undefined && minLevel > dims.length)
        throw new UsageError(`levels from ${minLevel} are empty for ${dims.length} dimension(s)`);
      const known = [...ds.dimensions, ...ds.derivedDimensions];
      const replayReq =
        o.replay === undefined
          ? undefined
          : o.replay === true
            ? { segment: undefined }
            : parseReplay(String(o.replay), known);
      const cubeDims = [...dims];
      if (replayReq?.segment)
        for (const d of Object.keys(replayReq.segment)) if (!cubeDims.includes(d)) cubeDims.push(d);
      const cube = await ds.cube({ dimensions: cubeDims, grain, to, visitors: false });
      if (cube.rows.length === 0)
        throw new InputError(`no data${to ? ` up to ${to}` : ''} in this dataset: nothing to scan`);
      const started = Date.now();
      const scanWith = (s: DetectorSettings, what: string) =>
        scan(cube, {
          dimensions: dims,
          minLevel,
          maxLevel,
          range: { from, to },
          settings: s,
          grain,
          minViewsPerDay: minViews,
          minViewsPerHour: minHourViews,
          daily: false,
          onProgress:
            o.quiet || o.json
              ? undefined
              : (done, total) => {
                  if (Date.now() - started > 300) progress(`${what}: segments ${done}/${total}`);
                },
        });
      let res: ScanResult;
      let other: ScanResult | undefined;
      let cmp: ScanComparison | undefined;
      try {
        res = scanWith(settings, 'scanning');
        if (compareSettings) {
          other = scanWith(compareSettings, 'scanning (compare)');
          cmp = compareScans(res, other);
        }
      } catch (err) {
        throw new InputError((err as Error).message);
      }

      // ---- incident replay
      let replay: ReplayOutcome[] | undefined;
      let incident:
        { segment: Segment; start: string; startHour?: number; source: 'given' | 'detector' } | undefined;
      if (replayReq) {
        if (replayReq.segment && replayReq.start) {
          incident = { segment: replayReq.segment, start: replayReq.start, source: 'given' };
          if (replayReq.startHour !== undefined) incident.startHour = replayReq.startHour;
        } else {
          const sug = suggestIncident(cube, settings, {
            dimensions: replayReq.segment ? Object.keys(replayReq.segment) : dims,
            maxLevel: replayReq.segment ? Object.keys(replayReq.segment).length : Math.min(3, dims.length),
            range: { from, to },
            minViewsPerDay: minViews,
          });
          if (!sug)
            throw new InputError(
              '--replay: the detector found no incident to replay; give one as SEGMENT@YYYY-MM-DD',
            );
          if (replayReq.segment && formatSegment(sug.segment) !== formatSegment(replayReq.segment))
            throw new InputError(
              `--replay: the detector found no critical period of ${segmentLabel(replayReq.segment, cubeDims, true)}; give its start as SEGMENT@YYYY-MM-DD`,
            );
          incident = { segment: sug.segment, start: sug.incident.from, source: 'detector' };
        }
        try {
          replay = incidentReplay(cube, incident, [settings, ...(compareSettings ? [compareSettings] : [])], {
            dimensions: dims,
            minLevel,
            maxLevel,
            range: { from, to },
            minViewsPerDay: minViews,
            minViewsPerHour: minHourViews,
            grain,
          });
        } catch (err) {
          throw new InputError(`--replay: ${(err as Error).message}`);
        }
      }
      if (!o.quiet) progressDone();

      // ---- exports
      for (const [file, format] of [
        [o.csv, 'csv'],
        [o.parquet, 'parquet'],
      ] as const) {
        if (file === undefined) continue;
        try {
          const { rows } = await exportScan(res, file, format);
          if (!o.quiet) process.stderr.write(`${rows} scan rows written to ${file}\n`);
        } catch (err) {
          throw new InputError((err as Error).message);
        }
      }

      if (o.json) {
        const out: Record<string, unknown> = scanJson(res);
        if (cmp && compareSettings) out.comparison = comparisonJson(cmp, other!.settings);
        if (replay && incident) {
          out.replayIncident = incident;
          out.replay = replay.map(replayJson);
        }
        printJson(out);
      } else process.stdout.write(humanOutput(res, dims, settings, o, cmp, other, replay, incident) + '\n');

      if (failOn) {
        const hit = res.segments.find((s) =>
          failOn === 'critical' ? s.criticalPeriods.length > 0 : s.anomalousDays > 0,
        );
        if (hit) throw new FailOnMatch(`${failOn} found in ${hit.label}`);
      }
    });
  });
}

function describeSettings(s: DetectorSettings): string {
  return `${s.profile}: σ ${s.sigma}, ${s.weeks} weeks, streak ${s.streak}, min views ${s.minViews}${s.directions.includes('spike') ? ', spikes' : ''}`;
}

function humanOutput(
  res: ScanResult,
  dims: string[],
  settings: DetectorSettings,
  o: Opts,
  cmp: ScanComparison | undefined,
  other: ScanResult | undefined,
  replay: ReplayOutcome[] | undefined,
  incident: { segment: Segment; start: string; startHour?: number; source: string } | undefined,
): string {
  const hourly = res.grain === 'hour';
  const alerting = res.segments.filter((s) => s.anomalousDays > 0 || s.criticalPeriods.length > 0);
  const shown = (o.all ? res.segments : alerting).slice(0, Number(o.limit ?? 30));
  const crit = res.segments.filter((s) => s.criticalPeriods.length > 0);
  const out = [
    `Scanned ${res.segments.length} segments of ${dims.join(' × ')} from ${res.range.from} to ${res.range.to}` +
      `${hourly ? ' by hour' : ''} (${describeSettings(settings)})` +
      (res.skipped ? `; ${res.skipped} below the volume filter left out` : ''),
    crit.length
      ? `${crit.length} segment(s) with critical periods; first: ${crit[0].label} since ${periodText(crit[0].criticalPeriods[0]).split('→')[0]}`
      : 'No critical period in any segment.',
    '',
  ];
  if (shown.length)
    out.push(
      table(
        [
          'segment',
          hourly ? 'hours' : 'days',
          'anomalous',
          'critical periods',
          'first critical',
          'worst σ',
          'purchases lost',
        ],
        shown.map((s) => [
          s.label,
          hourly ? (s.hoursChecked ?? 0) : s.daysChecked,
          hourly ? (s.anomalousHours ?? 0) : s.anomalousDays,
          s.criticalPeriods.map(periodText).join(', ') || '–',
          s.firstCritical ? `${s.firstCritical}${hourly ? ' ' + hh(s.firstCriticalHour ?? 0) : ''}` : '–',
          fmt.sigma(s.worstSigma),
          fmt.int(s.purchasesLost),
        ]),
        ['left', 'right', 'right', 'left', 'left', 'right', 'right'],
      ),
    );
  else out.push('No segment had an anomalous day.');
  if (cmp && other) {
    const line = (a: ScanAlert) => `  ${a.label}  ${periodText(a)}`;
    out.push(
      '',
      `What-if: A = ${describeSettings(res.settings)}  vs  B = ${describeSettings(other.settings)}`,
      `Alerts (critical periods) only A raises: ${cmp.onlyA.length}; only B: ${cmp.onlyB.length}; both: ${cmp.both.length}`,
    );
    const more = (n: number) => (n > 20 ? [`  … and ${n - 20} more (--json lists them all)`] : []);
    if (cmp.onlyA.length) out.push('Only A:', ...cmp.onlyA.slice(0, 20).map(line), ...more(cmp.onlyA.length));
    if (cmp.onlyB.length) out.push('Only B:', ...cmp.onlyB.slice(0, 20).map(line), ...more(cmp.onlyB.length));
  }
  if (replay && incident) {
    out.push(
      '',
      `Incident replay: ${segmentLabel(incident.segment, dims, true)} from ${incident.start}${incident.startHour !== undefined ? ' ' + hh(incident.startHour) : ''}` +
        (incident.source === 'detector' ? ' (suggested by the detector)' : ''),
      table(
        [
          'settings',
          'first critical',
          hourly ? 'delay (hours)' : 'delay (days)',
          'false CRITICAL elsewhere',
          'related CRITICAL',
        ],
        replay.map((r) => [
          describeSettings(r.settings),
          r.firstCritical
            ? `${r.firstCritical}${hourly ? ' ' + hh(r.firstCriticalHour ?? 0) : ''}`
            : 'missed',
          (hourly ? r.delayHours : r.delayDays) ?? '–',
          r.falseCritical,
          r.relatedCritical,
        ]),
        ['left', 'left', 'right', 'right', 'right'],
      ),
    );
  }
  return out.join('\n');
}
