/**
 * Business views service (issue 6): runs the SQL of core/business-sql.ts on an open {@link Dataset} (through
 * `Dataset.query`, over the deduplicated `events_dedup` view) and the metrics of core/business.ts on the
 * compact rows. Every function takes a period {from?, to?} (inclusive UTC days; missing bounds = the data's
 * range) and returns either `{available: true, …}` or `{available: false, needs, reason}` when the dataset
 * lacks the columns the view needs — so a view can hide itself instead of failing. {@link businessArrow}
 * encodes a result's tables as Arrow IPC stream bytes for the renderer worker (like `cubeArrow`).
 * Plain Node: imports nothing from `electron`.
 *
 * ```ts
 * const ds = await openDataset(folder);
 * const brands = await groupFunnels(ds, { dimension: 'brand', period: { from: '2019-10-01', to: '2019-10-31' } });
 * if (brands.available) console.log(brands.rows[0], brands.underperformers.rows);
 * const ipc = businessArrow(brands); // { rows: Uint8Array, trends: Uint8Array, … }
 * ```
 */
import { Bool, Float64, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import {
  GROUP_DIMENSIONS,
  HOURLY_TOP,
  PRODUCT_MIN_VIEWS,
  buyersSql,
  cartsTableSql,
  dailyTotalsSql,
  groupsTableSql,
  hourlyTableSql,
  ordersTableSql,
  productsTableSql,
  type BusinessTable,
  groupFunnelSql,
  groupTimeSql,
  leadCandidatesSql,
  productChangeSql,
  productsSql,
  sessionDailySql,
  type SessionMode,
} from '../../core/business-sql.js';
export { BUSINESS_TABLES, type BusinessTable } from '../../core/business-sql.js';
import {
  DEFAULT_HOURLY_SETTINGS,
  dailyKpis,
  groupFunnel,
  groupSeries,
  hotLeads as scoreLeads,
  hourlyAnomalies,
  productLeaderboard,
  productsChanged,
  customerOverview,
  rfmSummary,
  sessionFunnel,
  underperformers as findUnderperformers,
  type Buyer,
  type DailyKpi,
  type DailyTotals,
  type GroupCounts,
  type GroupFunnelRow,
  type GroupSeries,
  type HotLead,
  type HourlyAnomalySettings,
  type HourlyIncident,
  type HourlyMarker,
  type HourlyRow,
  type LeadCandidate,
  type ProductChange,
  type ProductChangeInput,
  type ProductCounts,
  type ProductRow,
  type RfmCustomer,
  type RfmSummary,
  type SessionDaily,
  type SessionFunnel,
} from '../../core/business.js';
import { dayNumber, dayString } from '../../core/stats.js';
import { DatasetError, type Dataset } from './dataset.js';

/** Inclusive UTC days; a missing bound means the data's first / last day. */
export interface BusinessPeriod {
  from?: string;
  to?: string;
}
/** A resolved period (both bounds). */
export interface ResolvedPeriod {
  from: string;
  to: string;
}

/** The view cannot be computed on this dataset. */
export interface Unavailable {
  available: false;
  /** canonical columns or dimensions that are missing, e.g. ['brand'] or ['price'] */
  needs: string[];
  /** one sentence for the user, e.g. "needs columns brand (this dataset has: device, os, browser)" */
  reason: string;
}
export type Result<T> = ({ available: true } & T) | Unavailable;

type Opts = { signal?: AbortSignal };

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function checkDay(name: string, d: string | undefined) {
  if (d === undefined) return;
  if (!DATE_RE.test(d))
    throw new DatasetError('BAD_REQUEST', `invalid ${name} date ${JSON.stringify(d)}; expected YYYY-MM-DD`);
  try {
    dayNumber(d);
  } catch {
    throw new DatasetError('BAD_REQUEST', `invalid ${name} date ${JSON.stringify(d)}; no such day`);
  }
}

/** Fill a period's missing bounds from the data's range; BAD_REQUEST for malformed or reversed dates. */
export async function resolvePeriod(ds: Dataset, p: BusinessPeriod = {}): Promise<ResolvedPeriod | null> {
  checkDay('from', p.from);
  checkDay('to', p.to);
  const range = (await ds.profile()).range;
  const from = p.from ?? range.from;
  const to = p.to ?? range.to;
  if (!from || !to) return null;
  if (from > to) throw new DatasetError('BAD_REQUEST', `period: ${from} is after ${to}`);
  return { from, to };
}

const unavailable = (ds: Dataset, needs: string[]): Unavailable => ({
  available: false,
  needs,
  reason: `needs column${needs.length > 1 ? 's' : ''} ${needs.join(', ')} (this dataset has: ${[
    ...ds.mappedColumns,
    ...ds.dimensions,
  ].join(', ')})`,
});

const hasPrice = (ds: Dataset) => ds.mappedColumns.includes('price');
const sessionMode = (ds: Dataset): SessionMode =>
  ds.mappedColumns.includes('session_id') ? 'column' : 'derived';
/** Epoch ms of the end (exclusive) of a period: the start of the day after `to`. */
const endMs = (p: ResolvedPeriod) => (dayNumber(p.to) + 1) * 86_400_000;

/** The business views whose availability depends on the dataset's columns. */
export const BUSINESS_VIEWS = [
  'brands',
  'categories',
  'priceBands',
  'anomalies',
  'products',
  'sessions',
  'customers',
  'hotLeads',
  'summary',
] as const;
export type BusinessView = (typeof BUSINESS_VIEWS)[number];

/** Columns a view needs that this dataset lacks ([] = available). */
export function missingColumns(ds: Dataset, view: BusinessView, dimension = 'brand'): string[] {
  const has = (c: string) =>
    ds.mappedColumns.includes(c) || ds.dimensions.includes(c) || ds.derivedDimensions.includes(c);
  switch (view) {
    case 'brands':
    case 'anomalies':
      return has(dimension) ? [] : [dimension];
    case 'categories':
      return has('category_root') ? [] : ['category'];
    case 'priceBands':
      return has('price') ? [] : ['price'];
    case 'products':
      return has('item_id') ? [] : ['item_id'];
    default:
      return [];
  }
}

/** What each view can show on this dataset: `{view: [] | missing columns}`, plus the session source. */
export function businessAvailability(ds: Dataset): {
  views: Record<BusinessView, string[]>;
  sessions: SessionMode;
  revenue: boolean;
} {
  return {
    views: Object.fromEntries(BUSINESS_VIEWS.map((v) => [v, missingColumns(ds, v)])) as ReturnType<
      typeof businessAvailability
    >['views'],
    sessions: sessionMode(ds),
    revenue: hasPrice(ds),
  };
}

// ---------------------------------------------------------------- daily KPIs (CLI `summary`)

export interface SummaryResult {
  period: ResolvedPeriod;
  /** where sessions come from (abandonment is session based) */
  sessions: SessionMode;
  /** false when the data has no price: AOV and revenue per visitor are null */
  revenue: boolean;
  days: DailyKpi[];
  total: Omit<DailyKpi, 'date'>;
}

/** Daily KPIs of the period and their totals (core/business.ts `dailyKpis`). Always available. */
export async function dailySummary(
  ds: Dataset,
  period: BusinessPeriod = {},
  o: Opts = {},
): Promise<Result<SummaryResult>> {
  const p = await resolvePeriod(ds, period);
  const mode = sessionMode(ds);
  if (!p)
    return {
      available: true,
      period: { from: '', to: '' },
      sessions: mode,
      revenue: hasPrice(ds),
      ...dailyKpis([], [], hasPrice(ds)),
    };
  const totals = await ds.query<DailyTotals>(dailyTotalsSql(p), o);
  const sess = await ds.query<SessionDaily>(sessionDailySql(p, mode), o);
  return {
    available: true,
    period: p,
    sessions: mode,
    revenue: hasPrice(ds),
    ...dailyKpis(totals, sess, hasPrice(ds)),
  };
}

// ---------------------------------------------------------------- brands / categories / price bands

export interface GroupFunnelsResult {
  period: ResolvedPeriod;
  /** the dimension grouped by (brand, category_root, price_band or any dimension) */
  dimension: string;
  revenue: boolean;
  /** period-wide AOV used by the opportunity (null without orders or prices) */
  aov: number | null;
  uplift: number;
  /** every value of the dimension (null → "unknown"), by revenue */
  rows: GroupFunnelRow[];
  /** the `top` values by revenue (by views without prices) */
  top: GroupFunnelRow[];
  underperformers: { minViews: number; q1: number | null; eligible: number; rows: GroupFunnelRow[] };
  /** daily views, purchases, revenue, conversion of the `top` values over the period */
  trends: GroupSeries[];
}

/**
 * Funnel per value of a dimension: `brand` (default), `category_root` (needs `category`), `price_band`
 * (needs `price`), or any data dimension. Unavailable when the dimension is missing.
 */
export async function groupFunnels(
  ds: Dataset,
  opts: {
    dimension?: string;
    period?: BusinessPeriod;
    top?: number;
    minViews?: number;
    uplift?: number;
  } & Opts = {},
): Promise<Result<GroupFunnelsResult>> {
  const dimension = opts.dimension ?? 'brand';
  const missing =
    dimension === 'category_root'
      ? missingColumns(ds, 'categories')
      : dimension === 'price_band'
        ? missingColumns(ds, 'priceBands')
        : missingColumns(ds, 'brands', dimension);
  if (missing.length) return unavailable(ds, missing);
  const p = await resolvePeriod(ds, opts.period);
  const top = opts.top ?? 10;
  const minViews = opts.minViews ?? 1000;
  const uplift = opts.uplift ?? 0.1;
  const revenue = hasPrice(ds);
  if (!p)
    return {
      available: true,
      period: { from: '', to: '' },
      dimension,
      revenue,
      aov: null,
      uplift,
      rows: [],
      top: [],
      underperformers: { minViews, q1: null, eligible: 0, rows: [] },
      trends: [],
    };
  const o = { signal: opts.signal };
  const totals = await ds.query<DailyTotals>(dailyTotalsSql(p), o);
  const rev = totals.reduce((a, r) => a + r.revenue, 0);
  const orders = totals.reduce((a, r) => a + r.orders, 0);
  const aov = revenue && orders > 0 ? rev / orders : null;
  const counts = await ds.query<GroupCounts>(groupFunnelSql(dimension, p), o);
  const rows = groupFunnel(counts, { aov, uplift });
  const ranked = revenue ? rows : [...rows].sort((a, b) => b.views - a.views);
  const topRows = ranked.filter((r) => r.value !== 'unknown').slice(0, top);
  const trendRows = await ds.query<{
    value: string;
    date: string;
    views: number;
    purchases: number;
    revenue: number;
  }>(groupTimeSql(dimension, 'day', p, { top, rankBy: revenue ? 'revenue' : 'views' }), o);
  const order = new Map(topRows.map((r, i) => [r.value, i]));
  const trends = groupSeries(trendRows, p).sort(
    (a, b) => (order.get(a.value) ?? 1e9) - (order.get(b.value) ?? 1e9),
  );
  return {
    available: true,
    period: p,
    dimension,
    revenue,
    aov,
    uplift,
    rows,
    top: topRows,
    underperformers: { minViews, ...findUnderperformers(rows, minViews) },
    trends,
  };
}

// ---------------------------------------------------------------- hourly anomalies per brand

export interface HourlyAnomaliesResult {
  period: ResolvedPeriod;
  dimension: string;
  settings: HourlyAnomalySettings;
  /** the values watched: the `top` by views in the period */
  values: string[];
  incidents: HourlyIncident[];
  markers: HourlyMarker[];
  /** hourly series of the watched values within the period (the markers sit on it) */
  series: HourlyRow[];
}

/**
 * Hourly anomalies of the `top` (default 20) values of `dimension` (default brand) by views in the period.
 * History of `settings.historyDays` before the period is read so the causal baselines exist from its first
 * hour. Unavailable without the dimension.
 */
export async function hourlyGroupAnomalies(
  ds: Dataset,
  opts: {
    dimension?: string;
    period?: BusinessPeriod;
    top?: number;
    settings?: Partial<HourlyAnomalySettings>;
  } & Opts = {},
): Promise<Result<HourlyAnomaliesResult>> {
  const dimension = opts.dimension ?? 'brand';
  const missing = missingColumns(ds, 'anomalies', dimension);
  if (missing.length) return unavailable(ds, missing);
  const settings = { ...DEFAULT_HOURLY_SETTINGS, ...opts.settings };
  const p = await resolvePeriod(ds, opts.period);
  if (!p)
    return {
      available: true,
      period: { from: '', to: '' },
      dimension,
      settings,
      values: [],
      incidents: [],
      markers: [],
      series: [],
    };
  const histFrom = dayString(dayNumber(p.from) - settings.historyDays);
  const rows = await ds.query<HourlyRow & { carts: number; revenue: number }>(
    groupTimeSql(
      dimension,
      'hour',
      { from: histFrom, to: p.to },
      { top: opts.top ?? 20, rank: p, rankBy: 'views' },
    ),
    { signal: opts.signal },
  );
  const { incidents, markers } = hourlyAnomalies(rows, { ...settings, from: p.from });
  const inPeriod = rows.filter((r) => r.date >= p.from);
  return {
    available: true,
    period: p,
    dimension,
    settings: { ...settings, from: p.from },
    values: [...new Set(inPeriod.map((r) => r.value))].sort(),
    incidents,
    markers,
    series: inPeriod,
  };
}

// ---------------------------------------------------------------- sessions

export interface SessionsResult {
  period: ResolvedPeriod;
  /** 'column' = the data's session_id; 'derived' = 30-minute inactivity gap per visitor */
  mode: SessionMode;
  funnel: SessionFunnel;
  /** per day of session start */
  daily: SessionDaily[];
}

/** The session funnel of the period. Always available (sessions are derived when the data has none). */
export async function sessionMetrics(
  ds: Dataset,
  opts: { period?: BusinessPeriod } & Opts = {},
): Promise<Result<SessionsResult>> {
  const mode = sessionMode(ds);
  const p = await resolvePeriod(ds, opts.period);
  if (!p)
    return { available: true, period: { from: '', to: '' }, mode, funnel: sessionFunnel([]), daily: [] };
  const daily = await ds.query<SessionDaily>(sessionDailySql(p, mode), { signal: opts.signal });
  return { available: true, period: p, mode, funnel: sessionFunnel(daily), daily };
}

// ---------------------------------------------------------------- products

export interface ProductsResult {
  period: ResolvedPeriod;
  revenue: boolean;
  /** top `limit` products by `orderBy` */
  leaderboard: ProductRow[];
  orderBy: 'revenue' | 'units';
  /** conversion change from `compare` (before) to `period` (after); null when no compare period was given */
  changed: { compare: ResolvedPeriod; minViews: number; rows: ProductChange[] } | null;
}

/**
 * Products leaderboard (by revenue, or units; by views when the data has no price) and, with `compare`,
 * the products whose conversion changed most from `compare` to `period` (≥ `minViews` views in both,
 * default 100). Unavailable without item_id.
 */
export async function productMetrics(
  ds: Dataset,
  opts: {
    period?: BusinessPeriod;
    compare?: BusinessPeriod;
    orderBy?: 'revenue' | 'units';
    limit?: number;
    minViews?: number;
    changedLimit?: number;
  } & Opts = {},
): Promise<Result<ProductsResult>> {
  const missing = missingColumns(ds, 'products');
  if (missing.length) return unavailable(ds, missing);
  const p = await resolvePeriod(ds, opts.period);
  const orderBy = opts.orderBy ?? 'revenue';
  const revenue = hasPrice(ds);
  if (!p)
    return {
      available: true,
      period: { from: '', to: '' },
      revenue,
      leaderboard: [],
      orderBy,
      changed: null,
    };
  const dims = ['brand', 'category'].filter((d) => ds.dimensions.includes(d));
  const o = { signal: opts.signal };
  const sqlOrder = revenue ? orderBy : orderBy === 'revenue' ? 'views' : 'units';
  const rows = await ds.query<ProductCounts>(
    productsSql(p, { dims, orderBy: sqlOrder, limit: opts.limit ?? 100 }),
    o,
  );
  let changed: ProductsResult['changed'] = null;
  if (opts.compare) {
    const c = await resolvePeriod(ds, opts.compare);
    if (c) {
      const minViews = opts.minViews ?? 100;
      const pairs = await ds.query<ProductChangeInput>(productChangeSql(c, p, minViews, dims), o);
      changed = {
        compare: c,
        minViews,
        rows: productsChanged(pairs, { minViews, limit: opts.changedLimit ?? 50 }),
      };
    }
  }
  return { available: true, period: p, revenue, leaderboard: productLeaderboard(rows), orderBy, changed };
}

// ---------------------------------------------------------------- customers (RFM)

export interface CustomersResult extends RfmSummary {
  period: ResolvedPeriod;
  /** false without prices: M scores are all 3 and revenue shares null */
  hasRevenue: boolean;
  /** recency is measured to this instant (the end of the period), ISO */
  asOf: string;
  /** the best `limit` customers by R+F+M, then revenue */
  topCustomers: RfmCustomer[];
}

/** RFM scores, tiers, the R×F heatmap and tier shares of the period's buyers. Always available. */
export async function customerMetrics(
  ds: Dataset,
  opts: { period?: BusinessPeriod; limit?: number } & Opts = {},
): Promise<Result<CustomersResult>> {
  const p = await resolvePeriod(ds, opts.period);
  const hasRevenue = hasPrice(ds);
  if (!p)
    return {
      available: true,
      period: { from: '', to: '' },
      hasRevenue,
      asOf: '',
      topCustomers: [],
      ...rfmSummary([]),
    };
  const buyers = await ds.query<Buyer>(buyersSql(p), { signal: opts.signal });
  return {
    available: true,
    period: p,
    hasRevenue,
    ...customerOverview(buyers, endMs(p), opts.limit),
  };
}

// ---------------------------------------------------------------- hot leads

export interface HotLeadsResult {
  period: ResolvedPeriod;
  /** the lead window: the last `windowDays` days of the period */
  window: ResolvedPeriod;
  windowDays: number;
  revenue: boolean;
  /** all leads found (the list may be cut to `limit`) */
  total: number;
  leads: HotLead[];
}

/**
 * Visitors who added to cart in the last `windowDays` (default 7) days of the period without purchasing
 * there, ranked by the propensity score of core/business.ts `hotLeads`. Always available (without prices the
 * cart-value component is dropped). `limit` cuts the list (default: all; hotLeadsCsv exports it).
 */
export async function hotLeadMetrics(
  ds: Dataset,
  opts: { period?: BusinessPeriod; windowDays?: number; limit?: number } & Opts = {},
): Promise<Result<HotLeadsResult>> {
  const windowDays = opts.windowDays ?? 7;
  if (!Number.isInteger(windowDays) || windowDays < 1)
    throw new DatasetError('BAD_REQUEST', `windowDays must be a positive whole number (got ${windowDays})`);
  const p = await resolvePeriod(ds, opts.period);
  const revenue = hasPrice(ds);
  if (!p)
    return {
      available: true,
      period: { from: '', to: '' },
      window: { from: '', to: '' },
      windowDays,
      revenue,
      total: 0,
      leads: [],
    };
  const cand = await ds.query<LeadCandidate>(leadCandidatesSql(p, windowDays), { signal: opts.signal });
  const leads = scoreLeads(cand, { asOfMs: endMs(p), windowDays, hasPrice: revenue });
  return {
    available: true,
    period: p,
    window: { from: dayString(dayNumber(p.to) - windowDays + 1), to: p.to },
    windowDays,
    revenue,
    total: leads.length,
    leads: opts.limit !== undefined ? leads.slice(0, opts.limit) : leads,
  };
}

// ---------------------------------------------------------------- Arrow

/**
 * Rows of flat or nested objects → Arrow IPC stream bytes. Nested objects are flattened with '_'
 * (`components.recency` → `components_recency`); numbers → Float64, booleans → Bool, everything else → Utf8.
 * Column set and types come from all rows (a column that is null everywhere is Utf8).
 */
export function rowsToArrow(rows: readonly object[]): Uint8Array {
  const flat = rows.map((r) => flatten(r as Record<string, unknown>));
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of flat)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
  const vectors: Record<string, Vector> = {};
  for (const n of names) {
    const vals = flat.map((r) => (r[n] === undefined ? null : r[n]));
    const kind = vals.find((v) => v !== null);
    if (typeof kind === 'number') vectors[n] = vectorFromArray(vals as (number | null)[], new Float64());
    else if (typeof kind === 'boolean') vectors[n] = vectorFromArray(vals as (boolean | null)[], new Bool());
    else
      vectors[n] = vectorFromArray(
        vals.map((v) => (v === null ? null : String(v))),
        new Utf8(),
      );
  }
  return tableToIPC(new Table(vectors), 'stream');
}

