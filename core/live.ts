/**
 * Live view analysis: today so far, per segment, against the same weekday of the previous weeks up to the same
 * time of day, and the hour-grain detector's running status for today (core/hourly.ts).
 *
 * "Today" is the day of the latest event and "now" its time (so a replay of 2015 data works like live data).
 * A baseline day b = today − 7k (k = 1…weeks) contributes its counts of the hours before now's hour plus the
 * fraction of now's hour that has passed (now 14:36 → hours 0–13 + 0.6 × hour 14), the same share of the day
 * that today has had. Baseline days without views are left out.
 *
 * Today's conversion (purchases / views) is compared with the median of the baseline days' conversions; σ is
 * the larger of the baseline days' robust spread (1.4826 · MAD) and today's binomial sampling σ
 * √(p(1 − p)/views) — with few views today the sampling noise dominates, so a thin segment never looks like an
 * incident just because its baseline happened to be steady. Pure TypeScript.
 */
import { detectHourly, type HourCounts } from './hourly.js';
import { settingsFor } from './detector.js';
import { medianAndSigma, dayNumber, dayString } from './stats.js';
import type { DetectionStatus, DetectorSettings, Segment } from './types.js';

/** One hour × one combination of the live cube's dimension values. */
export interface LiveHourRow {
  date: string;
  hour: number;
  dims: Record<string, string | null>;
  views: number;
  carts: number;
  purchases: number;
}

export interface FunnelCounts {
  views: number;
  carts: number;
  purchases: number;
}

export interface LiveBaselineDay extends FunnelCounts {
  date: string;
  /** purchases / views up to the same time of day */
  rate: number;
}

/** Where "now" is: the latest event time. */
export interface LiveNow {
  date: string;
  hour: number;
  /** minutes into the hour, 0–59.99 */
  minute: number;
}

export interface LiveSegmentResult {
  segment: Segment;
  /** number of dimensions in the segment (0 = all traffic) */
  level: number;
  today: FunnelCounts;
  /** median of the baseline days' counts up to the same time */
  baseline: FunnelCounts;
  baselineDays: LiveBaselineDay[];
  /** purchases / views today; null without views */
  rate: number | null;
  /** median baseline conversion; null without baseline days */
  baselineRate: number | null;
  /** carts / views and purchases / carts, today and (median) baseline */
  cartRate: number | null;
  baselineCartRate: number | null;
  checkoutRate: number | null;
  baselineCheckoutRate: number | null;
  /** σ of today's conversion (see the module comment) */
  sigma: number | null;
  /** (rate − baselineRate) / sigma */
  deviationSigma: number | null;
  /** relative change of conversion against the baseline */
  change: number | null;
  /** the hour-grain detector's verdict of the latest judged hour today */
  detector: {
    status: DetectionStatus;
    /** hour of that verdict (null when no hour today could be judged) */
    hour: number | null;
    deviationSigma: number | null;
    /** the most severe status of any hour today so far */
    worst: DetectionStatus;
    /** start of the running anomalous streak, if any */
    streakStart: { date: string; hour: number } | null;
    streakHours: number;
  };
}

export interface LiveTodayResult {
  now: LiveNow;
  /** weekday name of today */
  weekday: string;
  /** the baseline dates considered (same weekday, newest first) */
  baselineDates: string[];
  dimensions: string[];
  /** all traffic first, then single values by dimension, then flagged combinations (worst first) */
  segments: LiveSegmentResult[];
  /** combinations checked (for the UI: "n combinations checked, k flagged") */
  checked: number;
  /** all traffic by hour of today: views and conversion, with the baseline median of the same hour */
  hours: {
    hour: number;
    views: number;
    purchases: number;
    baselineViews: number | null;
    baselineRate: number | null;
  }[];
}

export interface LiveTodayOptions {
  dimensions: string[];
  settings: DetectorSettings;
  /** latest event time; default: the end of the latest hour with views */
  now?: LiveNow | null;
  /** weeks of same-weekday baseline (default settings.weeks) */
  weeks?: number;
  /** highest combination level checked (default 3) */
  maxLevel?: number;
  /** combinations (level ≥ 2) are listed when flagged; at most this many (default 12) */
  maxFlagged?: number;
  /** a segment needs this many views today to be listed (default: 0.5 % of today's views, at least 20) */
  minViews?: number;
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const SEVERITY: Record<DetectionStatus, number> = {
  NO_DATA: 0,
  INSUFFICIENT_DATA: 1,
  OK: 2,
  ANOMALY: 3,
  CRITICAL: 4,
};
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** "now" from an ISO time (UTC). */
export function liveNowOf(iso: string): LiveNow {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`bad time ${iso}`);
  const d = new Date(ms);
  return {
    date: d.toISOString().slice(0, 10),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes() + d.getUTCSeconds() / 60 + d.getUTCMilliseconds() / 60_000,
  };
}

/**
 * Counts of one day's hourly rows up to the same time of day as `now`: the hours before now's hour in full,
 * now's hour by the share of it that has passed. `byHour[h]` = counts of hour h.
 */
