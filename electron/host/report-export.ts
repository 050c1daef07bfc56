/**
 * The host side of File ▸ Export Incident Report… (contract op `exportReport`), shared by both transports.
 * Imports nothing from `electron`: main.ts adds the Electron printer (save dialog + printToPDF in a hidden
 * window) on top of the pure helpers here; the web host uses {@link createWebReportExporter} (Chromium via
 * playwright-core, a per-session export folder, a token-protected download URL).
 *
 * The model is always built by `buildReport(dataset, opts)` (electron/services/report.ts) from the open dataset,
 * so its numbers equal `funnelscope report` and `funnelscope explain` on the same folder.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExportReportRequest, ExportReportResult } from '../../core/contract.js';
import { settingsFor } from '../../core/detector.js';
import type { ReportModel } from '../../core/report.js';
import type { DetectorSettings } from '../../core/types.js';
import type { Dataset } from '../services/dataset.js';
import {
  buildReport,
  chromiumExecutable,
  renderReportPdf,
  reportPageDir,
  ReportError,
  type BuildReportOptions,
} from '../services/report.js';
import type { HostDataset, ReportAvailability, ReportExporter } from './operations.js';

// ------------------------------------------------------------------------------------------- pure helpers

/** Detector settings of a request: the profile's defaults with the analyst's overrides (validated by core). */
export function requestSettings(req: Pick<ExportReportRequest, 'settings'>): DetectorSettings {
  const s = req.settings;
  return settingsFor(s?.profile ?? 'robust', {
    sigma: s?.sigma,
    weeks: s?.weeks,
    streak: s?.streak,
    minViews: s?.minViews,
    directions: s?.directions ? [...s.directions] : undefined,
  });
}

/** BuildReportOptions for an exportReport request (what the analyst has on screen). */
export function reportBuildOptions(
  req: ExportReportRequest,
  extra: Pick<BuildReportOptions, 'source' | 'generatedAt'> = {},
): BuildReportOptions {
  const opts: BuildReportOptions = { settings: requestSettings(req), ...extra };
  if (req.segment && Object.keys(req.segment).length) opts.segment = { ...req.segment };
  if (req.baseline) opts.baseline = { ...req.baseline };
  if (req.incident) opts.incident = { ...req.incident };
  if (req.dimensions) opts.dimensions = [...req.dimensions];
  return opts;
}

/** "mobile-ios-safari" for {device: mobile, os: ios, browser: safari}; "all-traffic" for {}. */
export function segmentSlug(segment: Record<string, string>): string {
  const slug = Object.values(segment)
    .join('-')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || 'all-traffic';
}

/** Default file name: `funnelscope-incident-<segment>-<incident start>.pdf`. */
export function reportFileName(model: Pick<ReportModel, 'culprit' | 'periods'>): string {
  return `funnelscope-incident-${segmentSlug(model.culprit.segment)}-${model.periods.incident.from}.pdf`;
}

/** The save dialog's answer with a `.pdf` extension (a user who types "report" gets "report.pdf"). */
export function withPdfExtension(file: string): string {
  return /\.pdf$/i.test(file) ? file : `${file}.pdf`;
}

/**
 * Wait until the report page has rendered: polls `evaluate(readyExpression)` / `evaluate(errorExpression)`.
 * Resolves when ready, rejects with ReportError RENDER_FAILED on a page error or after `timeoutMs`, and with an
 * AbortError when `signal` aborts. Used by main.ts with `webContents.executeJavaScript`.
 */
