/**
 * The worker's scan requests (the Scan view): a second cube with the dimensions the analyst chose (fetched from the
 * host, loaded here), core `scanAsync` over it with progress and cancel, the what-if comparison of two settings
 * (core `compareScans`) and the incident replay (core `incidentReplay`). A `SegmentIndex` is kept between requests
 * with the same cube, dimensions, levels and grain, so a settings change only re-runs the detector.
 */
import type { Cube, CubeRow, DetectorSettings, Segment } from '../../core/types.js';
import { buildSegmentIndex, type SegmentIndex } from '../../core/segments.js';
import {
  compareScans,
  incidentReplay,
  scanAsync,
  type ScanOptions,
  type ScanResult,
} from '../../core/scan.js';
import { suggestIncident } from '../../core/explain.js';
import type {
  RequestOf,
  ScanCubeSummary,
  ScanRunResult,
  ScanParams,
  WhatIfResult,
  ReplayResult,
} from './protocol.js';
import { CancelledError } from './protocol.js';
import type { RunContext, SqlDb } from './engine.js';
import { ident } from './sql.js';

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

interface ScanState {
  cube: Cube;
  summary: ScanCubeSummary;
  index: { key: string; index: SegmentIndex } | null;
}

/** one scan cube (and kept index) per engine (the key: any object owning the requests, the AnalysisEngine) */
const states = new WeakMap<object, ScanState>();

/** Load the host's cube (Arrow IPC) for the scan: keeps hour rows when the cube has an hour column. */
export async function loadScanCube(
  owner: object,
  db: SqlDb,
  req: RequestOf<'scanCube'>,
  ctx: RunContext,
): Promise<ScanCubeSummary> {
  const t0 = performance.now();
  if (!(req.cube instanceof Uint8Array) || req.cube.byteLength === 0)
    throw new Error('the scan cube is empty (no Arrow IPC bytes)');
  ctx.progress({ phase: 'loading scan cube', done: 0, total: 2 });
  await db.insertArrowIPC('scan_raw', req.cube);
  const cols = (await db.query('DESCRIBE scan_raw')).map((r) => ({
    name: String(r.column_name),
    type: String(r.column_type).toUpperCase(),
  }));
  const names = new Set(cols.map((c) => c.name));
  for (const need of ['date', 'views', 'carts', 'purchases'])
    if (!names.has(need))
      throw new Error(`the scan cube has no ${need} column (columns: ${cols.map((c) => c.name).join(', ')})`);
  const missing = req.dimensions.filter((d) => !names.has(d));
  if (missing.length) throw new Error(`the scan cube lacks the dimension(s) ${missing.join(', ')}`);
  const hasHour = names.has('hour');
  const hasRevenue = names.has('revenue');
  ctx.checkpoint();
  const dimSel = req.dimensions.map((d) => `CAST(${ident(d)} AS VARCHAR) AS ${ident(d)}`);
  const rows = await db.query(
    `SELECT strftime(CAST(date AS DATE), '%Y-%m-%d') AS date${hasHour ? ', CAST(hour AS INTEGER) AS hour' : ''}` +
      `${dimSel.length ? ', ' + dimSel.join(', ') : ''}, views::DOUBLE AS views, carts::DOUBLE AS carts, ` +
      `purchases::DOUBLE AS purchases, ${hasRevenue ? 'coalesce(revenue, 0)::DOUBLE' : '0::DOUBLE'} AS revenue FROM scan_raw`,
  );
  await db.query('DROP TABLE IF EXISTS scan_raw');
  ctx.checkpoint();
  const cubeRows: CubeRow[] = rows.map((r) => {
    const dims: Record<string, string | null> = {};
    for (const d of req.dimensions) dims[d] = r[d] === null || r[d] === undefined ? null : String(r[d]);
    const row: CubeRow = {
      date: String(r.date),
      views: num(r.views),
      carts: num(r.carts),
      purchases: num(r.purchases),
      revenue: num(r.revenue),
      dims,
    };
    if (hasHour) row.hour = num(r.hour);
    return row;
  });
  if (cubeRows.length === 0) throw new Error('the scan cube has no rows');
  let from = cubeRows[0].date;
  let to = from;
  for (const r of cubeRows) {
    if (r.date < from) from = r.date;
    if (r.date > to) to = r.date;
  }
  const summary: ScanCubeSummary = {
    key: req.key,
    rows: cubeRows.length,
    dimensions: [...req.dimensions],
    grain: hasHour ? 'hour' : 'day',
    range: { from, to },
    loadMs: Math.round(performance.now() - t0),
  };
  states.set(owner, {
    cube: { dimensions: [...req.dimensions], grain: summary.grain, rows: cubeRows },
    summary,
    index: null,
  });
  return summary;
}

function requireScan(owner: object): ScanState {
  const state = states.get(owner);
  if (!state) throw new Error('no scan cube loaded: choose dimensions and run the scan');
  return state;
}

function checkParams(s: ScanState, p: ScanParams): void {
  if (p.dimensions.length === 0) throw new Error('choose at least one dimension to scan');
  const missing = p.dimensions.filter((d) => !s.cube.dimensions.includes(d));
  if (missing.length) throw new Error(`the scan cube does not have the dimension(s) ${missing.join(', ')}`);
  if (p.grain === 'hour' && s.cube.grain !== 'hour')
    throw new Error('an hour-grain scan needs an hour cube: reload the scan cube with grain "hour"');
}

