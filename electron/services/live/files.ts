/**
 * The tap's on-disk layout and its durable, exactly-once batch writer.
 *
 *   FOLDER/live/p=<partition>/<firstOffset:020>-<lastOffset:020>.parquet      valid events, canonical columns
 *   FOLDER/_quarantine/p=<partition>/<firstOffset:020>-<lastOffset:020>.ndjson   malformed messages of that range
 *
 * A batch covers a contiguous offset range [first, last] of one partition — every offset in it, valid or
 * quarantined (or a control record) — and consecutive batches tile the partition without gaps. The Parquet file
 * is the commit point: the quarantine file of a range is made durable first, then the Parquet file is written to
 * a `.tmp` name, fsynced, renamed and the directory fsynced; only then is the Kafka offset committed. On start,
 * `*.tmp` files and quarantine files without their Parquet file are deleted, and each partition resumes at the
 * highest `lastOffset` on disk + 1 — so a crash at any point neither loses nor duplicates a message.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  existsSync,
  writeFileSync,
  accessSync,
  constants,
} from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { LiveEvent } from './message.js';

export const LIVE_DIR = 'live';
export const QUARANTINE_DIR = '_quarantine';
const NAME_RE = /^(\d{20})-(\d{20})\.(parquet|ndjson)$/;

/** Parquet columns of a live batch, in order (DuckDB types). */
export const LIVE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  // Retail Rocket-compatible core: the dataset scanner auto-detects FOLDER/live as the retailrocket layout
  ['timestamp', 'TIMESTAMP'],
  ['visitorid', 'VARCHAR'],
  ['event', 'VARCHAR'],
  ['itemid', 'VARCHAR'],
  ['transactionid', 'VARCHAR'],
  ['device', 'VARCHAR'],
  ['os', 'VARCHAR'],
  ['browser', 'VARCHAR'],
  // the rest of the canonical event, so nothing of the cosmetics / pipeline layouts is lost
  ['session_id', 'VARCHAR'],
  ['price', 'DOUBLE'],
  ['quantity', 'INTEGER'],
  ['brand', 'VARCHAR'],
  ['category', 'VARCHAR'],
  ['category_id', 'VARCHAR'],
  ['product_name', 'VARCHAR'],
  ['country', 'VARCHAR'],
  ['city', 'VARCHAR'],
  ['event_id', 'VARCHAR'],
  ['source_layout', 'VARCHAR'],
  // provenance: (partition, offset) is unique per event — the exactly-once key
  ['_partition', 'INTEGER'],
  ['_offset', 'BIGINT'],
];

/**
 * A mapping file (core/schema.ts MappingFileSchema) that surfaces every live column, written next to the data
 * as FOLDER/live.mapping.json: `funnelscope profile FOLDER/live --mapping FOLDER/live.mapping.json`.
 */
export const LIVE_MAPPING_FILE = {
  layout: 'retailrocket',
  session_id: 'session_id',
  price: 'price',
  quantity: 'quantity',
  dimensions: {
    device: 'device',
    os: 'os',
    browser: 'browser',
    brand: 'brand',
    category: 'category',
    country: 'country',
    city: 'city',
  },
} as const;

const RR_EVENT: Record<string, string> = {
  view: 'view',
  cart: 'addtocart',
  purchase: 'transaction',
  remove_from_cart: 'removefromcart',
};

export function pad(o: bigint): string {
  return o.toString().padStart(20, '0');
}
export function batchName(first: bigint, last: bigint, ext: 'parquet' | 'ndjson'): string {
  return `${pad(first)}-${pad(last)}.${ext}`;
}
export function partitionDir(out: string, partition: number, kind: 'live' | 'quarantine' = 'live'): string {
  return join(out, kind === 'live' ? LIVE_DIR : QUARANTINE_DIR, `p=${partition}`);
}

export interface BatchFileInfo {
  file: string;
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
}

/** Parquet batch files of one partition, sorted by first offset. */
export function listBatches(out: string, partition: number): BatchFileInfo[] {
  const dir = partitionDir(out, partition);
  if (!existsSync(dir)) return [];
  const res: BatchFileInfo[] = [];
  for (const f of readdirSync(dir)) {
    const m = NAME_RE.exec(f);
    if (m && m[3] === 'parquet')
      res.push({ file: join(dir, f), partition, firstOffset: BigInt(m[1]), lastOffset: BigInt(m[2]) });
  }
  return res.sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
}

/** Highest last offset on disk per partition (the resume point is that + 1). */
export function diskEndOffsets(out: string): Map<number, bigint> {
  const res = new Map<number, bigint>();
  const root = join(out, LIVE_DIR);
  if (!existsSync(root)) return res;
  for (const d of readdirSync(root)) {
    const m = /^p=(\d+)$/.exec(d);
    if (!m) continue;
    const p = Number(m[1]);
    const b = listBatches(out, p);
    if (b.length)
      res.set(
        p,
        b.reduce((mx, x) => (x.lastOffset > mx ? x.lastOffset : mx), -1n),
      );
  }
  return res;
}

