/**
 * Scan: run the detector over every combination of chosen dimensions (every level from minLevel to maxLevel,
 * plus all traffic) and every day of a range; compare two scans (what-if); replay a known incident under
 * several detector settings. See ARCHITECTURE.md § Explain (dimensional σ analysis) and scan.
 *
 * Pure TypeScript. Segment series come from one SegmentIndex (segments.ts) built from the finest cube rows,
 * which can be passed in again (`index`) when only the detector settings change.
 */
import type {
  Cube,
  DetectionResult,
  DetectorSettings,
  Direction,
  Period,
  ScanSegmentResult,
  Segment,
} from './types.js';
import { detectSeries } from './detector.js';
import { hourlyVerdicts, slotDate, type HourVerdicts } from './hourly.js';
import {
  aggregateSeries,
  buildSegmentIndex,
  daysBetween,
  fromDayNumber,
  intersectSegments,
  segmentContains,
  segmentKey,
  segmentLabel,
  segmentsOverlap,
  seriesOf,
  toDayNumber,
  type SegmentIndex,
  type SegmentSeries,
} from './segments.js';

export interface ScanOptions {
  /** dimensions to combine (cube dimension names) */
  dimensions: string[];
  /** fewest dimensions fixed in a scanned segment; default 1 */
  minLevel?: number;
  /** most dimensions fixed; default dimensions.length */
  maxLevel?: number;
  /** days to report; default the cube's first..last date. Earlier data is still used as detector history. */
  range?: Partial<Period>;
  settings: DetectorSettings;
  /** overrides settings.directions (e.g. ['drop','spike'] to see spikes in the scan) */
  directions?: Direction[];
  /** skip segments whose average views per observed day in the range is below this */
  minViewsPerDay?: number;
  /** skip segments with fewer views than this in the range */
  minTotalViews?: number;
  /** add all traffic ({}) as a row (default true; it is not subject to the volume filters) */
  includeAllTraffic?: boolean;
  /** include the compact per-day status codes for the heatmap (default true) */
  daily?: boolean;
  /**
   * 'day' (default; hours of an hour-grain cube are summed to days) or 'hour': hour-grain cubes only, one
   * verdict per hour with the hour-of-day-aware detector of core/hourly.ts; streak = consecutive hours
   */
  grain?: 'day' | 'hour';
  /** hour grain: minimum views in an hour for a verdict (default: see core/hourly.ts hourMinViews) */
  minViewsPerHour?: number;
  /** a SegmentIndex of this cube built with (at least) these dimensions and levels, to skip aggregation
   *  (for grain 'hour' built with grain 'hour') */
  index?: SegmentIndex;
  /** progress is reported and the signal checked every this many segments (default 25) */
  checkEvery?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: { aborted: boolean };
}

/** A scan row: the ScanSegmentResult contract plus what tables need to label and filter it. */
export interface ScanRow extends SegmentSummary {
  key: string;
  label: string;
  level: number;
  /** views in the range and per observed day of the range */
  totalViews: number;
  avgViewsPerDay: number;
}

/**
 * Per-day status of every segment for the heatmap: codes[i] belongs to segments[i], one character per date:
 * see DAILY_CODES.
 */
export interface ScanDaily {
  dates: string[];
  /** one character per date; for hour-grain scans 24 characters per date (hours 0–23) */
  codes: string[];
  /** present ('hour') for hour-grain scans */
  grain?: 'hour';
}

/** Characters of ScanDaily.codes. */
export const DAILY_CODES = {
  n: 'NO_DATA',
  i: 'INSUFFICIENT_DATA',
  o: 'OK',
  a: 'ANOMALY (drop)',
  s: 'ANOMALY (spike)',
  C: 'CRITICAL (drop)',
  S: 'CRITICAL (spike)',
} as const;

export interface ScanResult {
  settings: DetectorSettings;
  dimensions: string[];
  range: Period;
  /** sorted: segments with critical periods first, then purchases lost, then worst σ */
  segments: ScanRow[];
  /** segments left out by the volume filters */
  skipped: number;
  daily?: ScanDaily;
  /** present ('hour') for hour-grain scans */
  grain?: 'hour';
}

export class ScanCancelledError extends Error {
  constructor() {
    super('scan cancelled');
    this.name = 'AbortError';
  }
}

function dailyCode(r: DetectionResult): string {
  switch (r.status) {
    case 'NO_DATA':
      return 'n';
    case 'INSUFFICIENT_DATA':
      return 'i';
    case 'OK':
      return 'o';
    case 'ANOMALY':
      return r.direction === 'spike' ? 's' : 'a';
    case 'CRITICAL':
      return r.direction === 'spike' ? 'S' : 'C';
  }
}

