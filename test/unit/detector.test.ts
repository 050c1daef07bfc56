import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, detect, detectSeries, settingsFor } from '../../core/detector.js';
import { dayNumber, dayString } from '../../core/stats.js';
import { DEFAULT_LEAVES, aggregateAllLevels, makeRng, simulate } from '../../core/simulate.js';
import type { DayCounts, DetectionResult, DetectionStatus, DetectorProfile } from '../../core/types.js';

const PROFILES: DetectorProfile[] = ['seed', 'robust'];

const day = (date: string, views: number, purchases: number): DayCounts => ({
  date,
  views,
  purchases,
  carts: 0,
  revenue: 0,
});

/**
 * Normal traffic of the reference scenarios: 5,000 views and 38–42 purchases every day. The purchases cycle
 * 40, 38, 42, 39, 41 with the day number (deterministic, and the same weekdays of consecutive weeks differ, so the
 * MAD is not 0).
 */
function normal(from: string, to: string): DayCounts[] {
  const out: DayCounts[] = [];
  for (let d = dayNumber(from); d <= dayNumber(to); d++)
    out.push(day(dayString(d), 5000, [40, 38, 42, 39, 41][d % 5]));
  return out;
}

const RANK: Record<DetectionStatus, number> = {
  NO_DATA: -1,
  INSUFFICIENT_DATA: -1,
  OK: 0,
  ANOMALY: 1,
  CRITICAL: 2,
};

describe('settings', () => {
  it('defaults are the reference rule for seed and drop-only robust', () => {
    expect(DEFAULT_SETTINGS.seed).toEqual({
      profile: 'seed',
      sigma: 2,
      weeks: 4,
      streak: 3,
      minViews: 0,
      directions: ['drop'],
    });
    expect(DEFAULT_SETTINGS.robust.profile).toBe('robust');
    expect(DEFAULT_SETTINGS.robust.directions).toEqual(['drop']);
  });

  it('settingsFor applies overrides, keeps the profile and does not share arrays with the defaults', () => {
    const s = settingsFor('robust', {
      sigma: 2.5,
      streak: 4,
      directions: ['drop', 'spike'],
      profile: 'seed',
    });
    expect(s).toMatchObject({ profile: 'robust', sigma: 2.5, streak: 4, directions: ['drop', 'spike'] });
    s.directions.push('spike');
    expect(DEFAULT_SETTINGS.robust.directions).toEqual(['drop']);
    expect(settingsFor('seed', { sigma: undefined }).sigma).toBe(2);
  });

  it('rejects nonsense with a specific message', () => {
    expect(() => settingsFor('seed', { sigma: 0 })).toThrow(/sigma/);
    expect(() => settingsFor('seed', { weeks: 1.5 })).toThrow(/weeks/);
    expect(() => settingsFor('seed', { streak: 0 })).toThrow(/streak/);
    expect(() => settingsFor('robust', { minViews: -1 })).toThrow(/minViews/);
    expect(() => settingsFor('robust', { directions: ['down' as never] })).toThrow(/directions/);
    expect(() => settingsFor('nope' as never)).toThrow(/profile/);
  });
});

