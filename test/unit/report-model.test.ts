/**
 * Report model (core/report.ts) from small hand-made cubes with a planted checkout incident: the summary names
 * the planted culprit and the numbers are the ones explain / the detector / scan compute.
 */
import { describe, expect, it } from 'vitest';
import type { Cube, CubeRow, Segment } from '../../core/types.js';
import type { DataProfile } from '../../core/schema.js';
import { buildReportModel, reportFormat as F, type ReportInput } from '../../core/report.js';
import { explain } from '../../core/explain.js';
import { detectSeries, settingsFor } from '../../core/detector.js';
import { addDays, aggregateSeries, daysBetween, segmentKey } from '../../core/segments.js';
import { mulberry32 as rng } from '../../core/simulate.js';

/** Binomial draw by normal approximation (n large), never negative. */
function binom(r: () => number, n: number, p: number): number {
  const u = Math.max(1e-12, r());
  const v = r();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(0, Math.round(n * p + z * Math.sqrt(n * p * (1 - p))));
}

const COMBOS: [string, string, string, number][] = [
  ['mobile', 'ios', 'safari', 5000],
  ['mobile', 'ios', 'chrome', 1500],
  ['mobile', 'android', 'chrome', 5000],
  ['desktop', 'windows', 'chrome', 7000],
  ['desktop', 'windows', 'edge', 2500],
  ['desktop', 'macos', 'safari', 2500],
];
const START = '2025-01-06';
const DAYS = 84;
const PLANTED: Segment = { device: 'mobile', os: 'ios', browser: 'safari' };
const INCIDENT_START = '2025-03-17'; // day 70

/** 84 days × 6 combinations; from INCIDENT_START on, 75 % of mobile/ios/safari checkouts fail (when `incident`). */
function makeCube(incident = true, seed = 1): Cube {
  const r = rng(seed);
  const rows: CubeRow[] = [];
  for (let d = 0; d < DAYS; d++) {
    const date = addDays(START, d);
    for (const [device, os, browser, base] of COMBOS) {
      const views = binom(r, base, 0.97);
      const carts = binom(r, views, 0.03);
      const hit =
        incident && date >= INCIDENT_START && device === 'mobile' && os === 'ios' && browser === 'safari';
      const purchases = binom(r, carts, hit ? 0.3 * 0.25 : 0.3);
      rows.push({ date, dims: { device, os, browser }, views, carts, purchases, revenue: purchases * 50 });
    }
  }
  return { dimensions: ['device', 'os', 'browser'], grain: 'day', rows };
}

const PROFILE: DataProfile = {
  layout: 'retailrocket',
  mapping: {
    ts: 'timestamp',
    timeFormat: 'epoch_ms',
    visitor_id: 'visitorid',
    session_id: null,
    event_type: 'event',
    eventValues: { view: 'view', addtocart: 'cart', transaction: 'purchase' },
    item_id: 'itemid',
    transaction_id: 'transactionid',
    price: 'price',
    quantity: null,
    dimensions: { device: 'device', os: 'os', browser: 'browser' },
  },
  files: { read: 3, skipped: [{ file: 'broken.parquet', reason: 'not a Parquet file (bad magic bytes)' }] },
  rows: {
    read: 123_456,
    rejected: { unparseable_time: 7, missing_visitor: 0, unknown_event_type: 2, non_positive_price: 0 },
    duplicates: 11,
  },
  range: { from: START, to: addDays(START, DAYS - 1) },
  dimensions: { device: 2, os: 3, browser: 3 },
};

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    cube: makeCube(),
    profile: PROFILE,
    generatedAt: '2025-04-01T09:30:00.000Z',
    source: { kind: 'folder', path: '/data/clicks', label: 'clicks' },
    ...over,
  };
}

