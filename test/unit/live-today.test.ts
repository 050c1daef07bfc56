/**
 * core/live.ts: today so far against the same weekdays up to the same time of day, per segment, with the
 * hour-grain detector's running status.
 */
import { describe, expect, it } from 'vitest';
import { compareToBaseline, liveNowOf, liveToday, upToSameTime, type LiveHourRow } from '../../core/live.js';
import { DEFAULT_SETTINGS } from '../../core/detector.js';

const DEVICES = ['desktop', 'mobile'];
const OSES = ['ios', 'android', 'windows'];
const BROWSERS = ['safari', 'chrome'];

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * `days` days of hourly rows ending with `today` (included up to hour `lastHour`): 100 views per hour and
 * combination, 10 carts, 4 purchases (4 %), and after hour 15 of earlier days 20 purchases (a late rush that
 * the same-time-of-day baseline must not see). `broken(date, hour, dims)` → purchases override.
 */
function world(
  today: string,
  days: number,
  lastHour: number,
  broken?: (date: string, hour: number, dims: Record<string, string>) => number | null,
): LiveHourRow[] {
  const rows: LiveHourRow[] = [];
  for (let k = days - 1; k >= 0; k--) {
    const date = addDays(today, -k);
    for (let hour = 0; hour < 24; hour++) {
      if (k === 0 && hour > lastHour) break;
      for (const device of DEVICES)
        for (const os of OSES)
          for (const browser of BROWSERS) {
            const dims = { device, os, browser };
            const p = broken?.(date, hour, dims) ?? (k > 0 && hour >= 16 ? 20 : 4);
            rows.push({ date, hour, dims, views: 100, carts: 10, purchases: p });
          }
    }
  }
  return rows;
}

describe('upToSameTime', () => {
  it('counts the hours before now in full and the passed share of the current hour', () => {
    const byHour = Array.from({ length: 24 }, (_, h) => ({ views: 10 * (h + 1), carts: h, purchases: 1 }));
    const c = upToSameTime(byHour, { hour: 3, minute: 30 });
    expect(c.views).toBe(10 + 20 + 30 + 0.5 * 40);
    expect(c.carts).toBe(0 + 1 + 2 + 0.5 * 3);
    expect(c.purchases).toBe(3.5);
    expect(upToSameTime([], { hour: 5, minute: 0 })).toEqual({ views: 0, carts: 0, purchases: 0 });
    expect(upToSameTime(byHour, { hour: 0, minute: 0 }).views).toBe(0);
  });
});

describe('compareToBaseline', () => {
  it('uses the larger of the baseline spread and today’s sampling σ', () => {
    const days = [0.05, 0.05, 0.05, 0.05].map((rate, i) => ({
      date: `2015-08-0${i + 1}`,
      views: 1000,
      carts: 100,
      purchases: rate * 1000,
      rate,
    }));
    // identical baseline days: the spread is 0, so σ is the binomial σ of today's 400 views
    const r = compareToBaseline({ views: 400, carts: 40, purchases: 8 }, days);
    expect(r.baselineRate).toBeCloseTo(0.05, 12);
    expect(r.sigma).toBeCloseTo(Math.sqrt((0.05 * 0.95) / 400), 12);
    expect(r.deviationSigma).toBeCloseTo((0.02 - 0.05) / Math.sqrt((0.05 * 0.95) / 400), 9);
    expect(compareToBaseline({ views: 400, carts: 0, purchases: 0 }, days.slice(0, 1)).sigma).toBeNull();
  });
});

