/**
 * The analysis engine behind the worker protocol. Environment-free: it talks to DuckDB-WASM through the tiny
 * `SqlDb` interface (AsyncDuckDB in the browser worker, the blocking Node bundle in tests) and runs `core`
 * (detector, explain, scan) on an in-memory copy of the cube. The UI thread never calls this directly.
 */
import type {
  Cube,
  CubeRow,
  DayCounts,
  DetectionStatus,
  Period,
  Segment,
  StepStats,
} from '../../core/types.js';
import { addDays, periodDays, previousPeriod } from '../lib/dates.js';
import { segmentLabel } from '../lib/format.js';
import type {
  BreakdownRow,
  CubeSummary,
  FunnelResult,
  FunnelSide,
  Kpis,
  OverviewResult,
  Progress,
  RequestOf,
  RequestType,
  Responses,
} from './protocol.js';
import { CancelledError } from './protocol.js';
import { ident, inPeriod, lit, segmentWhere } from './sql.js';
import { runCalendar, runRootCause, runSuggest } from './analysis.js';
import { loadScanCube, runReplay, runScan, runWhatIf } from './scan.js';
import { isBusinessRequest, runBusiness } from './business.js';
import { isLiveRequest, runLive } from './live.js';

export type Row = Record<string, unknown>;

export interface SqlDb {
  /** run a statement, rows as plain objects (numbers as JS numbers) */
  query(sql: string): Promise<Row[]>;
  /** create (replace) `table` from Arrow IPC stream bytes */
  insertArrowIPC(table: string, bytes: Uint8Array): Promise<void>;
}

export interface RunContext {
  /** throws CancelledError when the request was cancelled or superseded */
  checkpoint(): void;
  progress(p: Progress): void;
}

export const NO_CONTEXT: RunContext = { checkpoint() {}, progress() {} };

const MEASURES = ['views', 'carts', 'purchases', 'revenue', 'visitors'] as const;
/** accepted source names for each measure (first match wins) */
const MEASURE_ALIASES: Record<(typeof MEASURES)[number], string[]> = {
  views: ['views', 'view'],
  carts: ['carts', 'cart', 'addtocarts', 'addtocart'],
  purchases: ['purchases', 'purchase', 'transactions', 'transaction'],
  revenue: ['revenue'],
  visitors: ['visitors', 'visitor'],
};
const DATE_NAMES = ['date', 'day', 'd'];
const NON_DIM = new Set(['hour', ...DATE_NAMES, ...Object.values(MEASURE_ALIASES).flat()]);
/** the label the worker gives to missing dimension values */
export const NONE_VALUE = '(none)';

export interface LoadedCube {
  summary: CubeSummary;
  cube: Cube;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const change = (now: number | null, before: number | null): number | null =>
  now === null || before === null || before === 0 ? null : (now - before) / before;

export class AnalysisEngine {
  private loaded: LoadedCube | null = null;

  constructor(private readonly db: SqlDb) {}

  get current(): LoadedCube | null {
    return this.loaded;
  }

  async run<K extends RequestType>(
    request: RequestOf<K>,
    ctx: RunContext = NO_CONTEXT,
  ): Promise<Responses[K]> {
    const r = request as RequestOf<RequestType>;
    switch (r.type) {
      case 'load':
        return (await this.load((r as RequestOf<'load'>).cube, ctx)) as Responses[K];
      case 'overview':
        return (await this.overview(r as RequestOf<'overview'>, ctx)) as Responses[K];
      case 'funnel':
        return (await this.funnel(r as RequestOf<'funnel'>, ctx)) as Responses[K];
      case 'rootcause':
        return (await runRootCause(this, r as RequestOf<'rootcause'>, ctx)) as Responses[K];
      case 'calendar':
        return (await runCalendar(this, r as RequestOf<'calendar'>, ctx)) as Responses[K];
      case 'suggest':
        return (await runSuggest(this, r as RequestOf<'suggest'>, ctx)) as Responses[K];
      case 'scanCube':
        return (await loadScanCube(this, this.db, r as RequestOf<'scanCube'>, ctx)) as Responses[K];
      case 'scan':
        return (await runScan(this, r as RequestOf<'scan'>, ctx)) as Responses[K];
      case 'whatif':
        return (await runWhatIf(this, r as RequestOf<'whatif'>, ctx)) as Responses[K];
      case 'replay':
        return (await runReplay(this, r as RequestOf<'replay'>, ctx)) as Responses[K];
      default:
        if (isBusinessRequest(r)) return (await runBusiness(this, this.db, r, ctx)) as Responses[K];
        if (isLiveRequest(r)) return (await runLive(this, this.db, r, ctx)) as Responses[K];
        throw new Error(`unknown request type ${(r as { type: string }).type}`);
    }
  }

