/**
 * Business metrics (issue 6): funnels per brand / category / price band, underperformers and revenue
 * opportunity, products leaderboard and changed-most products, daily KPIs, the session funnel, RFM customer
 * scoring with tiers, hot leads with a transparent propensity score, and hourly per-group anomalies with a
 * causal robust method. Pure TypeScript over the compact rows the SQL of core/business-sql.ts returns.
 *
 * Definitions (also in ARCHITECTURE.md, "Business metrics"); every rate is a fraction, null when its
 * denominator is 0:
 * - conversion = purchases / views; cart rate (view→cart) = carts / views; checkout rate (cart→purchase) =
 *   purchases / carts — all on event counts, exact duplicates removed.
 * - abandonment = 1 − (sessions with a cart event and a purchase event) / (sessions with a cart event):
 *   SESSION based (sessions from session_id, else a 30-minute inactivity gap per visitor).
 * - AOV = revenue / orders; orders = distinct transaction_id where present, else one per purchase event.
 * - revenue per visitor = revenue / distinct visitors.
 */
import { MAD_TO_SIGMA, dayNumber, dayString, median, medianAndSigma, rateVariance } from './stats.js';

// ---------------------------------------------------------------- basics

/** a / b, null when b is 0 (or either is not finite). */
export function ratio(a: number, b: number): number | null {
  return b > 0 && Number.isFinite(a) ? a / b : null;
}

/** Funnel rates of one set of counts. */
export interface FunnelRates {
  /** carts / views */
  cartRate: number | null;
  /** purchases / carts */
  checkoutRate: number | null;
  /** purchases / views */
  conversion: number | null;
}

export function funnelRates(views: number, carts: number, purchases: number): FunnelRates {
  return {
    cartRate: ratio(carts, views),
    checkoutRate: ratio(purchases, carts),
    conversion: ratio(purchases, views),
  };
}

/**
 * Quantile of sorted values, linear interpolation between order statistics (Hyndman & Fan type 7, the
 * default of R and numpy): h = (n − 1)·q, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). NaN when empty.
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Mid-rank percentile of each value among all values: p = (count below + ½ · count equal) / n, in (0, 1).
 * Ties share one percentile, so equal values always get equal scores.
 */
export function midrankPercentiles(values: readonly number[]): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const lowerBound = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] < x) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  const upperBound = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  return values.map((x) => {
    const below = lowerBound(x);
    const equal = upperBound(x) - below;
    return (below + equal / 2) / n;
  });
}

/**
 * Quintile scores 1–5 (5 = best): score = min(5, ⌊5·b / n⌋ + 1) where b is the number of values strictly
 * worse (below; for lower-is-better, strictly above). Ties share a score, and a tie at the bottom scores 1 —
 * with frequency, where most buyers have exactly one order, one-time buyers get F = 1 and every repeat buyer
 * ranks above them. Five distinct values score 1…5; all-equal values all score 1 (nobody is better).
 */
export function quintileScores(values: readonly number[], higherIsBetter = true): number[] {
  const v = higherIsBetter ? values : values.map((x) => -x);
  const sorted = [...v].sort((a, b) => a - b);
  const n = v.length;
  return v.map((x) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] < x) lo = m + 1;
      else hi = m;
    }
    return Math.min(5, Math.floor((5 * lo) / n) + 1);
  });
}

// ---------------------------------------------------------------- groups: brand / category / price band

/** Counts of one group (brand, category root, price band …) over a period. */
export interface GroupCounts {
  /** the group's value; null where the data has none */
  value: string | null;
  views: number;
  carts: number;
  purchases: number;
  revenue: number;
}

export interface GroupFunnelRow extends FunnelRates {
  /** the group's value ("unknown" where the data has none) */
  value: string;
  views: number;
  carts: number;
  purchases: number;
  revenue: number;
  /** share of all revenue in the table (0–1) */
  revenueShare: number | null;
  /** revenue opportunity of +`uplift` relative conversion: uplift × purchases × AOV (null without AOV) */
  opportunity: number | null;
}

/**
 * Funnel rows per group, sorted by revenue (then views) descending, with rates, revenue share and the
 * revenue opportunity: raising the group's conversion by `uplift` (default 10 %, relative) at unchanged views
 * adds uplift × purchases purchases, each worth the period's AOV (revenue / orders over all traffic).
 * The period-wide AOV is used because a group's own average purchase value would make the opportunity
 * exactly uplift × revenue. Null values are reported as `unknownLabel` (merged with an existing one).
 */
