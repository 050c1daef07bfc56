/**
 * Hour-grain detector: one causal verdict per hour for one segment's hourly counts, with an hour-of-day-aware
 * baseline. Same DetectionResult shape as the daily detector (core/detector.ts), plus `hour` (0–23) and
 * `streak.startHour`; streaks and critical periods count consecutive hours. See ARCHITECTURE.md
 * § Explain (dimensional σ analysis) and scan › Hour grain and what-if.
 *
 * - `robust` (default): expected rate of hour h on day d = pooled rate of hour-of-day h over the previous
 *   `weeks`·7 days (shrunk towards the overall rate) × the weekday factor of d's weekday over the same window;
 *   variance binomial + between-hour overdispersion (c·(p(1−p)/n + φ₀²p²), c from the out-of-sample residuals
 *   of earlier hours) plus the error of the baseline. ANOMALY when z ≤ −sigma (spikes mirrored); CRITICAL when
 *   a run of ≥ streak consecutive hours that stays below its expectations (a CUSUM-like run in σ units)
 *   has pooled evidence Σ(k − e)/√Var ≤ −(sigma + 1).
 * - `seed`: the reference rule per hour: median and 1.4826·MAD of the same weekday and hour of the previous
 *   `weeks` weeks; ANOMALY when rate ≤ max(median − sigma·σ, 0); CRITICAL after `streak` consecutive
 *   anomalous hours.
 *
 * Only hours before the judged hour are ever used (causal), so appending later hours never changes a verdict.
 * Pure TypeScript. Internally an hour is a "slot" = dayNumber·24 + hour.
 */
import type {
  BaselineDay,
  DetectionResult,
  DetectionStatus,
  DetectorSettings,
  Direction,
  DayCounts,
  Period,
  Segment,
} from './types.js';
import {
  allocSeedVerdictArrays,
  seedVerdict,
  settingsFor,
  type SeedRuns,
  type SeedVerdictArrays,
} from './detector.js';
import { MAD_TO_SIGMA, dayNumber, dayString, medianInPlace, weekdayMon0 } from './stats.js';

/** Counts of one hour of one segment. */
export interface HourCounts extends DayCounts {
  /** 0–23 (UTC) */
  hour: number;
}

/** Tuning constants of the hourly robust method. */
export const HOURLY_PARAMS = {
  /** same hour-of-day slots with data needed in the window before any verdict */
  minHistoryHours: 7,
  /** pseudo-purchases shrinking the hour-of-day rate towards the overall rate, and the weekday factor towards 1 */
  hourPrior: 1,
  weekdayPrior: 10,
  /**
   * relative day-to-day variation of conversion shared by all hours of a day (Retail Rocket's segments show a
   * daily φ of 0.09–0.28, ARCHITECTURE.md § Detector): in a window of hours it does not average out, so it enters
   * the pooled variance as a shared term (Σe)²·φ_day², and each hour's own variance as φ_day²·p²
   */
  phiDay: 0.12,
  /** weeks of history for the hour-of-day and weekday profile (the recent level uses settings.weeks) */
  profileWeeks: 8,
  /** pseudo-purchases shrinking the recent level ratio towards 1 */
  levelPrior: 10,
  /** relative between-hour variation shape φ₀ */
  phiShape: 0.05,
  /** prior of the dispersion multiplier c and its weight in pseudo-hours */
  dispersionPrior: 1.5,
  dispersionPriorHours: 48,
  /** |z| of one hour counts at most this much in the dispersion estimate (winsorized) */
  dispersionClip: 4,
  /** CUSUM reference value (σ per hour): a run continues while Σ(z + κ) stays below 0 */
  runKappa: 0.25,
  /** the CUSUM sum is floored at −cusumFloor (capped at +cusumFloor for spikes), so a run ends within about
   *  cusumFloor / runKappa normal hours after an incident */
  cusumFloor: 8,
  /** the last `streak` hours must be pooled at least this many σ in the run's direction for CRITICAL */
  recentSigma: 1,
  /** longest window (hours) of a run whose pooled deviation is tested (longer while a CRITICAL period continues) */
  maxWindowHours: 48,
  /** CRITICAL when a window's pooled deviation reaches sigma + criticalMargin */
  criticalMargin: 1,
  /** hours of a run whose pooled deviation is at least this many σ are kept out of later baselines */
  maskRunSigma: 2,
  /** default minimum views in the hour, as a fraction of settings.minViews (a per-day figure) */
  minViewsShare: 0.1,
} as const;