  require(): LoadedCube {
    if (!this.loaded) throw new Error('no dataset loaded: open a folder or the sample first');
    return this.loaded;
  }

  query(sql: string): Promise<Row[]> {
    return this.db.query(sql);
  }

  // ---------------------------------------------------------------- load

  async load(bytes: Uint8Array, ctx: RunContext): Promise<CubeSummary> {
    const t0 = performance.now();
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0)
      throw new Error('the cube is empty (no Arrow IPC bytes)');
    ctx.progress({ phase: 'inserting cube', done: 0, total: 3 });
    await this.db.insertArrowIPC('cube_raw', bytes);
    const cols = (await this.db.query('DESCRIBE cube_raw')).map((r) => ({
      name: String(r.column_name),
      type: String(r.column_type).toUpperCase(),
    }));
    const lower = new Map(cols.map((c) => [c.name.toLowerCase(), c]));
    const dateCol = DATE_NAMES.map((n) => lower.get(n)).find(Boolean);
    if (!dateCol)
      throw new Error(`the cube has no date column (columns: ${cols.map((c) => c.name).join(', ')})`);
    const hourCol = lower.get('hour');
    const measure: Partial<Record<(typeof MEASURES)[number], string>> = {};
    for (const m of MEASURES) {
      const hit = MEASURE_ALIASES[m].map((n) => lower.get(n)).find(Boolean);
      if (hit) measure[m] = hit.name;
    }
    for (const m of ['views', 'carts', 'purchases'] as const) {
      if (!measure[m])
        throw new Error(`the cube has no ${m} column (columns: ${cols.map((c) => c.name).join(', ')})`);
    }
    const dims = cols
      .filter(
        (c) =>
          !NON_DIM.has(c.name.toLowerCase()) &&
          (c.type.includes('VARCHAR') || c.type.includes('STRING') || c.type.includes('ENUM')),
      )
      .map((c) => c.name);
    ctx.checkpoint();
    ctx.progress({ phase: 'normalising', done: 1, total: 3 });

    const dateExpr = dateCol.type.startsWith('TIMESTAMP')
      ? `CAST(${ident(dateCol.name)} AS DATE)`
      : dateCol.type === 'DATE'
        ? ident(dateCol.name)
        : `CAST(${ident(dateCol.name)} AS DATE)`;
    const m = (k: (typeof MEASURES)[number]) =>
      measure[k] ? `sum(${ident(measure[k]!)})::DOUBLE` : k === 'visitors' ? 'NULL::DOUBLE' : '0::DOUBLE';
    const dimSel = dims.map(
      (d) => `coalesce(CAST(${ident(d)} AS VARCHAR), ${lit(NONE_VALUE)}) AS ${ident(d)}`,
    );
    // Hour-grain cubes are folded to days here; every view works on days.
    await this.db.query(
      `CREATE OR REPLACE TABLE cube AS SELECT ${dateExpr} AS d${dims.length ? ', ' + dimSel.join(', ') : ''}, ` +
        MEASURES.map((k) => `${m(k)} AS ${k}`).join(', ') +
        ` FROM cube_raw GROUP BY ALL`,
    );
    await this.db.query('DROP TABLE IF EXISTS cube_raw');
    ctx.checkpoint();

