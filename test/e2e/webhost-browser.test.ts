/**
 * The web host as a real browser sees it: Chromium (playwright-core, /usr/bin/chromium) opens the printed URL;
 * the renderer's host client (bundled with esbuild, exactly the code the app ships) authenticates with the token
 * then the cookie, removes the token from the address bar, receives progress over the WebSocket, gets Arrow
 * bytes, and the page's CSP + COOP/COEP still allow what the renderer needs (module scripts, a module worker,
 * WebAssembly) while blocking inline scripts and remote connections.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../electron/host/web.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromiumPath = process.env.FUNNELSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let tmp: string;
let web: WebHost;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

// A 41-byte WebAssembly module exporting add(a, b) — compiled in the page to prove 'wasm-unsafe-eval' suffices.
const WASM_ADD = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0,
  10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11,
];

beforeAll(async () => {
  expect(existsSync(chromiumPath), `Chromium is required at ${chromiumPath} (set FUNNELSCOPE_CHROMIUM)`).toBe(
    true,
  );
  tmp = await mkdtemp(path.join(os.tmpdir(), 'fs-browser-'));
  const data = path.join(tmp, 'data');
  const site = path.join(tmp, 'site');
  await mkdir(data, { recursive: true });
  await mkdir(site, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const con = await db.connect();
  for (let f = 0; f < 4; f++) {
    await con.run(`COPY (
      SELECT (epoch_ms(TIMESTAMP '2015-08-01') + (i % 30) * 86400000 + i * 13 % 86400000)::BIGINT AS timestamp,
             (i % 700)::BIGINT AS visitorid,
             CASE WHEN i % 9 = 0 THEN 'addtocart' WHEN i % 31 = 0 THEN 'transaction' ELSE 'view' END AS event,
             (i % 50)::BIGINT AS itemid, NULL::BIGINT AS transactionid,
             CASE WHEN i % 4 = 0 THEN 'mobile' ELSE 'desktop' END AS device
      FROM range(5000) t(i)) TO '${path.join(data, `p${f}.parquet`)}' (FORMAT parquet)`);
  }
  con.closeSync();
  db.closeSync();

  // the renderer's host client, bundled for the browser
  await build({
    stdin: {
      contents: `import { createHostClient } from ${JSON.stringify(path.join(root, 'renderer/host/client.ts'))};
        window.createHostClient = createHostClient;`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outfile: path.join(site, 'client.js'),
    logLevel: 'silent',
  });
  await writeFile(
    path.join(site, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>host test</title>
     <script type="module" src="./client.js"></script>
     <script>window.inlineRan = true;</script>`,
  );
  await writeFile(
    path.join(site, 'worker.js'),
    `self.onmessage = async (e) => {
       const { instance } = await WebAssembly.instantiate(new Uint8Array(e.data));
       self.postMessage(instance.exports.add(20, 22));
     };`,
  );
  web = await startWebHost({ folder: data, staticDir: site, userDataDir: path.join(tmp, 'user') });
  browser = await chromium.launch({ executablePath: chromiumPath, args: FLAGS });
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(web.url);
  await page.waitForFunction(
    () => typeof (globalThis as { createHostClient?: unknown }).createHostClient === 'function',
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('web host in Chromium', () => {
  it('loads the page and its module script through the token, and blocks inline scripts (CSP)', async () => {
    const state = await page.evaluate(() => ({
      inline: (globalThis as { inlineRan?: boolean }).inlineRan ?? false,
      isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    }));
    expect(state.inline).toBe(false);
    expect(state.isolated).toBe(true);
    expect(consoleErrors.join('\n')).toMatch(/Content Security Policy/);
  });

  it('runs the client: token removed from the URL, progress over WebSocket, Arrow bytes, specific errors', async () => {
    const result = await page.evaluate(
      async (dataFolder) => {
        type Client = {
          invoke(op: string, req: unknown, o?: { onProgress?: (e: unknown) => void }): Promise<unknown>;
          close(): void;
        };
        const host = (globalThis as unknown as { createHostClient(): Client }).createHostClient();
        const progress: { phase: string; rows: number }[] = [];
        const opened = (await host.invoke(
          'openFolder',
          { folder: dataFolder },
          { onProgress: (e) => progress.push(e as { phase: string; rows: number }) },
        )) as { datasetId: string; profile: { rows: { read: number } } };
        const bytes = (await host.invoke('cube', {
          datasetId: opened.datasetId,
          dimensions: ['device'],
          grain: 'day',
        })) as Uint8Array;
        let denied = '';
        try {
          await host.invoke('openFolder', { folder: '/etc' });
        } catch (e) {
          denied = `${(e as { code: string }).code}: ${(e as Error).message}`;
        }
        host.close();
        return {
          href: (globalThis as unknown as { location: { href: string } }).location.href,
          rows: opened.profile.rows.read,
          progressPhases: progress.map((p) => p.phase),
          lastRows: progress.at(-1)?.rows,
          cubeIsBytes: bytes instanceof Uint8Array,
          cubeLength: bytes.byteLength,
          denied,
        };
      },
      path.join(tmp, 'data'),
    );
    expect(result.href).not.toContain('token=');
    expect(result.rows).toBe(20_000);
    expect(result.progressPhases.at(-1)).toBe('done');
    expect(result.lastRows).toBe(20_000);
    expect(result.cubeIsBytes).toBe(true);
    expect(result.cubeLength).toBeGreaterThan(500);
    expect(result.denied).toMatch(/^FOLDER_NOT_ALLOWED: Access to "\/etc" is not allowed/);
  });

  it('still works after a reload without the token in the URL (cookie session)', async () => {
    await page.reload();
    await page.waitForFunction(
      () => typeof (globalThis as { createHostClient?: unknown }).createHostClient === 'function',
    );
    const transport = await page.evaluate(async () => {
      const host = (
        globalThis as unknown as {
          createHostClient(): { invoke(op: string, r: unknown): Promise<{ transport: string }> };
        }
      ).createHostClient();
      return (await host.invoke('hostInfo', {})).transport;
    });
    expect(transport).toBe('web');
  });

  it('allows a same-origin worker compiling WebAssembly, and blocks remote connections', async () => {
    const r = await page.evaluate(async (wasm) => {
      type BrowserWorker = {
        onmessage: (e: { data: unknown }) => void;
        onerror: (e: { message: string }) => void;
        postMessage(v: unknown): void;
      };
      const WorkerCtor = (globalThis as unknown as { Worker: new (url: string) => BrowserWorker }).Worker;
      const sum = await new Promise<number>((resolve, reject) => {
        const w = new WorkerCtor('./worker.js');
        w.onmessage = (e) => resolve(e.data as number);
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage(wasm);
      });
      let remote = 'allowed';
      try {
        await fetch('https://example.com/');
      } catch {
        remote = 'blocked';
      }
      return { sum, remote };
    }, WASM_ADD);
    expect(r.sum).toBe(42);
    expect(r.remote).toBe('blocked');
  });

  it('a fresh browser context without the token gets 401', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    const res = await p.goto(web.origin + '/');
    expect(res?.status()).toBe(401);
    await ctx.close();
  });
});
