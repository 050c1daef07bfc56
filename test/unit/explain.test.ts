import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Cube, CubeRow, Segment } from '../../core/types.js';
import { drill, explain, suggestIncident } from '../../core/explain.js';
import { settingsFor } from '../../core/detector.js';
import { addDays, daysBetween, segmentContains, segmentKey } from '../../core/segments.js';
import { mulberry32 } from '../../core/simulate.js';
import { RETAILROCKET_DAILY_CSV as CSV, retailRocketCube as csvCube } from './fixtures/retailrocket-csv.js';

// ------------------------------------------------------------------ fixtures

const COMBOS: [string, string, string, number][] = [
  ['desktop', 'windows', 'chrome', 4000],
  ['desktop', 'windows', 'edge', 1000],
  ['desktop', 'macos', 'safari', 1500],
  ['desktop', 'macos', 'chrome', 1200],
  ['mobile', 'ios', 'safari', 3000],
  ['mobile', 'ios', 'chrome', 800],
  ['mobile', 'android', 'chrome', 3500],
  ['tablet', 'ios', 'safari', 600],
  ['tablet', 'android', 'chrome', 400],
];

/**
 * 70 days from 2015-06-01 (56 baseline days + 14 incident days from 2015-07-27); conversion 1 % with a
 * weekly pattern, day-level noise and binomial-like purchase noise; AOV 40. From the incident start, rows of
 * `broken` keep views ×1.18 but convert at `factor` of normal.
 */
function plantedCube(
  broken: Segment | null,
  factor = 0.3,
  seed = 7,
  also?: { segment: Segment; factor: number },
): Cube {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const rows: CubeRow[] = [];
  for (let d = 0; d < 70; d++) {
    const date = addDays('2015-06-01', d);
    const weekly = 1 + 0.15 * Math.sin((2 * Math.PI * d) / 7);
    for (const [device, os, browser, base] of COMBOS) {
      const dims = { device, os, browser };
      const hit = broken !== null && d >= 56 && segmentContains(broken, dims);
      const views = Math.round(base * weekly * (1 + 0.05 * gauss()) * (hit ? 1.18 : 1));
      const alsoHit = also !== undefined && d >= 56 && segmentContains(also.segment, dims);
      const p = 0.01 * (1 + 0.05 * gauss()) * (hit ? factor : 1) * (alsoHit ? also.factor : 1);
      const purchases = Math.max(0, Math.round(views * p + Math.sqrt(views * p) * gauss()));
      const carts = Math.max(purchases, Math.round(views * 0.03 * (1 + 0.05 * gauss())));
      rows.push({ date, dims, views, carts, purchases, revenue: purchases * 40 });
    }
  }
  return { dimensions: ['device', 'os', 'browser'], grain: 'day', rows };
}

const PLANT_BASELINE = { from: '2015-06-01', to: '2015-07-26' };
const PLANT_INCIDENT = { from: '2015-07-27', to: '2015-08-09' };
const CULPRIT = { device: 'mobile', os: 'ios', browser: 'safari' };

const rankOf = (cands: { segment: Segment }[], seg: Segment) =>
  cands.findIndex((c) => segmentKey(c.segment) === segmentKey(seg));

// ------------------------------------------------------------------ hand-computed statistics

