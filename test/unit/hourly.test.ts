import { describe, expect, it } from 'vitest';
import { settingsFor } from '../../core/detector.js';
import { detectHourly, hourlyVerdicts, toSlot, type HourCounts } from '../../core/hourly.js';
import { addDays } from '../../core/segments.js';
import { mulberry32, quickSamplers } from '../../core/simulate.js';

/** Traffic by hour of day (night low) and conversion by hour of day (night a third of the evening's). */
const TRAFFIC = [
  0.3, 0.2, 0.15, 0.12, 0.12, 0.2, 0.4, 0.7, 1, 1.2, 1.3, 1.3, 1.4, 1.3, 1.2, 1.2, 1.3, 1.5, 1.7, 1.9, 1.9,
  1.6, 1.1, 0.6,
];
const CONV = [
  0.5, 0.45, 0.4, 0.4, 0.45, 0.5, 0.6, 0.8, 0.9, 1, 1.05, 1.1, 1.1, 1.1, 1.05, 1.05, 1.1, 1.2, 1.4, 1.5, 1.5,
  1.3, 1, 0.7,
];

interface Gen {
  days?: number;
  viewsPerHour?: number;
  conv?: number;
  seed?: number;
  /** incident: first day index, first hour, length in hours, share of purchases lost */
  incident?: { day: number; hour: number; hours: number; loss: number };
}

function hourlySeries(g: Gen = {}): HourCounts[] {
  const days = g.days ?? 56;
  const rnd = mulberry32(g.seed ?? 7);
  const { poisson } = quickSamplers(rnd);
  const out: HourCounts[] = [];
  for (let d = 0; d < days; d++) {
    const date = addDays('2025-01-06', d); // a Monday
    const wd = d % 7;
    const dayLevel = (wd >= 5 ? 0.8 : 1) * (1 + 0.04 * (rnd() - 0.5));
    for (let h = 0; h < 24; h++) {
      const views = poisson((g.viewsPerHour ?? 800) * TRAFFIC[h] * dayLevel);
      let p = (g.conv ?? 0.012) * CONV[h] * (wd >= 5 ? 1.1 : 1);
      const inc = g.incident;
      if (inc) {
        const s = inc.day * 24 + inc.hour;
        const t = d * 24 + h;
        if (t >= s && t < s + inc.hours) p *= 1 - inc.loss;
      }
      const purchases = poisson(views * p);
      out.push({ date, hour: h, views, carts: purchases * 3, purchases, revenue: purchases * 20 });
    }
  }
  return out;
}

const robust = settingsFor('robust');