export function groupFunnel(
  rows: readonly GroupCounts[],
  opts: { aov: number | null; uplift?: number; unknownLabel?: string } = { aov: null },
): GroupFunnelRow[] {
  const uplift = opts.uplift ?? 0.1;
  const unknown = opts.unknownLabel ?? 'unknown';
  const merged = new Map<string, GroupCounts>();
  for (const r of rows) {
    const k = r.value ?? unknown;
    const m = merged.get(k);
    if (m) {
      m.views += r.views;
      m.carts += r.carts;
      m.purchases += r.purchases;
      m.revenue += r.revenue;
    } else merged.set(k, { ...r, value: k });
  }
  const totalRevenue = [...merged.values()].reduce((a, r) => a + r.revenue, 0);
  return [...merged.values()]
    .map((r) => ({
      value: r.value!,
      views: r.views,
      carts: r.carts,
      purchases: r.purchases,
      revenue: r.revenue,
      ...funnelRates(r.views, r.carts, r.purchases),
      revenueShare: ratio(r.revenue, totalRevenue),
      opportunity: opts.aov == null ? null : uplift * r.purchases * opts.aov,
    }))
    .sort((a, b) => b.revenue - a.revenue || b.views - a.views || a.value.localeCompare(b.value));
}

/**
 * Underperformers: among groups with ≥ `minViews` views (default 1,000), those whose conversion is at or
 * below the first quartile (type-7 quantile, {@link quantileSorted}) of the eligible groups' conversions.
 * Sorted by conversion ascending, then views descending. Also returns the quartile and how many were eligible.
 */
export function underperformers(
  rows: readonly GroupFunnelRow[],
  minViews = 1000,
): { q1: number | null; eligible: number; rows: GroupFunnelRow[] } {
  const eligible = rows.filter((r) => r.views >= minViews && r.conversion !== null);
  if (!eligible.length) return { q1: null, eligible: 0, rows: [] };
  const q1 = quantileSorted(
    eligible.map((r) => r.conversion!).sort((a, b) => a - b),
    0.25,
  );
  return {
    q1,
    eligible: eligible.length,
    rows: eligible
      .filter((r) => r.conversion! <= q1 + 1e-15)
      .sort((a, b) => a.conversion! - b.conversion! || b.views - a.views),
  };
}

/** One group's daily series (trends of the top groups). */
export interface GroupSeries {
  value: string;
  points: { date: string; views: number; purchases: number; revenue: number; conversion: number | null }[];
}

/** Daily series per group from value × date rows (missing days inside the period filled with zeros). */
export function groupSeries(
  rows: readonly { value: string; date: string; views: number; purchases: number; revenue: number }[],
  period?: { from: string; to: string },
): GroupSeries[] {
  const byValue = new Map<string, Map<string, (typeof rows)[number]>>();
  for (const r of rows) {
    let m = byValue.get(r.value);
    if (!m) byValue.set(r.value, (m = new Map()));
    m.set(r.date, r);
  }
  const dates = new Set(rows.map((r) => r.date));
  let days: string[];
  if (period) {
    days = [];
    for (let d = dayNumber(period.from); d <= dayNumber(period.to); d++) days.push(dayString(d));
  } else days = [...dates].sort();
  return [...byValue.entries()].map(([value, m]) => ({
    value,
    points: days.map((date) => {
      const r = m.get(date);
      const views = r?.views ?? 0;
      const purchases = r?.purchases ?? 0;
      return { date, views, purchases, revenue: r?.revenue ?? 0, conversion: ratio(purchases, views) };
    }),
  }));
}

// ---------------------------------------------------------------- products

export interface ProductCounts {
  item_id: string;
  views: number;
  carts: number;
  purchases: number;
  units: number;
  revenue: number;
  /** brand / category of the product where the data has them */
  [dim: string]: string | number | null;
}

export interface ProductRow extends FunnelRates {
  itemId: string;
  views: number;
  carts: number;
  purchases: number;
  units: number;
  revenue: number;
  /** other attributes (brand, category) as in the data */
  attributes: Record<string, string | null>;
}

/** Leaderboard rows with view→cart (cartRate) and cart→purchase (checkoutRate) rates, in input order. */
export function productLeaderboard(rows: readonly ProductCounts[]): ProductRow[] {
  const fixed = new Set(['item_id', 'views', 'carts', 'purchases', 'units', 'revenue']);
  return rows.map((r) => {
    const attributes: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(r)) if (!fixed.has(k)) attributes[k] = v == null ? null : String(v);
    return {
      itemId: r.item_id,
      views: r.views,
      carts: r.carts,
      purchases: r.purchases,
      units: r.units,
      revenue: r.revenue,
      ...funnelRates(r.views, r.carts, r.purchases),
      attributes,
    };
  });
}