/** the kept index when it fits these parameters, else a new one (kept for the next settings change) */
function indexFor(s: ScanState, p: ScanParams): { index: SegmentIndex; reused: boolean } {
  const key = JSON.stringify([p.dimensions, p.minLevel, p.maxLevel, p.grain]);
  if (s.index && s.index.key === key) return { index: s.index.index, reused: true };
  const index = buildSegmentIndex(s.cube, {
    dimensions: p.dimensions,
    minLevel: p.minLevel,
    maxLevel: p.maxLevel,
    includeAllTraffic: true,
    grain: p.grain,
  });
  s.index = { key, index };
  return { index, reused: false };
}

/** a `signal` for core that reads the request's cancellation through the dispatcher's checkpoint */
function signalOf(ctx: RunContext): { readonly aborted: boolean } {
  return {
    get aborted() {
      try {
        ctx.checkpoint();
        return false;
      } catch {
        return true;
      }
    },
  };
}

function rethrow(e: unknown): never {
  if (e instanceof Error && e.name === 'AbortError') throw new CancelledError();
  throw e;
}

async function runOne(
  s: ScanState,
  p: ScanParams,
  settings: DetectorSettings,
  index: SegmentIndex,
  ctx: RunContext,
  phase: string,
): Promise<ScanResult> {
  const opts: ScanOptions = {
    dimensions: p.dimensions,
    minLevel: p.minLevel,
    maxLevel: p.maxLevel,
    range: p.range ?? undefined,
    settings,
    directions: p.spikes ? ['drop', 'spike'] : ['drop'],
    minViewsPerDay: p.minViewsPerDay,
    grain: p.grain,
    index,
    includeAllTraffic: true,
    checkEvery: 25,
    onProgress: (done, total) => ctx.progress({ phase, done, total }),
    signal: signalOf(ctx),
  };
  try {
    return await scanAsync(s.cube, opts);
  } catch (e) {
    rethrow(e);
  }
}

export async function runScan(
  owner: object,
  req: RequestOf<'scan'>,
  ctx: RunContext,
): Promise<ScanRunResult> {
  const t0 = performance.now();
  const s = requireScan(owner);
  checkParams(s, req.params);
  ctx.progress({ phase: 'aggregating segments', done: 0, total: 1 });
  const t1 = performance.now();
  const { index, reused } = indexFor(s, req.params);
  const indexMs = performance.now() - t1;
  ctx.checkpoint();
  const result = await runOne(s, req.params, req.settings, index, ctx, 'scanning segments');
  return {
    cubeKey: s.summary.key,
    result,
    aggregated: index.segments.length,
    indexReused: reused,
    indexMs: Math.round(indexMs),
    ms: Math.round(performance.now() - t0),
  };
}

export async function runWhatIf(
  owner: object,
  req: RequestOf<'whatif'>,
  ctx: RunContext,
): Promise<WhatIfResult> {
  const t0 = performance.now();
  const s = requireScan(owner);
  checkParams(s, req.params);
  const { index } = indexFor(s, req.params);
  ctx.checkpoint();
  const a = await runOne(s, req.params, req.a, index, ctx, 'scanning with setting A');
  const b = await runOne(s, req.params, req.b, index, ctx, 'scanning with setting B');
  const strip = (r: ScanResult): ScanResult => ({ ...r, daily: undefined });
  return {
    a: strip(a),
    b: strip(b),
    comparison: compareScans(a, b),
    ms: Math.round(performance.now() - t0),
  };
}

export async function runReplay(
  owner: object,
  req: RequestOf<'replay'>,
  ctx: RunContext,
): Promise<ReplayResult> {
  const t0 = performance.now();
  const s = requireScan(owner);
  checkParams(s, req.params);
  let incident: { segment: Segment; start: string } | null = req.incident;
  let suggested = false;
  if (!incident) {
    ctx.progress({ phase: 'asking the detector for the incident', done: 0, total: 1 });
    const sug = suggestIncident(s.cube, req.settingsList[0], { dimensions: req.params.dimensions });
    if (!sug)
      throw new Error('the detector found no sustained drop to replay: give a segment and a start date');
    incident = { segment: sug.segment, start: sug.incident.from };
    suggested = true;
  }
  for (const d of Object.keys(incident.segment))
    if (!s.cube.dimensions.includes(d))
      throw new Error(
        `the incident segment uses "${d}", which is not among the scanned dimensions (${s.cube.dimensions.join(', ')})`,
      );
  ctx.checkpoint();
  const outcomes = incidentReplay(s.cube, incident, req.settingsList, {
    dimensions: req.params.dimensions,
    minLevel: req.params.minLevel,
    maxLevel: req.params.maxLevel,
    range: req.params.range ?? undefined,
    minViewsPerDay: req.params.minViewsPerDay,
    grain: req.params.grain,
    onProgress: (done, total) => ctx.progress({ phase: 'replaying', done, total }),
    signal: signalOf(ctx),
  });
  return { incident, suggested, outcomes, ms: Math.round(performance.now() - t0) };
}