export interface HourlyOptions {
  /** minimum views in the hour for a verdict; default max(1, round(settings.minViews × 0.1)) */
  minViewsPerHour?: number;
  /** include baselineDays in the results (default true; scans turn it off) */
  baselineDays?: boolean;
}

const ST_NO_DATA = 0;
const ST_INSUFFICIENT = 1;
const ST_OK = 2;
const ST_ANOMALY = 3;
const ST_CRITICAL = 4;
const STATUS_NAMES: DetectionStatus[] = ['NO_DATA', 'INSUFFICIENT_DATA', 'OK', 'ANOMALY', 'CRITICAL'];
const ALERTS = ['NONE', 'NONE', 'NONE', 'MEDIUM', 'HIGH'] as const;

/** Per-hour verdicts as arrays (index = slot − start). */
export interface HourVerdicts extends SeedVerdictArrays {
  /** slot of index 0 (dayNumber·24 + hour) */
  start: number;
  len: number;
  views: ArrayLike<number>;
  purchases: ArrayLike<number>;
  /** baseline slots (absolute) listed per hour; only when asked for */
  bd?: Int32Array[];
}

function alloc(
  start: number,
  n: number,
  views: ArrayLike<number>,
  purchases: ArrayLike<number>,
  wantBd: boolean,
): HourVerdicts {
  const v: HourVerdicts = { start, len: n, views, purchases, ...allocSeedVerdictArrays(n) };
  if (wantBd) v.bd = new Array<Int32Array>(n);
  return v;
}

export function hourMinViews(settings: DetectorSettings, opts?: HourlyOptions): number {
  return opts?.minViewsPerHour ?? Math.max(1, Math.round(settings.minViews * HOURLY_PARAMS.minViewsShare));
}

/**
 * Verdicts for the hours [start, start + upto) of dense hourly arrays whose index 0 is slot `start`
 * (views 0 = no data). The work horse of detectHourly and of hour-grain scans.
 */
export function hourlyVerdicts(
  start: number,
  views: ArrayLike<number>,
  purchases: ArrayLike<number>,
  upto: number,
  settings: DetectorSettings,
  opts: HourlyOptions = {},
): HourVerdicts {
  return settings.profile === 'seed'
    ? seedHourly(start, views, purchases, upto, settings, opts)
    : robustHourly(start, views, purchases, upto, settings, opts);
}