describe('explain: hand-computed statistics', () => {
  // Two devices, baseline 2015-01-01..04 (4 days), incident 2015-01-05..06 (2 days).
  //   a: baseline views 100,120,80,100  carts 20,24,16,20  purchases 10,12,8,10  revenue 50/purchase
  //      incident views 110,130         carts 22,26        purchases 5,7
  //   b: baseline views 200 ×4, carts 30 ×4, purchases 10 ×4, revenue 40/purchase
  //      incident views 200,200, carts 30,30, purchases 12,12
  const rows: CubeRow[] = [];
  const a = { v: [100, 120, 80, 100, 110, 130], c: [20, 24, 16, 20, 22, 26], p: [10, 12, 8, 10, 5, 7] };
  const b = { v: [200, 200, 200, 200, 200, 200], c: [30, 30, 30, 30, 30, 30], p: [10, 10, 10, 10, 12, 12] };
  for (let i = 0; i < 6; i++) {
    const date = addDays('2015-01-01', i);
    rows.push({
      date,
      dims: { device: 'a' },
      views: a.v[i],
      carts: a.c[i],
      purchases: a.p[i],
      revenue: a.p[i] * 50,
    });
    rows.push({
      date,
      dims: { device: 'b' },
      views: b.v[i],
      carts: b.c[i],
      purchases: b.p[i],
      revenue: b.p[i] * 40,
    });
  }
  const cube: Cube = { dimensions: ['device'], grain: 'day', rows };
  const res = explain(cube, {
    baseline: { from: '2015-01-01', to: '2015-01-04' },
    incident: { from: '2015-01-05', to: '2015-01-06' },
  });
  const rowA = res.dimensions.device.find((r) => r.segment.device === 'a')!;
  const rowB = res.dimensions.device.find((r) => r.segment.device === 'b')!;

  it('means, sample σ (n − 1), change and deviation in σ per step', () => {
    // views a: mean 100; deviations 0, 20, −20, 0 → Σ² = 800 → σ = √(800/3) = 16.3299; incident mean 120
    expect(rowA.steps.views.baselineMean).toBe(100);
    expect(rowA.steps.views.baselineSigma).toBeCloseTo(Math.sqrt(800 / 3), 10);
    expect(rowA.steps.views.incidentMean).toBe(120);
    expect(rowA.steps.views.change).toBeCloseTo(0.2, 12);
    expect(rowA.steps.views.deviationSigma).toBeCloseTo(20 / Math.sqrt(800 / 3), 10); // 1.2247
    // carts a: mean 20, σ = √(32/3) = 3.266, incident 24 → +20 %, +1.2247 σ
    expect(rowA.steps.carts.baselineSigma).toBeCloseTo(Math.sqrt(32 / 3), 10);
    expect(rowA.steps.carts.deviationSigma).toBeCloseTo(4 / Math.sqrt(32 / 3), 10);
    // purchases a: mean 10, σ = √(8/3) = 1.633, incident mean 6 → −40 %, −2.449 σ
    expect(rowA.steps.purchases.baselineMean).toBe(10);
    expect(rowA.steps.purchases.baselineSigma).toBeCloseTo(Math.sqrt(8 / 3), 10);
    expect(rowA.steps.purchases.incidentMean).toBe(6);
    expect(rowA.steps.purchases.change).toBeCloseTo(-0.4, 12);
    expect(rowA.deviationSigma).toBeCloseTo(-4 / Math.sqrt(8 / 3), 10);
    // b: constant baseline → σ 0 → deviation undefined (null), change +20 %
    expect(rowB.steps.purchases.baselineSigma).toBe(0);
    expect(rowB.steps.purchases.deviationSigma).toBeNull();
    expect(rowB.steps.purchases.change).toBeCloseTo(0.2, 12);
  });

  it('conversion, purchases lost, revenue lost with the baseline AOV', () => {
    // a: 40/400 = 10 % → 12/240 = 5 %; lost = (0.10 − 0.05) × 240 = 12; AOV 50 → 600
    expect(rowA.baselineConversion).toBeCloseTo(0.1, 12);
    expect(rowA.incidentConversion).toBeCloseTo(0.05, 12);
    expect(rowA.conversionChange).toBeCloseTo(-0.5, 12);
    expect(rowA.purchasesLost).toBeCloseTo(12, 10);
    expect(rowA.revenueLost).toBeCloseTo(600, 8);
    // checkout completion a: 40/80 = 0.5 → 12/48 = 0.25
    expect(rowA.baselineCheckout).toBeCloseTo(0.5, 12);
    expect(rowA.incidentCheckout).toBeCloseTo(0.25, 12);
    // b gained: (0.05 − 0.06) × 400 = −4 purchases, × AOV 40 = −160
    expect(rowB.purchasesLost).toBeCloseTo(-4, 10);
    expect(rowB.revenueLost).toBeCloseTo(-160, 8);
  });

  it('total: signed sum over the finest segments vs gross and all-traffic net loss; explains', () => {
    // b's gain is noise: z = 0.01 / √(p̄(1 − p̄)(1/800 + 1/400)) with p̄ = 64/1200 → z ≈ 0.73 < 3, so it stays in:
    // total = 12 − 4 = 8, revenue 600 − 160 = 440; gross (positive parts) = 12;
    // net of all traffic = (80/1200 − 36/640) × 640 = 6.6667 (differs by the traffic-mix effect)
    expect(res.total.purchasesLost).toBeCloseTo(8, 10);
    expect(res.total.revenueLost).toBeCloseTo(440, 8);
    expect(res.total.grossPurchasesLost).toBeCloseTo(12, 10);
    expect(res.total.gainingSegmentsLeftOut).toBe(0);
    expect(res.total.netPurchasesLost).toBeCloseTo((80 / 1200 - 36 / 640) * 640, 10);
    expect(res.total.baselineConversion).toBeCloseTo(80 / 1200, 12);
    expect(res.total.incidentConversion).toBeCloseTo(36 / 640, 12);
    expect(rowA.explains).toBe(1); // 12 / 8, capped at 1
    expect(rowB.explains).toBe(0);
    // only a lost purchases → single candidate, path is itself
    expect(res.candidates.map((c) => c.segment)).toEqual([{ device: 'a' }]);
    expect(res.candidates[0].path).toEqual([{ device: 'a' }]);
    expect(res.finding).toMatch(/^a: purchases −40 % while views \+20 % since 2015-01-05/);
    expect(res.finding).toMatch(/explains 100 % of the lost purchases/);
  });

  it('days the data set did not observe are left out; observed days without a segment row count as 0', () => {
    // Drop the whole of 2015-01-02 (not observed) and b's row on 2015-01-03 (observed: a has a row).
    const gappy: Cube = {
      ...cube,
      rows: cube.rows.filter(
        (r) => r.date !== '2015-01-02' && !(r.date === '2015-01-03' && r.dims.device === 'b'),
      ),
    };
    const r = explain(gappy, {
      baseline: { from: '2015-01-01', to: '2015-01-04' },
      incident: { from: '2015-01-05', to: '2015-01-06' },
    });
    const ga = r.dimensions.device.find((x) => x.segment.device === 'a')!;
    const gb = r.dimensions.device.find((x) => x.segment.device === 'b')!;
    expect(ga.baselineDays).toBe(3);
    expect(ga.steps.views.baselineMean).toBeCloseTo((100 + 80 + 100) / 3, 12); // 3 observed days
    // b: 200, 0, 200 over the 3 observed days → mean 133.33, σ = √((66.67² + 133.33² + 66.67²) / 2) = 115.47
    expect(gb.steps.views.baselineMean).toBeCloseTo(400 / 3, 10);
    expect(gb.steps.views.baselineSigma).toBeCloseTo(
      Math.sqrt(((200 / 3) ** 2 * 2 + (400 / 3) ** 2) / 2),
      10,
    );
  });

  it('rejects overlapping periods, periods without data and unknown dimensions', () => {
    const inc = { from: '2015-01-05', to: '2015-01-06' };
    expect(() =>
      explain(cube, { baseline: { from: '2015-01-01', to: '2015-01-05' }, incident: inc }),
    ).toThrow(/overlap/);
    expect(() =>
      explain(cube, { baseline: { from: '2014-01-01', to: '2014-01-31' }, incident: inc }),
    ).toThrow(
      /baseline period 2014-01-01..2014-01-31 has no data \(the data covers 2015-01-01..2015-01-06\)/,
    );
    expect(() =>
      explain(cube, {
        baseline: { from: '2015-01-01', to: '2015-01-04' },
        incident: inc,
        dimensions: ['os'],
      }),
    ).toThrow(/unknown dimension "os"/);
    expect(() =>
      explain(cube, { baseline: { from: '2015-01-04', to: '2015-01-01' }, incident: inc }),
    ).toThrow(/ends before it starts/);
  });
});

