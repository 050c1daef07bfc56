/**
 * Conversion-drop detector: one verdict per calendar day for one segment's daily counts.
 *
 * Two profiles (see ARCHITECTURE.md § Detector for the method and its sources):
 * - `seed`: the reference rule (same-weekday median, σ = 1.4826·MAD, drop when rate ≤ max(median − 2σ, 0)),
 *   reproducing ../shared/data/expected_static_analysis_5_combos.csv, without the two bugs of the reference's
 *   packaged checker (σ = 0 flagging a day equal to its baseline; streaks not re-tested).
 * - `robust` (default): weekday-adjusted level over the recent weeks, binomial + between-day (overdispersion)
 *   variance, masking of anomalous days from the baseline, single-day ANOMALY at `sigma` σ and CRITICAL on a
 *   sustained run of re-tested drop days whose combined evidence is strong.
 *
 * Pure TypeScript; dates are integer UTC day numbers internally.
 */
import type {
  AlertLevel,
  BaselineDay,
  DayCounts,
  DetectionResult,
  DetectionStatus,
  DetectorProfile,
  DetectorSettings,
  Direction,
  Period,
  Segment,
} from './types.js';
import { MAD_TO_SIGMA, dayNumber, dayString, medianInPlace, weekdayMon0 } from './stats.js';

export const DEFAULT_SETTINGS: Record<DetectorProfile, DetectorSettings> = {
  seed: { profile: 'seed', sigma: 2, weeks: 4, streak: 3, minViews: 0, directions: ['drop'] },
  robust: { profile: 'robust', sigma: 3, weeks: 4, streak: 3, minViews: 100, directions: ['drop'] },
};

/** Tuning constants of the robust profile (documented in ARCHITECTURE.md § Detector). */
export const ROBUST_PARAMS = {
  /** a day counts towards a sustained run when its deviation is at least this many σ in the run's direction */
  runDaySigma: 1,
  /**
   * a run of ≥ streak days becomes CRITICAL when Σz/√streak over its last `streak` days (Stouffer) reaches
   * settings.sigma + criticalMargin (4 σ with the default sigma 3): one knob, `sigma`, trades sensitivity
   */
  criticalMargin: 1,
  /**
   * the onset test may also combine the last streak + onsetExtraDays days of the run (same bar, same per-day
   * ≥ runDaySigma condition): a drop too mild for 3 days of evidence is CRITICAL on its 4th consecutive day
   */
  onsetExtraDays: 1,
  /**
   * CUSUM (Page 1954) of the daily deviations beyond `cusumAllowance` σ, S = max(0, S + min(|z|, zCap) − k) in the
   * drop (spike) direction: a run of ≥ max(streak, cusumMinRun) days each ≥ runDaySigma low is also CRITICAL when
   * S reaches the CRITICAL bar + cusumMargin — evidence of an incident too mild for 3–4 consecutive days,
   * accumulated over its earlier, intermittently low days (never a single mild day, even with streak 1 or 2)
   */
  cusumAllowance: 1,
  cusumMargin: 1,
  cusumMinRun: 3,
  /**
   * |z| of one day counts at most this much inside a run's sum, so one or two extreme days (a natural one-day dip)
   * cannot carry a "sustained" drop; raised to 1.25·bar/√streak when a high sigma would make the bar unreachable
   */
  zCap: 3,
  /** weeks of history used for the weekday profile and the dispersion (the level uses `weeks`) */
  profileWeeks: 8,
  /** days with data needed in the history window before any verdict */
  minHistoryDays: 21,
  /** pseudo-purchases shrinking each weekday factor towards 1 */
  weekdayPrior: 10,
  /** shape of the between-day part of the variance: Var = c·(p(1−p)/n + φ₀²p²) */
  phiShape: 0.05,
  /** prior of the dispersion multiplier c and its weight in pseudo-days */
  dispersionPrior: 1.5,
  dispersionPriorDays: 4,
  /** history days further than this many √c·σ from their expectation are left out of the refit */
  outlierSigma: 3.5,
} as const;

