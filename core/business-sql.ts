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
    `${ORDERS} AS orders, ${REVENUE} AS revenue ` +
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
    `CAST(coalesce(sum(price * coalesce(quantity, 1)) FILTER (WHERE event_type = 'cart' AND ${inW}), 0) AS DOUBLE) AS cart_value, ` +
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
