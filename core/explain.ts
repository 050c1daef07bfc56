/**
 * Explain: dimensional σ analysis of a conversion drop between a baseline period and an incident period,
 * and the ranking of root-cause segments (see ARCHITECTURE.md § Explain (dimensional σ analysis) and scan).
 *
 * Definitions (all documented in ARCHITECTURE.md):
 * - Days of a period = calendar days in [from, to] on which the cube has any row (days the data set
 *   observed). A segment with no row on such a day counts 0 for it; days outside the data are ignored.
 * - Mean per day = plain mean over those days; σ per day = SAMPLE standard deviation (n − 1 denominator),
 *   0 when fewer than 2 days.
 * - change = incidentMean / baselineMean − 1 (null when baselineMean is 0); deviationSigma =
 *   (incidentMean − baselineMean) / baselineSigma (null when baselineSigma is 0 or undefined).
 * - conversion = purchases / views over the whole period; purchasesLost = (baseline conversion − incident
 *   conversion) × incident views (whole incident period; negative = gained); revenueLost = purchasesLost ×
 *   the segment's baseline average order value (all-traffic AOV when it had no baseline purchases).
 * - total lost (the denominator of `explains`) = Σ over the finest segments (every chosen dimension fixed)
 *   of their purchasesLost WITH SIGN, leaving out segments whose conversion rose significantly. Noise of the
 *   healthy segments cancels in that sum (a sum of positive parts would accumulate it), and genuine gains
 *   elsewhere do not hide the loss (as they do in the all-traffic loss, which is reported too).
 */
import type { Cube, DetectorSettings, ExplainCandidate, Period, Segment, StepStats } from './types.js';
import {
  addDays,
  assertDimensions,
  assertSegmentDims,
  buildSegmentIndex,
  daysBetween,
  segmentKey,
  segmentContains,
  segmentLabel,
  toDayNumber,
  type SegmentIndex,
  type SegmentSeries,
} from './segments.js';
import { scan, type ScanRow } from './scan.js';

export interface ExplainOptions {
  baseline: Period;
  incident: Period;
  /** dimensions to combine; default all cube dimensions (minus those fixed by `filter`) */
  dimensions?: string[];
  /** analyse only the rows of this segment */
  filter?: Segment;
  /** most dimensions combined in one candidate (beyond the filter); default 3 */
  maxDepth?: number;
  /** candidates need at least this many views per day in the baseline; default 0 */
  minBaselineViewsPerDay?: number;
}

type Steps = { views: StepStats; carts: StepStats; purchases: StepStats };

/** Statistics of one segment between the two periods (no ranking). */
export interface ExplainRow {
  segment: Segment;
  /** e.g. "mobile × ios × safari" */
  label: string;
  /** dimensions fixed (filter included); 0 = all traffic */
  level: number;
  /** days of each period the data set observed (the denominators of the means) */
  baselineDays: number;
  incidentDays: number;
  /** totals over each period */
  baselineViews: number;
  incidentViews: number;
  baselinePurchases: number;
  incidentPurchases: number;
  steps: Steps;
  /** purchases / views over the period; null without views */
  baselineConversion: number | null;
  incidentConversion: number | null;
  /** incidentConversion / baselineConversion − 1 */
  conversionChange: number | null;
  /** purchases / carts over the period (checkout completion); null without carts */
  baselineCheckout: number | null;
  incidentCheckout: number | null;
  purchasesLost: number;
  revenueLost: number;
  /** share (0–1) of the total lost purchases; 0 when the segment did not lose */
  explains: number;
  /** deviation in σ of purchases per day (steps.purchases.deviationSigma) */
  deviationSigma: number | null;
}

export interface RankedCandidate extends ExplainCandidate {
  label: string;
  level: number;
  /** score before the specificity rule (explains × surprise) */
  rawScore: number;
  /** key of the more specific candidate this one was ranked below, if any */
  refinedBy: string | null;
}

export interface ExplainTotal {
  /**
   * lost purchases, the denominator of `explains`: Σ over the finest segments (every chosen dimension fixed)
   * of their purchasesLost with sign, leaving out segments whose conversion rose significantly (binomial
   * z ≥ EXPLAIN_PARAMS.gainZ); 0 when that sum is negative
   */
  purchasesLost: number;
  /** lost revenue, same definition */
  revenueLost: number;
  /** Σ of the positive losses of the finest segments (an upper bound inflated by their noise) */
  grossPurchasesLost: number;
  /** finest segments left out of the total because their conversion rose significantly */
  gainingSegmentsLeftOut: number;
  /** the all-traffic (net) loss, (baseline − incident conversion) × incident views of everything analysed */
  netPurchasesLost: number;
  netRevenueLost: number;
  baselineConversion: number | null;
  incidentConversion: number | null;
  baselineDays: number;
  incidentDays: number;
  steps: Steps;
}