/** The range a scan reports: the options' range filled in from the index's date axis. */
function resolveRange(index: SegmentIndex, range?: Partial<Period>): Period {
  const first = index.dates[0];
  const last = index.dates[index.dates.length - 1];
  const from = range?.from ?? first;
  const to = range?.to ?? last;
  if (from === undefined || to === undefined) throw new Error('the cube has no rows: nothing to scan');
  if (toDayNumber(to) < toDayNumber(from)) throw new Error(`scan range ${from}..${to} ends before it starts`);
  return { from, to };
}

/** A scan segment summary plus the purchases lost inside its critical periods. */
export interface SegmentSummary extends ScanSegmentResult {
  /** purchases lost on the drop-anomalous days inside the critical periods */
  criticalPurchasesLost: number;
}

/**
 * Summarises one segment's detector results (one per calendar day, date order) over the range.
 * A critical period is a run of anomalous days that reached CRITICAL: it starts where the streak of the first
 * CRITICAL day started (so 3 anomalous days with streak 3 give a 3-day period, as the reference reports them)
 * and ends on its last CRITICAL day; firstCritical is the first day whose status is CRITICAL (the alert day).
 * purchasesLost = Σ over drop-anomalous days of (baseline − rate) × views.
 */
export function summarise(
  segment: Segment,
  results: DetectionResult[],
  directions: Direction[],
  aov: number,
): SegmentSummary {
  let daysChecked = 0;
  let anomalousDays = 0;
  let worst: number | null = null;
  const spikeOnly = !directions.includes('drop') && directions.includes('spike');
  let lost = 0;
  const dayLost = new Float64Array(results.length);
  const periods: { start: string; end: string; days: number }[] = [];
  let firstCritical: string | null = null;
  for (let t = 0; t < results.length; t++) {
    const r = results[t];
    const st = r.status;
    if (st === 'NO_DATA' || st === 'INSUFFICIENT_DATA') continue;
    daysChecked++;
    if (r.deviationSigma !== null) {
      if (worst === null || (spikeOnly ? r.deviationSigma > worst : r.deviationSigma < worst))
        worst = r.deviationSigma;
    }
    if (st === 'ANOMALY' || st === 'CRITICAL') {
      anomalousDays++;
      if (r.direction === 'drop' && r.baseline !== null && r.rate !== null && r.baseline > r.rate) {
        dayLost[t] = (r.baseline - r.rate) * r.views;
        lost += dayLost[t];
      }
    }
    if (st === 'CRITICAL') {
      firstCritical ??= r.date;
      const start = r.streak.start && r.streak.start < r.date ? r.streak.start : r.date;
      const last = periods[periods.length - 1];
      if (last && toDayNumber(start) <= toDayNumber(last.end) + 1) last.end = r.date;
      else periods.push({ start, end: r.date, days: 1 });
    }
  }
  let critLost = 0;
  if (results.length > 0) {
    const day0 = toDayNumber(results[0].date);
    for (const p of periods) {
      p.days = daysBetween(p.start, p.end) + 1;
      const a = Math.max(0, toDayNumber(p.start) - day0);
      const b = Math.min(results.length - 1, toDayNumber(p.end) - day0);
      for (let t = a; t <= b; t++) critLost += dayLost[t];
    }
  }
  return {
    segment,
    daysChecked,
    anomalousDays,
    criticalPeriods: periods,
    firstCritical,
    worstSigma: worst,
    purchasesLost: lost,
    revenueLost: lost * aov,
    criticalPurchasesLost: critLost,
  };
}

/** Default order: critical periods first, then purchases lost, then worst σ, then level, then label. */
export function compareScanRows(a: ScanRow, b: ScanRow): number {
  const ca = a.criticalPeriods.length > 0 ? 1 : 0;
  const cb = b.criticalPeriods.length > 0 ? 1 : 0;
  if (ca !== cb) return cb - ca;
  if (a.purchasesLost !== b.purchasesLost) return b.purchasesLost - a.purchasesLost;
  const wa = a.worstSigma === null ? Infinity : -Math.abs(a.worstSigma);
  const wb = b.worstSigma === null ? Infinity : -Math.abs(b.worstSigma);
  if (wa !== wb) return wa - wb;
  if (a.level !== b.level) return a.level - b.level;
  return a.label < b.label ? -1 : a.label > b.label ? 1 : 0;
}

/**
 * Runs the detector on every segment of the chosen dimensions at levels minLevel..maxLevel (and all traffic)
 * over every day of the range. Throws ScanCancelledError when `signal.aborted` is seen.
 */
export function scan(cube: Cube, opts: ScanOptions): ScanResult {
  const steps = scanSteps(cube, opts);
  for (;;) {
    const n = steps.next();
    if (n.done) return n.value;
  }
}

/**
 * The same scan, yielding to the event loop (a macrotask) every `checkEvery` segments, so that a worker can
 * receive a cancel message — which sets `signal.aborted` — while it runs. Rejects with ScanCancelledError.
 */