function robustHourly(
  start: number,
  views: ArrayLike<number>,
  purchases: ArrayLike<number>,
  n: number,
  s: DetectorSettings,
  opts: HourlyOptions,
): HourVerdicts {
  const P = HOURLY_PARAMS;
  const wantBd = opts.baselineDays ?? true;
  const v = alloc(start, n, views, purchases, wantBd);
  const minViews = hourMinViews(s, opts);
  const W = Math.max(s.weeks, P.profileWeeks) * 7 * 24; // profile window in hours
  const WL = s.weeks * 7 * 24; // level window in hours
  let KL = 0; // Σ purchases and Σ profile-expected purchases of the level window
  let EL = 0;
  const e0 = new Float64Array(n).fill(NaN); // n·(hour rate × weekday factor) at the hour's verdict
  const wantDrop = s.directions.includes('drop');
  const wantSpike = s.directions.includes('spike');
  const phi02 = P.phiShape * P.phiShape;
  const phiD2 = P.phiDay * P.phiDay;
  const bar = s.sigma + P.criticalMargin;
  // rolling window sums over the unmasked hours with data in [i − W, i − 1]
  let K = 0;
  let N = 0;
  const kH = new Float64Array(24);
  const nH = new Float64Array(24);
  const cH = new Int32Array(24);
  const kW = new Float64Array(7);
  const nW = new Float64Array(7);
  let Z2 = 0; // Σ clipped z0² of hours in the window with a verdict (for the dispersion)
  let MZ = 0;
  const added = new Uint8Array(n);
  const masked = new Uint8Array(n);
  const z0 = new Float64Array(n).fill(NaN); // (k − e)/sd0 without the dispersion factor
  const hourOf = (i: number) => (((start + i) % 24) + 24) % 24;
  const wdOf = (i: number) => weekdayMon0(Math.floor((start + i) / 24));
  const add = (k: number, sign: 1 | -1) => {
    const h = hourOf(k);
    const w = wdOf(k);
    const pk = purchases[k];
    const nk = views[k];
    K += sign * pk;
    N += sign * nk;
    kH[h] += sign * pk;
    nH[h] += sign * nk;
    cH[h] += sign;
    kW[w] += sign * pk;
    nW[w] += sign * nk;
    if (Number.isFinite(z0[k])) {
      const c = Math.min(Math.abs(z0[k]), P.dispersionClip);
      Z2 += sign * c * c;
      MZ += sign;
    }
  };
  // runs (CUSUM-like, in σ units): drop run while Σ(z + κ) < 0, spike run while Σ(z − κ) > 0
  let dRun = 0;
  // the current run has had a CRITICAL hour: all its hours stay out of later baselines
  let dHadCrit = false;
  let sHadCrit = false;
  let dCus = 0;
  let sRun = 0;
  let sCus = 0;
  let prevCrit = 0; // −1 / +1 when the previous hour was CRITICAL (drop / spike)
  let critLen = 0; // length of the current CRITICAL period (hours, from its streak start)
  const hk = new Float64Array(n); // k − e per judged hour
  const hv = new Float64Array(n); // its sampling variance
  const hb = new Float64Array(n); // e·√(relative baseline variance)
  /**
   * The most extreme pooled deviation Σ(k − e)/√(Σvar + (Σb)²) over the windows of the last streak …
   * min(run, maxWindowHours) hours ending at i — the strongest recent evidence, not diluted by a long mild run
   * before the incident — provided the last `streak` hours alone are pooled ≥ recentSigma σ in the direction
   * (the run is still going on now). Sets bestL to the window's length.
   */
  let bestL = 0;
  const windowZ = (i: number, run: number, sign: -1 | 1): number => {
    let D = 0;
    let V = 0;
    let B = 0;
    let best = 0;
    bestL = 0;
    const maxL = Math.min(run, P.maxWindowHours);
    for (let L = 1; L <= maxL; L++) {
      const t = i - L + 1;
      D += hk[t];
      V += hv[t];
      B += hb[t];
      if (L < s.streak) continue;
      const z = D / Math.sqrt(V + B * B);
      if (L === s.streak && sign * z < P.recentSigma) return 0;
      if (sign * z > sign * best) {
        best = z;
        bestL = L;
      }
    }
    return best;
  };
  const reset = () => {
    dRun = dCus = 0;
    sRun = sCus = 0;
    dHadCrit = sHadCrit = false;
    prevCrit = 0;
    critLen = 0;
  };
  for (let i = 0; i < n; i++) {
    if (i > 0 && views[i - 1] > 0 && !masked[i - 1]) {
      add(i - 1, 1);
      added[i - 1] = 1;
    }
    if (i > 0 && added[i - 1] && Number.isFinite(e0[i - 1])) {
      KL += purchases[i - 1];
      EL += e0[i - 1];
    }
    const out = i - 1 - W;
    if (out >= 0 && added[out]) add(out, -1);
    const outL = i - 1 - WL;
    if (outL >= 0 && added[outL] && Number.isFinite(e0[outL])) {
      KL -= purchases[outL];
      EL -= e0[outL];
    }
    if (wantBd) v.bd![i] = EMPTY;
    const nD = views[i];
    const h = hourOf(i);
    if (!(nD > 0) || nD < minViews) {
      v.status[i] = nD > 0 ? ST_INSUFFICIENT : ST_NO_DATA;
      reset();
      continue;
    }
    if (cH[h] < P.minHistoryHours || !(N > 0)) {
      v.status[i] = ST_INSUFFICIENT;
      reset();
      continue;
    }
    const wd = wdOf(i);
    const pBar = K / N;
    const rH = pBar > 0 ? (kH[h] + P.hourPrior) / (nH[h] + P.hourPrior / pBar) : 0;
    const fW = pBar > 0 ? (kW[wd] + P.weekdayPrior) / (nW[wd] * pBar + P.weekdayPrior) : 1;
    e0[i] = views[i] * rH * fW;
    // recent level against the profile (the last `weeks` weeks; 1 when they are the whole profile window)
    const lvl = WL < W ? (KL + P.levelPrior) / (EL + P.levelPrior) : 1;
    const pHat = rH * fW * lvl;
    const c = Math.max(1, (Z2 + P.dispersionPriorHours * P.dispersionPrior) / (MZ + P.dispersionPriorHours));
    const q = Math.min(Math.max(pHat, 0.5 / N), 1);
    const kD = purchases[i];
    const varDay0 = (q * (1 - q)) / nD + phi02 * q * q;
    // baseline error: the hour-of-day rate's own part (independent between hours of the day) and the shared
    // weekday / level part (the same for every hour of a window)
    const relHour = 1 / Math.max(kH[h], 1);
    const relShared = 1 / (kW[wd] + P.weekdayPrior) + (WL < W ? 1 / (KL + P.levelPrior) : 0);
    const relBase = relHour + relShared;
    const sd0 = Math.sqrt(varDay0 + q * q * (relBase + phiD2));
    const sd = Math.sqrt(c) * sd0;
    const rD = kD / nD;
    const zi = (rD - pHat) / sd;
    z0[i] = (rD - pHat) / sd0;
    v.baseline[i] = pHat;
    v.sigma[i] = sd;
    v.dev[i] = zi;
    const lower = pHat - s.sigma * sd;
    v.threshold[i] = wantDrop || !wantSpike ? (lower >= 0 ? lower : NaN) : pHat + s.sigma * sd;
    if (wantBd) {
      // the same weekday and hour of the last `weeks` weeks that entered the window
      const list: number[] = [];
      for (let w = 1; w <= s.weeks; w++) {
        const k = i - 7 * 24 * w;
        if (k >= 0 && added[k]) list.push(start + k);
      }
      v.bd![i] = Int32Array.from(list);
    }
    // ---- runs
    const e = nD * pHat;
    const dv = c * (nD * nD * varDay0 + e * e * relHour);
    const db = Math.sqrt(c) * e * Math.sqrt(relShared + phiD2);
    let critDrop = false;
    let critSpike = false;
    if (wantDrop) {
      dCus = Math.max(dCus + zi + P.runKappa, -P.cusumFloor);
      if (dCus < 0) {
        dRun++;
      } else {
        dRun = dCus = 0;
        dHadCrit = false;
      }
    }
    if (wantSpike) {
      sCus = Math.min(sCus + zi - P.runKappa, P.cusumFloor);
      if (sCus > 0) {
        sRun++;
      } else {
        sRun = sCus = 0;
        sHadCrit = false;
      }
    }
    hk[i] = kD - e;
    hv[i] = dv;
    hb[i] = db;
    const dZ = dRun >= s.streak && zi < 0 ? windowZ(i, dRun, -1) : 0;
    const dL = bestL;
    const sZ = sRun >= s.streak && zi > 0 ? windowZ(i, sRun, 1) : 0;
    const sL = bestL;
    critDrop = wantDrop && dRun >= s.streak && zi < 0 && dZ <= -bar;
    critSpike = wantSpike && sRun >= s.streak && zi > 0 && sZ >= bar;
    // a CRITICAL hour's streak: from the start of the window that reached the bar, or — continuing a CRITICAL
    // period — from where that period started
    if (critDrop) dHadCrit = true;
    if (critSpike) sHadCrit = true;
    if (critDrop || critSpike) {
      const L = critDrop ? dL : sL;
      const dir = critDrop ? -1 : 1;
      critLen = prevCrit === dir ? Math.max(critLen + 1, L) : L;
      prevCrit = dir;
    } else {
      prevCrit = 0;
      critLen = 0;
    }
    const anomDrop = wantDrop && zi <= -s.sigma;
    const anomSpike = wantSpike && zi >= s.sigma;
    if (critDrop || (anomDrop && !critSpike)) {
      v.status[i] = critDrop ? ST_CRITICAL : ST_ANOMALY;
      v.dir[i] = -1;
      v.runLen[i] = critDrop ? critLen : 1;
      masked[i] = 1;
    } else if (critSpike || anomSpike) {
      v.status[i] = critSpike ? ST_CRITICAL : ST_ANOMALY;
      v.dir[i] = 1;
      v.runLen[i] = critSpike ? critLen : 1;
      masked[i] = 1;
    } else {
      v.status[i] = ST_OK;
      if ((dRun >= 2 && dZ <= -P.maskRunSigma) || (sRun >= 2 && sZ >= P.maskRunSigma)) masked[i] = 1;
      if ((dHadCrit && dRun > 0) || (sHadCrit && sRun > 0)) masked[i] = 1;
    }
  }
  return v;
}

