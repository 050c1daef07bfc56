import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Cube, CubeRow, ScanSegmentResult, Segment } from '../../core/types.js';
import { detectSeries, settingsFor } from '../../core/detector.js';
import {
  ScanCancelledError,
  buildHourIndex,
  compareScans,
  incidentReplay,
  scan,
  scanAlerts,
  scanAsync,
  segmentRelation,
  type ScanResult,
  type ScanRow,
} from '../../core/scan.js';
import {
  addDays,
  aggregateSeries,
  buildSegmentIndex,
  daysBetween,
  enumerateSegments,
  segmentContains,
  segmentKey,
  segmentsOverlap,
} from '../../core/segments.js';
import { mulberry32 } from '../../core/simulate.js';
import { RETAILROCKET_DAILY_CSV as CSV, retailRocketCube as csvCube } from './fixtures/retailrocket-csv.js';

// ------------------------------------------------------------------ fixtures

const CULPRIT = { device: 'mobile', os: 'ios', browser: 'safari' };
const DIMS = ['device', 'os', 'browser'];

const COMBOS: [string, string, string, number][] = [
  ['desktop', 'windows', 'chrome', 6000],
  ['desktop', 'windows', 'edge', 3000],
  ['desktop', 'macos', 'safari', 2500],
  ['mobile', 'ios', 'safari', 5000],
  ['mobile', 'ios', 'chrome', 1500],
  ['mobile', 'android', 'chrome', 5000],
  ['tablet', 'ios', 'safari', 150],
];
const START = '2015-05-01';

interface Planted {
  segment: Segment;
  /** day offsets from START, inclusive */
  from: number;
  to: number;
  /** conversion multiplier */
  factor: number;
}

/** 90 days from 2015-05-01; 1.2 % conversion with a weekly pattern and noise; AOV 30; planted incidents. */
function plantedCube(incidents: Planted[], seed = 3): Cube {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const rows: CubeRow[] = [];
  for (let d = 0; d < 90; d++) {
    const date = addDays(START, d);
    const weekly = 1 + 0.2 * Math.sin((2 * Math.PI * d) / 7);
    for (const [device, os, browser, base] of COMBOS) {
      const dims = { device, os, browser };
      let f = 1;
      for (const inc of incidents)
        if (d >= inc.from && d <= inc.to && segmentContains(inc.segment, dims)) f *= inc.factor;
      const views = Math.round(base * weekly * (1 + 0.05 * gauss()));
      const p = 0.012 * (1 + 0.04 * gauss()) * f;
      const purchases = Math.max(0, Math.round(views * p + Math.sqrt(views * p) * gauss()));
      const carts = Math.max(purchases, Math.round(views * 0.04));
      rows.push({ date, dims, views, carts, purchases, revenue: purchases * 30 });
    }
  }
  return { dimensions: DIMS, grain: 'day', rows };
}

const MAIN: Planted = { segment: CULPRIT, from: 76, to: 89, factor: 0.25 };
const OTHER: Planted = {
  segment: { device: 'desktop', os: 'windows', browser: 'edge' },
  from: 45,
  to: 52,
  factor: 0.2,
};

const find = (res: ScanResult, seg: Segment) => res.segments.find((r) => r.key === segmentKey(seg));

// ------------------------------------------------------------------ scan

