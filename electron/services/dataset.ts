/**
 * Dataset service: open a folder of clickstream Parquet files with native DuckDB, map its columns to the
 * canonical event (core/schema.ts), profile the data quality and aggregate cubes (core/sql.ts).
 * Plain Node — imports nothing from `electron` — so the CLI, the Electron main/utility process and the web
 * host share it.
 *
 * Usage:
 * ```ts
 * const ds = await openDataset('/data/clicks', { onProgress: (p) => …, signal });
 * const profile = await ds.profile();
 * const cube = await ds.cube({ dimensions: ['device', 'os', 'browser'], grain: 'day' });
 * const ipc = await ds.cubeArrow({ dimensions: ['device'], grain: 'hour', from: '2015-09-01' });
 * ds.close();
 * ```
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Bool, Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import {
  CANONICAL_COLUMNS,
  REJECT_REASONS,
  mappedColumns,
  parseMappingFile,
  resolveMapping,
  RESERVED_NAMES,
  type ColumnMapping,
  type DataProfile,
  type LayoutName,
  type MappingFile,
} from '../../core/schema.js';
import {
  checkColumnTypes,
  cubeSql,
  dedupEventsViewSql,
  duplicateBatches,
  duplicateCandidatesSql,
  duplicatesTableSql,
  ident,
  eventsViewSql,
  literal,
  profileSql,
  viewDimensions,
  type CubeSpec,
  type FileGroup,
  type FileRange,
} from '../../core/sql.js';
import type { Cube, CubeRow } from '../../core/types.js';
import type { SourceColumnsResult, SourceValuesResult } from '../../core/contract-mapping.js';
import { AbortError, openDuckDB, type DuckDB } from './duckdb.js';
import { dropCoveredBatches } from './live/covered.js';

export { AbortError } from './duckdb.js';
export type { CubeSpec } from '../../core/sql.js';
export type { DataProfile } from '../../core/schema.js';
export type { SourceColumn, SourceColumnsResult, SourceValuesResult } from '../../core/contract-mapping.js';

/**
 * Default DuckDB memory limit of a dataset. Keeps the process well under 2 GB RSS on 10× the sample (27 M
 * events); DuckDB spills to a temp directory beyond it instead of failing.
 */
export const DEFAULT_MEMORY_LIMIT = '1GB';
/** Rows per batch of the duplicate search (its hash table for 4 M rows needs ~150 MB). */
const DUPLICATE_BATCH_ROWS = 4_000_000;
let instanceCounter = 0;

/** Progress of a load or query. */
export interface IngestProgress {
  /** 'files': checking each file's schema; 'scan': profiling all rows; 'duplicates': finding exact duplicates */
  phase: 'files' | 'scan' | 'duplicates';
  filesDone: number;
  filesTotal: number;
  /** rows processed so far in this phase (estimated from DuckDB's progress) */
  rowsDone: number;
  rowsTotal: number;
  rowsPerSecond: number;
  /** estimated seconds left in this phase; null when unknown */
  etaSeconds: number | null;
}

/** Options of {@link openDataset}. */
export interface OpenDatasetOptions {
  /** mapping override (parsed mapping JSON, see MappingFileSchema); default: auto-detect per file */
  mapping?: MappingFile | null;
  onProgress?: (p: IngestProgress) => void;
  /** aborting interrupts the running DuckDB query; openDataset/cube then reject with {@link AbortError} */
  signal?: AbortSignal;
  /** DuckDB threads (default: CPUs) */
  threads?: number;
  /** DuckDB memory limit, e.g. '2GB' (default {@link DEFAULT_MEMORY_LIMIT}) */
  memoryLimit?: string;
}

/** Why a dataset could not be opened or a request was refused. `message` is meant for the user as is. */
export class DatasetError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'NO_FILES' | 'NO_USABLE_FILES' | 'BAD_MAPPING' | 'BAD_REQUEST' | 'CLOSED',
    message: string,
    readonly skipped: { file: string; reason: string }[] = [],
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** One normalized event as returned by {@link Dataset.preview}. */
export interface PreviewRow {
  /** ISO-8601 UTC, millisecond precision */
  ts: string;
  visitor_id: string;
  session_id: string | null;
  event_type: string;
  item_id: string | null;
  transaction_id: string | null;
  price: number | null;
  quantity: number | null;
  /** data and derived dimensions */
  [dimension: string]: string | number | null;
}

