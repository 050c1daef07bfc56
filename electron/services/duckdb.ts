/**
 * Native DuckDB (@duckdb/node-api) helpers for the services. Plain Node: imports nothing from `electron`.
 *
 * Every instance is created with extension autoloading and autoinstalling OFF (parquet, json and icu are
 * statically linked into the npm binary; nothing may ever be fetched), TimeZone UTC (the SQL builders of
 * core/sql.ts assume it) and progress tracking on (for progress reports).
 */
import os from 'node:os';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** Options of {@link openDuckDB}. */
export interface DuckDBOptions {
  /** database path; ':memory:' (default) for an in-memory database */
  path?: string;
  /** worker threads (default: number of CPUs) */
  threads?: number;
  /** DuckDB memory limit, e.g. '1GB' (default: DuckDB's own, 80 % of RAM) */
  memoryLimit?: string;
  /** directory DuckDB may spill to when over the memory limit */
  tempDirectory?: string;
}

/** An open DuckDB instance with one connection. */
export interface DuckDB {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  /** Run a statement and return all rows as plain JS objects (BIGINT → bigint, TIMESTAMP → Date-like values). */
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Run a statement and return its columns as JS arrays (column name → values). */
  columns(sql: string): Promise<{ names: string[]; types: string[]; columns: unknown[][] }>;
  /** Run statement(s) and discard results. */
  exec(sql: string): Promise<void>;
  /**
   * Run a query while polling DuckDB's query progress every `intervalMs`; aborting `signal` interrupts it
   * (the promise then rejects with an AbortError).
   */
  withProgress<T>(
    run: () => Promise<T>,
    onTick?: (p: { percentage: number; rowsProcessed: number; totalRows: number }) => void,
    signal?: AbortSignal,
    intervalMs?: number,
  ): Promise<T>;
  close(): void;
}

/** Error thrown when a DuckDB operation was cancelled through an AbortSignal. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** Open a native DuckDB instance (extension autoload/autoinstall off, TimeZone UTC). */
export async function openDuckDB(opts: DuckDBOptions = {}): Promise<DuckDB> {
  const config: Record<string, string> = {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
    threads: String(opts.threads ?? Math.max(1, os.cpus().length)),
  };
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
  const instance = await DuckDBInstance.create(opts.path ?? ':memory:', config);
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  await connection.run(`SET enable_progress_bar = true`);
  await connection.run(`SET enable_progress_bar_print = false`);
  // footers read while inspecting files are reused by the scans
  await connection.run(`SET parquet_metadata_cache = true`);
  let closed = false;

  const db: DuckDB = {
    instance,
    connection,
    async all<T>(sql: string) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as T[];
    },
    async columns(sql: string) {
      const reader = await connection.runAndReadAll(sql);
      return {
        names: reader.columnNames(),
        types: reader.columnTypes().map((t) => t.toString()),
        columns: reader.getColumnsJS() as unknown[][],
      };
    },
    async exec(sql: string) {
      await connection.run(sql);
    },
    async withProgress(run, onTick, signal, intervalMs = 200) {
      if (signal?.aborted) throw new AbortError();
      const onAbort = () => connection.interrupt();
      signal?.addEventListener('abort', onAbort);
      const timer = onTick
        ? setInterval(() => {
            try {
              const p = connection.progress;
              onTick({
                percentage: p.percentage,
                rowsProcessed: Number(p.rows_processed),
                totalRows: Number(p.total_rows_to_process),
              });
            } catch {
              /* progress is best effort */
            }
          }, intervalMs)
        : null;
      try {
        return await run();
      } catch (err) {
        if (signal?.aborted) throw new AbortError();
        throw err;
      } finally {
        if (timer) clearInterval(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
  return db;
}
