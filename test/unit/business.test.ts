/**
 * Business metrics (core/business.ts) on small hand-computed fixtures: quintile scoring, RFM scores and tiers,
 * tier sizes / revenue shares / heatmap, the propensity score, group funnels with underperformers and
 * opportunity, products leaderboard and changed-most ranking, daily KPIs, the session funnel, hourly
 * anomalies on a planted series (and their causality), and the SQL builders' shape.
 */
import { describe, expect, it } from 'vitest';
import {
  dailyKpis,
  groupFunnel,
  groupSeries,
  hotLeads,
  hotLeadsCsv,
  hourlyAnomalies,
  midrankPercentiles,
  productLeaderboard,
  productsChanged,
  quantileSorted,
  quintileScores,
  rfmScores,
  rfmSummary,
  rfmTier,
  sessionFunnel,
  underperformers,
  type HourlyRow,
  type SessionDaily,
} from '../../core/business.js';
import {
  dailyTotalsSql,
  groupTimeSql,
  leadCandidatesSql,
  periodWhere,
  sessionsSql,
} from '../../core/business-sql.js';
import { dedupEventsViewSql } from '../../core/sql.js';
import { dayString, dayNumber } from '../../core/stats.js';

const DAY = 86_400_000;
const close = (x: number | null | undefined, y: number, digits = 9) => expect(x).toBeCloseTo(y, digits);