export function diskEndOffset(out: string, partition: number): bigint {
  const b = listBatches(out, partition);
  return b.reduce((mx, x) => (x.lastOffset > mx ? x.lastOffset : mx), -1n);
}

/**
 * Make FOLDER usable and consistent: create it (clear error when not writable), delete `*.tmp` leftovers of a
 * crash, and delete quarantine files whose Parquet file was never renamed into place.
 */
export function prepareOutFolder(out: string): { removedTmp: string[] } {
  try {
    mkdirSync(join(out, LIVE_DIR), { recursive: true });
    mkdirSync(join(out, QUARANTINE_DIR), { recursive: true });
    accessSync(out, constants.W_OK);
    const probe = join(out, LIVE_DIR, `.write-probe-${process.pid}.tmp`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `output folder ${out} is not writable (${code ?? (err instanceof Error ? err.message : String(err))})`,
    );
  }
  const mappingFile = join(out, 'live.mapping.json');
  if (!existsSync(mappingFile)) writeFileSync(mappingFile, JSON.stringify(LIVE_MAPPING_FILE, null, 2) + '\n');
  const removedTmp: string[] = [];
  for (const kind of [LIVE_DIR, QUARANTINE_DIR]) {
    const root = join(out, kind);
    for (const d of readdirSync(root)) {
      const dir = join(root, d);
      if (d.endsWith('.tmp')) {
        rmSync(dir, { force: true, recursive: true });
        removedTmp.push(dir);
        continue;
      }
      if (!/^p=\d+$/.test(d)) continue;
      for (const f of readdirSync(dir)) {
        const full = join(dir, f);
        if (f.endsWith('.tmp')) {
          if (!tmpOwnerAlive(f)) {
            rmSync(full, { force: true });
            removedTmp.push(full);
          }
        } else if (kind === QUARANTINE_DIR) {
          const m = NAME_RE.exec(f);
          if (m && !existsSync(join(out, LIVE_DIR, d, `${m[1]}-${m[2]}.parquet`))) {
            rmSync(full, { force: true });
            removedTmp.push(full);
          }
        }
      }
    }
  }
  return { removedTmp };
}