export async function scanAsync(cube: Cube, opts: ScanOptions): Promise<ScanResult> {
  const steps = scanSteps(cube, opts);
  for (;;) {
    const n = steps.next();
    if (n.done) return n.value;
    await new Promise<void>((resolve) => globalThis.setTimeout(resolve, 0));
  }
}

interface ScanLevels {
  dims: string[];
  minLevel: number;
  maxLevel: number;
  includeAll: boolean;
}

/** The dimensions and levels a scan covers (day and hour grain alike); throws when the levels are empty. */
function scanLevels(opts: ScanOptions): ScanLevels {
  const dims = [...opts.dimensions];
  const minLevel = Math.max(1, opts.minLevel ?? 1);
  const maxLevel = Math.min(dims.length, opts.maxLevel ?? dims.length);
  if (minLevel > maxLevel && dims.length > 0) {
    throw new Error(`scan levels ${minLevel}..${maxLevel} are empty for ${dims.length} dimension(s)`);
  }
  return { dims, minLevel, maxLevel, includeAll: opts.includeAllTraffic ?? true };
}

/** The detector settings of a scan: a copy, with the scan's own directions when it names them. */
function scanSettings(opts: ScanOptions): DetectorSettings {
  return opts.directions
    ? { ...opts.settings, directions: [...opts.directions] }
    : { ...opts.settings, directions: [...opts.settings.directions] };
}

/**
 * The segments of the index a scan runs the detector on: those within the scan's dimensions and levels (all
 * traffic when included), less those under the volume floors over index slots a..b (`skipped` counts them; all
 * traffic is never skipped). Views per day are over `observedDays`.
 */
function selectSegments(
  segments: Iterable<SegmentSeries>,
  opts: ScanOptions,
  { dims, minLevel, maxLevel, includeAll }: ScanLevels,
  a: number,
  b: number,
  observedDays: number,
): { todo: { s: SegmentSeries; total: number; perDay: number }[]; skipped: number } {
  const dimSet = new Set(dims);
  const inScope = (s: SegmentSeries): boolean => {
    const keys = Object.keys(s.segment);
    if (keys.length === 0) return includeAll;
    if (keys.length < minLevel || keys.length > maxLevel) return false;
    return keys.every((k) => dimSet.has(k));
  };
  const minPerDay = opts.minViewsPerDay ?? 0;
  const minTotal = opts.minTotalViews ?? 0;
  const todo: { s: SegmentSeries; total: number; perDay: number }[] = [];
  let skipped = 0;
  for (const s of segments) {
    if (!inScope(s)) continue;
    const total = s.sumViews(a, b);
    const perDay = observedDays > 0 ? total / observedDays : 0;
    if (s.level > 0 && (perDay < minPerDay || total < minTotal)) {
      skipped++;
      continue;
    }
    todo.push({ s, total, perDay });
  }
  return { todo, skipped };
}

/**
 * Before segment t of n, every `every` segments: report progress and yield (not before the first), then stop
 * with ScanCancelledError when the signal has been aborted.
 */
function* checkpoint(t: number, n: number, every: number, opts: ScanOptions): Generator<void, void, void> {
  if (t % every !== 0) return;
  if (t > 0) {
    opts.onProgress?.(t, n);
    yield;
  }
  if (opts.signal?.aborted) throw new ScanCancelledError();
}

/** The scan as a generator that yields after every `checkEvery` segments (after progress and the signal check). */
function* scanSteps(cube: Cube, opts: ScanOptions): Generator<void, ScanResult, void> {
  if (opts.grain === 'hour') return yield* hourScanSteps(cube, opts);
  if (opts.grain !== undefined && opts.grain !== 'day')
    throw new Error(`scan grain must be 'day' or 'hour' (got '${String(opts.grain)}')`);
  if (opts.index?.grain === 'hour')
    throw new Error('scan: an hour-grain index was passed to a day-grain scan');
  const levels = scanLevels(opts);
  const { dims, minLevel, maxLevel, includeAll } = levels;
  const index =
    opts.index ??
    buildSegmentIndex(cube, { dimensions: dims, minLevel, maxLevel, includeAllTraffic: includeAll });
  const range = resolveRange(index, opts.range);
  const settings = scanSettings(opts);

  // Observed days of the range (denominator of views per day).
  const a = Math.max(0, toDayNumber(range.from) - index.startDay);
  const b = Math.min(index.dates.length - 1, toDayNumber(range.to) - index.startDay);
  let observedDays = 0;
  for (let i = a; i <= b; i++) observedDays += index.observed[i];

  const { todo, skipped } = selectSegments(index.segments, opts, levels, a, b, observedDays);

  const every = Math.max(1, opts.checkEvery ?? 25);
  const withDaily = opts.daily ?? true;
  const rows: { row: ScanRow; code: string }[] = [];
  for (let t = 0; t < todo.length; t++) {
    yield* checkpoint(t, todo.length, every, opts);
    const { s, total, perDay } = todo[t];
    const series = seriesOf(index, s);
    const results = detectSeries(series, settings, s.segment, range);
    let p = 0;
    let r = 0;
    for (const d of series) {
      p += d.purchases;
      r += d.revenue;
    }
    const summary = summarise(s.segment, results, settings.directions, p > 0 ? r / p : 0);
    const row: ScanRow = {
      ...summary,
      key: s.key,
      label: segmentLabel(s.segment, cube.dimensions),
      level: s.level,
      totalViews: total,
      avgViewsPerDay: perDay,
    };
    rows.push({ row, code: withDaily ? results.map(dailyCode).join('') : '' });
  }
  return finishScan(rows, todo.length, opts, { settings, dimensions: dims, range, skipped }, withDaily);
}

