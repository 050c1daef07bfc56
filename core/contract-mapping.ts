/**
 * Host contract of the mapping editor: operations that describe a folder's *source* columns (before any
 * mapping), so the Data view can offer them to map — also for folders that could not be opened because no
 * known layout matched or a required column is missing. Spread into `operations` of core/contract.ts;
 * responses merged into its `OperationResponses`. Pure TypeScript + zod.
 *
 * The folder passes the same checks as `openFolder` (absolute, among the folders the user chose, exists,
 * no symlink escape): FOLDER_NOT_ALLOWED / FOLDER_NOT_FOUND / NOT_A_FOLDER; a folder without Parquet files
 * answers DATASET_ERROR naming it.
 */
import { z } from 'zod';
import { folderSchema, strict } from './contract-blocks.js';

/** One top-level source column of a folder, from the Parquet footers. */
export interface SourceColumn {
  name: string;
  /** DuckDB type in most files that have the column (`NESTED` for structs/lists/maps) */
  type: string;
  /** every distinct type of the column across files, most files first (more than one: the files disagree) */
  types: string[];
  /** how many readable files have the column */
  files: number;
}

/** Answer of `sourceColumns`. */
export interface SourceColumnsResult {
  /** the folder (or single Parquet file), absolute and real */
  folder: string;
  /** *.parquet files found (recursively) */
  files: number;
  /** files whose footer could be read */
  readable: number;
  /** total rows of the readable files (from the footers) */
  rows: number;
  /** union of the readable files' top-level columns, in first-seen order (file order, then column order) */
  columns: SourceColumn[];
  /** files whose footer could not be read, by path relative to the folder, with the reason */
  unreadable: { file: string; reason: string }[];
}

/** Answer of `sourceValues`. */
export interface SourceValuesResult {
  column: string;
  /** most frequent values first, as a mapping's `eventValues` compares them (text, trimmed, lower-cased);
   * null = missing */
  values: { value: string | null; rows: number }[];
  /** distinct values of the column (more than `values.length` when cut at `limit`) */
  distinct: number;
  /** rows scanned (files that have the column) */
  rows: number;
}

export const mappingOperations = {
  /**
   * The folder's source columns from the Parquet footers only (fast: no row is read): name, DuckDB type and
   * how many files have each, plus the files that could not be read with the reason.
   */
  sourceColumns: { request: strict({ folder: folderSchema }), binary: false },
  /**
   * The most frequent values of one source column (one scan of that column), as the mapping's event values
   * compare them — for the event-type value mapping of an unknown layout. One scan of one column: quick, so
   * not a long (progress + cancel) operation.
   */
  sourceValues: {
    request: strict({
      folder: folderSchema,
      column: z
        .string({ error: 'must be a column name string' })
        .min(1, 'must not be empty')
        .max(256, 'is too long')
        .refine((c) => !c.includes('\0'), 'must not contain NUL characters'),
      limit: z
        .number({ error: 'must be a number' })
        .int('must be an integer')
        .min(1, 'must be at least 1')
        .max(1000, 'must be at most 1000')
        .default(50),
    }),
    binary: false,
  },
} as const;

export interface MappingResponses {
  sourceColumns: SourceColumnsResult;
  sourceValues: SourceValuesResult;
}