const EMPTY = new Int32Array(0);

function seedHourly(
  start: number,
  views: ArrayLike<number>,
  purchases: ArrayLike<number>,
  n: number,
  s: DetectorSettings,
  opts: HourlyOptions,
): HourVerdicts {
  const wantBd = opts.baselineDays ?? true;
  const v = alloc(start, n, views, purchases, wantBd);
  const minViews = opts.minViewsPerHour ?? s.minViews / 24;
  const wantDrop = s.directions.includes('drop');
  const wantSpike = s.directions.includes('spike');
  const pts = new Float64Array(s.weeks);
  const idx = new Int32Array(s.weeks);
  const scratch = new Float64Array(s.weeks);
  const runs: SeedRuns = { drop: 0, spike: 0 };
  for (let i = 0; i < n; i++) {
    if (wantBd) v.bd![i] = EMPTY;
    if (!(views[i] > 0) || views[i] < minViews) {
      v.status[i] = views[i] > 0 ? ST_INSUFFICIENT : ST_NO_DATA;
      runs.drop = runs.spike = 0;
      continue;
    }
    let m = 0;
    for (let w = 1; w <= s.weeks; w++) {
      const k = i - 7 * 24 * w;
      if (k >= 0 && views[k] > 0) {
        pts[m] = purchases[k] / views[k];
        idx[m++] = k;
      }
    }
    // the reference rule needs its full 4 same-weekday points here (no whole-series fallback: it is not causal)
    if (m < s.weeks) {
      v.status[i] = ST_INSUFFICIENT;
      runs.drop = runs.spike = 0;
      continue;
    }
    for (let t = 0; t < m; t++) scratch[t] = pts[t];
    const base = medianInPlace(scratch, m);
    for (let t = 0; t < m; t++) scratch[t] = Math.abs(pts[t] - base);
    const sig = MAD_TO_SIGMA * medianInPlace(scratch, m);
    if (wantBd) v.bd![i] = Int32Array.from(idx.subarray(0, m), (k) => start + k);
    const r = purchases[i] / views[i];
    seedVerdict(v, i, r, base, sig, s, wantDrop, wantSpike, runs);
  }
  return v;
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** 'YYYY-MM-DD' and hour of a slot. */
export function slotDate(slot: number): { date: string; hour: number } {
  const day = Math.floor(slot / 24);
  return { date: dayString(day), hour: slot - day * 24 };
}

/** Slot number of a date and hour. */
export function toSlot(date: string, hour: number): number {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23)
    throw new Error(`bad hour ${String(hour)} (want 0–23)`);
  return dayNumber(date) * 24 + hour;
}

