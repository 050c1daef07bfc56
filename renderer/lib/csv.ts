/**
 * The scan as CSV, generated in the renderer (DuckDB-WASM cannot write Parquet offline: its parquet extension is
 * not linked and extension autoloading is off). The columns are core/scan-table.ts's, as the CLI's
 * `funnelscope scan --csv` and the host's export write them; numbers rounded to 6 decimals. RFC 4180 quoting
 * (core/csv.ts), empty field = null.
 */
import type { ScanResult, ScanRow } from '../../core/scan.js';
import { scanTable } from '../../core/scan-table.js';
import { csvText } from '../../core/csv.js';

/** CSV text of the scan's rows (`rows` = the rows to write, e.g. the filtered table; default all) */
export function scanCsv(res: ScanResult, rows: ScanRow[] = res.segments): string {
  const t = scanTable({ dimensions: res.dimensions, grain: res.grain, segments: rows });
  return csvText(
    t.columns.map((c) => c.name),
    t.rows,
    { digits: 6 },
  );
}
