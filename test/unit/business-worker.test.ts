/**
 * The Business view's worker (renderer/worker/business.ts) against the CLI service (electron/services/
 * business.ts) on the same data: the host's compact tables (businessTableArrow, native DuckDB) are loaded
 * into the Node DuckDB-WASM bundle through the real AnalysisEngine, and every view's numbers must equal the
 * service's — on a cosmetics-layout fixture (brand, category, price, user_session) and on a generated Retail
 * Rocket-layout sample (transaction ids, sessions derived from the 30-minute gap, no brand or price).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSINESS_TABLES, type BusinessTable } from '../../core/business-sql.js';
import { openDataset, type Dataset } from '../../electron/services/dataset.js';
import { generateSample } from '../../electron/services/sample.js';
import {
  BusinessUnavailableError,
  businessTableArrow,
  customerMetrics,
  dailySummary,
  groupFunnels,
  hotLeadMetrics,
  hourlyGroupAnomalies,
  productMetrics,
  sessionMetrics,
} from '../../electron/services/business.js';
import { AnalysisEngine } from '../../renderer/worker/engine.js';
import { openNodeDb } from './renderer-support.js';
import { FIXTURE_START, writeCosmeticsFixture } from './business-fixture.js';

/** floats rounded to 9 significant digits, so sums in a different order compare equal */
function norm<T>(x: T): T {
  if (typeof x === 'number') return (Number.isFinite(x) ? Number(x.toPrecision(9)) : x) as T;
  if (Array.isArray(x)) return x.map(norm) as T;
  if (x && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)])) as T;
  return x;
}

