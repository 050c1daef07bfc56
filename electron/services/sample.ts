/**
 * Deterministic sample dataset generator (Retail Rocket layout) with an injected checkout incident, and the
 * first-use sample in the user data directory. Plain Node — imports nothing from `electron`.
 *
 * Model (all draws from one seeded sfc32 stream, so the same options give the same files and truth):
 * - visitors get a device, then an os given the device, then a browser given the os (conditional tables
 *   below — no Safari on Android, no Edge on macOS, Samsung Internet only on Android); returning visitors
 *   keep their combination;
 * - daily volume = trend × weekly seasonality × log-normal day noise (σ 0.08) with rare promo spikes, so day
 *   counts are overdispersed like real traffic; an hour-of-day profile spreads sessions over the day (UTC);
 * - a session views 1 + Geometric items (mean ≈ 2.3 views); each view is added to the cart with ≈ 2.6 % and a
 *   carted item is bought with ≈ 30 % (× device/browser and per-day/per-segment log-normal factors), which
 *   gives about one purchase per ~130 views, as in Retail Rocket; bought items of a session share one
 *   transaction id;
 * - the incident: from its start day on, for `days` days, a share of the transactions of the matching
 *   visitors fail — their `transaction` events are written as `addtocart` without transaction id.
 * Columnar typed arrays are appended to native DuckDB in 2,048-row chunks and written with
 * `COPY … TO … (FORMAT parquet)`, one file per time slice (default: half a day).
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DOUBLE, DuckDBDataChunk, INTEGER, UTINYINT, type DuckDBAppender } from '@duckdb/node-api';
import type { Segment } from '../../core/types.js';
import { listLiteral, literal } from '../../core/sql.js';
import { AbortError, openDuckDB } from './duckdb.js';
import { BROWSER_GIVEN_OS, DEVICE, OS_GIVEN_DEVICE } from '../../core/traffic-mix.js';

/** The incident to inject. */
export interface SampleIncident {
  /** visitors whose dimensions match every entry fail at checkout, e.g. {device:'mobile',os:'ios',browser:'safari'} */
  segment: Segment;
  /** first UTC day of the incident, YYYY-MM-DD (default: `days` before the end of the data) */
  start?: string;
  /** length in days (default 14) */
  days?: number;
  /** share 0–1 of the segment's transactions that fail (default 0.8) */
  share?: number;
}

/** Options of {@link generateSample}. */
export interface SampleOptions {
  /** target number of events (default 2,700,000; the result is within a few events of it) */
  events?: number;
  /** number of Parquet files (default 2 per day); the time range is cut into equal slices */
  files?: number;
  /** PRNG seed (default 42) */
  seed?: number;
  /** incident to inject; null for none; default: 80 % of mobile/ios/safari transactions in the last 14 days */
  incident?: SampleIncident | null;
  /** first UTC day, YYYY-MM-DD (default 2025-03-03) */
  startDate?: string;
  /** number of days (default 137, about 4.5 months) */
  days?: number;
  /** called after each day with the days done */
  onProgress?: (p: { daysDone: number; days: number; events: number }) => void;
  /** aborting stops generation after the current day (rejects with an AbortError; partial files remain) */
  signal?: AbortSignal;
}

/** What was generated and injected; written as truth.json next to the data. */
export interface SampleTruth {
  generator: 'funnelscope-sample';
  version: 1;
  seed: number;
  layout: 'retailrocket';
  startDate: string;
  endDate: string;
  days: number;
  files: number;
  events: number;
  visitors: number;
  counts: { views: number; carts: number; purchases: number };
  incident: null | {
    segment: Segment;
    /** first day of the incident (YYYY-MM-DD) */
    start: string;
    /** last day of the incident (YYYY-MM-DD, inclusive) */
    end: string;
    days: number;
    share: number;
    /** transaction events written as addtocart */
    purchasesConverted: number;
    transactionsConverted: number;
    /** mean views per day of the segment inside the incident */
    segmentViewsPerDay: number;
    /** purchases per day of the segment before the incident, and inside it (after conversion) */
    segmentPurchasesPerDayBefore: number;
    segmentPurchasesPerDayDuring: number;
  };
}

// ---------------------------------------------------------------- device / os / browser model

/** Browsers that exist on each os (used by tests to check no impossible pair is generated). */
export const POSSIBLE_BROWSERS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(BROWSER_GIVEN_OS).map(([os, c]) => [os, c.map(([b]) => b)]),
);
/** Oses that exist on each device. */
export const POSSIBLE_OSES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(OS_GIVEN_DEVICE).map(([d, c]) => [d, c.map(([o]) => o)]),
);