describe.skipIf(!existsSync(CSV) && process.env.CI !== 'true')(
  'scan on the real Retail Rocket daily combos',
  () => {
    const cube = csvCube();
    const robust = scan(cube, { dimensions: DIMS, settings: settingsFor('robust') });

    it('lists all traffic and every combination at every level', () => {
      const expected = enumerateSegments(cube, DIMS, 1, 3).map(segmentKey).concat(['']);
      expect(robust.segments.map((r) => r.key).sort()).toEqual(expected.sort());
      const level3 = robust.segments.filter((r) => r.level === 3);
      const combos = new Set(cube.rows.map((r) => segmentKey(r.dims as Segment)));
      expect(level3.map((r) => r.key).sort()).toEqual([...combos].sort());
      expect(robust.range).toEqual({ from: '2015-05-03', to: '2015-09-18' });
    });

    it('finds mobile × ios × safari CRITICAL after the injected bug (robust: by 2015-09-06)', () => {
      const row = find(robust, CULPRIT)!;
      expect(row.criticalPeriods.length).toBeGreaterThan(0);
      expect(row.firstCritical! >= '2015-09-01' && row.firstCritical! <= '2015-09-06').toBe(true);
      expect(row.purchasesLost).toBeGreaterThan(100);
      expect(row.worstSigma!).toBeLessThan(-3);
      // sorted: every segment with a critical period comes before every segment without
      const firstQuiet = robust.segments.findIndex((r) => r.criticalPeriods.length === 0);
      expect(robust.segments.slice(firstQuiet).every((r) => r.criticalPeriods.length === 0)).toBe(true);
      expect(robust.segments.indexOf(row)).toBeLessThan(firstQuiet);
    });

    it('seed profile: critical periods of mobile/ios/safari are the reference ones (README of shared/data)', () => {
      const seed = scan(cube, { dimensions: DIMS, settings: settingsFor('seed'), minLevel: 3 });
      const row = find(seed, CULPRIT)!;
      // expected_static_analysis_5_combos.csv: critical periods 2015-09-01→09-12 and 09-16→09-18
      expect(row.criticalPeriods).toEqual([
        { start: '2015-09-01', end: '2015-09-12', days: 12 },
        { start: '2015-09-16', end: '2015-09-18', days: 3 },
      ]);
      expect(row.firstCritical).toBe('2015-09-03'); // the alert fires on the 3rd anomalous day
    });

    it('each row agrees with running the detector on the row-filtered series', () => {
      const settings = settingsFor('robust');
      const segs: Segment[] = [CULPRIT, { device: 'desktop' }, { os: 'ios', browser: 'safari' }, {}];
      for (const seg of segs) {
        const row = find(robust, seg)!;
        const results = detectSeries(aggregateSeries(cube, seg), settings, seg, robust.range);
        const checked = results.filter((r) => r.status !== 'NO_DATA' && r.status !== 'INSUFFICIENT_DATA');
        expect(row.daysChecked).toBe(checked.length);
        expect(row.anomalousDays).toBe(
          results.filter((r) => r.status === 'ANOMALY' || r.status === 'CRITICAL').length,
        );
        expect(row.firstCritical).toBe(results.find((r) => r.status === 'CRITICAL')?.date ?? null);
        const devs = checked.map((r) => r.deviationSigma).filter((x): x is number => x !== null);
        expect(row.worstSigma).toBe(devs.length ? Math.min(...devs) : null);
      }
    });

    it('the heatmap codes match the rows', () => {
      const d = robust.daily!;
      expect(d.dates[0]).toBe(robust.range.from);
      expect(d.dates).toHaveLength(daysBetween(robust.range.from, robust.range.to) + 1);
      expect(d.codes).toHaveLength(robust.segments.length);
      robust.segments.forEach((row, i) => {
        const code = d.codes[i];
        expect(code).toHaveLength(d.dates.length);
        expect([...code].filter((c) => 'asCS'.includes(c)).length).toBe(row.anomalousDays);
        expect([...code].filter((c) => 'oasCS'.includes(c)).length).toBe(row.daysChecked);
        const firstC = [...code].findIndex((c) => c === 'C' || c === 'S');
        expect(firstC < 0 ? null : d.dates[firstC]).toBe(row.firstCritical);
      });
      // July 2015 is absent from the data
      const july = d.dates.indexOf('2015-07-10');
      expect(d.codes[0][july]).toBe('n');
    });
  },
);

