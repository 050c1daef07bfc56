/**
 * The real web host (electron/host/web.ts) over the real dataset service (native DuckDB) on a small Parquet
 * folder written by DuckDB: token on every request, 127.0.0.1 only, folder restriction, specific validation
 * errors, progress events and cancellation, Arrow IPC cubes — driven through the renderer's own client
 * (renderer/host/client.ts) where possible, raw HTTP/WebSocket where the point is what the client never sends.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ARROW_STREAM_MIME, HostError, type ProgressEvent } from '../../core/contract.js';
import { startWebHost, type WebHost } from '../../electron/host/web.js';
import type { HostServices } from '../../electron/host/operations.js';
import { openDataset } from '../../electron/services/dataset.js';
import { buildReport } from '../../electron/services/report.js';
import { generateSample } from '../../electron/services/sample.js';
import { settingsFor } from '../../core/detector.js';
import { reportFormat as F } from '../../core/report.js';
import { createHostClient, type HostClient } from '../../renderer/host/client.js';
import { scan } from '../../core/scan.js';
import { openDuckDB } from '../../electron/services/duckdb.js';
import { periodText } from '../../electron/services/export.js';
import { scanExportRequestOf, type AppState } from '../../renderer/state/store.js';

let tmp: string;
let dataDir: string;
let outside: string;
let staticDir: string;
let web: WebHost;
let client: HostClient;

/** Retail Rocket layout, 3 files x 20 days, plus one corrupt file. */
async function writeFixture(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const con = await db.connect();
  for (let f = 0; f < 3; f++) {
    const file = path.join(dir, `events-${f}.parquet`).replaceAll("'", "''");
    await con.run(`COPY (
      SELECT
        (epoch_ms(TIMESTAMP '2015-08-01') + (i % 20) * 86400000 + (i * 37 % 86400) * 1000 + ${f})::BIGINT AS timestamp,
        (i % 500 + ${f} * 1000)::BIGINT AS visitorid,
        CASE WHEN i % 10 = 0 THEN 'addtocart' WHEN i % 29 = 0 THEN 'transaction' ELSE 'view' END AS event,
        (i % 97)::BIGINT AS itemid,
        CASE WHEN i % 29 = 0 THEN i ELSE NULL END::BIGINT AS transactionid,
        CASE WHEN i % 3 = 0 THEN 'mobile' ELSE 'desktop' END AS device,
        CASE WHEN i % 3 = 0 THEN 'ios' ELSE 'windows' END AS os,
        CASE WHEN i % 2 = 0 THEN 'safari' ELSE 'chrome' END AS browser
      FROM range(4000) t(i)
    ) TO '${file}' (FORMAT parquet)`);
  }
  con.closeSync();
  db.closeSync();
  await writeFile(path.join(dir, 'broken.parquet'), 'this is not a parquet file');
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'fs-webhost-'));
  dataDir = path.join(tmp, 'data');
  outside = path.join(tmp, 'outside');
  staticDir = path.join(tmp, 'static');
  await writeFixture(dataDir);
  await writeFixture(outside);
  await mkdir(staticDir, { recursive: true });
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Funnelscope</title><p>ui</p>');
  await writeFile(path.join(staticDir, 'app.js'), 'console.log(1)');
  await writeFile(path.join(tmp, 'secret.txt'), 'secret');
  // a symlink inside the allowed folder that points outside it
  await symlink(outside, path.join(dataDir, 'escape'));
  web = await startWebHost({
    folder: dataDir,
    staticDir,
    userDataDir: path.join(tmp, 'user'),
    appVersion: 'test',
  });
  client = createHostClient({ baseUrl: web.origin, token: web.token, WebSocket });
}, 120_000);