interface Combo {
  device: string;
  os: string;
  browser: string;
  share: number;
  /** multipliers of the cart and the buy probability */
  cart: number;
  buy: number;
}
const DEVICE_CART: Record<string, number> = { desktop: 1.1, mobile: 0.9, tablet: 1.0 };
const DEVICE_BUY: Record<string, number> = { desktop: 1.15, mobile: 0.85, tablet: 1.0 };
const BROWSER_BUY: Record<string, number> = {
  chrome: 1.0,
  safari: 1.05,
  firefox: 0.95,
  edge: 0.95,
  samsung: 0.9,
};

function combos(): Combo[] {
  const out: Combo[] = [];
  for (const [device, pd] of DEVICE)
    for (const [os, po] of OS_GIVEN_DEVICE[device])
      for (const [browser, pb] of BROWSER_GIVEN_OS[os])
        out.push({
          device,
          os,
          browser,
          share: pd * po * pb,
          cart: DEVICE_CART[device],
          buy: DEVICE_BUY[device] * BROWSER_BUY[browser],
        });
  return out;
}

// ---------------------------------------------------------------- PRNG

/** sfc32 seeded through splitmix32: small, fast, good statistical quality, deterministic across platforms. */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(),
    b = split(),
    c = split(),
    d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}
function normal(rng: () => number): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
const logNormal = (rng: () => number, sigma: number) => Math.exp(sigma * normal(rng) - (sigma * sigma) / 2);
function pick(cum: Float64Array, u: number): number {
  let lo = 0,
    hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
function cumulative(weights: number[]): Float64Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const c = new Float64Array(weights.length);
  let acc = 0;
  weights.forEach((w, i) => (c[i] = acc += w / total));
  c[c.length - 1] = 1;
  return c;
}

// ---------------------------------------------------------------- event buffer

const EV_VIEW = 0,
  EV_CART = 1,
  EV_TXN = 2,
  /** a failed checkout: written as addtocart without transaction id; `txn` holds −(failed transaction no.) */
  EV_FAILED = 3;

class Events {
  n = 0;
  ts = new Float64Array(1 << 16);
  vis = new Int32Array(1 << 16);
  ev = new Uint8Array(1 << 16);
  item = new Int32Array(1 << 16);
  txn = new Int32Array(1 << 16);
  combo = new Uint8Array(1 << 16);
  push(ts: number, vis: number, ev: number, item: number, txn: number, combo: number) {
    if (this.n === this.ts.length) this.grow();
    const i = this.n++;
    this.ts[i] = ts;
    this.vis[i] = vis;
    this.ev[i] = ev;
    this.item[i] = item;
    this.txn[i] = txn;
    this.combo[i] = combo;
  }
  private grow() {
    const cap = this.ts.length * 2;
    const g = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.ts = g(this.ts);
    this.vis = g(this.vis);
    this.ev = g(this.ev);
    this.item = g(this.item);
    this.txn = g(this.txn);
    this.combo = g(this.combo);
  }
  /** Move events with ts < cutoff out (sorted by ts, stable), keep the rest. */
  takeBefore(cutoff: number): Events {
    const idx: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.ts[i] < cutoff) idx.push(i);
    idx.sort((x, y) => this.ts[x] - this.ts[y] || x - y);
    const out = new Events();
    for (const i of idx)
      out.push(this.ts[i], this.vis[i], this.ev[i], this.item[i], this.txn[i], this.combo[i]);
    const keep = new Events();
    for (let i = 0; i < this.n; i++)
      if (!(this.ts[i] < cutoff))
        keep.push(this.ts[i], this.vis[i], this.ev[i], this.item[i], this.txn[i], this.combo[i]);
    Object.assign(this, {
      n: keep.n,
      ts: keep.ts,
      vis: keep.vis,
      ev: keep.ev,
      item: keep.item,
      txn: keep.txn,
      combo: keep.combo,
    });
    return out;
  }
}

const DAY_MS = 86_400_000;
const WEEKLY = [0.9, 1.07, 1.09, 1.06, 1.03, 0.97, 0.86]; // Sunday … Saturday
const HOURLY = [
  3, 2.2, 1.6, 1.3, 1.3, 1.6, 2.4, 3.4, 4.4, 5, 5.2, 5.4, 5.5, 5.5, 5.4, 5.4, 5.6, 6, 6.5, 7, 7, 6.6, 5.6,
  4.3,
];
const CART_P = 0.026;
const BUY_P = 0.3;
const RETURN_P = 0.27;
const N_ITEMS = 120_000;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
function parseDay(d: string, what: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) {
    throw new Error(`${what}: invalid date ${JSON.stringify(d)}; expected YYYY-MM-DD`);
  }
  return Date.parse(`${d}T00:00:00Z`);
}