export function upToSameTime(
  byHour: ArrayLike<FunnelCounts | undefined>,
  now: Pick<LiveNow, 'hour' | 'minute'>,
): FunnelCounts {
  const out = { views: 0, carts: 0, purchases: 0 };
  for (let h = 0; h < now.hour; h++) {
    const c = byHour[h];
    if (!c) continue;
    out.views += c.views;
    out.carts += c.carts;
    out.purchases += c.purchases;
  }
  const cur = byHour[now.hour];
  const f = Math.min(1, Math.max(0, now.minute / 60));
  if (cur) {
    out.views += cur.views * f;
    out.carts += cur.carts * f;
    out.purchases += cur.purchases * f;
  }
  return out;
}

/** Today's conversion against the baseline days' conversions (see the module comment). */
export function compareToBaseline(
  today: FunnelCounts,
  days: LiveBaselineDay[],
): { baselineRate: number | null; sigma: number | null; deviationSigma: number | null } {
  if (days.length < 2 || today.views <= 0)
    return { baselineRate: days.length ? days[0].rate : null, sigma: null, deviationSigma: null };
  const { median, sigma: spread } = medianAndSigma(days.map((d) => d.rate));
  const sampling = Math.sqrt(Math.max(median * (1 - median), 1e-12) / today.views);
  const sigma = Math.max(spread, sampling);
  const rate = today.purchases / today.views;
  return { baselineRate: median, sigma, deviationSigma: sigma > 0 ? (rate - median) / sigma : null };
}

const segKey = (dims: string[], values: (string | null)[]) =>
  JSON.stringify(values.map((v, i) => [dims[i], v]));

/** Every non-empty combination of up to `maxLevel` of `dims` (as index lists). */
function combinations(n: number, maxLevel: number): number[][] {
  const out: number[][] = [[]];
  const rec = (start: number, cur: number[]) => {
    for (let i = start; i < n; i++) {
      const next = [...cur, i];
      if (next.length <= maxLevel) {
        out.push(next);
        rec(i + 1, next);
      }
    }
  };
  rec(0, []);
  return out;
}