describe('the five reference scenarios', () => {
  // Reading of the scenarios: history is 2015-07-01…08-14 at 5,000 views / 38–42 purchases; for the later dates
  // the days in between keep being normal (as a live shop would), so 09-01 is judged with normal days up to 08-31,
  // and 09-03…05 with normal days up to 09-02.
  for (const profile of PROFILES) {
    const settings = settingsFor(profile);

    it(`${profile}: 2015-08-15 with 40/5000 is OK`, () => {
      const r = detect(
        [...normal('2015-07-01', '2015-08-14'), day('2015-08-15', 5000, 40)],
        '2015-08-15',
        settings,
      );
      expect(r.status).toBe('OK');
      expect(r.alertLevel).toBe('NONE');
      expect(r.direction).toBeNull();
      expect(r.rate).toBeCloseTo(0.008, 12);
      expect(r.baseline!).toBeGreaterThan(0.0075);
      expect(r.baseline!).toBeLessThan(0.0085);
      expect(r.sigma!).toBeGreaterThan(0);
      expect(r.threshold!).toBeLessThan(r.rate!);
      expect(r.views).toBe(5000);
      expect(r.purchases).toBe(40);
      expect(r.streak).toEqual({ start: null, length: 0 });
      // the same weekday of the four previous weeks
      expect(r.baselineDays.map((b) => b.date).sort()).toEqual([
        '2015-07-18',
        '2015-07-25',
        '2015-08-01',
        '2015-08-08',
      ]);
    });

    it(`${profile}: 2015-09-01 with 18/5000 is ANOMALY / MEDIUM`, () => {
      const r = detect(
        [...normal('2015-07-01', '2015-08-31'), day('2015-09-01', 5000, 18)],
        '2015-09-01',
        settings,
      );
      expect(r.status).toBe('ANOMALY');
      expect(r.alertLevel).toBe('MEDIUM');
      expect(r.direction).toBe('drop');
      expect(r.rate!).toBeLessThanOrEqual(r.threshold!);
      expect(r.deviationSigma!).toBeLessThanOrEqual(-settings.sigma);
      expect(r.streak).toEqual({ start: '2015-09-01', length: 1 });
    });

    it(`${profile}: 2015-09-03…05 with 8, 8, 4 purchases is CRITICAL / HIGH on 09-05 with streak 3`, () => {
      const series = [
        ...normal('2015-07-01', '2015-09-02'),
        day('2015-09-03', 5000, 8),
        day('2015-09-04', 5000, 8),
        day('2015-09-05', 5000, 4),
      ];
      const res = detectSeries(
        series,
        settings,
        { device: 'mobile' },
        { from: '2015-09-02', to: '2015-09-05' },
      );
      expect(res.map((r) => r.date)).toEqual(['2015-09-02', '2015-09-03', '2015-09-04', '2015-09-05']);
      expect(res[0].status).toBe('OK');
      const last = res[3];
      expect(last.status).toBe('CRITICAL');
      expect(last.alertLevel).toBe('HIGH');
      expect(last.direction).toBe('drop');
      expect(last.streak).toEqual({ start: '2015-09-03', length: 3 });
      expect(last.segment).toEqual({ device: 'mobile' });
      // each day of the streak was re-tested against its own baseline
      for (const r of res.slice(1)) {
        expect(r.deviationSigma!).toBeLessThan(-1);
        expect(r.rate!).toBeLessThan(r.baseline!);
      }
      if (profile === 'seed') {
        expect(res[1].status).toBe('ANOMALY');
        expect(res[2]).toMatchObject({ status: 'ANOMALY', streak: { start: '2015-09-03', length: 2 } });
      }
      expect(detect(series, '2015-09-05', settings, { device: 'mobile' })).toEqual(last);
    });

    it(`${profile}: only 1 day of history is INSUFFICIENT_DATA`, () => {
      const r = detect([day('2015-07-01', 5000, 40), day('2015-07-02', 5000, 18)], '2015-07-02', settings);
      expect(r.status).toBe('INSUFFICIENT_DATA');
      expect(r.alertLevel).toBe('NONE');
      expect(r.views).toBe(5000);
      expect(r.purchases).toBe(18);
      expect(r.rate).toBeCloseTo(0.0036, 12);
    });

    it(`${profile}: no events on the date is NO_DATA`, () => {
      const hist = normal('2015-07-01', '2015-08-14');
      const r = detect(hist, '2015-08-15', settings);
      expect(r).toMatchObject({
        date: '2015-08-15',
        status: 'NO_DATA',
        alertLevel: 'NONE',
        rate: null,
        views: 0,
        purchases: 0,
        baselineDays: [],
      });
      const zero = detect([...hist, day('2015-08-15', 0, 0)], '2015-08-15', settings);
      expect(zero.status).toBe('NO_DATA');
      expect(detect([], '2015-08-15', settings).status).toBe('NO_DATA');
    });
  }
});