describe('scan options', () => {
  const cube = plantedCube([MAIN]);
  const settings = settingsFor('robust');

  it('levels select the combination depth; all traffic is a row unless switched off', () => {
    const res = scan(cube, { dimensions: DIMS, settings, minLevel: 2, maxLevel: 2 });
    const levels = new Set(res.segments.map((r) => r.level));
    expect([...levels].sort()).toEqual([0, 2]);
    expect(res.segments.filter((r) => r.level === 2)).toHaveLength(
      enumerateSegments(cube, DIMS, 2, 2).length,
    );
    const noAll = scan(cube, { dimensions: ['device'], settings, includeAllTraffic: false });
    expect(noAll.segments.map((r) => r.segment)).not.toContainEqual({});
    expect(noAll.segments).toHaveLength(3);
    expect(() => scan(cube, { dimensions: ['colour'], settings })).toThrow(/unknown dimension "colour"/);
  });

  it('min views per day and min total views filter segments by their volume in the range', () => {
    const range = { from: '2015-06-01', to: '2015-07-29' };
    const days = daysBetween(range.from, range.to) + 1;
    const volume = new Map<string, number>();
    for (const seg of enumerateSegments(cube, DIMS, 1, 3)) {
      const v = aggregateSeries(cube, seg)
        .filter((d) => d.date >= range.from && d.date <= range.to)
        .reduce((s, d) => s + d.views, 0);
      volume.set(segmentKey(seg), v);
    }
    const res = scan(cube, { dimensions: DIMS, settings, range, minViewsPerDay: 2000, daily: false });
    const expected = [...volume].filter(([, v]) => v / days >= 2000).map(([k]) => k);
    expect(
      res.segments
        .map((r) => r.key)
        .filter((k) => k !== '')
        .sort(),
    ).toEqual(expected.sort());
    expect(res.skipped).toBe(volume.size - expected.length);
    for (const r of res.segments)
      expect(r.avgViewsPerDay).toBeCloseTo(r.key === '' ? r.avgViewsPerDay : volume.get(r.key)! / days, 8);
    expect(res.segments.find((r) => r.key === '')).toBeDefined(); // all traffic is never filtered
    const byTotal = scan(cube, {
      dimensions: DIMS,
      settings,
      range,
      minTotalViews: 150 * days,
      daily: false,
    });
    expect(byTotal.segments.some((r) => r.key === segmentKey({ device: 'tablet' }))).toBe(false);
    expect(byTotal.segments.some((r) => r.key === segmentKey({ device: 'mobile' }))).toBe(true);
  });

  it('a range limits the reported days but the history before it is still the baseline', () => {
    const range = { from: '2015-07-10', to: '2015-07-29' };
    const res = scan(cube, { dimensions: DIMS, settings, range });
    expect(res.range).toEqual(range);
    expect(res.daily!.dates).toHaveLength(20);
    const row = find(res, CULPRIT)!;
    expect(row.daysChecked).toBe(20); // history from May is used, so every day gets a verdict
    expect(row.firstCritical! >= addDays(START, MAIN.from)).toBe(true);
    expect(() =>
      scan(cube, { dimensions: DIMS, settings, range: { from: '2015-07-10', to: '2015-07-01' } }),
    ).toThrow(/ends before it starts/);
  });

  it('the planted culprit is critical within 3 days, unrelated segments are not', () => {
    const res = scan(cube, { dimensions: DIMS, settings });
    const row = find(res, CULPRIT)!;
    const start = addDays(START, MAIN.from);
    expect(row.firstCritical).not.toBeNull();
    expect(daysBetween(start, row.firstCritical!)).toBeLessThanOrEqual(3);
    expect(res.segments[0].criticalPeriods.length).toBeGreaterThan(0);
    for (const r of res.segments) {
      if (!segmentsOverlap(r.segment, CULPRIT)) expect(r.criticalPeriods, r.label).toEqual([]);
    }
    expect(row.revenueLost).toBeCloseTo(row.purchasesLost * 30, 6);
  });

  it('directions: spikes are reported only when asked for', () => {
    const spiky = plantedCube([
      { segment: { device: 'mobile', os: 'android' }, from: 70, to: 89, factor: 2.5 },
    ]);
    const seg = { device: 'mobile', os: 'android', browser: 'chrome' };
    const drops = scan(spiky, { dimensions: DIMS, settings, minLevel: 3 });
    expect(find(drops, seg)!.criticalPeriods).toEqual([]);
    const both = scan(spiky, { dimensions: DIMS, settings, minLevel: 3, directions: ['drop', 'spike'] });
    const row = find(both, seg)!;
    expect(both.settings.directions).toEqual(['drop', 'spike']);
    expect(row.anomalousDays).toBeGreaterThan(0);
    const code = both.daily!.codes[both.segments.indexOf(row)];
    expect(code).toMatch(/[sS]/);
    expect(code).not.toMatch(/[aC]/);
  });

  it('reports progress and stops when cancelled', () => {
    const calls: [number, number][] = [];
    const res = scan(cube, {
      dimensions: DIMS,
      settings,
      checkEvery: 5,
      onProgress: (d, t) => calls.push([d, t]),
    });
    const total = res.segments.length;
    expect(calls[calls.length - 1]).toEqual([total, total]);
    expect(calls.length).toBe(Math.ceil(total / 5));
    for (let i = 1; i < calls.length; i++) expect(calls[i][0]).toBeGreaterThan(calls[i - 1][0]);

    const signal = { aborted: false };
    let seen = 0;
    expect(() =>
      scan(cube, {
        dimensions: DIMS,
        settings,
        checkEvery: 5,
        signal,
        onProgress: (d) => {
          seen = d;
          if (d >= 10) signal.aborted = true;
        },
      }),
    ).toThrow(ScanCancelledError);
    expect(seen).toBe(10);
    expect(() => scan(cube, { dimensions: DIMS, settings, signal: { aborted: true } })).toThrow(
      /scan cancelled/,
    );
  });

  it('scanAsync yields to the event loop, so a cancel arriving as a message/timer stops it', async () => {
    const sync = scan(cube, { dimensions: DIMS, settings });
    expect(await scanAsync(cube, { dimensions: DIMS, settings, checkEvery: 3 })).toEqual(sync);
    const signal = { aborted: false };
    let last = 0;
    const running = scanAsync(cube, {
      dimensions: DIMS,
      settings,
      checkEvery: 2,
      signal,
      onProgress: (d) => (last = d),
    });
    setTimeout(() => (signal.aborted = true), 0); // runs between two chunks, like a worker's onmessage
    await expect(running).rejects.toBeInstanceOf(ScanCancelledError);
    expect(last).toBeLessThan(sync.segments.length);
  });

  it('a prebuilt index gives the same result as building it', () => {
    const index = buildSegmentIndex(cube, { dimensions: DIMS, includeAllTraffic: true });
    const a = scan(cube, { dimensions: DIMS, settings });
    const b = scan(cube, { dimensions: DIMS, settings, index });
    expect(b).toEqual(a);
  });
});