/** The DetectionResult of index i of a verdict set (absolute slot start + i). */
export function hourResult(v: HourVerdicts, i: number, segment: Segment): DetectionResult {
  const { date, hour } = slotDate(v.start + i);
  const st = i < v.len ? v.status[i] : ST_NO_DATA;
  const views = i < v.len ? v.views[i] : 0;
  const purchases = i < v.len ? v.purchases[i] : 0;
  const anomalous = st === ST_ANOMALY || st === ST_CRITICAL;
  const dir: Direction | null = anomalous ? (v.dir[i] < 0 ? 'drop' : v.dir[i] > 0 ? 'spike' : null) : null;
  const run = anomalous ? v.runLen[i] : 0;
  const baselineDays: BaselineDay[] = [];
  for (const k of v.bd?.[i] ?? EMPTY) {
    const j = k - v.start;
    baselineDays.push({ date: slotDate(k).date, rate: v.purchases[j] / v.views[j], views: v.views[j] });
  }
  const res: DetectionResult = {
    date,
    hour,
    segment,
    status: STATUS_NAMES[st],
    alertLevel: ALERTS[st],
    rate: views > 0 ? purchases / views : null,
    baseline: st >= ST_OK ? num(v.baseline[i]) : null,
    sigma: st >= ST_OK ? num(v.sigma[i]) : null,
    threshold: st >= ST_OK ? num(v.threshold[i]) : null,
    deviationSigma: st >= ST_OK ? num(v.dev[i]) : null,
    direction: dir,
    baselineDays,
    views,
    purchases,
    streak: { start: null, length: 0 },
  };
  if (run > 0) {
    const s0 = slotDate(v.start + i - run + 1);
    res.streak = { start: s0.date, startHour: s0.hour, length: run };
  }
  return res;
}

