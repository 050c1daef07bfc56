/**
 * DuckDB-dialect SQL builders for the business views (issue 6): daily totals, sessions (from `session_id` or
 * derived from a 30-minute inactivity gap), buyers (RFM), cart-without-purchase visitors (hot leads),
 * products, and per-group (brand, category root, price band …) funnels by period, day or hour.
 *
 * Every query reads the temp view `events_dedup` that electron/services/dataset.ts creates (valid events,
 * exact duplicates removed — the cube's rule, applied row by row), and returns compact, already aggregated
 * rows with plain column types (INTEGER / DOUBLE / VARCHAR), so results travel to JS or Arrow unchanged.
 * The pure metrics on top of these rows are in core/business.ts. Pure string builders, no engine import.
 *
 * Conventions: a period is inclusive UTC days `{from?, to?}` ('YYYY-MM-DD'; a missing bound is open);
 * revenue = Σ price × coalesce(quantity, 1) over purchase events; orders = distinct `transaction_id` among
 * purchases that have one, plus one per purchase event without one.
 */
import { ident, literal } from './sql.js';

/** Inclusive UTC day range; a missing bound is open. */
export interface PeriodSpec {
  from?: string;
  to?: string;
}

/** Where sessions come from: the mapped `session_id` column, or a 30-minute inactivity gap per visitor. */
export type SessionMode = 'column' | 'derived';

/** Inactivity that starts a new derived session (minutes). */
export const SESSION_GAP_MINUTES = 30;

/** The source view every business query reads. */
export const BUSINESS_SOURCE = 'events_dedup';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(d: string | undefined): void {
  if (d !== undefined && !DATE_RE.test(d)) throw new Error(`invalid date ${d}; expected YYYY-MM-DD`);
}

/** SQL conditions (ANDed) restricting `ts` to a period; `extra` are added. Returns '' or ' WHERE …'. */
export function periodWhere(p: PeriodSpec, extra: string[] = []): string {
  checkDate(p.from);
  checkDate(p.to);
  const w = [...extra];
  if (p.from) w.push(`ts >= TIMESTAMP ${literal(p.from)}`);
  if (p.to) w.push(`ts < TIMESTAMP ${literal(p.to)} + INTERVAL 1 DAY`);
  return w.length ? ` WHERE ${w.join(' AND ')}` : '';
}

const REVENUE = `CAST(coalesce(sum(price * coalesce(quantity, 1)) FILTER (WHERE event_type = 'purchase'), 0) AS DOUBLE)`;
const ORDERS =
  `CAST(count(DISTINCT transaction_id) FILTER (WHERE event_type = 'purchase') + ` +
  `count(*) FILTER (WHERE event_type = 'purchase' AND transaction_id IS NULL) AS INTEGER)`;
const cnt = (ev: string) => `CAST(count(*) FILTER (WHERE event_type = '${ev}') AS INTEGER)`;

/**
 * Per UTC day of the period: views, carts, purchases, revenue, orders, visitors (distinct visitor_id with
 * any event that day). Columns: date, views, carts, purchases, revenue, orders, visitors.
 */
export function dailyTotalsSql(p: PeriodSpec): string {
  return (
    `SELECT strftime(CAST(ts AS DATE), '%Y-%m-%d') AS date, ${cnt('view')} AS views, ${cnt('cart')} AS carts, ` +
    `${cnt('purchase')} AS purchases, ${REVENUE} AS revenue, ${ORDERS} AS orders, ` +
    `CAST(count(DISTINCT visitor_id) AS INTEGER) AS visitors ` +
    `FROM ${BUSINESS_SOURCE}${periodWhere(p)} GROUP BY 1 ORDER BY 1`
  );
}