// ------------------------------------------------------------------ what-if

function fakeScan(rows: [Segment, { start: string; end: string }[]][]): ScanResult {
  return {
    settings: settingsFor('seed'),
    dimensions: DIMS,
    range: { from: '2015-01-01', to: '2015-01-31' },
    skipped: 0,
    segments: rows.map(([segment, periods]) => {
      const r: ScanSegmentResult = {
        segment,
        daysChecked: 31,
        anomalousDays: 0,
        criticalPeriods: periods.map((p) => ({ ...p, days: daysBetween(p.start, p.end) + 1 })),
        firstCritical: periods[0]?.start ?? null,
        worstSigma: null,
        purchasesLost: 0,
        revenueLost: 0,
      };
      return r as ScanRow; // like a result read back from JSON: no key/label
    }),
  };
}

describe('compareScans', () => {
  it('matches alerts of the same segment with overlapping periods; the rest is only-A / only-B', () => {
    const m = { device: 'mobile' };
    const d = { device: 'desktop' };
    const t = { device: 'tablet' };
    const a = fakeScan([
      [
        m,
        [
          { start: '2015-01-05', end: '2015-01-07' },
          { start: '2015-01-20', end: '2015-01-21' },
        ],
      ],
      [d, [{ start: '2015-01-10', end: '2015-01-10' }]],
      [t, [{ start: '2015-01-02', end: '2015-01-03' }]],
    ]);
    const b = fakeScan([
      [m, [{ start: '2015-01-07', end: '2015-01-09' }]], // overlaps a's first mobile period on 01-07
      [d, [{ start: '2015-01-11', end: '2015-01-12' }]], // adjacent, not overlapping
    ]);
    const c = compareScans(a, b);
    expect(c.both.map((x) => [x.key, x.a.start, x.b.start])).toEqual([
      ['device=mobile', '2015-01-05', '2015-01-07'],
    ]);
    expect(c.onlyA.map((x) => [x.key, x.start, x.scannedInOther])).toEqual([
      ['device=mobile', '2015-01-20', true],
      ['device=desktop', '2015-01-10', true],
      ['device=tablet', '2015-01-02', false], // b did not scan tablet at all
    ]);
    expect(c.onlyB.map((x) => [x.key, x.start])).toEqual([['device=desktop', '2015-01-11']]);
    const same = compareScans(a, a);
    expect(same.onlyA).toEqual([]);
    expect(same.onlyB).toEqual([]);
    expect(same.both).toHaveLength(scanAlerts(a).length);
  });

  it('seed vs robust on a planted cube: the difference is consistent with both alert lists', () => {
    const cube = plantedCube([MAIN, OTHER]);
    const a = scan(cube, { dimensions: DIMS, settings: settingsFor('seed'), daily: false });
    const b = scan(cube, { dimensions: DIMS, settings: settingsFor('robust'), daily: false });
    const c = compareScans(a, b);
    const alertsB = scanAlerts(b);
    for (const x of c.onlyA) {
      expect(alertsB.some((y) => y.key === x.key && y.start <= x.end && x.start <= y.end)).toBe(false);
    }
    const matchedA = new Set(c.both.map((x) => `${x.key}|${x.a.start}`));
    expect(c.onlyA.length + matchedA.size).toBe(scanAlerts(a).length);
  });
});