function flatten(
  o: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}_${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      flatten(v as Record<string, unknown>, key, out);
    else out[key] = Array.isArray(v) ? JSON.stringify(v) : v;
  }
  return out;
}

/**
 * The tables of a business result as Arrow IPC bytes, one entry per array-of-rows field (e.g. groupFunnels →
 * `rows`, `top`, `trends` (flattened to value × date points), `underperformers`; customers → `tiers`,
 * `heatmap`, `topCustomers`; …); scalar fields go into `meta` as a one-row table. Unavailable results give
 * `{}`.
 */
export function businessArrow(result: Result<object>): Record<string, Uint8Array> {
  if (!result.available) return {};
  const out: Record<string, Uint8Array> = {};
  const meta: Record<string, unknown> = {};
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}_${k}` : k;
      if (Array.isArray(v)) {
        if (v.length && typeof v[0] === 'object' && v[0] && 'points' in v[0]) {
          // series: one row per (value, point)
          out[name] = rowsToArrow(
            (v as GroupSeries[]).flatMap((s) => s.points.map((pt) => ({ value: s.value, ...pt }))),
          );
        } else out[name] = rowsToArrow(v as object[]);
      } else if (v !== null && typeof v === 'object' && Object.values(v).some(Array.isArray))
        walk(v as Record<string, unknown>, name);
      else if (v !== null && typeof v === 'object') flatten(v as Record<string, unknown>, name, meta);
      else meta[name] = v;
    }
  };
  walk(result as unknown as Record<string, unknown>, '');
  out.meta = rowsToArrow([meta]);
  return out;
}

// ---------------------------------------------------------------- compact tables for the app (host → worker)

/** Columns a compact table needs that this dataset lacks ([] = it can be built). */
export function tableMissingColumns(ds: Dataset, table: BusinessTable): string[] {
  switch (table) {
    case 'groups':
      return groupDimensionsOf(ds).length ? [] : ['brand', 'category', 'price'];
    case 'hourly':
      return missingColumns(ds, 'anomalies', 'brand');
    case 'products':
      return missingColumns(ds, 'products');
    default:
      return [];
  }
}

/** The group dimensions (brand, category_root, price_band) this dataset has. */
export function groupDimensionsOf(ds: Dataset): string[] {
  return GROUP_DIMENSIONS.filter((d) => missingColumns(ds, 'brands', d).length === 0);
}

/** A compact table this dataset cannot give: `needs` names the missing columns (any one of them for `groups`). */
export class BusinessUnavailableError extends Error {
  readonly needs: string[];
  constructor(ds: Dataset, table: BusinessTable, needs: string[]) {
    const cols = table === 'groups' ? needs.join(' or ') : needs.join(', ');
    super(
      `The ${table} table needs column${needs.length > 1 && table !== 'groups' ? 's' : ''} ${cols} ` +
        `(this dataset has: ${[...ds.mappedColumns, ...ds.dimensions].join(', ')})`,
    );
    this.name = 'BusinessUnavailableError';
    this.needs = needs;
  }
}

/**
 * One compact table of the Business view (core/business-sql.ts BUSINESS_TABLES) over the dataset's whole
 * range, as Arrow IPC stream bytes for the renderer worker. `availability` is one row per view: view, needs
 * (comma-separated missing columns, '' when available), reason, plus sessions ('column' | 'derived'),
 * revenue (price mapped) and dimensions (group dimensions, comma-separated) repeated on every row.
 * Throws BusinessUnavailableError naming the missing columns when the table cannot be built.
 */
export async function businessTableArrow(
  ds: Dataset,
  table: BusinessTable,
  o: Opts = {},
): Promise<Uint8Array> {
  const missing = tableMissingColumns(ds, table);
  if (missing.length) throw new BusinessUnavailableError(ds, table, missing);
  const opts = { signal: o.signal };
  switch (table) {
    case 'availability': {
      const a = businessAvailability(ds);
      const dims = groupDimensionsOf(ds).join(',');
      return rowsToArrow(
        BUSINESS_VIEWS.map((v) => ({
          view: v,
          needs: a.views[v].join(','),
          reason: a.views[v].length ? unavailable(ds, a.views[v]).reason : '',
          sessions: a.sessions,
          revenue: a.revenue,
          dimensions: dims,
        })),
      );
    }
    case 'daily':
      return ds.arrow(dailyTotalsSql({}), opts);
    case 'groups':
      return ds.arrow(groupsTableSql(groupDimensionsOf(ds)), opts);
    case 'hourly':
      return ds.arrow(hourlyTableSql('brand', HOURLY_TOP), opts);
    case 'sessions':
      return ds.arrow(sessionDailySql({}, sessionMode(ds)), opts);
    case 'products':
      return ds.arrow(
        productsTableSql(
          ['brand', 'category'].filter((d) => ds.dimensions.includes(d)),
          PRODUCT_MIN_VIEWS,
        ),
        opts,
      );
    case 'orders':
      return ds.arrow(ordersTableSql(), opts);
    case 'carts':
      return ds.arrow(cartsTableSql(), opts);
    default:
      throw new DatasetError('BAD_REQUEST', `unknown business table ${JSON.stringify(table)}`);
  }
}