export interface ProductChangeInput {
  item_id: string;
  views_a: number;
  purchases_a: number;
  views_b: number;
  purchases_b: number;
  [dim: string]: string | number | null;
}

export interface ProductChange {
  itemId: string;
  viewsA: number;
  purchasesA: number;
  conversionA: number;
  viewsB: number;
  purchasesB: number;
  conversionB: number;
  /** conversionB − conversionA (absolute, fraction) */
  change: number;
  /** change / conversionA; null when conversionA is 0 */
  relativeChange: number | null;
  /**
   * two-proportion z statistic (pooled): change / √(p̂(1 − p̂)(1/viewsA + 1/viewsB)), p̂ = pooled conversion;
   * 0 when p̂ is 0 or 1
   */
  z: number;
  attributes: Record<string, string | null>;
}

/**
 * Products whose conversion changed most between period A (before) and B (after). Minimum-volume rule:
 * only products with ≥ `minViews` views in BOTH periods (default 100; the SQL applies it too) and ≥ 1
 * purchase in at least one. Ranked by |z| (two-proportion z test, so a change backed by more views ranks
 * higher than the same change on few views), ties by |change|. At most `limit` (default 50).
 */
export function productsChanged(
  rows: readonly ProductChangeInput[],
  opts: { minViews?: number; limit?: number } = {},
): ProductChange[] {
  const minViews = opts.minViews ?? 100;
  const fixed = new Set(['item_id', 'views_a', 'purchases_a', 'views_b', 'purchases_b']);
  const out: ProductChange[] = [];
  for (const r of rows) {
    if (r.views_a < minViews || r.views_b < minViews) continue;
    if (r.purchases_a + r.purchases_b === 0) continue;
    const ca = r.purchases_a / r.views_a;
    const cb = r.purchases_b / r.views_b;
    const pooled = (r.purchases_a + r.purchases_b) / (r.views_a + r.views_b);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / r.views_a + 1 / r.views_b));
    const attributes: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(r)) if (!fixed.has(k)) attributes[k] = v == null ? null : String(v);
    out.push({
      itemId: r.item_id,
      viewsA: r.views_a,
      purchasesA: r.purchases_a,
      conversionA: ca,
      viewsB: r.views_b,
      purchasesB: r.purchases_b,
      conversionB: cb,
      change: cb - ca,
      relativeChange: ca > 0 ? (cb - ca) / ca : null,
      z: se > 0 ? (cb - ca) / se : 0,
      attributes,
    });
  }
  return out
    .sort(
      (a, b) =>
        Math.abs(b.z) - Math.abs(a.z) ||
        Math.abs(b.change) - Math.abs(a.change) ||
        a.itemId.localeCompare(b.itemId),
    )
    .slice(0, opts.limit ?? 50);
}

// ---------------------------------------------------------------- daily KPIs and sessions

/** Per-day totals (dailyTotalsSql). */
export interface DailyTotals {
  date: string;
  views: number;
  carts: number;
  purchases: number;
  revenue: number;
  orders: number;
  visitors: number;
}

/** Per-day session counts (sessionDailySql). */
export interface SessionDaily {
  date: string;
  sessions: number;
  viewed: number;
  reached_cart: number;
  purchased: number;
  with_cart: number;
  cart_and_purchase: number;
  duration_s: number;
  events: number;
}

export interface DailyKpi {
  date: string;
  views: number;
  carts: number;
  purchases: number;
  orders: number;
  revenue: number;
  visitors: number;
  sessions: number;
  /** purchases / views */
  conversion: number | null;
  /** carts / views */
  cartRate: number | null;
  /** purchases / carts */
  checkoutRate: number | null;
  /** 1 − sessions with cart and purchase / sessions with cart (null without cart sessions) */
  abandonment: number | null;
  /** revenue / orders (null without orders or without prices) */
  aov: number | null;
  /** revenue / visitors (null without prices) */
  revenuePerVisitor: number | null;
}

/**
 * Daily KPIs (one row per date present in either input, sorted) and the same KPIs over the whole period
 * (`total`; its `visitors` is the sum of daily visitors — a visitor active on two days counts twice, so the
 * period's revenue per visitor is revenue per visitor-day). `hasPrice` false → AOV and revenue per visitor null.
 */
