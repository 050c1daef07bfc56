/**
 * Replay producer: a Parquet folder (any layout the tap understands, including the tap's own live/ output) →
 * JSON events on a Kafka topic, in event-time order, keyed by visitor (or session), throttled by a fixed rate or
 * by event time × speedup. Used by `funnelscope replay`, the integration tests and the tap benchmark.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import {
  normalizeObject,
  parseTimestamp,
  toLayout,
  type LiveMapping,
  type ReplayLayout,
  type LiveEvent,
} from './message.js';

export interface ReplayOptions {
  folder: string;
  brokers: string[];
  topic: string;
  /** events per second (default: as fast as possible) */
  rate?: number;
  /** replay event time this many times faster than real time (exclusive with rate) */
  speedup?: number;
  /** only events at or after / before this time (YYYY-MM-DD or ISO) */
  from?: string;
  to?: string;
  /** message layout to publish (default retailrocket) */
  layout?: ReplayLayout;
  /** message key (default visitor) */
  keyBy?: 'visitor' | 'session';
  /** partitions when the topic must be created (default 3) */
  partitions?: number;
  mapping?: LiveMapping;
  /** progress callback, at most ~5× a second */
  onProgress?: (p: ReplayProgress) => void;
  signal?: AbortSignal;
}

export interface ReplayProgress {
  sent: number;
  total: number;
  skipped: number;
  eventsPerSecond: number;
  elapsedMs: number;
  /** event time of the last event sent (ISO) */
  eventTime: string | null;
}

export interface ReplayResult extends ReplayProgress {
  topicCreated: boolean;
}