describe('calendar, gaps and ranges', () => {
  for (const profile of PROFILES) {
    const settings = settingsFor(profile);
    it(`${profile}: one result per calendar day, gaps as NO_DATA, unsorted input, range beyond the data`, () => {
      const series = normal('2015-07-01', '2015-08-31').filter(
        (d) => d.date < '2015-08-10' || d.date > '2015-08-12',
      );
      const shuffled = [...series].reverse();
      const a = detectSeries(series, settings);
      const b = detectSeries(shuffled, settings);
      expect(b).toEqual(a);
      expect(a.length).toBe(62);
      expect(a[0].date).toBe('2015-07-01');
      expect(a.at(-1)!.date).toBe('2015-08-31');
      expect(a.filter((r) => r.status === 'NO_DATA').map((r) => r.date)).toEqual([
        '2015-08-10',
        '2015-08-11',
        '2015-08-12',
      ]);
      const wide = detectSeries(series, settings, {}, { from: '2015-06-29', to: '2015-09-02' });
      expect(wide.length).toBe(66);
      expect(wide[0].status).toBe('NO_DATA');
      expect(wide.at(-1)!.status).toBe('NO_DATA');
      // a range inside the series gives the same verdicts as the full run (history before `from` is used)
      const inner = detectSeries(series, settings, {}, { from: '2015-08-20', to: '2015-08-25' });
      expect(inner).toEqual(a.filter((r) => r.date >= '2015-08-20' && r.date <= '2015-08-25'));
      expect(detectSeries(series, settings, {}, { from: '2015-08-25', to: '2015-08-20' })).toEqual([]);
      // robust raises no alert anywhere on this healthy series (seed's 2–4-point MADs do: that is its weakness)
      if (profile === 'robust')
        expect(a.filter((r) => r.status === 'ANOMALY' || r.status === 'CRITICAL')).toEqual([]);
    });

    it(`${profile}: duplicate rows of a date are summed; bad counts are rejected clearly`, () => {
      const series = normal('2015-07-01', '2015-08-14');
      const split = [...series, day('2015-08-15', 2500, 20), day('2015-08-15', 2500, 20)];
      const r = detect(split, '2015-08-15', settings);
      expect(r.views).toBe(5000);
      expect(r.purchases).toBe(40);
      expect(() => detectSeries([day('2015-07-01', -1, 0)], settings)).toThrow(/bad counts on 2015-07-01/);
      expect(() => detectSeries([day('2015-7-1', 10, 0)], settings)).toThrow(/YYYY-MM-DD/);
    });

    it(`${profile}: a missing day breaks a streak (CRITICAL needs consecutive calendar days)`, () => {
      const series = [
        ...normal('2015-07-01', '2015-09-02'),
        day('2015-09-03', 5000, 4),
        day('2015-09-05', 5000, 4),
        day('2015-09-06', 5000, 4),
      ];
      const res = detectSeries(series, settings, {}, { from: '2015-09-03' });
      expect(res.map((r) => r.status)).toEqual(['ANOMALY', 'NO_DATA', 'ANOMALY', 'ANOMALY']);
      expect(res[3].streak).toEqual({ start: '2015-09-05', length: 2 });
    });
  }

  it('seed: the streak is re-tested — a bad day after normal days is ANOMALY, not CRITICAL (packaged checker bug)', () => {
    const series = [...normal('2015-07-01', '2015-08-31'), day('2015-09-01', 5000, 10)];
    const r = detect(series, '2015-09-01', settingsFor('seed'));
    expect(r.status).toBe('ANOMALY');
    expect(r.streak.length).toBe(1);
  });

  it('seed: σ = 0 — a day equal to its baseline is OK, a day below it is anomalous', () => {
    const flat: DayCounts[] = [];
    for (let d = dayNumber('2015-07-01'); d <= dayNumber('2015-08-14'); d++)
      flat.push(day(dayString(d), 5000, 40));
    const same = detect([...flat, day('2015-08-15', 5000, 40)], '2015-08-15', settingsFor('seed'));
    expect(same.sigma).toBe(0);
    expect(same.status).toBe('OK');
    expect(same.deviationSigma).toBeNull();
    const lower = detect([...flat, day('2015-08-15', 5000, 39)], '2015-08-15', settingsFor('seed'));
    expect(lower.status).toBe('ANOMALY');
  });

  it('seed honours minViews when set (0 by default, as the reference)', () => {
    const series = [...normal('2015-07-01', '2015-08-31'), day('2015-09-01', 400, 1)];
    expect(detect(series, '2015-09-01', settingsFor('seed')).status).toBe('ANOMALY');
    expect(detect(series, '2015-09-01', settingsFor('seed', { minViews: 500 })).status).toBe(
      'INSUFFICIENT_DATA',
    );
  });

  it('seed: under 28 days with data the whole series is INSUFFICIENT_DATA; from 28 the early days use the whole-series fallback', () => {
    const short = normal('2015-07-01', '2015-07-27'); // 27 days
    expect(new Set(detectSeries(short, settingsFor('seed')).map((r) => r.status))).toEqual(
      new Set(['INSUFFICIENT_DATA']),
    );
    const enough = normal('2015-07-01', '2015-07-28');
    const first = detectSeries(enough, settingsFor('seed'))[0];
    expect(first.status).toBe('OK');
    expect(first.baselineDays).toEqual([]);
    expect(first.baseline).toBeCloseTo(40 / 5000, 12);
  });
});