/** An open dataset. Holds its own DuckDB instance until {@link Dataset.close}. */
export interface Dataset {
  /** the folder (or single file) given to openDataset, absolute */
  readonly folder: string;
  /** absolute paths of the files that are read */
  readonly files: readonly string[];
  /** data dimensions (from the mapping), in order */
  readonly dimensions: readonly string[];
  /** derived dimensions available as cube dimensions (price_band, category_root, weekday, hour_of_day) */
  readonly derivedDimensions: readonly string[];
  /** The data-quality profile (computed once at open; this is the CLI `profile --json` contract). */
  profile(): Promise<DataProfile>;
  /**
   * Aggregate into a cube: date (and hour) × `dimensions` → views, carts, purchases, revenue, distinct
   * visitors (omitted with `visitors: false`, which is much cheaper), rows ordered by date, hour, dimensions.
   * Exact duplicates are not counted. Results of the last few specs are cached (the data is immutable while
   * open; reopen to see new files).
   * Throws DatasetError('BAD_REQUEST') for unknown dimensions or malformed dates.
   */
  cube(spec: CubeSpec, opts?: { signal?: AbortSignal }): Promise<Cube>;
  /**
   * The same cube as Arrow IPC stream bytes, for the renderer worker (`insertArrowFromIPCStream`). Columns:
   * `date` Utf8, `hour` Int32 (hour grain only), one Utf8 column per dimension (nullable), `views`, `carts`,
   * `purchases` Int32, `revenue` Float64, `visitors` Int32 (unless `visitors: false`).
   */
  cubeArrow(spec: CubeSpec, opts?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /** The first `n` valid normalized events (default 20), with derived dimensions. */
  preview(n?: number): Promise<PreviewRow[]>;
  /**
   * Canonical columns (`ts`, `visitor_id`, `session_id`, `event_type`, `item_id`, `transaction_id`, `price`,
   * `quantity`) that at least one file maps; the others are all-NULL in the views. Lets callers decide what
   * a query can compute (e.g. no `price` → no revenue) before running it.
   */
  readonly mappedColumns: readonly string[];
  /**
   * Run a read-only SQL query (serialized with every other query of this dataset) over the temp views
   * `events` (valid events with derived dimensions, exact duplicates still in) and `events_dedup` (the same
   * with every extra copy of an exact duplicate removed — use this one for row-level work). Rows come back
   * as plain JS objects as @duckdb/node-api converts them: BIGINT/HUGEINT as bigint (cast counts to
   * INTEGER or DOUBLE in the SQL), DATE/TIMESTAMP as objects (format them with strftime in the SQL).
   * Errors are DuckDB's own; `signal` interrupts (AbortError).
   */
  query<T = Record<string, unknown>>(sql: string, opts?: { signal?: AbortSignal }): Promise<T[]>;
  /**
   * {@link query} as Arrow IPC stream bytes for the renderer worker. Column types: TINYINT–INTEGER → Int32,
   * BIGINT/HUGEINT/DOUBLE/FLOAT/DECIMAL → Float64, BOOLEAN → Bool, everything else → Utf8 (strings; format
   * dates in the SQL). NULLs stay NULL.
   */
  arrow(sql: string, opts?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /**
   * Add Parquet files that appeared since the dataset was opened (e.g. the live tap's new batches) without
   * reopening it: only the new files are checked and profiled, duplicates are searched among the new files and
   * the old files whose time range overlaps theirs, and every cached cube is updated by recomputing just the
   * days the new events fall on (distinct visitors per day cannot be summed) over the files that touch those
   * days. `files` default: every *.parquet under the folder not read or skipped yet. Files with other columns
   * than the open dataset's (a different set of dimensions) are skipped with a reason; reopen to include them.
   * Serialized with every other query, so a cube asked for afterwards includes the new files.
   */
  addFiles(files?: readonly string[], opts?: { signal?: AbortSignal }): Promise<AddFilesResult>;
  /**
   * Swap files the dataset reads for files holding exactly the same rows (the live tap's compaction merges
   * small batch files into one): `removed` must all be read by the dataset, `added` must be new and have the
   * same columns, and their row counts (from the footers) must add up to the removed files'. The views then
   * read `added` instead; cached cubes, duplicates and the profile stay as they are (only `files.read`
   * changes). Serialized with every other query, so no query in flight reads a removed file after this
   * resolves. Throws DatasetError('BAD_REQUEST') — and changes nothing — when a condition does not hold.
   */
  replaceFiles(
    removed: readonly string[],
    added: readonly string[],
    opts?: { signal?: AbortSignal },
  ): Promise<{ removed: number; added: number; ms: number }>;
  /** Release the DuckDB instance. Idempotent. */
  close(): void;
}

/** What {@link Dataset.addFiles} added. */
export interface AddFilesResult {
  /** absolute paths of the files now read */
  added: string[];
  /** new files that could not be used, with the reason (relative to the folder) */
  skipped: { file: string; reason: string }[];
  /** rows read from the added files (valid or not) */
  rows: number;
  /** valid events among them */
  events: number;
  /** UTC days [from, to] the new valid events fall on (the days whose aggregates were recomputed) */
  days: { from: string; to: string } | null;
  /** latest event time of the new files (epoch ms), null when none */
  latestEventMs: number | null;
  ms: number;
}

/** Read and validate a mapping JSON file (CLI `--mapping FILE`); throws DatasetError('BAD_MAPPING') with details. */
export async function loadMappingFile(file: string): Promise<MappingFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetError('BAD_MAPPING', `cannot read mapping file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(
      'BAD_MAPPING',
      `mapping file ${file} is not valid JSON: ${(err as Error).message}`,
    );
  }
  try {
    return parseMappingFile(json);
  } catch (err) {
    throw new DatasetError('BAD_MAPPING', `mapping file ${file}: ${(err as Error).message}`);
  }
}

/**
 * All *.parquet files under `dir` (recursive, sorted; hidden entries and *.tmp skipped). Live batch files
 * covered by a merged file of the same `p=<n>` folder (a compaction between its rename and its deletes) are
 * left out, so a listing taken at any moment reads each row once (electron/services/live/covered.ts).
 */
async function listParquet(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && /\.parquet$/i.test(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return dropCoveredBatches(out.sort());
}

const firstLine = (msg: string) =>
  msg
    .split('\n')[0]
    .replace(/^[A-Za-z ]*Error: /, '')
    .trim();

interface FileInfo {
  file: string;
  rows: number;
  layout: LayoutName | 'custom';
  mapping: ColumnMapping;
  types: Record<string, string>;
}

/**
 * Open a folder (searched recursively for *.parquet) or a single Parquet file. Each file's schema is read
 * individually: unreadable/corrupt files and files whose columns do not map are skipped and reported by name
 * in the profile; the rest is profiled in one multi-threaded DuckDB scan (rows read, rejected rows by
 * reason, range, distinct values per dimension) and exact duplicates are located.
 *
 * @throws DatasetError NOT_FOUND (path missing), NO_FILES (no *.parquet), NO_USABLE_FILES (every file skipped;
 *   the message names each file and why), BAD_MAPPING (invalid override); AbortError when cancelled.
 */
export async function openDataset(folder: string, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  const { root, base, files: candidates } = await sourceFiles(folder);
  const override = opts.mapping ? parseMappingOrThrow(opts.mapping) : null;
  const rel = (f: string) => path.relative(base, f) || path.basename(f);

  // Own spill directory per dataset (removed on close): DuckDB may spill the duplicate search and large
  // cubes there when they exceed the memory limit.
  const tempDirectory = path.join(os.tmpdir(), `funnelscope-duckdb-${process.pid}-${++instanceCounter}`);
  const duck = await openDuckDB({
    threads: opts.threads,
    memoryLimit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    tempDirectory,
  });
  const db: DuckDB = {
    ...duck,
    close() {
      duck.close();
      void rm(tempDirectory, { recursive: true, force: true });
    },
  };
  try {
    const skipped: { file: string; reason: string }[] = [];
    const good: FileInfo[] = [];
    const t0 = Date.now();
    // Fast path: every footer in two multi-threaded queries. If any file is unreadable they fail, and each
    // file is then inspected on its own (in parallel, one connection per thread) so the bad ones are named.
    let results: (FileInfo | { reason: string })[] | null = null;
    try {
      results = await readFooters(db, candidates, override);
      opts.onProgress?.({
        phase: 'files',
        filesDone: candidates.length,
        filesTotal: candidates.length,
        rowsDone: 0,
        rowsTotal: 0,
        rowsPerSecond: 0,
        etaSeconds: 0,
      });
    } catch {
      results = null;
    }
    if (!results) {
      const res: (FileInfo | { reason: string })[] = new Array(candidates.length);
      let next = 0;
      let done = 0;
      const workers = Math.max(1, Math.min(opts.threads ?? os.cpus().length, 4, candidates.length));
      await Promise.all(
        Array.from({ length: workers }, async () => {
          const conn = await db.instance.connect();
          const all = async <T>(sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
          try {
            while (next < candidates.length) {
              if (opts.signal?.aborted) throw new AbortError();
              const i = next++;
              res[i] = await inspectFile(all, candidates[i], override);
              done++;
              if (opts.onProgress && (done % 20 === 0 || done === candidates.length)) {
                const el = (Date.now() - t0) / 1000;
                opts.onProgress({
                  phase: 'files',
                  filesDone: done,
                  filesTotal: candidates.length,
                  rowsDone: 0,
                  rowsTotal: 0,
                  rowsPerSecond: 0,
                  etaSeconds: el > 0 ? ((candidates.length - done) * el) / done : null,
                });
              }
            }
          } finally {
            conn.closeSync();
          }
        }),
      );
      results = res;
    }
    results.forEach((info, i) => {
      if ('reason' in info) skipped.push({ file: rel(candidates[i]), reason: info.reason });
      else good.push(info);
    });
    return await buildDataset(db, root, good, skipped, rel, opts, override, base === root);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The per-file rows and time ranges of a profile row (profileSql's `file_ranges`). */
function fileRanges(profileRow: Record<string, unknown>): FileRange[] {
  return ((profileRow.file_ranges as Record<string, unknown>[] | null) ?? []).map((r) => ({
    file: String(r.file),
    rows: Number(r.rows),
    lo: r.lo === null ? null : Number(r.lo),
    hi: r.hi === null ? null : Number(r.hi),
  }));
}

function parseMappingOrThrow(m: MappingFile): MappingFile {
  try {
    return parseMappingFile(m);
  } catch (err) {
    throw new DatasetError('BAD_MAPPING', (err as Error).message);
  }
}

/** One file's top-level columns and row count, as its Parquet footer says. */
interface FooterColumns {
  file: string;
  names: string[];
  types: string[];
  rows: number;
}

/**
 * Top-level columns (names, DuckDB types) and row counts of `files` from their footers in two multi-threaded
 * queries; no row is read. Throws when any file is unreadable (the callers then read each file on its own to
 * name it).
 */
async function footerColumns(db: Pick<DuckDB, 'all'>, files: string[]): Promise<FooterColumns[]> {
  const list = `[${files.map(literal).join(', ')}]`;
  const schema = await db.all<{
    file_name: string;
    name: string;
    num_children: bigint | null;
    duckdb_type: string | null;
  }>(
    `SELECT file_name, name, num_children, duckdb_type FROM parquet_schema(${list}) ORDER BY file_name, column_id`,
  );
  const meta = await db.all<{ file_name: string; num_rows: bigint }>(
    `SELECT file_name, num_rows FROM parquet_file_metadata(${list})`,
  );
  const byFile = new Map<string, typeof schema>();
  for (const r of schema) {
    const arr = byFile.get(r.file_name);
    if (arr) arr.push(r);
    else byFile.set(r.file_name, [r]);
  }
  const rowsByFile = new Map(meta.map((m) => [m.file_name, Number(m.num_rows)]));
  return files.map((file) => {
    const cols = topLevelColumns(byFile.get(file) ?? []);
    return { file, names: cols.names, types: cols.types, rows: rowsByFile.get(file) ?? 0 };
  });
}

/**
 * Schemas and row counts of `files` from their footers ({@link footerColumns}), each file's mapping resolved.
 * Throws when any file is unreadable.
 */
async function readFooters(
  db: DuckDB,
  files: string[],
  override: MappingFile | null,
): Promise<(FileInfo | { reason: string })[]> {
  return (await footerColumns(db, files)).map((f) => assessFile(f.file, f.names, f.types, f.rows, override));
}

/**
 * Schemas and row counts of `files`: every footer in two queries (the live tap's batches arrive a few at a
 * time, and one DESCRIBE per file costs more than the rest of an addition); if a file is unreadable the
 * queries fail and each file is inspected on its own so the bad ones are named.
 */
async function inspectFiles(
  db: DuckDB,
  files: string[],
  override: MappingFile | null,
  signal?: AbortSignal,
): Promise<(FileInfo | { reason: string })[]> {
  try {
    return await readFooters(db, files, override);
  } catch {
    const out: (FileInfo | { reason: string })[] = [];
    for (const file of files) {
      if (signal?.aborted) throw new AbortError();
      out.push(await inspectFile((sql) => db.all(sql), file, override));
    }
    return out;
  }
}

/** Read one file's schema and row count and resolve its mapping, or say why it cannot be used. */
async function inspectFile(
  all: <T>(sql: string) => Promise<T[]>,
  file: string,
  override: MappingFile | null,
): Promise<FileInfo | { reason: string }> {
  let names: string[];
  let types: string[];
  let rows: number;
  try {
    const d = await all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet(${literal(file)})`,
    );
    names = d.map((r) => r.column_name);
    types = d.map((r) => r.column_type);
    const meta = await all<{ num_rows: bigint }>(
      `SELECT num_rows FROM parquet_file_metadata(${literal(file)})`,
    );
    rows = Number(meta[0]?.num_rows ?? 0);
  } catch (err) {
    return { reason: `corrupt or unreadable Parquet: ${firstLine((err as Error).message)}` };
  }
  return assessFile(file, names, types, rows, override);
}

