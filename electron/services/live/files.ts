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
 *
 * Compaction ({@link BatchWriter.compact}) merges runs of consecutive small Parquet files of a partition into one
 * file named by the merged range (`.tmp` → fsync → rename → fsync dir), then deletes the files it merged. A file
 * whose range lies inside another file's range is *covered*: readers skip it (covered.ts, used by the dataset's
 * folder listing) and start-up recovery deletes it, so a crash between the rename and the last delete neither
 * loses nor duplicates a row, and the resume point (the highest last offset) is the same before and after.
 * Quarantine files are not merged (there is one only per batch that had malformed messages); a quarantine file
 * belongs to the Parquet file whose range covers its own.
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
import { literal, listLiteral } from '../../../core/sql.js';
import { coveredNames, parseBatchName } from './covered.js';
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

/**
 * Parquet batch files of one partition, sorted by first offset. Files covered by a merged file (left by a
 * compaction that has not deleted them yet) are left out unless `withCovered`.
 */
export function listBatches(out: string, partition: number, withCovered = false): BatchFileInfo[] {
  const dir = partitionDir(out, partition);
  if (!existsSync(dir)) return [];
  const res: BatchFileInfo[] = [];
  const names = readdirSync(dir).filter((f) => NAME_RE.exec(f)?.[3] === 'parquet');
  const covered = withCovered ? new Set<string>() : coveredNames(names);
  for (const f of names) {
    const m = NAME_RE.exec(f)!;
    if (!covered.has(f))
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
 * crash, delete Parquet files covered by a merged file (a compaction interrupted before its deletes), and
 * delete quarantine files whose range no Parquet file covers (their batch was never renamed into place).
 * Everything deleted is returned in `removedTmp`.
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
      const names = readdirSync(dir);
      // Parquet files of the partition's range (what a quarantine file must lie inside)
      const liveNames =
        kind === LIVE_DIR
          ? names
          : existsSync(join(out, LIVE_DIR, d))
            ? readdirSync(join(out, LIVE_DIR, d))
            : [];
      const ranges = liveNames
        .map((f) => parseBatchName(f))
        .filter((r) => r !== null && r.ext === 'parquet')
        .map((r) => r!);
      const covered = kind === LIVE_DIR ? coveredNames(names.filter((f) => f.endsWith('.parquet'))) : null;
      let deleted = false;
      for (const f of names) {
        const full = join(dir, f);
        let remove = false;
        if (f.endsWith('.tmp')) remove = !tmpOwnerAlive(f);
        else if (covered?.has(f)) remove = true;
        else if (kind === QUARANTINE_DIR) {
          const r = parseBatchName(f);
          remove = r !== null && !ranges.some((p) => p.first <= r.first && r.last <= p.last);
        }
        if (remove) {
          rmSync(full, { force: true });
          removedTmp.push(full);
          deleted = true;
        }
      }
      if (deleted) fsyncPath(dir);
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

/** When and how far a partition's batch files are merged (see {@link BatchWriter.compact}). */
export interface CompactionPolicy {
  /** merge when the partition has at least this many small files (≥ 2) */
  minFiles: number;
  /** a merged file stays under this many bytes (sum of the files it merges); files of half of it are not small */
  maxBytes: number;
  /** … and this many rows; files of half of it are not small */
  maxRows: number;
}

/**
 * Which files of a run of contiguous small files (oldest first, by rows) a merge takes: the newest suffix in which
 * no older file of at least `minRows` rows holds more than `factor` × the rows of all newer files together. So a
 * big merged file is rewritten only once enough new data has come (each row is rewritten O(log n) times over a
 * long session instead of at every cycle), while runs of ordinary batches merge whole. Returns the index where
 * the suffix starts.
 */
export function mergeSuffixStart(rows: readonly number[], factor = 4, minRows = 100_000): number {
  if (rows.length === 0) return 0;
  let i = rows.length - 1;
  let newer = rows[i];
  while (i > 0 && (rows[i - 1] < minRows || rows[i - 1] <= factor * newer)) newer += rows[--i];
  return i;
}

export const DEFAULT_COMPACTION: CompactionPolicy = {
  minFiles: 64,
  maxBytes: 128 * 1024 * 1024,
  maxRows: 2_000_000,
};

export interface CompactionHooks {
  /** awaited after the merged file is in place, before the files it replaces are deleted */
  onMerged?: (r: CompactionResult) => Promise<void>;
  /**
   * keep the merged-away files (covered, so every reader skips them) for the caller to delete later — a reader
   * that listed the folder just before the merge can still read them meanwhile
   */
  keepReplaced?: boolean;
  /** tests: throw here to simulate a crash at that step */
  crashAt?: (step: 'tmp-written' | 'renamed' | 'half-deleted') => void;
}

export interface SmallFile extends BatchFileInfo {
  bytes: number;
  rows: number;
}

/** One merge: `file` now holds exactly the rows of `replaced` (deleted). */
export interface CompactionResult {
  partition: number;
  file: string;
  firstOffset: bigint;
  lastOffset: bigint;
  rows: number;
  bytes: number;
  replaced: string[];
  replacedBytes: number;
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
    try {
      await con.run(
        `COPY (SELECT ${selectList} FROM read_csv(${literal(staging)}, columns = {${columnsSpec}}, header = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', auto_detect = false)) ` +
          `TO ${literal(tmp)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
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

  /**
   * Compact one partition (see {@link CompactionPolicy}): runs of consecutive small Parquet files are merged,
   * each into one file named by the merged range. Holds the partition's directory lock, so it never runs
   * while a batch of the partition is being written (by this tap or another of its group). Per merged file:
   * native DuckDB reads the small files in offset order and COPYs them to a `.tmp`, the row count is checked
   * against the footers, the file is fsynced and renamed into place and the directory fsynced; then
   * `hooks.onMerged` is awaited (the host swaps its open datasets over) and the merged-away files are deleted
   * (or, with `hooks.keepReplaced`, left to the caller).
   * When the hook throws, the small files are kept (they are covered: readers skip them and the next start
   * deletes them) and the error is passed on. Returns the merges done.
   */
  async compact(
    partition: number,
    policy: CompactionPolicy,
    hooks: CompactionHooks = {},
  ): Promise<CompactionResult[]> {
    const dir = partitionDir(this.out, partition);
    if (!existsSync(dir)) return [];
    return withDirLock(dir, () => this.compactLocked(partition, policy, hooks));
  }

  /** Small files of a partition (candidates of a merge), with their sizes and row counts. */
  async smallFiles(partition: number, policy: CompactionPolicy): Promise<SmallFile[]> {
    const small: SmallFile[] = [];
    for (const b of listBatches(this.out, partition)) {
      let size: number;
      try {
        size = statSync(b.file).size;
      } catch {
        continue; // deleted meanwhile (another tap's compaction)
      }
      if (size < policy.maxBytes / 2) small.push({ ...b, bytes: size, rows: 0 });
    }
    if (!small.length) return small;
    const con = await this.connection(partition);
    const rows = new Map<string, number>();
    const reader = await con.runAndReadAll(
      `SELECT file_name, num_rows FROM parquet_file_metadata(${listLiteral(small.map((f) => f.file))})`,
    );
    for (const r of reader.getRowObjectsJS()) rows.set(String(r.file_name), Number(r.num_rows));
    return small
      .map((f) => ({ ...f, rows: rows.get(f.file) ?? 0 }))
      .filter((f) => f.rows < policy.maxRows / 2);
  }

  private async compactLocked(
    partition: number,
    policy: CompactionPolicy,
    hooks: CompactionHooks,
  ): Promise<CompactionResult[]> {
    const small = await this.smallFiles(partition, policy);
    if (small.length < Math.max(2, policy.minFiles)) return [];
    // runs of contiguous ranges, cut where the merged file would exceed the size or row limit
    const chunks: SmallFile[][] = [];
    let cur: SmallFile[] = [];
    let bytes = 0;
    let rows = 0;
    for (const f of small) {
      const prev = cur[cur.length - 1];
      if (
        prev &&
        (f.firstOffset !== prev.lastOffset + 1n ||
          bytes + f.bytes > policy.maxBytes ||
          rows + f.rows > policy.maxRows)
      ) {
        chunks.push(cur);
        cur = [];
        bytes = 0;
        rows = 0;
      }
      cur.push(f);
      bytes += f.bytes;
      rows += f.rows;
    }
    if (cur.length) chunks.push(cur);
    // a big merged file waits until enough new data has come (no rewriting it at every cycle)
    for (let c = 0; c < chunks.length; c++)
      chunks[c] = chunks[c].slice(mergeSuffixStart(chunks[c].map((f) => f.rows)));
    const dir = partitionDir(this.out, partition);
    const con = await this.connection(partition);
    const done: CompactionResult[] = [];
    for (const chunk of chunks) {
      if (chunk.length < 2) continue;
      const first = chunk[0].firstOffset;
      const last = chunk[chunk.length - 1].lastOffset;
      const file = join(dir, batchName(first, last, 'parquet'));
      const tmp = tmpName(file, this.id);
      const expected = chunk.reduce((a, f) => a + f.rows, 0);
      try {
        await con.run(
          `COPY (SELECT * FROM read_parquet(${listLiteral(chunk.map((f) => f.file))})) ` +
            `TO ${literal(tmp)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
        );
        const got = Number(
          (
            await con.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${literal(tmp)})`)
          ).getRowsJS()[0][0],
        );
        if (got !== expected)
          throw new Error(`merged file has ${got} rows, the ${chunk.length} files it replaces ${expected}`);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
      hooks.crashAt?.('tmp-written');
      durableRename(tmp, file, dir);
      const result: CompactionResult = {
        partition,
        file,
        firstOffset: first,
        lastOffset: last,
        rows: expected,
        bytes: statSync(file).size,
        replaced: chunk.map((f) => f.file),
        replacedBytes: chunk.reduce((a, f) => a + f.bytes, 0),
      };
      hooks.crashAt?.('renamed');
      await hooks.onMerged?.(result);
      done.push(result);
      if (hooks.keepReplaced) continue;
      chunk.forEach((f, i) => {
        if (i === Math.floor(chunk.length / 2)) hooks.crashAt?.('half-deleted');
        rmSync(f.file, { force: true });
      });
      fsyncPath(dir);
    }
    return done;
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
