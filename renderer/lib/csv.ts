/**
 * The scan as CSV, generated in the renderer (DuckDB-WASM cannot write Parquet offline: its parquet extension is
 * not linked and extension autoloading is off). Same columns as the CLI's `funnelscope scan --csv`
 * (electron/services/export.ts scanTable): one column per scanned dimension, then level, days_checked,
 * anomalous_days, [hours_checked, anomalous_hours], critical_periods, critical_period_count, first_critical,
 * [first_critical_hour], worst_sigma, purchases_lost, revenue_lost. RFC 4180 quoting, empty field = null.
 */
import type { ScanResult, ScanRow } from '../../core/scan.js';

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
const periodText = (p: { start: string; end: string; startHour?: number; endHour?: number }) =>
  p.startHour !== undefined
    ? `${p.start} ${hh(p.startHour)}..${p.end} ${hh(p.endHour)}`
    : `${p.start}..${p.end}`;

function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 1e6) / 1e6) : '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text of the scan's rows (`rows` = the rows to write, e.g. the filtered table; default all) */
export function scanCsv(res: ScanResult, rows: ScanRow[] = res.segments): string {
  const hourly = res.grain === 'hour';
  const header = [
    ...res.dimensions.map((d) => (METRICS.includes(d) ? `dim_${d}` : d)),
    'level',
    'days_checked',
    'anomalous_days',
    ...(hourly ? ['hours_checked', 'anomalous_hours'] : []),
    'critical_periods',
    'critical_period_count',
    'first_critical',
    ...(hourly ? ['first_critical_hour'] : []),
    'worst_sigma',
    'purchases_lost',
    'revenue_lost',
  ];
  const lines = [header.map(field).join(',')];
  for (const s of rows) {
    const row: (string | number | null)[] = res.dimensions.map((d) =>
      Object.hasOwn(s.segment, d) ? s.segment[d] : null,
    );
    row.push(s.level, s.daysChecked, s.anomalousDays);
    if (hourly) row.push(s.hoursChecked ?? 0, s.anomalousHours ?? 0);
    row.push(s.criticalPeriods.map(periodText).join('; '), s.criticalPeriods.length, s.firstCritical);
    if (hourly) row.push(s.firstCriticalHour ?? null);
    row.push(s.worstSigma, s.purchasesLost, s.revenueLost);
    lines.push(row.map(field).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