export function dailyKpis(
  totals: readonly DailyTotals[],
  sessions: readonly SessionDaily[],
  hasPrice = true,
): { days: DailyKpi[]; total: Omit<DailyKpi, 'date'> } {
  const s = new Map(sessions.map((r) => [r.date, r]));
  const t = new Map(totals.map((r) => [r.date, r]));
  const dates = [...new Set([...t.keys(), ...s.keys()])].sort();
  const make = (
    tt: Omit<DailyTotals, 'date'>,
    ss: { sessions: number; with_cart: number; cart_and_purchase: number },
  ) => ({
    views: tt.views,
    carts: tt.carts,
    purchases: tt.purchases,
    orders: tt.orders,
    revenue: tt.revenue,
    visitors: tt.visitors,
    sessions: ss.sessions,
    ...funnelRates(tt.views, tt.carts, tt.purchases),
    abandonment: ss.with_cart > 0 ? 1 - ss.cart_and_purchase / ss.with_cart : null,
    aov: hasPrice ? ratio(tt.revenue, tt.orders) : null,
    revenuePerVisitor: hasPrice ? ratio(tt.revenue, tt.visitors) : null,
  });
  const zeroT = { views: 0, carts: 0, purchases: 0, revenue: 0, orders: 0, visitors: 0 };
  const zeroS = { sessions: 0, with_cart: 0, cart_and_purchase: 0 };
  const days = dates.map((date) => ({ date, ...make(t.get(date) ?? zeroT, s.get(date) ?? zeroS) }));
  const sumT = { ...zeroT };
  for (const r of totals) for (const k of Object.keys(zeroT) as (keyof typeof zeroT)[]) sumT[k] += r[k];
  const sumS = { ...zeroS };
  for (const r of sessions) for (const k of Object.keys(zeroS) as (keyof typeof zeroS)[]) sumS[k] += r[k];
  return { days, total: make(sumT, sumS) };
}

export interface SessionFunnel {
  sessions: number;
  /** visited → viewed product → added to cart → purchased; `reached` counts sessions at that step */
  steps: { step: 'visited' | 'viewed' | 'carted' | 'purchased'; reached: number; dropOff: number | null }[];
  /** 1 − sessions with a cart and a purchase event / sessions with a cart event */
  cartAbandonment: number | null;
  /** mean of (last − first event time) over all sessions, seconds (single-event sessions count 0) */
  avgDurationSeconds: number | null;
  /** mean events (page hits) per session */
  pagesPerSession: number | null;
}

/**
 * The session funnel over the summed daily session rows. A session reaches "viewed" with ≥ 1 view event,
 * "carted" with a cart OR a purchase event (a purchase implies its cart step, possibly in an earlier
 * session), "purchased" with a purchase event — so the steps are nested. dropOff of a step = 1 − reached /
 * reached at the previous step (null for the first step or a previous step of 0).
 */
export function sessionFunnel(rows: readonly SessionDaily[]): SessionFunnel {
  const sum = (k: keyof Omit<SessionDaily, 'date'>) => rows.reduce((a, r) => a + r[k], 0);
  const sessions = sum('sessions');
  const reached = [sessions, sum('viewed'), sum('reached_cart'), sum('purchased')];
  const names = ['visited', 'viewed', 'carted', 'purchased'] as const;
  const withCart = sum('with_cart');
  return {
    sessions,
    steps: names.map((step, i) => ({
      step,
      reached: reached[i],
      dropOff: i === 0 || reached[i - 1] === 0 ? null : 1 - reached[i] / reached[i - 1],
    })),
    cartAbandonment: withCart > 0 ? 1 - sum('cart_and_purchase') / withCart : null,
    avgDurationSeconds: ratio(sum('duration_s'), sessions),
    pagesPerSession: ratio(sum('events'), sessions),
  };
}

// ---------------------------------------------------------------- RFM

export const RFM_TIERS = ['Champion', 'Loyal', 'Potential', 'At risk', 'Lost'] as const;
export type RfmTier = (typeof RFM_TIERS)[number];

/**
 * Tier of an R/F score pair, first matching rule wins:
 * Champion R ≥ 4 and F ≥ 4; Loyal R ≥ 3 and F ≥ 3; Potential R ≥ 3 (recent, few orders);
 * At risk R ≤ 2 and F ≥ 3 (used to buy often, gone quiet); Lost otherwise (R ≤ 2 and F ≤ 2).
 * M is reported but does not decide the tier (revenue share per tier shows its weight).
 */
