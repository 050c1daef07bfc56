/**
 * Scan export: one row per scanned segment, written as CSV or Parquet by native DuckDB (its CSV writer
 * quotes per RFC 4180; its Parquet writer is the reference implementation the rest of the app reads with).
 * Plain Node: imports nothing from `electron`, so the CLI (`funnelscope scan --csv/--parquet`), tests and the
 * app host (File ▸ Export scan…) share it.
 *
 * Columns (snake_case, stable): one per scanned dimension (the segment's value, null where the segment does
 * not fix it; a dimension whose name collides with a metric column is written as `dim_<name>`), `level`,
 * `days_checked`, `anomalous_days`, [`hours_checked`, `anomalous_hours` — hour grain], `critical_periods`
 * (text: `2015-09-01..2015-09-12; 2015-09-16..2015-09-18`, with hours `2015-09-04 03:00..2015-09-04 11:00`),
 * `critical_period_count`, `first_critical` (YYYY-MM-DD), [`first_critical_hour`], `worst_sigma`,
 * `purchases_lost`, `revenue_lost`.
 */
import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ScanResult } from '../../core/scan.js';
import { scanTable, type ScanTable } from '../../core/scan-table.js';
import { openDuckDB } from './duckdb.js';

export {
  periodText,
  scanTable,
  type ExportValue,
  type ExportableScan,
  type ExportableScanRow,
  type ScanTable,
} from '../../core/scan-table.js';

export type ExportFormat = 'csv' | 'parquet';

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Writes the scan to `file` as CSV (header row, comma, RFC 4180 quoting, empty = null) or Parquet (typed
 * columns, zstd). The file appears complete or not at all (written next to it, then renamed). Returns the
 * number of rows written.
 */
export async function exportScan(
  res: ScanResult,
  file: string,
  format: ExportFormat,
): Promise<{ rows: number }> {
  return exportScanTable(scanTable(res), file, format);
}

/**
 * {@link exportScan} for an already built table (the app host builds it from the rows on screen with
 * `scanTable({dimensions, grain, segments: rows})`). Same columns, writer and temp-then-rename.
 */
export async function exportScanTable(
  t: ScanTable,
  file: string,
  format: ExportFormat,
): Promise<{ rows: number }> {
  if (format !== 'csv' && format !== 'parquet')
    throw new Error(`export format must be csv or parquet (got "${String(format)}")`);
  const dir = path.dirname(path.resolve(file));
  // the folder must exist (no recursive mkdir: Node's hangs on some special file systems such as /proc)
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory())
    throw new Error(`could not write ${format} export to ${file}: folder ${dir} does not exist`);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  const db = await openDuckDB({ threads: 1 });
  try {
    await db.exec(`CREATE TABLE scan (${t.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`);
    const app = await db.connection.createAppender('scan');
    for (const row of t.rows) {
      row.forEach((v, j) => {
        if (v === null) app.appendNull();
        else if (t.columns[j].type === 'VARCHAR') app.appendVarchar(String(v));
        else if (t.columns[j].type === 'INTEGER') app.appendInteger(Number(v));
        else app.appendDouble(Number(v));
      });
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
    const opts = format === 'csv' ? `FORMAT csv, HEADER true` : `FORMAT parquet, COMPRESSION zstd`;
    await db.exec(`COPY scan TO ${lit(tmp)} (${opts})`);
    await rename(tmp, file);
    return { rows: t.rows.length };
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`could not write ${format} export to ${file}: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