/** Top-level columns of one file from parquet_schema rows (in column_id order): nested children are skipped. */
function topLevelColumns(rows: { name: string; num_children: bigint | null; duckdb_type: string | null }[]) {
  const names: string[] = [];
  const types: string[] = [];
  if (!rows.length) return { names, types };
  const skip = (i: number): number => {
    const n = Number(rows[i]?.num_children ?? 0);
    i++;
    for (let k = 0; k < n; k++) i = skip(i);
    return i;
  };
  const n = Number(rows[0].num_children ?? 0);
  let i = 1;
  for (let k = 0; k < n && i < rows.length; k++) {
    names.push(rows[i].name);
    types.push(rows[i].num_children ? 'NESTED' : (rows[i].duckdb_type ?? 'UNKNOWN'));
    i = skip(i);
  }
  return { names, types };
}

/** Decide whether a file with these columns can be used, and with which mapping. */
function assessFile(
  file: string,
  names: string[],
  types: string[],
  rows: number,
  override: MappingFile | null,
): FileInfo | { reason: string } {
  let resolved;
  try {
    resolved = resolveMapping(override, names);
  } catch (err) {
    return { reason: `incompatible schema: ${(err as Error).message} (columns: ${names.join(', ')})` };
  }
  const typeMap: Record<string, string> = {};
  names.forEach((n, i) => (typeMap[n] = types[i]));
  const problems = checkColumnTypes(resolved.mapping, typeMap);
  if (problems.length) return { reason: `incompatible schema: ${problems.join('; ')}` };
  const reserved = Object.keys(resolved.mapping.dimensions).filter((d) => RESERVED_NAMES.has(d));
  if (reserved.length)
    return { reason: `incompatible mapping: reserved dimension name(s) ${reserved.join(', ')}` };
  const mappedTypes: Record<string, string> = {};
  for (const c of mappedColumns(resolved.mapping)) mappedTypes[c] = typeMap[c];
  return { file, rows, layout: resolved.layout, mapping: resolved.mapping, types: mappedTypes };
}

