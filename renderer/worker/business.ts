/**
 * Worker side of the business view: the compact tables of the host (`businessCube` op, Arrow IPC, see
 * core/business-sql.ts BUSINESS_TABLES) are loaded into DuckDB-WASM once per dataset key as `biz_<table>`;
 * every view request filters them to its period with the SQL of core/business-sql.ts (`biz…Sql`) and runs
 * the pure metrics of core/business.ts — the same functions electron/services/business.ts runs for the CLI,
 * so both give the same numbers.
 */
import {
  BUSINESS_TABLES,
  GROUP_DIMENSIONS,
  bizBuyersSql,
  bizDateWhere,
  bizGroupCountsSql,
  bizGroupDailySql,
  bizHourlySql,
  bizLeadCandidatesSql,
  bizProductChangeSql,
  bizProductsSql,
  bizSessionsSql,
  bizTable,
  bizTotalsSql,
  type BusinessTable,
  type GroupDimension,
  type SessionMode,
} from '../../core/business-sql.js';
import {
  DEFAULT_HOURLY_SETTINGS,
  dailyKpis,
  groupFunnel,
  groupSeries,
  hotLeads,
  hourlyAnomalies,
  productLeaderboard,
  productsChanged,
  customerOverview,
  sessionFunnel,
  underperformers,
  type Buyer,
  type DailyTotals,
  type GroupCounts,
  type HourlyRow,
  type LeadCandidate,
  type ProductChangeInput,
  type ProductCounts,
  type SessionDaily,
} from '../../core/business.js';
import { dayNumber, dayString } from '../../core/stats.js';
import type { Period } from '../../core/types.js';
import type { AnalysisEngine, Row, RunContext, SqlDb } from './engine.js';
import type { AnyRequest, RequestOf, RequestType, Responses } from './protocol.js';
import type {
  BizCustomersResult,
  BizGroupsResult,
  BizHourlyResult,
  BizLeadsResult,
  BizProductsResult,
  BizSessionsResult,
  BusinessInfo,
  BusinessRequests,
  BusinessTab,
} from './protocol-business.js';

type BusinessType = keyof BusinessRequests & RequestType;
const TYPES: readonly string[] = [
  'businessLoad',
  'businessInfo',
  'businessGroups',
  'businessHourly',
  'businessSessions',
  'businessProducts',
  'businessCustomers',
  'businessLeads',
] satisfies BusinessType[];

export function isBusinessRequest(r: { type: string }): r is Extract<AnyRequest, { type: BusinessType }> {
  return TYPES.includes(r.type);
}

/** the tables loaded per engine (one dataset key at a time) */
interface BizState {
  key: string;
  tables: Set<BusinessTable>;
  info: BusinessInfo | null;
  /** keys replaced by a newer one (their late loads are refused) */
  retired: Set<string>;
}
const states = new WeakMap<object, BizState>();

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** tab → the `view` name of the availability table */
const TAB_VIEW: Record<BusinessTab, string> = {
  brands: 'brands',
  categories: 'categories',
  priceBands: 'priceBands',
  anomalies: 'anomalies',
  sessions: 'sessions',
  products: 'products',
  customers: 'customers',
  hotLeads: 'hotLeads',
};

export async function runBusiness(
  engine: AnalysisEngine,
  db: SqlDb,
  r: Extract<AnyRequest, { type: BusinessType }>,
  ctx: RunContext,
): Promise<Responses[BusinessType]> {
  switch (r.type) {
    case 'businessLoad':
      return load(engine, db, r);
    case 'businessInfo':
      return info(engine, db, r.key);
    case 'businessGroups':
      return groups(engine, db, r, ctx);
    case 'businessHourly':
      return hourly(engine, db, r, ctx);
    case 'businessSessions':
      return sessions(engine, db, r);
    case 'businessProducts':
      return products(engine, db, r, ctx);
    case 'businessCustomers':
      return customers(engine, db, r);
    case 'businessLeads':
      return leads(engine, db, r);
    default:
      throw new Error(`unknown business request ${(r as { type: string }).type}`);
  }
}

// ---------------------------------------------------------------- tables