/**
 * The session table (a subquery): one row per session with visitor_id, sid, start/end (TIMESTAMP), events,
 * and has_view / has_cart / has_purchase (BOOLEAN). Events are cut to the period first, so a session
 * crossing a period bound is split there.
 * - `derived`: per visitor, events ordered by time; a gap of more than {@link SESSION_GAP_MINUTES} minutes
 *   since the previous event starts a new session (window functions lag + running sum).
 * - `column` (some file maps session_id): a session is (visitor_id, session_id); events WITHOUT a session id
 *   (NULL ids, or files of a layout without the column) are sessionized as in `derived`, among themselves.
 *   The two kinds get distinct keys ('c…' / 'g…'), so they never merge.
 */
export function sessionsSql(p: PeriodSpec, mode: SessionMode): string {
  const src = (cond: string) =>
    `SELECT visitor_id, session_id, ts, event_type FROM ${BUSINESS_SOURCE}${periodWhere(p, cond ? [cond] : [])}`;
  const gap = (from: string) =>
    `SELECT visitor_id, 'g' || CAST(sum(CASE WHEN prev IS NULL OR ts - prev > INTERVAL ${SESSION_GAP_MINUTES} MINUTE THEN 1 ELSE 0 END) ` +
    `OVER (PARTITION BY visitor_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS VARCHAR) AS sid, ts, event_type ` +
    `FROM (SELECT *, lag(ts) OVER (PARTITION BY visitor_id ORDER BY ts) AS prev FROM (${from}))`;
  const keyed =
    mode === 'column'
      ? `SELECT visitor_id, 'c' || CAST(session_id AS VARCHAR) AS sid, ts, event_type FROM (${src('session_id IS NOT NULL')}) ` +
        `UNION ALL ${gap(src('session_id IS NULL'))}`
      : gap(src(''));
  return (
    `SELECT visitor_id, sid, min(ts) AS start_ts, max(ts) AS end_ts, count(*) AS events, ` +
    `bool_or(event_type = 'view') AS has_view, bool_or(event_type = 'cart') AS has_cart, ` +
    `bool_or(event_type = 'purchase') AS has_purchase FROM (${keyed}) GROUP BY visitor_id, sid`
  );
}

/**
 * Sessions per UTC day of their start: sessions, viewed (≥ 1 view), reached_cart (a cart or a purchase),
 * purchased (≥ 1 purchase), with_cart (≥ 1 cart event), cart_and_purchase (a cart and a purchase event),
 * duration_s (Σ last − first event, seconds), events (Σ events). Columns in that order after `date`.
 */
export function sessionDailySql(p: PeriodSpec, mode: SessionMode): string {
  return (
    `SELECT strftime(CAST(start_ts AS DATE), '%Y-%m-%d') AS date, CAST(count(*) AS INTEGER) AS sessions, ` +
    `CAST(count(*) FILTER (WHERE has_view) AS INTEGER) AS viewed, ` +
    `CAST(count(*) FILTER (WHERE has_cart OR has_purchase) AS INTEGER) AS reached_cart, ` +
    `CAST(count(*) FILTER (WHERE has_purchase) AS INTEGER) AS purchased, ` +
    `CAST(count(*) FILTER (WHERE has_cart) AS INTEGER) AS with_cart, ` +
    `CAST(count(*) FILTER (WHERE has_cart AND has_purchase) AS INTEGER) AS cart_and_purchase, ` +
    `CAST(coalesce(sum(epoch(end_ts) - epoch(start_ts)), 0) AS DOUBLE) AS duration_s, ` +
    `CAST(sum(events) AS DOUBLE) AS events ` +
    `FROM (${sessionsSql(p, mode)}) GROUP BY 1 ORDER BY 1`
  );
}

/**
 * Buyers of the period (visitors with ≥ 1 purchase): visitor_id (VARCHAR), last_purchase_ms (epoch ms of
 * their last purchase, DOUBLE), orders, revenue. Input of RFM scoring.
 */