/** Temp files are named `<final>.<pid>.tmp`; one of a live process (another tap sharing the folder) is kept. */
let writerSeq = 0;
/** writers alive in this process (several taps may share a process and a folder) */
const activeWriters = new Set<string>();
function tmpName(final: string, writer: string): string {
  return `${final}.${process.pid}-${writer}.tmp`;
}
function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // our own leftovers are from before this start
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
function tmpOwnerAlive(name: string): boolean {
  const m = /\.(\d+)-(\w+)\.tmp$/.exec(name);
  if (!m) return false;
  if (Number(m[1]) === process.pid) return activeWriters.has(m[2]);
  return pidAlive(Number(m[1]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Serialise writers of one partition directory (taps of one group sharing a folder, across processes):
 * `mkdir .lock` is atomic; a lock whose owner process is gone, or older than 60 s, is broken.
 */
async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner'), `${process.pid} ${Date.now()}`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let stale = false;
      try {
        const [pid, at] = readFileSync(join(lock, 'owner'), 'utf8').split(' ').map(Number);
        stale = (pid !== process.pid && !pidAlive(pid)) || Date.now() - at > 60_000;
      } catch {
        try {
          stale = Date.now() - statSync(lock).mtimeMs > 5000;
        } catch {
          stale = false;
        }
      }
      if (stale) rmSync(lock, { recursive: true, force: true });
      else await sleep(Math.min(50, 2 + i));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** write → fsync → rename → fsync(dir). */
function durableRename(tmp: string, final: string, dir: string): void {
  fsyncPath(tmp);
  renameSync(tmp, final);
  fsyncPath(dir);
}

export interface QuarantineRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka record timestamp, epoch ms */
  timestamp: number | null;
  reason: string;
  /** raw key and value bytes, base64 */
  keyBase64: string | null;
  valueBase64: string | null;
  /** the value as UTF-8 text when it is valid UTF-8 (for reading), else null */
  valueText: string | null;
}

export interface PendingBatch {
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
  /** canonical events with their offsets */
  events: LiveEvent[];
  offsets: bigint[];
  quarantine: QuarantineRecord[];
}

export interface WrittenBatch {
  file: string;
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
  rows: number;
  quarantined: number;
  quarantineFile: string | null;
}

const columnsSpec = LIVE_COLUMNS.map(([n, t]) => `'${n}': '${t === 'TIMESTAMP' ? 'BIGINT' : t}'`).join(', ');
const selectList = LIVE_COLUMNS.map(([n, t]) =>
  t === 'TIMESTAMP' ? `make_timestamp(${n} * 1000) AS ${n}` : n,
).join(', ');

const csvStr = (v: string | null): string =>
  v === null ? '' : `"${v.includes('"') ? v.replace(/"/g, '""') : v}"`;
const csvNum = (v: number | null): string => (v === null ? '' : String(v));

/** One CSV staging line in LIVE_COLUMNS order (strings quoted, NULL = empty unquoted field). */
function eventLine(e: LiveEvent, partition: number, offset: bigint): string {
  return (
    `${e.ts},${csvStr(e.visitor_id)},${RR_EVENT[e.event_type]},${csvStr(e.item_id)},${csvStr(e.transaction_id)},` +
    `${csvStr(e.device)},${csvStr(e.os)},${csvStr(e.browser)},${csvStr(e.session_id)},${csvNum(e.price)},${csvNum(e.quantity)},` +
    `${csvStr(e.brand)},${csvStr(e.category)},${csvStr(e.category_id)},${csvStr(e.product_name)},${csvStr(e.country)},` +
    `${csvStr(e.city)},${csvStr(e.event_id)},${e.source_layout},${partition},${offset}`
  );
}

/** Writes batches as Parquet through native DuckDB (NDJSON staging → COPY … (FORMAT parquet)). */
export class BatchWriter {
  private instance: Promise<DuckDBInstance> | null = null;
  /** one connection per partition, so batches of different partitions are written concurrently */
  private cons = new Map<number, DuckDBConnection>();
  private readonly id = `w${++writerSeq}`;

  constructor(private readonly out: string) {
    activeWriters.add(this.id);
  }

  private async connection(partition: number): Promise<DuckDBConnection> {
    let con = this.cons.get(partition);
    if (!con) {
      this.instance ??= DuckDBInstance.create(':memory:', {
        autoload_known_extensions: 'false',
        autoinstall_known_extensions: 'false',
        threads: '2',
      });
      con = await (await this.instance).connect();
      this.cons.set(partition, con);
    }
    return con;
  }

  /**
   * Write one batch durably. Offsets already covered by a file on disk (written by another tap of the same
   * group, or before a restart) are dropped first, so a range is never written twice. Returns null when
   * nothing of the batch was left to write.
   */
  async write(b: PendingBatch, topic: string): Promise<WrittenBatch | null> {
    const dir = partitionDir(this.out, b.partition);
    mkdirSync(dir, { recursive: true });
    return withDirLock(dir, () => this.writeLocked(b, topic));
  }

  private async writeLocked(b: PendingBatch, topic: string): Promise<WrittenBatch | null> {
    const diskEnd = diskEndOffset(this.out, b.partition);
    let first = b.firstOffset;
    let events = b.events;
    let offsets = b.offsets;
    let quarantine = b.quarantine;
    if (diskEnd >= b.lastOffset) return null;
    if (diskEnd >= first) {
      const keep = offsets.map((o) => o > diskEnd);
      events = events.filter((_, i) => keep[i]);
      offsets = offsets.filter((_, i) => keep[i]);
      quarantine = quarantine.filter((q) => BigInt(q.offset) > diskEnd);
      first = diskEnd + 1n;
    }
    const dir = partitionDir(this.out, b.partition);
    let quarantineFile: string | null = null;
    if (quarantine.length) {
      const qdir = partitionDir(this.out, b.partition, 'quarantine');
      mkdirSync(qdir, { recursive: true });
      quarantineFile = join(qdir, batchName(first, b.lastOffset, 'ndjson'));
      const tmp = tmpName(quarantineFile, this.id);
      writeFileSync(tmp, quarantine.map((q) => JSON.stringify({ ...q, topic })).join('\n') + '\n');
      durableRename(tmp, quarantineFile, qdir);
    }
    const file = join(dir, batchName(first, b.lastOffset, 'parquet'));
    const staging = tmpName(join(dir, `${batchName(first, b.lastOffset, 'ndjson')}.staging-csv`), this.id);
    const tmp = tmpName(file, this.id);
    const lines: string[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) lines[i] = eventLine(events[i], b.partition, offsets[i]);
    writeFileSync(staging, lines.join('\n'));
    const con = await this.connection(b.partition);
    const q = (s: string) => s.replace(/'/g, "''");
    try {
      await con.run(
        `COPY (SELECT ${selectList} FROM read_csv('${q(staging)}', columns = {${columnsSpec}}, header = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', auto_detect = false)) ` +
          `TO '${q(tmp)}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
      );
    } finally {
      rmSync(staging, { force: true });
    }
    durableRename(tmp, file, dir);
    return {
      file,
      partition: b.partition,
      firstOffset: first,
      lastOffset: b.lastOffset,
      rows: events.length,
      quarantined: quarantine.length,
      quarantineFile,
    };
  }

  close(): void {
    activeWriters.delete(this.id);
    for (const c of this.cons.values()) c.closeSync();
    this.cons.clear();
    const inst = this.instance;
    this.instance = null;
    void inst?.then((i) => i.closeSync()).catch(() => undefined);
  }
}