async function load(owner: object, db: SqlDb, r: RequestOf<'businessLoad'>) {
  if (!(BUSINESS_TABLES as readonly string[]).includes(r.table))
    throw new Error(`unknown business table ${JSON.stringify(r.table)}`);
  if (!(r.bytes instanceof Uint8Array) || r.bytes.byteLength === 0)
    throw new Error(`the ${r.table} table is empty (no Arrow IPC bytes)`);
  let st = states.get(owner);
  if (st?.retired.has(r.key))
    throw new Error(`the tables of ${r.key} were replaced by those of ${st.key} (a newer dataset or cube)`);
  if (!st || st.key !== r.key) {
    // a new dataset (or a reloaded cube): drop what the previous key loaded; a late load of the old key
    // (still in flight when the new one started) is refused above instead of dropping the new tables
    for (const t of BUSINESS_TABLES) await db.query(`DROP TABLE IF EXISTS ${bizTable(t)}`);
    const retired = st?.retired ?? new Set<string>();
    if (st) retired.add(st.key);
    st = { key: r.key, tables: new Set(), info: null, retired };
    states.set(owner, st);
  }
  await db.insertArrowIPC(bizTable(r.table), r.bytes);
  st.tables.add(r.table);
  st.info = null;
  const [c] = await db.query(`SELECT count(*)::DOUBLE AS n FROM ${bizTable(r.table)}`);
  return { key: r.key, table: r.table, rows: num(c?.n) };
}

function need(owner: object, key: string, tables: BusinessTable[]): BizState {
  const st = states.get(owner);
  if (!st || st.key !== key)
    throw new Error('the business tables of this dataset are not loaded (open the Business view again)');
  const missing = tables.filter((t) => !st.tables.has(t));
  if (missing.length) throw new Error(`the business table(s) ${missing.join(', ')} are not loaded`);
  return st;
}

async function info(owner: object, db: SqlDb, key: string): Promise<BusinessInfo> {
  const st = need(owner, key, ['availability', 'daily']);
  if (st.info) return { ...st.info, tables: [...st.tables] };
  const rows = await db.query(`SELECT * FROM ${bizTable('availability')}`);
  const byView = new Map(rows.map((x) => [String(x.view), x]));
  const views = {} as BusinessInfo['views'];
  for (const [tab, view] of Object.entries(TAB_VIEW) as [BusinessTab, string][]) {
    const x = byView.get(view);
    const needs = str(x?.needs) ? String(x!.needs).split(',').filter(Boolean) : [];
    views[tab] = { needs, reason: str(x?.reason) ?? '' };
  }
  const first = rows[0] ?? {};
  const [rg] = await db.query(`SELECT min(date) AS lo, max(date) AS hi FROM ${bizTable('daily')}`);
  const dims = (str(first.dimensions) ?? '')
    .split(',')
    .filter((d): d is GroupDimension => (GROUP_DIMENSIONS as readonly string[]).includes(d));
  st.info = {
    key,
    tables: [...st.tables],
    views,
    sessions: (str(first.sessions) === 'column' ? 'column' : 'derived') as SessionMode,
    revenue: first.revenue === true || first.revenue === 1,
    dimensions: dims,
    range: rg?.lo ? { from: String(rg.lo), to: String(rg.hi) } : null,
  };
  return st.info;
}

async function resolve(owner: object, db: SqlDb, key: string, period: Period | null) {
  const i = await info(owner, db, key);
  const p = period ?? i.range;
  if (!p) throw new Error('the dataset has no events');
  if (p.from > p.to) throw new Error(`period: ${p.from} is after ${p.to}`);
  return { info: i, p: { from: p.from, to: p.to } };
}

// ---------------------------------------------------------------- brands / categories / price bands