export interface ExplainResult {
  baseline: Period;
  incident: Period;
  filter: Segment;
  dimensions: Record<string, ExplainRow[]>;
  total: ExplainTotal;
  candidates: RankedCandidate[];
  finding: string;
}

/** Tuning of the ranking (documented in ARCHITECTURE.md). */
export const EXPLAIN_PARAMS = {
  /** a more specific segment replaces its ancestor when it explains at least this share of the ancestor's explanation */
  refineShare: 0.8,
  /** …unless the rest of the ancestor dropped (relatively) at least this fraction of the child's drop… */
  complementDropShare: 0.5,
  /** …and that rest's drop is significant at this binomial z */
  complementZ: 2,
  /** an ancestor ranks just below the child that refines it: score = this × child's score */
  refinedFactor: 0.99,
  /**
   * finest segments whose conversion rose with at least this binomial z are left out of the total lost
   * (3, not 2: daily conversions are overdispersed, and with hundreds of fine segments z ≥ 2 flags many
   * healthy ones, which biases the total upwards — measured on the sample with hour_of_day)
   */
  gainZ: 3,
} as const;

// ---------------------------------------------------------------- internals

interface Prepared {
  index: SegmentIndex;
  dims: string[];
  filter: Segment;
  filterLevel: number;
  maxDepth: number;
  bDays: number[];
  iDays: number[];
  allTrafficAov: number;
  total: ExplainTotal;
  rowOf(s: SegmentSeries): ExplainRow;
}

function periodOffsets(index: SegmentIndex, p: Period, what: string): number[] {
  const a = toDayNumber(p.from) - index.startDay;
  const b = toDayNumber(p.to) - index.startDay;
  if (b < a) throw new Error(`${what} period ${p.from}..${p.to} ends before it starts`);
  const out: number[] = [];
  for (let i = Math.max(0, a); i <= Math.min(b, index.dates.length - 1); i++)
    if (index.observed[i]) out.push(i);
  if (out.length === 0) {
    const range = index.dates.length ? `${index.dates[0]}..${index.dates[index.dates.length - 1]}` : 'none';
    throw new Error(`${what} period ${p.from}..${p.to} has no data (the data covers ${range})`);
  }
  return out;
}

function stepStats(arr: Float64Array, bDays: number[], iDays: number[]): StepStats {
  let bs = 0;
  for (const i of bDays) bs += arr[i];
  const bm = bs / bDays.length;
  let ss = 0;
  for (const i of bDays) ss += (arr[i] - bm) ** 2;
  const sd = bDays.length > 1 ? Math.sqrt(ss / (bDays.length - 1)) : 0;
  let is = 0;
  for (const i of iDays) is += arr[i];
  const im = is / iDays.length;
  return {
    baselineMean: bm,
    baselineSigma: sd,
    incidentMean: im,
    change: bm > 0 ? im / bm - 1 : null,
    deviationSigma: sd > 0 ? (im - bm) / sd : null,
  };
}