/**
 * The end of a scan (day and hour grain): final progress, rows in ranking order and, when asked, the status
 * codes of every segment with the range's dates.
 */
function finishScan(
  rows: { row: ScanRow; code: string }[],
  total: number,
  opts: ScanOptions,
  head: Pick<ScanResult, 'settings' | 'dimensions' | 'range' | 'skipped'>,
  withDaily: boolean,
  grain?: 'hour',
): ScanResult {
  if (opts.signal?.aborted) throw new ScanCancelledError();
  opts.onProgress?.(total, total);
  rows.sort((x, y) => compareScanRows(x.row, y.row));
  const { settings, dimensions, range, skipped } = head; // the order of the --json output
  const segments = rows.map((x) => x.row);
  const out: ScanResult = { settings, dimensions, range, segments, skipped, ...(grain ? { grain } : {}) };
  if (withDaily) {
    const start = toDayNumber(range.from);
    const n = toDayNumber(range.to) - start + 1;
    const dates: string[] = new Array(n);
    for (let i = 0; i < n; i++) dates[i] = fromDayNumber(start + i);
    out.daily = { dates, codes: rows.map((x) => x.code), ...(grain ? { grain } : {}) };
  }
  return out;
}

// ---------------------------------------------------------------- hour grain

const HOUR_CODES = ['n', 'i', 'o', 'a', 'C'];

function hourCode(v: HourVerdicts, i: number): string {
  const st = v.status[i];
  if (st === 3) return v.dir[i] > 0 ? 's' : 'a';
  if (st === 4) return v.dir[i] > 0 ? 'S' : 'C';
  return HOUR_CODES[st];
}

/**
 * Summarises one segment's hourly verdicts over the slots [rs, re] (absolute; positions outside the verdicts
 * are NO_DATA). Critical periods are runs of CRITICAL hours from the streak start of their first CRITICAL hour
 * to their last CRITICAL hour, merged when they touch; days = calendar days spanned, hours = length in hours.
 */
export function summariseHours(
  segment: Segment,
  v: HourVerdicts,
  rs: number,
  re: number,
  directions: Direction[],
  aov: number,
): SegmentSummary {
  const spikeOnly = !directions.includes('drop') && directions.includes('spike');
  let hoursChecked = 0;
  let anomalousHours = 0;
  const checkedDays = new Set<number>();
  const anomDays = new Set<number>();
  let worst: number | null = null;
  let lost = 0;
  const periods: { s: number; e: number }[] = [];
  const hourLost = new Map<number, number>();
  let first: number | null = null;
  const a = Math.max(rs, v.start);
  const b = Math.min(re, v.start + v.len - 1);
  for (let t = a; t <= b; t++) {
    const i = t - v.start;
    const st = v.status[i];
    if (st < 2) continue;
    hoursChecked++;
    const day = Math.floor(t / 24);
    checkedDays.add(day);
    const dev = v.dev[i];
    if (Number.isFinite(dev) && (worst === null || (spikeOnly ? dev > worst : dev < worst))) worst = dev;
    if (st >= 3) {
      anomalousHours++;
      anomDays.add(day);
      const base = v.baseline[i];
      const n = v.views[i];
      const rate = v.purchases[i] / n;
      if (v.dir[i] < 0 && base > rate) {
        const l = (base - rate) * n;
        lost += l;
        hourLost.set(t, l);
      }
    }
    if (st === 4) {
      first ??= t;
      const start = Math.max(t - v.runLen[i] + 1, v.start);
      const last = periods[periods.length - 1];
      if (last && start <= last.e + 1) last.e = t;
      else periods.push({ s: start, e: t });
    }
  }
  let critLost = 0;
  for (const p of periods) for (let t = p.s; t <= p.e; t++) critLost += hourLost.get(t) ?? 0;
  const fc = first === null ? null : slotDate(first);
  return {
    segment,
    daysChecked: checkedDays.size,
    anomalousDays: anomDays.size,
    hoursChecked,
    anomalousHours,
    criticalPeriods: periods.map((p) => {
      const s0 = slotDate(p.s);
      const e0 = slotDate(p.e);
      return {
        start: s0.date,
        end: e0.date,
        days: Math.floor(p.e / 24) - Math.floor(p.s / 24) + 1,
        startHour: s0.hour,
        endHour: e0.hour,
        hours: p.e - p.s + 1,
      };
    }),
    firstCritical: fc ? fc.date : null,
    firstCriticalHour: fc ? fc.hour : null,
    worstSigma: worst,
    purchasesLost: lost,
    revenueLost: lost * aov,
    criticalPurchasesLost: critLost,
  };
}

