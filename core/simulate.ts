/**
 * Seeded synthetic daily segment series with injected incidents, for the detector bench and tests.
 *
 * Model of one leaf segment (e.g. mobile/ios/safari) on day d:
 *   views_d      = round(V · viewsWeekday[wd] · exp(N(0, viewsNoise)))
 *   rate_d       = p · convWeekday[wd] · exp(drift_d) · exp(N(0, φ) − φ²/2) · exp(s_d) · (dip ? dipFactor : 1)
 *   s_d          = N(0, sharedPhi) − sharedPhi²/2, the same for every leaf on day d (site-wide variation)
 *   buyers_d     ~ Poisson(views_d · rate_d / basketMean)        (Poisson ≈ binomial at these rates)
 *   purchases_d  = Σ basket sizes, basket = 1 + Poisson(basketExtra)   (purchase events cluster in baskets)
 *   incident     : each purchase event of the segment is lost with probability `loss` (binomial thinning)
 * drift_d is a slow AR(1) on the log level. So the rate carries weekly seasonality, a wandering level,
 * between-day overdispersion (φ), clustering of purchase events (dispersion index 1 + E[extra]²… > 1), rare
 * single-day natural dips, and optional gaps (days with no rows at all).
 *
 * Pure TypeScript, deterministic for a given seed.
 */
import type { DayCounts, Segment } from './types.js';
import { dayNumber, dayString, weekdayMon0 } from './stats.js';

/** mulberry32: small, fast, well-distributed 32-bit PRNG (public domain, Tommy Ettinger). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Quick samplers on a uniform source for the test and bench generators: `gauss` (Box–Muller, one value per call)
 * and `poisson`, exact (Knuth's product method) up to a mean of 40 and a rounded normal approximation above.
 * `simulate` itself uses {@link makeRng}'s exact sampler.
 */
export function quickSamplers(rnd: () => number): {
  gauss: () => number;
  poisson: (lambda: number) => number;
} {
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const poisson = (lambda: number): number => {
    if (lambda <= 0) return 0;
    if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss()));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= rnd();
    } while (p > l);
    return k - 1;
  };
  return { gauss, poisson };
}

export interface Rng {
  uniform(): number;
  normal(): number;
  poisson(lambda: number): number;
  binomial(n: number, p: number): number;
}

export function makeRng(seed: number): Rng {
  const u = mulberry32(seed);
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let x: number;
    let y: number;
    let r: number;
    do {
      x = 2 * u() - 1;
      y = 2 * u() - 1;
      r = x * x + y * y;
    } while (r >= 1 || r === 0);
    const f = Math.sqrt((-2 * Math.log(r)) / r);
    spare = y * f;
    return x * f;
  };
  // exact Poisson by inversion, split into chunks of mean ≤ 30 so exp(−λ) never underflows
  const poissonSmall = (lambda: number): number => {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = u();
    while (p > l) {
      k++;
      p *= u();
    }
    return k;
  };
  const poisson = (lambda: number): number => {
    if (!(lambda > 0)) return 0;
    let k = 0;
    let rest = lambda;
    while (rest > 30) {
      k += poissonSmall(30);
      rest -= 30;
    }
    return k + poissonSmall(rest);
  };
  const binomial = (n: number, p: number): number => {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (n <= 2000) {
      let k = 0;
      for (let i = 0; i < n; i++) if (u() < p) k++;
      return k;
    }
    // large n: normal approximation with continuity, clamped
    const m = n * p;
    const sd = Math.sqrt(m * (1 - p));
    return Math.min(n, Math.max(0, Math.round(m + sd * normal())));
  };
  return { uniform: u, normal, poisson, binomial };
}

export interface SimLeaf {
  segment: Segment;
  /** mean views per day */
  views: number;
  /** mean conversion purchases / views */
  conversion: number;
}

export interface SimIncident {
  segment: Segment;
  /** first day of the incident, 'YYYY-MM-DD' */
  start: string;
  /** length in days */
  days: number;
  /** relative conversion loss, 0–1 (0.6 = 60 % of purchases lost) */
  loss: number;
}