describe('quintile scoring', () => {
  it('five distinct values score 1…5; lower-is-better reverses', () => {
    expect(quintileScores([30, 10, 50, 20, 40])).toEqual([3, 1, 5, 2, 4]);
    expect(quintileScores([0, 1, 2, 3, 4], false)).toEqual([5, 4, 3, 2, 1]);
  });
  it('ties share a score (mid-rank percentile)', () => {
    // 1: 0 below → 1; 2: 4 below → ⌊20/6⌋ + 1 = 4; 5: 5 below → ⌊25/6⌋ + 1 = 5
    expect(quintileScores([1, 1, 1, 1, 2, 5])).toEqual([1, 1, 1, 1, 4, 5]);
    expect(quintileScores([7, 7, 7])).toEqual([1, 1, 1]);
    // lower is better: the most recent (0 days, ×2) have 3 worse values → ⌊15/5⌋ + 1 = 4
    expect(quintileScores([0, 0, 3, 9, 9], false)).toEqual([4, 4, 3, 1, 1]);
    expect(midrankPercentiles([1, 1, 2])).toEqual([1 / 3, 1 / 3, 5 / 6]);
  });
  it('type-7 quantile', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([5], 0.25)).toBe(5);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe('RFM', () => {
  it('tier rule', () => {
    expect(rfmTier(5, 5)).toBe('Champion');
    expect(rfmTier(4, 4)).toBe('Champion');
    expect(rfmTier(5, 3)).toBe('Loyal');
    expect(rfmTier(3, 5)).toBe('Loyal');
    expect(rfmTier(4, 2)).toBe('Potential');
    expect(rfmTier(3, 1)).toBe('Potential');
    expect(rfmTier(2, 5)).toBe('At risk');
    expect(rfmTier(1, 3)).toBe('At risk');
    expect(rfmTier(2, 2)).toBe('Lost');
    expect(rfmTier(1, 1)).toBe('Lost');
  });

  const asOf = Date.UTC(2024, 0, 11);
  const buyers = [
    { visitor_id: 'A', last_purchase_ms: Date.UTC(2024, 0, 10, 12), orders: 5, revenue: 500 }, // 0 days
    { visitor_id: 'B', last_purchase_ms: Date.UTC(2024, 0, 9), orders: 4, revenue: 400 }, // 2 days
    { visitor_id: 'C', last_purchase_ms: Date.UTC(2024, 0, 7), orders: 1, revenue: 100 }, // 4 days
    { visitor_id: 'D', last_purchase_ms: Date.UTC(2024, 0, 1), orders: 3, revenue: 300 }, // 10 days
    { visitor_id: 'E', last_purchase_ms: Date.UTC(2023, 11, 20), orders: 2, revenue: 200 }, // 22 days
  ];

  it('scores and tiers of five buyers', () => {
    const s = rfmScores(buyers, asOf);
    expect(s.map((c) => [c.visitorId, c.recencyDays, c.r, c.f, c.m, c.tier])).toEqual([
      ['A', 0, 5, 5, 5, 'Champion'],
      ['B', 2, 4, 4, 4, 'Champion'],
      ['C', 4, 3, 1, 1, 'Potential'],
      ['D', 10, 2, 3, 3, 'At risk'],
      ['E', 22, 1, 2, 2, 'Lost'],
    ]);
  });

  it('tier sizes, revenue shares and the R×F heatmap', () => {
    const sum = rfmSummary(rfmScores(buyers, asOf));
    expect(sum.customers).toBe(5);
    expect(sum.revenue).toBe(1500);
    expect(sum.tiers).toEqual([
      { tier: 'Champion', customers: 2, share: 0.4, revenue: 900, revenueShare: 0.6 },
      { tier: 'Loyal', customers: 0, share: 0, revenue: 0, revenueShare: 0 },
      { tier: 'Potential', customers: 1, share: 0.2, revenue: 100, revenueShare: 100 / 1500 },
      { tier: 'At risk', customers: 1, share: 0.2, revenue: 300, revenueShare: 0.2 },
      { tier: 'Lost', customers: 1, share: 0.2, revenue: 200, revenueShare: 200 / 1500 },
    ]);
    expect(sum.heatmap).toHaveLength(25);
    const cell = (r: number, f: number) => sum.heatmap.find((h) => h.r === r && h.f === f)!;
    expect(cell(5, 5)).toEqual({ r: 5, f: 5, customers: 1, revenue: 500 });
    expect(cell(2, 3)).toEqual({ r: 2, f: 3, customers: 1, revenue: 300 });
    expect(cell(1, 1).customers).toBe(0);
    expect(sum.heatmap.reduce((a, h) => a + h.customers, 0)).toBe(5);
  });

  it('no buyers: empty summary with null shares', () => {
    const sum = rfmSummary([]);
    expect(sum.customers).toBe(0);
    expect(sum.tiers.every((t) => t.share === null && t.customers === 0)).toBe(true);
  });
});

describe('hot leads', () => {
  const asOfMs = Date.UTC(2024, 0, 11);
  const cands = [
    { visitor_id: 'L1', last_cart_ms: asOfMs - 1 * DAY, carts: 1, cart_value: 100, items: 1, past_orders: 0 },
    {
      visitor_id: 'L2',
      last_cart_ms: asOfMs - 3.5 * DAY,
      carts: 2,
      cart_value: 300,
      items: 2,
      past_orders: 3,
    },
    { visitor_id: 'L3', last_cart_ms: asOfMs - 7 * DAY, carts: 1, cart_value: 200, items: 1, past_orders: 6 },
  ];
  it('propensity = 100 × (0.5 recency + 0.3 cart value + 0.2 past purchases), components reported', () => {
    const leads = hotLeads(cands, { asOfMs, windowDays: 7, hasPrice: true });
    expect(leads.map((l) => l.visitorId)).toEqual(['L2', 'L1', 'L3']);
    const [l2, l1, l3] = leads;
    close(l2.score, 100 * (0.5 * 0.5 + 0.3 * (5 / 6) + 0.2 * 1)); // 70
    close(l1.score, 100 * (0.5 * (6 / 7) + 0.3 * (1 / 6))); // 47.857
    close(l3.score, 100 * (0 + 0.3 * 0.5 + 0.2 * 1)); // 35 (past orders capped at 3)
    expect(l1.components).toEqual({ recency: 1 - 1 / 7, cartValue: 1 / 6, pastPurchases: 0 });
    expect(l2.daysSinceCart).toBe(3.5);
    expect(l1.lastCart).toBe('2024-01-10T00:00:00.000Z');
  });
  it('without prices the cart-value term is dropped and weights renormalized', () => {
    const leads = hotLeads(cands, { asOfMs, windowDays: 7, hasPrice: false });
    expect(leads.map((l) => l.visitorId)).toEqual(['L2', 'L1', 'L3']);
    close(leads[0].score, (100 * (0.25 + 0.2)) / 0.7);
    close(leads[1].score, (100 * 0.5 * (6 / 7)) / 0.7);
    expect(leads[0].components.cartValue).toBeNull();
    expect(leads[0].cartValue).toBeNull();
  });
  it('CSV export', () => {
    const csv = hotLeadsCsv(
      hotLeads([{ ...cands[0], visitor_id: 'a,"b"' }], { asOfMs, windowDays: 7, hasPrice: true }),
    );
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'visitor_id,score,recency,cart_value_score,past_purchases_score,days_since_cart,last_cart,carts,cart_value,items,past_orders',
    );
    expect(lines[1]).toBe('"a,""b""",57.86,0.8571,0.5000,0.0000,1.00,2024-01-10T00:00:00.000Z,1,100,1,0');
  });
});

describe('groups: funnel, underperformers, opportunity', () => {
  const rows = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((k) => ({
      value: `b${k}`,
      views: 1000,
      carts: 100,
      purchases: 10 * k,
      revenue: 200 * k,
    })),
    { value: 'small', views: 500, carts: 5, purchases: 0, revenue: 0 },
    { value: null, views: 10, carts: 1, purchases: 1, revenue: 20 },
  ];
  it('rates, revenue share, opportunity = 10 % × purchases × AOV, null → unknown', () => {
    const f = groupFunnel(rows, { aov: 20 });
    expect(f[0].value).toBe('b8');
    close(f[0].conversion, 0.08);
    close(f[0].cartRate, 0.1);
    close(f[0].checkoutRate, 0.8);
    close(f[0].opportunity, 0.1 * 80 * 20);
    close(f[0].revenueShare, 1600 / (200 * 36 + 20));
    const unknown = f.find((r) => r.value === 'unknown')!;
    expect(unknown.views).toBe(10);
    expect(groupFunnel(rows, { aov: null })[0].opportunity).toBeNull();
  });
  it('underperformers: bottom quartile (type 7) of conversion among groups with ≥ 1,000 views', () => {
    const u = underperformers(groupFunnel(rows, { aov: 20 }));
    expect(u.eligible).toBe(8);
    close(u.q1, 0.0275); // 0.02 + 0.75 × 0.01
    expect(u.rows.map((r) => r.value)).toEqual(['b1', 'b2']); // 'small' (500 views, 0 %) is not eligible
    expect(underperformers([], 1000)).toEqual({ q1: null, eligible: 0, rows: [] });
  });
  it('daily series fill missing days with zeros', () => {
    const s = groupSeries(
      [
        { value: 'a', date: '2024-01-01', views: 10, purchases: 1, revenue: 5 },
        { value: 'a', date: '2024-01-03', views: 20, purchases: 0, revenue: 0 },
      ],
      { from: '2024-01-01', to: '2024-01-03' },
    );
    expect(s[0].points.map((p) => [p.date, p.views, p.conversion])).toEqual([
      ['2024-01-01', 10, 0.1],
      ['2024-01-02', 0, null],
      ['2024-01-03', 20, 0],
    ]);
  });
});