/** Builds the hour-grain segment index a scan would build (pass it as `index` to rerun with other settings). */
export function buildHourIndex(
  cube: Cube,
  opts: { dimensions: string[]; minLevel?: number; maxLevel?: number },
): SegmentIndex {
  const dims = [...opts.dimensions];
  return buildSegmentIndex(cube, {
    dimensions: dims,
    minLevel: Math.max(1, opts.minLevel ?? 1),
    maxLevel: Math.min(dims.length, opts.maxLevel ?? dims.length),
    includeAllTraffic: true,
    grain: 'hour',
  });
}

function* hourScanSteps(cube: Cube, opts: ScanOptions): Generator<void, ScanResult, void> {
  if (cube.grain !== 'hour') {
    throw new Error(`an hour-grain scan needs an hour-grain cube (this cube has grain '${cube.grain}')`);
  }
  const levels = scanLevels(opts);
  const { dims, minLevel, maxLevel, includeAll } = levels;
  const index =
    opts.index ??
    buildSegmentIndex(cube, {
      dimensions: dims,
      minLevel,
      maxLevel,
      includeAllTraffic: includeAll,
      grain: 'hour',
    });
  if (index.grain !== 'hour') throw new Error('scan: a day-grain index was passed to an hour-grain scan');
  const first = index.dates[0];
  const lastDate = index.dates[index.dates.length - 1];
  const from = opts.range?.from ?? first;
  const to = opts.range?.to ?? lastDate;
  if (from === undefined || to === undefined) throw new Error('the cube has no rows: nothing to scan');
  if (toDayNumber(to) < toDayNumber(from)) throw new Error(`scan range ${from}..${to} ends before it starts`);
  const range: Period = { from, to };
  const settings = scanSettings(opts);
  const rs = toDayNumber(from) * 24;
  const re = toDayNumber(to) * 24 + 23;
  const a = Math.max(0, rs - index.startDay);
  const b = Math.min(index.dates.length - 1, re - index.startDay);
  const obsDays = new Set<string>();
  for (let i = a; i <= b; i++) if (index.observed[i]) obsDays.add(index.dates[i]);
  const observedDays = obsDays.size;

  const { todo, skipped } = selectSegments(index.segments, opts, levels, a, b, observedDays);
  const every = Math.max(1, opts.checkEvery ?? 25);
  const withDaily = opts.daily ?? true;
  const upto = Math.max(0, Math.min(index.dates.length, re - index.startDay + 1));
  const rows: { row: ScanRow; code: string }[] = [];
  for (let t = 0; t < todo.length; t++) {
    yield* checkpoint(t, todo.length, every, opts);
    const { s, total, perDay } = todo[t];
    const v = hourlyVerdicts(index.startDay, s.views, s.purchases, upto, settings, {
      baselineDays: false,
      minViewsPerHour: opts.minViewsPerHour,
    });
    let p = 0;
    let r = 0;
    const pv = s.purchases;
    const rv = s.revenue;
    for (let i = 0; i < pv.length; i++) {
      p += pv[i];
      r += rv[i];
    }
    const summary = summariseHours(s.segment, v, rs, re, settings.directions, p > 0 ? r / p : 0);
    const row: ScanRow = {
      ...summary,
      key: s.key,
      label: segmentLabel(s.segment, cube.dimensions),
      level: s.level,
      totalViews: total,
      avgViewsPerDay: perDay,
    };
    let code = '';
    if (withDaily) {
      const chars: string[] = new Array(re - rs + 1);
      for (let slot = rs; slot <= re; slot++) {
        const i = slot - index.startDay;
        chars[slot - rs] = i >= 0 && i < upto ? hourCode(v, i) : 'n';
      }
      code = chars.join('');
    }
    rows.push({ row, code });
  }
  return finishScan(
    rows,
    todo.length,
    opts,
    { settings, dimensions: dims, range, skipped },
    withDaily,
    'hour',
  );
}

// ---------------------------------------------------------------- what-if

/** One CRITICAL period of one segment. */
export interface ScanAlert {
  segment: Segment;
  key: string;
  label: string;
  start: string;
  end: string;
  days: number;
  /** hour-grain scans: hours (0–23) of start and end, and the length in hours */
  startHour?: number;
  endHour?: number;
  hours?: number;
}