export interface SimOptions {
  seed: number;
  /** first day, 'YYYY-MM-DD' */
  start: string;
  days: number;
  leaves: SimLeaf[];
  dimensions: string[];
  incidents?: SimIncident[];
  /** between-day relative sd of the conversion rate (log scale), drawn independently per leaf */
  phi?: number;
  /**
   * between-day relative sd (log scale) of a factor shared by all leaves on a day (site-wide causes: campaigns,
   * weather, payday), on top of `phi`; default 0. Real shops have it: on Retail Rocket the all-traffic series
   * carries nearly as much between-day variation as its big segments (ARCHITECTURE.md § Detector).
   */
  sharedPhi?: number;
  /** daily sd of the AR(1) log-level innovation, and its persistence */
  driftSd?: number;
  driftPersistence?: number;
  /** mean extra purchase events per buyer (basket = 1 + Poisson(extra)) */
  basketExtra?: number;
  /** log-normal sd of daily views around the weekday mean */
  viewsNoise?: number;
  /** multipliers by weekday, Monday first */
  viewsWeekday?: number[];
  convWeekday?: number[];
  /** probability per leaf-day of a one-day natural dip, and the dip's rate factor */
  dipProbability?: number;
  dipFactor?: number;
  /** day offsets [from, to) (relative to start) with no rows at all, e.g. a collection outage */
  gaps?: [number, number][];
}

export interface SimSeries {
  segment: Segment;
  series: DayCounts[];
  /**
   * What an oracle knows about a leaf (aligned with `series`): the expected conversion of each day before any
   * incident, given the day's weekday and drift (E over the day's φ noise and dips), the dispersion index of
   * purchase events given the day's rate (baskets) and the between-day relative variance of the rate.
   * Absent on aggregated series.
   */
  truth?: { expectedRate: number[]; dispersionIndex: number; rateRelVar: number };
}

export interface SimWorld {
  dimensions: string[];
  leaves: SimSeries[];
  incidents: SimIncident[];
}

/** Retail-Rocket-like weekly shapes (weekend: fewer views, lower conversion). */
export const DEFAULT_VIEWS_WEEKDAY = [1.05, 1.1, 1.1, 1.05, 1.0, 0.8, 0.9];
export const DEFAULT_CONV_WEEKDAY = [1.05, 1.07, 1.12, 1.08, 0.93, 0.8, 0.85];

export function segmentContains(outer: Segment, inner: Segment): boolean {
  for (const [k, v] of Object.entries(outer)) if (inner[k] !== v) return false;
  return true;
}

export function simulate(o: SimOptions): SimWorld {
  const rng = makeRng(o.seed);
  // incidents draw from their own stream, so a world with an incident is the same world without it elsewhere
  const incRng = makeRng((o.seed ^ 0x9e3779b9) >>> 0);
  const phi = o.phi ?? 0.08;
  const sharedPhi = o.sharedPhi ?? 0;
  // the shared day factor has its own stream too (and is not drawn at all when 0, keeping older worlds)
  const shared = new Float64Array(o.days);
  if (sharedPhi > 0) {
    const dayRng = makeRng((o.seed ^ 0x85ebca6b) >>> 0);
    for (let t = 0; t < o.days; t++) shared[t] = sharedPhi * dayRng.normal() - (sharedPhi * sharedPhi) / 2;
  }
  const driftSd = o.driftSd ?? 0.015;
  const rho = o.driftPersistence ?? 0.95;
  const extra = o.basketExtra ?? 0.3;
  const vNoise = o.viewsNoise ?? 0.08;
  const vW = o.viewsWeekday ?? DEFAULT_VIEWS_WEEKDAY;
  const cW = o.convWeekday ?? DEFAULT_CONV_WEEKDAY;
  const dipP = o.dipProbability ?? 1 / 60;
  const dipF = o.dipFactor ?? 0.7;
  const incidents = o.incidents ?? [];
  const day0 = dayNumber(o.start);
  const inGap = (t: number): boolean => (o.gaps ?? []).some(([a, b]) => t >= a && t < b);
  const incDays = incidents.map((inc) => ({ ...inc, from: dayNumber(inc.start) - day0 }));
  const dispersionIndex = (extra + (1 + extra) ** 2) / (1 + extra);
  const dipMean = 1 - dipP * (1 - dipF);
  const rateRelVar =
    (Math.exp(phi * phi + sharedPhi * sharedPhi) * (1 - dipP + dipP * dipF * dipF)) / (dipMean * dipMean) - 1; // Var/mean² of φ-noise × dips
  const leaves: SimSeries[] = o.leaves.map((leaf) => {
    const series: DayCounts[] = [];
    const expectedRate: number[] = [];
    let drift = rng.normal() * (driftSd / Math.sqrt(1 - rho * rho));
    const aov = 20 + 60 * rng.uniform();
    for (let t = 0; t < o.days; t++) {
      drift = rho * drift + driftSd * rng.normal();
      const wd = weekdayMon0(day0 + t);
      const views = Math.max(0, Math.round(leaf.views * vW[wd] * Math.exp(vNoise * rng.normal())));
      let rate =
        leaf.conversion * cW[wd] * Math.exp(drift + phi * rng.normal() - (phi * phi) / 2 + shared[t]);
      if (rng.uniform() < dipP) rate *= dipF;
      const buyers = rng.poisson((views * rate) / (1 + extra));
      let purchases = 0;
      for (let b = 0; b < buyers; b++) purchases += 1 + rng.poisson(extra);
      for (const inc of incDays) {
        if (t >= inc.from && t < inc.from + inc.days && segmentContains(inc.segment, leaf.segment)) {
          purchases = incRng.binomial(purchases, 1 - inc.loss);
        }
      }
      const carts = purchases + rng.poisson(views * rate * 2);
      if (inGap(t)) continue;
      series.push({
        date: dayString(day0 + t),
        views,
        carts,
        purchases,
        revenue: Math.round(purchases * aov * 100) / 100,
      });
      expectedRate.push(leaf.conversion * cW[wd] * Math.exp(drift) * dipMean);
    }
    return { segment: leaf.segment, series, truth: { expectedRate, dispersionIndex, rateRelVar } };
  });
  return { dimensions: o.dimensions, leaves, incidents };
}