describe('products', () => {
  it('leaderboard rates and attributes', () => {
    const [p] = productLeaderboard([
      { item_id: '7', views: 200, carts: 20, purchases: 5, units: 6, revenue: 60, brand: 'x' },
    ]);
    expect(p).toMatchObject({
      itemId: '7',
      units: 6,
      revenue: 60,
      cartRate: 0.1,
      checkoutRate: 0.25,
      conversion: 0.025,
      attributes: { brand: 'x' },
    });
  });
  it('changed most: two-proportion z with the minimum-volume rule', () => {
    const r = productsChanged(
      [
        { item_id: 'Y', views_a: 100, purchases_a: 5, views_b: 100, purchases_b: 2 },
        { item_id: 'X', views_a: 1000, purchases_a: 50, views_b: 1000, purchases_b: 20 },
        { item_id: 'Z', views_a: 50, purchases_a: 5, views_b: 1000, purchases_b: 0 }, // < 100 views in A
        { item_id: 'W', views_a: 200, purchases_a: 0, views_b: 200, purchases_b: 0 }, // no purchase at all
        { item_id: 'V', views_a: 500, purchases_a: 5, views_b: 500, purchases_b: 15 },
      ],
      { minViews: 100 },
    );
    expect(r.map((c) => c.itemId)).toEqual(['X', 'V', 'Y']);
    close(r[0].change, -0.03);
    close(r[0].relativeChange, -0.6);
    close(r[0].z, -0.03 / Math.sqrt(0.035 * 0.965 * (2 / 1000)));
    close(r[1].z, 0.02 / Math.sqrt(0.02 * 0.98 * (2 / 500)));
    close(r[2].z, -0.03 / Math.sqrt(0.035 * 0.965 * (2 / 100)));
  });
});

