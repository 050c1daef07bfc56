/**
 * The export table of a scan: one row per scanned segment with stable snake_case columns — one per scanned
 * dimension (the segment's value, null where the segment does not fix it; a dimension whose name collides with a
 * metric column is written as `dim_<name>`), `level`, `days_checked`, `anomalous_days`, [`hours_checked`,
 * `anomalous_hours` — hour grain], `critical_periods` (text: `2015-09-01..2015-09-12; 2015-09-16..2015-09-18`,
 * with hours `2015-09-04 03:00..2015-09-04 11:00`), `critical_period_count`, `first_critical` (YYYY-MM-DD),
 * [`first_critical_hour`], `worst_sigma`, `purchases_lost`, `revenue_lost`.
 *
 * Pure: the CLI and the host write it with native DuckDB (electron/services/export.ts, CSV or Parquet), the
 * renderer as CSV text (renderer/lib/csv.ts), so every export has the same columns.
 */
export type ColType = 'VARCHAR' | 'INTEGER' | 'DOUBLE';
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
