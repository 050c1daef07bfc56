/**
 * Business metrics against native DuckDB: a hand-checkable cosmetics-layout folder (brand, price,
 * category_code, user_session; one exact duplicate), a Retail Rocket-layout folder (no brand/price: those
 * views report "unavailable"; sessions derived from the 30-minute gap), and a smoke run on a generated sample.
 */
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupFunnelSql } from '../../core/business-sql.js';
import { openDataset, type Dataset } from '../../electron/services/dataset.js';
import { generateSample } from '../../electron/services/sample.js';
import {
  businessArrow,
  businessAvailability,
  customerMetrics,
  dailySummary,
  groupFunnels,
  hotLeadMetrics,
  hourlyGroupAnomalies,
  productMetrics,
  sessionMetrics,
} from '../../electron/services/business.js';
import { useParquetScratch } from './parquet-scratch.js';

const scratch = useParquetScratch('funnelscope-biz-');
const { writeParquet } = scratch;

const close = (x: number | null | undefined, y: number) => expect(x).toBeCloseTo(y, 9);

describe('cosmetics layout (brand, price, category, sessions)', () => {
  let ds: Dataset;
  const period = { from: '2019-10-01', to: '2019-10-02' };
  beforeAll(async () => {
    const dir = path.join(scratch.dir, 'cosmetics');
    // p1 brand a 10.0 beauty.nails; p2 brand b 50.0 appliances.kitchen; p3 brand b 5.0 no category
    await writeParquet(
      path.join(dir, 'oct.parquet'),
      `SELECT * FROM (VALUES
        ('2019-10-01 10:00:00 UTC', 'view',     1, 11, 'beauty.nails',       'a', 10.0, 1, 'sa'),
        ('2019-10-01 10:05:00 UTC', 'cart',     1, 11, 'beauty.nails',       'a', 10.0, 1, 'sa'),
        ('2019-10-01 10:10:00 UTC', 'purchase', 1, 11, 'beauty.nails',       'a', 10.0, 1, 'sa'),
        ('2019-10-01 11:00:00 UTC', 'view',     2, 22, 'appliances.kitchen', 'b', 50.0, 2, 'sb'),
        ('2019-10-01 11:01:00 UTC', 'view',     2, 22, 'appliances.kitchen', 'b', 50.0, 2, 'sb'),
        ('2019-10-01 11:02:00 UTC', 'cart',     2, 22, 'appliances.kitchen', 'b', 50.0, 2, 'sb'),
        ('2019-10-02 09:00:00 UTC', 'view',     1, 11, 'beauty.nails',       'a', 10.0, 3, 'sc'),
        ('2019-10-02 09:30:00 UTC', 'view',     3, 33, NULL,                 'b',  5.0, 3, 'sc'),
        ('2019-10-02 12:00:00 UTC', 'view',     2, 22, 'appliances.kitchen', 'b', 50.0, 1, 'sd'),
        ('2019-10-02 12:01:00 UTC', 'cart',     2, 22, 'appliances.kitchen', 'b', 50.0, 1, 'sd'),
        ('2019-10-02 12:02:00 UTC', 'purchase', 2, 22, 'appliances.kitchen', 'b', 50.0, 1, 'sd'),
        ('2019-10-02 12:02:00 UTC', 'purchase', 2, 22, 'appliances.kitchen', 'b', 50.0, 1, 'sd'),
        ('2019-10-02 20:00:00 UTC', 'cart',     3, 33, NULL,                 'b',  5.0, 4, 'se')
      ) t(event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session)`,
    );
    ds = await openDataset(dir);
  });
  afterAll(() => ds?.close());

  it('every view is available; sessions come from user_session', async () => {
    const a = businessAvailability(ds);
    expect(Object.values(a.views).every((m) => m.length === 0)).toBe(true);
    expect(a.sessions).toBe('column');
    expect(a.revenue).toBe(true);
    expect((await ds.profile()).rows.duplicates).toBe(1);
  });

  it('daily KPIs (duplicate purchase counted once)', async () => {
    const s = await dailySummary(ds, period);
    if (!s.available) throw new Error('unavailable');
    expect(
      s.days.map((d) => [d.date, d.views, d.carts, d.purchases, d.orders, d.revenue, d.visitors, d.sessions]),
    ).toEqual([
      ['2019-10-01', 3, 2, 1, 1, 10, 2, 2],
      ['2019-10-02', 3, 2, 1, 1, 50, 3, 3],
    ]);
    const d1 = s.days[0];
    close(d1.conversion, 1 / 3);
    close(d1.cartRate, 2 / 3);
    close(d1.checkoutRate, 0.5);
    close(d1.abandonment, 0.5); // sessions sa (cart+purchase), sb (cart only)
    close(d1.aov, 10);
    close(d1.revenuePerVisitor, 5);
    close(s.total.aov, 30);
    close(s.total.revenuePerVisitor, 12); // 60 / (2 + 3 visitor-days)
    close(s.total.abandonment, 0.5); // 4 cart sessions, 2 with a purchase
  });

  it('session funnel', async () => {
    const r = await sessionMetrics(ds, { period });
    if (!r.available) throw new Error('unavailable');
    expect(r.mode).toBe('column');
    expect(r.funnel.sessions).toBe(5);
    expect(r.funnel.steps.map((s) => s.reached)).toEqual([5, 4, 4, 2]);
    close(r.funnel.steps[1].dropOff, 0.2);
    close(r.funnel.steps[2].dropOff, 0);
    close(r.funnel.steps[3].dropOff, 0.5);
    close(r.funnel.cartAbandonment, 0.5);
    close(r.funnel.avgDurationSeconds, (600 + 120 + 1800 + 120 + 0) / 5);
    close(r.funnel.pagesPerSession, 12 / 5);
  });

  it('brand, category root and price-band funnels with opportunity', async () => {
    const b = await groupFunnels(ds, { dimension: 'brand', period, minViews: 1 });
    if (!b.available) throw new Error('unavailable');
    expect(b.rows.map((r) => [r.value, r.views, r.carts, r.purchases, r.revenue])).toEqual([
      ['b', 4, 3, 1, 50],
      ['a', 2, 1, 1, 10],
    ]);
    close(b.aov, 30);
    close(b.rows[0].opportunity, 0.1 * 1 * 30);
    close(b.rows[0].conversion, 0.25);
    close(b.rows[0].revenueShare, 50 / 60);
    // q1 of conversions [0.25, 0.5] = 0.3125 → b
    expect(b.underperformers.rows.map((r) => r.value)).toEqual(['b']);
    expect(b.trends.map((t) => t.value)).toEqual(['b', 'a']);
    expect(b.trends[0].points.map((p) => [p.date, p.views, p.revenue])).toEqual([
      ['2019-10-01', 2, 0],
      ['2019-10-02', 2, 50],
    ]);
    const c = await groupFunnels(ds, { dimension: 'category_root', period });
    if (!c.available) throw new Error('unavailable');
    expect(c.rows.map((r) => [r.value, r.views, r.carts, r.purchases, r.revenue])).toEqual([
      ['appliances', 3, 2, 1, 50],
      ['beauty', 2, 1, 1, 10],
      ['unknown', 1, 1, 0, 0],
    ]);
    const p = await groupFunnels(ds, { dimension: 'price_band', period });
    if (!p.available) throw new Error('unavailable');
    expect(p.rows.map((r) => [r.value, r.views, r.carts, r.purchases, r.revenue])).toEqual([
      ['30-60', 3, 2, 1, 50],
      ['10-30', 2, 1, 1, 10],
      ['<10', 1, 1, 0, 0],
    ]);
    const ipc = businessArrow(b);
    const rows = tableFromIPC(ipc.rows);
    expect(rows.numRows).toBe(2);
    expect(rows.getChild('value')!.get(0)).toBe('b');
    expect(tableFromIPC(ipc.trends).numRows).toBe(4);
  });

  it('products leaderboard and changed-most between the two days', async () => {
    const r = await productMetrics(ds, {
      period,
      compare: { from: '2019-10-01', to: '2019-10-01' },
      minViews: 1,
    });
    if (!r.available) throw new Error('unavailable');
    expect(r.leaderboard.map((p) => [p.itemId, p.views, p.carts, p.purchases, p.units, p.revenue])).toEqual([
      ['2', 3, 2, 1, 1, 50],
      ['1', 2, 1, 1, 1, 10],
      ['3', 1, 1, 0, 0, 0],
    ]);
    expect(r.leaderboard[0].attributes).toEqual({ brand: 'b', category: 'appliances.kitchen' });
    close(r.leaderboard[0].cartRate, 2 / 3);
    close(r.leaderboard[0].checkoutRate, 0.5);
    // compare 10-01 (A) with the whole period (B): p1 1/1 → 1/2, p2 0/2 → 1/3
    expect(r.changed!.rows.map((c) => c.itemId).sort()).toEqual(['1', '2']);
    const p1 = r.changed!.rows.find((c) => c.itemId === '1')!;
    close(p1.change, -0.5);
  });

  it('RFM of the single buyer and hot leads with hand-computed scores', async () => {
    const c = await customerMetrics(ds, { period });
    if (!c.available) throw new Error('unavailable');
    expect(c.customers).toBe(1);
    expect(c.topCustomers[0]).toMatchObject({
      visitorId: '1',
      recencyDays: 0,
      frequency: 2,
      monetary: 60,
      // a lone buyer has nobody worse than them: quintiles rank buyers against each other, so all scores are 1
      r: 1,
      f: 1,
      m: 1,
      tier: 'Lost',
    });
    expect(c.tiers.find((t) => t.tier === 'Lost')!.revenueShare).toBe(1);
    expect(c.heatmap.find((h) => h.r === 1 && h.f === 1)!.customers).toBe(1);

    const one = await hotLeadMetrics(ds, { period, windowDays: 1 });
    if (!one.available) throw new Error('unavailable');
    expect(one.leads.map((l) => l.visitorId)).toEqual(['4']); // visitor 1 bought, visitor 2 carted the day before
    const two = await hotLeadMetrics(ds, { period, windowDays: 2 });
    if (!two.available) throw new Error('unavailable');
    expect(two.window).toEqual({ from: '2019-10-01', to: '2019-10-02' });
    expect(two.leads.map((l) => l.visitorId)).toEqual(['4', '2']);
    // v4: cart 4 h before the end → recency 1 − (1/6)/2; cart value 5 (percentile 0.25)
    close(two.leads[0].score, 100 * (0.5 * (1 - 1 / 12) + 0.3 * 0.25));
    // v2: cart 2,218 min before the end; cart value 50 (percentile 0.75)
    close(two.leads[1].score, 100 * (0.5 * (1 - 2218 / 1440 / 2) + 0.3 * 0.75));
    expect(two.leads[1].cartValue).toBe(50);
    // Arrow for the worker: nested components flattened, scalars in a one-row meta table
    const ipc = businessArrow(two);
    const leads = tableFromIPC(ipc.leads);
    expect(leads.numRows).toBe(2);
    expect(leads.getChild('components_recency')!.get(0)).toBeCloseTo(1 - 1 / 12, 9);
    expect(leads.getChild('visitorId')!.get(1)).toBe('2');
    const meta = tableFromIPC(ipc.meta);
    expect(meta.getChild('window_from')!.get(0)).toBe('2019-10-01');
    expect(meta.getChild('total')!.get(0)).toBe(2);
    const cust = businessArrow(c);
    expect(tableFromIPC(cust.heatmap).numRows).toBe(25);
    expect(tableFromIPC(cust.tiers).getChild('tier')!.toArray()).toEqual([
      'Champion',
      'Loyal',
      'Potential',
      'At risk',
      'Lost',
    ]);
  });

  it('Dataset.query / Dataset.arrow run builder SQL over events_dedup with plain column types', async () => {
    const sql = groupFunnelSql('brand', period);
    const rows = await ds.query<{ value: string; views: number; revenue: number }>(sql);
    expect(rows.map((r) => [r.value, r.views, r.revenue])).toEqual([
      ['b', 4, 50],
      ['a', 2, 10],
    ]);
    const t = tableFromIPC(await ds.arrow(sql));
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'value:Utf8',
      'views:Int32',
      'carts:Int32',
      'purchases:Int32',
      'revenue:Float64',
    ]);
    expect(t.getChild('revenue')!.toArray()).toEqual(new Float64Array([50, 10]));
    // events keeps the duplicate purchase, events_dedup does not
    const [n] = await ds.query<{ a: number; b: number }>(
      `SELECT CAST((SELECT count(*) FROM events) AS INTEGER) AS a, CAST((SELECT count(*) FROM events_dedup) AS INTEGER) AS b`,
    );
    expect(n).toEqual({ a: 13, b: 12 });
  });

  it('hourly anomalies run (too little history: no incident)', async () => {
    const r = await hourlyGroupAnomalies(ds, { period });
    if (!r.available) throw new Error('unavailable');
    expect(r.values).toEqual(['a', 'b']);
    expect(r.incidents).toEqual([]);
    expect(r.series.length).toBeGreaterThan(0);
  });
});