describe('segmentRelation', () => {
  it('classifies by containment, then by the incident share of overlapping traffic', () => {
    const inc = { device: 'mobile', os: 'ios' };
    expect(segmentRelation(inc, { os: 'ios', device: 'mobile' }, 0)).toBe('incident');
    expect(segmentRelation(inc, { device: 'mobile' }, 0)).toBe('contains');
    expect(segmentRelation(inc, {}, 0)).toBe('contains');
    expect(segmentRelation(inc, { device: 'mobile', os: 'ios', browser: 'safari' }, 0)).toBe('inside');
    expect(segmentRelation(inc, { device: 'desktop' }, 1)).toBe('unrelated'); // disjoint whatever the share
    expect(segmentRelation(inc, { browser: 'safari' }, 0.4)).toBe('overlap');
    expect(segmentRelation(inc, { browser: 'safari' }, 0.01)).toBe('unrelated');
    expect(segmentRelation(inc, { browser: 'safari' }, 0.01, 0.001)).toBe('overlap');
  });
});

describe('incidentReplay', () => {
  const cube = plantedCube([MAIN, OTHER]);
  const start = addDays(START, MAIN.from);
  const settingsList = [
    settingsFor('robust'),
    settingsFor('robust', { sigma: 4, streak: 4 }),
    settingsFor('seed'),
  ];
  const out = incidentReplay(cube, { segment: CULPRIT, start }, settingsList);

  it('gives one outcome per setting with the detection delay of the incident segment', () => {
    expect(out).toHaveLength(3);
    out.forEach((o, i) => {
      expect(o.settings.sigma).toBe(settingsList[i].sigma);
      const results = detectSeries(aggregateSeries(cube, CULPRIT), settingsList[i], CULPRIT, { from: start });
      const first = results.find((r) => r.status === 'CRITICAL')?.date ?? null;
      expect(o.firstCritical).toBe(first);
      expect(o.delayDays).toBe(first === null ? null : daysBetween(start, first));
    });
    expect(out[0].delayDays).not.toBeNull();
    expect(out[0].delayDays!).toBeLessThanOrEqual(3);
  });

  it('alerts in unrelated segments are false; parents of the incident segment are related', () => {
    for (const o of out) {
      for (const a of o.falseAlerts) expect(a.relation === 'unrelated' || a.end < start, a.label).toBe(true);
      for (const a of o.relatedAlerts) {
        expect(a.relation).not.toBe('unrelated');
        expect(a.end >= start).toBe(true);
      }
      expect(o.falseCritical).toBe(o.falseAlerts.length);
      expect(o.relatedCritical).toBe(o.relatedAlerts.length);
    }
    // the planted, unrelated edge incident is counted as a false alert by the robust profile
    const edge = out[0].falseAlerts.filter((a) => segmentContains(a.segment, OTHER.segment));
    expect(edge.length).toBeGreaterThan(0);
    for (const a of edge) expect(a.relation).toBe('unrelated');
    // parents of the culprit that went critical after the start are related, not false
    const related = out[0].relatedAlerts.map((a) => a.key);
    expect(related).toContain(segmentKey(CULPRIT));
    for (const a of out[0].relatedAlerts) {
      if (a.relation === 'contains') expect(segmentContains(a.segment, CULPRIT)).toBe(true);
    }
  });

  it('a related segment alerting before the incident started counts as false', () => {
    // replay as if the incident were the edge one's parent segment, starting after the edge incident ended
    const o = incidentReplay(cube, { segment: { device: 'desktop' }, start: addDays(START, 60) }, [
      settingsFor('robust'),
    ])[0];
    const early = o.falseAlerts.filter((a) => a.reason === 'before incident');
    expect(early.length).toBeGreaterThan(0);
    for (const a of early) expect(a.relation).not.toBe('unrelated');
  });
});