/** Dense hourly arrays of a series over [first slot, last slot]; hours given twice are summed. */
export function hourGrid(
  series: HourCounts[],
): { start: number; views: Float64Array; purchases: Float64Array } | null {
  if (series.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  const slots = series.map((r) => {
    const s = toSlot(r.date, r.hour);
    if (s < lo) lo = s;
    if (s > hi) hi = s;
    return s;
  });
  const len = hi - lo + 1;
  const views = new Float64Array(len);
  const purchases = new Float64Array(len);
  series.forEach((r, t) => {
    const vv = Number(r.views);
    const pp = Number(r.purchases);
    if (!Number.isFinite(vv) || vv < 0 || !Number.isFinite(pp) || pp < 0)
      throw new Error(
        `bad counts on ${r.date} ${r.hour}:00: views=${String(r.views)} purchases=${String(r.purchases)}`,
      );
    views[slots[t] - lo] += vv;
    purchases[slots[t] - lo] += pp;
  });
  return { start: lo, views, purchases };
}

/**
 * One result per hour from range.from 00:00 (default: the series' first hour) to range.to 23:00 (default: its
 * last hour); hours without a row or with 0 views → NO_DATA. `series` may be unsorted and have gaps. Causal:
 * every verdict uses only earlier hours.
 */
export function detectHourly(
  series: HourCounts[],
  settings: DetectorSettings,
  segment: Segment = {},
  range?: Partial<Period>,
  opts: HourlyOptions = {},
): DetectionResult[] {
  const s = settingsFor(settings.profile, settings);
  const g = hourGrid(series);
  const from = range?.from !== undefined ? dayNumber(range.from) * 24 : g ? g.start : undefined;
  const to =
    range?.to !== undefined ? dayNumber(range.to) * 24 + 23 : g ? g.start + g.views.length - 1 : undefined;
  if (from === undefined || to === undefined || to < from) return [];
  const out: DetectionResult[] = new Array(to - from + 1);
  if (!g) {
    const empty = alloc(from, 0, [], [], false);
    for (let t = from; t <= to; t++) out[t - from] = hourResult({ ...empty, start: t }, 0, segment);
    return out;
  }
  const upto = Math.max(0, Math.min(to - g.start + 1, g.views.length));
  const v = hourlyVerdicts(g.start, g.views, g.purchases, upto, s, opts);
  const none = alloc(0, 0, [], [], false);
  for (let t = from; t <= to; t++) {
    const i = t - g.start;
    out[t - from] =
      i >= 0 && i < upto ? hourResult(v, i, segment) : hourResult({ ...none, start: t }, 0, segment);
  }
  return out;
}