describe('robust profile specifics', () => {
  const robust = settingsFor('robust');

  it('low volume: under minViews is INSUFFICIENT_DATA, and 0 purchases on tiny traffic raises no alert', () => {
    const rng = makeRng(7);
    const series: DayCounts[] = [];
    for (let d = dayNumber('2015-06-01'); d <= dayNumber('2015-08-31'); d++)
      series.push(day(dayString(d), 150, rng.poisson(1.5)));
    series.push(day('2015-09-01', 150, 0), day('2015-09-02', 150, 0), day('2015-09-03', 150, 0));
    const res = detectSeries(series, robust, {}, { from: '2015-09-01' });
    expect(res.every((r) => r.status === 'OK')).toBe(true);
    expect(res[0].threshold).toBeNull(); // no single tiny day can be an anomaly
    const strict = detectSeries(series, settingsFor('robust', { minViews: 200 }), {}, { from: '2015-09-01' });
    expect(strict.every((r) => r.status === 'INSUFFICIENT_DATA')).toBe(true);
  });

  it('spikes are reported only when asked for, with direction spike', () => {
    const series = [...normal('2015-06-01', '2015-08-31'), day('2015-09-01', 5000, 80)];
    expect(detect(series, '2015-09-01', robust)).toMatchObject({ status: 'OK', direction: null });
    const both = detect(series, '2015-09-01', settingsFor('robust', { directions: ['drop', 'spike'] }));
    expect(both).toMatchObject({ status: 'ANOMALY', direction: 'spike', alertLevel: 'MEDIUM' });
    expect(both.deviationSigma!).toBeGreaterThan(3);
    const dropSeries = [...normal('2015-06-01', '2015-08-31'), day('2015-09-01', 5000, 10)];
    expect(detect(dropSeries, '2015-09-01', settingsFor('robust', { directions: ['spike'] })).status).toBe(
      'OK',
    );
    // a sustained spike becomes CRITICAL too
    const run = [
      ...normal('2015-06-01', '2015-08-31'),
      day('2015-09-01', 5000, 80),
      day('2015-09-02', 5000, 85),
      day('2015-09-03', 5000, 90),
    ];
    expect(detect(run, '2015-09-03', settingsFor('robust', { directions: ['spike'] }))).toMatchObject({
      status: 'CRITICAL',
      direction: 'spike',
    });
  });

  it('streak 1 and 2: CRITICAL still needs the combined evidence (a single day must reach sigma + 1 by itself)', () => {
    const hist = normal('2015-06-01', '2015-08-31');
    const one = settingsFor('robust', { streak: 1 });
    expect(detect([...hist, day('2015-09-01', 5000, 2)], '2015-09-01', one)).toMatchObject({
      status: 'CRITICAL',
      streak: { length: 1 },
    });
    expect(detect([...hist, day('2015-09-01', 5000, 24)], '2015-09-01', one).status).not.toBe('CRITICAL');
    // a high sigma keeps CRITICAL reachable (the per-day cap grows with the bar)
    const strict = settingsFor('robust', { sigma: 6 });
    const bad = [...hist, day('2015-09-01', 5000, 2), day('2015-09-02', 5000, 2), day('2015-09-03', 5000, 2)];
    expect(detect(bad, '2015-09-03', strict).status).toBe('CRITICAL');
    const two = settingsFor('robust', { streak: 2 });
    const r = detect([...hist, day('2015-09-01', 5000, 12), day('2015-09-02', 5000, 12)], '2015-09-02', two);
    expect(r).toMatchObject({ status: 'CRITICAL', streak: { start: '2015-09-01', length: 2 } });
  });

  it('a drop too mild for 3 days of evidence becomes CRITICAL on its 4th consecutive day, not before', () => {
    // 25 of ~40 purchases: each day about −2.1 σ — three days combine to 3.65 σ (< 4), four to 4.2 σ
    const series = [...normal('2015-06-01', '2015-08-31')];
    for (let d = 1; d <= 5; d++) series.push(day(`2015-09-0${d}`, 5000, 25));
    const res = detectSeries(series, robust, {}, { from: '2015-09-01' });
    for (const r of res) expect(r.deviationSigma!).toBeLessThan(-1.9);
    expect(res.slice(0, 3).map((r) => r.status)).toEqual(['OK', 'OK', 'OK']);
    expect(res[3]).toMatchObject({
      status: 'CRITICAL',
      alertLevel: 'HIGH',
      streak: { start: '2015-09-01', length: 4 },
    });
    expect(res[4]).toMatchObject({ status: 'CRITICAL', streak: { start: '2015-09-01', length: 5 } });
    // one day less low and the fourth day does not get there either
    const milder = [...normal('2015-06-01', '2015-08-31')];
    for (let d = 1; d <= 5; d++) milder.push(day(`2015-09-0${d}`, 5000, 26));
    expect(detectSeries(milder, robust, {}, { from: '2015-09-01' }).map((r) => r.status)).not.toContain(
      'CRITICAL',
    );
  });

  it('CUSUM: an intermittent drop becomes CRITICAL once three low days in a row follow enough earlier evidence', () => {
    // 8 weeks at 10,000 views and ~200 purchases a day, then days alternating ≈ −2.7σ and ≈ −0.5σ, then three
    // days at ≈ −1.7…−2σ: no 3- or 4-day window of consecutive ≥ 1σ days reaches 4σ, but the accumulated
    // evidence (Σ max(0, |z| − 1) over the drop) passes 5σ
    const hist: DayCounts[] = [];
    const d0 = dayNumber('2025-01-06');
    for (let i = 0; i < 56; i++) hist.push(day(dayString(d0 + i), 10_000, 200 + ((i * 7) % 11) - 5));
    const tail = (purchases: number[]) => purchases.map((k, j) => day(dayString(d0 + 56 + j), 10_000, k));
    const from = dayString(d0 + 56);
    const res = detectSeries(
      [...hist, ...tail([150, 190, 150, 190, 150, 185, 160, 160, 160])],
      robust,
      {},
      { from },
    );
    const z = res.map((r) => r.deviationSigma!);
    // the premises: alternating days, and the last three days alone fall short of the 4σ onset bar
    expect(z.filter((_, j) => j < 6 && j % 2 === 0).every((x) => x < -2.3)).toBe(true);
    expect(z.filter((_, j) => j < 6 && j % 2 === 1).every((x) => x > -1)).toBe(true);
    expect(z.slice(6).every((x) => x <= -1)).toBe(true);
    expect(-(z[6] + z[7] + z[8]) / Math.sqrt(3)).toBeLessThan(4);
    expect(res.slice(0, 8).map((r) => r.status)).not.toContain('CRITICAL');
    expect(res[8]).toMatchObject({
      status: 'CRITICAL',
      alertLevel: 'HIGH',
      direction: 'drop',
      streak: { start: dayString(d0 + 62), length: 3 },
    });
    // with streak 1 the accumulated evidence still needs three low days in a row: a single day at −2σ (not even an
    // ANOMALY) after the intermittent ones is not CRITICAL, the third low day is
    const one = detectSeries(
      [...hist, ...tail([150, 190, 150, 190, 150, 185, 160, 160, 160])],
      settingsFor('robust', { streak: 1 }),
      {},
      { from },
    );
    expect(one[6].deviationSigma!).toBeGreaterThan(-3);
    expect(one.slice(0, 8).map((r) => r.status)).not.toContain('CRITICAL');
    expect(one[8]).toMatchObject({ status: 'CRITICAL', streak: { length: 3 } });
    // the same three days without the earlier evidence: not CRITICAL
    const alone = detectSeries(
      [...hist, ...tail([199, 195, 200, 198, 201, 197, 160, 160, 160])],
      robust,
      {},
      { from },
    );
    expect(alone.slice(6).every((r) => r.deviationSigma! <= -1)).toBe(true);
    expect(alone.map((r) => r.status)).not.toContain('CRITICAL');
  });

  it('CUSUM: the evidence of an incident is spent when its CRITICAL period ends (a mild dip later is not CRITICAL)', () => {
    const d0 = dayNumber('2025-01-06');
    const hist: DayCounts[] = [];
    for (let i = 0; i < 56; i++) hist.push(day(dayString(d0 + i), 10_000, 200 + ((i * 7) % 11) - 5));
    for (const gap of [7, 14]) {
      for (const dir of ['drop', 'spike'] as const) {
        const k = (x: number) => (dir === 'drop' ? 200 - x : 200 + x);
        const counts = [
          ...Array.from({ length: 10 }, () => k(80)), // the incident
          ...Array.from({ length: gap }, (_, j) => 200 + ((j * 7) % 11) - 5), // recovery
          k(25),
          k(25),
          k(25), // three days at about 1.3σ
        ];
        const series = [...hist, ...counts.map((c, j) => day(dayString(d0 + 56 + j), 10_000, c))];
        const settings = settingsFor('robust', { directions: [dir] });
        const res = detectSeries(series, settings);
        const inc = res.slice(56, 66);
        expect(
          inc.some((r) => r.status === 'CRITICAL'),
          `${dir}: the incident is CRITICAL`,
        ).toBe(true);
        const dip = res.slice(-3);
        for (const r of dip) expect(Math.abs(r.deviationSigma!), `${dir} gap ${gap}`).toBeGreaterThan(1);
        expect(
          dip.map((r) => r.status),
          `${dir}, ${gap} days after`,
        ).not.toContain('CRITICAL');
      }
    }
  });

  it('a long incident stays CRITICAL: anomalous days are kept out of the baseline', () => {
    const series = [...normal('2015-06-01', '2015-08-31')];
    for (let d = dayNumber('2015-09-01'); d <= dayNumber('2015-09-30'); d++)
      series.push(day(dayString(d), 5000, 12 + (d % 3)));
    const res = detectSeries(series, robust, {}, { from: '2015-09-01' });
    const firstCritical = res.findIndex((r) => r.status === 'CRITICAL');
    expect(firstCritical).toBe(2);
    expect(res.slice(firstCritical).every((r) => r.status === 'CRITICAL')).toBe(true);
    expect(res.at(-1)!.baseline!).toBeGreaterThan(0.007);
    expect(res.at(-1)!.streak).toEqual({ start: '2015-09-01', length: 30 });
  });

  it('a missing week of history still allows verdicts, and a weekday pattern is not mistaken for a drop', () => {
    const series: DayCounts[] = [];
    for (let d = dayNumber('2015-06-01'); d <= dayNumber('2015-08-31'); d++) {
      const date = dayString(d);
      if (date >= '2015-08-03' && date <= '2015-08-09') continue;
      const weekend = [1, 2].includes(d % 7); // 1970-01-01 + 2 = Saturday
      series.push(day(date, weekend ? 3500 : 5000, weekend ? 18 + (d % 3) : 40 + (d % 5) - 2)); // weekend converts at ~0.55 %
    }
    const res = detectSeries(series, robust, {}, { from: '2015-08-10' });
    expect(res.every((r) => r.status === 'OK')).toBe(true);
    // whereas a same-size drop on a weekday is seen
    const bad = [
      ...series,
      day('2015-09-01', 5000, 18),
      day('2015-09-02', 5000, 18),
      day('2015-09-03', 5000, 18),
    ];
    expect(detect(bad, '2015-09-03', robust).status).toBe('CRITICAL');
  });

  it('is causal: a verdict never depends on later days', () => {
    const rng = makeRng(3);
    const series: DayCounts[] = [];
    for (let d = dayNumber('2015-06-01'); d <= dayNumber('2015-09-30'); d++) {
      const v = 3000 + rng.poisson(500);
      series.push(day(dayString(d), v, rng.poisson(v * 0.012 * (d % 7 === 1 ? 0.7 : 1))));
    }
    const full = detectSeries(series, robust);
    for (const cut of ['2015-07-10', '2015-08-15', '2015-09-05']) {
      const part = detectSeries(
        series.filter((d) => d.date <= cut),
        robust,
      );
      expect(part).toEqual(full.slice(0, part.length));
    }
  });
});