let tmp: string;
let db: Awaited<ReturnType<typeof openNodeDb>>;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'fs-bizworker-'));
  db = await openNodeDb();
}, 120_000);
afterAll(async () => {
  db?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function loadAll(engine: AnalysisEngine, ds: Dataset, key: string): Promise<BusinessTable[]> {
  const loaded: BusinessTable[] = [];
  for (const table of BUSINESS_TABLES) {
    let bytes: Uint8Array;
    try {
      bytes = await businessTableArrow(ds, table);
    } catch (e) {
      if (e instanceof BusinessUnavailableError) continue;
      throw e;
    }
    const r = await engine.run({ type: 'businessLoad', key, table, bytes });
    expect(r.table).toBe(table);
    loaded.push(table);
  }
  return loaded;
}

describe('cosmetics layout: worker = service', { timeout: 60_000 }, () => {
  let ds: Dataset;
  let engine: AnalysisEngine;
  const key = 'cosmetics#1';
  const whole = { from: FIXTURE_START, to: '2024-03-30' };
  const sub = { from: '2024-03-11', to: '2024-03-24' };
  const baseline = { from: '2024-03-01', to: '2024-03-14' };
  const incident = { from: '2024-03-15', to: '2024-03-30' };
  beforeAll(async () => {
    ds = await openDataset(await writeCosmeticsFixture(path.join(tmp, 'cosmetics')));
    engine = new AnalysisEngine(db);
    expect(await loadAll(engine, ds, key)).toEqual([...BUSINESS_TABLES]);
  }, 120_000);
  afterAll(() => ds?.close());

  it('info: every tab available, sessions from user_session, range of the data', async () => {
    const info = await engine.run({ type: 'businessInfo', key });
    expect(Object.values(info.views).every((v) => v.needs.length === 0)).toBe(true);
    expect(info.sessions).toBe('column');
    expect(info.revenue).toBe(true);
    expect(info.dimensions).toEqual(['brand', 'category_root', 'price_band']);
    expect(info.range).toEqual(whole);
  });

  for (const dimension of ['brand', 'category_root', 'price_band'] as const)
    it(`${dimension} funnels, underperformers, trends (whole range and a period)`, async () => {
      for (const period of [null, sub]) {
        const s = await groupFunnels(ds, { dimension, period: period ?? {}, minViews: 500 });
        if (!s.available) throw new Error('unavailable');
        const w = await engine.run({ type: 'businessGroups', key, period, dimension, minViews: 500 });
        expect(w.period).toEqual(s.period);
        expect(norm(w.rows)).toEqual(norm(s.rows));
        expect(norm(w.top)).toEqual(norm(s.top));
        expect(norm(w.underperformers)).toEqual(norm(s.underperformers));
        expect(norm(w.trends)).toEqual(norm(s.trends));
        expect(norm(w.aov)).toBe(norm(s.aov));
        expect(w.rows.length).toBeGreaterThan(3);
        expect(w.underperformers.eligible).toBeGreaterThan(0);
      }
    });

  it('hourly anomalies: the aurora outage, same incidents, markers and series as the service', async () => {
    const s = await hourlyGroupAnomalies(ds, { period: {} });
    if (!s.available) throw new Error('unavailable');
    const w = await engine.run({ type: 'businessHourly', key, period: null });
    expect(norm(w.incidents)).toEqual(norm(s.incidents));
    expect(norm(w.markers)).toEqual(norm(s.markers));
    const pick = (rows: { value: string; date: string; hour: number; views: number; purchases: number }[]) =>
      rows.map(({ value, date, hour, views, purchases }) => ({ value, date, hour, views, purchases }));
    expect(norm(w.series)).toEqual(norm(pick(s.series)));
    expect(w.values).toEqual(s.values);
    const outage = w.incidents.filter((i) => i.value === 'aurora' && i.metric === 'views');
    expect(outage.length).toBeGreaterThan(0);
    expect(outage[0].direction).toBe('drop');
    expect(outage[0].start.slice(0, 10)).toBe('2024-03-20');
    // one brand's series only
    const one = await engine.run({ type: 'businessHourly', key, period: null, value: 'aurora' });
    expect(new Set(one.series.map((r) => r.value))).toEqual(new Set(['aurora']));
  });

  it('session funnel and the period KPIs (whole range and a period)', async () => {
    for (const period of [null, sub]) {
      const s = await sessionMetrics(ds, { period: period ?? {} });
      const k = await dailySummary(ds, period ?? {});
      if (!s.available || !k.available) throw new Error('unavailable');
      const w = await engine.run({ type: 'businessSessions', key, period });
      expect(w.mode).toBe('column');
      expect(norm(w.funnel)).toEqual(norm(s.funnel));
      expect(norm(w.daily)).toEqual(norm(s.daily));
      expect(norm(w.kpis)).toEqual(norm(k.total));
      expect(w.funnel.sessions).toBeGreaterThan(1000);
    }
  });

  it('products: leaderboard by revenue and units, changed most between the comparison periods', async () => {
    for (const orderBy of ['revenue', 'units'] as const) {
      const s = await productMetrics(ds, { period: incident, compare: baseline, orderBy, minViews: 50 });
      if (!s.available) throw new Error('unavailable');
      const w = await engine.run({
        type: 'businessProducts',
        key,
        period: incident,
        compare: { baseline, incident },
        orderBy,
        minViews: 50,
      });
      // same products, same numbers (ties in the order may differ: the service sorts raw ids, the worker text)
      const byId = (rows: { itemId: string }[]) => [...rows].sort((a, b) => a.itemId.localeCompare(b.itemId));
      expect(norm(byId(w.leaderboard))).toEqual(norm(byId(s.leaderboard)));
      expect(norm(w.changed!.rows)).toEqual(norm(s.changed!.rows));
      expect(w.changed!.rows.length).toBeGreaterThan(5);
      expect(w.leaderboard[0].attributes).toHaveProperty('brand');
    }
  });

  it('customers: RFM scores, tiers, heatmap (whole range and a period)', async () => {
    for (const period of [null, sub]) {
      const s = await customerMetrics(ds, { period: period ?? {} });
      if (!s.available) throw new Error('unavailable');
      const w = await engine.run({ type: 'businessCustomers', key, period });
      expect(norm(w.tiers)).toEqual(norm(s.tiers));
      expect(norm(w.heatmap)).toEqual(norm(s.heatmap));
      expect(norm(w.topCustomers)).toEqual(norm(s.topCustomers));
      expect(w.customers).toBe(s.customers);
      expect(w.asOf).toBe(s.asOf);
      expect(w.customers).toBeGreaterThan(100);
    }
  });

  it('hot leads: same ranking and scores (7 and 3 day windows, a window longer than the period)', async () => {
    for (const [period, windowDays] of [
      [null, 7],
      [sub, 3],
      [{ from: '2024-03-20', to: '2024-03-22' }, 7],
    ] as const) {
      const s = await hotLeadMetrics(ds, { period: period ?? {}, windowDays });
      if (!s.available) throw new Error('unavailable');
      const w = await engine.run({ type: 'businessLeads', key, period, windowDays });
      expect(w.total).toBe(s.total);
      expect(w.window).toEqual(s.window);
      expect(norm(w.leads)).toEqual(norm(s.leads));
      expect(w.total).toBeGreaterThan(10);
    }
  });

  it('requests for another key, or before the tables are loaded, fail clearly; a new key drops the tables', async () => {
    await expect(engine.run({ type: 'businessInfo', key: 'other#1' })).rejects.toThrow(/not loaded/);
    const fresh = new AnalysisEngine(db);
    await expect(
      fresh.run({ type: 'businessLoad', key, table: 'daily', bytes: new Uint8Array() }),
    ).rejects.toThrow(/empty/);
    await expect(engine.run({ type: 'businessLeads', key, period: null, windowDays: 0 })).rejects.toThrow(
      /windowDays/,
    );
    // a newer key replaces the tables; a late load of the old key is refused and does not drop them
    const other = new AnalysisEngine(db);
    const daily = await businessTableArrow(ds, 'daily');
    await other.run({ type: 'businessLoad', key: 'a#1', table: 'daily', bytes: daily });
    await other.run({ type: 'businessLoad', key: 'b#2', table: 'daily', bytes: daily });
    await expect(
      other.run({ type: 'businessLoad', key: 'a#1', table: 'daily', bytes: daily }),
    ).rejects.toThrow(/replaced/);
    await expect(other.run({ type: 'businessInfo', key: 'b#2' })).rejects.toThrow(/availability/);
  });
});

describe(
  'Retail Rocket layout (no brand, no price; transaction ids; derived sessions): worker = service',
  { timeout: 60_000 },
  () => {
    let ds: Dataset;
    let engine: AnalysisEngine;
    const key = 'rr#1';
    beforeAll(async () => {
      const dir = path.join(tmp, 'rr');
      await generateSample(dir, { events: 40_000, days: 28, files: 4, seed: 5 });
      ds = await openDataset(dir);
      engine = new AnalysisEngine(db);
      expect(await loadAll(engine, ds, key)).toEqual(
        BUSINESS_TABLES.filter((t) => t !== 'groups' && t !== 'hourly'),
      );
    }, 120_000);
    afterAll(() => ds?.close());

    it('brand tabs say which column they need; the tables refuse with the column named', async () => {
      const info = await engine.run({ type: 'businessInfo', key });
      expect(info.views.brands.needs).toEqual(['brand']);
      expect(info.views.anomalies.needs).toEqual(['brand']);
      expect(info.views.categories.needs).toEqual(['category']);
      expect(info.views.priceBands.needs).toEqual(['price']);
      expect(info.views.brands.reason).toMatch(/needs column brand/);
      expect(info.views.products.needs).toEqual([]);
      expect(info.sessions).toBe('derived');
      expect(info.revenue).toBe(false);
      await expect(businessTableArrow(ds, 'hourly')).rejects.toThrow(/needs column brand/);
      await expect(businessTableArrow(ds, 'groups')).rejects.toThrow(
        /needs columns? brand or category or price/,
      );
    });

    it('sessions, products (by views), customers and leads equal the service on the whole range', async () => {
      const s = await sessionMetrics(ds);
      const w = await engine.run({ type: 'businessSessions', key, period: null });
      if (!s.available) throw new Error('unavailable');
      expect(w.mode).toBe('derived');
      expect(norm(w.funnel)).toEqual(norm(s.funnel));

      const info = await engine.run({ type: 'businessInfo', key });
      const last14 = { from: '2025-03-17', to: info.range!.to };
      const first = { from: info.range!.from, to: '2025-03-16' };
      const sp = await productMetrics(ds, { period: last14, compare: first, minViews: 20 });
      if (!sp.available) throw new Error('unavailable');
      const wp = await engine.run({
        type: 'businessProducts',
        key,
        period: last14,
        compare: { baseline: first, incident: last14 },
        minViews: 20,
      });
      // ranked by views (no price): the same view counts in the same order; tied products may swap (the
      // service sorts raw numeric ids, the worker text ids), every product both list has the same numbers
      expect(wp.leaderboard.map((r) => r.views)).toEqual(sp.leaderboard.map((r) => r.views));
      const svc = new Map(sp.leaderboard.map((r) => [r.itemId, r]));
      const both = wp.leaderboard.filter((r) => svc.has(r.itemId));
      expect(both.length).toBeGreaterThan(50);
      for (const r of both) expect(norm(r)).toEqual(norm(svc.get(r.itemId)));
      expect(norm(wp.changed!.rows)).toEqual(norm(sp.changed!.rows));

      const sc = await customerMetrics(ds);
      const wc = await engine.run({ type: 'businessCustomers', key, period: null });
      if (!sc.available) throw new Error('unavailable');
      expect(norm(wc.tiers)).toEqual(norm(sc.tiers));
      expect(norm(wc.heatmap)).toEqual(norm(sc.heatmap));
      expect(wc.customers).toBeGreaterThan(20);

      const sl = await hotLeadMetrics(ds, { windowDays: 7 });
      const wl = await engine.run({ type: 'businessLeads', key, period: null, windowDays: 7 });
      if (!sl.available) throw new Error('unavailable');
      expect(norm(wl.leads)).toEqual(norm(sl.leads));
      expect(wl.leads[0].cartValue).toBeNull();
    });
  },
);
