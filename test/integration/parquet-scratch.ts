/**
 * Shared set-up of the integration tests that write their own Parquet fixtures: a temp dir and a native DuckDB
 * connection, made in beforeAll and removed in afterAll of the calling file, and a writer that stores a SELECT's
 * rows as a Parquet file (creating its folder).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { literal } from '../../core/sql.js';
import { openDuckDB, type DuckDB } from '../../electron/services/duckdb.js';

export interface ParquetScratch {
  /** the temp dir (valid from beforeAll on) */
  readonly dir: string;
  /** the DuckDB connection (valid from beforeAll on) */
  readonly db: DuckDB;
  /** Write rows (a SELECT) as a Parquet file. */
  writeParquet(file: string, select: string): Promise<void>;
}

/** Registers the beforeAll/afterAll hooks; call at the top level of a test file. */
export function useParquetScratch(prefix: string): ParquetScratch {
  let dir: string | undefined;
  let db: DuckDB | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    db = await openDuckDB();
  });
  afterAll(async () => {
    db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  const ready = <T>(x: T | undefined, what: string): T => {
    if (x === undefined) throw new Error(`parquet scratch: ${what} is used before beforeAll ran`);
    return x;
  };
  return {
    get dir() {
      return ready(dir, 'the temp dir');
    },
    get db() {
      return ready(db, 'the DuckDB connection');
    },
    writeParquet: async (file, select) => {
      await mkdir(path.dirname(file), { recursive: true });
      await ready(db, 'the DuckDB connection').exec(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
    },
  };
}
