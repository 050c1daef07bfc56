import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAD_TO_SIGMA,
  dayNumber,
  dayString,
  mad,
  mean,
  median,
  medianAndSigma,
  normalCdf,
  rateVariance,
  robustSigma,
  stdev,
  weekdayMon0,
} from '../../core/stats.js';

// values on a grid of 1/64 keep sums and scalings exact in binary floating point
const val = fc.integer({ min: -100_000, max: 100_000 }).map((i) => i / 64);
const arr = fc.array(val, { minLength: 1, maxLength: 80 });
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe('median / MAD / robust σ', () => {
  it('known values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(mad([1, 2, 3, 4, 100])).toBe(1);
    expect(robustSigma([1, 2, 3, 4, 100])).toBeCloseTo(MAD_TO_SIGMA, 12);
    expect(mean([1, 2, 3])).toBe(2);
    expect(stdev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
  });

  it('median is permutation invariant and does not modify its input', () => {
    fc.assert(
      fc.property(arr, fc.integer(), (xs, seed) => {
        const copy = [...xs];
        const shuffled = [...xs].sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
        expect(median(shuffled)).toBe(median(xs));
        expect(xs).toEqual(copy);
      }),
    );
  });

  it('median lies between min and max and splits the data in halves', () => {
    fc.assert(
      fc.property(arr, (xs) => {
        const m = median(xs);
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(m).toBeLessThanOrEqual(Math.max(...xs));
        expect(xs.filter((x) => x < m).length).toBeLessThanOrEqual(xs.length / 2);
        expect(xs.filter((x) => x > m).length).toBeLessThanOrEqual(xs.length / 2);
      }),
    );
  });

  it('median is translation and scale equivariant; MAD and σ are translation invariant and |a|-scale equivariant', () => {
    fc.assert(
      fc.property(
        arr,
        val,
        fc.integer({ min: -8, max: 8 }).filter((a) => a !== 0),
        (xs, c, a) => {
          expect(close(median(xs.map((x) => x + c)), median(xs) + c)).toBe(true);
          expect(close(median(xs.map((x) => a * x)), a * median(xs))).toBe(true);
          expect(close(mad(xs.map((x) => x + c)), mad(xs))).toBe(true);
          expect(close(mad(xs.map((x) => a * x)), Math.abs(a) * mad(xs))).toBe(true);
          expect(close(robustSigma(xs.map((x) => a * x + c)), Math.abs(a) * robustSigma(xs))).toBe(true);
        },
      ),
    );
  });

  it('MAD is 0 for constant data, ≥ 0 always, and robust: one wild value moves it little', () => {
    fc.assert(
      fc.property(val, fc.integer({ min: 1, max: 30 }), (c, n) => {
        expect(mad(Array(n).fill(c))).toBe(0);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(val, { minLength: 5, maxLength: 60 }),
        fc.double({ min: 1e6, max: 1e9, noNaN: true }),
        (xs, wild) => {
          expect(mad(xs)).toBeGreaterThanOrEqual(0);
          const sorted = [...xs].sort((a, b) => a - b);
          const withWild = [...xs.slice(1), wild];
          // replacing one value can move the median by at most one order statistic
          const m = median(withWild);
          expect(m).toBeGreaterThanOrEqual(sorted[0]);
          expect(m).toBeLessThan(wild);
        },
      ),
    );
  });

  it('medianAndSigma agrees with median and robustSigma, with or without a scratch buffer', () => {
    fc.assert(
      fc.property(arr, (xs) => {
        const scratch = new Float64Array(100);
        const r = medianAndSigma(xs, xs.length, scratch);
        expect(r.median).toBe(median(xs));
        expect(close(r.sigma, robustSigma(xs))).toBe(true);
        expect(median(xs, xs.length, scratch)).toBe(median(xs));
      }),
    );
  });

  it('1.4826·MAD estimates σ of normal data', () => {
    // deterministic normal sample by inverse-CDF on a fine grid (no randomness)
    const xs: number[] = [];
    for (let i = 1; i < 4000; i++) {
      const p = i / 4000;
      let lo = -10;
      let hi = 10;
      for (let k = 0; k < 60; k++) {
        const mid = (lo + hi) / 2;
        if (normalCdf(mid) < p) lo = mid;
        else hi = mid;
      }
      xs.push(5 + 3 * lo);
    }
    expect(robustSigma(xs)).toBeCloseTo(3, 2);
    expect(median(xs)).toBeCloseTo(5, 6);
  });
});

describe('rate variance and normal CDF', () => {
  it('binomial part shrinks with views; overdispersion part does not', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (p, n, phi) => {
          const v1 = rateVariance(p, n, phi);
          const v2 = rateVariance(p, n * 2, phi);
          expect(v2).toBeLessThanOrEqual(v1);
          expect(v2).toBeGreaterThanOrEqual((phi * p) ** 2 * (1 - 1e-12));
          expect(close(rateVariance(p, n, 0), (p * (1 - p)) / n)).toBe(true);
        },
      ),
    );
    expect(rateVariance(0.1, 0, 0.1)).toBeNaN();
  });

  it('normalCdf is monotone, symmetric and matches known quantiles', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    fc.assert(
      fc.property(
        fc.double({ min: -8, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 4, noNaN: true }),
        (z, d) => {
          expect(normalCdf(z + d)).toBeGreaterThanOrEqual(normalCdf(z) - 1e-12);
          expect(Math.abs(normalCdf(z) + normalCdf(-z) - 1)).toBeLessThan(1e-7);
        },
      ),
    );
  });
});

describe('UTC day numbers', () => {
  it('round-trips every date and agrees with Date for the weekday', () => {
    fc.assert(
      fc.property(fc.integer({ min: -30_000, max: 60_000 }), (d) => {
        const s = dayString(d);
        expect(s).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(dayNumber(s)).toBe(d);
        const jsDay = new Date(`${s}T00:00:00Z`).getUTCDay(); // 0 = Sunday
        expect(weekdayMon0(d)).toBe((jsDay + 6) % 7);
      }),
    );
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('2015-09-04')).toBe(16682);
    expect(weekdayMon0(dayNumber('2015-09-04'))).toBe(4); // a Friday, as in the reference CSV
  });

  it('rejects malformed and impossible dates with a clear message', () => {
    expect(() => dayNumber('2015-9-4')).toThrow(/YYYY-MM-DD/);
    expect(() => dayNumber('2015-02-30')).toThrow(/no such day/);
    expect(() => dayNumber('2015-13-01')).toThrow(/YYYY-MM-DD/);
  });
});