describe('liveToday', () => {
  const settings = { ...DEFAULT_SETTINGS.robust, weeks: 4 };
  const today = '2015-09-15'; // a Tuesday
  const now = liveNowOf(`${today}T14:30:00Z`);

  it('compares today with the same weekdays up to the same time of day', () => {
    const res = liveToday(world(today, 63, 14), { dimensions: ['device', 'os', 'browser'], settings, now })!;
    expect(res.now).toEqual({ date: today, hour: 14, minute: 30 });
    expect(res.weekday).toBe('Tuesday');
    expect(res.baselineDates).toEqual(['2015-09-08', '2015-09-01', '2015-08-25', '2015-08-18']);
    const all = res.segments[0];
    expect(all.level).toBe(0);
    // 12 combinations × 100 views × 15 hours so far today; the baseline days up to 14:30 = 14.5 hours
    expect(all.today.views).toBe(12 * 100 * 15);
    expect(all.baseline.views).toBeCloseTo(12 * 100 * 14.5, 9);
    expect(all.baselineDays).toHaveLength(4);
    // the late rush (hours 16+) of the baseline days is not compared with a day that has not got there yet
    expect(all.baselineRate).toBeCloseTo(0.04, 12);
    expect(all.rate).toBeCloseTo(0.04, 12);
    expect(Math.abs(all.deviationSigma!)).toBeLessThan(1e-9);
    expect(all.detector.status).toBe('OK');
    expect(all.detector.hour).toBe(14);
    // singles: every value of every dimension; no combination is flagged in a healthy world
    expect(res.segments.filter((s) => s.level === 1).map((s) => Object.values(s.segment)[0])).toEqual([
      'desktop',
      'mobile',
      'ios',
      'android',
      'windows',
      'safari',
      'chrome',
    ]);
    expect(res.segments.some((s) => s.level >= 2)).toBe(false);
    expect(res.checked).toBe(1 + 7 + (2 * 3 + 2 * 2 + 3 * 2) + 12);
    expect(res.hours).toHaveLength(15);
    expect(res.hours[3]).toEqual({
      hour: 3,
      views: 1200,
      purchases: 48,
      baselineViews: 1200,
      baselineRate: 0.04,
    });
  });

  it('flags the broken combination (iOS Safari checkout fails from 09:00 today) and the detector sees it', () => {
    const rows = world(today, 63, 14, (date, hour, d) =>
      date === today && hour >= 9 && d.os === 'ios' && d.browser === 'safari' ? 0 : null,
    );
    const res = liveToday(rows, { dimensions: ['device', 'os', 'browser'], settings, now })!;
    const combos = res.segments.filter((s) => s.level >= 2);
    const pair = combos.find(
      (s) => JSON.stringify(s.segment) === JSON.stringify({ os: 'ios', browser: 'safari' }),
    );
    expect(pair).toBeDefined();
    // identical baseline days: σ is today's sampling σ at the baseline rate (3,000 views so far)
    expect(pair!.deviationSigma!).toBeCloseTo((0.024 - 0.04) / Math.sqrt((0.04 * 0.96) / 3000), 9);
    expect(['ANOMALY', 'CRITICAL']).toContain(pair!.detector.status);
    expect(pair!.detector.worst).toBe('CRITICAL');
    expect(pair!.detector.streakStart).toEqual({ date: today, hour: 9 });
    // today's conversion: 9 healthy hours of 8 purchases out of 15 hours of 200 views
    expect(pair!.rate).toBeCloseTo((9 * 8) / (15 * 200), 12);
    // the flagged list is worst first and holds only broken combinations
    for (const c of combos) expect(c.segment.os === 'ios' && c.segment.browser === 'safari').toBe(true);
    // a healthy single value stays OK
    const android = res.segments.find((s) => s.level === 1 && s.segment.os === 'android')!;
    expect(android.detector.status).toBe('OK');
  });

  it('takes "now" from the latest hour with events when not given, and needs rows', () => {
    const res = liveToday(world(today, 15, 10), { dimensions: ['device'], settings })!;
    expect(res.now).toEqual({ date: today, hour: 10, minute: 60 });
    expect(res.segments[0].baselineDays.map((d) => d.date)).toEqual(['2015-09-08', '2015-09-01']);
    expect(liveToday([], { dimensions: ['device'], settings })).toBeNull();
  });
});
