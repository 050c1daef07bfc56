/**
 * Incident report model: everything the printed incident report shows, computed from a cube and the data
 * profile with the same core functions the app and the CLI use (detector, explain, scan). Pure TypeScript
 * and plain JSON: the report page (renderer-report/) only lays it out and formats numbers with `reportFormat`
 * below, so the PDF says exactly what `funnelscope explain/detect/scan` say. See ARCHITECTURE.md § Incident
 * report.
 */
import type { Cube, DetectionStatus, DetectorSettings, Period, Segment, StepStats } from './types.js';
import type { DataProfile } from './schema.js';
import { DEFAULT_SETTINGS, ROBUST_PARAMS, detectSeries } from './detector.js';
import { explain, suggestIncident, EXPLAIN_PARAMS, type ExplainResult } from './explain.js';
import { scan, segmentRelation, type Relation } from './scan.js';
import {
  addDays,
  aggregateSeries,
  assertSegmentDims,
  daysBetween,
  formatSegment,
  segmentDims,
  segmentKey,
  toDayNumber,
} from './segments.js';

export const REPORT_MODEL_VERSION = 1;

// ---------------------------------------------------------------- formatting (shared with the report page)

const MINUS = '−';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const SPECIAL_VALUES: Record<string, string> = {
  ios: 'iOS',
  ipados: 'iPadOS',
  macos: 'macOS',
  osx: 'OS X',
  chromeos: 'ChromeOS',
  ie: 'IE',
};

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const signOf = (x: number) => (x > 0 ? '+' : x < 0 ? MINUS : '');

/**
 * Number and label formatting of the report. Tests format core's numbers with these to find them in the PDF
 * text. Plain ASCII spaces only (pdftotext-friendly), "−" for minus, "—" for a missing value.
 */
export const reportFormat = {
  /** 1234.6 → "1,235" */
  int(x: number | null | undefined): string {
    if (!finite(x)) return '—';
    return intFmt.format(Math.round(x)).replace('-', MINUS);
  },
  /** revenue in the data's currency, no symbol: 12345.6 → "12,346" */
  money(x: number | null | undefined): string {
    return reportFormat.int(x);
  },
  /** a fraction as a percentage: 0.01234 → "1.23 %"; 0.876 → "87.6 %" (digits adapt unless given) */
  pct(x: number | null | undefined, digits?: number): string {
    if (!finite(x)) return '—';
    const p = x * 100;
    const d = digits ?? (Math.abs(p) >= 10 ? 1 : 2);
    return `${p.toFixed(d).replace('-', MINUS)} %`;
  },
  /** share 0–1 as a whole percentage: 0.876 → "88 %" */
  share(x: number | null | undefined): string {
    if (!finite(x)) return '—';
    return `${Math.round(x * 100)} %`;
  },
  /** a relative change: −0.664 → "−66 %", 0.043 → "+4.3 %" */
  change(x: number | null | undefined): string {
    if (!finite(x)) return '—';
    const p = Math.abs(x * 100);
    const body = p < 10 && p > 0 ? p.toFixed(1) : Math.round(p).toString();
    if (body === '0' || body === '0.0') return '±0 %';
    return `${signOf(x)}${body} %`;
  },
  /** −4.23 → "−4.2σ" */
  sigma(x: number | null | undefined): string {
    if (!finite(x)) return '—';
    const r = Math.round(x * 10) / 10;
    if (r === 0) return '0.0σ';
    return `${signOf(r)}${Math.abs(r).toFixed(1)}σ`;
  },
  /** per-day means: one decimal below 100 */
  mean(x: number | null | undefined): string {
    if (!finite(x)) return '—';
    return Math.abs(x) < 100 ? x.toFixed(1).replace('-', MINUS) : reportFormat.int(x);
  },
  /** '2015-09-04' → "4 Sep 2015" */
  date(date: string | null | undefined, withYear = true): string {
    if (!date) return '—';
    const [y, m, d] = date.split('-').map(Number);
    return withYear ? `${d} ${MONTHS[m - 1]} ${y}` : `${d} ${MONTHS[m - 1]}`;
  },
  /** '2015-09-04' → "Fri 4 Sep 2015" */
  dateLong(date: string | null | undefined): string {
    if (!date) return '—';
    return `${WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]} ${reportFormat.date(date)}`;
  },
  /** {from,to} → "10 Jul – 3 Sep 2015" */
  period(p: Period | null | undefined): string {
    if (!p) return '—';
    if (p.from === p.to) return reportFormat.date(p.from);
    const sameYear = p.from.slice(0, 4) === p.to.slice(0, 4);
    return `${reportFormat.date(p.from, !sameYear)} – ${reportFormat.date(p.to)}`;
  },
  /** ISO timestamp → "23 Nov 2026, 12:10 UTC" */
  timestamp(iso: string): string {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const hh = String(d.getUTCHours()).padStart(2, '0');
    const mm = String(d.getUTCMinutes()).padStart(2, '0');
    return `${reportFormat.date(d.toISOString().slice(0, 10))}, ${hh}:${mm} UTC`;
  },
  /** 'ios' → "iOS", 'mobile' → "Mobile", country 'de' → "DE"; other casings kept */
  value(v: string, dimension?: string): string {
    if (dimension && /country/i.test(dimension) && /^[a-z]{2,3}$/.test(v)) return v.toUpperCase();
    const s = SPECIAL_VALUES[v.toLowerCase()];
    if (s) return s;
    if (v === v.toLowerCase() && /^[a-z]/.test(v)) return v[0].toUpperCase() + v.slice(1);
    return v;
  },
  /** 'category_root' → "Category root" */
  dimension(name: string): string {
    const s = name.replace(/_/g, ' ');
    return s ? s[0].toUpperCase() + s.slice(1) : s;
  },
  /** {device:'mobile',os:'ios'} → "Mobile × iOS" in the given dimension order; {} → "All traffic" */
  segment(seg: Segment, order?: readonly string[]): string {
    const dims = segmentDims(seg, order);
    if (dims.length === 0) return 'All traffic';
    return dims.map((d) => reportFormat.value(seg[d], d)).join(' × ');
  },
  /** {device:'mobile',os:'ios'} → "device=mobile, os=ios"; {} → "all traffic" */
  segmentExact(seg: Segment, order?: readonly string[]): string {
    const dims = segmentDims(seg, order);
    if (dims.length === 0) return 'all traffic';
    return dims.map((d) => `${d}=${seg[d]}`).join(', ');
  },
  plural(n: number, one: string, many = one + 's'): string {
    return `${reportFormat.int(n)} ${Math.round(n) === 1 ? one : many}`;
  },
};
const F = reportFormat;