    const rows = await this.db.query(
      `SELECT strftime(d, '%Y-%m-%d') AS date${dims.length ? ', ' + dims.map(ident).join(', ') : ''}, views, carts, purchases, revenue, visitors FROM cube ORDER BY d`,
    );
    const cubeRows: CubeRow[] = rows.map((r) => {
      const dimsOf: Record<string, string | null> = {};
      for (const d of dims) dimsOf[d] = r[d] === null || r[d] === undefined ? null : String(r[d]);
      const row: CubeRow = {
        date: String(r.date),
        views: num(r.views),
        carts: num(r.carts),
        purchases: num(r.purchases),
        revenue: num(r.revenue),
        dims: dimsOf,
      };
      if (measure.visitors) row.visitors = num(r.visitors);
      return row;
    });
    const dates = (
      await this.db.query(`SELECT DISTINCT strftime(d, '%Y-%m-%d') AS date FROM cube ORDER BY 1`)
    ).map((r) => String(r.date));
    if (dates.length === 0) throw new Error('the cube has no rows: no events were read from the folder');
    const values: Record<string, string[]> = {};
    for (const d of dims) {
      values[d] = (
        await this.db.query(`SELECT ${ident(d)} AS v FROM cube GROUP BY 1 ORDER BY sum(views) DESC, 1`)
      ).map((r) => String(r.v));
    }
    const totals = (await this.db.query('SELECT sum(revenue) AS revenue FROM cube'))[0];
    ctx.progress({ phase: 'ready', done: 3, total: 3 });
    const summary: CubeSummary = {
      rows: cubeRows.length,
      grain: hourCol ? 'hour' : 'day',
      dimensions: dims,
      values,
      dates,
      range: { from: dates[0], to: dates[dates.length - 1] },
      hasRevenue: Boolean(measure.revenue) && num(totals?.revenue) > 0,
      hasVisitors: Boolean(measure.visitors),
      loadMs: Math.round(performance.now() - t0),
    };
    this.loaded = { summary, cube: { dimensions: dims, grain: 'day', rows: cubeRows } };
    return summary;
  }

  // ---------------------------------------------------------------- overview

  private async kpis(period: Period, segment: Segment): Promise<Kpis> {
    const { summary } = this.require();
    const where = `${inPeriod(period)} AND ${segmentWhere(segment, summary.dimensions)}`;
    const [r] = await this.db.query(
      `SELECT (SELECT count(DISTINCT d) FROM cube WHERE ${inPeriod(period)})::DOUBLE AS days,
              coalesce(sum(views), 0) AS views, coalesce(sum(carts), 0) AS carts, coalesce(sum(purchases), 0) AS purchases,
              coalesce(sum(revenue), 0) AS revenue, sum(visitors) AS visitors
       FROM cube WHERE ${where}`,
    );
    const views = num(r.views);
    const carts = num(r.carts);
    const purchases = num(r.purchases);
    return {
      events: views + carts + purchases,
      visitors: summary.hasVisitors ? num(r.visitors) : null,
      views,
      carts,
      purchases,
      revenue: num(r.revenue),
      viewToCart: ratio(carts, views),
      cartToPurchase: ratio(purchases, carts),
      conversion: ratio(purchases, views),
      days: num(r.days),
    };
  }

  /** daily counts on every cube date in `period` (or the whole range); zero where the segment had no rows */
  async daily(segment: Segment, period?: Period): Promise<DayCounts[]> {
    const { summary } = this.require();
    const rows = await this.db.query(
      `WITH days AS (SELECT DISTINCT d FROM cube${period ? ' WHERE ' + inPeriod(period) : ''}),
            seg AS (SELECT d, sum(views) AS views, sum(carts) AS carts, sum(purchases) AS purchases, sum(revenue) AS revenue,
                           sum(visitors) AS visitors
                    FROM cube WHERE ${segmentWhere(segment, summary.dimensions)} GROUP BY d)
       SELECT strftime(days.d, '%Y-%m-%d') AS date, coalesce(seg.views, 0) AS views, coalesce(seg.carts, 0) AS carts,
              coalesce(seg.purchases, 0) AS purchases, coalesce(seg.revenue, 0) AS revenue, seg.visitors AS visitors
       FROM days LEFT JOIN seg ON seg.d = days.d ORDER BY days.d`,
    );
    return rows.map((r) => {
      const day: DayCounts = {
        date: String(r.date),
        views: num(r.views),
        carts: num(r.carts),
        purchases: num(r.purchases),
        revenue: num(r.revenue),
      };
      if (summary.hasVisitors) day.visitors = num(r.visitors);
      return day;
    });
  }