export interface ScanComparison {
  /** alerts of scan a that b does not raise (no overlapping critical period of the same segment) */
  onlyA: (ScanAlert & { scannedInOther: boolean })[];
  /** alerts of scan b that a does not raise */
  onlyB: (ScanAlert & { scannedInOther: boolean })[];
  /** alerts both raise: periods of the same segment that overlap */
  both: { segment: Segment; key: string; label: string; a: ScanAlert; b: ScanAlert }[];
}

/** Every critical period of a scan as an alert, in the scan's row order. */
export function scanAlerts(res: ScanResult): ScanAlert[] {
  const out: ScanAlert[] = [];
  for (const row of res.segments) {
    // rows parsed back from JSON written by other tools may lack key/label
    const key = row.key ?? segmentKey(row.segment);
    const label = row.label ?? segmentLabel(row.segment);
    for (const p of row.criticalPeriods) out.push({ segment: row.segment, key, label, ...p });
  }
  return out;
}

type Span = { start: string; end: string; startHour?: number; endHour?: number };
const at = (d: string, h: number | undefined, dflt: number) => `${d}T${String(h ?? dflt).padStart(2, '0')}`;
/** Periods overlap by at least one day (by at least one hour when both carry hours). */
const overlaps = (x: Span, y: Span) =>
  x.startHour !== undefined && y.startHour !== undefined
    ? at(x.start, x.startHour, 0) <= at(y.end, y.endHour, 23) &&
      at(y.start, y.startHour, 0) <= at(x.end, x.endHour, 23)
    : x.start <= y.end && y.start <= x.end;

/**
 * What-if comparison: the alerts (critical periods) each scan raises that the other does not. Two alerts
 * match when they are for the same segment and their periods overlap by at least one day.
 */
export function compareScans(a: ScanResult, b: ScanResult): ScanComparison {
  const alertsA = scanAlerts(a);
  const alertsB = scanAlerts(b);
  const byKeyB = new Map<string, ScanAlert[]>();
  for (const x of alertsB) {
    let l = byKeyB.get(x.key);
    if (!l) byKeyB.set(x.key, (l = []));
    l.push(x);
  }
  const byKeyA = new Map<string, ScanAlert[]>();
  for (const x of alertsA) {
    let l = byKeyA.get(x.key);
    if (!l) byKeyA.set(x.key, (l = []));
    l.push(x);
  }
  const keysA = new Set(a.segments.map((r) => segmentKey(r.segment)));
  const keysB = new Set(b.segments.map((r) => segmentKey(r.segment)));
  const onlyA: ScanComparison['onlyA'] = [];
  const onlyB: ScanComparison['onlyB'] = [];
  const both: ScanComparison['both'] = [];
  for (const x of alertsA) {
    const m = (byKeyB.get(x.key) ?? []).filter((y) => overlaps(x, y));
    if (m.length === 0) onlyA.push({ ...x, scannedInOther: keysB.has(x.key) });
    else for (const y of m) both.push({ segment: x.segment, key: x.key, label: x.label, a: x, b: y });
  }
  for (const y of alertsB) {
    const m = (byKeyA.get(y.key) ?? []).filter((x) => overlaps(x, y));
    if (m.length === 0) onlyB.push({ ...y, scannedInOther: keysA.has(y.key) });
  }
  return { onlyA, onlyB, both };
}

// ---------------------------------------------------------------- incident replay

export type Relation = 'incident' | 'contains' | 'inside' | 'overlap' | 'unrelated';

export interface ReplayAlert extends ScanAlert {
  relation: Relation;
  /** share of the segment's views (incident start .. range end) that are incident-segment views */
  incidentShare: number;
  /** why a related segment's alert still counts as false */
  reason?: 'before incident';
}

export interface ReplayOutcome {
  settings: DetectorSettings;
  /** first CRITICAL day of the incident segment on/after the start; null when never */
  firstCritical: string | null;
  /** firstCritical − start in days; null when the incident was not caught */
  delayDays: number | null;
  /** hour grain: the hour of firstCritical and the delay in hours from the incident's start hour */
  firstCriticalHour?: number | null;
  delayHours?: number | null;
  /** number of false CRITICAL periods: in unrelated segments, or in related ones ending before the start */
  falseCritical: number;
  falseAlerts: ReplayAlert[];
  /** CRITICAL periods of segments related to the incident (containing it, inside it, or sharing ≥ overlapShare of its traffic) */
  relatedCritical: number;
  relatedAlerts: ReplayAlert[];
  segmentsScanned: number;
}

export interface ReplayOptions {
  /** default: all cube dimensions (the incident segment's dimensions are always added) */
  dimensions?: string[];
  /** 'day' (default) or 'hour' (hour-grain cubes; the incident may carry startHour) */
  grain?: 'day' | 'hour';
  minViewsPerHour?: number;
  minLevel?: number;
  maxLevel?: number;
  range?: Partial<Period>;
  minViewsPerDay?: number;
  minTotalViews?: number;
  /**
   * a segment that overlaps the incident segment without containment is "related" when at least this share
   * of its views (from the incident start on) belong to the incident segment; default 0.05
   */
  overlapShare?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: { aborted: boolean };
}

