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
import { openDuckDB } from './duckdb.js';

export type ExportFormat = 'csv' | 'parquet';
type ColType = 'VARCHAR' | 'INTEGER' | 'DOUBLE';
export type ExportValue = string | number | null;

export interface ScanTable {
  columns: { name: string; type: ColType }[];
  rows: ExportValue[][];
}

const METRICS = [
  'level',
  'days_checked',
  'anomalous_days',
  'hours_checked',
  'anomalous_hours',
  'critical_periods',
  'critical_period_count',
  'first_critical',
  'first_critical_hour',
  'worst_sigma',
  'purchases_lost',
  'revenue_lost',
];

const hh = (h: number | undefined) => `${String(h ?? 0).padStart(2, '0')}:00`;

/** A critical period as export text: `A..B`, or with hours `A HH:00..B HH:00`. */
export function periodText(p: { start: string; end: string; startHour?: number; endHour?: number }): string {
  return p.startHour !== undefined
    ? `${p.start} ${hh(p.startHour)}..${p.end} ${hh(p.endHour)}`
    : `${p.start}..${p.end}`;
}

/** The fields of a scan row the export table reads (core ScanRow has them; so do the host's exportScan rows,
 * where a non-finite number arrives as null). */
export interface ExportableScanRow {
  segment: Record<string, string>;
  level: number;
  daysChecked: number;
  anomalousDays: number;
  hoursChecked?: number;
  anomalousHours?: number;
  criticalPeriods: readonly { start: string; end: string; startHour?: number; endHour?: number }[];
  firstCritical: string | null;
  firstCriticalHour?: number | null;
  worstSigma: number | null;
  purchasesLost: number | null;
  revenueLost: number | null;
}

/** What scanTable reads of a scan: a whole ScanResult, or rows + dimensions (+ grain) from the app. */
export interface ExportableScan {
  dimensions: string[];
  grain?: 'day' | 'hour';
  segments: readonly ExportableScanRow[];
}

/** The export table of a scan (row order = the scan's order). Pure: usable in the renderer too. */
export function scanTable(res: ExportableScan): ScanTable {
  const hourly = res.grain === 'hour';
  const dimCols = res.dimensions.map((d) => (METRICS.includes(d) ? `dim_${d}` : d));
  const columns: ScanTable['columns'] = [
    ...dimCols.map((name) => ({ name, type: 'VARCHAR' as const })),
    { name: 'level', type: 'INTEGER' },
    { name: 'days_checked', type: 'INTEGER' },
    { name: 'anomalous_days', type: 'INTEGER' },
    ...(hourly
      ? [
          { name: 'hours_checked', type: 'INTEGER' as const },
          { name: 'anomalous_hours', type: 'INTEGER' as const },
        ]
      : []),
    { name: 'critical_periods', type: 'VARCHAR' },
    { name: 'critical_period_count', type: 'INTEGER' },
    { name: 'first_critical', type: 'VARCHAR' },
    ...(hourly ? [{ name: 'first_critical_hour', type: 'INTEGER' as const }] : []),
    { name: 'worst_sigma', type: 'DOUBLE' },
    { name: 'purchases_lost', type: 'DOUBLE' },
    { name: 'revenue_lost', type: 'DOUBLE' },
  ];
  const rows = res.segments.map((s) => {
    const row: ExportValue[] = res.dimensions.map((d) => (Object.hasOwn(s.segment, d) ? s.segment[d] : null));
    row.push(s.level, s.daysChecked, s.anomalousDays);
    if (hourly) row.push(s.hoursChecked ?? 0, s.anomalousHours ?? 0);
    row.push(s.criticalPeriods.map(periodText).join('; '), s.criticalPeriods.length, s.firstCritical);
    if (hourly) row.push(s.firstCriticalHour ?? null);
    row.push(fin(s.worstSigma), fin(s.purchasesLost), fin(s.revenueLost));
    return row;
  });
  return { columns, rows };
}

const fin = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);
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