describe('session ids with gaps', () => {
  it('events without a session id are sessionized by the 30-minute gap, apart from the identified ones', async () => {
    const dir = path.join(scratch.dir, 'nullsessions');
    await writeParquet(
      path.join(dir, 'x.parquet'),
      `SELECT * FROM (VALUES
        ('2019-10-01 10:00:00 UTC', 'view', 1, 11, 'a.b', 'a', 10.0, 9, NULL),
        ('2019-10-01 10:30:00 UTC', 'view', 1, 11, 'a.b', 'a', 10.0, 9, 'x'),
        ('2019-10-01 10:31:00 UTC', 'cart', 1, 11, 'a.b', 'a', 10.0, 9, 'x'),
        ('2019-10-01 11:00:00 UTC', 'view', 1, 11, 'a.b', 'a', 10.0, 9, NULL)
      ) t(event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session)`,
    );
    const ds = await openDataset(dir);
    try {
      const r = await sessionMetrics(ds);
      if (!r.available) throw new Error('unavailable');
      expect(r.mode).toBe('column');
      // NULL-id events at 10:00 and 11:00 are 60 minutes apart → 2 sessions; 'x' is the third
      expect(r.funnel.sessions).toBe(3);
      expect(r.funnel.steps.map((s) => s.reached)).toEqual([3, 3, 1, 0]);
      close(r.funnel.avgDurationSeconds, 60 / 3);
    } finally {
      ds.close();
    }
  });
});

