/**
 * The Electron print path of File ▸ Export Incident Report…, checked in Chromium without the Electron binary:
 * the report page is served the way main.ts's app:// handler serves it (appFileFor → dist/report under
 * /report/, with the renderer's security headers and CSP on top of the page's own), loaded with NO model, then
 * given it late by reportInjectionScript (what webContents.executeJavaScript runs), polled with
 * waitForReportPage and printed with the Electron print options' page size and margins.
 * Needs Chromium (/usr/bin/chromium or FUNNELSCOPE_CHROMIUM) and pdftotext; under CI=true both are required.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFormat as F, type ReportModel } from '../../core/report.js';
import { waitForReportPage } from '../../electron/host/report-export.js';
import {
  buildReport,
  CHROMIUM_ARGS,
  chromiumExecutable,
  countPdfPages,
  electronPrintOptions,
  REPORT_ERROR_EXPRESSION,
  REPORT_READY_EXPRESSION,
  reportInjectionScript,
  reportPageDir,
} from '../../electron/services/report.js';
import { generateSample } from '../../electron/services/sample.js';
import {
  REPORT_ENTRY_URL,
  appFileFor,
  appUrlToRelativePath,
  mimeType,
  securityHeaders,
} from '../../electron/window-options.js';

const CI = process.env.CI === 'true';
const missing = existsSync(chromiumExecutable()) ? null : `Chromium (${chromiumExecutable()})`;
if (missing && !CI) console.warn(`app:// report printing test skipped: missing ${missing}`);

describe.skipIf(missing !== null && !CI)(
  'report page over app://funnelscope/report/ (Electron print path)',
  () => {
    let tmp: string;
    let model: ReportModel;
    let browser: Browser;

    beforeAll(async () => {
      if (missing) throw new Error(`CI=true and this test cannot run: missing ${missing}`);
      tmp = await mkdtemp(path.join(os.tmpdir(), 'fs-report-app-'));
      const truth = await generateSample(path.join(tmp, 'sample'), { events: 200_000, days: 60 });
      model = await buildReport(path.join(tmp, 'sample'), {
        incident: { from: truth.incident!.start, to: truth.incident!.end },
      });
      browser = await chromium.launch({ executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS] });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('renders after a late injection under the app:// headers and prints A4 pages naming the culprit', async () => {
      // no bypassCSP: the page runs under the app:// CSP (script-src 'self' …) and its own meta CSP
      const context = await browser.newContext({ viewport: { width: 794, height: 1123 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const served: string[] = [];
      const origin = 'http://funnelscope.test'; // stands in for app://funnelscope (Playwright cannot route app://)
      await page.route('**/*', async (route) => {
        const u = new URL(route.request().url());
        const rel = u.origin === origin ? appUrlToRelativePath(`app://funnelscope${u.pathname}`) : null;
        const target = rel
          ? appFileFor(
              rel,
              { rendererDir: path.join(tmp, 'no-renderer'), reportDir: reportPageDir() },
              path.join,
            )
          : null;
        if (!target) return route.abort();
        try {
          const body = await readFile(target.file);
          served.push(rel!);
          return route.fulfill({
            status: 200,
            body,
            headers: { 'Content-Type': mimeType(target.file), ...securityHeaders() },
          });
        } catch {
          return route.fulfill({ status: 404, body: 'Not found', headers: securityHeaders() });
        }
      });
      await page.goto(REPORT_ENTRY_URL.replace('app://funnelscope', origin));
      expect(await page.evaluate(REPORT_READY_EXPRESSION)).toBe(false); // waiting for its model
      await page.evaluate(reportInjectionScript(model));
      await waitForReportPage((e) => page.evaluate(e), {
        readyExpression: REPORT_READY_EXPRESSION,
        errorExpression: REPORT_ERROR_EXPRESSION,
        timeoutMs: 30_000,
      });
      expect(errors).toEqual([]);
      expect(served[0]).toBe('report/index.html');
      expect(served.some((s) => /^report\/assets\/.+\.js$/.test(s))).toBe(true);
      // print with the Electron options' geometry (printToPDF takes inches; page.pdf the same numbers)
      const o = electronPrintOptions(model);
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: o.printBackground,
        displayHeaderFooter: o.displayHeaderFooter,
        headerTemplate: o.headerTemplate,
        footerTemplate: o.footerTemplate,
        preferCSSPageSize: o.preferCSSPageSize,
        margin: {
          top: `${o.margins.top}in`,
          bottom: `${o.margins.bottom}in`,
          left: `${o.margins.left}in`,
          right: `${o.margins.right}in`,
        },
      });
      expect(countPdfPages(pdf)).toBeGreaterThanOrEqual(2);
      const file = path.join(tmp, 'electron-path.pdf');
      await writeFile(file, pdf);
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(
        /\s+/g,
        ' ',
      );
      expect(text).toContain(model.culprit.label);
      expect(text).toContain(`${F.int(model.keyFigures.purchasesLost)} purchases`);
      expect(text).toMatch(/Page 1 of \d/);
      await context.close();
    }, 120_000);
  },
);