/** The events view's spec for these file groups: their data dimensions in first-seen order. */
function viewSpec(groups: FileGroup[]): { groups: FileGroup[]; dimensions: string[] } {
  const dimensions: string[] = [];
  for (const g of groups)
    for (const d of Object.keys(g.mapping.dimensions)) if (!dimensions.includes(d)) dimensions.push(d);
  return { groups, dimensions };
}

/** Group files that share a mapping and the types of their mapped columns (one read_parquet each). */
function groupFiles(files: FileInfo[]): { groups: (FileGroup & { layout: string })[] } {
  const byKey = new Map<string, FileGroup & { layout: string }>();
  for (const f of files) {
    // exact types, not classes: the SQL differs e.g. for BIGINT vs DOUBLE epochs
    const key = JSON.stringify([f.layout, f.mapping, f.types]);
    const g = byKey.get(key);
    if (g) g.files.push(f.file);
    else byKey.set(key, { files: [f.file], mapping: f.mapping, types: { ...f.types }, layout: f.layout });
  }
  return { groups: [...byKey.values()] };
}

async function buildDataset(
  db: DuckDB,
  root: string,
  initialGood: FileInfo[],
  skipped: { file: string; reason: string }[],
  rel: (f: string) => string,
  opts: OpenDatasetOptions,
  override: MappingFile | null,
  isFolder: boolean,
): Promise<Dataset> {
  let good = initialGood;
  /** per file: rows and event-time range (epoch ms), from the profile scans */
  let ranges: FileRange[] = [];
  let profileRow: Record<string, unknown> | null = null;
  let dims: { data: string[]; derived: string[] } = { data: [], derived: [] };
  let groups: (FileGroup & { layout: string })[] = [];
  // A file can pass the schema check and still fail mid-scan (a damaged page). Skip it by name and retry.
  for (;;) {
    if (!good.length) {
      const list = skipped.map((s) => `${s.file}: ${s.reason}`).join('; ');
      throw new DatasetError('NO_USABLE_FILES', `no usable Parquet file in ${root} — ${list}`, skipped);
    }
    groups = groupFiles(good).groups;
    const spec = viewSpec(groups);
    dims = viewDimensions(spec);
    for (const s of eventsViewSql(spec)) await db.exec(s);
    const rowsTotal = good.reduce((a, f) => a + f.rows, 0);
    try {
      const t0 = Date.now();
      profileRow = (
        await db.withProgress(
          () => db.all(profileSql(dims.data, dims.derived)),
          (p) => report(opts, 'scan', good.length, rowsTotal, p.percentage, t0),
          opts.signal,
        )
      )[0];
      // Duplicate search, step 1 per batch of files whose time ranges can overlap (bounded memory),
      // step 2 over the candidates only.
      ranges = fileRanges(profileRow);
      // (Folding step 1 into the profile scan as one more grouping set was measured: it costs more CPU than
      // this separate scan, which reads only the time and visitor columns.)
      const batches = duplicateBatches(ranges, DUPLICATE_BATCH_ROWS);
      const rowsOf = new Map(ranges.map((r) => [r.file, r.rows]));
      await db.exec(`CREATE OR REPLACE TEMP TABLE dup_hashes (h UBIGINT)`);
      const t1 = Date.now();
      let rowsBefore = 0;
      for (const batch of batches) {
        const inBatch = new Set(batch);
        const batchGroups = groups
          .map((g) => ({ ...g, files: g.files.filter((f) => inBatch.has(f)) }))
          .filter((g) => g.files.length);
        const batchRows = batch.reduce((a, f) => a + (rowsOf.get(f) ?? 0), 0);
        const before = rowsBefore;
        await db.withProgress(
          () =>
            db.exec(
              `INSERT INTO dup_hashes ${duplicateCandidatesSql({ groups: batchGroups, dimensions: spec.dimensions })}`,
            ),
          (p) =>
            report(
              opts,
              'duplicates',
              good.length,
              rowsTotal,
              ((before + (batchRows * Math.max(0, p.percentage)) / 100) / rowsTotal) * 100,
              t1,
            ),
          opts.signal,
        );
        rowsBefore += batchRows;
      }
      const [{ n: candidates }] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM dup_hashes`);
      if (Number(candidates) > 0) {
        await db.withProgress(() => db.exec(duplicatesTableSql()), undefined, opts.signal);
      } else {
        // no (ts, visitor) pair repeats, so no exact duplicate exists: an empty table with the right columns
        await db.exec(`CREATE OR REPLACE TEMP TABLE dups AS SELECT *, 0 AS c FROM events LIMIT 0`);
      }
      await db.exec(dedupEventsViewSql(Number(candidates) > 0));
      break;
    } catch (err) {
      if (err instanceof AbortError) throw err;
      const msg = (err as Error).message;
      const bad = good.find((f) => msg.includes(f.file));
      if (!bad) throw err;
      skipped.push({ file: rel(bad.file), reason: `corrupt or unreadable Parquet: ${firstLine(msg)}` });
      good = good.filter((f) => f !== bad);
    }
  }
  const dupRow = (
    await db.all<{ n: bigint | null; groups: bigint }>(`SELECT sum(c - 1) AS n, count(*) AS groups FROM dups`)
  )[0];
  let duplicates = Number(dupRow.n ?? 0);
  const row = profileRow!;
  const rejected: Record<string, number> = {};
  for (const r of REJECT_REASONS) rejected[r] = Number(row[`rej_${r}`] ?? 0);
  const dimensionCounts: Record<string, number> = {};
  for (const d of [...dims.data, ...dims.derived]) dimensionCounts[d] = Number(row[`dim_${d}`] ?? 0);
  const fileCount = new Map<string, number>();
  for (const g of groups) fileCount.set(g.layout, (fileCount.get(g.layout) ?? 0) + g.files.length);
  const largest = [...groups].sort((a, b) => b.files.length - a.files.length)[0];
  let profile: DataProfile = {
    layout: [...fileCount.keys()].join('+'),
    mapping: largest.mapping,
    files: { read: good.length, skipped: [...skipped].sort((a, b) => a.file.localeCompare(b.file)) },
    rows: { read: Number(row.rows_read), rejected, duplicates },
    range: { from: (row.range_from as string | null) ?? null, to: (row.range_to as string | null) ?? null },
    dimensions: dimensionCounts,
  };
  const allDims = new Set([...dims.data, ...dims.derived]);
  /** absolute paths of skipped files (addFiles does not look at them again) */
  const skippedAbs = new Set(skipped.map((s) => path.resolve(isFolder ? root : path.dirname(root), s.file)));

  // One query at a time on the connection.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new DatasetError('CLOSED', 'dataset is closed');
  };
  const validate = (spec: CubeSpec) => {
    if (!spec || !Array.isArray(spec.dimensions))
      throw new DatasetError('BAD_REQUEST', 'cube: dimensions must be an array');
    const unknown = spec.dimensions.filter((d) => !allDims.has(d));
    if (unknown.length) {
      throw new DatasetError(
        'BAD_REQUEST',
        `unknown dimension(s) ${unknown.join(', ')}; available: ${[...allDims].join(', ')}`,
      );
    }
    if (new Set(spec.dimensions).size !== spec.dimensions.length)
      throw new DatasetError('BAD_REQUEST', 'cube: duplicate dimensions');
    if (spec.grain !== 'day' && spec.grain !== 'hour')
      throw new DatasetError('BAD_REQUEST', `cube: grain must be 'day' or 'hour'`);
    for (const d of [spec.from, spec.to]) {
      if (d !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)))) {
        throw new DatasetError('BAD_REQUEST', `invalid date ${JSON.stringify(d)}; expected YYYY-MM-DD`);
      }
    }
  };
  // Small LRU of raw cube results: the app asks for the same cube again when views switch. Keyed by the spec
  // (not the SQL, which changes when duplicates appear), so addFiles can update each entry's affected days.
  type CubeColumns = Awaited<ReturnType<DuckDB['columns']>>;
  const cache = new Map<string, { spec: CubeSpec; r: CubeColumns }>();
  const CACHE_ENTRIES = 6;
  const cubeKey = (spec: CubeSpec) =>
    JSON.stringify([
      spec.dimensions,
      spec.grain,
      spec.from ?? null,
      spec.to ?? null,
      spec.visitors !== false,
    ]);
  const runCube = (spec: CubeSpec, signal?: AbortSignal) =>
    serial(async () => {
      assertOpen();
      validate(spec);
      const key = cubeKey(spec);
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit.r;
      }
      const sql = cubeSql(spec, duplicates > 0);
      const r = await db.withProgress(() => db.columns(sql), undefined, signal);
      cache.set(key, { spec: { ...spec, dimensions: [...spec.dimensions] }, r });
      if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      return r;
    });

  // ---------------------------------------------------------------- incremental additions (live batches)
  const DAY_MS = 86_400_000;
  const dataDimsKey = JSON.stringify(dims);
  /** distinct values per dimension are not additive: after additions they are recounted on the next profile() */
  let dimensionCountsStale = false;
  /** point the views `raw_events`/`events` at some of the files (restored with `allViews`) */
  const viewsOver = async (files: readonly FileInfo[]) => {
    for (const s of eventsViewSql({ groups: groupFiles([...files]).groups, dimensions: dims.data }))
      await db.exec(s);
  };
  const allViews = async () => {
    for (const s of eventsViewSql({ groups, dimensions: dims.data })) await db.exec(s);
    await db.exec(dedupEventsViewSql(duplicates > 0));
  };
  /** replace the rows of days [from, to] of a cached cube result with `fresh` (same columns, same order) */
  const splice = (r: CubeColumns, fresh: CubeColumns, from: string, to: string): CubeColumns => {
    const dates = r.columns[r.names.indexOf('date')] as string[];
    let a = 0;
    while (a < dates.length && dates[a] < from) a++;
    let b = a;
    while (b < dates.length && dates[b] <= to) b++;
    return {
      names: r.names,
      types: r.types,
      columns: r.columns.map((col, j) => {
        const add = fresh.columns[fresh.names.indexOf(r.names[j])] ?? [];
        return [...col.slice(0, a), ...add, ...col.slice(b)];
      }),
    };
  };

  const addFiles = (filesIn?: readonly string[], o?: { signal?: AbortSignal }) =>
    serial(async (): Promise<AddFilesResult> => {
      assertOpen();
      const t0 = Date.now();
      const known = new Set([...good.map((f) => f.file), ...skippedAbs]);
      const listed = filesIn ? filesIn.map((f) => path.resolve(f)) : isFolder ? await listParquet(root) : [];
      const candidates = [...new Set(listed)].filter((f) => !known.has(f)).sort();
      const result: AddFilesResult = {
        added: [],
        skipped: [],
        rows: 0,
        events: 0,
        days: null,
        latestEventMs: null,
        ms: 0,
      };
      if (!candidates.length) return result;
      const fresh: FileInfo[] = [];
      for (const [i, info] of (await inspectFiles(db, candidates, override, o?.signal)).entries()) {
        if ('reason' in info) result.skipped.push({ file: rel(candidates[i]), reason: info.reason });
        else fresh.push(info);
      }
      // the views' columns must stay the same (the cached cubes, `dups` and the worker's cube depend on them)
      const nextGood = [...good, ...fresh];
      const nextGroups = groupFiles(nextGood).groups;
      if (fresh.length && JSON.stringify(viewDimensions(viewSpec(nextGroups))) !== dataDimsKey) {
        for (const f of fresh)
          result.skipped.push({
            file: rel(f.file),
            reason: `its columns give other dimensions than the open dataset's (${[...dims.data, ...dims.derived].join(', ')}); reopen the folder to include it`,
          });
        fresh.length = 0;
      }
      for (const s of result.skipped)
        skippedAbs.add(path.resolve(isFolder ? root : path.dirname(root), s.file));
      if (!fresh.length) {
        if (result.skipped.length) skipped.push(...result.skipped);
        profile.files.skipped = [...skipped].sort((a, b) => a.file.localeCompare(b.file));
        result.ms = Date.now() - t0;
        return result;
      }
      try {
        // 1. profile the new files only
        await viewsOver(fresh);
        const row = (
          await db.withProgress(() => db.all(profileSql(dims.data, dims.derived)), undefined, o?.signal)
        )[0];
        const newRanges = fileRanges(row);
        const timed = newRanges.filter((r) => r.lo !== null && r.hi !== null);
        // 2. duplicates: copies share their timestamp, so only old files whose range overlaps a new file's matter
        const overlaps = (r: FileRange, lo: number, hi: number) =>
          r.lo !== null && r.hi !== null && r.lo <= hi && r.hi >= lo;
        const near = good.filter((f) => {
          const r = ranges.find((x) => x.file === f.file);
          return r && timed.some((n) => overlaps(r, n.lo!, n.hi!));
        });
        await viewsOver([...near, ...fresh]);
        await db.exec(
          `CREATE OR REPLACE TEMP TABLE new_hashes AS ${duplicateCandidatesSql({ groups: groupFiles([...near, ...fresh]).groups, dimensions: dims.data })}`,
        );
        const [{ n: newCandidates }] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM new_hashes`);
        if (Number(newCandidates) > 0) {
          await db.exec(
            `INSERT INTO dup_hashes SELECT h FROM new_hashes WHERE h NOT IN (SELECT h FROM dup_hashes)`,
          );
          await db.exec(`DELETE FROM dups WHERE hash(ts, visitor_id) IN (SELECT h FROM new_hashes)`);
          await db.exec(
            `INSERT INTO dups SELECT *, count(*) AS c FROM events WHERE hash(ts, visitor_id) IN (SELECT h FROM new_hashes) GROUP BY ALL HAVING count(*) > 1`,
          );
          const d = (await db.all<{ n: bigint | null }>(`SELECT sum(c - 1) AS n FROM dups`))[0];
          duplicates = Number(d.n ?? 0);
        }
        // 3. the affected days of every cached cube, over the files that touch those days
        const from = row.range_from as string | null;
        const to = row.range_to as string | null;
        if (from && to) {
          result.days = { from, to };
          const lo = Date.parse(`${from}T00:00:00Z`);
          const hi = Date.parse(`${to}T00:00:00Z`) + DAY_MS - 1;
          const touching = good.filter((f) => {
            const r = ranges.find((x) => x.file === f.file);
            return r && overlaps(r, lo, hi);
          });
          await viewsOver([...touching, ...fresh]);
          for (const [key, entry] of cache) {
            const a = entry.spec.from && entry.spec.from > from ? entry.spec.from : from;
            const b = entry.spec.to && entry.spec.to < to ? entry.spec.to : to;
            if (a > b) continue;
            const part = await db.withProgress(
              () => db.columns(cubeSql({ ...entry.spec, from: a, to: b }, duplicates > 0)),
              undefined,
              o?.signal,
            );
            cache.set(key, { spec: entry.spec, r: splice(entry.r, part, a, b) });
          }
        }
        // 4. the dataset now reads the new files
        good = nextGood;
        groups = nextGroups;
        ranges = [...ranges, ...newRanges];
        const rejected = { ...profile.rows.rejected };
        for (const r of REJECT_REASONS) rejected[r] = (rejected[r] ?? 0) + Number(row[`rej_${r}`] ?? 0);
        const rowsNew = Number(row.rows_read);
        const validNew = rowsNew - REJECT_REASONS.reduce((acc, r) => acc + Number(row[`rej_${r}`] ?? 0), 0);
        if (result.skipped.length) skipped.push(...result.skipped);
        const fileCount = new Map<string, number>();
        for (const g of groups) fileCount.set(g.layout, (fileCount.get(g.layout) ?? 0) + g.files.length);
        profile = {
          ...profile,
          layout: [...fileCount.keys()].join('+'),
          files: { read: good.length, skipped: [...skipped].sort((x, y) => x.file.localeCompare(y.file)) },
          rows: { read: profile.rows.read + rowsNew, rejected, duplicates },
          range: {
            from:
              profile.range.from && from
                ? profile.range.from < from
                  ? profile.range.from
                  : from
                : (profile.range.from ?? from),
            to:
              profile.range.to && to
                ? profile.range.to > to
                  ? profile.range.to
                  : to
                : (profile.range.to ?? to),
          },
        };
        dimensionCountsStale = true;
        result.added = fresh.map((f) => f.file);
        result.rows = rowsNew;
        result.events = validNew;
        result.latestEventMs = timed.length ? Math.max(...timed.map((r) => r.hi!)) : null;
        result.ms = Date.now() - t0;
        return result;
      } finally {
        await allViews();
      }
    });

  const replaceFiles = (
    removedIn: readonly string[],
    addedIn: readonly string[],
    o?: { signal?: AbortSignal },
  ) =>
    serial(async () => {
      assertOpen();
      const t0 = Date.now();
      const removed = [...new Set(removedIn.map((f) => path.resolve(f)))];
      const added = [...new Set(addedIn.map((f) => path.resolve(f)))];
      const bad = (msg: string) => new DatasetError('BAD_REQUEST', `replaceFiles: ${msg}`);
      const byFile = new Map(good.map((f) => [f.file, f]));
      const notRead = removed.filter((f) => !byFile.has(f));
      if (notRead.length) throw bad(`not read by this dataset: ${notRead.map(rel).join(', ')}`);
      const already = added.filter((f) => byFile.has(f) || skippedAbs.has(f));
      if (already.length) throw bad(`already known to this dataset: ${already.map(rel).join(', ')}`);
      if (!removed.length || !added.length) throw bad('needs files to remove and files to add');
      const infos: FileInfo[] = [];
      for (const [i, info] of (await inspectFiles(db, added, override, o?.signal)).entries()) {
        if ('reason' in info) throw bad(`${rel(added[i])}: ${info.reason}`);
        infos.push(info);
      }
      const rowsRemoved = removed.reduce((a, f) => a + byFile.get(f)!.rows, 0);
      const rowsAdded = infos.reduce((a, f) => a + f.rows, 0);
      if (rowsAdded !== rowsRemoved)
        throw bad(`the new files hold ${rowsAdded} rows, the files they replace ${rowsRemoved}`);
      const gone = new Set(removed);
      const nextGood = [...good.filter((f) => !gone.has(f.file)), ...infos];
      const nextGroups = groupFiles(nextGood).groups;
      if (JSON.stringify(viewDimensions(viewSpec(nextGroups))) !== dataDimsKey)
        throw bad('the new files give other dimensions than the open dataset');
      // the time range of a new file: that of the rows it took over (bounds where duplicates and days can be)
      const old = ranges.filter((r) => gone.has(r.file));
      const los = old.map((r) => r.lo).filter((v): v is number => v !== null);
      const his = old.map((r) => r.hi).filter((v): v is number => v !== null);
      const lo = los.length ? Math.min(...los) : null;
      const hi = his.length ? Math.max(...his) : null;
      good = nextGood;
      groups = nextGroups;
      ranges = [
        ...ranges.filter((r) => !gone.has(r.file)),
        ...infos.map((f) => ({ file: f.file, rows: f.rows, lo, hi })),
      ];
      await allViews();
      profile = { ...profile, files: { ...profile.files, read: good.length } };
      return { removed: removed.length, added: infos.length, ms: Date.now() - t0 };
    });

  const mappedColumns = CANONICAL_COLUMNS.filter((c) => groups.some((g) => g.mapping[c]));
  const runQuery = (sql: string, signal?: AbortSignal) =>
    serial(async () => {
      assertOpen();
      return db.withProgress(() => db.columns(sql), undefined, signal);
    });

  return {
    folder: root,
    get files() {
      return good.map((f) => f.file);
    },
    addFiles,
    replaceFiles,
    mappedColumns,
    async query<T>(sql: string, o?: { signal?: AbortSignal }) {
      const r = await runQuery(sql, o?.signal);
      const n = r.columns[0]?.length ?? 0;
      const rows = new Array<T>(n);
      for (let i = 0; i < n; i++) {
        const obj: Record<string, unknown> = {};
        r.names.forEach((name, j) => (obj[name] = r.columns[j][i]));
        rows[i] = obj as T;
      }
      return rows;
    },
    async arrow(sql, o) {
      const r = await runQuery(sql, o?.signal);
      const vectors: Record<string, Vector> = {};
      r.names.forEach((name, j) => {
        const t = r.types[j].toUpperCase();
        const values = r.columns[j];
        if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT)$/.test(t))
          vectors[name] = vectorFromArray(values as (number | null)[], new Int32());
        else if (/^(BIGINT|HUGEINT|UBIGINT|UINTEGER|DOUBLE|FLOAT|REAL)$/.test(t) || t.startsWith('DECIMAL'))
          vectors[name] = vectorFromArray(
            values.map((v) => (v == null ? null : Number(v))),
            new Float64(),
          );
        else if (t === 'BOOLEAN') vectors[name] = vectorFromArray(values as (boolean | null)[], new Bool());
        else
          vectors[name] = vectorFromArray(
            values.map((v) => (v == null ? null : String(v))),
            new Utf8(),
          );
      });
      return tableToIPC(new Table(vectors), 'stream');
    },
    dimensions: dims.data,
    derivedDimensions: dims.derived,
    async profile() {
      if (dimensionCountsStale) {
        // one scan of the (small) dimension columns after live additions
        await serial(async () => {
          assertOpen();
          const all = [...dims.data, ...dims.derived];
          const row = (
            await db.all<Record<string, bigint>>(
              `SELECT ${all.map((d, i) => `count(DISTINCT ${ident(d)}) AS d${i}`).join(', ')} FROM events`,
            )
          )[0];
          all.forEach((d, i) => (profile.dimensions[d] = Number(row[`d${i}`] ?? 0)));
          dimensionCountsStale = false;
        });
      }
      return structuredClone(profile);
    },
    async cube(spec, o) {
      const r = await runCube(spec, o?.signal);
      const col = (name: string) => r.columns[r.names.indexOf(name)];
      const date = col('date') as string[];
      const hour = spec.grain === 'hour' ? (col('hour') as number[]) : null;
      const views = col('views') as number[];
      const carts = col('carts') as number[];
      const purchases = col('purchases') as number[];
      const revenue = col('revenue') as number[];
      const visitors = spec.visitors === false ? null : (col('visitors') as number[]);
      const dimCols = spec.dimensions.map((d) => col(d) as (string | null)[]);
      const rows: CubeRow[] = new Array(date.length);
      for (let i = 0; i < date.length; i++) {
        const dimsObj: Record<string, string | null> = {};
        spec.dimensions.forEach((d, j) => (dimsObj[d] = dimCols[j][i] ?? null));
        const rowObj: CubeRow = {
          date: date[i],
          views: views[i],
          carts: carts[i],
          purchases: purchases[i],
          revenue: revenue[i],
          dims: dimsObj,
        };
        if (visitors) rowObj.visitors = visitors[i];
        if (hour) rowObj.hour = hour[i];
        rows[i] = rowObj;
      }
      return { dimensions: [...spec.dimensions], grain: spec.grain, rows };
    },
    async cubeArrow(spec, o) {
      const r = await runCube(spec, o?.signal);
      const col = (name: string) => r.columns[r.names.indexOf(name)];
      const vectors: Record<string, Vector> = { date: vectorFromArray(col('date') as string[], new Utf8()) };
      if (spec.grain === 'hour') vectors.hour = vectorFromArray(col('hour') as number[], new Int32());
      for (const d of spec.dimensions) vectors[d] = vectorFromArray(col(d) as (string | null)[], new Utf8());
      for (const m of ['views', 'carts', 'purchases'])
        vectors[m] = vectorFromArray(col(m) as number[], new Int32());
      vectors.revenue = vectorFromArray(col('revenue') as number[], new Float64());
      if (spec.visitors !== false)
        vectors.visitors = vectorFromArray(col('visitors') as number[], new Int32());
      return tableToIPC(new Table(vectors), 'stream');
    },
    async preview(n = 20) {
      const limit = Math.max(0, Math.floor(n));
      return serial(async () => {
        assertOpen();
        const ids = ['visitor_id', 'session_id', 'item_id', 'transaction_id'];
        const rows = await db.all<Record<string, unknown>>(
          `SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, ${ids.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ')}, ` +
            `* EXCLUDE (ts, ${ids.join(', ')}) FROM events LIMIT ${limit}`,
        );
        return rows as PreviewRow[];
      });
    },
    close() {
      if (closed) return;
      closed = true;
      void chain.finally(() => db.close());
    },
  };
}