// ------------------------------------------------------------------ ranking

describe('explain: ranking on a planted culprit', () => {
  const cube = plantedCube(CULPRIT);
  const res = explain(cube, { baseline: PLANT_BASELINE, incident: PLANT_INCIDENT });

  it('ranks mobile × ios × safari first, above its parents mobile, ios, safari and mobile × ios', () => {
    expect(res.candidates[0].segment).toEqual(CULPRIT);
    const top = rankOf(res.candidates, CULPRIT);
    const parents: Segment[] = [
      { device: 'mobile' },
      { os: 'ios' },
      { browser: 'safari' },
      { device: 'mobile', os: 'ios' },
    ];
    for (const parent of parents) {
      const r = rankOf(res.candidates, parent);
      expect(r, JSON.stringify(parent)).toBeGreaterThan(top);
    }
    // parents are ranked below because of the culprit (the specificity rule), not dropped
    expect(res.candidates.find((c) => segmentKey(c.segment) === 'device=mobile')!.refinedBy).not.toBeNull();
  });

  it('explains most of the loss, with a drill-down path through its parents', () => {
    const best = res.candidates[0];
    expect(best.explains).toBeGreaterThan(0.8);
    expect(best.path).toHaveLength(3);
    expect(best.path[2]).toEqual(CULPRIT);
    for (let i = 0; i < best.path.length; i++) {
      expect(Object.keys(best.path[i])).toHaveLength(i + 1);
      if (i > 0) expect(segmentContains(best.path[i - 1], best.path[i])).toBe(true);
    }
    expect(best.deviationSigma!).toBeLessThan(-3);
    expect(best.steps.views.change!).toBeGreaterThan(0.05);
    expect(res.finding).toMatch(
      /^mobile × ios × safari: purchases −\d+ % while views \+\d+ % since 2015-07-27/,
    );
  });

  it('siblings that did not drop do not inherit blame', () => {
    for (const sib of [
      { device: 'mobile', os: 'ios', browser: 'chrome' },
      { device: 'mobile', os: 'android', browser: 'chrome' },
      { device: 'tablet', os: 'ios', browser: 'safari' },
    ]) {
      const c = res.candidates.find((x) => segmentKey(x.segment) === segmentKey(sib));
      expect(c?.explains ?? 0, JSON.stringify(sib)).toBeLessThan(0.2);
      if (c) expect(rankOf(res.candidates, sib)).toBeGreaterThan(5);
    }
  });

  it('when the whole parent broke, the parent ranks first, not its biggest child', () => {
    const r = explain(plantedCube({ device: 'mobile' }, 0.3, 11), {
      baseline: PLANT_BASELINE,
      incident: PLANT_INCIDENT,
    });
    expect(r.candidates[0].segment).toEqual({ device: 'mobile' });
    expect(r.candidates[0].explains).toBeGreaterThan(0.8);
  });

  it('a gain elsewhere does not hide the loss (the all-traffic loss would)', () => {
    // desktop × windows × chrome converts 40 % better during the incident: it offsets most of the net loss
    const c = plantedCube(CULPRIT, 0.3, 7, {
      segment: { device: 'desktop', os: 'windows', browser: 'chrome' },
      factor: 1.4,
    });
    const r = explain(c, { baseline: PLANT_BASELINE, incident: PLANT_INCIDENT });
    const best = r.candidates[0];
    expect(best.segment).toEqual(CULPRIT);
    expect(r.total.netPurchasesLost).toBeLessThan(0.5 * best.purchasesLost);
    expect(r.total.gainingSegmentsLeftOut).toBeGreaterThanOrEqual(1);
    expect(best.explains).toBeGreaterThan(0.8);
    expect(r.total.purchasesLost).toBeGreaterThan(0.8 * best.purchasesLost);
  });

  it('per-dimension tables list one row per value with consistent totals', () => {
    for (const d of cube.dimensions) {
      const values = new Set(cube.rows.map((r) => r.dims[d]));
      expect(res.dimensions[d].map((r) => r.segment[d]).sort()).toEqual([...values].sort());
      const sumViews = res.dimensions[d].reduce((s, r) => s + r.incidentViews, 0);
      expect(sumViews).toBe(res.total.steps.views.incidentMean * res.total.incidentDays);
    }
  });

  it('drill returns the next dimension within a parent, matching the explain rows', () => {
    const opts = { baseline: PLANT_BASELINE, incident: PLANT_INCIDENT };
    const rows = drill(cube, opts, { device: 'mobile' }, 'os');
    expect(rows.map((r) => r.segment)).toEqual([
      { device: 'mobile', os: 'ios' },
      { device: 'mobile', os: 'android' },
    ]);
    const full = explain(cube, { ...opts, maxDepth: 2 });
    const ref = full.candidates.find(
      (c) => segmentKey(c.segment) === segmentKey({ device: 'mobile', os: 'ios' }),
    )!;
    expect(rows[0].purchasesLost).toBeCloseTo(ref.purchasesLost, 8);
    expect(rows[0].explains).toBeCloseTo(ref.explains, 10);
    expect(() => drill(cube, opts, { device: 'mobile' }, 'device')).toThrow(/already fixes/);
  });

  it('a filter restricts the analysis and stays in every segment', () => {
    const r = explain(cube, {
      baseline: PLANT_BASELINE,
      incident: PLANT_INCIDENT,
      filter: { device: 'mobile' },
    });
    expect(r.candidates[0].segment).toEqual(CULPRIT);
    for (const c of r.candidates) expect(c.segment.device).toBe('mobile');
    expect(Object.keys(r.dimensions)).toEqual(['os', 'browser']);
    expect(r.candidates[0].path[0].device).toBe('mobile');
  });

  it('minBaselineViewsPerDay drops small segments from the candidates', () => {
    const r = explain(cube, {
      baseline: PLANT_BASELINE,
      incident: PLANT_INCIDENT,
      minBaselineViewsPerDay: 5000,
    });
    for (const c of r.candidates) expect(c.steps.views.baselineMean).toBeGreaterThanOrEqual(5000);
    expect(r.candidates.length).toBeGreaterThan(0);
  });

  it('suggestIncident finds the culprit and its start from the detector, with a whole-week baseline before it', () => {
    const s = suggestIncident(cube, settingsFor('robust'))!;
    expect(s).not.toBeNull();
    expect(s.segment).toEqual(CULPRIT);
    expect(Math.abs(daysBetween(PLANT_INCIDENT.from, s.incident.from))).toBeLessThanOrEqual(3);
    expect(s.baseline.to).toBe(addDays(s.incident.from, -1));
    expect((daysBetween(s.baseline.from, s.baseline.to) + 1) % 7).toBe(0);
    expect(suggestIncident(plantedCube(null), settingsFor('robust'))).toBeNull();
  });
});

