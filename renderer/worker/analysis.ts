/**
 * The worker's heavier requests: root cause (σ table per dimension + core explain), the anomaly calendar (core
 * detector per segment) and the suggested incident. Runs inside the analysis worker (or a Node test).
 */
import type { DetectionResult, DetectionStatus, Segment } from '../../core/types.js';
import { detectSeries } from '../../core/detector.js';
import { aggregateSeries, segmentKey, segmentLabel as coreLabel } from '../../core/segments.js';
import { explain, suggestIncident, type ExplainResult } from '../../core/explain.js';
import { segmentLabel } from '../lib/format.js';
import type { CalendarResult, RequestOf, RootCauseResult, SuggestResult } from './protocol.js';
import { type AnalysisEngine, type RunContext, checkPeriods, countStatuses } from './engine.js';

/** the unfiltered explain of the last (baseline, incident) pair: candidates and finding stay put while drilling */
let cachedAll: { key: string; cube: unknown; result: ExplainResult } | null = null;

export async function runRootCause(
  engine: AnalysisEngine,
  req: RequestOf<'rootcause'>,
  ctx: RunContext,
): Promise<RootCauseResult> {
  const { summary, cube } = engine.require();
  checkPeriods(req.baseline, req.incident);
  for (const d of Object.keys(req.filter)) {
    if (!summary.dimensions.includes(d)) throw new Error(`unknown dimension "${d}" in the drill-down filter`);
  }
  const remaining = summary.dimensions.filter((d) => !(d in req.filter));
  const dimension = req.dimension && remaining.includes(req.dimension) ? req.dimension : (remaining[0] ?? '');

  const key = JSON.stringify([req.baseline, req.incident]);
  let all = cachedAll && cachedAll.key === key && cachedAll.cube === cube ? cachedAll.result : null;
  if (!all) {
    ctx.progress({ phase: 'ranking candidates', done: 0, total: 2 });
    all = explain(cube, { baseline: req.baseline, incident: req.incident });
    cachedAll = { key, cube, result: all };
    ctx.checkpoint();
  }
  const filtered = Object.keys(req.filter).length
    ? explain(cube, { baseline: req.baseline, incident: req.incident, filter: req.filter, maxDepth: 1 })
    : all;
  ctx.checkpoint();
  return {
    baseline: req.baseline,
    incident: req.incident,
    filter: req.filter,
    dimension,
    remaining,
    dimensions: filtered.dimensions,
    total: filtered.total,
    candidates: all.candidates.slice(0, 25),
    finding: prettyFinding(all, cube.dimensions),
  };
}

/** core's finding names values as in the data ("mobile × ios × safari"); the UI shows "Mobile × iOS × Safari" */
function prettyFinding(r: ExplainResult, order: string[]): string {
  const top = r.candidates[0];
  if (!top) return r.finding;
  const raw = coreLabel(top.segment, order);
  return r.finding.startsWith(raw)
    ? segmentLabel(top.segment, order) + r.finding.slice(raw.length)
    : r.finding;
}

const RANK: Record<DetectionStatus, number> = {
  CRITICAL: 4,
  ANOMALY: 3,
  OK: 2,
  INSUFFICIENT_DATA: 1,
  NO_DATA: 0,
};

/** is `a` a worse verdict than `b`? (status first, then the more negative deviation) */
export function worse(a: DetectionResult, b: DetectionResult): boolean {
  if (RANK[a.status] !== RANK[b.status]) return RANK[a.status] > RANK[b.status];
  return (a.deviationSigma ?? 0) < (b.deviationSigma ?? 0);
}

export async function runCalendar(
  engine: AnalysisEngine,
  req: RequestOf<'calendar'>,
  ctx: RunContext,
): Promise<CalendarResult> {
  const t0 = performance.now();
  const { summary, cube } = engine.require();
  const range = summary.range;
  if (req.segment !== 'worst') {
    const segment = req.segment;
    const series = detectSeries(aggregateSeries(cube, segment), req.settings, segment, range);
    const days = series;
    return {
      mode: 'segment',
      segment,
      settings: req.settings,
      days,
      series,
      scanned: 1,
      counts: countStatuses(series.map((r) => r.status)),
      ms: Math.round(performance.now() - t0),
    };
  }
  // worst segment per day: the detector over every finest combination, the worst verdict per day
  const finest = new Map<string, Segment>();
  for (const r of cube.rows) {
    const seg: Segment = {};
    for (const d of cube.dimensions) seg[d] = r.dims[d] ?? '(none)';
    finest.set(segmentKey(seg), seg);
  }
  let worstByDay: DetectionResult[] | null = null;
  let worstSeries: DetectionResult[] | null = null;
  let worstScore = Infinity;
  let i = 0;
  for (const seg of finest.values()) {
    const series = detectSeries(aggregateSeries(cube, seg), req.settings, seg, range);
    if (!worstByDay) worstByDay = series.slice();
    else
      for (let k = 0; k < series.length; k++) if (worse(series[k], worstByDay[k])) worstByDay[k] = series[k];
    const score = series.reduce(
      (a, r) => a + (r.status === 'CRITICAL' ? -1000 : 0) + Math.min(0, r.deviationSigma ?? 0),
      0,
    );
    if (score < worstScore) {
      worstScore = score;
      worstSeries = series;
    }
    if (++i % 16 === 0) ctx.checkpoint();
  }
  const byDay = worstByDay ?? [];
  const days = byDay;
  const series = worstSeries ?? [];
  return {
    mode: 'worst',
    segment: series[0]?.segment ?? {},
    settings: req.settings,
    days,
    series,
    scanned: finest.size,
    counts: countStatuses(days.map((d) => d.status)),
    ms: Math.round(performance.now() - t0),
  };
}

export async function runSuggest(
  engine: AnalysisEngine,
  req: RequestOf<'suggest'>,
  ctx: RunContext,
): Promise<SuggestResult> {
  const { cube } = engine.require();
  const s = suggestIncident(cube, req.settings);
  ctx.checkpoint();
  if (!s)
    return {
      incident: null,
      baseline: null,
      segment: null,
      reason: 'The detector found no sustained drop in any segment.',
    };
  return {
    incident: s.incident,
    baseline: s.baseline,
    segment: s.segment,
    reason: `The detector flags a sustained drop in ${segmentLabel(s.segment, cube.dimensions)} from ${s.incident.from}.`,
  };
}