function report(
  opts: OpenDatasetOptions,
  phase: IngestProgress['phase'],
  files: number,
  rowsTotal: number,
  pct: number,
  t0: number,
) {
  if (!opts.onProgress || pct < 0) return;
  const el = (Date.now() - t0) / 1000;
  const rowsDone = Math.round((rowsTotal * Math.min(100, pct)) / 100);
  const rate = el > 0 ? rowsDone / el : 0;
  opts.onProgress({
    phase,
    filesDone: files,
    filesTotal: files,
    rowsDone,
    rowsTotal,
    rowsPerSecond: Math.round(rate),
    etaSeconds: rate > 0 ? (rowsTotal - rowsDone) / rate : null,
  });
}

/** Open, profile and close: the CLI `profile` command in one call. */
export async function profileFolder(folder: string, opts: OpenDatasetOptions = {}): Promise<DataProfile> {
  const ds = await openDataset(folder, opts);
  try {
    return await ds.profile();
  } finally {
    ds.close();
  }
}

// ---------------------------------------------------------------- source columns (the mapping editor)

/** The Parquet files of a folder (recursive) or a single file: what {@link openDataset} and the editor read. */
async function sourceFiles(folder: string): Promise<{ root: string; base: string; files: string[] }> {
  const root = path.resolve(folder);
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new DatasetError('NOT_FOUND', `no such file or folder: ${root}`);
  }
  const files = st.isDirectory() ? await listParquet(root) : [root];
  if (!files.length) throw new DatasetError('NO_FILES', `no .parquet files found in ${root}`);
  return { root, base: st.isDirectory() ? root : path.dirname(root), files };
}

