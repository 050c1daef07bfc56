/**
 * Helpers for the app's end-to-end tests: Chromium (playwright-core + the system binary), the renderer build,
 * a small generated sample, and the local web host serving the built renderer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../../electron/host/web.js';
import { defaultSampleDir, generateSample, type SampleTruth } from '../../electron/services/sample.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** the reference Retail Rocket data with the injected Safari-iOS checkout bug (never copied into the repo) */
export const REFERENCE_DATA = path.resolve(ROOT, '..', 'shared', 'data');
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = process.env.FUNNELSCOPE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** null when Chromium is there; otherwise the reason. Under CI=true a missing browser is an error, never a skip. */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const msg = `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set FUNNELSCOPE_CHROMIUM=/path/to/chromium)`;
  if (process.env.CI === 'true') throw new Error(msg);
  return msg;
}

/**
 * `npx vite build` of the renderer (the bundle Electron and the web host serve) into `outDir` — a private
 * directory, so a concurrent `npm run build` (which empties dist/renderer) cannot pull files from under the page.
 */
export function buildRenderer(outDir: string): string {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 240_000,
  });
  if (!existsSync(path.join(outDir, 'index.html')))
    throw new Error(`vite build did not produce ${outDir}/index.html`);
  return outDir;
}

export interface AppFixture {
  web: WebHost;
  browser: Browser;
  userData: string;
  tmp: string;
  truth: SampleTruth;
  /** events per raw event type in the sample's files (native DuckDB, independent of the app's code) */
  fileCounts: Record<string, number>;
  close(): Promise<void>;
}

/**
 * A web host whose user data directory already holds a smaller generated sample (so "Open sample" is fast and
 * deterministic; the generator writes truth.json next to it), with `tmp` allowed for extra test folders.
 */
export async function startApp(opts: { events?: number; days?: number } = {}): Promise<AppFixture> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'fs-app-e2e-'));
  const staticDir = buildRenderer(path.join(tmp, 'renderer'));
  const userData = path.join(tmp, 'userdata');
  mkdirSync(userData, { recursive: true });
  const truth = await generateSample(defaultSampleDir(userData), {
    events: opts.events ?? 1_200_000,
    days: opts.days ?? 120,
    files: 40,
  });
  const db = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const con = await db.connect();
  const counted = await con.runAndReadAll(
    `SELECT event, count(*)::INTEGER AS n FROM read_parquet('${path.join(defaultSampleDir(userData), '**', '*.parquet').replace(/'/g, "''")}') GROUP BY 1`,
  );
  const fileCounts = Object.fromEntries(counted.getRowObjects().map((r) => [String(r.event), Number(r.n)]));
  con.closeSync();
  db.closeSync();
  const web = await startWebHost({ staticDir, userDataDir: userData, allowedRoots: [tmp, REFERENCE_DATA] });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  return {
    web,
    browser,
    userData,
    tmp,
    truth,
    fileCounts,
    async close() {
      await browser.close().catch(() => undefined);
      await web.close().catch(() => undefined);
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

export async function newAppPage(
  app: AppFixture,
  scheme: 'light' | 'dark' = 'light',
  autoOpen = false,
): Promise<{ page: Page; errors: string[] }> {
  const ctx = await app.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(autoOpen ? app.web.url : `${app.web.url}&open=none`);
  return { page, errors };
}

export async function shot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.waitForTimeout(250); // let ECharts finish its frame
  if (fullPage) {
    // the app scrolls inside <main>: let it grow for a picture of the whole view
    await page.addStyleTag({
      content:
        '.app{height:auto!important}.main{overflow:visible!important}.content{overflow:visible!important}',
    });
    await page.screenshot({ path: file, fullPage: true });
    await page.addStyleTag({
      content: '.app{height:100%!important}.main{overflow:hidden!important}.content{overflow:auto!important}',
    });
  } else await page.screenshot({ path: file });
  return file;
}

/** pixel position (page coordinates) of a value in a named chart, via ECharts' own convertToPixel */
export async function chartPixel(
  page: Page,
  chart: string,
  finder: Record<string, number>,
  value: unknown,
): Promise<{ x: number; y: number }> {
  const r = await page.evaluate(
    ({ chart, finder, value }) => {
      const fs = (
        globalThis as unknown as {
          __funnelscope: {
            charts: Map<
              string,
              {
                convertToPixel(f: unknown, v: unknown): number | number[];
                getDom(): { getBoundingClientRect(): { left: number; top: number; height: number } };
              }
            >;
          };
        }
      ).__funnelscope;
      const c = fs.charts.get(chart);
      if (!c) throw new Error(`chart ${chart} is not on the page`);
      const p = c.convertToPixel(finder, value);
      const box = c.getDom().getBoundingClientRect();
      return { p, left: box.left, top: box.top, height: box.height };
    },
    { chart, finder, value },
  );
  const [x, y] = Array.isArray(r.p) ? r.p : [r.p, r.height / 2];
  return { x: r.left + x, y: r.top + y };
}

export function parseNumber(text: string): number {
  return Number(text.replace(/[^\d.−-]/g, '').replace('−', '-'));
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