/**
 * Every segment at every level: all traffic ({}), each single dimension value, and every combination of
 * 2 … k dimensions present in the leaves, with the summed daily series.
 */
export function aggregateAllLevels(world: SimWorld): SimSeries[] {
  const dims = world.dimensions;
  const k = dims.length;
  const out = new Map<string, { segment: Segment; byDate: Map<string, DayCounts> }>();
  for (const leaf of world.leaves) {
    for (let mask = 0; mask < 1 << k; mask++) {
      const seg: Segment = {};
      for (let i = 0; i < k; i++) if (mask & (1 << i)) seg[dims[i]] = leaf.segment[dims[i]];
      const key = JSON.stringify(seg);
      let agg = out.get(key);
      if (!agg) out.set(key, (agg = { segment: seg, byDate: new Map() }));
      for (const r of leaf.series) {
        const a = agg.byDate.get(r.date);
        if (a) {
          a.views += r.views;
          a.carts += r.carts;
          a.purchases += r.purchases;
          a.revenue += r.revenue;
        } else
          agg.byDate.set(r.date, {
            date: r.date,
            views: r.views,
            carts: r.carts,
            purchases: r.purchases,
            revenue: r.revenue,
          });
      }
    }
  }
  return [...out.values()].map((a) => ({
    segment: a.segment,
    series: [...a.byDate.values()].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0)),
  }));
}

/** A shop like the reference data: 12 device × os × browser leaves from 300 to 9,000 views a day. */
export const DEFAULT_LEAVES: SimLeaf[] = [
  { segment: { device: 'desktop', os: 'windows', browser: 'chrome' }, views: 9000, conversion: 0.022 },
  { segment: { device: 'mobile', os: 'ios', browser: 'safari' }, views: 6000, conversion: 0.018 },
  { segment: { device: 'mobile', os: 'android', browser: 'chrome' }, views: 5000, conversion: 0.015 },
  { segment: { device: 'desktop', os: 'macos', browser: 'safari' }, views: 3000, conversion: 0.025 },
  { segment: { device: 'desktop', os: 'windows', browser: 'firefox' }, views: 2500, conversion: 0.02 },
  { segment: { device: 'desktop', os: 'macos', browser: 'chrome' }, views: 2000, conversion: 0.024 },
  { segment: { device: 'tablet', os: 'ios', browser: 'safari' }, views: 1500, conversion: 0.02 },
  { segment: { device: 'desktop', os: 'windows', browser: 'edge' }, views: 1200, conversion: 0.018 },
  { segment: { device: 'mobile', os: 'android', browser: 'samsung' }, views: 800, conversion: 0.012 },
  { segment: { device: 'tablet', os: 'android', browser: 'chrome' }, views: 600, conversion: 0.014 },
  { segment: { device: 'mobile', os: 'ios', browser: 'chrome' }, views: 400, conversion: 0.016 },
  { segment: { device: 'desktop', os: 'linux', browser: 'firefox' }, views: 300, conversion: 0.02 },
];