export function buyersSql(p: PeriodSpec): string {
  return (
    `SELECT CAST(visitor_id AS VARCHAR) AS visitor_id, CAST(epoch_ms(max(ts)) AS DOUBLE) AS last_purchase_ms, ` +
    `${ORDERS} AS orders, round(${REVENUE}, 6) AS revenue ` +
    `FROM ${BUSINESS_SOURCE}${periodWhere(p, [`event_type = 'purchase'`])} GROUP BY visitor_id ORDER BY visitor_id`
  );
}

/**
 * Hot-lead candidates: visitors with ≥ 1 cart event and no purchase event in the lead window — the last
 * `windowDays` days of the period (`to` inclusive) — with last_cart_ms (epoch ms), carts, cart_value
 * (Σ price × coalesce(quantity, 1) over the window's cart events; 0 without prices), items (distinct
 * item_id carted) and past_orders (orders from `from` up to the window start).
 */
export function leadCandidatesSql(p: PeriodSpec & { to: string }, windowDays: number): string {
  if (!Number.isInteger(windowDays) || windowDays < 1)
    throw new Error('windowDays must be a positive integer');
  const ws = `(TIMESTAMP ${literal(p.to)} + INTERVAL 1 DAY - INTERVAL ${windowDays} DAY)`;
  const inW = `ts >= ${ws}`;
  return (
    `SELECT CAST(visitor_id AS VARCHAR) AS visitor_id, ` +
    `CAST(epoch_ms(max(ts) FILTER (WHERE event_type = 'cart' AND ${inW})) AS DOUBLE) AS last_cart_ms, ` +
    `CAST(count(*) FILTER (WHERE event_type = 'cart' AND ${inW}) AS INTEGER) AS carts, ` +
    `round(CAST(coalesce(sum(price * coalesce(quantity, 1)) FILTER (WHERE event_type = 'cart' AND ${inW}), 0) AS DOUBLE), 6) AS cart_value, ` +
    `CAST(count(DISTINCT item_id) FILTER (WHERE event_type = 'cart' AND ${inW}) AS INTEGER) AS items, ` +
    `CAST(count(DISTINCT transaction_id) FILTER (WHERE event_type = 'purchase' AND NOT ${inW}) + ` +
    `count(*) FILTER (WHERE event_type = 'purchase' AND transaction_id IS NULL AND NOT ${inW}) AS INTEGER) AS past_orders ` +
    `FROM ${BUSINESS_SOURCE}${periodWhere(p)} GROUP BY visitor_id ` +
    `HAVING count(*) FILTER (WHERE event_type = 'cart' AND ${inW}) > 0 ` +
    `AND count(*) FILTER (WHERE event_type = 'purchase' AND ${inW}) = 0`
  );
}

/**
 * Product aggregates of a period: item_id (VARCHAR), views, carts, purchases, units (Σ coalesce(quantity, 1)
 * over purchases), revenue, plus `max(dim)` of each of `dims` (e.g. brand, category) — ordered by `orderBy`
 * descending, at most `limit` rows (all when omitted). Events without item_id are left out.
 */