describe('Retail Rocket layout (no brand, no price, no session id)', () => {
  let ds: Dataset;
  const t0 = Date.UTC(2015, 8, 1, 10, 0, 0);
  const min = 60_000;
  beforeAll(async () => {
    const dir = path.join(scratch.dir, 'rr');
    const rows: [number, number, string, number, number | null][] = [
      [t0, 1, 'view', 100, null],
      [t0 + 10 * min, 1, 'addtocart', 100, null],
      [t0 + 41 * min, 1, 'view', 101, null], // 31-minute gap: new session
      [t0 + 70 * min, 1, 'transaction', 100, 9], // 29 minutes later: same session
      [t0 + 70 * min, 1, 'transaction', 101, 9], // same order, second item (same ts + visitor: a duplicate candidate, not a duplicate)
      [t0, 2, 'view', 100, null],
      [t0 + 30 * min, 2, 'view', 101, null], // exactly 30 minutes: same session
    ];
    await writeParquet(
      path.join(dir, 'events.parquet'),
      `SELECT * FROM (VALUES ${rows
        .map(([ts, v, e, i, tx]) => `(${ts}::BIGINT, ${v}, '${e}', ${i}, ${tx ?? 'NULL'}::DOUBLE)`)
        .join(', ')}) t(timestamp, visitorid, event, itemid, transactionid)`,
    );
    ds = await openDataset(dir);
  });
  afterAll(() => ds?.close());

  it('views needing brand, price or category say so', async () => {
    const a = businessAvailability(ds);
    expect(a.views.brands).toEqual(['brand']);
    expect(a.views.priceBands).toEqual(['price']);
    expect(a.views.categories).toEqual(['category']);
    expect(a.views.products).toEqual([]);
    expect(a.sessions).toBe('derived');
    const b = await groupFunnels(ds, { dimension: 'brand' });
    expect(b.available).toBe(false);
    if (!b.available) expect(b.reason).toMatch(/needs column brand/);
    expect((await groupFunnels(ds, { dimension: 'price_band' })).available).toBe(false);
    expect((await hourlyGroupAnomalies(ds)).available).toBe(false);
    expect(businessArrow(b)).toEqual({});
  });

  it('derives sessions from a 30-minute inactivity gap', async () => {
    const r = await sessionMetrics(ds);
    if (!r.available) throw new Error('unavailable');
    expect(r.mode).toBe('derived');
    expect(r.funnel.sessions).toBe(3);
    expect(r.funnel.steps.map((s) => s.reached)).toEqual([3, 3, 2, 1]);
    close(r.funnel.avgDurationSeconds, (600 + 29 * 60 + 1800) / 3);
    close(r.funnel.cartAbandonment, 1); // the only session with a cart has no purchase
  });

  it('orders count distinct transaction ids; no price → AOV null', async () => {
    const s = await dailySummary(ds);
    if (!s.available) throw new Error('unavailable');
    expect(s.revenue).toBe(false);
    expect(s.days).toHaveLength(1);
    expect(s.days[0]).toMatchObject({
      views: 4,
      carts: 1,
      purchases: 2,
      orders: 1,
      visitors: 2,
      sessions: 3,
      aov: null,
    });
    const leads = await hotLeadMetrics(ds, { windowDays: 1 });
    if (!leads.available) throw new Error('unavailable');
    expect(leads.leads).toEqual([]); // visitor 1 carted and purchased
    const c = await customerMetrics(ds);
    if (!c.available) throw new Error('unavailable');
    expect(c.topCustomers[0]).toMatchObject({ visitorId: '1', frequency: 1 });
  });
});