// ---------------------------------------------------------------- the model

export interface ReportSource {
  /** 'sample' = the embedded sample dataset */
  kind: 'folder' | 'file' | 'sample' | 'kafka' | 'other';
  /** folder or file path as given to the app / CLI */
  path: string;
  /** short human name, e.g. the folder name or "Funnelscope sample" */
  label: string;
}

export interface ReportInput {
  /** a day cube; its dimensions are the dimensions analysed (and must include the segment's) */
  cube: Cube;
  profile: DataProfile;
  /** the culprit to report on; default: explain's top candidate */
  segment?: Segment;
  /** default: `baselineWeeks` whole weeks before the incident */
  baseline?: Period;
  /** default: the detector's suggestion (the segment's latest critical period when a segment is given) */
  incident?: Period;
  /** detector settings; default the robust profile */
  settings?: DetectorSettings;
  /** ISO 8601 timestamp printed on every page */
  generatedAt: string;
  source: ReportSource;
  /** weeks of baseline when none is given (default 8) */
  baselineWeeks?: number;
  /** rows in the root-cause table (default 8) */
  topCandidates?: number;
  /** deepest combination analysed by explain and the scan (default 3) */
  maxDepth?: number;
}

export interface ReportKeyFigures {
  purchasesLost: number;
  /** null when the data has no prices */
  revenueLost: number | null;
  /** share 0–1 of all lost purchases the culprit accounts for */
  explains: number;
  /** deviation in σ of the culprit's purchases per day (incident vs baseline) */
  deviationSigma: number | null;
  conversionBefore: number | null;
  conversionDuring: number | null;
  conversionChange: number | null;
  /** first day of the incident */
  incidentStart: string;
  /** days of the incident period observed so far */
  incidentDays: number;
  /** first CRITICAL day of the culprit on or after the incident start; null when the detector never alerted */
  firstCritical: string | null;
  /** firstCritical − incidentStart in days */
  detectionDelayDays: number | null;
  /** the culprit's verdict on the last day of data */
  latestStatus: DetectionStatus;
  latestDate: string;
  /** most negative daily deviation (σ) of the culprit's conversion inside the incident */
  worstDaySigma: number | null;
}

export interface SeriesPoint {
  date: string;
  status: DetectionStatus;
  /** the culprit's conversion (purchases / views); null without views */
  rate: number | null;
  /** the detector's expected conversion and its band (expected ± settings.sigma · σ, lower clamped at 0) */
  expected: number | null;
  lower: number | null;
  upper: number | null;
  deviationSigma: number | null;
  views: number;
  purchases: number;
  /** all-traffic conversion the same day (context) */
  allTrafficRate: number | null;
}

export interface FunnelStepRow {
  step: 'views' | 'carts' | 'purchases';
  baselineMean: number;
  incidentMean: number;
  change: number | null;
  deviationSigma: number | null;
}

export interface FunnelSide {
  segment: Segment;
  label: string;
  steps: FunnelStepRow[];
  /** carts / views, purchases / carts, purchases / views in each period */
  cartRate: { baseline: number | null; incident: number | null };
  checkoutRate: { baseline: number | null; incident: number | null };
  conversion: { baseline: number | null; incident: number | null };
}

