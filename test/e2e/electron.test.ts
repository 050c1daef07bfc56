/**
 * The desktop app itself, driven by Playwright's Electron support. Needs the Electron binary, which cannot be
 * downloaded on machines without internet: then every test here is skipped with the printed reason (the only
 * skip the project allows). The binary is looked up without require('electron'), which would try to download it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { findElectronBinary } from '../../scripts/start.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const found = findElectronBinary(root) as { exe: string } | { reason: string };
const skipReason =
  'reason' in found ? `Electron e2e skipped: the Electron binary is absent (${found.reason})` : null;
if (skipReason) console.warn(skipReason);

type Bridge = {
  invoke(
    op: string,
    req: unknown,
    id?: string,
  ): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }>;
};

describe.skipIf(skipReason !== null)('Electron app', () => {
  let app: ElectronApplication;
  let page: Page;
  const userData = mkdtempSync(path.join(os.tmpdir(), 'fs-electron-'));
  const shots = path.join(root, 'test-results', 'electron');

  beforeAll(async () => {
    if (
      !existsSync(path.join(root, 'dist', 'electron', 'main.js')) ||
      !existsSync(path.join(root, 'dist', 'renderer', 'index.html'))
    ) {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    }
    app = await _electron.launch({
      executablePath: (found as { exe: string }).exe,
      // Chromium refuses to start as root without --no-sandbox (containers/CI); never passed otherwise
      args: [root, '--sample', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, FUNNELSCOPE_HOME: userData },
      timeout: 60_000,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves the renderer from app:// in an isolated, sandboxed page', async () => {
    expect(page.url()).toMatch(/^app:\/\/funnelscope\//);
    const env = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((globalThis as unknown as { funnelscope: object }).funnelscope).sort(),
    }));
    expect(env.require).toBe('undefined');
    expect(env.process).toBe('undefined');
    expect(env.bridge).toEqual(['invoke', 'onEvent', 'onMenu', 'onProgress', 'transport']);
  });

  it('sends the CSP and refuses new windows and foreign navigation', async () => {
    const csp = await page.evaluate(async () =>
      (await fetch('app://funnelscope/index.html')).headers.get('content-security-policy'),
    );
    expect(csp).toContain("default-src 'none'");
    const opened = await page.evaluate(
      () => (globalThis as unknown as { open(u: string): unknown }).open('https://example.com') === null,
    );
    expect(opened).toBe(true);
    expect(app.windows()).toHaveLength(1);
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^app:\/\/funnelscope\//);
  });

  it('answers the host contract over IPC: sample, profile, cube, and specific errors', async () => {
    const result = await page.evaluate(async () => {
      const fs = (globalThis as unknown as { funnelscope: Bridge }).funnelscope;
      const info = await fs.invoke('hostInfo', {});
      const opened = (await fs.invoke('openSample', {})) as {
        ok: boolean;
        data: { datasetId: string; profile: { rows: { read: number } } };
      };
      const cube = await fs.invoke('cube', {
        datasetId: opened.data.datasetId,
        dimensions: ['device'],
        grain: 'day',
      });
      const outside = await fs.invoke('openFolder', { folder: '/etc' });
      const invalid = await fs.invoke('preview', { datasetId: opened.data.datasetId, rows: -1 });
      return {
        transport: (info.data as { transport: string }).transport,
        rows: opened.data.profile.rows.read,
        cubeBytes: cube.data instanceof Uint8Array ? cube.data.byteLength : -1,
        outside: outside.error,
        invalid: invalid.error,
      };
    });
    expect(result.transport).toBe('electron');
    expect(result.rows).toBeGreaterThan(1_000_000);
    expect(result.cubeBytes).toBeGreaterThan(1000);
    expect(result.outside?.code).toBe('FOLDER_NOT_ALLOWED');
    expect(result.invalid).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Invalid request for "preview": rows: must be at least 1',
    });
    await page.screenshot({ path: path.join(shots, 'sample.png') });
  });

  it('exports the incident report over IPC: save dialog, printToPDF of app://funnelscope/report/, the PDF on disk', async () => {
    const out = path.join(userData, 'exported', 'incident.pdf');
    execFileSync('mkdir', ['-p', path.dirname(out)]);
    // the native save dialog cannot be clicked by Playwright: answer it from the main process
    await app.evaluate(
      ({ dialog }, file) => {
        const answers = [
          { canceled: true, filePath: '' },
          { canceled: false, filePath: file },
        ];
        (dialog as unknown as { showSaveDialog: unknown }).showSaveDialog = async () => answers.shift();
      },
      out.replace(/\.pdf$/, ''),
    );
    const result = await page.evaluate(async () => {
      const fs = (globalThis as unknown as { funnelscope: Bridge }).funnelscope;
      const info = (await fs.invoke('hostInfo', {})).data as { reportExport: { available: boolean } };
      const opened = (await fs.invoke('openSample', {})) as { data: { datasetId: string } };
      const cancelled = await fs.invoke('exportReport', { datasetId: opened.data.datasetId });
      const saved = await fs.invoke('exportReport', { datasetId: opened.data.datasetId });
      return { info, cancelled, saved };
    });
    expect(result.info.reportExport.available).toBe(true);
    expect(result.cancelled).toMatchObject({ ok: true, data: { file: null, pages: 0 } });
    expect(result.saved.ok).toBe(true);
    const saved = result.saved.data as { file: string; pages: number; culprit: string };
    expect(saved.file).toBe(out); // ".pdf" added to the typed name
    expect(saved.pages).toBeGreaterThanOrEqual(2);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', out, '-'], { encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    );
    expect(text).toContain(saved.culprit);
    expect(text).toMatch(/Page 1 of \d/);
  }, 180_000);

  it('opens the sample in the UI by itself and shows every view (screenshots under test-results/electron)', async () => {
    // main.tsx asks hostInfo what to open first; for `--sample` that is the sample
    await page.waitForFunction(
      () => {
        const fs = (
          globalThis as { __funnelscope?: { store: { getState(): { dataset: { status: string } } } } }
        ).__funnelscope;
        return fs?.store.getState().dataset.status === 'ready';
      },
      undefined,
      { timeout: 120_000 },
    );
    for (const view of ['data', 'overview', 'funnel', 'rootcause', 'calendar']) {
      await page.click(`[data-testid="nav-${view}"]`);
      await page.waitForTimeout(1000);
      await page.screenshot({ path: path.join(shots, `view-${view}.png`) });
    }
    await page.click('[data-testid="nav-overview"]');
    await expect(page.getByText('Events', { exact: true }).first().isVisible()).resolves.toBe(true);
  });

  it('has the File, View and Help menus', async () => {
    const labels = await app.evaluate(({ Menu }) => {
      const menu = Menu.getApplicationMenu();
      const file = menu?.items.find((i) => i.label.replace('&', '') === 'File');
      return {
        top: menu?.items.map((i) => i.label.replace('&', '')) ?? [],
        file: file?.submenu?.items.map((i) => i.label).filter(Boolean) ?? [],
      };
    });
    expect(labels.top).toEqual(expect.arrayContaining(['File', 'View', 'Help']));
    expect(labels.file.join('|')).toMatch(/Open Folder…\|Open Sample\|Open Recent\|Export Incident Report…/);
  });
});

describe('Electron binary lookup', () => {
  it('never triggers the lazy download and states why it is unavailable', () => {
    const fake = mkdtempSync(path.join(os.tmpdir(), 'fs-noelectron-'));
    const r = findElectronBinary(fake, {}) as { reason?: string };
    expect(r.reason).toBe('the electron package is not installed');
    if (skipReason) expect(skipReason).toContain('binary');
  });
});