// ------------------------------------------------------------------ real data

describe.skipIf(!existsSync(CSV) && process.env.CI !== 'true')(
  'explain on the real Retail Rocket daily combos',
  () => {
    const cube = csvCube();
    const res = explain(cube, {
      baseline: { from: '2015-08-07', to: '2015-09-03' },
      incident: { from: '2015-09-04', to: '2015-09-18' },
    });

    it('ranks mobile × ios × safari first with a path through its parents and a high share of the loss', () => {
      const best = res.candidates[0];
      expect(best.segment).toEqual(CULPRIT);
      expect(best.path).toHaveLength(3);
      expect(best.path[2]).toEqual(CULPRIT);
      expect(segmentContains(best.path[0], best.path[1]) && segmentContains(best.path[1], best.path[2])).toBe(
        true,
      );
      expect(best.explains).toBeGreaterThan(0.6);
      // the injected bug turned 458 of 572 transactions into carts; the loss must be of that order
      expect(best.purchasesLost).toBeGreaterThan(300);
      expect(best.purchasesLost).toBeLessThan(600);
      expect(best.steps.carts.change!).toBeGreaterThan(best.steps.purchases.change!);
      expect(res.finding).toContain('mobile × ios × safari');
      const parents: Segment[] = [{ device: 'mobile' }, { os: 'ios' }, { browser: 'safari' }];
      for (const p of parents) {
        expect(rankOf(res.candidates, p)).toBeGreaterThan(0);
      }
    });

    it('suggests the incident on mobile × ios × safari in early September', () => {
      const s = suggestIncident(cube, settingsFor('robust'))!;
      expect(s.segment).toEqual(CULPRIT);
      expect(s.incident.from >= '2015-09-01' && s.incident.from <= '2015-09-06').toBe(true);
      expect(s.incident.to >= '2015-09-15').toBe(true);
    });
  },
);