async function groups(
  owner: object,
  db: SqlDb,
  r: RequestOf<'businessGroups'>,
  ctx: RunContext,
): Promise<BizGroupsResult> {
  need(owner, r.key, ['availability', 'daily', 'groups']);
  const { info: i, p } = await resolve(owner, db, r.key, r.period);
  if (!i.dimensions.includes(r.dimension))
    throw new Error(
      `this dataset has no ${r.dimension} (${i.dimensions.join(', ') || 'no group dimension'})`,
    );
  const top = r.top ?? 10;
  const minViews = r.minViews ?? 1000;
  const uplift = r.uplift ?? 0.1;
  const [t] = await db.query(bizTotalsSql(p));
  const totals = {
    views: num(t?.views),
    carts: num(t?.carts),
    purchases: num(t?.purchases),
    revenue: num(t?.revenue),
    orders: num(t?.orders),
  };
  const aov = i.revenue && totals.orders > 0 ? totals.revenue / totals.orders : null;
  ctx.checkpoint();
  const counts: GroupCounts[] = (await db.query(bizGroupCountsSql(r.dimension, p))).map((x) => ({
    value: str(x.value),
    views: num(x.views),
    carts: num(x.carts),
    purchases: num(x.purchases),
    revenue: num(x.revenue),
  }));
  const rows = groupFunnel(counts, { aov, uplift });
  const ranked = i.revenue ? rows : [...rows].sort((a, b) => b.views - a.views);
  const topRows = ranked.filter((x) => x.value !== 'unknown').slice(0, top);
  ctx.checkpoint();
  const daily = (
    await db.query(
      bizGroupDailySql(
        r.dimension,
        topRows.map((x) => x.value),
        p,
      ),
    )
  ).map((x) => ({
    value: String(x.value),
    date: String(x.date),
    views: num(x.views),
    purchases: num(x.purchases),
    revenue: num(x.revenue),
  }));
  const order = new Map(topRows.map((x, k) => [x.value, k]));
  const trends = groupSeries(daily, p).sort(
    (a, b) => (order.get(a.value) ?? 1e9) - (order.get(b.value) ?? 1e9),
  );
  return {
    period: p,
    dimension: r.dimension,
    revenue: i.revenue,
    aov,
    uplift,
    rows,
    top: topRows,
    underperformers: { minViews, ...underperformers(rows, minViews) },
    trends,
    totals,
  };
}

// ---------------------------------------------------------------- hourly anomalies per brand

async function hourly(
  owner: object,
  db: SqlDb,
  r: RequestOf<'businessHourly'>,
  ctx: RunContext,
): Promise<BizHourlyResult> {
  need(owner, r.key, ['availability', 'daily', 'hourly']);
  const { p } = await resolve(owner, db, r.key, r.period);
  const settings = { ...DEFAULT_HOURLY_SETTINGS, ...r.settings };
  const histFrom = dayString(dayNumber(p.from) - settings.historyDays);
  const rows: HourlyRow[] = (await db.query(bizHourlySql({ from: histFrom, to: p.to }, p, r.top ?? 20))).map(
    (x) => ({
      value: String(x.value),
      date: String(x.date),
      hour: num(x.hour),
      views: num(x.views),
      purchases: num(x.purchases),
    }),
  );
  ctx.checkpoint();
  const { incidents, markers } = hourlyAnomalies(rows, { ...settings, from: p.from });
  const inPeriod = rows.filter((x) => x.date >= p.from);
  return {
    period: p,
    settings: { ...settings, from: p.from },
    values: [...new Set(inPeriod.map((x) => x.value))].sort(),
    incidents,
    markers,
    series: r.value ? inPeriod.filter((x) => x.value === r.value) : inPeriod,
  };
}

// ---------------------------------------------------------------- sessions (and the period's KPIs)

const dailyTotalsOf = (rows: Row[]): DailyTotals[] =>
  rows.map((x) => ({
    date: String(x.date),
    views: num(x.views),
    carts: num(x.carts),
    purchases: num(x.purchases),
    revenue: num(x.revenue),
    orders: num(x.orders),
    visitors: num(x.visitors),
  }));

async function sessions(
  owner: object,
  db: SqlDb,
  r: RequestOf<'businessSessions'>,
): Promise<BizSessionsResult> {
  need(owner, r.key, ['availability', 'daily', 'sessions']);
  const { info: i, p } = await resolve(owner, db, r.key, r.period);
  const daily: SessionDaily[] = (await db.query(bizSessionsSql(p))).map((x) => ({
    date: String(x.date),
    sessions: num(x.sessions),
    viewed: num(x.viewed),
    reached_cart: num(x.reached_cart),
    purchased: num(x.purchased),
    with_cart: num(x.with_cart),
    cart_and_purchase: num(x.cart_and_purchase),
    duration_s: num(x.duration_s),
    events: num(x.events),
  }));
  const totals = dailyTotalsOf(
    await db.query(`SELECT * FROM ${bizTable('daily')} WHERE ${bizDateWhere(p)} ORDER BY date`),
  );
  return {
    period: p,
    mode: i.sessions,
    funnel: sessionFunnel(daily),
    daily,
    kpis: dailyKpis(totals, daily, i.revenue).total,
  };
}