describe('generated sample (100,000 events, 40 days)', () => {
  let ds: Dataset;
  let dir: string;
  beforeAll(async () => {
    dir = path.join(scratch.dir, 'sample');
    await generateSample(dir, { events: 100_000, days: 40 });
    ds = await openDataset(dir);
  });
  afterAll(() => ds?.close());

  it('every always-available view computes consistent numbers', async () => {
    const p = await ds.profile();
    const s = await dailySummary(ds);
    if (!s.available) throw new Error('unavailable');
    expect(s.days).toHaveLength(40);
    const cube = await ds.cube({ dimensions: [], grain: 'day', visitors: false });
    // the KPI totals agree with the cube (same dedup rule)
    expect(s.days.map((d) => [d.date, d.views, d.carts, d.purchases])).toEqual(
      cube.rows.map((r) => [r.date, r.views, r.carts, r.purchases]),
    );
    expect(s.total.conversion!).toBeGreaterThan(0.003);
    expect(s.total.conversion!).toBeLessThan(0.03);
    const sess = await sessionMetrics(ds);
    if (!sess.available) throw new Error('unavailable');
    expect(sess.mode).toBe('derived');
    expect(sess.funnel.sessions).toBeGreaterThan(1000);
    expect(sess.funnel.cartAbandonment!).toBeGreaterThan(0);
    expect(sess.funnel.cartAbandonment!).toBeLessThan(1);
    const prod = await productMetrics(ds, { orderBy: 'units', limit: 10 });
    if (!prod.available) throw new Error('unavailable');
    expect(prod.leaderboard).toHaveLength(10);
    const c = await customerMetrics(ds);
    if (!c.available) throw new Error('unavailable');
    expect(c.customers).toBeGreaterThan(100);
    expect(c.tiers.reduce((a, t) => a + t.customers, 0)).toBe(c.customers);
    expect(c.heatmap.reduce((a, h) => a + h.customers, 0)).toBe(c.customers);
    const leads = await hotLeadMetrics(ds, { windowDays: 7, limit: 20 });
    if (!leads.available) throw new Error('unavailable');
    expect(leads.total).toBeGreaterThan(0);
    expect(leads.leads[0].score).toBeGreaterThanOrEqual(leads.leads[leads.leads.length - 1].score);
    expect((await groupFunnels(ds)).available).toBe(false);
    expect(p.range.to).toBe(s.period.to);
  });

  it('CLI summary --json prints the daily KPIs', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      out.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    let code: number;
    try {
      const { register } = await import('../../cli/commands/summary.js');
      const { Command } = await import('commander');
      const program = new Command().exitOverride();
      register(program);
      await program.parseAsync(
        ['summary', dir, '--from', '2025-03-10', '--to', '2025-03-16', '--json', '-q'],
        { from: 'user' },
      );
      code = 0;
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    const json = JSON.parse(out.join(''));
    expect(json.period).toEqual({ from: '2025-03-10', to: '2025-03-16' });
    expect(json.days).toHaveLength(7);
    expect(Object.keys(json.days[0])).toEqual(
      expect.arrayContaining([
        'date',
        'conversion',
        'cartRate',
        'checkoutRate',
        'abandonment',
        'aov',
        'revenuePerVisitor',
      ]),
    );
  });
});