/**
 * How a segment relates to an incident segment: the same segment, one that contains it (a parent such as
 * device=mobile, or all traffic), one inside it, one that overlaps it with at least `overlapShare` of its
 * views being incident views (`incidentShare`, a number or a function computing it lazily), or unrelated
 * (disjoint, or overlapping only marginally).
 */
export function segmentRelation(
  incident: Segment,
  seg: Segment,
  incidentShare: number | (() => number),
  overlapShare = 0.05,
): Relation {
  if (segmentKey(seg) === segmentKey(incident)) return 'incident';
  if (segmentContains(seg, incident)) return 'contains';
  if (segmentContains(incident, seg)) return 'inside';
  if (!segmentsOverlap(seg, incident)) return 'unrelated';
  const share = typeof incidentShare === 'function' ? incidentShare() : incidentShare;
  return share >= overlapShare ? 'overlap' : 'unrelated';
}

/**
 * Incident replay: for each detector setting, how many days after `incident.start` the incident segment first
 * went CRITICAL, and how many CRITICAL periods were raised elsewhere. "Elsewhere" = segments unrelated to the
 * incident: disjoint from it, or overlapping it with less than `overlapShare` of their traffic. Segments that
 * contain the incident segment (e.g. its parent device=mobile), lie inside it, or overlap it substantially may
 * legitimately go critical and are reported separately as related — except periods that ended before the
 * incident started, which are false whatever the segment.
 */
export function incidentReplay(
  cube: Cube,
  incident: { segment: Segment; start: string; startHour?: number },
  settingsList: DetectorSettings[],
  opts: ReplayOptions = {},
): ReplayOutcome[] {
  toDayNumber(incident.start);
  if (opts.grain === 'hour') return hourReplay(cube, incident, settingsList, opts);
  const dims = [...(opts.dimensions ?? cube.dimensions)];
  for (const d of Object.keys(incident.segment)) if (!dims.includes(d)) dims.push(d);
  const minLevel = Math.max(1, opts.minLevel ?? 1);
  const maxLevel = Math.min(dims.length, opts.maxLevel ?? dims.length);
  const index = buildSegmentIndex(cube, { dimensions: dims, minLevel, maxLevel, includeAllTraffic: true });
  const incKey = segmentKey(incident.segment);
  const incIndexed = index.byKey.get(incKey);
  const incSeries = incIndexed ? seriesOf(index, incIndexed) : aggregateSeries(cube, incident.segment);
  const range = resolveRange(index, opts.range);
  const overlapShare = opts.overlapShare ?? 0.05;
  const startDay = toDayNumber(incident.start);

  // Share of a segment's views (from the incident start to the range end) that are incident-segment views.
  const shareCache = new Map<string, number>();
  const viewsFrom = (seg: Segment): number => {
    const key = segmentKey(seg);
    const s = index.byKey.get(key);
    const from = Math.max(0, startDay - index.startDay);
    const to = Math.min(index.dates.length - 1, toDayNumber(range.to) - index.startDay);
    if (s) {
      let v = 0;
      for (let i = from; i <= to; i++) v += s.views[i];
      return v;
    }
    let v = 0;
    for (const d of aggregateSeries(cube, seg))
      if (d.date >= incident.start && d.date <= range.to) v += d.views;
    return v;
  };
  const shareOf = (seg: Segment): number => {
    const key = segmentKey(seg);
    let v = shareCache.get(key);
    if (v === undefined) {
      const inter = intersectSegments(seg, incident.segment);
      const total = viewsFrom(seg);
      v = inter && total > 0 ? viewsFrom(inter) / total : 0;
      shareCache.set(key, v);
    }
    return v;
  };
  const relationOf = (seg: Segment): Relation =>
    segmentRelation(incident.segment, seg, () => shareOf(seg), overlapShare);

  return settingsList.map((settings, n) => {
    const res = scan(cube, {
      dimensions: dims,
      minLevel,
      maxLevel,
      range,
      settings,
      minViewsPerDay: opts.minViewsPerDay,
      minTotalViews: opts.minTotalViews,
      daily: false,
      index,
      signal: opts.signal,
      onProgress: opts.onProgress
        ? (done, total) => opts.onProgress!(n * total + done, settingsList.length * total)
        : undefined,
    });
    const incResults = detectSeries(incSeries, settings, incident.segment, {
      from: incident.start,
      to: range.to,
    });
    const first = incResults.find((r) => r.status === 'CRITICAL')?.date ?? null;
    const falseAlerts: ReplayAlert[] = [];
    const relatedAlerts: ReplayAlert[] = [];
    for (const alert of scanAlerts(res)) {
      const relation = relationOf(alert.segment);
      const a: ReplayAlert = {
        ...alert,
        relation,
        incidentShare: relation === 'incident' ? 1 : shareOf(alert.segment),
      };
      if (relation === 'unrelated') falseAlerts.push(a);
      else if (alert.end < incident.start) falseAlerts.push({ ...a, reason: 'before incident' });
      else relatedAlerts.push(a);
    }
    return {
      settings: res.settings,
      firstCritical: first,
      delayDays: first ? daysBetween(incident.start, first) : null,
      falseCritical: falseAlerts.length,
      falseAlerts,
      relatedCritical: relatedAlerts.length,
      relatedAlerts,
      segmentsScanned: res.segments.length,
    };
  });
}