export function rfmTier(r: number, f: number): RfmTier {
  if (r >= 4 && f >= 4) return 'Champion';
  if (r >= 3 && f >= 3) return 'Loyal';
  if (r >= 3) return 'Potential';
  if (f >= 3) return 'At risk';
  return 'Lost';
}

/** A buyer of the period (buyersSql). */
export interface Buyer {
  visitor_id: string;
  last_purchase_ms: number;
  orders: number;
  revenue: number;
}

export interface RfmCustomer {
  visitorId: string;
  /** whole days from the last purchase to the end of the period */
  recencyDays: number;
  /** orders in the period */
  frequency: number;
  /** revenue in the period */
  monetary: number;
  r: number;
  f: number;
  m: number;
  tier: RfmTier;
}

export interface RfmSummary {
  customers: number;
  revenue: number;
  tiers: {
    tier: RfmTier;
    customers: number;
    share: number | null;
    revenue: number;
    revenueShare: number | null;
  }[];
  /** 25 cells, r = 1…5 (outer) × f = 1…5 (inner) */
  heatmap: { r: number; f: number; customers: number; revenue: number }[];
}

/**
 * RFM scores of the period's buyers. Recency = ⌊(asOfMs − last purchase) / 1 day⌋ where asOfMs is the end
 * of the period (exclusive, i.e. the start of the day after `to`); frequency = orders; monetary = revenue.
 * Each is scored in quintiles among the buyers ({@link quintileScores}; recency: fewer days = 5).
 */
export function rfmScores(buyers: readonly Buyer[], asOfMs: number): RfmCustomer[] {
  const rec = buyers.map((b) => Math.max(0, Math.floor((asOfMs - b.last_purchase_ms) / 86_400_000)));
  const r = quintileScores(rec, false);
  const f = quintileScores(buyers.map((b) => b.orders));
  const m = quintileScores(buyers.map((b) => b.revenue));
  return buyers.map((b, i) => ({
    visitorId: b.visitor_id,
    recencyDays: rec[i],
    frequency: b.orders,
    monetary: b.revenue,
    r: r[i],
    f: f[i],
    m: m[i],
    tier: rfmTier(r[i], f[i]),
  }));
}

/**
 * What the Customers view and `funnelscope summary` show of the buyers: RFM scores as of `asOfMs` (the end of the
 * period), the best `limit` customers by R+F+M (ties: revenue, then id) and the tier/heatmap summary.
 */
export function customerOverview(
  buyers: readonly Buyer[],
  asOfMs: number,
  limit = 100,
): RfmSummary & { asOf: string; topCustomers: RfmCustomer[] } {
  const scored = rfmScores(buyers, asOfMs);
  const topCustomers = [...scored]
    .sort(
      (a, b) =>
        b.r + b.f + b.m - (a.r + a.f + a.m) ||
        b.monetary - a.monetary ||
        a.visitorId.localeCompare(b.visitorId),
    )
    .slice(0, limit);
  return { asOf: new Date(asOfMs).toISOString(), topCustomers, ...rfmSummary(scored) };
}

/** Tier sizes and revenue shares and the R×F heatmap of scored customers. */
export function rfmSummary(customers: readonly RfmCustomer[]): RfmSummary {
  const revenue = customers.reduce((a, c) => a + c.monetary, 0);
  const n = customers.length;
  const tiers = RFM_TIERS.map((tier) => {
    const cs = customers.filter((c) => c.tier === tier);
    const rev = cs.reduce((a, c) => a + c.monetary, 0);
    return {
      tier,
      customers: cs.length,
      share: ratio(cs.length, n),
      revenue: rev,
      revenueShare: ratio(rev, revenue),
    };
  });
  const heatmap: RfmSummary['heatmap'] = [];
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++) {
      const cs = customers.filter((c) => c.r === r && c.f === f);
      heatmap.push({ r, f, customers: cs.length, revenue: cs.reduce((a, c) => a + c.monetary, 0) });
    }
  return { customers: n, revenue, tiers, heatmap };
}

// ---------------------------------------------------------------- hot leads

/** A cart-without-purchase visitor of the lead window (leadCandidatesSql). */
export interface LeadCandidate {
  visitor_id: string;
  last_cart_ms: number;
  carts: number;
  cart_value: number;
  items: number;
  past_orders: number;
}