export async function waitForReportPage(
  evaluate: (expression: string) => Promise<unknown>,
  opts: {
    readyExpression: string;
    errorExpression: string;
    timeoutMs?: number;
    intervalMs?: number;
    signal?: AbortSignal;
  },
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const interval = opts.intervalMs ?? 100;
  for (;;) {
    if (opts.signal?.aborted) throw abortError();
    const error = await evaluate(opts.errorExpression);
    if (typeof error === 'string' && error)
      throw new ReportError('RENDER_FAILED', `the report page failed: ${error}`);
    if ((await evaluate(opts.readyExpression)) === true) return;
    if (Date.now() > deadline) {
      throw new ReportError(
        'RENDER_FAILED',
        `the report page did not finish rendering within ${Math.round((opts.timeoutMs ?? 60_000) / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

function abortError(): Error {
  const e = new Error('Cancelled');
  e.name = 'AbortError';
  return e;
}

/**
 * Write a file so that a crash never leaves a half-written PDF under the final name: a temp file in the same
 * folder, fsync, rename over the target, fsync the folder (best effort on platforms that cannot open one).
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** fsync an already written file and move it into place (for files written by someone else, e.g. Chromium). */
export async function commitFile(tmp: string, file: string): Promise<void> {
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* Windows cannot open a directory; the rename is still atomic there */
  }
}

// ------------------------------------------------------------------------------------------- model

/** The part of the open dataset buildReport reads (the real services' Dataset has it). */
function asReportDataset(dataset: HostDataset): Dataset {
  const d = dataset as Partial<Dataset>;
  if (typeof d.cube !== 'function' || !Array.isArray(d.dimensions)) {
    throw new ReportError('BAD_REQUEST', 'this dataset service cannot build reports (no cube/dimensions)');
  }
  return dataset as Dataset;
}

/** Build the report model of an open dataset for a request (same numbers as `funnelscope report`). */
export async function buildReportForRequest(
  dataset: HostDataset,
  req: ExportReportRequest,
  context: { folder: string; sample: boolean },
): Promise<ReportModel> {
  const source = context.sample
    ? { kind: 'sample' as const, path: context.folder, label: 'Funnelscope sample dataset' }
    : undefined;
  try {
    return await buildReport(asReportDataset(dataset), reportBuildOptions(req, { source }));
  } catch (err) {
    // core's plain Errors (periods that do not fit the data, bad settings) are the user's input
    if (err instanceof Error && err.name === 'Error') {
      throw new ReportError('BAD_REQUEST', err.message);
    }
    throw err;
  }
}

// ------------------------------------------------------------------------------------------- availability

/** Is the built report page there (dist/report or FUNNELSCOPE_REPORT_DIR)? */
export function reportPageAvailability(): ReportAvailability {
  try {
    reportPageDir();
    return { available: true, reason: null };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

/** Web host: the page is built and Chromium is executable at the configured path. */
export async function chromiumAvailability(chromiumPath?: string): Promise<ReportAvailability> {
  const page = reportPageAvailability();
  if (!page.available) return page;
  const exe = chromiumExecutable(chromiumPath);
  try {
    await access(exe, fsConstants.X_OK);
    return { available: true, reason: null };
  } catch {
    return {
      available: false,
      // the report service's own wording (renderReportPdf), so hostInfo and the failed export say the same
      reason: `Chromium was not found at ${exe}. Install it (apt-get install -y chromium) or give its path with --chromium PATH (or FUNNELSCOPE_CHROMIUM).`,
    };
  }
}

// ------------------------------------------------------------------------------------------- web host

export interface ReportDownload {
  /** absolute path of the PDF */
  file: string;
  /** file name offered to the browser */
  name: string;
}

export interface WebReportExporterOptions {
  userDataDir: string;
  /** Chromium executable; default FUNNELSCOPE_CHROMIUM, else /usr/bin/chromium */
  chromiumPath?: string;
  /** register a finished PDF for download; returns the URL path (`/download/<id>.pdf`) */
  register(download: ReportDownload): string;
  /** session folders older than this are removed when the exporter starts (default 7 days) */
  keepDays?: number;
}

/** `<userData>/exports` */
export function exportsRoot(userDataDir: string): string {
  return path.join(userDataDir, 'exports');
}

/** Remove session export folders older than `days` (best effort). */
export async function pruneOldExports(userDataDir: string, days: number): Promise<void> {
  const root = exportsRoot(userDataDir);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const cutoff = Date.now() - days * 86_400_000;
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith('session-')) continue;
    const dir = path.join(root, e.name);
    const info = await stat(dir).catch(() => null);
    if (info && info.mtimeMs < cutoff) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A free name in `dir`: name.pdf, name-2.pdf, … */
async function freeName(dir: string, name: string): Promise<string> {
  const base = name.replace(/\.pdf$/i, '');
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? `${base}.pdf` : `${base}-${i}.pdf`;
    try {
      await stat(path.join(dir, candidate));
    } catch {
      return candidate;
    }
  }
}

/**
 * The web host's exporter: builds the model, prints it through Chromium (renderReportPdf) into a per-session
 * folder `<userData>/exports/session-<time>-<random>/` (temp file, fsync, rename), and registers it for download.
 */
export function createWebReportExporter(options: WebReportExporterOptions): ReportExporter & {
  sessionDir: string;
} {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const sessionDir = path.join(
    exportsRoot(options.userDataDir),
    `session-${stamp}-${randomBytes(4).toString('hex')}`,
  );
  const pruned = pruneOldExports(options.userDataDir, options.keepDays ?? 7);
  return {
    sessionDir,
    availability: () => chromiumAvailability(options.chromiumPath),
    async export(req, ctx) {
      await pruned;
      // fail fast (before minutes of analysis) when the printer cannot work
      const ready = await chromiumAvailability(options.chromiumPath);
      if (!ready.available) throw new ReportError('NO_CHROMIUM', ready.reason!);
      const model = await buildReportForRequest(ctx.dataset, req, ctx);
      if (ctx.signal.aborted) throw abortError();
      ctx.report({ phase: 'printing', message: 'Printing the PDF' }, true);
      await mkdir(sessionDir, { recursive: true });
      const name = await freeName(sessionDir, reportFileName(model));
      const file = path.join(sessionDir, name);
      const tmp = path.join(sessionDir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        const printed = await renderReportPdf(model, { out: tmp, chromiumPath: options.chromiumPath });
        if (ctx.signal.aborted) throw abortError();
        await commitFile(tmp, file);
        const url = options.register({ file, name });
        return {
          file,
          pages: printed.pages,
          url,
          culprit: model.culprit.label,
          incidentStart: model.periods.incident.from,
        } satisfies ExportReportResult;
      } finally {
        await rm(tmp, { force: true }).catch(() => undefined);
      }
    },
  };
}