function sum(arr: Float64Array, days: number[]): number {
  let s = 0;
  for (const i of days) s += arr[i];
  return s;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function prepare(cube: Cube, opts: ExplainOptions): Prepared {
  const filter = opts.filter ?? {};
  assertSegmentDims(cube, filter, 'filter');
  const dims = (opts.dimensions ?? cube.dimensions).filter((d) => !(d in filter));
  assertDimensions(cube, dims);
  const maxDepth = Math.max(1, Math.min(opts.maxDepth ?? 3, dims.length || 1));
  if (
    toDayNumber(opts.incident.from) <= toDayNumber(opts.baseline.to) &&
    toDayNumber(opts.incident.to) >= toDayNumber(opts.baseline.from)
  ) {
    throw new Error(
      `baseline ${opts.baseline.from}..${opts.baseline.to} and incident ${opts.incident.from}..${opts.incident.to} overlap`,
    );
  }
  // Levels 0..maxDepth for the candidates; the finest level (every chosen dimension) for the gross total,
  // in the same index when it is at most one level deeper, else in a second index over the same day axis.
  const together = dims.length <= maxDepth + 1;
  const index = buildSegmentIndex(cube, {
    dimensions: dims,
    minLevel: 0,
    maxLevel: together ? dims.length : maxDepth,
    filter,
  });
  const finest = together
    ? index
    : buildSegmentIndex(cube, { dimensions: dims, minLevel: dims.length, maxLevel: dims.length, filter });
  const bDays = periodOffsets(index, opts.baseline, 'baseline');
  const iDays = periodOffsets(index, opts.incident, 'incident');
  const filterLevel = Object.keys(filter).length;
  const all = index.byKey.get(segmentKey(filter))!;
  const allBP = sum(all.purchases, bDays);
  const allTrafficAov = allBP > 0 ? sum(all.revenue, bDays) / allBP : 0;

  const rowOf = (s: SegmentSeries): ExplainRow => {
    const bv = sum(s.views, bDays);
    const iv = sum(s.views, iDays);
    const bp = sum(s.purchases, bDays);
    const ip = sum(s.purchases, iDays);
    const bc = sum(s.carts, bDays);
    const ic = sum(s.carts, iDays);
    const bConv = ratio(bp, bv);
    const iConv = ratio(ip, iv);
    const lost = bConv !== null && iConv !== null ? (bConv - iConv) * iv : 0;
    const aov = bp > 0 ? sum(s.revenue, bDays) / bp : allTrafficAov;
    const steps: Steps = {
      views: stepStats(s.views, bDays, iDays),
      carts: stepStats(s.carts, bDays, iDays),
      purchases: stepStats(s.purchases, bDays, iDays),
    };
    return {
      segment: s.segment,
      label: segmentLabel(s.segment, cube.dimensions),
      level: s.level,
      baselineDays: bDays.length,
      incidentDays: iDays.length,
      baselineViews: bv,
      incidentViews: iv,
      baselinePurchases: bp,
      incidentPurchases: ip,
      steps,
      baselineConversion: bConv,
      incidentConversion: iConv,
      conversionChange: bConv !== null && iConv !== null && bConv > 0 ? iConv / bConv - 1 : null,
      baselineCheckout: ratio(bp, bc),
      incidentCheckout: ratio(ip, ic),
      purchasesLost: lost,
      revenueLost: lost * aov,
      explains: 0,
      deviationSigma: steps.purchases.deviationSigma,
    };
  };

  // Total lost over the finest segments (all chosen dimensions fixed): their losses summed with sign, so
  // noise cancels, leaving out segments whose conversion rose significantly (they would hide the loss).
  let totalP = 0;
  let totalR = 0;
  let grossP = 0;
  let gainsLeftOut = 0;
  const finestLevel = filterLevel + dims.length;
  for (const s of finest.segments) {
    if (s.level !== finestLevel) continue;
    const r = rowOf(s);
    if (r.purchasesLost > 0) grossP += r.purchasesLost;
    if (r.purchasesLost < 0 && conversionZ(r) >= EXPLAIN_PARAMS.gainZ) {
      gainsLeftOut++;
      continue;
    }
    totalP += r.purchasesLost;
    totalR += r.revenueLost;
  }
  if (totalP < 0) {
    totalP = 0;
    totalR = 0;
  }
  const allRow = rowOf(all);
  const total: ExplainTotal = {
    purchasesLost: totalP,
    revenueLost: totalR,
    grossPurchasesLost: grossP,
    gainingSegmentsLeftOut: gainsLeftOut,
    netPurchasesLost: allRow.purchasesLost,
    netRevenueLost: allRow.revenueLost,
    baselineConversion: allRow.baselineConversion,
    incidentConversion: allRow.incidentConversion,
    baselineDays: bDays.length,
    incidentDays: iDays.length,
    steps: allRow.steps,
  };
  const withExplains = (s: SegmentSeries): ExplainRow => {
    const r = rowOf(s);
    r.explains = totalP > 0 && r.purchasesLost > 0 ? Math.min(1, r.purchasesLost / totalP) : 0;
    return r;
  };
  return {
    index,
    dims,
    filter,
    filterLevel,
    maxDepth,
    bDays,
    iDays,
    allTrafficAov,
    total,
    rowOf: withExplains,
  };
}

/** Surprise weight in [0, 1) from the deviation in σ of purchases per day: z² / (1 + z²) for drops. */
function surprise(r: ExplainRow): number {
  const st = r.steps.purchases;
  if (st.deviationSigma === null) return st.baselineSigma === 0 && st.incidentMean < st.baselineMean ? 1 : 0;
  const z = Math.max(0, -st.deviationSigma);
  return (z * z) / (1 + z * z);
}

/** Binomial z of a row's conversion change (incident − baseline), 0 without data. */
function conversionZ(r: ExplainRow): number {
  const { baselineViews: bv, incidentViews: iv, baselineConversion: bc, incidentConversion: ic } = r;
  if (bc === null || ic === null || bv <= 0 || iv <= 0) return 0;
  const p = (bc * bv + ic * iv) / (bv + iv);
  const se = Math.sqrt(p * (1 - p) * (1 / bv + 1 / iv));
  return se > 0 ? (ic - bc) / se : 0;
}

/** Binomial z of the conversion change of the rows in `outer` but not in `inner`; null without data. */
function complement(outer: ExplainRow, inner: ExplainRow): { rel: number; z: number } | null {
  const bv = outer.baselineViews - inner.baselineViews;
  const iv = outer.incidentViews - inner.incidentViews;
  const bp = outer.baselinePurchases - inner.baselinePurchases;
  const ip = outer.incidentPurchases - inner.incidentPurchases;
  if (bv <= 0 || iv <= 0 || bp <= 0) return null;
  const bc = bp / bv;
  const ic = ip / iv;
  const se = Math.sqrt(bc * (1 - bc) * (1 / bv + 1 / iv));
  return { rel: ic / bc - 1, z: se > 0 ? (ic - bc) / se : 0 };
}

function pct(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  const v = Math.round(x * 100);
  return (v > 0 ? '+' : v < 0 ? '−' : '±') + Math.abs(v) + ' %';
}

function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

// ---------------------------------------------------------------- public API

/**
 * Dimensional σ analysis: per-segment statistics for every value of every dimension and every combination
 * of up to maxDepth dimensions, and the root-cause candidates ranked best first.
 */
export function explain(cube: Cube, opts: ExplainOptions): ExplainResult {
  const P = prepare(cube, opts);
  const { index, dims, filterLevel, maxDepth } = P;
  const minViews = opts.minBaselineViewsPerDay ?? 0;

  const rows = new Map<string, ExplainRow>();
  for (const s of index.segments) {
    const depth = s.level - filterLevel;
    if (depth < 1 || depth > maxDepth) continue;
    rows.set(s.key, P.rowOf(s));
  }

  const dimensions: Record<string, ExplainRow[]> = {};
  for (const d of dims) dimensions[d] = [];
  for (const r of rows.values()) {
    if (r.level - filterLevel !== 1) continue;
    const d = Object.keys(r.segment).find((k) => !(k in P.filter))!;
    dimensions[d].push(r);
  }
  for (const d of dims)
    dimensions[d].sort((a, b) => b.purchasesLost - a.purchasesLost || a.label.localeCompare(b.label));

  // Candidates: segments that lost purchases, with enough baseline volume.
  const cands = [...rows.values()].filter(
    (r) => r.purchasesLost > 0 && r.explains > 0 && r.steps.views.baselineMean >= minViews,
  );
  const candByKey = new Map<string, ExplainRow>();
  for (const r of cands) candByKey.set(segmentKey(r.segment), r);
  const raw = new Map<string, number>();
  for (const r of cands) raw.set(segmentKey(r.segment), r.explains * surprise(r));

  // Descendants of each candidate among the candidates (proper ancestors by dropping fixed dimensions).
  const ownDims = (seg: Segment) => Object.keys(seg).filter((k) => !(k in P.filter));
  const desc = new Map<string, string[]>();
  for (const r of cands) {
    const own = ownDims(r.segment);
    const n = own.length;
    for (let mask = 1; mask < (1 << n) - 1; mask++) {
      const anc: Segment = { ...P.filter };
      for (let j = 0; j < n; j++) if (mask & (1 << j)) anc[own[j]] = r.segment[own[j]];
      const ak = segmentKey(anc);
      if (!candByKey.has(ak)) continue;
      let list = desc.get(ak);
      if (!list) desc.set(ak, (list = []));
      list.push(segmentKey(r.segment));
    }
  }

  // Specificity rule, deepest first: an ancestor whose explanation a descendant nearly matches, and whose
  // remaining traffic did not drop comparably, ranks just below that descendant.
  const adjusted = new Map<string, number>();
  const refinedBy = new Map<string, string | null>();
  const byDepthDesc = [...cands].sort((a, b) => b.level - a.level);
  for (const r of byDepthDesc) {
    const key = segmentKey(r.segment);
    let best: string | null = null;
    let bestScore = -1;
    for (const dk of desc.get(key) ?? []) {
      const d = candByKey.get(dk)!;
      if (d.explains < EXPLAIN_PARAMS.refineShare * r.explains) continue;
      const c = complement(r, d);
      const dRel = d.conversionChange ?? 0;
      if (c && c.rel <= EXPLAIN_PARAMS.complementDropShare * dRel && c.z <= -EXPLAIN_PARAMS.complementZ)
        continue;
      const sc = adjusted.get(dk)!;
      if (sc > bestScore) {
        bestScore = sc;
        best = dk;
      }
    }
    const base = raw.get(key)!;
    adjusted.set(key, best !== null ? Math.min(base, EXPLAIN_PARAMS.refinedFactor * bestScore) : base);
    refinedBy.set(key, best);
  }

  const candidates: RankedCandidate[] = cands.map((r) => {
    const key = segmentKey(r.segment);
    return {
      segment: r.segment,
      path: drillPath(r.segment, P.filter, dims, rows),
      explains: r.explains,
      purchasesLost: r.purchasesLost,
      revenueLost: r.revenueLost,
      deviationSigma: r.deviationSigma,
      baselineConversion: r.baselineConversion,
      incidentConversion: r.incidentConversion,
      steps: r.steps,
      score: adjusted.get(key)!,
      label: r.label,
      level: r.level,
      rawScore: raw.get(key)!,
      refinedBy: refinedBy.get(key) ?? null,
    };
  });
  candidates.sort(
    (a, b) =>
      b.score - a.score || b.level - a.level || b.explains - a.explains || a.label.localeCompare(b.label),
  );

  return {
    baseline: { ...opts.baseline },
    incident: { ...opts.incident },
    filter: { ...P.filter },
    dimensions,
    total: P.total,
    candidates,
    finding: findingSentence(candidates[0], P.total, opts.incident, cube.dimensions),
  };
}

/** Path from the best single dimension value (most explanation, ties in dimension order) down to `segment`. */
function drillPath(
  segment: Segment,
  filter: Segment,
  dims: string[],
  rows: Map<string, ExplainRow>,
): Segment[] {
  const own = dims.filter((d) => d in segment && !(d in filter));
  const path: Segment[] = [];
  let cur: Segment = { ...filter };
  const remaining = [...own];
  while (remaining.length > 1) {
    let bestDim = remaining[0];
    let bestExp = -Infinity;
    for (const d of remaining) {
      const next = { ...cur, [d]: segment[d] };
      const e = rows.get(segmentKey(next))?.explains ?? 0;
      if (e > bestExp) {
        bestExp = e;
        bestDim = d;
      }
    }
    cur = { ...cur, [bestDim]: segment[bestDim] };
    path.push(orderSegment(cur, dims, filter));
    remaining.splice(remaining.indexOf(bestDim), 1);
  }
  path.push(segment);
  return path;
}

function orderSegment(seg: Segment, dims: string[], filter: Segment): Segment {
  const out: Segment = { ...filter };
  for (const d of dims) if (d in seg && !(d in filter)) out[d] = seg[d];
  return out;
}

function findingSentence(
  best: RankedCandidate | undefined,
  total: ExplainTotal,
  incident: Period,
  order: string[],
): string {
  if (!best) {
    return `No segment lost purchases in ${incident.from}..${incident.to}: conversion ${fmtRate(total.baselineConversion)} → ${fmtRate(total.incidentConversion)}.`;
  }
  const st = best.steps;
  const sigma = best.deviationSigma !== null ? `, ${best.deviationSigma.toFixed(1).replace('-', '−')} σ` : '';
  return (
    `${segmentLabel(best.segment, order)}: purchases ${pct(st.purchases.change)} while views ${pct(st.views.change)} ` +
    `since ${incident.from}; conversion ${fmtRate(best.baselineConversion)} → ${fmtRate(best.incidentConversion)}` +
    `${sigma}; ${fmtInt(best.purchasesLost)} purchases lost, explains ${Math.round(best.explains * 100)} % of the lost purchases`
  );
}

function fmtRate(x: number | null): string {
  return x === null ? 'n/a' : (x * 100).toFixed(2) + ' %';
}

/**
 * Rows for the values of `nextDimension` inside `parent` (for click-to-drill tables); `explains` is relative
 * to the same total as explain() with the same options. Sorted by purchases lost, largest first.
 */
export function drill(
  cube: Cube,
  opts: ExplainOptions,
  parent: Segment,
  nextDimension: string,
): ExplainRow[] {
  assertSegmentDims(cube, parent, 'parent segment');
  assertDimensions(cube, [nextDimension]);
  if (nextDimension in parent) throw new Error(`parent segment already fixes "${nextDimension}"`);
  const P = prepare(cube, opts);
  const filter = { ...P.filter };
  for (const [k, v] of Object.entries(parent)) {
    if (k in filter && filter[k] !== v) return [];
  }
  const sub = buildSegmentIndex(cube, {
    dimensions: [nextDimension],
    minLevel: 1,
    maxLevel: 1,
    filter: { ...filter, ...parent },
  });
  // same cube, so the same day axis and offsets: P.rowOf gives explains against explain()'s total
  const out = sub.segments.map((s) => P.rowOf(s));
  return out.sort((a, b) => b.purchasesLost - a.purchasesLost || a.label.localeCompare(b.label));
}

export interface SuggestOptions {
  /** dimensions to scan; default all cube dimensions */
  dimensions?: string[];
  /** deepest combination scanned; default min(3, dimensions) */
  maxLevel?: number;
  range?: Partial<Period>;
  minViewsPerDay?: number;
  /** baseline length in weeks before the incident (default 8; shortened to the whole weeks available) */
  baselineWeeks?: number;
  /** critical periods of the chosen segment closer than this many days are merged into one incident (default 7) */
  mergeGapDays?: number;
}

export interface IncidentSuggestion {
  segment: Segment;
  incident: Period;
  baseline: Period;
}

/**
 * Suggests an incident from the detector. Scans the cube (levels 1..maxLevel and all traffic) and takes, among
 * the segments with critical periods, the one that lost the most purchases inside its critical periods; then
 * moves down to a more specific segment with critical periods while one keeps at least `refineShare` (0.8) of
 * that loss (so mobile × ios × safari is preferred over mobile or all traffic when it carries the loss). Its
 * critical periods at most `mergeGapDays` apart are merged and the latest is the incident (a critical period
 * starts where the anomalous streak that led to CRITICAL started). The baseline is the `baselineWeeks` whole
 * weeks right before the incident (fewer when the data starts later; at least one). Null when no segment has a
 * critical period, or there is not one week of data before it.
 */
export function suggestIncident(
  cube: Cube,
  settings: DetectorSettings,
  opts: SuggestOptions = {},
): IncidentSuggestion | null {
  const dims = opts.dimensions ?? cube.dimensions;
  const res = scan(cube, {
    dimensions: dims,
    maxLevel: Math.min(opts.maxLevel ?? 3, dims.length),
    range: opts.range,
    settings,
    minViewsPerDay: opts.minViewsPerDay,
    daily: false,
  });
  const critical = res.segments.filter((s) => s.criticalPeriods.length > 0);
  if (critical.length === 0) return null;
  const better = (a: ScanRow, b: ScanRow) =>
    a.criticalPurchasesLost > b.criticalPurchasesLost ||
    (a.criticalPurchasesLost === b.criticalPurchasesLost && a.level > b.level);
  let top = critical[0];
  for (const s of critical) if (better(s, top)) top = s;
  for (;;) {
    let next: ScanRow | null = null;
    for (const s of critical) {
      if (s.level <= top.level || !segmentContains(top.segment, s.segment)) continue;
      if (s.criticalPurchasesLost < EXPLAIN_PARAMS.refineShare * top.criticalPurchasesLost) continue;
      if (!next || better(s, next)) next = s;
    }
    if (!next) break;
    top = next;
  }
  const gap = opts.mergeGapDays ?? 7;
  const merged: { start: string; end: string }[] = [];
  for (const p of top.criticalPeriods) {
    const last = merged[merged.length - 1];
    if (last && daysBetween(last.end, p.start) <= gap + 1) last.end = p.end;
    else merged.push({ start: p.start, end: p.end });
  }
  const inc = merged[merged.length - 1];
  const first = res.range.from < inc.start ? firstDate(cube) : inc.start;
  const weeks = opts.baselineWeeks ?? 8;
  const available = Math.floor(daysBetween(first, inc.start) / 7);
  const w = Math.min(weeks, available);
  if (w < 1) return null;
  return {
    segment: top.segment,
    incident: { from: inc.start, to: inc.end },
    baseline: { from: addDays(inc.start, -7 * w), to: addDays(inc.start, -1) },
  };
}

function firstDate(cube: Cube): string {
  let first = cube.rows[0].date;
  for (const r of cube.rows) if (r.date < first) first = r.date;
  return first;
}