/** Weights of the propensity score (they sum to 1). */
export const PROPENSITY_WEIGHTS = { recency: 0.5, cartValue: 0.3, pastPurchases: 0.2 } as const;
/** Past orders at which the past-purchases component saturates at 1. */
export const PAST_ORDERS_CAP = 3;

export interface HotLead {
  visitorId: string;
  /** 0–100 */
  score: number;
  components: {
    /** 1 − days since last cart / window days, clamped to [0, 1] (a cart just now = 1) */
    recency: number;
    /** mid-rank percentile of the cart value among all leads (null without prices) */
    cartValue: number | null;
    /** min(past orders, 3) / 3 */
    pastPurchases: number;
  };
  daysSinceCart: number;
  lastCart: string;
  carts: number;
  cartValue: number | null;
  items: number;
  pastOrders: number;
}

/**
 * Rank hot leads by a transparent propensity score:
 * score = 100 × (0.5·recency + 0.3·cartValue + 0.2·pastPurchases), components in [0, 1] as documented on
 * {@link HotLead}. Without prices the cart-value term is dropped and the other two are renormalized:
 * 100 × (0.5·recency + 0.2·pastPurchases) / 0.7. Sorted by score, then cart value, then visitor id.
 */
export function hotLeads(
  candidates: readonly LeadCandidate[],
  opts: { asOfMs: number; windowDays: number; hasPrice: boolean },
): HotLead[] {
  const w = PROPENSITY_WEIGHTS;
  const valuePct = opts.hasPrice ? midrankPercentiles(candidates.map((c) => c.cart_value)) : null;
  return candidates
    .map((c, i) => {
      const days = Math.max(0, (opts.asOfMs - c.last_cart_ms) / 86_400_000);
      const recency = Math.min(1, Math.max(0, 1 - days / opts.windowDays));
      const pastPurchases = Math.min(c.past_orders, PAST_ORDERS_CAP) / PAST_ORDERS_CAP;
      const cartValue = valuePct ? valuePct[i] : null;
      const score =
        cartValue === null
          ? (100 * (w.recency * recency + w.pastPurchases * pastPurchases)) / (w.recency + w.pastPurchases)
          : 100 * (w.recency * recency + w.cartValue * cartValue + w.pastPurchases * pastPurchases);
      return {
        visitorId: c.visitor_id,
        score,
        components: { recency, cartValue, pastPurchases },
        daysSinceCart: days,
        lastCart: new Date(c.last_cart_ms).toISOString(),
        carts: c.carts,
        cartValue: opts.hasPrice ? c.cart_value : null,
        items: c.items,
        pastOrders: c.past_orders,
      };
    })
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.cartValue ?? 0) - (a.cartValue ?? 0) ||
        a.visitorId.localeCompare(b.visitorId),
    );
}

/** CSV (RFC 4180, header row) of hot leads with every score component. */
export function hotLeadsCsv(leads: readonly HotLead[]): string {
  const q = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head =
    'visitor_id,score,recency,cart_value_score,past_purchases_score,days_since_cart,last_cart,carts,cart_value,items,past_orders';
  const lines = leads.map((l) =>
    [
      l.visitorId,
      l.score.toFixed(2),
      l.components.recency.toFixed(4),
      l.components.cartValue === null ? null : l.components.cartValue.toFixed(4),
      l.components.pastPurchases.toFixed(4),
      l.daysSinceCart.toFixed(2),
      l.lastCart,
      l.carts,
      l.cartValue,
      l.items,
      l.pastOrders,
    ]
      .map(q)
      .join(','),
  );
  return [head, ...lines].join('\n') + '\n';
}

// ---------------------------------------------------------------- hourly anomalies

/** One group × hour (groupTimeSql with grain 'hour'). */
export interface HourlyRow {
  value: string;
  date: string;
  hour: number;
  views: number;
  purchases: number;
}

export interface HourlyAnomalySettings {
  /** first day evaluated (earlier rows are history only); default: the first day of the data */
  from?: string;
  /** days of history the baselines use (default 14) */
  historyDays: number;
  /** minimum history days before any verdict (default 7) */
  minHistoryDays: number;
  /** |z| at or above which an hour is anomalous (default 4) */
  zThreshold: number;
  /** traffic gate: expected views of the hour (views metric) / observed views (conversion) ≥ this (default 30) */
  minViews: number;
  /** conversion gate: expected purchases of the hour ≥ this (default 5) */
  minExpectedPurchases: number;
  /** views metric: |observed − expected| / expected must also be ≥ this (default 0.3) */
  minRelativeChange: number;
  /** between-day relative dispersion φ of conversion (rateVariance), default 0.15 */
  phi: number;
  /**
   * variance-to-mean ratio of hourly views on a steady day, default 3: views come in sessions of a few page
   * hits, so counts are overdispersed against Poisson (σ floor √(viewsDispersion·e + (viewsPhi·e)²))
   */
  viewsDispersion: number;
  /** relative dispersion of hourly traffic between days, default 0.1 */
  viewsPhi: number;
}

