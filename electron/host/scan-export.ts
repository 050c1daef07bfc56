/**
 * The host side of the Scan view's export (contract op `exportScan`), shared by both transports. Imports nothing
 * from `electron`: main.ts asks where to save (native dialog) and calls {@link writeScanExport}; the web host
 * uses {@link createWebScanExporter} (a per-session export folder, a token-protected download URL).
 *
 * The file is written by electron/services/export.ts (native DuckDB, temp file then rename), the same writer and
 * columns as `funnelscope scan --csv/--parquet`: the app sends the rows on screen (filters and sort applied).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExportScanRequest, ExportScanResult } from '../../core/contract.js';
import { exportScanTable, scanTable, type ExportFormat } from '../services/export.js';
import type { ScanExporter } from './operations.js';
import { exportsRoot, pruneOldExports } from './report-export.js';

/** MIME types of the export formats (Parquet: the IANA registration application/vnd.apache.parquet). */
export const EXPORT_CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

/** Default file name: `funnelscope-scan-<YYYY-MM-DD>.<csv|parquet>` (local date). */
export function scanExportFileName(format: ExportFormat, now = new Date()): string {
  const d = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  return `funnelscope-scan-${d}.${format}`;
}

/** `name` with the format's extension (a user who types "scan" gets "scan.parquet"). */
export function withExportExtension(name: string, format: ExportFormat): string {
  return name.toLowerCase().endsWith(`.${format}`) ? name : `${name}.${format}`;
}

/** Write the request's rows to `file` (CSV or Parquet, complete or not at all). */
export async function writeScanExport(req: ExportScanRequest, file: string): Promise<{ rows: number }> {
  const table = scanTable({
    dimensions: req.dimensions,
    grain: req.grain,
    segments: req.rows,
  });
  return exportScanTable(table, file, req.format);
}

export interface ScanDownload {
  /** absolute path of the file */
  file: string;
  /** file name offered to the browser */
  name: string;
}

export interface WebScanExporterOptions {
  userDataDir: string;
  /** register a finished file for download; returns the URL path (`/download/<id>.<ext>`) */
  register(download: ScanDownload): string;
  /** session folders older than this are removed when the exporter starts (default 7 days) */
  keepDays?: number;
}

/** A free name in `dir`: name.ext, name-2.ext, … */
async function freeName(dir: string, name: string, format: ExportFormat): Promise<string> {
  const base = name.slice(0, name.length - format.length - 1);
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${base}-${i}.${format}`;
    if (!(await stat(path.join(dir, candidate)).catch(() => null))) return candidate;
  }
}

/**
 * The web host's scan exporter: writes into `<userData>/exports/session-<time>-<random>/` and registers the file
 * for download (only this host's token can fetch it).
 */
export function createWebScanExporter(
  options: WebScanExporterOptions,
): ScanExporter & { sessionDir: string } {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const sessionDir = path.join(
    exportsRoot(options.userDataDir),
    `session-${stamp}-${randomBytes(4).toString('hex')}`,
  );
  const pruned = pruneOldExports(options.userDataDir, options.keepDays ?? 7);
  return {
    sessionDir,
    async export(req) {
      await pruned;
      await mkdir(sessionDir, { recursive: true });
      const wanted = withExportExtension(req.fileName ?? scanExportFileName(req.format), req.format);
      const name = await freeName(sessionDir, wanted, req.format);
      const file = path.join(sessionDir, name);
      const { rows } = await writeScanExport(req, file);
      const url = options.register({ file, name });
      return { file, rows, url } satisfies ExportScanResult;
    },
  };
}