describe('properties', () => {
  /** a healthy random history of 42–70 days ending the day before `target` */
  const history = fc.record({
    days: fc.integer({ min: 42, max: 70 }),
    views: fc.integer({ min: 300, max: 20_000 }),
    rate: fc.double({ min: 0.004, max: 0.04, noNaN: true }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  });
  function build(h: { days: number; views: number; rate: number; seed: number }): DayCounts[] {
    const rng = makeRng(h.seed);
    const out: DayCounts[] = [];
    const end = dayNumber('2015-09-01');
    for (let d = end - h.days; d < end; d++) {
      const v = Math.max(1, Math.round(h.views * Math.exp(0.1 * rng.normal())));
      out.push(day(dayString(d), v, rng.poisson(v * h.rate * Math.exp(0.1 * rng.normal()))));
    }
    return out;
  }

  for (const profile of PROFILES) {
    it(`${profile}: a lower rate on the day never gets a milder status`, () => {
      const settings = settingsFor(profile);
      fc.assert(
        fc.property(
          history,
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (h, a, b) => {
            const hist = build(h);
            const v = h.views;
            const expected = v * h.rate;
            const k1 = Math.floor(Math.min(a, b) * 1.5 * expected);
            const k2 = Math.floor(Math.max(a, b) * 1.5 * expected);
            // two bad-ish days before, so CRITICAL is reachable
            const pre = [
              day('2015-09-01', v, Math.floor(expected * 0.3)),
              day('2015-09-02', v, Math.floor(expected * 0.3)),
            ];
            const lo = detect([...hist, ...pre, day('2015-09-03', v, k1)], '2015-09-03', settings);
            const hi = detect([...hist, ...pre, day('2015-09-03', v, k2)], '2015-09-03', settings);
            expect(RANK[lo.status]).toBeGreaterThanOrEqual(RANK[hi.status]);
            if (lo.deviationSigma !== null && hi.deviationSigma !== null)
              expect(lo.deviationSigma).toBeLessThanOrEqual(hi.deviationSigma + 1e-12);
          },
        ),
        { numRuns: 60 },
      );
    });

    it(`${profile}: results are self-consistent (threshold, deviation, alert level, streak)`, () => {
      const settings = settingsFor(profile);
      fc.assert(
        fc.property(
          history,
          fc.array(fc.double({ min: 0, max: 1.3, noNaN: true }), { minLength: 1, maxLength: 8 }),
          (h, tail) => {
            const hist = build(h);
            const series = [...hist];
            tail.forEach((f, i) =>
              series.push(
                day(dayString(dayNumber('2015-09-01') + i), h.views, Math.floor(h.views * h.rate * f)),
              ),
            );
            const res = detectSeries(series, settings);
            const byDate = new Map(res.map((r) => [r.date, r]));
            for (const r of res) checkResult(r, byDate, settings.streak);
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it('seed: verdicts are invariant to scaling views and purchases together (only rates matter)', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 2, max: 5 }), (h, f) => {
        const s1 = build(h);
        const s2 = s1.map((d) => ({ ...d, views: d.views * f, purchases: d.purchases * f }));
        const a = detectSeries(s1, settingsFor('seed')).map((r) => [r.status, r.baseline, r.threshold]);
        const b = detectSeries(s2, settingsFor('seed')).map((r) => [r.status, r.baseline, r.threshold]);
        expect(b).toEqual(a);
      }),
      { numRuns: 30 },
    );
  });

  it('robust: more traffic at the same relative drop never gives a milder verdict on the day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        (seed, loss) => {
          const build2 = (scale: number) => {
            const out: DayCounts[] = [];
            for (let d = dayNumber('2015-07-01'); d <= dayNumber('2015-08-31'); d++)
              out.push(day(dayString(d), 1000 * scale, 10 * scale + ((d * 7 + seed) % 3) * scale));
            out.push(day('2015-09-01', 1000 * scale, Math.floor(11 * scale * (1 - loss))));
            return detect(out, '2015-09-01', settingsFor('robust'));
          };
          const small = build2(1);
          const big = build2(8);
          expect(big.deviationSigma!).toBeLessThanOrEqual(small.deviationSigma! + 1e-9);
          expect(RANK[big.status]).toBeGreaterThanOrEqual(RANK[small.status]);
        },
      ),
      { numRuns: 30 },
    );
  });
});