  async overview(req: RequestOf<'overview'>, ctx: RunContext): Promise<OverviewResult> {
    const { summary } = this.require();
    const period = req.period ?? summary.range;
    const previous = previousPeriod(period, summary.range);
    if (!summary.dimensions.includes(req.dimension) && summary.dimensions.length) {
      throw new Error(`unknown dimension "${req.dimension}" (cube has ${summary.dimensions.join(', ')})`);
    }
    // independent statements: sent together so DuckDB-WASM's worker round trips overlap
    const [kpis, previousKpis, daily] = await Promise.all([
      this.kpis(period, req.segment),
      previous ? this.kpis(previous, req.segment) : Promise.resolve(null),
      this.daily(req.segment),
    ]);
    ctx.checkpoint();
    let rows: BreakdownRow[] = [];
    if (summary.dimensions.length) {
      const dim = ident(req.dimension);
      const where = segmentWhere(req.segment, summary.dimensions);
      const res = await this.db.query(
        `SELECT ${dim} AS value,
                sum(views) FILTER (WHERE ${inPeriod(period)}) AS views,
                sum(carts) FILTER (WHERE ${inPeriod(period)}) AS carts,
                sum(purchases) FILTER (WHERE ${inPeriod(period)}) AS purchases,
                sum(revenue) FILTER (WHERE ${inPeriod(period)}) AS revenue,
                ${previous ? `sum(views) FILTER (WHERE ${inPeriod(previous)})` : 'NULL::DOUBLE'} AS pviews,
                ${previous ? `sum(purchases) FILTER (WHERE ${inPeriod(previous)})` : 'NULL::DOUBLE'} AS ppurchases
         FROM cube WHERE ${where} GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1`,
      );
      const totalViews = res.reduce((s, r) => s + num(r.views), 0);
      rows = res
        .filter((r) => num(r.views) + num(r.carts) + num(r.purchases) > 0)
        .map((r) => ({
          value: String(r.value),
          views: num(r.views),
          carts: num(r.carts),
          purchases: num(r.purchases),
          revenue: num(r.revenue),
          conversion: ratio(num(r.purchases), num(r.views)),
          share: totalViews > 0 ? num(r.views) / totalViews : 0,
          previousConversion: previous ? ratio(num(r.ppurchases), num(r.pviews)) : null,
        }));
    }
    return { period, previous, kpis, previousKpis, daily, breakdown: { dimension: req.dimension, rows } };
  }

  // ---------------------------------------------------------------- funnel comparison

  /** per-day mean and σ (sample) of each step in both periods, zero-filled over the cube's dates */
  async periodStats(
    baseline: Period,
    incident: Period,
    segment: Segment,
    groupBy?: string,
  ): Promise<Map<string, PeriodStats>> {
    const { summary } = this.require();
    const g = groupBy ? ident(groupBy) : null;
    const where = segmentWhere(segment, summary.dimensions);
    const sql = `
      WITH days AS (
        SELECT DISTINCT d, CASE WHEN ${inPeriod(incident)} THEN 'i' ELSE 'b' END AS p
        FROM cube WHERE ${inPeriod(baseline)} OR ${inPeriod(incident)}),
      vals AS (SELECT DISTINCT ${g ? g : `''`} AS v FROM cube WHERE ${where}),
      agg AS (SELECT d, ${g ? g : `''`} AS v, sum(views) AS views, sum(carts) AS carts, sum(purchases) AS purchases, sum(revenue) AS revenue
              FROM cube WHERE ${where} AND (${inPeriod(baseline)} OR ${inPeriod(incident)}) GROUP BY ALL),
      grid AS (
        SELECT days.p, vals.v, coalesce(agg.views, 0) AS views, coalesce(agg.carts, 0) AS carts,
               coalesce(agg.purchases, 0) AS purchases, coalesce(agg.revenue, 0) AS revenue
        FROM days CROSS JOIN vals LEFT JOIN agg ON agg.d = days.d AND agg.v = vals.v)
      SELECT v, p, count(*)::DOUBLE AS n,
             avg(views) AS views_mean, coalesce(stddev_samp(views), 0) AS views_sd, sum(views) AS views_sum,
             avg(carts) AS carts_mean, coalesce(stddev_samp(carts), 0) AS carts_sd, sum(carts) AS carts_sum,
             avg(purchases) AS purchases_mean, coalesce(stddev_samp(purchases), 0) AS purchases_sd, sum(purchases) AS purchases_sum,
             sum(revenue) AS revenue_sum
      FROM grid GROUP BY v, p`;
    const out = new Map<string, PeriodStats>();
    for (const r of await this.db.query(sql)) {
      const v = String(r.v);
      const s = out.get(v) ?? { b: emptyAgg(), i: emptyAgg() };
      const side = r.p === 'i' ? s.i : s.b;
      side.n = num(r.n);
      for (const step of ['views', 'carts', 'purchases'] as const) {
        side[step] = { mean: num(r[`${step}_mean`]), sd: num(r[`${step}_sd`]), sum: num(r[`${step}_sum`]) };
      }
      side.revenue = num(r.revenue_sum);
      out.set(v, s);
    }
    return out;
  }