export const DEFAULT_HOURLY_SETTINGS: HourlyAnomalySettings = {
  historyDays: 14,
  minHistoryDays: 7,
  zThreshold: 4,
  minViews: 30,
  minExpectedPurchases: 5,
  minRelativeChange: 0.3,
  phi: 0.15,
  viewsDispersion: 3,
  viewsPhi: 0.1,
};

export interface HourlyMarker {
  value: string;
  metric: 'views' | 'conversion';
  direction: 'drop' | 'spike';
  /** 'YYYY-MM-DDTHH:00Z' */
  time: string;
  observed: number;
  expected: number;
  z: number;
}

export interface HourlyIncident {
  value: string;
  metric: 'views' | 'conversion';
  direction: 'drop' | 'spike';
  /** first and last anomalous hour, 'YYYY-MM-DDTHH:00Z' */
  start: string;
  end: string;
  hours: number;
  /** most extreme z of the run */
  worstZ: number;
  /** views metric: Σ observed / Σ expected views over the run; conversion: pooled observed / mean expected rate */
  observed: number;
  expected: number;
}

const hourTime = (day: number, hour: number) => `${dayString(day)}T${String(hour).padStart(2, '0')}:00Z`;

/**
 * Hourly anomalies per group with a CAUSAL robust method: every verdict uses only hours before it.
 * Missing hours are zero traffic. For hour t of group g (t on or after `from`):
 * - views (traffic), baseline per group × hour-of-day: expected = median of g's views at the same hour on the
 *   previous `historyDays` days (≥ `minHistoryDays` of them must exist in the data), σ = max(1.4826·MAD,
 *   √(expected + (viewsPhi·expected)²)) (a Poisson-plus-dispersion floor: a flat history must not give σ = 0,
 *   and real traffic varies ~10 % between days beyond Poisson noise); z = (observed − expected) / σ.
 *   Gate: expected ≥ minViews and |observed − expected| ≥ minRelativeChange · expected.
 * - conversion, baseline per group: expected = median of g's daily conversions (purchases / views of each
 *   whole previous day, days with ≥ 1 view) over the previous `historyDays` days; σ² = rateVariance(expected,
 *   views, φ) (binomial noise of the hour plus between-day dispersion, core/stats.ts). Gate: observed views ≥
 *   minViews and expected × views ≥ minExpectedPurchases (no alert from 0 purchases on tiny traffic).
 * |z| ≥ zThreshold is an anomaly: `drop` when negative, `spike` when positive. Consecutive anomalous hours of
 * one group, metric and direction form one incident. Incidents sorted by start, markers by time.
 */