describe('explain with more dimensions than maxDepth + 1', () => {
  it('computes the total over the finest combinations of all chosen dimensions, leaving out significant gains', () => {
    // 4 dimensions, maxDepth 1: finest segments (all 4 fixed) come from a second index
    const rows: CubeRow[] = [];
    // cell X loses: 100 views/day, 10 % → 5 %; cell Y gains significantly: 1000 views/day, 10 % → 20 %
    for (let i = 0; i < 4; i++) {
      const date = addDays('2015-01-01', i);
      const inc = i >= 2;
      rows.push({
        date,
        dims: { a: 'x', b: 'x', c: 'x', d: 'x' },
        views: 100,
        carts: 0,
        purchases: inc ? 5 : 10,
        revenue: 0,
      });
      rows.push({
        date,
        dims: { a: 'x', b: 'y', c: 'y', d: 'y' },
        views: 1000,
        carts: 0,
        purchases: inc ? 200 : 100,
        revenue: 0,
      });
    }
    const cube: Cube = { dimensions: ['a', 'b', 'c', 'd'], grain: 'day', rows };
    const r = explain(cube, {
      baseline: { from: '2015-01-01', to: '2015-01-02' },
      incident: { from: '2015-01-03', to: '2015-01-04' },
      maxDepth: 1,
    });
    // Y: p̄ = 0.15, se = √(0.15 · 0.85 · (1/2000 + 1/2000)) = 0.01129, z = 0.1 / 0.01129 = 8.9 ≥ 3 → left out
    // total = X's loss = (0.10 − 0.05) × 200 = 10; net of all traffic = (220/2200 − 410/2200) × 2200 = −190
    expect(r.total.gainingSegmentsLeftOut).toBe(1);
    expect(r.total.purchasesLost).toBeCloseTo(10, 10);
    expect(r.total.netPurchasesLost).toBeCloseTo(-190, 10);
    expect(Math.max(...r.candidates.map((c) => c.level))).toBe(1);
    expect(r.candidates[0].explains).toBeCloseTo(1, 10); // b=x is exactly cell X
    expect(r.candidates[0].purchasesLost).toBeCloseTo(10, 10);
  });
});

describe('explain edge cases', () => {
  it('a cube without dimensions gives totals and no candidates', () => {
    const rows: CubeRow[] = [0, 1, 2, 3].map((i) => ({
      date: addDays('2015-01-01', i),
      dims: {},
      views: 100,
      carts: 10,
      purchases: i < 2 ? 10 : 5,
      revenue: 0,
    }));
    const r = explain(
      { dimensions: [], grain: 'day', rows },
      {
        baseline: { from: '2015-01-01', to: '2015-01-02' },
        incident: { from: '2015-01-03', to: '2015-01-04' },
      },
    );
    expect(r.candidates).toEqual([]);
    expect(r.total.purchasesLost).toBeCloseTo(10, 10); // (0.10 − 0.05) × 200
    expect(r.finding).toMatch(/^No segment lost purchases/);
  });
});