describe('buildReportModel', () => {
  const model = buildReportModel(input());

  it('names the planted culprit in title, headline and summary', () => {
    expect(model.hasIncident).toBe(true);
    expect(segmentKey(model.culprit.segment)).toBe(segmentKey(PLANTED));
    expect(model.culprit.chosenBy).toBe('explain');
    expect(model.culprit.label).toBe('Mobile × iOS × Safari');
    expect(model.culprit.exact).toBe('device=mobile, os=ios, browser=safari');
    expect(model.title).toContain('Mobile × iOS × Safari');
    expect(model.headline).toContain('Mobile × iOS × Safari');
    expect(model.summary).toContain('device=mobile, os=ios, browser=safari');
    expect(model.brokenStep).toBe('checkout');
    expect(model.summary).toContain('breaks at checkout');
  });

  it('takes the incident from the detector, close to the planted start, and an 8-week baseline before it', () => {
    const inc = model.periods.incident;
    expect(model.periods.incidentChosenBy).toBe('detector');
    expect(Math.abs(daysBetween(INCIDENT_START, inc.from))).toBeLessThanOrEqual(3);
    expect(inc.to).toBe(addDays(START, DAYS - 1));
    expect(model.periods.baseline).toEqual({ from: addDays(inc.from, -56), to: addDays(inc.from, -1) });
    expect(model.summary).toContain(F.dateLong(inc.from));
  });

  it('reports the lost purchases and revenue that explain computes, formatted in the summary', () => {
    const ex = explain(makeCube(), {
      baseline: model.periods.baseline,
      incident: model.periods.incident,
      dimensions: ['device', 'os', 'browser'],
    });
    const top = ex.candidates[0];
    expect(segmentKey(top.segment)).toBe(segmentKey(PLANTED));
    expect(model.keyFigures.purchasesLost).toBe(top.purchasesLost);
    expect(model.keyFigures.revenueLost).toBe(top.revenueLost);
    expect(model.keyFigures.explains).toBe(top.explains);
    expect(model.keyFigures.deviationSigma).toBe(top.deviationSigma);
    expect(model.keyFigures.purchasesLost).toBeGreaterThan(100);
    expect(model.headline).toContain(`${F.int(top.purchasesLost)} purchases`);
    expect(model.summary).toContain(`${F.int(top.purchasesLost)} purchases`);
    expect(model.summary).toContain(`about ${F.money(top.revenueLost)} in revenue`);
    expect(model.rootCause.totalPurchasesLost).toBe(ex.total.purchasesLost);
    expect(model.rootCause.candidates[0].isCulprit).toBe(true);
    expect(model.rootCause.candidates[0].path.map((p) => p.dimension).sort()).toEqual([
      'browser',
      'device',
      'os',
    ]);
  });

  it('detection delay and verdicts come from the detector on the culprit series', () => {
    const det = detectSeries(aggregateSeries(makeCube(), PLANTED), settingsFor('robust'), PLANTED);
    const first = det.find((r) => r.status === 'CRITICAL' && r.date >= model.periods.incident.from)!;
    expect(first).toBeDefined();
    expect(model.keyFigures.firstCritical).toBe(first.date);
    expect(model.keyFigures.detectionDelayDays).toBe(daysBetween(model.periods.incident.from, first.date));
    expect(model.keyFigures.latestStatus).toBe(det[det.length - 1].status);
    expect(model.summary).toContain(`CRITICAL alert on ${F.date(first.date)}`);
    // calendar and series carry the same per-day statuses
    for (const day of model.calendar.days)
      expect(day.status).toBe(det.find((r) => r.date === day.date)!.status);
    const crit = model.series.points.filter((p) => p.status === 'CRITICAL').length;
    expect(crit).toBeGreaterThan(5);
    expect(model.calendar.counts.CRITICAL).toBe(
      model.calendar.days.filter((d) => d.status === 'CRITICAL').length,
    );
  });

  it('funnel: views and carts steady, purchases down for the culprit; all traffic milder', () => {
    const c = model.funnel.culprit.steps;
    expect(Math.abs(c[0].change!)).toBeLessThan(0.05);
    expect(Math.abs(c[1].change!)).toBeLessThan(0.1);
    expect(c[2].change!).toBeLessThan(-0.5);
    expect(model.funnel.allTraffic.steps[2].change!).toBeGreaterThan(c[2].change!);
    expect(model.funnel.culprit.checkoutRate.incident!).toBeLessThan(
      model.funnel.culprit.checkoutRate.baseline! / 2,
    );
  });

  it('scan summary lists other alerting segments with their relation, never the culprit', () => {
    for (const a of model.scan.alerts) expect(segmentKey(a.segment)).not.toBe(segmentKey(PLANTED));
    const related = model.scan.alerts.filter((a) => a.relation !== 'unrelated');
    expect(related.length).toBeGreaterThan(0); // e.g. device=mobile, os=ios contain the culprit
    for (const a of related) expect(['contains', 'inside', 'overlap']).toContain(a.relation);
    expect(model.scan.text).toMatch(/CRITICAL alerts came from|None:/);
  });

  it('passes the data-quality profile through and is plain JSON', () => {
    const q = model.dataQuality;
    expect(q.filesRead).toBe(3);
    expect(q.filesSkipped).toEqual(PROFILE.files.skipped);
    expect(q.rejectedTotal).toBe(9);
    expect(q.duplicates).toBe(11);
    expect(q.notes.join(' ')).toContain('11 exact duplicate events');
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    expect(model.generatedAtText).toBe('1 Apr 2025, 09:30 UTC');
  });

  it('with a given segment and periods, reports on that segment with explain numbers for it', () => {
    const baseline = { from: '2025-01-20', to: '2025-03-16' };
    const incident = { from: INCIDENT_START, to: '2025-03-30' };
    const m = buildReportModel(input({ segment: { device: 'mobile' }, baseline, incident }));
    expect(m.culprit.chosenBy).toBe('given');
    expect(m.culprit.label).toBe('Mobile');
    expect(m.periods).toMatchObject({
      baseline,
      incident,
      incidentChosenBy: 'given',
      baselineChosenBy: 'given',
    });
    const ex = explain(makeCube(), { baseline, incident, dimensions: ['device', 'os', 'browser'] });
    const mobile = ex.candidates.find((c) => segmentKey(c.segment) === 'device=mobile')!;
    expect(m.keyFigures.purchasesLost).toBe(mobile.purchasesLost);
    expect(m.headline).toBe(
      `Mobile has lost ${F.int(mobile.purchasesLost)} purchases since ${F.date(INCIDENT_START)}.`,
    );
  });

  it('without an incident in the data: an explicit period gives a "no loss" report, none given is an error', () => {
    const cube = makeCube(false, 3);
    const m = buildReportModel(
      input({
        cube,
        segment: PLANTED,
        baseline: { from: '2025-01-20', to: '2025-03-16' },
        incident: { from: INCIDENT_START, to: '2025-03-30' },
      }),
    );
    expect(m.hasIncident).toBe(false);
    expect(m.title).toBe('No significant conversion drop: Mobile × iOS × Safari');
    expect(m.headline).toContain('shows no significant loss of purchases');
    expect(m.brokenStep).toBe('none');
    expect(m.keyFigures.firstCritical).toBeNull();
    // noise alone may lose a few purchases, but nothing like the planted incident
    expect(Math.abs(m.keyFigures.purchasesLost)).toBeLessThan(60);
    expect(m.summary).not.toContain('evidence is');
    expect(() =>
      buildReportModel(input({ cube: makeCube(false, 4), settings: settingsFor('robust', { sigma: 6 }) })),
    ).toThrow(/no critical period.*--incident/);
  });

  it('rejects a baseline that overlaps the incident and a segment with an unknown dimension', () => {
    expect(() =>
      buildReportModel(
        input({
          baseline: { from: '2025-02-01', to: '2025-03-20' },
          incident: { from: INCIDENT_START, to: '2025-03-30' },
        }),
      ),
    ).toThrow(/must end before the incident starts/);
    expect(() => buildReportModel(input({ segment: { country: 'de' } }))).toThrow(/country/);
    expect(() => buildReportModel(input({ incident: { from: '2024-01-01', to: '2024-01-10' } }))).toThrow(
      /lies outside the data \(2025-01-06\.\.2025-03-30\)/,
    );
  });
});

describe('reportFormat', () => {
  it('formats numbers, dates and segments for print', () => {
    expect(F.int(1234.6)).toBe('1,235');
    expect(F.int(-3)).toBe('−3');
    expect(F.pct(0.01234)).toBe('1.23 %');
    expect(F.change(-0.664)).toBe('−66 %');
    expect(F.change(0.043)).toBe('+4.3 %');
    expect(F.sigma(-4.23)).toBe('−4.2σ');
    expect(F.date('2015-09-04')).toBe('4 Sep 2015');
    expect(F.dateLong('2015-09-04')).toBe('Fri 4 Sep 2015');
    expect(F.period({ from: '2015-08-21', to: '2015-09-03' })).toBe('21 Aug – 3 Sep 2015');
    expect(F.segment({ browser: 'safari', device: 'mobile', os: 'ios' }, ['device', 'os', 'browser'])).toBe(
      'Mobile × iOS × Safari',
    );
    expect(F.segment({})).toBe('All traffic');
    expect(F.segment({ country: 'de', browser: 'chrome' }, ['browser', 'country'])).toBe('Chrome × DE');
    expect(F.plural(1, 'day')).toBe('1 day');
    expect(F.plural(3, 'day')).toBe('3 days');
  });
});