afterAll(async () => {
  client?.close();
  await web?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Raw HTTP request (to send what the client never would: wrong Host, no token…). */
function raw(
  method: string,
  pathname: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: web.port, method, path: pathname, headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const json = { 'content-type': 'application/json' };

describe('web host: session token and binding', () => {
  it('listens on 127.0.0.1 only and prints a URL with the token', async () => {
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/?token=${web.token}`);
    expect(web.token.length).toBeGreaterThanOrEqual(32);
    const nonLoopback = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (nonLoopback) {
      // the port must not answer on another interface
      await expect(
        new Promise((resolve, reject) => {
          const req = http.get(
            { host: nonLoopback.address, port: web.port, path: '/', timeout: 2000 },
            resolve,
          );
          req.on('error', reject);
          req.on('timeout', () => req.destroy(new Error('timeout')));
        }),
      ).rejects.toThrow();
    }
  });

  it('refuses every request without the token, pages and API alike', async () => {
    const page = await raw('GET', '/');
    expect(page.status).toBe(401);
    expect(page.body).toContain('session token');
    const asset = await raw('GET', '/app.js');
    expect(asset.status).toBe(401);
    const api = await raw('POST', '/api/invoke/hostInfo', {
      headers: json,
      body: '{"requestId":"a1","request":{}}',
    });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error.code).toBe('UNAUTHORIZED');
    const wrong = await raw('POST', '/api/invoke/hostInfo', {
      headers: { ...json, 'x-funnelscope-token': web.token.slice(0, -1) + 'x' },
      body: '{"requestId":"a1","request":{}}',
    });
    expect(wrong.status).toBe(401);
  });

  it('serves the page with the token in the URL, then by cookie, with a strict CSP', async () => {
    const page = await raw('GET', `/?token=${web.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Funnelscope</title>');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/funnelscope_token=.+; Path=\/; HttpOnly; SameSite=Strict/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const viaCookie = await raw('GET', '/app.js', { headers: { cookie: `funnelscope_token=${web.token}` } });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.headers['content-type']).toContain('text/javascript');
    const icon = await raw('GET', '/favicon.ico', { headers: { cookie: `funnelscope_token=${web.token}` } });
    expect(icon.status).toBe(204); // no console error for the browser's automatic favicon request
    const missing = await raw('GET', '/assets/missing.js', {
      headers: { cookie: `funnelscope_token=${web.token}` },
    });
    expect(missing.status).toBe(404);
  });

  it('rejects a foreign Host header (DNS rebinding) even with the token', async () => {
    const r = await raw('GET', `/?token=${web.token}`, { headers: { host: `evil.example:${web.port}` } });
    expect(r.status).toBe(421);
  });

  it('does not serve files outside the renderer directory', async () => {
    const r = await raw('GET', `/..%2fsecret.txt?token=${web.token}`);
    expect(r.status).toBe(400);
    const r2 = await raw('GET', `/%2e%2e/secret.txt?token=${web.token}`);
    expect([400, 404]).toContain(r2.status);
    expect(r2.body).not.toContain('secret');
  });

  it('refuses WebSocket upgrades without the token or from another origin', async () => {
    const attempt = (url: string, headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('error', () => resolve('refused'));
      });
    const base = `ws://127.0.0.1:${web.port}/api/events`;
    expect(await attempt(base)).toBe('refused');
    expect(await attempt(`${base}?token=${web.token}`, { origin: 'https://evil.example' })).toBe('refused');
    expect(await attempt(`${base}?token=${web.token}`, { origin: `http://127.0.0.1:${web.port}` })).toBe(
      'open',
    );
  });
});

describe('web host: operations over the real dataset service', () => {
  let datasetId = '';

  it('hostInfo says web, opens the given folder first, and lists unavailable operations', async () => {
    const info = await client.invoke('hostInfo', {});
    expect(info.transport).toBe('web');
    expect(info.initial).toEqual({ kind: 'folder', folder: dataDir });
    expect(info.unavailable).toContain('chooseFolder');
    // Chromium (/usr/bin/chromium or FUNNELSCOPE_CHROMIUM) and the built report page are here: export works
    expect(info.reportExport).toEqual({ available: true, reason: null });
    expect(info.unavailable).not.toContain('exportReport');
  });

  it('opens the folder with progress events, reporting the corrupt file by name', async () => {
    const events: ProgressEvent[] = [];
    const opened = await client.invoke(
      'openFolder',
      { folder: dataDir },
      { onProgress: (e) => events.push(e) },
    );
    datasetId = opened.datasetId;
    expect(opened.datasetId).toMatch(/^ds-/);
    expect(opened.profile.files.read).toBe(3);
    expect(opened.profile.files.skipped.map((s) => s.file).join(' ')).toContain('broken.parquet');
    expect(opened.profile.rows.read).toBe(12_000);
    expect(opened.profile.range).toEqual({ from: '2015-08-01', to: '2015-08-20' });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]!.requestId).toBe(events.at(-1)!.requestId);
    expect(events.at(-1)!.phase).toBe('done');
    expect(events.at(-1)!.files).toBe(3);
    expect(events.at(-1)!.rows).toBe(12_000);
    for (const e of events) {
      expect(typeof e.message).toBe('string');
      expect(e).toHaveProperty('rowsPerSecond');
      expect(e).toHaveProperty('etaSeconds');
    }
    const recent = await client.invoke('recentFolders', {});
    expect(recent.folders[0]!.folder).toBe(dataDir);
  });

  it('answers a cube as Arrow IPC bytes that decode to the right counts', async () => {
    const res = await raw('POST', '/api/invoke/cube', {
      headers: { ...json, 'x-funnelscope-token': web.token },
      body: JSON.stringify({
        requestId: 'cube-raw',
        request: { datasetId, dimensions: ['device'], grain: 'day' },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(ARROW_STREAM_MIME);
    const bytes = await client.invoke('cube', {
      datasetId,
      dimensions: ['device', 'browser'],
      grain: 'day',
      from: '2015-08-05',
      to: '2015-08-06',
    });
    expect(bytes).toBeInstanceOf(Uint8Array);
    const table = tableFromIPC(bytes);
    expect(table.schema.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['date', 'device', 'browser', 'views', 'carts', 'purchases']),
    );
    const dates = new Set(table.getChild('date')!.toArray() as string[]);
    expect([...dates].sort()).toEqual(['2015-08-05', '2015-08-06']);
    // compare with the service directly
    const ds = await openDataset(dataDir);
    try {
      const cube = await ds.cube({
        dimensions: ['device', 'browser'],
        grain: 'day',
        from: '2015-08-05',
        to: '2015-08-06',
      });
      const viewsCol = table.getChild('views')!.toArray() as Int32Array;
      const total = Array.from(viewsCol).reduce((a, b) => a + Number(b), 0);
      expect(total).toBe(cube.rows.reduce((a, r) => a + r.views, 0));
      expect(total).toBeGreaterThan(0);
    } finally {
      ds.close();
    }
  });

  it('previews rows as JSON-safe values', async () => {
    const p = await client.invoke('preview', { datasetId, rows: 5 });
    expect(p.rows).toHaveLength(5);
    expect(p.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining(['ts', 'visitor_id', 'event_type', 'device']),
    );
    expect(typeof p.rows[0]!.ts).toBe('string');
  });

  it('re-opens with a mapping under the same id and remembers it for the folder', async () => {
    const r = await client.invoke('setMapping', {
      datasetId,
      mapping: { layout: 'retailrocket', dimensions: { device: 'device' } },
    });
    expect(r.datasetId).toBe(datasetId);
    expect(Object.keys(r.profile.dimensions)).toContain('device');
    expect(Object.keys(r.profile.dimensions)).not.toContain('browser');
    const recent = await client.invoke('recentFolders', {});
    expect(recent.folders[0]!.mapping).toEqual({ layout: 'retailrocket', dimensions: { device: 'device' } });
    // {} = back to automatic mapping, forgotten for the folder
    const auto = await client.invoke('setMapping', { datasetId, mapping: {} });
    expect(Object.keys(auto.profile.dimensions)).toContain('browser');
    expect((await client.invoke('recentFolders', {})).folders[0]).not.toHaveProperty('mapping');
  });

  it('keeps UI preferences in the settings file (they survive a new host on another port)', async () => {
    const prefs = { theme: 'dark', detector: { profile: 'robust', sigma: 2.5 } };
    expect((await client.invoke('setPreferences', { preferences: prefs })).preferences).toEqual(prefs);
    const other = await startWebHost({ staticDir, userDataDir: path.join(tmp, 'user') });
    const c2 = createHostClient({ baseUrl: other.origin, token: other.token, WebSocket });
    try {
      expect(other.port).not.toBe(web.port);
      expect((await c2.invoke('getPreferences', {})).preferences).toEqual(prefs);
    } finally {
      c2.close();
      await other.close();
    }
    const tooBig = await client
      .invoke('setPreferences', { preferences: { blob: 'x'.repeat(70_000) } })
      .catch((e: unknown) => e);
    expect((tooBig as HostError).message).toBe(
      'Invalid request for "setPreferences": preferences: must be at most 64 KB as JSON',
    );
  });

  it('reports a mapping naming a missing column with the service message', async () => {
    const err = await client
      .invoke('setMapping', {
        datasetId,
        mapping: { layout: 'retailrocket', dimensions: { country: 'country' } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).message).toContain('country');
  });
});

describe('web host: bad input gets specific errors and the host stays up', () => {
  const expectError = async (p: Promise<unknown>, code: string, text: string | RegExp) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).code).toBe(code);
    expect((err as HostError).message).toMatch(text);
  };

  it('refuses folders outside the allowed ones, including via .. and symlinks', async () => {
    await expectError(client.invoke('openFolder', { folder: outside }), 'FOLDER_NOT_ALLOWED', /not allowed/);
    await expectError(
      client.invoke('openFolder', { folder: path.join(dataDir, '..', 'outside') }),
      'FOLDER_NOT_ALLOWED',
      /not allowed/,
    );
    await expectError(
      client.invoke('openFolder', { folder: path.join(dataDir, 'escape') }),
      'FOLDER_NOT_ALLOWED',
      /resolves to/,
    );
    await expectError(
      client.invoke('openFolder', { folder: '/etc' }),
      'FOLDER_NOT_ALLOWED',
      /^Access to "\/etc" is not allowed: only folders you chose can be opened — restart the web host with it: funnelscope serve "\/etc"$/,
    );
  });

  it('names a nonexistent folder and a relative path', async () => {
    await expectError(
      client.invoke('openFolder', { folder: path.join(dataDir, 'nope') }),
      'FOLDER_NOT_FOUND',
      /Folder not found: .*nope/,
    );
    await expectError(client.invoke('openFolder', { folder: 'data' }), 'INVALID_REQUEST', /absolute path/);
  });

  it('names the offending fields of invalid payloads', async () => {
    const bad = (op: string, body: unknown) =>
      raw('POST', `/api/invoke/${op}`, {
        headers: { ...json, 'x-funnelscope-token': web.token },
        body: JSON.stringify(body),
      });
    let r = await bad('cube', {
      requestId: 'x1',
      request: { datasetId: 'ds-1', dimensions: ['device', '1x'], grain: 'week' },
    });
    expect(r.status).toBe(400);
    let e = JSON.parse(r.body).error;
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toContain('Invalid request for "cube"');
    expect(e.message).toContain('dimensions[1]');
    expect(e.message).toContain('grain: must be "day" or "hour"');
    r = await bad('openFolder', { requestId: 'x2', request: { folder: 42 } });
    e = JSON.parse(r.body).error;
    expect(e.message).toBe(
      'Invalid request for "openFolder": folder: must be a string (an absolute folder path)',
    );
    r = await bad('preview', { requestId: 'x3', request: { datasetId: 'ds-1', rows: 5, sql: 'DROP' } });
    expect(JSON.parse(r.body).error.message).toContain('unknown field(s) "sql"');
    r = await bad('deleteEverything', { requestId: 'x4', request: {} });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.code).toBe('UNKNOWN_OPERATION');
    r = await raw('POST', '/api/invoke/hostInfo', {
      headers: { ...json, 'x-funnelscope-token': web.token },
      body: '{not json',
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toContain('not valid JSON');
    await expectError(
      client.invoke('profile', { datasetId: 'ds-zzz' }),
      'DATASET_NOT_FOUND',
      /ds-zzz is not open/,
    );
    await expectError(
      client.invoke('cube', { datasetId: 'ds-zzz', dimensions: [], grain: 'day', from: '2015-02-30' }),
      'INVALID_REQUEST',
      /from: is not a valid calendar date/,
    );
    // still up
    expect((await client.invoke('hostInfo', {})).transport).toBe('web');
  });

  it('reports unknown cube dimensions with the service message', async () => {
    const { datasetId } = await client.invoke('openFolder', { folder: dataDir });
    await expectError(
      client.invoke('cube', { datasetId, dimensions: ['country'], grain: 'day' }),
      'INVALID_REQUEST',
      /country/,
    );
  });
});

describe('cancellation', () => {
  it('cancels a running openFolder by requestId: the call fails with CANCELLED, no dataset stays open', async () => {
    // a slow service (delays before delegating) makes the race deterministic; the real service still does the work
    let gate!: () => void;
    const started = new Promise<void>((r) => (gate = r));
    const slow: HostServices = {
      openDataset: async (folder, opts) => {
        gate();
        await new Promise((r) => setTimeout(r, 300));
        return openDataset(folder, opts);
      },
      ensureSample: async () => dataDir,
    };
    const host2 = await startWebHost({
      folder: dataDir,
      staticDir,
      userDataDir: path.join(tmp, 'user2'),
      services: slow,
    });
    const c2 = createHostClient({ baseUrl: host2.origin, token: host2.token, WebSocket });
    try {
      const pending = c2
        .invoke('openFolder', { folder: dataDir }, { requestId: 'slow-open-1' })
        .catch((e: unknown) => e);
      await started;
      expect(host2.host.running()).toContain('slow-open-1');
      expect(await c2.cancel('slow-open-1')).toBe(true);
      const err = await pending;
      expect(err).toBeInstanceOf(HostError);
      expect((err as HostError).code).toBe('CANCELLED');
      await new Promise((r) => setTimeout(r, 800)); // let the late result arrive and be closed
      expect(host2.host.openDatasets()).toEqual([]);
      expect(host2.host.running()).toEqual([]);
      expect(await c2.cancel('slow-open-1')).toBe(false);
    } finally {
      c2.close();
      await host2.close();
    }
  });

  it('cancels through an AbortSignal on the client, even when the cancel overtakes the request', async () => {
    const before = web.host.openDatasets().length;
    const controller = new AbortController();
    const p = client
      .invoke('openFolder', { folder: dataDir }, { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    const err = await p;
    expect((err as HostError).code).toBe('CANCELLED');
    await new Promise((r) => setTimeout(r, 500));
    expect(web.host.running()).toEqual([]);
    expect(web.host.openDatasets().length).toBe(before);
  });
});

describe('npm start without the Electron binary', () => {
  it('says so in one line, serves the web host instead and prints its URL, without hanging', async () => {
    const { spawn, spawnSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const root = path.resolve(import.meta.dirname, '..', '..');
    if (!existsSync(path.join(root, 'dist', 'cli', 'commands', 'serve.js'))) {
      // compile the node side (tsc emits even when another part has type errors; the file is what matters)
      spawnSync(
        process.execPath,
        [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.node.json'],
        { cwd: root },
      );
    }
    expect(existsSync(path.join(root, 'dist', 'cli', 'commands', 'serve.js'))).toBe(true);
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: {
        ...process.env,
        ELECTRON_OVERRIDE_DIST_PATH: path.join(tmp, 'no-electron-here'),
        FUNNELSCOPE_HOME: path.join(tmp, 'start-home'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines: string[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no URL within 20 s; output: ${lines.join('\n')}`)),
          20_000,
        );
        let buffer = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const parts = buffer.split('\n');
          buffer = parts.pop()!;
          lines.push(...parts);
          const m = lines.join('\n').match(/running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) =>
          reject(new Error(`start.mjs exited with ${code}; output: ${lines.join('\n')}`)),
        );
      });
      expect(lines[0]).toMatch(
        /^Electron is not available \(.*binary.*\); serving the app in your browser instead\.$/,
      );
      expect(lines.filter((l) => /Electron/.test(l))).toHaveLength(1);
      const res = await fetch(url);
      expect([200, 503]).toContain(res.status); // 503 = UI not built yet, with a message saying so
      const info = await fetch(new URL('/api/invoke/hostInfo', url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-funnelscope-token': new URL(url).searchParams.get('token')!,
        },
        body: JSON.stringify({ requestId: 'start-1', request: {} }),
      });
      expect(((await info.json()) as { data: { initial: unknown } }).data.initial).toEqual({
        kind: 'sample',
      });
    } finally {
      child.kill('SIGTERM');
    }
  });
});

/**
 * File ▸ Export Incident Report… through the real web host: the model is built from the open dataset
 * (buildReport), printed through Chromium into the session's export folder and downloaded with the token.
 * Needs Chromium (/usr/bin/chromium or FUNNELSCOPE_CHROMIUM) and pdftotext: they are required, not skipped.
 */
describe('incident report export (web host)', () => {
  let sampleDir: string;
  let web3: WebHost;
  let c3: HostClient;
  let datasetId3 = '';
  /** the injected incident, as the analyst would have it on screen (brushed in the calendar) */
  let incident: { from: string; to: string };

  beforeAll(async () => {
    sampleDir = path.join(tmp, 'sample');
    const truth = await generateSample(sampleDir, { events: 200_000, days: 60 });
    incident = { from: truth.incident!.start, to: truth.incident!.end };
    web3 = await startWebHost({
      folder: sampleDir,
      staticDir,
      userDataDir: path.join(tmp, 'user3'),
      useSettings: false,
    });
    c3 = createHostClient({ baseUrl: web3.origin, token: web3.token, WebSocket });
    datasetId3 = (await c3.invoke('openFolder', { folder: sampleDir })).datasetId;
  }, 120_000);
  afterAll(async () => {
    c3?.close();
    await web3?.close();
  });

  function download(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: web3.port, method: 'GET', path: url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('prints the report of the open dataset; the PDF downloads with the token only and names the culprit and the lost purchases of buildReport', async () => {
    const events: ProgressEvent[] = [];
    const result = await c3.invoke(
      'exportReport',
      { datasetId: datasetId3, incident },
      { onProgress: (e) => events.push(e) },
    );
    expect(result.file).toMatch(
      /exports[\\/]session-[^\\/]+[\\/]funnelscope-incident-mobile-ios-safari-\d{4}-\d{2}-\d{2}\.pdf$/,
    );
    expect(result.url).toMatch(/^\/download\/[A-Za-z0-9_-]{16,64}\.pdf$/);
    expect(result.pages).toBeGreaterThanOrEqual(2);
    const phases = events.map((e) => e.phase);
    expect(phases).toContain('analysing');
    expect(phases).toContain('printing');
    expect(phases.at(-1)).toBe('done');
    expect(events.every((e) => e.op === 'exportReport')).toBe(true);

    // not without the token, not with a wrong one, not an unknown id
    expect((await download(result.url!)).status).toBe(401);
    expect(
      (await download(result.url!, { 'x-funnelscope-token': 'x'.repeat(web3.token.length) })).status,
    ).toBe(401);
    expect(
      (await download('/download/AAAAAAAAAAAAAAAAAAAAAAAA.pdf', { 'x-funnelscope-token': web3.token }))
        .status,
    ).toBe(404);
    const got = await download(result.url!, { 'x-funnelscope-token': web3.token });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/pdf');
    expect(got.headers['content-disposition']).toBe(
      `attachment; filename="${path.basename(result.file!)}"; filename*=UTF-8''${path.basename(result.file!)}`,
    );
    expect(got.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(got.body.equals(await readFile(result.file!))).toBe(true);
    // no temp file left next to it
    expect((await readdir(path.dirname(result.file!))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // the same numbers as `funnelscope report` on the same folder (buildReport, default settings)
    const model = await buildReport(sampleDir, { incident });
    const pdf = path.join(tmp, 'downloaded.pdf');
    await writeFile(pdf, got.body);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    );
    expect(model.culprit.segment).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    expect(text).toContain(model.culprit.label);
    expect(text).toContain(model.culprit.exact);
    expect(model.keyFigures.purchasesLost).toBeGreaterThan(0);
    expect(text).toContain(`${F.int(model.keyFigures.purchasesLost)} purchases`);
    // (200 k events: the loss is real but within noise, so the report names the period rather than "since")
    expect(text).toContain(`INCIDENT ${F.period(model.periods.incident)}`);
    expect(result.culprit).toBe(model.culprit.label);
    expect(result.incidentStart).toBe(model.periods.incident.from);
  }, 180_000);

  it('takes what the analyst has on screen: segment, periods, settings and dimensions', async () => {
    const auto = await buildReport(sampleDir, { incident });
    const request = {
      datasetId: datasetId3,
      segment: { device: 'mobile', os: 'ios' },
      baseline: auto.periods.baseline,
      incident: auto.periods.incident,
      settings: { profile: 'robust' as const, sigma: 2.5, weeks: 6, streak: 2, minViews: 50 },
      dimensions: ['device', 'os'],
    };
    const result = await c3.invoke('exportReport', request);
    const model = await buildReport(sampleDir, {
      segment: request.segment,
      baseline: request.baseline,
      incident: request.incident,
      settings: settingsFor('robust', { sigma: 2.5, weeks: 6, streak: 2, minViews: 50 }),
      dimensions: request.dimensions,
    });
    expect(path.basename(result.file!)).toBe(
      `funnelscope-incident-mobile-ios-${auto.periods.incident.from}.pdf`,
    );
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', result.file!, '-'], {
      encoding: 'utf8',
    }).replace(/\s+/g, ' ');
    expect(text).toContain(model.culprit.label);
    expect(text).toContain(`${F.int(model.keyFigures.purchasesLost)} purchases`);
  }, 180_000);

  it('refuses unknown dimensions and periods outside the data with specific messages, and stays up', async () => {
    const err1 = (await c3
      .invoke('exportReport', { datasetId: datasetId3, dimensions: ['device', 'planet'] })
      .catch((e: unknown) => e)) as HostError;
    expect(err1.code).toBe('INVALID_REQUEST');
    expect(err1.message).toMatch(/unknown dimension planet \(this dataset has: .*device/);
    const err2 = (await c3
      .invoke('exportReport', { datasetId: datasetId3, segment: { shoe: 'red' } })
      .catch((e: unknown) => e)) as HostError;
    expect(err2.message).toContain('unknown dimension shoe');
    const err3 = (await c3
      .invoke('exportReport', {
        datasetId: datasetId3,
        baseline: { from: '2025-03-10', to: '2025-03-01' },
      })
      .catch((e: unknown) => e)) as HostError;
    expect(err3.code).toBe('INVALID_REQUEST');
    expect(err3.message).toBe('Invalid request for "exportReport": baseline.from: from must not be after to');
    // 200 k events are too few for the detector to go CRITICAL by itself: the service says what to give
    const err5 = (await c3
      .invoke('exportReport', { datasetId: datasetId3 })
      .catch((e: unknown) => e)) as HostError;
    expect(err5.code).toBe('INVALID_REQUEST');
    expect(err5.message).toMatch(
      /^the detector found no critical period in this data; give the incident period/,
    );
    const err4 = (await c3
      .invoke('exportReport', { datasetId: 'ds-gone-1' })
      .catch((e: unknown) => e)) as HostError;
    expect(err4.code).toBe('DATASET_NOT_FOUND');
    expect((await c3.invoke('hostInfo', {})).transport).toBe('web');
  }, 60_000);

  it('cancels a running export: CANCELLED at once, no PDF and no temp file left, nothing offered for download', async () => {
    const sessionDirs = async () => {
      const root = path.join(tmp, 'user3', 'exports');
      const out: string[] = [];
      for (const d of await readdir(root).catch(() => []))
        for (const f of await readdir(path.join(root, d))) out.push(f);
      return out.sort();
    };
    const before = await sessionDirs();
    let printing!: () => void;
    const atPrint = new Promise<void>((r) => (printing = r));
    const pending = c3
      .invoke(
        'exportReport',
        { datasetId: datasetId3, segment: { device: 'desktop' }, incident },
        {
          requestId: 'export-cancel-1',
          onProgress: (e) => {
            if (e.phase === 'printing') printing();
          },
        },
      )
      .catch((e: unknown) => e);
    await atPrint;
    expect(web3.host.running()).toContain('export-cancel-1');
    const t0 = Date.now();
    expect(await c3.cancel('export-cancel-1')).toBe(true);
    const err = (await pending) as HostError;
    expect(err.code).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(1000);
    // Chromium finishes its page in the background; the late PDF is thrown away
    await new Promise((r) => setTimeout(r, 8000));
    expect(await sessionDirs()).toEqual(before);
    expect(web3.host.running()).toEqual([]);
  }, 60_000);

  it('without Chromium: hostInfo says why, the export fails with REPORT_UNAVAILABLE and the host stays up', async () => {
    const web4 = await startWebHost({
      folder: sampleDir,
      staticDir,
      userDataDir: path.join(tmp, 'user4'),
      useSettings: false,
      chromiumPath: path.join(tmp, 'no-such-chromium'),
    });
    const c4 = createHostClient({ baseUrl: web4.origin, token: web4.token, WebSocket });
    try {
      const info = await c4.invoke('hostInfo', {});
      expect(info.reportExport.available).toBe(false);
      expect(info.reportExport.reason).toContain(
        `Chromium was not found at ${path.join(tmp, 'no-such-chromium')}`,
      );
      expect(info.unavailable).toContain('exportReport');
      const { datasetId } = await c4.invoke('openFolder', { folder: sampleDir });
      const err = (await c4.invoke('exportReport', { datasetId }).catch((e: unknown) => e)) as HostError;
      expect(err).toBeInstanceOf(HostError);
      expect(err.code).toBe('REPORT_UNAVAILABLE');
      expect(err.message).toBe(
        `Chromium was not found at ${path.join(tmp, 'no-such-chromium')}. Install it (apt-get install -y chromium) or give its path with --chromium PATH (or FUNNELSCOPE_CHROMIUM).`,
      );
      expect((await c4.invoke('profile', { datasetId })).files.read).toBeGreaterThan(0);
    } finally {
      c4.close();
      await web4.close();
    }
  }, 120_000);
});

describe('scan export (web host)', () => {
  let dir: string;
  let web5: WebHost;
  let c5: HostClient;
  let datasetId5 = '';

  beforeAll(async () => {
    dir = path.join(tmp, 'scan-sample');
    await generateSample(dir, { events: 100_000, days: 50 });
    web5 = await startWebHost({
      folder: dir,
      staticDir,
      userDataDir: path.join(tmp, 'user5'),
      useSettings: false,
    });
    c5 = createHostClient({ baseUrl: web5.origin, token: web5.token, WebSocket });
    datasetId5 = (await c5.invoke('openFolder', { folder: dir })).datasetId;
  }, 120_000);
  afterAll(async () => {
    c5?.close();
    await web5?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: web5.port, method: 'GET', path: url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('writes the scan as Parquet through the host; it downloads with the token only and reads back equal to core scan', async () => {
    const dimensions = ['device', 'os', 'browser'];
    const ds = await openDataset(dir);
    let res;
    try {
      const cube = await ds.cube({ dimensions, grain: 'day' });
      // 3 baseline weeks (50 days of data) and sensitive settings, so that this small sample has anomalous
      // days and losses to export (no critical period: the CSV test below covers the periods' text)
      res = scan(cube, { dimensions, settings: settingsFor('robust', { sigma: 2, streak: 1, weeks: 3 }) });
    } finally {
      await ds.close();
    }
    expect(res.segments.length).toBeGreaterThan(20);
    expect(res.segments.some((r) => r.anomalousDays > 0 && r.purchasesLost > 0)).toBe(true);
    // the request exactly as the Scan view builds it (store.scanExportRequestOf)
    const fake = { dataset: { opened: { datasetId: datasetId5 } }, scanRun: { result: { result: res } } };
    const request = scanExportRequestOf(fake as unknown as AppState, 'parquet', res.segments);
    const events: ProgressEvent[] = [];
    const result = await c5.invoke('exportScan', request, { onProgress: (e) => events.push(e) });
    expect(result.rows).toBe(res.segments.length);
    expect(result.file).toMatch(/exports[\\/]session-[^\\/]+[\\/]funnelscope-scan-[\d-]+_[\d-]+\.parquet$/);
    expect(result.url).toMatch(/^\/download\/[A-Za-z0-9_-]{16,64}\.parquet$/);
    expect(events.at(-1)?.phase).toBe('done');

    expect((await get(result.url!)).status).toBe(401);
    expect(
      (await get(result.url!.replace(/\.parquet$/, '.csv'), { 'x-funnelscope-token': web5.token })).status,
    ).toBe(404);
    const got = await get(result.url!, { 'x-funnelscope-token': web5.token });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/vnd.apache.parquet');
    expect(got.headers['content-disposition']).toContain(`filename="${path.basename(result.file!)}"`);
    expect(got.body.subarray(0, 4).toString('latin1')).toBe('PAR1');
    const local = path.join(tmp, 'downloaded-scan.parquet');
    await writeFile(local, got.body);

    const db = await openDuckDB({ threads: 1 });
    try {
      const back = await db.all<Record<string, unknown>>(
        `SELECT * FROM read_parquet('${local.replace(/'/g, "''")}')`,
      );
      expect(back.length).toBe(res.segments.length);
      res.segments.forEach((r, i) => {
        const b = back[i]!;
        for (const d of dimensions) expect(b[d] ?? null).toBe(r.segment[d] ?? null);
        expect(b.level).toBe(r.level);
        expect(b.days_checked).toBe(r.daysChecked);
        expect(b.anomalous_days).toBe(r.anomalousDays);
        expect(b.critical_periods).toBe(r.criticalPeriods.map(periodText).join('; '));
        expect(b.critical_period_count).toBe(r.criticalPeriods.length);
        expect(b.first_critical).toBe(r.firstCritical);
        expect(b.worst_sigma).toBe(r.worstSigma);
        expect(b.purchases_lost).toBe(r.purchasesLost);
        expect(b.revenue_lost).toBe(r.revenueLost);
      });
    } finally {
      db.close();
    }
  }, 180_000);

  it('writes CSV too (text/csv), and refuses a bad format and unknown datasets with specific errors', async () => {
    const ok = await c5.invoke('exportScan', {
      datasetId: datasetId5,
      format: 'csv',
      dimensions: ['device'],
      rows: [
        {
          segment: { device: 'mobile' },
          level: 1,
          daysChecked: 40,
          anomalousDays: 2,
          criticalPeriods: [{ start: '2015-09-01', end: '2015-09-03', days: 3 }],
          firstCritical: '2015-09-01',
          worstSigma: -4.5,
          purchasesLost: 12.5,
          revenueLost: null,
        },
      ],
      fileName: 'my scan.csv',
    });
    expect(ok.rows).toBe(1);
    const got = await get(ok.url!, { 'x-funnelscope-token': web5.token });
    expect(got.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(got.body.toString('utf8').split('\n')[1]).toBe(
      'mobile,1,40,2,2015-09-01..2015-09-03,1,2015-09-01,-4.5,12.5,',
    );
    const bad = (await c5
      .invoke('exportScan', { datasetId: datasetId5, format: 'xlsx' as 'csv', dimensions: [], rows: [] })
      .catch((e: unknown) => e)) as HostError;
    expect(bad.code).toBe('INVALID_REQUEST');
    expect(bad.message).toBe('Invalid request for "exportScan": format: must be "csv" or "parquet"');
    const gone = (await c5
      .invoke('exportScan', { datasetId: 'ds-999', format: 'csv', dimensions: [], rows: [] })
      .catch((e: unknown) => e)) as HostError;
    expect(gone.code).toBe('DATASET_NOT_FOUND');
  }, 60_000);
});