export interface RootCauseRow {
  rank: number;
  segment: Segment;
  label: string;
  exact: string;
  /** drill-down steps: the dimension value added at each level, e.g. device=mobile → os=ios → browser=safari */
  path: { dimension: string; value: string; label: string }[];
  explains: number;
  purchasesLost: number;
  revenueLost: number | null;
  deviationSigma: number | null;
  baselineConversion: number | null;
  incidentConversion: number | null;
  viewsChange: number | null;
  purchasesChange: number | null;
  isCulprit: boolean;
}

export interface CalendarDay {
  date: string;
  status: DetectionStatus;
  direction: 'drop' | 'spike' | null;
  deviationSigma: number | null;
  rate: number | null;
}

export interface ScanAlertRow {
  segment: Segment;
  label: string;
  exact: string;
  relation: Relation;
  /** critical periods inside the scanned range */
  periods: { start: string; end: string; days: number }[];
  firstCritical: string | null;
  worstSigma: number | null;
  purchasesLost: number;
}

export interface ReportModel {
  version: typeof REPORT_MODEL_VERSION;
  generatedAt: string;
  /** "23 Nov 2026, 12:10 UTC" */
  generatedAtText: string;
  source: ReportSource;
  /** false when no segment lost purchases in the incident period (the report then says so) */
  hasIncident: boolean;
  title: string;
  /** one sentence: what broke, since when, what it cost */
  headline: string;
  /** one plain-language paragraph */
  summary: string;
  /** where the funnel broke, e.g. "between cart and purchase (checkout)" */
  brokenStep: 'cart' | 'checkout' | 'traffic' | 'none';
  culprit: {
    segment: Segment;
    label: string;
    exact: string;
    /** 'given' by the user, or 'explain' (top root-cause candidate) */
    chosenBy: 'given' | 'explain';
  };
  periods: {
    baseline: Period;
    incident: Period;
    /** first and last day of data in the cube */
    data: Period;
    /** 'given' by the user or 'detector' (suggested from the critical periods) */
    incidentChosenBy: 'given' | 'detector';
    baselineChosenBy: 'given' | 'default';
  };
  revenueAvailable: boolean;
  keyFigures: ReportKeyFigures;
  series: { from: string; to: string; points: SeriesPoint[]; bandSigma: number };
  funnel: { allTraffic: FunnelSide; culprit: FunnelSide };
  rootCause: {
    dimensions: string[];
    maxDepth: number;
    candidates: RootCauseRow[];
    /** candidates beyond the table */
    moreCandidates: number;
    totalPurchasesLost: number;
    totalRevenueLost: number | null;
    netPurchasesLost: number;
    finding: string;
  };
  calendar: {
    from: string;
    to: string;
    days: CalendarDay[];
    counts: Record<DetectionStatus, number>;
  };
  scan: {
    range: Period;
    dimensions: string[];
    maxLevel: number;
    segmentsScanned: number;
    /** segments with CRITICAL periods in the range other than the culprit, most important first */
    alerts: ScanAlertRow[];
    /** alerts in segments unrelated to the culprit (possible second incidents or false alarms) */
    unrelatedAlerts: number;
    text: string;
  };
  methodology: {
    settings: DetectorSettings;
    paragraphs: string[];
    table: { name: string; value: string }[];
  };
  dataQuality: {
    layout: string;
    filesRead: number;
    filesSkipped: { file: string; reason: string }[];
    rowsRead: number;
    rejected: { reason: string; count: number }[];
    rejectedTotal: number;
    duplicates: number;
    range: { from: string | null; to: string | null };
    dimensions: { name: string; distinct: number }[];
    columns: { role: string; column: string }[];
    notes: string[];
  };
}

// ---------------------------------------------------------------- building

function cubeRange(cube: Cube): Period {
  if (cube.rows.length === 0) throw new Error('the data has no events: nothing to report');
  let from = cube.rows[0].date;
  let to = from;
  for (const r of cube.rows) {
    if (r.date < from) from = r.date;
    if (r.date > to) to = r.date;
  }
  return { from, to };
}

/** Latest critical period of one segment (periods ≤ 7 days apart merged), or null. */
function latestCriticalPeriod(cube: Cube, segment: Segment, settings: DetectorSettings): Period | null {
  const results = detectSeries(aggregateSeries(cube, segment), settings, segment);
  const periods: { from: string; to: string }[] = [];
  for (const r of results) {
    if (r.status !== 'CRITICAL') continue;
    const start = r.streak.start && r.streak.start < r.date ? r.streak.start : r.date;
    const last = periods[periods.length - 1];
    if (last && daysBetween(last.to, start) <= 8) last.to = r.date;
    else periods.push({ from: start, to: r.date });
  }
  return periods.length ? periods[periods.length - 1] : null;
}

function defaultBaseline(incident: Period, data: Period, weeks: number): Period {
  const available = Math.floor(daysBetween(data.from, incident.from) / 7);
  const w = Math.min(weeks, available);
  if (w < 1) {
    throw new Error(
      `the incident starts ${incident.from}, less than one week after the data begins (${data.from}): give a baseline period`,
    );
  }
  return { from: addDays(incident.from, -7 * w), to: addDays(incident.from, -1) };
}