export function settingsFor(
  profile: DetectorProfile,
  overrides?: Partial<DetectorSettings>,
): DetectorSettings {
  const base = DEFAULT_SETTINGS[profile];
  if (!base) throw new Error(`unknown detector profile '${String(profile)}' (want seed or robust)`);
  const s: DetectorSettings = { ...base, directions: [...base.directions] };
  if (overrides) {
    for (const [k, v] of Object.entries(overrides) as [keyof DetectorSettings, unknown][]) {
      if (v !== undefined && k !== 'profile') (s as unknown as Record<string, unknown>)[k] = v;
    }
  }
  validateSettings(s);
  return s;
}

function validateSettings(s: DetectorSettings): void {
  if (!(s.sigma > 0) || !Number.isFinite(s.sigma))
    throw new Error(`detector sigma must be > 0 (got ${s.sigma})`);
  if (!Number.isInteger(s.weeks) || s.weeks < 1)
    throw new Error(`detector weeks must be an integer ≥ 1 (got ${s.weeks})`);
  if (!Number.isInteger(s.streak) || s.streak < 1)
    throw new Error(`detector streak must be an integer ≥ 1 (got ${s.streak})`);
  if (!(s.minViews >= 0)) throw new Error(`detector minViews must be ≥ 0 (got ${s.minViews})`);
  if (!Array.isArray(s.directions) || s.directions.some((d) => d !== 'drop' && d !== 'spike')) {
    throw new Error(`detector directions must be a list of 'drop' / 'spike'`);
  }
}

// ------------------------------------------------------------------ indexing

/** The series laid out on a dense day grid [start, start + len). views = 0 where no row. */
interface Grid {
  start: number;
  len: number;
  views: Float64Array;
  purchases: Float64Array;
}