describe('daily KPIs and sessions', () => {
  const sess = (date: string, o: Partial<SessionDaily>): SessionDaily => ({
    date,
    sessions: 0,
    viewed: 0,
    reached_cart: 0,
    purchased: 0,
    with_cart: 0,
    cart_and_purchase: 0,
    duration_s: 0,
    events: 0,
    ...o,
  });
  it('KPIs per day and in total', () => {
    const k = dailyKpis(
      [{ date: '2024-01-01', views: 100, carts: 10, purchases: 4, revenue: 200, orders: 2, visitors: 50 }],
      [
        sess('2024-01-01', { sessions: 60, with_cart: 8, cart_and_purchase: 2 }),
        sess('2024-01-02', { sessions: 3 }),
      ],
    );
    expect(k.days).toHaveLength(2);
    const d = k.days[0];
    close(d.conversion, 0.04);
    close(d.cartRate, 0.1);
    close(d.checkoutRate, 0.4);
    close(d.abandonment, 0.75);
    close(d.aov, 100);
    close(d.revenuePerVisitor, 4);
    expect(k.days[1]).toMatchObject({
      views: 0,
      sessions: 3,
      conversion: null,
      abandonment: null,
      aov: null,
    });
    expect(k.total.sessions).toBe(63);
    expect(
      dailyKpis(
        [{ date: '2024-01-01', views: 1, carts: 1, purchases: 1, revenue: 0, orders: 1, visitors: 1 }],
        [],
        false,
      ).days[0].aov,
    ).toBeNull();
  });
  it('session funnel: nested steps, drop-off, abandonment, duration, pages', () => {
    const f = sessionFunnel([
      sess('d1', {
        sessions: 10,
        viewed: 8,
        reached_cart: 4,
        purchased: 1,
        with_cart: 3,
        cart_and_purchase: 1,
        duration_s: 1000,
        events: 30,
      }),
      sess('d2', {
        sessions: 10,
        viewed: 8,
        reached_cart: 2,
        purchased: 1,
        with_cart: 2,
        cart_and_purchase: 0,
        duration_s: 200,
        events: 20,
      }),
    ]);
    expect(f.sessions).toBe(20);
    expect(f.steps).toEqual([
      { step: 'visited', reached: 20, dropOff: null },
      { step: 'viewed', reached: 16, dropOff: 1 - 16 / 20 },
      { step: 'carted', reached: 6, dropOff: 1 - 6 / 16 },
      { step: 'purchased', reached: 2, dropOff: 1 - 2 / 6 },
    ]);
    close(f.cartAbandonment, 1 - 1 / 5);
    close(f.avgDurationSeconds, 60);
    close(f.pagesPerSession, 2.5);
    expect(sessionFunnel([]).cartAbandonment).toBeNull();
  });
});