function funnelSide(
  segment: Segment,
  label: string,
  steps: { views: StepStats; carts: StepStats; purchases: StepStats },
): FunnelSide {
  const rows: FunnelStepRow[] = (['views', 'carts', 'purchases'] as const).map((step) => ({
    step,
    baselineMean: steps[step].baselineMean,
    incidentMean: steps[step].incidentMean,
    change: steps[step].change,
    deviationSigma: steps[step].deviationSigma,
  }));
  const r = (a: number, b: number) => (b > 0 ? a / b : null);
  const v = steps.views;
  const c = steps.carts;
  const p = steps.purchases;
  return {
    segment,
    label,
    steps: rows,
    cartRate: { baseline: r(c.baselineMean, v.baselineMean), incident: r(c.incidentMean, v.incidentMean) },
    checkoutRate: {
      baseline: r(p.baselineMean, c.baselineMean),
      incident: r(p.incidentMean, c.incidentMean),
    },
    conversion: { baseline: r(p.baselineMean, v.baselineMean), incident: r(p.incidentMean, v.incidentMean) },
  };
}

const relChange = (a: number | null, b: number | null) =>
  a !== null && b !== null && a > 0 ? b / a - 1 : null;

/** Which step of the culprit's funnel broke: the largest relative drop among traffic, add-to-cart, checkout. */
function brokenStepOf(f: FunnelSide): ReportModel['brokenStep'] {
  const traffic = f.steps[0].change ?? 0;
  const cart = relChange(f.cartRate.baseline, f.cartRate.incident) ?? 0;
  const checkout = relChange(f.checkoutRate.baseline, f.checkoutRate.incident) ?? 0;
  const worst = Math.min(traffic, cart, checkout);
  if (worst > -0.1) return 'none';
  if (worst === checkout) return 'checkout';
  if (worst === cart) return 'cart';
  return 'traffic';
}

/** unrelated alerts first (a second problem or a false alarm), then the incident seen from wider / narrower segments */
const RELATION_ORDER: Record<Relation, number> = {
  unrelated: 0,
  contains: 1,
  inside: 2,
  overlap: 3,
  incident: 4,
};

/**
 * Builds the report model. Throws an Error with a user-facing message when the periods do not fit the data
 * or (without an incident period) the detector finds nothing to report.
 */