function buildGrid(series: DayCounts[]): Grid | null {
  if (series.length === 0) return null;
  const days = new Int32Array(series.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < series.length; i++) {
    const d = dayNumber(series[i].date);
    days[i] = d;
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  const len = hi - lo + 1;
  const views = new Float64Array(len);
  const purchases = new Float64Array(len);
  for (let i = 0; i < series.length; i++) {
    const r = series[i];
    const v = Number(r.views);
    const p = Number(r.purchases);
    if (!Number.isFinite(v) || v < 0 || !Number.isFinite(p) || p < 0) {
      throw new Error(`bad counts on ${r.date}: views=${String(r.views)} purchases=${String(r.purchases)}`);
    }
    // duplicate dates are summed (a series assembled from several sources)
    views[days[i] - lo] += v;
    purchases[days[i] - lo] += p;
  }
  return { start: lo, len, views, purchases };
}

// ------------------------------------------------------------------ per-day verdicts (struct of arrays)

const ST_NO_DATA = 0;
const ST_INSUFFICIENT = 1;
const ST_OK = 2;
const ST_ANOMALY = 3;
const ST_CRITICAL = 4;
const STATUS_NAMES: DetectionStatus[] = ['NO_DATA', 'INSUFFICIENT_DATA', 'OK', 'ANOMALY', 'CRITICAL'];
const ALERTS: AlertLevel[] = ['NONE', 'NONE', 'NONE', 'MEDIUM', 'HIGH'];

interface Verdicts extends SeedVerdictArrays {
  /** baseline days used: offsets into the grid, per day a slice [bdStart[i], bdStart[i]+bdCount[i]) of bdIdx */
  bdIdx: Int32Array[];
}

function allocVerdicts(n: number): Verdicts {
  return { ...allocSeedVerdictArrays(n), bdIdx: new Array<Int32Array>(n) };
}

const EMPTY_IDX = new Int32Array(0);

// ------------------------------------------------------------------ seed profile

function runSeed(g: Grid, s: DetectorSettings, upto: number): Verdicts {
  const n = upto;
  const v = allocVerdicts(n);
  const rate = new Float64Array(g.len);
  let withData = 0;
  for (let i = 0; i < g.len; i++) {
    if (g.views[i] > 0) {
      rate[i] = g.purchases[i] / g.views[i];
      withData++;
    } else rate[i] = NaN;
  }
  // whole-series fallback: median and MAD of every day with data in the series (retrospective, as the reference)
  const all = new Float64Array(withData);
  let j = 0;
  for (let i = 0; i < g.len; i++) if (g.views[i] > 0) all[j++] = rate[i];
  const scratchAll = new Float64Array(withData);
  scratchAll.set(all);
  const fbMedian = medianInPlace(scratchAll, withData);
  for (let i = 0; i < withData; i++) scratchAll[i] = Math.abs(all[i] - fbMedian);
  const fbSigma = MAD_TO_SIGMA * medianInPlace(scratchAll, withData);

  const enough = withData >= s.weeks * 7;
  const wantDrop = s.directions.includes('drop');
  const wantSpike = s.directions.includes('spike');
  const pts = new Float64Array(s.weeks);
  const idx = new Int32Array(s.weeks);
  const scratch = new Float64Array(s.weeks);
  const runs: SeedRuns = { drop: 0, spike: 0 };
  for (let i = 0; i < n; i++) {
    if (!(g.views[i] > 0)) {
      v.status[i] = ST_NO_DATA;
      v.bdIdx[i] = EMPTY_IDX;
      runs.drop = runs.spike = 0;
      continue;
    }
    // minViews is 0 for the reference rule; when a user sets it, seed honours it like robust does
    if (!enough || g.views[i] < s.minViews) {
      v.status[i] = ST_INSUFFICIENT;
      v.bdIdx[i] = EMPTY_IDX;
      runs.drop = runs.spike = 0;
      continue;
    }
    let m = 0;
    for (let w = 1; w <= s.weeks; w++) {
      const k = i - 7 * w;
      if (k >= 0 && g.views[k] > 0) {
        pts[m] = rate[k];
        idx[m] = k;
        m++;
      }
    }
    let base: number;
    let sig: number;
    if (m >= 2) {
      for (let t = 0; t < m; t++) scratch[t] = pts[t];
      base = medianInPlace(scratch, m);
      for (let t = 0; t < m; t++) scratch[t] = Math.abs(pts[t] - base);
      sig = MAD_TO_SIGMA * medianInPlace(scratch, m);
      v.bdIdx[i] = idx.slice(0, m);
    } else {
      base = fbMedian;
      sig = fbSigma;
      v.bdIdx[i] = EMPTY_IDX;
    }
    const r = rate[i];
    seedVerdict(v, i, r, base, sig, s, wantDrop, wantSpike, runs);
  }
  return v;
}

/** Verdict arrays the reference (seed) rule writes; the day and the hour detector both have them. */
export interface SeedVerdictArrays {
  status: Uint8Array;
  /** -1 drop, +1 spike, 0 none */
  dir: Int8Array;
  baseline: Float64Array;
  sigma: Float64Array;
  threshold: Float64Array;
  dev: Float64Array;
  runLen: Int32Array;
}

/** Empty verdict arrays for `n` points: status 0 (NO_DATA), numbers NaN. */
export function allocSeedVerdictArrays(n: number): SeedVerdictArrays {
  return {
    status: new Uint8Array(n),
    dir: new Int8Array(n),
    baseline: new Float64Array(n).fill(NaN),
    sigma: new Float64Array(n).fill(NaN),
    threshold: new Float64Array(n).fill(NaN),
    dev: new Float64Array(n).fill(NaN),
    runLen: new Int32Array(n),
  };
}

/** Current lengths of the runs of consecutive drop / spike points (the seed rule's streak). */
export interface SeedRuns {
  drop: number;
  spike: number;
}

/**
 * The reference (seed) rule at point i (a day, or an hour in core/hourly.ts): rate `r` against its same-weekday
 * median `base` and MAD σ `sig`; writes baseline, sigma, threshold, deviation and the verdict at i and extends
 * or ends the runs. Critical once a run reaches `s.streak` points.
 */
export function seedVerdict(
  v: SeedVerdictArrays,
  i: number,
  r: number,
  base: number,
  sig: number,
  s: DetectorSettings,
  wantDrop: boolean,
  wantSpike: boolean,
  runs: SeedRuns,
): void {
  const lower = Math.max(base - s.sigma * sig, 0);
  const upper = base + s.sigma * sig;
  // σ = 0: a point equal to its baseline is not a deviation (the packaged checker's bug flagged it)
  const isDrop = wantDrop && (sig > 0 ? r <= lower : r < base);
  const isSpike = !isDrop && wantSpike && (sig > 0 ? r >= upper : r > base);
  v.baseline[i] = base;
  v.sigma[i] = sig;
  v.threshold[i] = wantDrop || !wantSpike ? lower : upper;
  v.dev[i] = sig > 0 ? (r - base) / sig : NaN;
  runs.drop = isDrop ? runs.drop + 1 : 0;
  runs.spike = isSpike ? runs.spike + 1 : 0;
  if (isDrop || isSpike) {
    const run = isDrop ? runs.drop : runs.spike;
    v.dir[i] = isDrop ? -1 : 1;
    v.runLen[i] = run;
    v.status[i] = run >= s.streak ? ST_CRITICAL : ST_ANOMALY;
  } else {
    v.status[i] = ST_OK;
  }
}

// ------------------------------------------------------------------ robust profile

function runRobust(g: Grid, s: DetectorSettings, upto: number): Verdicts {
  const P = ROBUST_PARAMS;
  const n = upto;
  const v = allocVerdicts(n);
  const H = Math.max(P.profileWeeks, s.weeks) * 7; // history window for the weekday profile and dispersion
  const L = s.weeks * 7; // level window
  const wantDrop = s.directions.includes('drop');
  const wantSpike = s.directions.includes('spike');
  const phi02 = P.phiShape * P.phiShape;
  const critBar = s.sigma + P.criticalMargin;
  const zCap = s.streak >= 2 ? Math.max(P.zCap, (1.25 * critBar) / Math.sqrt(s.streak)) : Infinity;
  /** 1 when the day was judged anomalous (or part of a building run) and is kept out of later baselines */
  const masked = new Uint8Array(n);
  const z = new Float64Array(n).fill(NaN);
  const wdOf = new Uint8Array(g.len);
  for (let i = 0; i < g.len; i++) wdOf[i] = weekdayMon0(g.start + i);
  const kW = new Float64Array(7);
  const nW = new Float64Array(7);
  const fW = new Float64Array(7);
  const used = new Int32Array(H);
  const keep = new Uint8Array(H);
  const zs = new Float64Array(H);
  const zraw = new Float64Array(H);
  let cPrev = 0; // the segment's dispersion at its previous verdict (0 = none yet)
  let runDrop = 0;
  let runSpike = 0;
  let sumDrop = 0;
  let sumSpike = 0;
  let prevCrit = 0; // -1 drop, +1 spike, 0 none (previous calendar day)
  let cusumDrop = 0;
  let cusumSpike = 0;
  const cusumBar = critBar + P.cusumMargin;
  const cusumRun = Math.max(s.streak, P.cusumMinRun);
  // (a day adds at most zCap, and never more than the bar itself: finite even when zCap is not)
  const cuCap = Math.min(zCap, cusumBar);

  for (let i = 0; i < n; i++) {
    v.bdIdx[i] = EMPTY_IDX;
    const nD = g.views[i];
    if (!(nD > 0) || nD < s.minViews) {
      v.status[i] = nD > 0 ? ST_INSUFFICIENT : ST_NO_DATA;
      runDrop = runSpike = 0;
      sumDrop = sumSpike = 0;
      cusumDrop = cusumSpike = 0;
      prevCrit = 0;
      continue;
    }
    // ---- usable history in [i − H, i − 1]; anomalous days stay out unless they are the majority
    let have = 0;
    let nMasked = 0;
    for (let k = Math.max(0, i - H); k < i; k++) {
      if (g.views[k] > 0) {
        have++;
        if (masked[k]) nMasked++;
      }
    }
    if (have < P.minHistoryDays) {
      v.status[i] = ST_INSUFFICIENT;
      runDrop = runSpike = 0;
      sumDrop = sumSpike = 0;
      cusumDrop = cusumSpike = 0;
      prevCrit = 0;
      continue;
    }
    const useMask = have - nMasked >= P.minHistoryDays;
    let m = 0;
    for (let k = Math.max(0, i - H); k < i; k++) {
      if (g.views[k] > 0 && !(useMask && masked[k])) {
        used[m] = k;
        keep[m] = 1;
        m++;
      }
    }
    // ---- two passes: fit, then refit without outlying days (|z| > outlierSigma)
    let c: number = P.dispersionPrior;
    let nHist = 0;
    let pAll = 0;
    let level = 0;
    let kL = 0;
    let mL = 0;
    for (let pass = 0; pass < 2; pass++) {
      kW.fill(0);
      nW.fill(0);
      let kAll = 0;
      let nAll = 0;
      for (let t = 0; t < m; t++) {
        if (!keep[t]) continue;
        const k = used[t];
        kW[wdOf[k]] += g.purchases[k];
        nW[wdOf[k]] += g.views[k];
        kAll += g.purchases[k];
        nAll += g.views[k];
      }
      pAll = nAll > 0 ? kAll / nAll : 0;
      nHist = nAll;
      // weekday factor shrunk towards 1 by `weekdayPrior` pseudo-purchases: (k_w + a) / (n_w·p + a)
      for (let w = 0; w < 7; w++)
        fW[w] = pAll > 0 ? (kW[w] + P.weekdayPrior) / (nW[w] * pAll + P.weekdayPrior) : 1;
      // level over the last L days, weekday-adjusted: Σk / Σ n·f
      kL = 0;
      let eL = 0;
      mL = 0;
      for (let t = 0; t < m; t++) {
        const k = used[t];
        if (!keep[t] || k < i - L) continue;
        kL += g.purchases[k];
        eL += g.views[k] * fW[wdOf[k]];
        mL++;
      }
      if (mL < 7) {
        kL = 0;
        eL = 0;
        mL = 0;
        for (let t = 0; t < m; t++) {
          if (!keep[t]) continue;
          const k = used[t];
          kL += g.purchases[k];
          eL += g.views[k] * fW[wdOf[k]];
          mL++;
        }
      }
      level = eL > 0 ? kL / eL : 0;
      // dispersion multiplier c (quasi-likelihood): Var[k/n] = c·(p(1−p)/n + φ₀²p²), shrunk towards the prior
      // and never below 1.
      // pass 0 only finds outlying history days (|z| > outlierSigma·√c): with the segment's c of the previous
      // verdict when there is one, else with c from the MAD of the standardized residuals (robust);
      // pass 1 estimates c from the second moment of the residuals of the days kept (efficient, and it keeps
      // heavy-ish tails such as natural one-day dips in the scale instead of pretending they do not happen).
      const usePrev = pass === 0 && cPrev > 0;
      const lim0 = usePrev ? P.outlierSigma * Math.sqrt(cPrev) : 0;
      let mz = 0;
      let s1 = 0;
      let s2 = 0;
      let outliers = 0;
      for (let t = 0; t < m; t++) {
        if (pass === 1 && !keep[t]) continue;
        const k = used[t];
        const e = level * fW[wdOf[k]];
        if (!(e > 0)) {
          zraw[t] = 0;
          continue;
        }
        const sd0 = Math.sqrt((e * (1 - e)) / g.views[k] + phi02 * e * e);
        const zt = (g.purchases[k] / g.views[k] - e) / sd0;
        if (usePrev && Math.abs(zt) > lim0) {
          keep[t] = 0;
          outliers++;
        }
        zraw[t] = zt;
        zs[mz++] = zt;
        s1 += zt;
        s2 += zt * zt;
      }
      if (pass === 0 && usePrev && outliers === 0) {
        // nothing to leave out: the fit of pass 0 is final, take c from its residuals
        if (mz >= 3) c = dispersionFromMoments(s1, s2, mz);
        break;
      }
      if (pass === 0) {
        if (usePrev || mz < 3) continue;
        const medZ = medianInPlace(zs, mz);
        for (let t = 0; t < mz; t++) zs[t] = Math.abs(zs[t] - medZ);
        const madZ = MAD_TO_SIGMA * medianInPlace(zs, mz);
        const c0 = Math.max(
          1,
          (mz * madZ * madZ + P.dispersionPriorDays * P.dispersionPrior) / (mz + P.dispersionPriorDays),
        );
        const lim = P.outlierSigma * Math.sqrt(c0);
        for (let t = 0; t < m; t++) if (Math.abs(zraw[t]) > lim) keep[t] = 0;
      } else if (mz >= 3) {
        c = dispersionFromMoments(s1, s2, mz);
      }
    }
    cPrev = c;
    const wd = wdOf[i];
    const pHat = level * fW[wd];
    // ---- the day's rate against p̂: between-day + binomial on n (scaled by c) + the error of p̂ itself
    const kD = g.purchases[i];
    const rD = kD / nD;
    // with no purchase at all in the history, the variance uses the rule-of-half rate 0.5/Σviews so that one
    // purchase is a finite (and, on little traffic, unremarkable) deviation
    const q = Math.min(Math.max(pHat, nHist > 0 ? 0.5 / nHist : 0), 1);
    const varDay = c * ((q * (1 - q)) / nD + phi02 * q * q);
    const varBase =
      c * q * q * (1 / Math.max(kL, 1) + phi02 / Math.max(mL, 1) + 1 / (kW[wd] + P.weekdayPrior));
    const sd = Math.sqrt(varDay + varBase);
    // deviation in σ, exactly (rate − p̂) / sd as reported (no continuity correction: one definition everywhere)
    const zi = sd > 0 ? (rD - pHat) / sd : rD < pHat ? -Infinity : rD > pHat ? Infinity : 0;
    z[i] = zi;
    v.baseline[i] = pHat;
    v.sigma[i] = sd;
    v.dev[i] = Number.isFinite(zi) ? zi : NaN;
    // rate at or below which the day alone is an ANOMALY; NaN (null in the result) when even 0 purchases
    // would not be (too little traffic for a one-day verdict)
    const lower = pHat - s.sigma * sd;
    const upper = pHat + s.sigma * sd;
    v.threshold[i] = wantDrop || !wantSpike ? (lower >= 0 ? lower : NaN) : upper;
    // what the user sees as "baseline days": the same weekdays of the last `weeks` weeks that were used
    let nb = 0;
    for (let t = 0; t < m; t++) if (keep[t] && wdOf[used[t]] === wd && used[t] >= i - L) nb++;
    const bd = new Int32Array(nb);
    nb = 0;
    for (let t = m - 1; t >= 0; t--)
      if (keep[t] && wdOf[used[t]] === wd && used[t] >= i - L) bd[nb++] = used[t];
    v.bdIdx[i] = bd;

    // ---- runs of re-tested drop / spike days and their combined (Stouffer) evidence
    // inside a CRITICAL period a day continues the run while it stays below (above) its baseline at all;
    // starting or building a run needs runDaySigma
    const dropDay = wantDrop && (zi <= -P.runDaySigma || (prevCrit === -1 && zi < 0));
    const spikeDay = wantSpike && (zi >= P.runDaySigma || (prevCrit === 1 && zi > 0));
    if (dropDay) {
      runDrop++;
      sumDrop += Math.max(zi, -zCap);
    } else {
      runDrop = 0;
      sumDrop = 0;
    }
    if (spikeDay) {
      runSpike++;
      sumSpike += Math.min(zi, zCap);
    } else {
      runSpike = 0;
      sumSpike = 0;
    }
    cusumDrop = Math.max(0, cusumDrop + Math.min(-zi, cuCap) - P.cusumAllowance);
    cusumSpike = Math.max(0, cusumSpike + Math.min(zi, cuCap) - P.cusumAllowance);
    const critDrop =
      dropDay &&
      runDrop >= s.streak &&
      ((cusumDrop >= cusumBar && runDrop >= cusumRun) ||
        sustained(z, i, s.streak, critBar, zCap, prevCrit === -1, sumDrop, runDrop));
    const critSpike =
      spikeDay &&
      runSpike >= s.streak &&
      ((cusumSpike >= cusumBar && runSpike >= cusumRun) ||
        sustained(z, i, s.streak, critBar, zCap, prevCrit === 1, sumSpike, runSpike));
    const anomDrop = wantDrop && zi <= -s.sigma;
    const anomSpike = wantSpike && zi >= s.sigma;
    // a CRITICAL period that ends has spent its evidence: the CUSUM starts again from 0 (else a mild dip weeks
    // later would ride on the incident's evidence)
    if (prevCrit === -1 && !critDrop) cusumDrop = 0;
    if (prevCrit === 1 && !critSpike) cusumSpike = 0;
    prevCrit = 0;
    if (critDrop || (anomDrop && !critSpike)) {
      v.status[i] = critDrop ? ST_CRITICAL : ST_ANOMALY;
      v.dir[i] = -1;
      v.runLen[i] = runDrop;
      masked[i] = 1;
      if (critDrop) prevCrit = -1;
    } else if (critSpike || anomSpike) {
      v.status[i] = critSpike ? ST_CRITICAL : ST_ANOMALY;
      v.dir[i] = 1;
      v.runLen[i] = runSpike;
      masked[i] = 1;
      if (critSpike) prevCrit = 1;
    } else {
      v.status[i] = ST_OK;
      // a day inside a building run is evidence, not normal behaviour: keep it out of later baselines
      if ((dropDay && runDrop >= 2) || (spikeDay && runSpike >= 2)) masked[i] = 1;
    }
  }
  return v;
}

/**
 * Dispersion multiplier from the first two moments of the standardized in-sample residuals of mz history days:
 * variance over the residual degrees of freedom (level + 7 weekday factors were fitted), shrunk towards the
 * prior by `dispersionPriorDays` pseudo-days, never below 1 (never tighter than binomial + φ₀).
 */
function dispersionFromMoments(s1: number, s2: number, mz: number): number {
  const P = ROBUST_PARAMS;
  const cHat = (s2 - (s1 * s1) / mz) / Math.max(mz - 8, mz / 2);
  return Math.max(1, (mz * cHat + P.dispersionPriorDays * P.dispersionPrior) / (mz + P.dispersionPriorDays));
}

/**
 * CRITICAL test for a run of ≥ streak re-tested days in one direction (all of them on the same side of their
 * baselines): the last `streak` days' Stouffer sum Σ|z|/√streak (each |z| capped at zCap) reaches C (onset; also
 * tried over the last streak + 1 … streak + onsetExtraDays days of the run), or —
 * once CRITICAL — the whole run's still does (continuation, so one milder day inside a long incident does not
 * end it).
 */
function sustained(
  z: Float64Array,
  i: number,
  streak: number,
  C: number,
  cap: number,
  wasCritical: boolean,
  runSum: number,
  runLen: number,
): boolean {
  let sum = 0;
  // (with streak 1 cap is Infinity: nothing to combine, the single day's |z| itself must reach the bar)
  for (let t = i - streak + 1; t <= i; t++) sum += Math.min(Math.abs(z[t]), cap);
  if (sum / Math.sqrt(streak) >= C) return true;
  if (wasCritical) return Math.abs(runSum) / Math.sqrt(runLen) >= C;
  // onset over a slightly longer window: the last streak + 1 … streak + onsetExtraDays days of the run
  const W = Math.min(runLen, streak + ROBUST_PARAMS.onsetExtraDays);
  for (let len = streak + 1; len <= W; len++) {
    sum += Math.min(Math.abs(z[i - len + 1]), cap);
    if (sum / Math.sqrt(len) >= C) return true;
  }
  return false;
}

// ------------------------------------------------------------------ public API

/**
 * One result per calendar day from range.from (default first date of series) to range.to (default last);
 * days with no row or 0 views → NO_DATA. series may be unsorted and have gaps.
 */
export function detectSeries(
  series: DayCounts[],
  settings: DetectorSettings,
  segment: Segment = {},
  range?: Partial<Period>,
): DetectionResult[] {
  validateSettings(settings);
  const g = buildGrid(series);
  const from = range?.from !== undefined ? dayNumber(range.from) : g ? g.start : undefined;
  const to = range?.to !== undefined ? dayNumber(range.to) : g ? g.start + g.len - 1 : undefined;
  if (from === undefined || to === undefined || to < from) return [];
  const out: DetectionResult[] = new Array(to - from + 1);
  // verdicts are computed on the grid from its first day up to `to` (streaks and masking need the past)
  const upto = g ? Math.max(0, Math.min(to - g.start + 1, g.len)) : 0;
  const v = g && upto > 0 ? (settings.profile === 'seed' ? runSeed : runRobust)(g, settings, upto) : null;
  for (let day = from; day <= to; day++) {
    const i = g ? day - g.start : -1;
    if (!g || !v || i < 0 || i >= upto || i >= g.len || !(g.views[i] > 0)) {
      out[day - from] = noData(dayString(day), segment, g && i >= 0 && i < g.len ? g.purchases[i] : 0);
      continue;
    }
    out[day - from] = toResult(g, v, i, segment);
  }
  return out;
}

/** The verdict for one date (same logic as detectSeries, with history before the date). */
export function detect(
  series: DayCounts[],
  date: string,
  settings: DetectorSettings,
  segment: Segment = {},
): DetectionResult {
  return detectSeries(series, settings, segment, { from: date, to: date })[0];
}

function noData(date: string, segment: Segment, purchases: number): DetectionResult {
  return {
    date,
    segment,
    status: 'NO_DATA',
    alertLevel: 'NONE',
    rate: null,
    baseline: null,
    sigma: null,
    threshold: null,
    deviationSigma: null,
    direction: null,
    baselineDays: [],
    views: 0,
    purchases,
    streak: { start: null, length: 0 },
  };
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

function toResult(g: Grid, v: Verdicts, i: number, segment: Segment): DetectionResult {
  const st = v.status[i];
  const views = g.views[i];
  const purchases = g.purchases[i];
  const idx = v.bdIdx[i] ?? EMPTY_IDX;
  const baselineDays: BaselineDay[] = new Array(idx.length);
  for (let t = 0; t < idx.length; t++) {
    const k = idx[t];
    baselineDays[t] = { date: dayString(g.start + k), rate: g.purchases[k] / g.views[k], views: g.views[k] };
  }
  const dir: Direction | null = v.dir[i] < 0 ? 'drop' : v.dir[i] > 0 ? 'spike' : null;
  const run = v.runLen[i];
  const anomalous = st === ST_ANOMALY || st === ST_CRITICAL;
  return {
    date: dayString(g.start + i),
    segment,
    status: STATUS_NAMES[st],
    alertLevel: ALERTS[st],
    rate: purchases / views,
    baseline: num(v.baseline[i]),
    sigma: num(v.sigma[i]),
    threshold: num(v.threshold[i]),
    deviationSigma: num(v.dev[i]),
    direction: anomalous ? dir : null,
    baselineDays,
    views,
    purchases,
    streak:
      anomalous && run > 0
        ? { start: dayString(g.start + i - run + 1), length: run }
        : { start: null, length: 0 },
  };
}