describe('hourly anomalies (causal, robust)', () => {
  const D0 = dayNumber('2024-03-01');
  /** brand x: 500 views/h at night, 1,000 at 9–17, 5 % conversion; brand tiny: 10 views/h. */
  function series(days: number, plant = true): HourlyRow[] {
    const rows: HourlyRow[] = [];
    for (let d = 0; d < days; d++)
      for (let h = 0; h < 24; h++) {
        let views = h >= 9 && h <= 17 ? 1000 : 500;
        let purchases = views / 20;
        if (plant && d === 19 && h >= 14 && h <= 16) purchases = 0; // checkout broken for 3 hours
        if (plant && d === 20 && h === 3) {
          views = 1500; // traffic spike
          purchases = 75;
        }
        if (plant && d === 20 && h === 12) {
          views = 100; // traffic drop
          purchases = 5;
        }
        rows.push({ value: 'x', date: dayString(D0 + d), hour: h, views, purchases });
        rows.push({
          value: 'tiny',
          date: dayString(D0 + d),
          hour: h,
          views: plant && d === 20 && h === 5 ? 0 : 10,
          purchases: 0,
        });
      }
    return rows;
  }

  it('finds the planted conversion drop and traffic spike/drop, nothing else', () => {
    const { incidents, markers } = hourlyAnomalies(series(21));
    expect(incidents.map((i) => [i.value, i.metric, i.direction, i.start, i.end, i.hours])).toEqual([
      ['x', 'conversion', 'drop', '2024-03-20T14:00Z', '2024-03-20T16:00Z', 3],
      ['x', 'views', 'spike', '2024-03-21T03:00Z', '2024-03-21T03:00Z', 1],
      ['x', 'views', 'drop', '2024-03-21T12:00Z', '2024-03-21T12:00Z', 1],
    ]);
    // conversion: expected 5 %, σ² = (0.15·0.05)² + 0.05·0.95/1000
    close(incidents[0].worstZ, -0.05 / Math.sqrt(0.0075 ** 2 + 0.0000475));
    close(incidents[0].observed, 0);
    close(incidents[0].expected, 0.05);
    // traffic: expected = median 500 (flat history, MAD 0) → σ = √(3·500 + (0.1·500)²), the dispersion floor
    close(incidents[1].worstZ, 1000 / Math.sqrt(3 * 500 + 50 ** 2));
    close(incidents[2].worstZ, -900 / Math.sqrt(3 * 1000 + 100 ** 2));
    expect(markers).toHaveLength(5);
  });

  it('is causal: adding or changing later data never changes earlier verdicts', () => {
    const before = hourlyAnomalies(series(20)).markers;
    const full = hourlyAnomalies(series(21)).markers.filter((m) => m.time < '2024-03-21');
    expect(full).toEqual(before);
    const changed = series(21).map((r) => (r.date === '2024-03-21' ? { ...r, views: r.views * 3 } : r));
    expect(hourlyAnomalies(changed).markers.filter((m) => m.time < '2024-03-21')).toEqual(before);
  });

  it('needs history and traffic: no verdict under 7 days of history or below the traffic gate', () => {
    // from day 14 on, the planted day-20 hours have 6 days of history: no verdict
    expect(hourlyAnomalies(series(21).filter((r) => r.date >= dayString(D0 + 14))).incidents).toEqual([]);
    // from day 13 on they have 7: the traffic spike and drop are found again (the conversion drop on day 19
    // has 6 days of history)
    expect(
      hourlyAnomalies(series(21).filter((r) => r.date >= dayString(D0 + 13))).incidents.map((i) => i.metric),
    ).toEqual(['views', 'views']);
    // the tiny brand's hour at 0 views (expected 10 < minViews 30) is never flagged
    expect(hourlyAnomalies(series(21)).markers.some((m) => m.value === 'tiny')).toBe(false);
    expect(
      hourlyAnomalies(series(21), { minViews: 5, zThreshold: 1.5 }).markers.some((m) => m.value === 'tiny'),
    ).toBe(true);
  });

  it('`from` restricts evaluation but keeps earlier rows as history', () => {
    const r = hourlyAnomalies(series(21), { from: '2024-03-21' });
    expect(r.incidents.map((i) => i.start)).toEqual(['2024-03-21T03:00Z', '2024-03-21T12:00Z']);
  });
});

describe('SQL builders', () => {
  it('period bounds are inclusive days; bad dates throw', () => {
    expect(periodWhere({ from: '2024-01-01', to: '2024-01-31' })).toBe(
      ` WHERE ts >= TIMESTAMP '2024-01-01' AND ts < TIMESTAMP '2024-01-31' + INTERVAL 1 DAY`,
    );
    expect(periodWhere({})).toBe('');
    expect(() => dailyTotalsSql({ from: '2024-1-1' })).toThrow(/invalid date/);
    expect(() => leadCandidatesSql({ to: '2024-01-31' }, 0)).toThrow(/positive/);
  });
  it('sessions: column mode groups by session_id, derived mode splits on a > 30-minute gap', () => {
    const c = sessionsSql({}, 'column');
    expect(c).toContain("'c' || CAST(session_id AS VARCHAR)");
    expect(c).toContain('WHERE session_id IS NULL'); // events without an id fall back to the gap rule
    const d = sessionsSql({}, 'derived');
    expect(d).toContain('INTERVAL 30 MINUTE');
    expect(d).toContain('lag(ts) OVER (PARTITION BY visitor_id ORDER BY ts)');
    expect(d).toContain('FROM events_dedup');
  });
  it('events_dedup: candidates through DISTINCT, the rest through an anti join; no duplicates = events', () => {
    expect(dedupEventsViewSql(false)).toBe(
      'CREATE OR REPLACE TEMP VIEW events_dedup AS SELECT * FROM events',
    );
    const sql = dedupEventsViewSql(true);
    expect(sql).toContain('ANTI JOIN dup_hashes');
    expect(sql).toContain(
      'SELECT DISTINCT * FROM events WHERE hash(ts, visitor_id) IN (SELECT h FROM dup_hashes)',
    );
  });
  it('group × time ranks the top values over the ranking period', () => {
    const sql = groupTimeSql(
      'brand',
      'hour',
      { from: '2024-01-01' },
      { top: 5, rank: { from: '2024-01-15' } },
    );
    expect(sql).toContain('LIMIT 5');
    expect(sql).toContain(`TIMESTAMP '2024-01-15'`);
    expect(sql).toContain('hour(ts)');
  });
});