export function buildReportModel(input: ReportInput): ReportModel {
  const { cube, profile } = input;
  if (cube.grain !== 'day') throw new Error('the report needs a day cube');
  const settings = input.settings ?? DEFAULT_SETTINGS.robust;
  const dims = cube.dimensions;
  const maxDepth = Math.max(1, Math.min(input.maxDepth ?? 3, dims.length || 1));
  const data = cubeRange(cube);
  if (input.segment) assertSegmentDims(cube, input.segment, 'segment');

  // ---- periods
  let incident = input.incident;
  let incidentChosenBy: 'given' | 'detector' = 'given';
  let baseline = input.baseline;
  const baselineChosenBy: 'given' | 'default' = baseline ? 'given' : 'default';
  if (!incident) {
    incidentChosenBy = 'detector';
    if (baseline) {
      if (baseline.to >= data.to)
        throw new Error(`the baseline ends ${baseline.to}: no data after it to report on`);
      incident = { from: addDays(baseline.to, 1), to: data.to };
    } else {
      const own = input.segment ? latestCriticalPeriod(cube, input.segment, settings) : null;
      if (own) incident = own;
      else {
        const s = suggestIncident(cube, settings, {
          dimensions: dims,
          maxLevel: maxDepth,
          baselineWeeks: input.baselineWeeks ?? 8,
        });
        if (!s) {
          throw new Error(
            'the detector found no critical period in this data; give the incident period (--incident FROM..TO)',
          );
        }
        incident = s.incident;
      }
    }
  }
  if (incident.to < data.from || incident.from > data.to) {
    throw new Error(
      `the incident period ${incident.from}..${incident.to} lies outside the data (${data.from}..${data.to})`,
    );
  }
  baseline ??= defaultBaseline(incident, data, input.baselineWeeks ?? 8);
  if (baseline.to >= incident.from) {
    throw new Error(
      `the baseline (${baseline.from}..${baseline.to}) must end before the incident starts (${incident.from})`,
    );
  }

  // ---- explain (all traffic) and the culprit
  const ex: ExplainResult = explain(cube, { baseline, incident, dimensions: dims, maxDepth });
  const top = ex.candidates[0];
  const culpritSeg: Segment = input.segment ?? top?.segment ?? {};
  const chosenBy: 'given' | 'explain' = input.segment ? 'given' : 'explain';
  const culpritKey = segmentKey(culpritSeg);
  const label = F.segment(culpritSeg, dims);
  const exact = F.segmentExact(culpritSeg, dims);
  const cand = ex.candidates.find((c) => segmentKey(c.segment) === culpritKey);
  // the culprit's own statistics (also when it is not a candidate): explain restricted to it
  const own = Object.keys(culpritSeg).length
    ? explain(cube, { baseline, incident, dimensions: [], filter: culpritSeg, maxDepth: 1 })
    : ex;
  const ownTotal = own.total;
  const purchasesLost = cand ? cand.purchasesLost : ownTotal.netPurchasesLost;
  const revenueAvailable = profile.mapping.price !== undefined && profile.mapping.price !== null;
  const revenueLost = revenueAvailable ? (cand ? cand.revenueLost : ownTotal.netRevenueLost) : null;
  const explainsShare =
    cand?.explains ??
    (ex.total.purchasesLost > 0 && purchasesLost > 0
      ? Math.min(1, purchasesLost / ex.total.purchasesLost)
      : 0);
  const steps = cand ? cand.steps : ownTotal.steps;
  const deviationSigma = cand ? cand.deviationSigma : steps.purchases.deviationSigma;
  const convBefore = cand ? cand.baselineConversion : ownTotal.baselineConversion;
  const convDuring = cand ? cand.incidentConversion : ownTotal.incidentConversion;

  // ---- detector on the culprit and all traffic
  const culpritSeries = aggregateSeries(cube, culpritSeg);
  const allSeries = Object.keys(culpritSeg).length ? aggregateSeries(cube, {}) : culpritSeries;
  const det = detectSeries(culpritSeries, settings, culpritSeg, data);
  const allRate = new Map<string, number | null>();
  for (const d of allSeries) allRate.set(d.date, d.views > 0 ? d.purchases / d.views : null);
  const firstCritical =
    det.find((r) => r.status === 'CRITICAL' && r.date >= incident.from && r.date <= incident.to)?.date ??
    det.find((r) => r.status === 'CRITICAL' && r.date >= incident.from)?.date ??
    null;
  const detectionDelayDays = firstCritical ? daysBetween(incident.from, firstCritical) : null;
  // an incident to report: purchases were lost and either the detector went CRITICAL or the drop is ≥ 2σ
  const hasIncident =
    purchasesLost > 0 && (firstCritical !== null || (deviationSigma !== null && deviationSigma <= -2));
  const latest = det[det.length - 1];
  let worstDaySigma: number | null = null;
  for (const r of det) {
    if (r.date < incident.from || r.date > incident.to || r.deviationSigma === null) continue;
    if (worstDaySigma === null || r.deviationSigma < worstDaySigma) worstDaySigma = r.deviationSigma;
  }

  // ---- time series: the baseline through the end of the data
  // (from the first day with data in the baseline, so a gap at its start does not waste the chart)
  let seriesFrom = data.to;
  for (const r of cube.rows) if (r.date >= baseline.from && r.date < seriesFrom) seriesFrom = r.date;
  const k = settings.sigma;
  const points: SeriesPoint[] = det
    .filter((r) => r.date >= seriesFrom)
    .map((r) => ({
      date: r.date,
      status: r.status,
      rate: r.rate,
      expected: r.baseline,
      lower: r.baseline !== null && r.sigma !== null ? Math.max(0, r.baseline - k * r.sigma) : null,
      upper: r.baseline !== null && r.sigma !== null ? r.baseline + k * r.sigma : null,
      deviationSigma: r.deviationSigma,
      views: r.views,
      purchases: r.purchases,
      allTrafficRate: allRate.get(r.date) ?? null,
    }));

  // ---- funnel comparison
  const funnelAll = funnelSide({}, 'All traffic', ex.total.steps);
  const funnelCulprit = funnelSide(culpritSeg, label, steps);
  const brokenStep = hasIncident ? brokenStepOf(funnelCulprit) : 'none';

  // ---- root-cause table
  const topN = input.topCandidates ?? 8;
  const rows: RootCauseRow[] = ex.candidates.slice(0, topN).map((c, i) => {
    const path: RootCauseRow['path'] = [];
    let prev: Segment = {};
    for (const seg of c.path) {
      for (const d of segmentDims(seg, dims)) {
        if (!(d in prev)) path.push({ dimension: d, value: seg[d], label: F.value(seg[d], d) });
      }
      prev = seg;
    }
    return {
      rank: i + 1,
      segment: c.segment,
      label: F.segment(c.segment, dims),
      exact: F.segmentExact(c.segment, dims),
      path,
      explains: c.explains,
      purchasesLost: c.purchasesLost,
      revenueLost: revenueAvailable ? c.revenueLost : null,
      deviationSigma: c.deviationSigma,
      baselineConversion: c.baselineConversion,
      incidentConversion: c.incidentConversion,
      viewsChange: c.steps.views.change,
      purchasesChange: c.steps.purchases.change,
      isCulprit: segmentKey(c.segment) === culpritKey,
    };
  });

  // ---- calendar: up to 26 weeks ending on the last day of data
  const calFrom = (() => {
    const start = addDays(data.to, -181);
    return start < data.from ? data.from : start;
  })();
  const counts: Record<DetectionStatus, number> = {
    OK: 0,
    ANOMALY: 0,
    CRITICAL: 0,
    INSUFFICIENT_DATA: 0,
    NO_DATA: 0,
  };
  const calDays: CalendarDay[] = det
    .filter((r) => r.date >= calFrom)
    .map((r) => {
      counts[r.status]++;
      return {
        date: r.date,
        status: r.status,
        direction: r.direction,
        deviationSigma: r.deviationSigma,
        rate: r.rate,
      };
    });

  // ---- scan: every segment over the report window, alerts other than the culprit
  const scanRange: Period = { from: seriesFrom, to: data.to };
  const scanDims = [...dims];
  const sc = scan(cube, {
    dimensions: scanDims,
    maxLevel: Math.min(maxDepth, scanDims.length),
    range: scanRange,
    settings,
    daily: false,
  });
  const viewsAfter = (seg: Segment) => {
    let v = 0;
    for (const d of aggregateSeries(cube, seg)) if (d.date >= incident.from) v += d.views;
    return v;
  };
  const alerts: ScanAlertRow[] = [];
  for (const row of sc.segments) {
    if (row.criticalPeriods.length === 0) continue;
    if (segmentKey(row.segment) === culpritKey) continue;
    const relation = segmentRelation(culpritSeg, row.segment, () => {
      const inter = { ...row.segment, ...culpritSeg };
      const total = viewsAfter(row.segment);
      return total > 0 ? viewsAfter(inter) / total : 0;
    });
    alerts.push({
      segment: row.segment,
      label: F.segment(row.segment, dims),
      exact: F.segmentExact(row.segment, dims),
      relation,
      periods: row.criticalPeriods,
      firstCritical: row.firstCritical,
      worstSigma: row.worstSigma,
      purchasesLost: row.purchasesLost,
    });
  }
  alerts.sort(
    (a, b) =>
      RELATION_ORDER[a.relation] - RELATION_ORDER[b.relation] ||
      b.purchasesLost - a.purchasesLost ||
      a.label.localeCompare(b.label),
  );
  const unrelated = alerts.filter((a) => a.relation === 'unrelated').length;
  const related = alerts.length - unrelated;
  const scanText = (() => {
    const span = `between ${F.date(scanRange.from)} and ${F.date(scanRange.to)}`;
    if (alerts.length === 0) {
      return `None: ${span}, no segment other than ${label} raised a CRITICAL alert (${F.plural(sc.segments.length, 'segment')} scanned).`;
    }
    const parts: string[] = [];
    if (related) {
      parts.push(
        `${F.plural(related, 'segment')} that contain or overlap ${label} — the same incident seen from a wider or narrower angle`,
      );
    }
    if (unrelated) parts.push(`${F.plural(unrelated, 'segment')} unrelated to it — check these separately`);
    return `${F.plural(sc.segments.length, 'segment')} scanned ${span}; besides ${label}, CRITICAL alerts came from ${parts.join(', and ')}.`;
  })();

  // ---- words
  const dataDays = daysBetween(incident.from, data.to < incident.to ? data.to : incident.to) + 1;
  const revenueText =
    revenueLost !== null && revenueLost > 0 ? ` (about ${F.money(revenueLost)} in revenue)` : '';
  const title = hasIncident ? `Conversion incident: ${label}` : `No significant conversion drop: ${label}`;
  const headline = hasIncident
    ? `${label} has lost ${F.int(purchasesLost)} purchases since ${F.date(incident.from)}.`
    : `${label} shows no significant loss of purchases between ${F.date(incident.from)} and ${F.date(incident.to)}.`;
  const stepWords: Record<ReportModel['brokenStep'], string> = {
    checkout: `Its visitors still view products and add them to the cart (views ${F.change(funnelCulprit.steps[0].change)}, carts ${F.change(funnelCulprit.steps[1].change)}), but far fewer complete the purchase (purchases ${F.change(funnelCulprit.steps[2].change)}): the funnel breaks at checkout.`,
    cart: `Visitors keep viewing products (views ${F.change(funnelCulprit.steps[0].change)}) but add far fewer to the cart (carts ${F.change(funnelCulprit.steps[1].change)}): the funnel breaks at add-to-cart.`,
    traffic: `Its traffic itself fell (views ${F.change(funnelCulprit.steps[0].change)}).`,
    none: '',
  };
  const sure: string[] = [];
  if (deviationSigma !== null) {
    sure.push(
      `purchases per day are ${F.sigma(deviationSigma).replace(MINUS, '')} below the baseline average (${F.period(baseline)})`,
    );
  }
  sure.push(`the segment accounts for ${F.share(explainsShare)} of all purchases lost in the period`);
  const detectorWords = firstCritical
    ? `The ${settings.profile} detector raised a CRITICAL alert on ${F.date(firstCritical)}, ${F.plural(detectionDelayDays ?? 0, 'day')} after the start${latest.status === 'CRITICAL' ? `, and the segment is still CRITICAL on the last day of data (${F.date(latest.date)})` : `; on the last day of data (${F.date(latest.date)}) its status is ${latest.status}`}.`
    : `The ${settings.profile} detector has not raised a CRITICAL alert for this segment in the period (last status: ${latest.status} on ${F.date(latest.date)}).`;
  const summary = hasIncident
    ? [
        `Since ${F.dateLong(incident.from)}, conversion of ${label} (${exact}) fell from ${F.pct(convBefore)} to ${F.pct(convDuring)} (${F.change(relChange(convBefore, convDuring))}).`,
        stepWords[brokenStep],
        `Over ${F.plural(dataDays, 'day')} this cost an estimated ${F.int(purchasesLost)} purchases${revenueText}.`,
        `The evidence is ${firstCritical !== null && (deviationSigma ?? 0) <= -3 ? 'strong' : 'moderate'}: ${sure.join(', and ')}.`,
        detectorWords,
      ]
        .filter(Boolean)
        .join(' ')
    : [
        `Between ${F.date(incident.from)} and ${F.date(incident.to)}, conversion of ${label} (${exact}) was ${F.pct(convDuring)}, against ${F.pct(convBefore)} in the baseline (${F.period(baseline)}).`,
        purchasesLost > 0
          ? `The estimated ${F.int(purchasesLost)} purchases lost are within normal day-to-day variation (purchases per day ${F.sigma(deviationSigma)} against the baseline).`
          : 'No purchases were lost.',
        detectorWords,
      ].join(' ');

  // ---- methodology
  const dirWords = settings.directions.includes('spike')
    ? settings.directions.includes('drop')
      ? 'drops and spikes'
      : 'spikes only'
    : 'drops only';
  const detectorParagraph =
    settings.profile === 'robust'
      ? `Detector (robust profile): each day's conversion (purchases ÷ views) is compared with an expected rate built from the last ${settings.weeks} weeks, adjusted for the weekday, with a variance that combines sampling noise and the extra day-to-day variation measured in the history; days already judged anomalous are kept out of later baselines. A day is an ANOMALY at ${settings.sigma}σ or more from the expected rate; a run of at least ${settings.streak} consecutive low days (each at least 1σ low) is CRITICAL when its combined evidence reaches ${settings.sigma + ROBUST_PARAMS.criticalMargin}σ, or, after at least ${Math.max(settings.streak, ROBUST_PARAMS.cusumMinRun)} such days, when the evidence accumulated since the drop began (CUSUM) reaches ${settings.sigma + ROBUST_PARAMS.criticalMargin + ROBUST_PARAMS.cusumMargin}σ. Days with fewer than ${F.int(settings.minViews)} views get no verdict (INSUFFICIENT_DATA).`
      : `Detector (seed profile, the reference rule): each day's conversion is compared with the median of the same weekday over the previous ${settings.weeks} weeks, σ = 1.4826 × MAD; a day at or below median − ${settings.sigma}σ is an ANOMALY, ${settings.streak} anomalous days in a row are CRITICAL.`;
  const paragraphs = [
    `Periods: the baseline ${F.period(baseline)} (${baselineChosenBy === 'given' ? 'given' : `the ${Math.round((daysBetween(baseline.from, baseline.to) + 1) / 7)} whole weeks before the incident`}) is compared with the incident ${F.period(incident)} (${incidentChosenBy === 'given' ? 'given' : "the detector's latest critical period"}). Only days present in the data count; dates are UTC calendar days.`,
    `Root cause (dimensional σ analysis): every value of ${dims.map((d) => F.dimension(d).toLowerCase()).join(', ')} and every combination of up to ${maxDepth} of them is compared between the two periods. Purchases lost = (baseline conversion − incident conversion) × incident views; a segment's share ("explains") is its loss divided by the total loss, summed over the finest segments (noise cancels; segments whose conversion rose significantly, binomial z ≥ ${EXPLAIN_PARAMS.gainZ}, are left out). σ = change of purchases per day in baseline standard deviations. Candidates are ranked by share × surprise; a narrower segment that carries at least ${Math.round(EXPLAIN_PARAMS.refineShare * 100)} % of its parent's loss ranks first.`,
    detectorParagraph,
    `Scan: the same detector runs on every segment (all levels up to ${Math.min(maxDepth, scanDims.length)} dimensions) from ${F.date(scanRange.from)} to ${F.date(scanRange.to)}; earlier data serves as history. It counts ${dirWords}.`,
  ];
  if (revenueAvailable) {
    paragraphs.push(
      `Revenue lost = purchases lost × the segment's average order value in the baseline, in the data's currency.`,
    );
  } else {
    paragraphs.push('The data has no price column, so revenue is not reported.');
  }
  const table = [
    { name: 'Detector profile', value: settings.profile },
    { name: 'Anomaly threshold', value: `${settings.sigma}σ` },
    { name: 'Baseline weeks (detector)', value: String(settings.weeks) },
    { name: 'Days in a row for CRITICAL', value: String(settings.streak) },
    { name: 'Minimum views per day', value: F.int(settings.minViews) },
    { name: 'Directions', value: dirWords },
    { name: 'Dimensions analysed', value: dims.join(', ') || '(none)' },
    { name: 'Deepest combination', value: String(maxDepth) },
    { name: 'Baseline period', value: `${baseline.from}..${baseline.to}` },
    { name: 'Incident period', value: `${incident.from}..${incident.to}` },
    {
      name: 'Culprit',
      value: `${formatSegment(culpritSeg, dims).replace(/,/g, ', ') || 'all traffic'} (${chosenBy === 'given' ? 'given' : 'top candidate'})`,
    },
  ];

  // ---- data quality
  const m = profile.mapping;
  const columns: { role: string; column: string }[] = [
    { role: 'timestamp', column: m.ts },
    { role: 'visitor', column: m.visitor_id },
    { role: 'event type', column: m.event_type },
  ];
  for (const [role, col] of [
    ['session', m.session_id],
    ['item', m.item_id],
    ['transaction', m.transaction_id],
    ['price', m.price],
    ['quantity', m.quantity],
  ] as const) {
    if (col) columns.push({ role, column: col });
  }
  for (const [d, col] of Object.entries(m.dimensions ?? {}))
    columns.push({ role: `dimension ${d}`, column: col });
  const rejected = Object.entries(profile.rows.rejected).map(([reason, count]) => ({ reason, count }));
  const rejectedTotal = rejected.reduce((a, r) => a + r.count, 0);
  const notes: string[] = [];
  if (profile.files.skipped.length)
    notes.push(
      `${F.plural(profile.files.skipped.length, 'file')} could not be used and were left out (reasons below).`,
    );
  if (rejectedTotal) notes.push(`${F.plural(rejectedTotal, 'row')} were rejected and not counted.`);
  if (profile.rows.duplicates)
    notes.push(`${F.plural(profile.rows.duplicates, 'exact duplicate event')} were counted once.`);
  const gaps = countMissingDays(cube, data);
  if (gaps > 0)
    notes.push(
      `${F.plural(gaps, 'calendar day')} between ${F.date(data.from)} and ${F.date(data.to)} have no data.`,
    );
  if (notes.length === 0) notes.push('No file was skipped, no row rejected, no duplicate found.');

  return {
    version: REPORT_MODEL_VERSION,
    generatedAt: input.generatedAt,
    generatedAtText: F.timestamp(input.generatedAt),
    source: input.source,
    hasIncident,
    title,
    headline,
    summary,
    brokenStep,
    culprit: { segment: culpritSeg, label, exact, chosenBy },
    periods: { baseline, incident, data, incidentChosenBy, baselineChosenBy },
    revenueAvailable,
    keyFigures: {
      purchasesLost,
      revenueLost,
      explains: explainsShare,
      deviationSigma,
      conversionBefore: convBefore,
      conversionDuring: convDuring,
      conversionChange: relChange(convBefore, convDuring),
      incidentStart: incident.from,
      incidentDays: dataDays,
      firstCritical,
      detectionDelayDays,
      latestStatus: latest.status,
      latestDate: latest.date,
      worstDaySigma,
    },
    series: { from: seriesFrom, to: data.to, points, bandSigma: k },
    funnel: { allTraffic: funnelAll, culprit: funnelCulprit },
    rootCause: {
      dimensions: dims,
      maxDepth,
      candidates: rows,
      moreCandidates: Math.max(0, ex.candidates.length - rows.length),
      totalPurchasesLost: ex.total.purchasesLost,
      totalRevenueLost: revenueAvailable ? ex.total.revenueLost : null,
      netPurchasesLost: ex.total.netPurchasesLost,
      finding: ex.finding,
    },
    calendar: { from: calFrom, to: data.to, days: calDays, counts },
    scan: {
      range: scanRange,
      dimensions: scanDims,
      maxLevel: Math.min(maxDepth, scanDims.length),
      segmentsScanned: sc.segments.length,
      alerts,
      unrelatedAlerts: unrelated,
      text: scanText,
    },
    methodology: { settings, paragraphs, table },
    dataQuality: {
      layout: profile.layout,
      filesRead: profile.files.read,
      filesSkipped: profile.files.skipped,
      rowsRead: profile.rows.read,
      rejected,
      rejectedTotal,
      duplicates: profile.rows.duplicates,
      range: profile.range,
      dimensions: Object.entries(profile.dimensions).map(([name, distinct]) => ({ name, distinct })),
      columns,
      notes,
    },
  };
}

function countMissingDays(cube: Cube, data: Period): number {
  const seen = new Set<string>();
  for (const r of cube.rows) seen.add(r.date);
  return toDayNumber(data.to) - toDayNumber(data.from) + 1 - seen.size;
}
