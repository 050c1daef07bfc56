/**
 * Incident report service: builds the report model from a dataset (core/report.ts) and prints the report page
 * (renderer-report/, built into dist/report/) to PDF. Plain Node — imports nothing from `electron`.
 *
 * Two printers share one page and one set of print options:
 * - the CLI and the tests: {@link renderReportPdf} drives Chromium through playwright-core;
 * - the desktop app: main.ts loads {@link reportHtmlPath} in a hidden window, runs
 *   {@link reportInjectionScript}, waits for {@link REPORT_READY_EXPRESSION} and calls
 *   `webContents.printToPDF(electronPrintOptions(model))` (see ARCHITECTURE.md § Incident report).
 */
import { access, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { constants as fsConstants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReportModel, type ReportModel, type ReportSource } from '../../core/report.js';
import { settingsFor } from '../../core/detector.js';
import type { DetectorProfile, DetectorSettings, Period, Segment } from '../../core/types.js';
import { DatasetError, openDataset, type Dataset, type OpenDatasetOptions } from './dataset.js';

export type { ReportModel } from '../../core/report.js';

/** Why a report could not be built or printed. `message` is meant for the user as is. */
export class ReportError extends Error {
  constructor(
    readonly code: 'NO_CHROMIUM' | 'NO_REPORT_PAGE' | 'RENDER_FAILED' | 'BAD_REQUEST',
    message: string,
  ) {
    super(message);
    this.name = 'ReportError';
  }
}

// ---------------------------------------------------------------- building the model

export interface BuildReportOptions {
  /** the culprit to report on (default: explain's top candidate) */
  segment?: Segment;
  baseline?: Period;
  incident?: Period;
  /** detector settings (default: the robust profile), or just a profile name */
  settings?: DetectorSettings;
  profile?: DetectorProfile;
  /** cube dimensions analysed (default device, os, browser where the data has them, else its first 3) */
  dimensions?: string[];
  /** passed to openDataset when a folder is given */
  open?: OpenDatasetOptions;
  /** default: now */
  generatedAt?: string;
  /** default: derived from the folder */
  source?: ReportSource;
  maxDepth?: number;
  topCandidates?: number;
}

/** device, os, browser where the dataset has them, else its first three data dimensions. */
function defaultDimensions(ds: Dataset): string[] {
  const preferred = ['device', 'os', 'browser'].filter((d) => ds.dimensions.includes(d));
  return preferred.length ? preferred : [...ds.dimensions].slice(0, 3);
}

/**
 * The report model of a folder (or single Parquet file), or of an already open dataset (left open). Throws
 * DatasetError for unusable data or unknown dimensions, Error with a user-facing message when the periods
 * do not fit the data or the detector finds nothing to report.
 */
export async function buildReport(
  folderOrDataset: string | Dataset,
  opts: BuildReportOptions = {},
): Promise<ReportModel> {
  const own = typeof folderOrDataset === 'string';
  const ds = own ? await openDataset(folderOrDataset, opts.open) : folderOrDataset;
  try {
    const known = [...ds.dimensions, ...ds.derivedDimensions];
    const dims = [...(opts.dimensions ?? defaultDimensions(ds))];
    for (const d of Object.keys(opts.segment ?? {})) if (!dims.includes(d)) dims.push(d);
    const unknown = dims.filter((d) => !known.includes(d));
    if (unknown.length) {
      throw new DatasetError(
        'BAD_REQUEST',
        `unknown dimension${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (this dataset has: ${known.join(', ') || 'none'})`,
      );
    }
    const [profile, cube] = [
      await ds.profile(),
      await ds.cube({ dimensions: dims, grain: 'day', visitors: false }),
    ];
    const settings = opts.settings ?? settingsFor(opts.profile ?? 'robust');
    const folder = ds.folder;
    const source: ReportSource = opts.source ?? {
      kind: (await stat(folder)).isDirectory() ? 'folder' : 'file',
      path: folder,
      label: path.basename(folder),
    };
    return buildReportModel({
      cube,
      profile,
      segment: opts.segment,
      baseline: opts.baseline,
      incident: opts.incident,
      settings,
      generatedAt: opts.generatedAt ?? new Date().toISOString(),
      source,
      maxDepth: opts.maxDepth,
      topCandidates: opts.topCandidates,
    });
  } finally {
    if (own) ds.close();
  }
}

// ---------------------------------------------------------------- the page and its print options

/** Page margins in millimetres; renderer-report/report.css uses the same numbers in its `@page` rule. */
export const REPORT_PAGE_MARGINS_MM = { top: 14, bottom: 16, left: 14, right: 14 } as const;

/** JS expression that is true once the report page has rendered everything (charts included). */
export const REPORT_READY_EXPRESSION = `document.body && document.body.dataset.ready === 'true'`;
/** JS expression giving the page's render error, if any (the page sets data-error and shows it). */
export const REPORT_ERROR_EXPRESSION = `document.body ? (document.body.dataset.error || null) : null`;

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Folder of the built report page (index.html + assets): FUNNELSCOPE_REPORT_DIR, else dist/report next to
 * the sources (running from TypeScript) or next to the compiled services (dist/electron/services → dist/report).
 */
export function reportPageDir(): string {
  const candidates = [
    process.env.FUNNELSCOPE_REPORT_DIR,
    path.resolve(here, '../../dist/report'),
    path.resolve(here, '../../report'),
  ].filter((p): p is string => !!p);
  for (const c of candidates) if (existsSync(path.join(c, 'index.html'))) return c;
  throw new ReportError(
    'NO_REPORT_PAGE',
    `the report page is not built (looked for index.html in ${candidates.join(', ')}); run: npx vite build -c vite.report.config.ts`,
  );
}

/** Absolute path of the built report page, for Electron's `win.loadFile()`. */
export function reportHtmlPath(): string {
  return path.join(reportPageDir(), 'index.html');
}

/** JSON safe to embed in a script (no `</script>`, no line separators that break older parsers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Script that hands the model to an already loaded report page (Electron: `webContents.executeJavaScript`).
 * The page also reads `window.__FUNNELSCOPE_REPORT__` at start-up when it was set before (playwright's
 * addInitScript), or fetches `report.json` next to index.html when neither happened.
 */
export function reportInjectionScript(model: ReportModel): string {
  return `window.__FUNNELSCOPE_REPORT__ = ${scriptJson(model)}; window.dispatchEvent(new Event('funnelscope:report')); true;`;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * Footer printed on every page: the report's subject and generated-at line on the left, "Page X of Y" on
 * the right (Chromium fills the pageNumber / totalPages classes). Inline styles only: header and footer
 * templates do not see the page's CSS, and their default font size is tiny.
 */
export function reportFooterTemplate(model: ReportModel): string {
  const left = escapeHtml(
    `Funnelscope incident report · ${model.culprit.label} · generated ${model.generatedAtText}`,
  );
  return (
    `<div style="box-sizing:border-box;width:100%;padding:0 ${REPORT_PAGE_MARGINS_MM.right}mm 0 ${REPORT_PAGE_MARGINS_MM.left}mm;` +
    `font-family:'Liberation Sans','Helvetica Neue',Arial,sans-serif;font-size:7.5px;color:#6b7280;` +
    `display:flex;justify-content:space-between;align-items:center;">` +
    `<span>${left}</span>` +
    `<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`
  );
}

/** An empty header (the report's own first page carries the title). */
export const REPORT_HEADER_TEMPLATE = '<div></div>';

/** Options of playwright's `page.pdf()` for the report. */
export function playwrightPdfOptions(model: ReportModel) {
  const m = REPORT_PAGE_MARGINS_MM;
  return {
    format: 'A4',
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: REPORT_HEADER_TEMPLATE,
    footerTemplate: reportFooterTemplate(model),
    margin: { top: `${m.top}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm`, right: `${m.right}mm` },
    preferCSSPageSize: true,
  } as const;
}

/** Options of Electron's `webContents.printToPDF()` for the report: the same page, margins and footer. */
export function electronPrintOptions(model: ReportModel) {
  const inch = (mm: number) => mm / 25.4;
  const m = REPORT_PAGE_MARGINS_MM;
  return {
    pageSize: 'A4' as const,
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: REPORT_HEADER_TEMPLATE,
    footerTemplate: reportFooterTemplate(model),
    margins: { top: inch(m.top), bottom: inch(m.bottom), left: inch(m.left), right: inch(m.right) },
    preferCSSPageSize: true,
  };
}

// ---------------------------------------------------------------- printing through Chromium (CLI, tests)

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

export interface RenderReportOptions {
  /** where to write the PDF */
  out: string;
  /** Chromium executable; default FUNNELSCOPE_CHROMIUM, else /usr/bin/chromium */
  chromiumPath?: string;
  /** built report page folder; default {@link reportPageDir} */
  pageDir?: string;
  /** ms to wait for the page to render (default 60 s) */
  timeoutMs?: number;
}

export function chromiumExecutable(explicit?: string): string {
  return explicit ?? process.env.FUNNELSCOPE_CHROMIUM ?? '/usr/bin/chromium';
}

/** Origin the report page is served from inside Chromium (intercepted, nothing goes to the network). */
const PAGE_ORIGIN = 'http://funnelscope-report.invalid';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Number of pages of a PDF written by Chromium (counts page objects). */
export function countPdfPages(pdf: Buffer): number {
  const text = pdf.toString('latin1');
  const m = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g);
  return m ? m.length : 0;
}

/**
 * Prints the report page with the model to a PDF through Chromium (playwright-core). The page is served from
 * the built folder by request interception (ES modules do not load from file:// in Chromium), the model is
 * injected before any page script runs, and printing waits for the page's ready flag.
 */
export async function renderReportPdf(
  model: ReportModel,
  opts: RenderReportOptions,
): Promise<{ pages: number; bytes: number; out: string }> {
  const exe = chromiumExecutable(opts.chromiumPath);
  try {
    await access(exe, fsConstants.X_OK);
  } catch {
    throw new ReportError(
      'NO_CHROMIUM',
      `Chromium was not found at ${exe}. Install it (apt-get install -y chromium) or give its path with --chromium PATH (or FUNNELSCOPE_CHROMIUM).`,
    );
  }
  const dir = opts.pageDir ?? reportPageDir();
  const timeout = opts.timeoutMs ?? 60_000;
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: exe,
      args: [...CHROMIUM_ARGS],
      headless: true,
      timeout,
    });
  } catch (err) {
    throw new ReportError(
      'NO_CHROMIUM',
      `Chromium at ${exe} could not be started (${firstLine((err as Error).message)}). Install it (apt-get install -y chromium) or give another with --chromium PATH.`,
    );
  }
  try {
    // bypassCSP: the page's CSP forbids eval, which playwright's string evaluation would need
    const context = await browser.newContext({ viewport: { width: 794, height: 1123 }, bypassCSP: true });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== PAGE_ORIGIN) return route.abort();
      const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
      const file = path.resolve(dir, rel);
      if (!file.startsWith(path.resolve(dir) + path.sep)) return route.fulfill({ status: 403 });
      if (rel === 'report.json')
        return route.fulfill({ status: 200, contentType: MIME['.json'], body: JSON.stringify(model) });
      try {
        const body = await readFile(file);
        return route.fulfill({
          status: 200,
          body,
          contentType: MIME[path.extname(file)] ?? 'application/octet-stream',
        });
      } catch {
        return route.fulfill({ status: 404, body: 'not found' });
      }
    });
    await page.addInitScript((json: string) => {
      (globalThis as unknown as { __FUNNELSCOPE_REPORT__: unknown }).__FUNNELSCOPE_REPORT__ =
        JSON.parse(json);
    }, JSON.stringify(model));
    await page.goto(`${PAGE_ORIGIN}/index.html`, { timeout });
    try {
      await page.waitForFunction(
        () => {
          const body = (globalThis as unknown as { document: { body?: { dataset: Record<string, string> } } })
            .document.body;
          return !!body && (body.dataset.ready === 'true' || !!body.dataset.error);
        },
        undefined,
        { timeout },
      );
    } catch (err) {
      const why = pageErrors.length ? pageErrors[0] : firstLine((err as Error).message);
      throw new ReportError(
        'RENDER_FAILED',
        /timeout/i.test(why) && !pageErrors.length
          ? `the report page did not finish rendering within ${Math.round(timeout / 1000)} s`
          : `the report page failed to render: ${why}`,
      );
    }
    const pageError = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { body?: { dataset: Record<string, string> } } }).document.body
          ?.dataset.error ?? null,
    );
    if (pageError) throw new ReportError('RENDER_FAILED', `the report page failed: ${pageError}`);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf(playwrightPdfOptions(model));
    await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
    await writeFile(opts.out, pdf);
    return { pages: countPdfPages(pdf), bytes: pdf.length, out: path.resolve(opts.out) };
  } finally {
    await browser.close();
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}