function checkResult(r: DetectionResult, byDate: Map<string, DetectionResult>, streak: number): void {
  const anomalous = r.status === 'ANOMALY' || r.status === 'CRITICAL';
  expect(r.alertLevel).toBe(r.status === 'CRITICAL' ? 'HIGH' : r.status === 'ANOMALY' ? 'MEDIUM' : 'NONE');
  if (r.status === 'NO_DATA') {
    expect(r.rate).toBeNull();
    return;
  }
  expect(r.rate).toBeCloseTo(r.purchases / r.views, 12);
  if (r.status === 'INSUFFICIENT_DATA') return;
  expect(r.baseline).not.toBeNull();
  if (r.sigma! > 0) {
    const dev = (r.rate! - r.baseline!) / r.sigma!;
    expect(Math.abs(r.deviationSigma! - dev)).toBeLessThan(1e-9 * Math.max(1, Math.abs(dev)));
  }
  if (r.threshold !== null) expect(r.threshold).toBeLessThanOrEqual(r.baseline!);
  if (anomalous && r.direction === 'drop' && r.status === 'ANOMALY')
    expect(r.rate!).toBeLessThanOrEqual(r.threshold!);
  if (!anomalous) {
    expect(r.direction).toBeNull();
    expect(r.streak).toEqual({ start: null, length: 0 });
  } else {
    expect(r.streak.length).toBeGreaterThanOrEqual(1);
    // every day of the streak is below its own baseline (re-tested, consecutive calendar days)
    for (let t = 0; t < r.streak.length; t++) {
      const d = byDate.get(dayString(dayNumber(r.streak.start!) + t));
      expect(d && d.rate !== null && d.baseline !== null && d.rate < d.baseline).toBe(true);
    }
  }
  if (r.status === 'CRITICAL') expect(r.streak.length).toBeGreaterThanOrEqual(streak);
}