/** Today per segment against the same weekdays up to the same time, with the detector's running status. */
export function liveToday(rows: readonly LiveHourRow[], opts: LiveTodayOptions): LiveTodayResult | null {
  if (!rows.length) return null;
  const settings = settingsFor(opts.settings.profile, opts.settings);
  const weeks = opts.weeks ?? settings.weeks;
  const maxLevel = Math.min(opts.maxLevel ?? 3, opts.dimensions.length);
  let now = opts.now ?? null;
  if (!now) {
    let last = -Infinity;
    for (const r of rows)
      if (r.views + r.carts + r.purchases > 0) last = Math.max(last, dayNumber(r.date) * 24 + r.hour);
    if (!Number.isFinite(last)) return null;
    const day = Math.floor(last / 24);
    now = { date: dayString(day), hour: last - day * 24, minute: 60 };
  }
  const today = dayNumber(now.date);
  const baselineDates = Array.from({ length: weeks }, (_, k) => dayString(today - 7 * (k + 1)));
  const dayIndex = new Map<number, number>([[today, 0]]);
  baselineDates.forEach((d, k) => dayIndex.set(dayNumber(d), k + 1));

  const dims = opts.dimensions;
  const combos = combinations(dims.length, maxLevel);
  // per segment: counts per (day slot 0…weeks) × hour, and the full hourly series for the detector
  interface Acc {
    segment: Segment;
    level: number;
    days: (FunnelCounts | undefined)[][];
    series: Map<number, HourCounts>;
  }
  const accs = new Map<string, Acc>();
  for (const r of rows) {
    const day = dayNumber(r.date);
    const di = dayIndex.get(day);
    const slot = day * 24 + r.hour;
    for (const combo of combos) {
      const cd = combo.map((i) => dims[i]);
      const values = combo.map((i) => r.dims[dims[i]] ?? null);
      if (values.some((v) => v === null)) continue;
      const key = segKey(cd, values);
      let a = accs.get(key);
      if (!a) {
        const segment: Segment = {};
        cd.forEach((d, i) => (segment[d] = values[i] as string));
        a = {
          segment,
          level: combo.length,
          days: Array.from({ length: weeks + 1 }, () => []),
          series: new Map(),
        };
        accs.set(key, a);
      }
      if (di !== undefined) {
        const c = (a.days[di][r.hour] ??= { views: 0, carts: 0, purchases: 0 });
        c.views += r.views;
        c.carts += r.carts;
        c.purchases += r.purchases;
      }
      if (day <= today) {
        const h = a.series.get(slot);
        if (h) {
          h.views += r.views;
          h.carts += r.carts;
          h.purchases += r.purchases;
        } else
          a.series.set(slot, {
            date: r.date,
            hour: r.hour,
            views: r.views,
            carts: r.carts,
            purchases: r.purchases,
            revenue: 0,
          });
      }
    }
  }
  const total = accs.get(segKey([], []));
  const todayTotal = total
    ? upToSameTime(total.days[0], { hour: now.hour, minute: 60 })
    : { views: 0, carts: 0, purchases: 0 };
  const minViews = opts.minViews ?? Math.max(20, Math.round(todayTotal.views * 0.005));

  const results: LiveSegmentResult[] = [];
  for (const a of accs.values()) {
    const t = upToSameTime(a.days[0], { hour: now.hour, minute: 60 }); // today: everything so far
    if (a.level > 0 && t.views < minViews) continue;
    const baselineDays: LiveBaselineDay[] = [];
    for (let k = 1; k <= weeks; k++) {
      const c = upToSameTime(a.days[k], now);
      if (c.views > 0) baselineDays.push({ date: baselineDates[k - 1], ...c, rate: c.purchases / c.views });
    }
    const med = (f: (d: LiveBaselineDay) => number) =>
      baselineDays.length ? medianAndSigma(baselineDays.map(f)).median : NaN;
    const baseline = baselineDays.length
      ? { views: med((d) => d.views), carts: med((d) => d.carts), purchases: med((d) => d.purchases) }
      : { views: 0, carts: 0, purchases: 0 };
    const cmp = compareToBaseline(t, baselineDays);
    const rate = ratio(t.purchases, t.views);
    const verdicts = detectHourly([...a.series.values()], settings, a.segment, {
      from: now.date,
      to: now.date,
    });
    let latest: (typeof verdicts)[number] | null = null;
    let worst: DetectionStatus = 'NO_DATA';
    for (const v of verdicts) {
      if (v.hour! > now.hour) break;
      if (SEVERITY[v.status] > SEVERITY[worst]) worst = v.status;
      if (v.status !== 'NO_DATA' && v.status !== 'INSUFFICIENT_DATA') latest = v;
    }
    const bCart = baselineDays.length ? med((d) => (d.views > 0 ? d.carts / d.views : 0)) : null;
    const bCheckout = baselineDays.some((d) => d.carts > 0)
      ? medianAndSigma(baselineDays.filter((d) => d.carts > 0).map((d) => d.purchases / d.carts)).median
      : null;
    results.push({
      segment: a.segment,
      level: a.level,
      today: t,
      baseline,
      baselineDays,
      rate,
      baselineRate: cmp.baselineRate,
      cartRate: ratio(t.carts, t.views),
      baselineCartRate: bCart,
      checkoutRate: ratio(t.purchases, t.carts),
      baselineCheckoutRate: bCheckout,
      sigma: cmp.sigma,
      deviationSigma: cmp.deviationSigma,
      change: rate !== null && cmp.baselineRate ? (rate - cmp.baselineRate) / cmp.baselineRate : null,
      detector: {
        status: latest?.status ?? (worst === 'NO_DATA' ? 'NO_DATA' : 'INSUFFICIENT_DATA'),
        hour: latest?.hour ?? null,
        deviationSigma: latest?.deviationSigma ?? null,
        worst,
        streakStart:
          latest && latest.streak.length > 0 && latest.streak.start
            ? { date: latest.streak.start, hour: latest.streak.startHour ?? 0 }
            : null,
        streakHours: latest?.streak.length ?? 0,
      },
    });
  }
  const flagged = (r: LiveSegmentResult) =>
    r.detector.status === 'ANOMALY' ||
    r.detector.status === 'CRITICAL' ||
    (r.deviationSigma !== null && r.deviationSigma <= -settings.sigma);
  const worstFirst = (x: LiveSegmentResult, y: LiveSegmentResult) =>
    SEVERITY[y.detector.status] - SEVERITY[x.detector.status] ||
    (x.deviationSigma ?? 0) - (y.deviationSigma ?? 0);
  const totalRow = results.filter((r) => r.level === 0);
  const singles = results
    .filter((r) => r.level === 1)
    .sort(
      (x, y) =>
        dims.indexOf(Object.keys(x.segment)[0]) - dims.indexOf(Object.keys(y.segment)[0]) ||
        y.today.views - x.today.views,
    );
  const combosFlagged = results
    .filter((r) => r.level >= 2 && flagged(r))
    .sort(worstFirst)
    .slice(0, opts.maxFlagged ?? 12);

  const hours: LiveTodayResult['hours'] = [];
  for (let h = 0; h <= now.hour; h++) {
    const c = total?.days[0][h];
    const base = (total?.days.slice(1) ?? [])
      .map((d) => d[h])
      .filter((x): x is FunnelCounts => !!x && x.views > 0);
    hours.push({
      hour: h,
      views: c?.views ?? 0,
      purchases: c?.purchases ?? 0,
      baselineViews: base.length ? medianAndSigma(base.map((b) => b.views)).median : null,
      baselineRate: base.length ? medianAndSigma(base.map((b) => b.purchases / b.views)).median : null,
    });
  }
  return {
    now,
    weekday: WEEKDAYS[(((today + 3) % 7) + 7) % 7],
    baselineDates,
    dimensions: [...dims],
    segments: [...totalRow, ...singles, ...combosFlagged],
    checked: results.length,
    hours,
  };
}