/** Footers of `files` (fast path: two queries), else each file on its own so the unreadable ones are named. */
async function footersOrReasons(
  db: DuckDB,
  files: string[],
  signal?: AbortSignal,
): Promise<(FooterColumns | { file: string; reason: string })[]> {
  try {
    return await footerColumns(db, files);
  } catch {
    const out: (FooterColumns | { file: string; reason: string })[] = [];
    for (const file of files) {
      if (signal?.aborted) throw new AbortError();
      try {
        out.push(...(await footerColumns(db, [file])));
      } catch (err) {
        out.push({ file, reason: `corrupt or unreadable Parquet: ${firstLine((err as Error).message)}` });
      }
    }
    return out;
  }
}

/**
 * List a folder's source columns from the Parquet footers only (no row is read): the union of the top-level
 * columns of every readable file with its DuckDB type and how many files carry it, plus the files whose
 * footer cannot be read. Works whatever the layout — this is what the mapping editor offers when no known
 * layout matches.
 *
 * @throws DatasetError NOT_FOUND, NO_FILES; AbortError when cancelled.
 */
export async function sourceColumns(
  folder: string,
  opts: { signal?: AbortSignal; threads?: number } = {},
): Promise<SourceColumnsResult> {
  const { root, base, files } = await sourceFiles(folder);
  const db = await openDuckDB({ threads: opts.threads ?? Math.min(2, os.cpus().length) });
  try {
    const rel = (f: string) => path.relative(base, f) || path.basename(f);
    const footers = await footersOrReasons(db, files, opts.signal);
    const columns = new Map<string, { files: number; types: Map<string, number> }>();
    const unreadable: { file: string; reason: string }[] = [];
    let rows = 0;
    for (const f of footers) {
      if ('reason' in f) {
        unreadable.push({ file: rel(f.file), reason: f.reason });
        continue;
      }
      rows += f.rows;
      f.names.forEach((name, i) => {
        let c = columns.get(name);
        if (!c) columns.set(name, (c = { files: 0, types: new Map() }));
        c.files++;
        c.types.set(f.types[i], (c.types.get(f.types[i]) ?? 0) + 1);
      });
    }
    return {
      folder: root,
      files: files.length,
      readable: files.length - unreadable.length,
      rows,
      columns: [...columns].map(([name, c]) => {
        const types = [...c.types].sort((a, b) => b[1] - a[1]).map(([t]) => t);
        return { name, type: types[0], types, files: c.files };
      }),
      unreadable,
    };
  } finally {
    db.close();
  }
}