describe('hourly detector (robust)', () => {
  it('hour-of-day seasonality does not cause false alerts on healthy hours', () => {
    for (const seed of [1, 2, 3, 4]) {
      const res = detectHourly(hourlySeries({ seed }), robust, { device: 'mobile' });
      expect(res).toHaveLength(56 * 24);
      const judged = res.filter((r) => r.status !== 'INSUFFICIENT_DATA' && r.status !== 'NO_DATA');
      expect(judged.length).toBeGreaterThan(40 * 24);
      expect(res.filter((r) => r.status === 'CRITICAL')).toEqual([]);
      // a 3σ single-hour rule: at most a handful of the ~1,000 judged hours
      expect(res.filter((r) => r.status === 'ANOMALY').length).toBeLessThanOrEqual(5);
      // the expected rate follows the hour of day: night baseline well below the evening's
      const night = judged.filter((r) => r.hour === 3).map((r) => r.baseline!);
      const evening = judged.filter((r) => r.hour === 19).map((r) => r.baseline!);
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(avg(evening) / avg(night)).toBeGreaterThan(2);
    }
  });

  it('catches a planted hourly incident within a few hours, with hour precision', () => {
    const incident = { day: 45, hour: 10, hours: 12, loss: 0.7 };
    const res = detectHourly(hourlySeries({ seed: 11, incident }), robust);
    const start = toSlot(addDays('2025-01-06', 45), 10);
    const crit = res.filter((r) => r.status === 'CRITICAL');
    expect(crit.length).toBeGreaterThan(0);
    const first = crit[0];
    expect(first.date).toBe(addDays('2025-01-06', 45));
    const delay = toSlot(first.date, first.hour!) - start;
    expect(delay).toBeGreaterThanOrEqual(2); // streak 3: three consecutive hours at least
    expect(delay).toBeLessThanOrEqual(8);
    expect(first.direction).toBe('drop');
    expect(first.streak.length).toBeGreaterThanOrEqual(3);
    expect(toSlot(first.streak.start!, first.streak.startHour!)).toBeGreaterThanOrEqual(start - 1);
    // every CRITICAL hour lies inside the incident (or the hour right after it)
    for (const r of crit) {
      const t = toSlot(r.date, r.hour!);
      expect(t).toBeGreaterThanOrEqual(start);
      expect(t).toBeLessThanOrEqual(start + incident.hours);
    }
    // result shape as the daily detector's
    expect(first.baseline).toBeGreaterThan(first.rate!);
    expect(first.deviationSigma).toBeLessThan(0);
    expect(first.baselineDays.length).toBeGreaterThan(0);
    expect(first.alertLevel).toBe('HIGH');
  });

  it('a short dip (2 hours) is not CRITICAL with streak 3; spikes only when asked for', () => {
    const dip = detectHourly(
      hourlySeries({ seed: 5, incident: { day: 40, hour: 12, hours: 2, loss: 0.9 } }),
      robust,
    );
    expect(dip.filter((r) => r.status === 'CRITICAL')).toEqual([]);
    const spikeSeries = hourlySeries({ seed: 6, incident: { day: 40, hour: 12, hours: 8, loss: -2 } });
    expect(detectHourly(spikeSeries, robust).filter((r) => r.status === 'CRITICAL')).toEqual([]);
    const both = detectHourly(spikeSeries, { ...robust, directions: ['drop', 'spike'] });
    const crit = both.filter((r) => r.status === 'CRITICAL');
    expect(crit.length).toBeGreaterThan(0);
    expect(crit.every((r) => r.direction === 'spike' && r.date === addDays('2025-01-06', 40))).toBe(true);
  });

  it('is causal: appending future hours never changes past verdicts', () => {
    const full = hourlySeries({ seed: 21, incident: { day: 50, hour: 6, hours: 30, loss: 0.6 } });
    const cut = 47 * 24 + 13; // a cut inside a day
    const a = detectHourly(
      full.slice(0, cut),
      robust,
      {},
      { from: '2025-01-06', to: addDays('2025-01-06', 46) },
    );
    const b = detectHourly(full, robust, {}, { from: '2025-01-06', to: addDays('2025-01-06', 46) });
    expect(a).toEqual(b);
    const prefix = detectHourly(full.slice(0, cut), robust);
    const whole = detectHourly(full, robust).slice(0, cut);
    expect(prefix).toEqual(whole);
    // and for the seed profile
    const seed = settingsFor('seed');
    expect(detectHourly(full.slice(0, cut), seed)).toEqual(detectHourly(full, seed).slice(0, cut));
  });

  it('low traffic gate: tiny hours get INSUFFICIENT_DATA, 0 purchases on little traffic is no alert', () => {
    const tiny = hourlySeries({ seed: 3, viewsPerHour: 6, conv: 0.01 });
    const res = detectHourly(tiny, robust);
    expect(res.filter((r) => r.status === 'ANOMALY' || r.status === 'CRITICAL')).toEqual([]);
    const gated = res.filter((r) => r.views > 0 && r.views < 10);
    expect(gated.length).toBeGreaterThan(100);
    expect(gated.every((r) => r.status === 'INSUFFICIENT_DATA')).toBe(true);
    // a segment with some traffic that loses every purchase for a few hours: no single hour is an anomaly
    // when its expected purchases are far below what 3σ would need
    const small = hourlySeries({
      seed: 4,
      viewsPerHour: 60,
      conv: 0.01,
      incident: { day: 40, hour: 9, hours: 3, loss: 1 },
    });
    const r2 = detectHourly(small, robust).filter(
      (r) => r.date === addDays('2025-01-06', 40) && r.hour! >= 9 && r.hour! < 12,
    );
    expect(r2.every((r) => r.purchases === 0 && r.status !== 'ANOMALY' && r.status !== 'CRITICAL')).toBe(
      true,
    );
    // minViewsPerHour is honoured
    const strict = detectHourly(hourlySeries({ seed: 3 }), robust, {}, undefined, {
      minViewsPerHour: 100000,
    });
    expect(strict.every((r) => r.status === 'INSUFFICIENT_DATA' || r.status === 'NO_DATA')).toBe(true);
  });

  it('history: nothing is judged before a week of the same hour; gaps are NO_DATA', () => {
    const s = hourlySeries({ seed: 9, days: 20 }).filter(
      (r) => !(r.date === addDays('2025-01-06', 15) && r.hour === 4),
    );
    const res = detectHourly(s, robust);
    expect(
      res.slice(0, 7 * 24).every((r) => r.status === 'INSUFFICIENT_DATA' || r.status === 'NO_DATA'),
    ).toBe(true);
    const gap = res.find((r) => r.date === addDays('2025-01-06', 15) && r.hour === 4)!;
    expect(gap.status).toBe('NO_DATA');
    expect(gap.views).toBe(0);
    expect(res.filter((r) => r.status === 'OK').length).toBeGreaterThan(12 * 24 - 30);
  });

  it('hourlyVerdicts on arrays agrees with detectHourly', () => {
    const s = hourlySeries({ seed: 2, days: 30 });
    const views = s.map((r) => r.views);
    const purchases = s.map((r) => r.purchases);
    const v = hourlyVerdicts(toSlot(s[0].date, 0), views, purchases, views.length, robust, {
      baselineDays: false,
    });
    const res = detectHourly(s, robust);
    res.forEach((r, i) => {
      expect(['NO_DATA', 'INSUFFICIENT_DATA', 'OK', 'ANOMALY', 'CRITICAL'][v.status[i]]).toBe(r.status);
      if (r.deviationSigma !== null) expect(v.dev[i]).toBeCloseTo(r.deviationSigma, 12);
    });
  });
});

describe('hourly detector (seed)', () => {
  it('same weekday-hour median rule: CRITICAL after streak consecutive anomalous hours', () => {
    const seed = settingsFor('seed');
    const res = detectHourly(
      hourlySeries({ seed: 13, viewsPerHour: 3000, incident: { day: 45, hour: 10, hours: 6, loss: 0.9 } }),
      seed,
    );
    const day = addDays('2025-01-06', 45);
    const crit = res.filter((r) => r.status === 'CRITICAL' && r.date === day);
    expect(crit.length).toBeGreaterThan(0);
    expect(crit[0].hour).toBe(12);
    expect(crit[0].streak).toEqual({ start: day, startHour: 10, length: 3 });
    expect(crit[0].baselineDays).toHaveLength(4);
    // under 4 weeks of history: INSUFFICIENT_DATA
    expect(
      res.slice(0, 28 * 24).every((r) => r.status === 'INSUFFICIENT_DATA' || r.status === 'NO_DATA'),
    ).toBe(true);
  });
});