/** incidentReplay at hour grain: the same classification, delays in hours and calendar days. */
function hourReplay(
  cube: Cube,
  incident: { segment: Segment; start: string; startHour?: number },
  settingsList: DetectorSettings[],
  opts: ReplayOptions,
): ReplayOutcome[] {
  const dims = [...(opts.dimensions ?? cube.dimensions)];
  for (const d of Object.keys(incident.segment)) if (!dims.includes(d)) dims.push(d);
  const minLevel = Math.max(1, opts.minLevel ?? 1);
  const maxLevel = Math.min(dims.length, opts.maxLevel ?? dims.length);
  const index = buildHourIndex(cube, { dimensions: dims, minLevel, maxLevel });
  const inc = index.byKey.get(segmentKey(incident.segment));
  const overlapShare = opts.overlapShare ?? 0.05;
  const startSlot = toDayNumber(incident.start) * 24 + (incident.startHour ?? 0);
  const lastDate = opts.range?.to ?? index.dates[index.dates.length - 1];
  const endPos = Math.min(index.dates.length - 1, toDayNumber(lastDate) * 24 + 23 - index.startDay);
  const fromPos = Math.max(0, toDayNumber(incident.start) * 24 - index.startDay);
  const viewsFrom = (seg: Segment): number => {
    const s = index.byKey.get(segmentKey(seg));
    return s ? s.sumViews(fromPos, endPos) : 0;
  };
  const shareCache = new Map<string, number>();
  const shareOf = (seg: Segment): number => {
    const key = segmentKey(seg);
    let v = shareCache.get(key);
    if (v === undefined) {
      const inter = intersectSegments(seg, incident.segment);
      const total = viewsFrom(seg);
      v = inter && total > 0 ? viewsFrom(inter) / total : 0;
      shareCache.set(key, v);
    }
    return v;
  };
  return settingsList.map((settings, n) => {
    const res = scan(cube, {
      dimensions: dims,
      minLevel,
      maxLevel,
      range: opts.range,
      settings,
      minViewsPerDay: opts.minViewsPerDay,
      minTotalViews: opts.minTotalViews,
      minViewsPerHour: opts.minViewsPerHour,
      daily: false,
      grain: 'hour',
      index,
      signal: opts.signal,
      onProgress: opts.onProgress
        ? (done, total) => opts.onProgress!(n * total + done, settingsList.length * total)
        : undefined,
    });
    let firstSlot: number | null = null;
    if (inc) {
      const v = hourlyVerdicts(index.startDay, inc.views, inc.purchases, endPos + 1, res.settings, {
        baselineDays: false,
        minViewsPerHour: opts.minViewsPerHour,
      });
      for (let i = Math.max(0, startSlot - index.startDay); i <= endPos; i++) {
        if (v.status[i] === 4) {
          firstSlot = index.startDay + i;
          break;
        }
      }
    }
    const fc = firstSlot === null ? null : slotDate(firstSlot);
    const falseAlerts: ReplayAlert[] = [];
    const relatedAlerts: ReplayAlert[] = [];
    for (const alert of scanAlerts(res)) {
      const relation = segmentRelation(
        incident.segment,
        alert.segment,
        () => shareOf(alert.segment),
        overlapShare,
      );
      const a: ReplayAlert = {
        ...alert,
        relation,
        incidentShare: relation === 'incident' ? 1 : shareOf(alert.segment),
      };
      const endSlot = toDayNumber(alert.end) * 24 + (alert.endHour ?? 23);
      if (relation === 'unrelated') falseAlerts.push(a);
      else if (endSlot < startSlot) falseAlerts.push({ ...a, reason: 'before incident' });
      else relatedAlerts.push(a);
    }
    return {
      settings: res.settings,
      firstCritical: fc ? fc.date : null,
      firstCriticalHour: fc ? fc.hour : null,
      delayDays: fc ? daysBetween(incident.start, fc.date) : null,
      delayHours: firstSlot === null ? null : firstSlot - startSlot,
      falseCritical: falseAlerts.length,
      falseAlerts,
      relatedCritical: relatedAlerts.length,
      relatedAlerts,
      segmentsScanned: res.segments.length,
    };
  });
}