/**
 * The most frequent values of one source column over the readable files that have it (one scan of that
 * column only), as the mapping's event-value table compares them: cast to text, trimmed and lower-cased.
 * Lets the mapping editor offer an unknown layout's event values (`pv`, `atc`, `buy` …).
 *
 * @throws DatasetError NOT_FOUND, NO_FILES, BAD_REQUEST (no readable file has the column; the message lists
 *   the columns there are); AbortError when cancelled.
 */
export async function sourceValues(
  folder: string,
  column: string,
  opts: { limit?: number; signal?: AbortSignal; threads?: number } = {},
): Promise<SourceValuesResult> {
  const { files, root } = await sourceFiles(folder);
  const limit = Math.max(1, Math.min(1000, Math.floor(opts.limit ?? 50)));
  const db = await openDuckDB({ threads: opts.threads ?? Math.min(2, os.cpus().length) });
  try {
    const footers = await footersOrReasons(db, files, opts.signal);
    const readable = footers.filter((f): f is FooterColumns => !('reason' in f));
    const having = readable.filter((f) => f.names.includes(column));
    if (!having.length) {
      const names = [...new Set(readable.flatMap((f) => f.names))];
      throw new DatasetError(
        'BAD_REQUEST',
        `no readable Parquet file in ${root} has a column "${column}"; columns: ${names.join(', ') || '(none)'}`,
      );
    }
    const v = `lower(trim(CAST(${ident(column)} AS VARCHAR)))`;
    const src = `read_parquet(${`[${having.map((f) => literal(f.file)).join(', ')}]`}, union_by_name = true)`;
    const rows = await db.withProgress(
      () =>
        db.all<{ value: string | null; n: bigint; distinct_n: bigint; total: bigint }>(
          `WITH c AS (SELECT ${v} AS value, count(*) AS n FROM ${src} GROUP BY 1)
           SELECT value, n, count(*) OVER () AS distinct_n, sum(n) OVER () AS total FROM c
           ORDER BY n DESC, value NULLS LAST LIMIT ${limit}`,
        ),
      undefined,
      opts.signal,
    );
    return {
      column,
      values: rows.map((r) => ({ value: r.value, rows: Number(r.n) })),
      distinct: Number(rows[0]?.distinct_n ?? 0),
      rows: Number(rows[0]?.total ?? 0),
    };
  } finally {
    db.close();
  }
}