export function productsSql(
  p: PeriodSpec,
  opts: {
    dims?: readonly string[];
    orderBy?: 'revenue' | 'units' | 'views' | 'purchases';
    limit?: number;
  } = {},
): string {
  const dims = opts.dims ?? [];
  const order = opts.orderBy ?? 'revenue';
  const limit = opts.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(opts.limit))}` : '';
  return (
    `SELECT CAST(item_id AS VARCHAR) AS item_id, ${cnt('view')} AS views, ${cnt('cart')} AS carts, ` +
    `${cnt('purchase')} AS purchases, ` +
    `CAST(coalesce(sum(coalesce(quantity, 1)) FILTER (WHERE event_type = 'purchase'), 0) AS DOUBLE) AS units, ` +
    `${REVENUE} AS revenue` +
    dims.map((d) => `, max(CAST(${ident(d)} AS VARCHAR)) AS ${ident(d)}`).join('') +
    ` FROM ${BUSINESS_SOURCE}${periodWhere(p, ['item_id IS NOT NULL'])} GROUP BY item_id ` +
    `ORDER BY ${order} DESC, item_id${limit}`
  );
}

/**
 * Products in two periods side by side, only those with ≥ `minViews` views in BOTH: item_id, views_a,
 * purchases_a, views_b, purchases_b (+ `max(dim)` of `dims`). The input of the changed-most ranking.
 */
export function productChangeSql(
  a: PeriodSpec,
  b: PeriodSpec,
  minViews: number,
  dims: readonly string[] = [],
): string {
  const cond = (p: PeriodSpec) => periodWhere(p).replace(/^ WHERE /, '') || 'TRUE';
  const f = (p: PeriodSpec, ev: string) =>
    `CAST(count(*) FILTER (WHERE event_type = '${ev}' AND ${cond(p)}) AS INTEGER)`;
  const n = Math.max(0, Math.floor(minViews));
  return (
    `SELECT * FROM (SELECT CAST(item_id AS VARCHAR) AS item_id, ${f(a, 'view')} AS views_a, ${f(a, 'purchase')} AS purchases_a, ` +
    `${f(b, 'view')} AS views_b, ${f(b, 'purchase')} AS purchases_b` +
    dims.map((d) => `, max(CAST(${ident(d)} AS VARCHAR)) AS ${ident(d)}`).join('') +
    ` FROM ${BUSINESS_SOURCE} WHERE item_id IS NOT NULL AND ((${cond(a)}) OR (${cond(b)})) GROUP BY item_id) ` +
    `WHERE views_a >= ${n} AND views_b >= ${n} ORDER BY item_id`
  );
}

/**
 * Funnel per value of one dimension (data or derived, e.g. brand, category_root, price_band) over a period:
 * value (VARCHAR, NULL where the data has none), views, carts, purchases, revenue — ordered by revenue, views.
 */
export function groupFunnelSql(dim: string, p: PeriodSpec): string {
  return (
    `SELECT CAST(${ident(dim)} AS VARCHAR) AS value, ${cnt('view')} AS views, ${cnt('cart')} AS carts, ` +
    `${cnt('purchase')} AS purchases, ${REVENUE} AS revenue ` +
    `FROM ${BUSINESS_SOURCE}${periodWhere(p)} GROUP BY 1 ORDER BY revenue DESC, views DESC, value NULLS LAST`
  );
}

/**
 * Per value of `dim` × day (or × day × hour): value, date, [hour,] views, carts, purchases, revenue, for the
 * `top` values ranked over the period `rank` by `rankBy` (NULL values excluded), over the rows of `p`
 * (which may start earlier than `rank`, e.g. to give a causal detector its history). Ordered by value, time.
 */
export function groupTimeSql(
  dim: string,
  grain: 'day' | 'hour',
  p: PeriodSpec,
  opts: { top: number; rank?: PeriodSpec; rankBy?: 'views' | 'revenue' },
): string {
  const d = ident(dim);
  const rankBy = opts.rankBy ?? 'views';
  const rankExpr = rankBy === 'views' ? `count(*) FILTER (WHERE event_type = 'view')` : REVENUE;
  const top =
    `SELECT ${d} AS v FROM ${BUSINESS_SOURCE}${periodWhere(opts.rank ?? p, [`${d} IS NOT NULL`])} ` +
    `GROUP BY 1 ORDER BY ${rankExpr} DESC, 1 LIMIT ${Math.max(0, Math.floor(opts.top))}`;
  const hour = grain === 'hour' ? `, CAST(hour(ts) AS INTEGER) AS hour` : '';
  return (
    `SELECT CAST(${d} AS VARCHAR) AS value, strftime(CAST(ts AS DATE), '%Y-%m-%d') AS date${hour}, ` +
    `${cnt('view')} AS views, ${cnt('cart')} AS carts, ${cnt('purchase')} AS purchases, ${REVENUE} AS revenue ` +
    `FROM ${BUSINESS_SOURCE}${periodWhere(p, [`${d} IN (${top})`])} ` +
    `GROUP BY ALL ORDER BY value, date${grain === 'hour' ? ', hour' : ''}`
  );
}

// ---------------------------------------------------------------- compact tables for the app's worker

/**
 * The compact tables the app's Business view loads into DuckDB-WASM (host `businessCube` op → Arrow IPC →
 * worker). Each covers the dataset's WHOLE range at day (or day × hour) grain, so the worker answers any
 * period by filtering on `date` without asking the host again:
 * - `availability`: which views the dataset's columns allow (built in TS by the service, not SQL);
 * - `daily`: {@link dailyTotalsSql} over all days (AOV, range);
 * - `groups`: dim ('brand' | 'category_root' | 'price_band') × value × date funnel counts;
 * - `hourly`: brand × date × hour views/purchases of the {@link HOURLY_TOP} brands by views;
 * - `sessions`: {@link sessionDailySql} over the whole range (sessions are cut at midnight only by their
 *   start day, never at a period bound);
 * - `products`: item × date counts (+ brand, category) of items with ≥ {@link PRODUCT_MIN_VIEWS} views over
 *   the range, or among the 1,000 most viewed or 2,000 most purchased;
 * - `orders`: visitor × order × date (order = transaction_id, or one per purchase event without one);
 * - `carts`: visitor × item × date cart events (count, value, last time).
 */
export const BUSINESS_TABLES = [
  'availability',
  'daily',
  'groups',
  'hourly',
  'sessions',
  'products',
  'orders',
  'carts',
] as const;
export type BusinessTable = (typeof BUSINESS_TABLES)[number];

/** The group dimensions of the brand / category / price-band funnels. */
export const GROUP_DIMENSIONS = ['brand', 'category_root', 'price_band'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];

/** Brands kept in the hourly table (by views over the whole range). */
export const HOURLY_TOP = 50;
/** Products kept in the products table: at least this many views over the range … */
export const PRODUCT_MIN_VIEWS = 100;
/** … or among this many most-viewed products of the range (the by-views leaderboard of small data) … */
export const PRODUCT_TOP_VIEWED = 1000;
/**
 * … or among this many most-purchased products of the range. Not every purchased product: on the 2.7 M-event
 * sample that kept 536 k item-days (27 MB of Arrow), now 250 k (12.6 MB), most of them items with ≥ 100 views.
 */
export const PRODUCT_TOP_PURCHASED = 2000;

const DAY = `strftime(CAST(ts AS DATE), '%Y-%m-%d')`;

/** `groups` table: dim, value (NULL where the data has none), date, views, carts, purchases, revenue. */
export function groupsTableSql(dims: readonly string[]): string {
  if (!dims.length) throw new Error('groupsTableSql: no dimension');
  return dims
    .map(
      (d) =>
        `SELECT ${literal(d)} AS dim, CAST(${ident(d)} AS VARCHAR) AS value, ${DAY} AS date, ${cnt('view')} AS views, ` +
        `${cnt('cart')} AS carts, ${cnt('purchase')} AS purchases, ${REVENUE} AS revenue FROM ${BUSINESS_SOURCE} GROUP BY 1, 2, 3`,
    )
    .join(' UNION ALL ');
}

/** `hourly` table: value, date, hour, views, carts, purchases, revenue of the `top` values of `dim` by views. */
export function hourlyTableSql(dim: string, top = HOURLY_TOP): string {
  return groupTimeSql(dim, 'hour', {}, { top, rankBy: 'views' });
}

/**
 * `products` table: item_id, date, views, carts, purchases, units, revenue, max(dim) per item-day for each of
 * `dims` — items with ≥ `minViews` views over the whole range, among the {@link PRODUCT_TOP_VIEWED} most
 * viewed or the {@link PRODUCT_TOP_PURCHASED} most purchased (the changed-most list needs ≥ 100 views in each
 * period, so it loses nothing; a leaderboard of a short period could miss a product bought once or twice in
 * the whole range).
 */
export function productsTableSql(dims: readonly string[], minViews = PRODUCT_MIN_VIEWS): string {
  const n = Math.max(0, Math.floor(minViews));
  return (
    `WITH d AS (SELECT CAST(item_id AS VARCHAR) AS item_id, ${DAY} AS date, ${cnt('view')} AS views, ` +
    `${cnt('cart')} AS carts, ${cnt('purchase')} AS purchases, ` +
    `CAST(coalesce(sum(coalesce(quantity, 1)) FILTER (WHERE event_type = 'purchase'), 0) AS DOUBLE) AS units, ` +
    `${REVENUE} AS revenue` +
    dims.map((d) => `, max(CAST(${ident(d)} AS VARCHAR)) AS ${ident(d)}`).join('') +
    ` FROM ${BUSINESS_SOURCE} WHERE item_id IS NOT NULL GROUP BY 1, 2) ` +
    `SELECT * FROM d WHERE item_id IN (SELECT item_id FROM (SELECT item_id, sum(views) AS v, sum(purchases) AS pu, ` +
    `row_number() OVER (ORDER BY sum(views) DESC, item_id) AS rk, ` +
    `row_number() OVER (ORDER BY sum(purchases) DESC, sum(revenue) DESC, item_id) AS rp FROM d GROUP BY 1) ` +
    `WHERE v >= ${n} OR rk <= ${PRODUCT_TOP_VIEWED} OR (pu > 0 AND rp <= ${PRODUCT_TOP_PURCHASED})) ` +
    `ORDER BY item_id, date`
  );
}

/**
 * `orders` table: visitor_id, order_key ('t' + transaction_id, or 'e' + a row number for a purchase event
 * without one), date, last_ms (epoch ms of the order's last purchase event that day), purchases, revenue.
 */
export function ordersTableSql(): string {
  return (
    `SELECT CAST(visitor_id AS VARCHAR) AS visitor_id, ` +
    `coalesce('t' || CAST(transaction_id AS VARCHAR), 'e' || CAST(rn AS VARCHAR)) AS order_key, ${DAY} AS date, ` +
    `CAST(epoch_ms(max(ts)) AS DOUBLE) AS last_ms, CAST(count(*) AS INTEGER) AS purchases, ` +
    `CAST(coalesce(sum(price * coalesce(quantity, 1)), 0) AS DOUBLE) AS revenue ` +
    `FROM (SELECT *, row_number() OVER () AS rn FROM ${BUSINESS_SOURCE} WHERE event_type = 'purchase') ` +
    `GROUP BY 1, 2, 3 ORDER BY 1, 3`
  );
}

/** `carts` table: visitor_id, item_id, date, carts, cart_value (Σ price × coalesce(quantity, 1)), last_ms. */
export function cartsTableSql(): string {
  return (
    `SELECT CAST(visitor_id AS VARCHAR) AS visitor_id, CAST(item_id AS VARCHAR) AS item_id, ${DAY} AS date, ` +
    `CAST(count(*) AS INTEGER) AS carts, CAST(coalesce(sum(price * coalesce(quantity, 1)), 0) AS DOUBLE) AS cart_value, ` +
    `CAST(epoch_ms(max(ts)) AS DOUBLE) AS last_ms ` +
    `FROM ${BUSINESS_SOURCE} WHERE event_type = 'cart' GROUP BY 1, 2, 3 ORDER BY 1, 3`
  );
}

// ---------------------------------------------------------------- queries over the compact tables (worker)

/** Worker table name of a compact table. */
export const bizTable = (t: BusinessTable) => `biz_${t}`;

/** `date BETWEEN …` on the compact tables' 'YYYY-MM-DD' text dates (inclusive). */
export function bizDateWhere(p: { from: string; to: string }): string {
  checkDate(p.from);
  checkDate(p.to);
  return `date BETWEEN ${literal(p.from)} AND ${literal(p.to)}`;
}

/** Σ daily totals of a period from `biz_daily`: views, carts, purchases, revenue, orders. */
export function bizTotalsSql(p: { from: string; to: string }): string {
  return (
    `SELECT coalesce(sum(views), 0)::DOUBLE AS views, coalesce(sum(carts), 0)::DOUBLE AS carts, ` +
    `coalesce(sum(purchases), 0)::DOUBLE AS purchases, coalesce(sum(revenue), 0)::DOUBLE AS revenue, ` +
    `coalesce(sum(orders), 0)::DOUBLE AS orders FROM ${bizTable('daily')} WHERE ${bizDateWhere(p)}`
  );
}

/** Group counts (value, views, carts, purchases, revenue) of one dimension over a period, from `biz_groups`. */
export function bizGroupCountsSql(dim: string, p: { from: string; to: string }): string {
  return (
    `SELECT value, sum(views)::DOUBLE AS views, sum(carts)::DOUBLE AS carts, sum(purchases)::DOUBLE AS purchases, ` +
    `sum(revenue)::DOUBLE AS revenue FROM ${bizTable('groups')} WHERE dim = ${literal(dim)} AND ${bizDateWhere(p)} ` +
    `GROUP BY value ORDER BY revenue DESC, views DESC, value NULLS LAST`
  );
}

/** Daily rows (value, date, views, purchases, revenue) of the given values of `dim` over a period. */
export function bizGroupDailySql(
  dim: string,
  values: readonly string[],
  p: { from: string; to: string },
): string {
  if (!values.length)
    return `SELECT NULL::VARCHAR AS value, NULL::VARCHAR AS date, 0::DOUBLE AS views, 0::DOUBLE AS purchases, 0::DOUBLE AS revenue WHERE FALSE`;
  return (
    `SELECT value, date, sum(views)::DOUBLE AS views, sum(purchases)::DOUBLE AS purchases, sum(revenue)::DOUBLE AS revenue ` +
    `FROM ${bizTable('groups')} WHERE dim = ${literal(dim)} AND value IN (${values.map(literal).join(', ')}) AND ${bizDateWhere(p)} ` +
    `GROUP BY ALL ORDER BY value, date`
  );
}

/**
 * Hourly rows (value, date, hour, views, purchases) from `from` to `to` of the `top` values by views over
 * `rank` (the period; `from` may be earlier, the causal detector's history).
 */
export function bizHourlySql(
  p: { from: string; to: string },
  rank: { from: string; to: string },
  top: number,
): string {
  const t = bizTable('hourly');
  return (
    `SELECT value, date, CAST(hour AS INTEGER) AS hour, views::DOUBLE AS views, purchases::DOUBLE AS purchases FROM ${t} ` +
    `WHERE ${bizDateWhere(p)} AND value IN (SELECT value FROM ${t} WHERE ${bizDateWhere(rank)} ` +
    `GROUP BY 1 ORDER BY sum(views) DESC, 1 LIMIT ${Math.max(0, Math.floor(top))}) ORDER BY value, date, hour`
  );
}

/** Session day rows of a period from `biz_sessions` (columns of {@link sessionDailySql}). */
export function bizSessionsSql(p: { from: string; to: string }): string {
  return (
    `SELECT date, sessions::DOUBLE AS sessions, viewed::DOUBLE AS viewed, reached_cart::DOUBLE AS reached_cart, ` +
    `purchased::DOUBLE AS purchased, with_cart::DOUBLE AS with_cart, cart_and_purchase::DOUBLE AS cart_and_purchase, ` +
    `duration_s::DOUBLE AS duration_s, events::DOUBLE AS events FROM ${bizTable('sessions')} WHERE ${bizDateWhere(p)} ORDER BY date`
  );
}

/** Product leaderboard rows of a period from `biz_products` (columns of {@link productsSql}). */
export function bizProductsSql(
  p: { from: string; to: string },
  opts: { dims: readonly string[]; orderBy: 'revenue' | 'units' | 'views' | 'purchases'; limit: number },
): string {
  return (
    `SELECT item_id, sum(views)::DOUBLE AS views, sum(carts)::DOUBLE AS carts, sum(purchases)::DOUBLE AS purchases, ` +
    `sum(units)::DOUBLE AS units, sum(revenue)::DOUBLE AS revenue` +
    opts.dims.map((d) => `, max(${ident(d)}) AS ${ident(d)}`).join('') +
    ` FROM ${bizTable('products')} WHERE ${bizDateWhere(p)} GROUP BY item_id ` +
    `ORDER BY ${opts.orderBy} DESC, item_id LIMIT ${Math.max(0, Math.floor(opts.limit))}`
  );
}

/** Products in two periods (columns of {@link productChangeSql}), ≥ `minViews` views in both. */
export function bizProductChangeSql(
  a: { from: string; to: string },
  b: { from: string; to: string },
  minViews: number,
  dims: readonly string[],
): string {
  const f = (p: { from: string; to: string }, m: string) =>
    `coalesce(sum(${m}) FILTER (WHERE ${bizDateWhere(p)}), 0)::DOUBLE`;
  const n = Math.max(0, Math.floor(minViews));
  return (
    `SELECT * FROM (SELECT item_id, ${f(a, 'views')} AS views_a, ${f(a, 'purchases')} AS purchases_a, ` +
    `${f(b, 'views')} AS views_b, ${f(b, 'purchases')} AS purchases_b` +
    dims.map((d) => `, max(${ident(d)}) AS ${ident(d)}`).join('') +
    ` FROM ${bizTable('products')} WHERE (${bizDateWhere(a)}) OR (${bizDateWhere(b)}) GROUP BY item_id) ` +
    `WHERE views_a >= ${n} AND views_b >= ${n} ORDER BY item_id`
  );
}

/** Buyers of a period (columns of {@link buyersSql}) from `biz_orders`. */
export function bizBuyersSql(p: { from: string; to: string }): string {
  return (
    `SELECT visitor_id, max(last_ms)::DOUBLE AS last_purchase_ms, count(DISTINCT order_key)::DOUBLE AS orders, ` +
    `round(sum(revenue)::DOUBLE, 6) AS revenue FROM ${bizTable('orders')} WHERE ${bizDateWhere(p)} GROUP BY visitor_id ORDER BY visitor_id`
  );
}

/**
 * Hot-lead candidates (columns of {@link leadCandidatesSql}) from `biz_carts` and `biz_orders`: the window is
 * the last `windowDays` days of the period (never before its start); past orders are those of the period
 * before the window.
 */
export function bizLeadCandidatesSql(p: { from: string; to: string }, windowFrom: string): string {
  checkDate(windowFrom);
  const w = { from: windowFrom < p.from ? p.from : windowFrom, to: p.to };
  return (
    `WITH c AS (SELECT visitor_id, max(last_ms)::DOUBLE AS last_cart_ms, sum(carts)::DOUBLE AS carts, ` +
    `round(sum(cart_value)::DOUBLE, 6) AS cart_value, count(DISTINCT item_id)::DOUBLE AS items FROM ${bizTable('carts')} ` +
    `WHERE ${bizDateWhere(w)} GROUP BY 1), ` +
    `bought AS (SELECT DISTINCT visitor_id FROM ${bizTable('orders')} WHERE ${bizDateWhere(w)}), ` +
    `past AS (SELECT visitor_id, count(DISTINCT order_key)::DOUBLE AS past_orders FROM ${bizTable('orders')} ` +
    `WHERE date >= ${literal(p.from)} AND date < ${literal(w.from)} GROUP BY 1) ` +
    `SELECT c.visitor_id, c.last_cart_ms, c.carts, c.cart_value, c.items, coalesce(past.past_orders, 0)::DOUBLE AS past_orders ` +
    `FROM c LEFT JOIN past ON past.visitor_id = c.visitor_id ` +
    `WHERE c.visitor_id NOT IN (SELECT visitor_id FROM bought) ORDER BY c.visitor_id`
  );
}