export function hourlyAnomalies(
  rows: readonly HourlyRow[],
  settings: Partial<HourlyAnomalySettings> = {},
): { incidents: HourlyIncident[]; markers: HourlyMarker[] } {
  const s = { ...DEFAULT_HOURLY_SETTINGS, ...settings };
  const byValue = new Map<string, HourlyRow[]>();
  for (const r of rows) {
    const a = byValue.get(r.value);
    if (a) a.push(r);
    else byValue.set(r.value, [r]);
  }
  const markers: HourlyMarker[] = [];
  const incidents: HourlyIncident[] = [];
  const fromDay = s.from ? dayNumber(s.from) : -Infinity;
  for (const [value, rs] of [...byValue.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    let d0 = Infinity;
    let d1 = -Infinity;
    for (const r of rs) {
      const d = dayNumber(r.date);
      d0 = Math.min(d0, d);
      d1 = Math.max(d1, d);
    }
    const nDays = d1 - d0 + 1;
    const views = new Float64Array(nDays * 24);
    const purch = new Float64Array(nDays * 24);
    for (const r of rs) {
      const i = (dayNumber(r.date) - d0) * 24 + r.hour;
      views[i] += r.views;
      purch[i] += r.purchases;
    }
    const dayViews = new Float64Array(nDays);
    const dayPurch = new Float64Array(nDays);
    for (let i = 0; i < views.length; i++) {
      dayViews[Math.floor(i / 24)] += views[i];
      dayPurch[Math.floor(i / 24)] += purch[i];
    }
    const flags: (HourlyMarker | null)[][] = [[], []];
    const hist: number[] = [];
    for (let day = Math.max(0, fromDay - d0); day < nDays; day++) {
      const firstHist = Math.max(0, day - s.historyDays);
      const histDays = day - firstHist;
      // conversion baseline of the group: median of the previous days' conversions
      const rates: number[] = [];
      for (let k = firstHist; k < day; k++) if (dayViews[k] > 0) rates.push(dayPurch[k] / dayViews[k]);
      const p0 = histDays >= s.minHistoryDays && rates.length >= s.minHistoryDays ? median(rates) : NaN;
      for (let h = 0; h < 24; h++) {
        const i = day * 24 + h;
        const time = hourTime(d0 + day, h);
        let vFlag: HourlyMarker | null = null;
        let cFlag: HourlyMarker | null = null;
        if (histDays >= s.minHistoryDays) {
          hist.length = 0;
          for (let k = firstHist; k < day; k++) hist.push(views[k * 24 + h]);
          const { median: exp, sigma: madSigma } = medianAndSigma(hist);
          const sigma = Math.max(madSigma, Math.sqrt(s.viewsDispersion * exp + (s.viewsPhi * exp) ** 2));
          const obs = views[i];
          if (exp >= s.minViews && Math.abs(obs - exp) >= s.minRelativeChange * exp && sigma > 0) {
            const z = (obs - exp) / sigma;
            if (Math.abs(z) >= s.zThreshold)
              vFlag = {
                value,
                metric: 'views',
                direction: z < 0 ? 'drop' : 'spike',
                time,
                observed: obs,
                expected: exp,
                z,
              };
          }
        }
        if (Number.isFinite(p0) && views[i] >= s.minViews && p0 * views[i] >= s.minExpectedPurchases) {
          const obs = purch[i] / views[i];
          const sd = Math.sqrt(rateVariance(p0, views[i], s.phi));
          if (sd > 0) {
            const z = (obs - p0) / sd;
            if (Math.abs(z) >= s.zThreshold)
              cFlag = {
                value,
                metric: 'conversion',
                direction: z < 0 ? 'drop' : 'spike',
                time,
                observed: obs,
                expected: p0,
                z,
              };
          }
        }
        flags[0][i] = vFlag;
        flags[1][i] = cFlag;
        if (vFlag) markers.push(vFlag);
        if (cFlag) markers.push(cFlag);
      }
    }
    // merge consecutive anomalous hours into incidents
    for (const [mi, metric] of (['views', 'conversion'] as const).entries()) {
      let run: { ms: HourlyMarker[]; idx: number[] } | null = null;
      const flush = () => {
        if (!run) return;
        const ms = run.ms;
        const worst = ms.reduce((a, m) => (Math.abs(m.z) > Math.abs(a.z) ? m : a));
        let observed: number;
        let expected: number;
        if (metric === 'views') {
          observed = ms.reduce((a, m) => a + m.observed, 0);
          expected = ms.reduce((a, m) => a + m.expected, 0);
        } else {
          const v = run.idx.reduce((a, i) => a + views[i], 0);
          observed = run.idx.reduce((a, i) => a + purch[i], 0) / v;
          expected = ms.reduce((a, m) => a + m.expected, 0) / ms.length;
        }
        incidents.push({
          value,
          metric,
          direction: ms[0].direction,
          start: ms[0].time,
          end: ms[ms.length - 1].time,
          hours: ms.length,
          worstZ: worst.z,
          observed,
          expected,
        });
        run = null;
      };
      for (let i = 0; i < nDays * 24; i++) {
        const m = flags[mi][i] ?? null;
        if (m && run && run.ms[0].direction === m.direction) {
          run.ms.push(m);
          run.idx.push(i);
        } else {
          flush();
          if (m) run = { ms: [m], idx: [i] };
        }
      }
      flush();
    }
  }
  incidents.sort(
    (a, b) =>
      a.start.localeCompare(b.start) || a.value.localeCompare(b.value) || a.metric.localeCompare(b.metric),
  );
  markers.sort(
    (a, b) =>
      a.time.localeCompare(b.time) || a.value.localeCompare(b.value) || a.metric.localeCompare(b.metric),
  );
  return { incidents, markers };
}

/** Re-exported for callers documenting σ. */
export { MAD_TO_SIGMA };