/** The default incident: 80 % of mobile/ios/safari transactions fail during the last 14 days. */
export const DEFAULT_INCIDENT: Required<Pick<SampleIncident, 'segment' | 'days' | 'share'>> = {
  segment: { device: 'mobile', os: 'ios', browser: 'safari' },
  days: 14,
  share: 0.8,
};

/**
 * Write a deterministic Retail-Rocket-layout sample dataset into `outDir` (created; existing
 * `events_batch_*.parquet` files there are overwritten) plus `truth.json`, and return the truth.
 * Parquet columns: timestamp BIGINT (epoch ms), visitorid BIGINT, event VARCHAR (view/addtocart/transaction),
 * itemid BIGINT, transactionid BIGINT (null unless transaction), device, browser, os VARCHAR (lowercase).
 */
export async function generateSample(outDir: string, opts: SampleOptions = {}): Promise<SampleTruth> {
  const targetEvents = Math.max(1000, Math.round(opts.events ?? 2_700_000));
  const days = Math.max(1, Math.round(opts.days ?? 137));
  const nFiles = Math.max(1, Math.round(opts.files ?? days * 2));
  const seed = Math.round(opts.seed ?? 42) >>> 0;
  const startMs = parseDay(opts.startDate ?? '2025-03-03', 'startDate');
  const endMs = startMs + days * DAY_MS;
  const combosList = combos();
  const comboCum = cumulative(combosList.map((c) => c.share));
  const hourCum = cumulative(HOURLY);

  let incident: SampleTruth['incident'] = null;
  let incStart = Infinity,
    incEnd = -Infinity,
    share = 0;
  const inSegment = new Uint8Array(combosList.length);
  if (opts.incident !== null) {
    const inc: SampleIncident = opts.incident ?? DEFAULT_INCIDENT;
    const incDays = Math.max(1, Math.round(inc.days ?? DEFAULT_INCIDENT.days));
    share = inc.share ?? DEFAULT_INCIDENT.share;
    if (!(share >= 0 && share <= 1)) throw new Error(`incident.share must be within 0..1, got ${share}`);
    incStart = inc.start ? parseDay(inc.start, 'incident.start') : endMs - incDays * DAY_MS;
    incEnd = incStart + incDays * DAY_MS;
    const known = new Set(['device', 'os', 'browser']);
    const bad = Object.keys(inc.segment).filter((k) => !known.has(k));
    if (bad.length)
      throw new Error(`incident.segment: unknown dimension(s) ${bad.join(', ')} (device, os, browser)`);
    combosList.forEach((c, i) => {
      inSegment[i] = Object.entries(inc.segment).every(
        ([k, v]) => (c as unknown as Record<string, string>)[k] === v,
      )
        ? 1
        : 0;
    });
    if (!inSegment.some((x) => x))
      throw new Error(
        `incident.segment ${JSON.stringify(inc.segment)} matches no device/os/browser combination`,
      );
    incident = {
      segment: { ...inc.segment },
      start: isoDay(incStart),
      end: isoDay(incEnd - DAY_MS),
      days: incDays,
      share,
      purchasesConverted: 0,
      transactionsConverted: 0,
      segmentViewsPerDay: 0,
      segmentPurchasesPerDayBefore: 0,
      segmentPurchasesPerDayDuring: 0,
    };
  }

  const rng = makeRng(seed);
  // daily volume weights: trend × weekly × overdispersed noise × rare promo spikes
  const weights: number[] = [];
  for (let d = 0; d < days; d++) {
    const dow = new Date(startMs + d * DAY_MS).getUTCDay();
    const trend = 1 + (0.12 * d) / days + 0.05 * Math.sin((2 * Math.PI * d) / 30);
    const promo = rng() < 0.025 ? 1.25 + 0.3 * rng() : 1;
    weights.push(trend * WEEKLY[dow] * logNormal(rng, 0.08) * promo);
  }
  const wsum = weights.reduce((a, b) => a + b, 0);

  await mkdir(outDir, { recursive: true });
  // a previous sample in the same folder (maybe with more files) must not leak into this one
  for (const f of await readdir(outDir)) {
    if (/^events_batch_\d+\.parquet$/.test(f) || f === 'truth.json')
      await rm(path.join(outDir, f), { force: true });
  }
  const db = await openDuckDB();
  const pad = String(nFiles - 1).length < 3 ? 3 : String(nFiles - 1).length;
  const sliceMs = (endMs - startMs) / nFiles;
  const fileName = (k: number) => `events_batch_${String(k).padStart(pad, '0')}.parquet`;
  const devices = listLiteral(combosList.map((c) => c.device));
  const oses = listLiteral(combosList.map((c) => c.os));
  const browsers = listLiteral(combosList.map((c) => c.browser));
  let appender: DuckDBAppender | null = null;
  try {
    await db.exec(`CREATE TABLE ev (ts DOUBLE, v INTEGER, e UTINYINT, i INTEGER, x INTEGER, k UTINYINT)`);
    appender = await db.connection.createAppender('ev');
    const types = [DOUBLE, INTEGER, UTINYINT, INTEGER, INTEGER, UTINYINT];

    const visCombo: number[] = [];
    const visFirstDayIndex: number[] = []; // visitors count at the start of each day
    const buf = new Events();
    let txnCounter = 0;
    let failedCounter = 0;
    const failedSeen = new Set<number>();
    let nextFile = 0;
    const counts = { views: 0, carts: 0, purchases: 0 };
    let events = 0;
    let segViewsInc = 0,
      segBuyBefore = 0,
      segBuyDuring = 0,
      daysBefore = 0;
    const boughtItems: number[] = [];

    for (let d = 0; d < days; d++) {
      if (opts.signal?.aborted) throw new AbortError('sample generation cancelled');
      const dayStart = startMs + d * DAY_MS;
      const dow = new Date(dayStart).getUTCDay();
      visFirstDayIndex.push(visCombo.length);
      const dayEvents = Math.round((targetEvents * weights[d]) / wsum);
      // conversion noise: day-level and segment×day-level (beyond binomial noise)
      const dayConv = logNormal(rng, 0.05) * (dow === 0 || dow === 6 ? 0.95 : 1);
      const segConv = combosList.map(() => logNormal(rng, 0.06));
      const recentFrom = visFirstDayIndex[Math.max(0, d - 28)];
      if (dayStart < incStart) daysBefore++;
      // sessions start until the day's event budget is spent, so the total lands within a few events of the target
      const budgetEnd = buf.n + dayEvents;
      while (buf.n < budgetEnd) {
        let vis: number;
        if (visCombo.length > recentFrom && rng() < RETURN_P) {
          vis = recentFrom + Math.floor(rng() * (visCombo.length - recentFrom));
        } else {
          vis = visCombo.length;
          visCombo.push(pick(comboCum, rng()));
        }
        const combo = visCombo[vis];
        const cb = combosList[combo];
        const pCart = CART_P * cb.cart * dayConv;
        const pBuy = BUY_P * cb.buy * segConv[combo];
        let t = dayStart + pick(hourCum, rng()) * 3_600_000 + Math.floor(rng() * 3_600_000);
        let nViews = 1;
        while (rng() < 0.57 && nViews < 40) nViews++;
        boughtItems.length = 0;
        for (let v = 0; v < nViews; v++) {
          t += 8_000 + Math.floor(-Math.log(1 - rng()) * 55_000);
          const k = Math.floor(N_ITEMS * Math.pow(rng(), 2.6));
          const item = ((k * 48_271) % 466_867) + 1;
          buf.push(t, vis + 1, EV_VIEW, item, 0, combo);
          if (rng() < pCart) {
            t += 3_000 + Math.floor(rng() * 40_000);
            buf.push(t, vis + 1, EV_CART, item, 0, combo);
            if (rng() < pBuy) boughtItems.push(item);
          }
        }
        if (boughtItems.length) {
          t += 60_000 + Math.floor(rng() * 540_000);
          const fails = inSegment[combo] === 1 && t >= incStart && t < incEnd && rng() < share;
          const txn = fails ? -++failedCounter : ++txnCounter;
          for (let j = 0; j < boughtItems.length; j++) {
            buf.push(t + j, vis + 1, fails ? EV_FAILED : EV_TXN, boughtItems[j], txn, combo);
          }
        }
      }
      // flush the events of finished days, then write every finished file slice
      const dayEnd = Math.min(dayStart + DAY_MS, endMs);
      const done = buf.takeBefore(d === days - 1 ? endMs : dayEnd);
      events += done.n;
      // the truth counts what is written (events after the last day are dropped)
      for (let i = 0; i < done.n; i++) {
        const ev = done.ev[i];
        const ts = done.ts[i];
        const seg = inSegment[done.combo[i]] === 1;
        const during = ts >= incStart && ts < incEnd;
        if (ev === EV_VIEW) {
          counts.views++;
          if (seg && during) segViewsInc++;
        } else if (ev === EV_CART) counts.carts++;
        else if (ev === EV_TXN) {
          counts.purchases++;
          if (seg && ts < incStart) segBuyBefore++;
          else if (seg && during) segBuyDuring++;
        } else {
          counts.carts++;
          incident!.purchasesConverted++;
          failedSeen.add(done.txn[i]);
        }
      }
      await appendColumns(appender, types, done);
      appender.flushSync();
      while (nextFile < nFiles && startMs + (nextFile + 1) * sliceMs <= dayEnd + 0.5) {
        const a = startMs + nextFile * sliceMs;
        const b = nextFile === nFiles - 1 ? endMs : startMs + (nextFile + 1) * sliceMs;
        const file = path.join(outDir, fileName(nextFile));
        await db.exec(
          `COPY (SELECT CAST(ts AS BIGINT) AS "timestamp", CAST(v AS BIGINT) AS visitorid, ` +
            `['view', 'addtocart', 'transaction', 'addtocart'][e + 1] AS event, CAST(i AS BIGINT) AS itemid, ` +
            `CAST(CASE WHEN x > 0 THEN x END AS BIGINT) AS transactionid, ${devices}[k + 1] AS device, ${browsers}[k + 1] AS browser, ` +
            `${oses}[k + 1] AS os FROM ev WHERE ts >= ${a} AND ts < ${b}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        await db.exec(`DELETE FROM ev WHERE ts < ${b}`);
        nextFile++;
      }
      opts.onProgress?.({ daysDone: d + 1, days, events });
    }
    // events that fell after the end are dropped (their sessions started on the last evening)
    if (incident) {
      const incDaysIn = Math.max(
        1,
        Math.round((Math.min(incEnd, endMs) - Math.max(incStart, startMs)) / DAY_MS),
      );
      incident.transactionsConverted = failedSeen.size;
      incident.segmentViewsPerDay = Math.round(segViewsInc / incDaysIn);
      incident.segmentPurchasesPerDayBefore = Math.round((segBuyBefore / Math.max(1, daysBefore)) * 10) / 10;
      incident.segmentPurchasesPerDayDuring = Math.round((segBuyDuring / incDaysIn) * 10) / 10;
    }
    const truth: SampleTruth = {
      generator: 'funnelscope-sample',
      version: 1,
      seed,
      layout: 'retailrocket',
      startDate: isoDay(startMs),
      endDate: isoDay(endMs - DAY_MS),
      days,
      files: nFiles,
      events,
      visitors: visCombo.length,
      counts,
      incident,
    };
    await writeFile(path.join(outDir, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
    return truth;
  } finally {
    appender?.closeSync();
    db.close();
  }
}

async function appendColumns(
  appender: DuckDBAppender,
  types: Parameters<typeof DuckDBDataChunk.create>[0],
  e: Events,
) {
  const cols = [e.ts, e.vis, e.ev, e.item, e.txn, e.combo];
  for (let off = 0; off < e.n; off += 2048) {
    const n = Math.min(2048, e.n - off);
    const chunk = DuckDBDataChunk.create(types, n);
    for (let j = 0; j < cols.length; j++)
      chunk.setColumnValues(j, Array.from(cols[j].subarray(off, off + n)));
    appender.appendDataChunk(chunk);
  }
}

/** Where the embedded sample lives inside the app's user data directory. */
export function defaultSampleDir(userDataDir: string): string {
  return path.join(userDataDir, 'sample-v1');
}

/**
 * Return the sample dataset in the user data directory, generating it (default options) on first use.
 * Idempotent and safe against half-written samples: it is generated into a temporary sibling folder and
 * renamed into place only when complete; a folder with a truth.json is considered complete.
 */
export async function ensureSample(
  userDataDir: string,
  opts: Pick<SampleOptions, 'onProgress' | 'signal'> = {},
): Promise<{ dir: string; truth: SampleTruth; generated: boolean }> {
  const dir = defaultSampleDir(userDataDir);
  const existing = await readTruth(dir);
  if (existing) return { dir, truth: existing, generated: false };
  await mkdir(userDataDir, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    const truth = await generateSample(tmp, { onProgress: opts.onProgress, signal: opts.signal });
    await rm(dir, { recursive: true, force: true }); // an incomplete leftover (no truth.json)
    try {
      await rename(tmp, dir);
    } catch (err) {
      const other = await readTruth(dir); // another process won the race
      if (other) return { dir, truth: other, generated: false };
      throw err;
    }
    return { dir, truth, generated: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function readTruth(dir: string): Promise<SampleTruth | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as SampleTruth;
  } catch {
    return null;
  }
}