  private async funnelSide(baseline: Period, incident: Period, segment: Segment): Promise<FunnelSide> {
    const stats = (await this.periodStats(baseline, incident, segment)).get('') ?? {
      b: emptyAgg(),
      i: emptyAgg(),
    };
    const steps = {
      views: stepStats(stats, 'views'),
      carts: stepStats(stats, 'carts'),
      purchases: stepStats(stats, 'purchases'),
    };
    const cb = ratio(stats.b.purchases.sum, stats.b.views.sum);
    const ci = ratio(stats.i.purchases.sum, stats.i.views.sum);
    return {
      segment,
      label: segmentLabel(segment),
      steps,
      conversion: { baseline: cb, incident: ci, change: change(ci, cb) },
      pattern: tellTale(steps, cb, ci),
      days: { baseline: stats.b.n, incident: stats.i.n },
    };
  }

  async funnel(req: RequestOf<'funnel'>, ctx: RunContext): Promise<FunnelResult> {
    this.require();
    checkPeriods(req.baseline, req.incident);
    const all = await this.funnelSide(req.baseline, req.incident, {});
    ctx.checkpoint();
    const segment = Object.keys(req.segment).length
      ? await this.funnelSide(req.baseline, req.incident, req.segment)
      : null;
    return { baseline: req.baseline, incident: req.incident, all, segment };
  }
}

export interface Agg {
  n: number;
  views: { mean: number; sd: number; sum: number };
  carts: { mean: number; sd: number; sum: number };
  purchases: { mean: number; sd: number; sum: number };
  revenue: number;
}
export interface PeriodStats {
  b: Agg;
  i: Agg;
}

function emptyAgg(): Agg {
  const z = { mean: 0, sd: 0, sum: 0 };
  return { n: 0, views: { ...z }, carts: { ...z }, purchases: { ...z }, revenue: 0 };
}

export function stepStats(s: PeriodStats, step: 'views' | 'carts' | 'purchases'): StepStats {
  const b = s.b[step];
  const i = s.i[step];
  return {
    baselineMean: b.mean,
    baselineSigma: b.sd,
    incidentMean: i.mean,
    change: b.mean > 0 ? (i.mean - b.mean) / b.mean : null,
    deviationSigma: b.sd > 0 ? (i.mean - b.mean) / b.sd : null,
  };
}

export function checkPeriods(baseline: Period, incident: Period): void {
  if (baseline.from > baseline.to)
    throw new Error(`baseline period is reversed (${baseline.from} > ${baseline.to})`);
  if (incident.from > incident.to)
    throw new Error(`incident period is reversed (${incident.from} > ${incident.to})`);
  if (!(baseline.to < incident.from || incident.to < baseline.from)) {
    throw new Error(
      `baseline ${baseline.from}…${baseline.to} overlaps the incident ${incident.from}…${incident.to}`,
    );
  }
}

const pct = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(Math.round(x * 100))} %`;

/** "views and carts up, purchases down" — the signature of a broken checkout, in words */
export function tellTale(steps: FunnelSide['steps'], cb: number | null, ci: number | null): string | null {
  const v = steps.views.change;
  const c = steps.carts.change;
  const p = steps.purchases.change;
  if (v === null || c === null || p === null) return null;
  if (v > -0.03 && c > -0.03 && p < -0.15) {
    return (
      `Views ${pct(v)} and carts ${pct(c)} while purchases ${pct(p)}: shoppers still arrive and fill their carts but ` +
      `do not complete the purchase — the pattern of a broken checkout, not of lost demand` +
      (cb !== null && ci !== null
        ? ` (conversion ${(cb * 100).toFixed(2)} % → ${(ci * 100).toFixed(2)} %).`
        : '.')
    );
  }
  if (v < -0.15 && p < -0.15 && Math.abs(p - v) < 0.1) {
    return `Views ${pct(v)} and purchases ${pct(p)} move together: traffic fell, conversion held — look at acquisition, not checkout.`;
  }
  return null;
}

export function countStatuses(statuses: DetectionStatus[]): Record<DetectionStatus, number> {
  const out: Record<DetectionStatus, number> = {
    OK: 0,
    ANOMALY: 0,
    CRITICAL: 0,
    INSUFFICIENT_DATA: 0,
    NO_DATA: 0,
  };
  for (const s of statuses) out[s]++;
  return out;
}

export function throwIfCancelled(cancelled: boolean): void {
  if (cancelled) throw new CancelledError();
}

export { addDays, periodDays };