export class ReplayInputError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Create the topic unless it exists. Returns true when it was created. */
export async function ensureTopic(brokers: string[], topic: string, partitions = 3): Promise<boolean> {
  const admin = new Admin({
    clientId: 'funnelscope-admin',
    bootstrapBrokers: brokers,
    retries: 2,
    connectTimeout: 3000,
  });
  try {
    let created = false;
    try {
      const md = await admin.metadata({ topics: [topic] });
      if (md.topics.has(topic)) return false;
    } catch {
      /* unknown topic → create */
    }
    try {
      await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
      created = true;
    } catch (e) {
      const m =
        e instanceof Error ? JSON.stringify((e as { errors?: unknown }).errors ?? e.message) : String(e);
      if (!/TOPIC_ALREADY_EXISTS|36/.test(m))
        throw new Error(
          `cannot create topic "${topic}" on ${brokers.join(',')}: ${e instanceof Error ? e.message : String(e)}`,
        );
    }
    for (let i = 0; i < 100; i++) {
      try {
        const md = await admin.metadata({ topics: [topic], forceUpdate: true });
        const t = md.topics.get(topic);
        if (t && t.partitions.every((p) => p.leader >= 0)) return created;
      } catch {
        /* not yet */
      }
      await sleep(100);
    }
    throw new Error(`topic "${topic}" has no leader after creation`);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export function newProducer(
  brokers: string[],
  clientId = 'funnelscope-replay',
): Producer<string, string, string, string> {
  return new Producer({
    clientId,
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
    compression: 'lz4',
    retries: 10,
    retryDelay: 500,
  });
}

function toPlain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.getTime();
  return v;
}

/** The column holding event time for a folder's layout. */
function timeColumn(cols: Set<string>): string {
  for (const c of ['ts', 'timestamp', 'event_time', 'event_timestamp']) if (cols.has(c)) return c;
  throw new ReplayInputError(
    `no event-time column (ts, timestamp, event_time or event_timestamp) in the Parquet files`,
  );
}

/** Reads the folder in event-time order and yields canonical events (invalid rows are counted, not sent). */
export async function* readFolderEvents(
  folder: string,
  opts: { from?: number; to?: number; mapping?: LiveMapping; onSkip?: (reason: string) => void } = {},
): AsyncGenerator<LiveEvent, void, undefined> {
  if (!existsSync(folder)) throw new ReplayInputError(`folder ${folder} does not exist`);
  const glob = statSync(folder).isDirectory() ? join(folder, '**', '*.parquet') : folder;
  const inst = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const con = await inst.connect();
  try {
    const src = `read_parquet('${glob.replace(/'/g, "''")}', union_by_name = true)`;
    let cols: Set<string>;
    try {
      const d = await con.run(`DESCRIBE SELECT * FROM ${src}`);
      cols = new Set((await d.getRowObjectsJS()).map((r) => String(r.column_name)));
    } catch (e) {
      throw new ReplayInputError(
        `cannot read Parquet files in ${folder}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      );
    }
    const tcol = opts.mapping ? opts.mapping.columns.ts : timeColumn(cols);
    const order = cols.has('_offset') ? `"${tcol}", _partition, _offset` : `"${tcol}"`;
    const result = await con.stream(`SELECT * FROM ${src} ORDER BY ${order}`);
    for await (const rows of result.yieldRowObjectJs()) {
      for (const row of rows) {
        const o: Record<string, unknown> = {};
        for (const k in row) o[k] = toPlain(row[k]);
        const r = normalizeObject(o, opts.mapping);
        if (!r.ok) {
          opts.onSkip?.(r.reason);
          continue;
        }
        if (opts.from !== undefined && r.event.ts < opts.from) continue;
        if (opts.to !== undefined && r.event.ts >= opts.to) continue;
        yield r.event;
      }
    }
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

function parseBound(s: string | undefined, name: string, endOfDay: boolean): number | undefined {
  if (s === undefined) return undefined;
  const t = parseTimestamp(s);
  if (t === null) throw new ReplayInputError(`--${name} "${s}" is not a date or time`);
  return /^\d{4}-\d{2}-\d{2}$/.test(s.trim()) && endOfDay ? t + 86_400_000 : t;
}

/** Count the events a replay would send (for the progress bar). */
async function countRows(folder: string): Promise<number> {
  const glob = statSync(folder).isDirectory() ? join(folder, '**', '*.parquet') : folder;
  const inst = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const con = await inst.connect();
  try {
    const r = await con.run(
      `SELECT count(*)::BIGINT AS n FROM read_parquet('${glob.replace(/'/g, "''")}', union_by_name = true)`,
    );
    return Number((await r.getRowObjectsJS())[0].n);
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  if (opts.rate !== undefined && opts.speedup !== undefined)
    throw new ReplayInputError('give either --rate or --speedup, not both');
  if (opts.rate !== undefined && !(opts.rate > 0)) throw new ReplayInputError('--rate must be > 0');
  if (opts.speedup !== undefined && !(opts.speedup > 0)) throw new ReplayInputError('--speedup must be > 0');
  const from = parseBound(opts.from, 'from', false);
  const to = parseBound(opts.to, 'to', true);
  const layout = opts.layout ?? 'retailrocket';
  if (!existsSync(opts.folder)) throw new ReplayInputError(`folder ${opts.folder} does not exist`);
  const total = await countRows(opts.folder).catch((e: unknown) => {
    throw new ReplayInputError(
      `cannot read Parquet files in ${opts.folder}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
    );
  });
  const topicCreated = await ensureTopic(opts.brokers, opts.topic, opts.partitions ?? 3);
  const producer = newProducer(opts.brokers);
  const start = Date.now();
  let sent = 0;
  let skipped = 0;
  let lastTs: number | null = null;
  let firstTs: number | null = null;
  let lastProgress = 0;
  const progress = (): ReplayProgress => {
    const elapsedMs = Date.now() - start;
    return {
      sent,
      total,
      skipped,
      elapsedMs,
      eventsPerSecond: elapsedMs > 0 ? Math.round((sent * 1000) / elapsedMs) : 0,
      eventTime: lastTs === null ? null : new Date(lastTs).toISOString(),
    };
  };
  const BATCH = opts.rate !== undefined ? Math.max(1, Math.min(1000, Math.round(opts.rate / 20))) : 2000;
  let batch: { topic: string; key: string; value: string }[] = [];
  let inflight: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (!batch.length) return;
    const messages = batch;
    batch = [];
    await inflight; // one send in flight at a time keeps per-key order
    inflight = producer.send({ messages });
    sent += messages.length;
  };
  try {
    for await (const e of readFolderEvents(opts.folder, {
      from,
      to,
      mapping: opts.mapping,
      onSkip: () => skipped++,
    })) {
      if (opts.signal?.aborted) break;
      if (firstTs === null) firstTs = e.ts;
      lastTs = e.ts;
      const key = opts.keyBy === 'session' && e.session_id ? e.session_id : e.visitor_id;
      batch.push({ topic: opts.topic, key, value: JSON.stringify(toLayout(layout, e)) });
      const queued = sent + batch.length;
      if (opts.rate !== undefined) {
        const due = start + (queued * 1000) / opts.rate;
        if (batch.length >= BATCH || due - Date.now() > 50) {
          await flush();
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
        }
      } else if (opts.speedup !== undefined) {
        const due = start + (e.ts - firstTs) / opts.speedup;
        if (batch.length >= BATCH || due - Date.now() > 50) {
          await flush();
          const wait = due - Date.now();
          if (wait > 0) await sleep(Math.min(wait, 60_000));
        }
      } else if (batch.length >= BATCH) {
        await flush();
      }
      if (opts.onProgress && Date.now() - lastProgress > 200) {
        lastProgress = Date.now();
        opts.onProgress(progress());
      }
    }
    await flush();
    await inflight;
  } finally {
    await producer.close().catch(() => undefined);
  }
  const p = progress();
  opts.onProgress?.(p);
  return { ...p, topicCreated };
}