// ---------------------------------------------------------------- products

async function products(
  owner: object,
  db: SqlDb,
  r: RequestOf<'businessProducts'>,
  ctx: RunContext,
): Promise<BizProductsResult> {
  need(owner, r.key, ['availability', 'daily', 'products']);
  const { info: i, p } = await resolve(owner, db, r.key, r.period);
  const cols = (await db.query(`DESCRIBE ${bizTable('products')}`)).map((x) => String(x.column_name));
  const dims = ['brand', 'category'].filter((d) => cols.includes(d));
  const orderBy = r.orderBy ?? 'revenue';
  const sqlOrder = i.revenue ? orderBy : orderBy === 'revenue' ? 'views' : 'units';
  const toCounts = (x: Row): ProductCounts => {
    const o: ProductCounts = {
      item_id: String(x.item_id),
      views: num(x.views),
      carts: num(x.carts),
      purchases: num(x.purchases),
      units: num(x.units),
      revenue: num(x.revenue),
    };
    for (const d of dims) o[d] = str(x[d]);
    return o;
  };
  const rows = (await db.query(bizProductsSql(p, { dims, orderBy: sqlOrder, limit: r.limit ?? 100 }))).map(
    toCounts,
  );
  ctx.checkpoint();
  let changed: BizProductsResult['changed'] = null;
  if (r.compare) {
    const minViews = r.minViews ?? 100;
    const pairs: ProductChangeInput[] = (
      await db.query(bizProductChangeSql(r.compare.baseline, r.compare.incident, minViews, dims))
    ).map((x) => {
      const o: ProductChangeInput = {
        item_id: String(x.item_id),
        views_a: num(x.views_a),
        purchases_a: num(x.purchases_a),
        views_b: num(x.views_b),
        purchases_b: num(x.purchases_b),
      };
      for (const d of dims) o[d] = str(x[d]);
      return o;
    });
    changed = {
      baseline: r.compare.baseline,
      incident: r.compare.incident,
      minViews,
      rows: productsChanged(pairs, { minViews, limit: 50 }),
    };
  }
  return { period: p, revenue: i.revenue, orderBy, leaderboard: productLeaderboard(rows), changed };
}

// ---------------------------------------------------------------- customers (RFM)

const endMs = (p: Period) => (dayNumber(p.to) + 1) * 86_400_000;

async function customers(
  owner: object,
  db: SqlDb,
  r: RequestOf<'businessCustomers'>,
): Promise<BizCustomersResult> {
  need(owner, r.key, ['availability', 'daily', 'orders']);
  const { info: i, p } = await resolve(owner, db, r.key, r.period);
  const buyers: Buyer[] = (await db.query(bizBuyersSql(p))).map((x) => ({
    visitor_id: String(x.visitor_id),
    last_purchase_ms: num(x.last_purchase_ms),
    orders: num(x.orders),
    revenue: num(x.revenue),
  }));
  return {
    period: p,
    hasRevenue: i.revenue,
    ...customerOverview(buyers, endMs(p), r.limit),
  };
}

// ---------------------------------------------------------------- hot leads

async function leads(owner: object, db: SqlDb, r: RequestOf<'businessLeads'>): Promise<BizLeadsResult> {
  need(owner, r.key, ['availability', 'daily', 'orders', 'carts']);
  const { info: i, p } = await resolve(owner, db, r.key, r.period);
  const windowDays = r.windowDays ?? 7;
  if (!Number.isInteger(windowDays) || windowDays < 1)
    throw new Error(`windowDays must be a positive whole number (got ${windowDays})`);
  const windowFrom = dayString(dayNumber(p.to) - windowDays + 1);
  const cand: LeadCandidate[] = (await db.query(bizLeadCandidatesSql(p, windowFrom))).map((x) => ({
    visitor_id: String(x.visitor_id),
    last_cart_ms: num(x.last_cart_ms),
    carts: num(x.carts),
    cart_value: num(x.cart_value),
    items: num(x.items),
    past_orders: num(x.past_orders),
  }));
  const all = hotLeads(cand, { asOfMs: endMs(p), windowDays, hasPrice: i.revenue });
  return {
    period: p,
    window: { from: windowFrom, to: p.to },
    windowDays,
    revenue: i.revenue,
    total: all.length,
    leads: r.limit !== undefined ? all.slice(0, r.limit) : all,
  };
}