describe('scan edge cases', () => {
  it('no dimensions: only all traffic', () => {
    const cube = plantedCube([]);
    const res = scan(cube, { dimensions: [], settings: settingsFor('robust') });
    expect(res.segments.map((r) => r.segment)).toEqual([{}]);
    expect(res.segments[0].daysChecked).toBeGreaterThan(0);
  });
  it('an empty cube is a clear error', () => {
    expect(() =>
      scan(
        { dimensions: ['device'], grain: 'day', rows: [] },
        { dimensions: ['device'], settings: settingsFor('seed') },
      ),
    ).toThrow(/no rows/);
  });
});

// ------------------------------------------------------------------ hour grain

describe('hour-grain scans', () => {
  const HOURLY = [
    0.3, 0.2, 0.15, 0.12, 0.12, 0.2, 0.4, 0.7, 1, 1.2, 1.3, 1.3, 1.4, 1.3, 1.2, 1.2, 1.3, 1.5, 1.7, 1.9, 1.9,
    1.6, 1.1, 0.6,
  ];
  const CONV = [
    0.5, 0.45, 0.4, 0.4, 0.45, 0.5, 0.6, 0.8, 0.9, 1, 1.05, 1.1, 1.1, 1.1, 1.05, 1.05, 1.1, 1.2, 1.4, 1.5,
    1.5, 1.3, 1, 0.7,
  ];
  const START = '2025-01-06';
  const INC_DAY = 45;
  const INC_HOUR = 8;
  function hourCube(seed = 3): Cube {
    const rnd = mulberry32(seed);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    const pois = (l: number) => Math.max(0, Math.round(l + Math.sqrt(l) * gauss()));
    const combos = [
      { device: 'desktop', os: 'windows', share: 0.5 },
      { device: 'mobile', os: 'ios', share: 0.3 },
      { device: 'mobile', os: 'android', share: 0.2 },
    ];
    const rows: CubeRow[] = [];
    for (let d = 0; d < 56; d++) {
      const date = addDays(START, d);
      for (let h = 0; h < 24; h++) {
        for (const c of combos) {
          const views = pois(2500 * c.share * HOURLY[h]);
          const t = d * 24 + h;
          const broken = c.os === 'ios' && t >= INC_DAY * 24 + INC_HOUR && t < INC_DAY * 24 + INC_HOUR + 20;
          const purchases = pois(views * 0.012 * CONV[h] * (broken ? 0.2 : 1));
          rows.push({
            date,
            hour: h,
            dims: { device: c.device, os: c.os },
            views,
            carts: purchases * 3,
            purchases,
            revenue: purchases * 30,
          });
        }
      }
    }
    return { dimensions: ['device', 'os'], grain: 'hour', rows };
  }
  const cube = hourCube();
  const settings = settingsFor('robust');
  const incDate = addDays(START, INC_DAY);

  it('finds the planted incident with hour precision and nothing elsewhere', () => {
    const res = scan(cube, { dimensions: ['device', 'os'], settings, grain: 'hour' });
    expect(res.grain).toBe('hour');
    const crit = res.segments.filter((s) => s.criticalPeriods.length > 0);
    expect(crit.length).toBeGreaterThan(0);
    for (const s of crit) expect(segmentsOverlap(s.segment, { device: 'mobile', os: 'ios' })).toBe(true);
    const ios = res.segments.find((s) => segmentKey(s.segment) === 'device=mobile,os=ios')!;
    expect(ios.criticalPeriods).toHaveLength(1);
    const p = ios.criticalPeriods[0];
    expect(p.start).toBe(incDate);
    expect(p.startHour).toBeGreaterThanOrEqual(INC_HOUR - 1);
    expect(p.hours).toBe(toSlotN(p.end, p.endHour!) - toSlotN(p.start, p.startHour!) + 1);
    expect(ios.firstCritical).toBe(incDate);
    expect(ios.firstCriticalHour! - INC_HOUR).toBeGreaterThanOrEqual(2);
    expect(ios.firstCriticalHour! - INC_HOUR).toBeLessThanOrEqual(8);
    expect(ios.anomalousHours).toBeGreaterThan(0);
    expect(ios.hoursChecked).toBeGreaterThan(40 * 24);
    expect(ios.daysChecked).toBeLessThanOrEqual(56);
    expect(ios.purchasesLost).toBeGreaterThan(0);
    // heatmap: 24 characters per day, CRITICAL codes on the incident day only
    expect(res.daily!.grain).toBe('hour');
    const row = res.segments.indexOf(ios);
    const codes = res.daily!.codes[row];
    expect(codes).toHaveLength(56 * 24);
    const cIdx = [...codes].flatMap((c, i) => (c === 'C' ? [i] : []));
    expect(cIdx.length).toBeGreaterThan(0);
    expect(cIdx.every((i) => Math.floor(i / 24) === INC_DAY || Math.floor(i / 24) === INC_DAY + 1)).toBe(
      true,
    );
  });

  it('day grain over an hour cube is unchanged (hours summed to days); a kept hour index gives the same scan', () => {
    const dayRows = new Map<string, CubeRow>();
    for (const r of cube.rows) {
      const k = `${r.date}|${r.dims.device}|${r.dims.os}`;
      const e = dayRows.get(k);
      if (e) {
        e.views += r.views;
        e.carts += r.carts;
        e.purchases += r.purchases;
        e.revenue += r.revenue;
      } else
        dayRows.set(k, {
          date: r.date,
          dims: { ...r.dims },
          views: r.views,
          carts: r.carts,
          purchases: r.purchases,
          revenue: r.revenue,
        });
    }
    const dayCube: Cube = { dimensions: ['device', 'os'], grain: 'day', rows: [...dayRows.values()] };
    expect(scan(cube, { dimensions: ['device', 'os'], settings })).toEqual(
      scan(dayCube, { dimensions: ['device', 'os'], settings }),
    );
    const index = buildHourIndex(cube, { dimensions: ['device', 'os'] });
    expect(scan(cube, { dimensions: ['device', 'os'], settings, grain: 'hour', index })).toEqual(
      scan(cube, { dimensions: ['device', 'os'], settings, grain: 'hour' }),
    );
    expect(() => scan(dayCube, { dimensions: ['device', 'os'], settings, grain: 'hour' })).toThrow(
      /hour-grain cube/,
    );
    expect(() => scan(cube, { dimensions: ['device', 'os'], settings, index })).toThrow(/hour-grain index/);
  });

  it('the hourly series of every indexed segment equals filtering the rows', () => {
    const index = buildHourIndex(cube, { dimensions: ['device', 'os'] });
    for (const s of index.segments) {
      const sums = new Map<string, number>();
      for (const r of cube.rows) {
        if (!Object.entries(s.segment).every(([k, v]) => r.dims[k] === v)) continue;
        const k = `${r.date}|${r.hour}`;
        sums.set(k, (sums.get(k) ?? 0) + r.views);
      }
      for (let i = 0; i < index.dates.length; i++)
        expect(s.views[i]).toBe(sums.get(`${index.dates[i]}|${index.hours![i]}`) ?? 0);
    }
  });

  it('what-if and replay work at hour grain', () => {
    const a = scan(cube, { dimensions: ['device', 'os'], settings, grain: 'hour' });
    const b = scan(cube, {
      dimensions: ['device', 'os'],
      settings: { ...settings, sigma: 6 },
      grain: 'hour',
    });
    const cmp = compareScans(a, b);
    // stricter settings raise no alert the default does not
    expect(cmp.onlyB).toEqual([]);
    expect(cmp.onlyA.length + cmp.both.length).toBe(scanAlerts(a).length);
    for (const x of cmp.both) expect(x.a.startHour).toBeDefined();
    const [r] = incidentReplay(
      cube,
      { segment: { device: 'mobile', os: 'ios' }, start: incDate, startHour: INC_HOUR },
      [settings],
      {
        grain: 'hour',
      },
    );
    expect(r.firstCritical).toBe(incDate);
    expect(r.delayHours).toBe(toSlotN(r.firstCritical!, r.firstCriticalHour!) - toSlotN(incDate, INC_HOUR));
    expect(r.delayDays).toBe(0);
    expect(r.falseCritical).toBe(0);
    expect(r.relatedCritical).toBeGreaterThan(0);
  });
});

function toSlotN(date: string, hour: number): number {
  return daysBetween('1970-01-01', date) * 24 + hour;
}
