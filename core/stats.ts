/**
 * Robust statistics and small numeric helpers used by the detector (and usable by explain/scan).
 * Pure TypeScript, no imports from Node/DOM. All functions are allocation-light: the ones taking a
 * `scratch` buffer never allocate.
 */

/** Consistency constant that makes 1.4826·MAD estimate σ for normally distributed data (1 / Φ⁻¹(3/4)). */
export const MAD_TO_SIGMA = 1.4826;

/**
 * Median of the first `n` values of `values` (default: all). NaN for an empty input.
 * `scratch` (length ≥ n) is used for the partial sort so nothing is allocated; `values` is not modified.
 */
export function median(values: ArrayLike<number>, n: number = values.length, scratch?: Float64Array): number {
  if (n <= 0) return NaN;
  const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  for (let i = 0; i < n; i++) buf[i] = values[i];
  return medianInPlace(buf, n);
}

/** Median of buf[0..n), reordering buf. Insertion sort for small n (the detector's usual 2–60 points). */
export function medianInPlace(buf: Float64Array, n: number): number {
  if (n <= 0) return NaN;
  if (n <= 64) {
    for (let i = 1; i < n; i++) {
      const v = buf[i];
      let j = i - 1;
      while (j >= 0 && buf[j] > v) {
        buf[j + 1] = buf[j];
        j--;
      }
      buf[j + 1] = v;
    }
  } else {
    buf.subarray(0, n).sort();
  }
  const h = n >> 1;
  return n % 2 === 1 ? buf[h] : (buf[h - 1] + buf[h]) / 2;
}

/** Median absolute deviation around `center` (default: the median). Raw MAD, not scaled to σ. */
export function mad(
  values: ArrayLike<number>,
  center?: number,
  n: number = values.length,
  scratch?: Float64Array,
): number {
  if (n <= 0) return NaN;
  const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  const c = center ?? median(values, n, buf);
  for (let i = 0; i < n; i++) buf[i] = Math.abs(values[i] - c);
  return medianInPlace(buf, n);
}

/** σ estimated robustly as 1.4826·MAD. */
export function robustSigma(
  values: ArrayLike<number>,
  n: number = values.length,
  scratch?: Float64Array,
): number {
  return MAD_TO_SIGMA * mad(values, undefined, n, scratch);
}

/** Median and σ = 1.4826·MAD in one pass over a scratch buffer. */
export function medianAndSigma(
  values: ArrayLike<number>,
  n: number = values.length,
  scratch?: Float64Array,
): { median: number; sigma: number } {
  if (n <= 0) return { median: NaN, sigma: NaN };
  const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  const m = median(values, n, buf);
  for (let i = 0; i < n; i++) buf[i] = Math.abs(values[i] - m);
  return { median: m, sigma: MAD_TO_SIGMA * medianInPlace(buf, n) };
}

/** Arithmetic mean; NaN when empty. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Sample standard deviation (n − 1); NaN under 2 values. */
export function stdev(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/**
 * Variance of an observed rate k/n when the true daily rate p varies from day to day with relative
 * dispersion φ (Var[p_day] = (φ·p)²) and purchases are binomial given the day's rate:
 * Var[k/n] = (φ·p)² + p(1 − p)/n  (law of total variance; the beta-binomial variance has this shape,
 * Var[k/n] = p(1−p)/n · (1 + (n−1)ρ), with the between-day part written as (φ·p)²).
 */
export function rateVariance(p: number, n: number, phi: number): number {
  if (!(n > 0)) return NaN;
  const q = Math.min(Math.max(p, 0), 1);
  return (phi * q) ** 2 + (q * (1 - q)) / n;
}

/** Standard normal CDF (Abramowitz & Stegun 26.2.17 via erf approximation, |error| < 7.5e-8). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const p =
    d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z > 0 ? 1 - p : p;
}

// ------------------------------------------------------------------ dates as integer UTC day numbers

const MS_PER_DAY = 86_400_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * 'YYYY-MM-DD' → days since 1970-01-01 (UTC). Throws on a malformed or impossible date.
 * Integer arithmetic (days-from-civil, H. Hinnant, http://howardhinnant.github.io/date_algorithms.html),
 * no Date objects: the detector converts every row's date.
 */
export function dayNumber(date: string): number {
  if (typeof date !== 'string' || date.length !== 10 || date[4] !== '-' || date[7] !== '-') {
    throw new Error(`bad date '${String(date)}' (want YYYY-MM-DD)`);
  }
  const y = digits(date, 0, 4);
  const m = digits(date, 5, 7);
  const d = digits(date, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) throw new Error(`bad date '${date}' (want YYYY-MM-DD)`);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1])) throw new Error(`bad date '${date}' (no such day)`);
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DATE_CACHE = new Map<number, string>();

/** Days since 1970-01-01 → 'YYYY-MM-DD'. */
export function dayString(day: number): string {
  let s = DATE_CACHE.get(day);
  if (s === undefined) {
    s = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (DATE_CACHE.size < 100_000) DATE_CACHE.set(day, s);
  }
  return s;
}

/** 0 = Monday … 6 = Sunday (the reference CSV's weekday_mon0). */
export function weekdayMon0(day: number): number {
  // 1970-01-01 was a Thursday (3 in Monday-0 numbering).
  return (((day + 3) % 7) + 7) % 7;
}