describe('simulate (the bench and test generator)', () => {
  const base = {
    seed: 11,
    start: '2025-01-06',
    days: 70,
    leaves: DEFAULT_LEAVES,
    dimensions: ['device', 'os', 'browser'],
  };

  it('is deterministic for a seed and differs across seeds', () => {
    expect(simulate(base)).toEqual(simulate(base));
    expect(simulate({ ...base, seed: 12 }).leaves[0].series).not.toEqual(simulate(base).leaves[0].series);
  });

  it('injects the incident on the named segment only, with about the requested loss', () => {
    const inc = {
      segment: { device: 'mobile', os: 'ios', browser: 'safari' },
      start: '2025-02-17',
      days: 14,
      loss: 0.6,
    };
    const a = simulate(base);
    const b = simulate({ ...base, incidents: [inc] });
    const sum = (w: typeof a, seg: string, inside: boolean) =>
      w.leaves
        .filter((l) => Object.values(l.segment).join('/') === seg)
        .flatMap((l) => l.series)
        .filter((d) => (d.date >= '2025-02-17' && d.date < '2025-03-03') === inside)
        .reduce((s, d) => s + d.purchases, 0);
    const ratio = sum(b, 'mobile/ios/safari', true) / sum(a, 'mobile/ios/safari', true);
    expect(ratio).toBeGreaterThan(0.3);
    expect(ratio).toBeLessThan(0.5);
    expect(sum(b, 'mobile/ios/safari', false)).toBe(sum(a, 'mobile/ios/safari', false));
    expect(sum(b, 'desktop/windows/chrome', true)).toBe(sum(a, 'desktop/windows/chrome', true));
  });

  it('sharedPhi adds a day factor common to all leaves; 0 (the default) leaves the world unchanged', () => {
    expect(simulate({ ...base, sharedPhi: 0 })).toEqual(simulate(base));
    // correlation between two big leaves of log(purchases / expected purchases), day by day
    const corr = (sharedPhi: number) => {
      const w = simulate({ ...base, days: 120, phi: 0.02, sharedPhi });
      const [a, b] = [0, 1].map((i) =>
        w.leaves[i].series.map((d, t) =>
          Math.log((d.purchases + 0.5) / (d.views * w.leaves[i].truth!.expectedRate[t])),
        ),
      );
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
      const [ma, mb] = [mean(a), mean(b)];
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      for (let t = 0; t < a.length; t++) {
        sab += (a[t] - ma) * (b[t] - mb);
        saa += (a[t] - ma) ** 2;
        sbb += (b[t] - mb) ** 2;
      }
      return sab / Math.sqrt(saa * sbb);
    };
    expect(corr(0.25)).toBeGreaterThan(0.6);
    expect(Math.abs(corr(0))).toBeLessThan(0.3);
  });

  it('aggregates every level and keeps totals; gaps remove whole days', () => {
    const w = simulate({ ...base, gaps: [[10, 13]] });
    const all = aggregateAllLevels(w);
    const total = all.find((s) => Object.keys(s.segment).length === 0)!;
    expect(total.series.length).toBe(67);
    const leafViews = w.leaves.reduce((s, l) => s + l.series.reduce((t, d) => t + d.views, 0), 0);
    expect(total.series.reduce((t, d) => t + d.views, 0)).toBe(leafViews);
    // levels 1..3 all present, leaves included, no duplicates
    for (const n of [1, 2, 3]) expect(all.some((s) => Object.keys(s.segment).length === n)).toBe(true);
    expect(new Set(all.map((s) => JSON.stringify(s.segment))).size).toBe(all.length);
    for (const l of w.leaves) expect(l.truth!.expectedRate.length).toBe(l.series.length);
    // weekly seasonality is present: weekend conversion below weekday conversion over the whole period
    const rate = (wd: number[]) => {
      const days = total.series.filter((d) => wd.includes((dayNumber(d.date) + 3) % 7));
      return days.reduce((s, d) => s + d.purchases, 0) / days.reduce((s, d) => s + d.views, 0);
    };
    expect(rate([5, 6])).toBeLessThan(rate([1, 2, 3]) * 0.9);
  });
});
