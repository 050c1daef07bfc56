/**
 * The Electron security settings, checked without the Electron binary: window options, CSP, navigation and
 * window-open policy, the app:// path mapping, the preload bridge (loaded with a mocked `electron` module) and
 * the IPC router (fake ipcMain, real host operations).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS, OPERATION_NAMES, type HostResult } from '../../core/contract.js';
import { isAppSender, registerIpcHandlers } from '../../electron/host/ipc.js';
import { createHost, type HostServices } from '../../electron/host/operations.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  REPORT_ENTRY_URL,
  appFileFor,
  appUrlToRelativePath,
  createWindowOptions,
  isAllowedNavigation,
  parseLaunchArgs,
  permissionAllowed,
  reportWindowOptions,
  securityHeaders,
  windowOpenHandler,
} from '../../electron/window-options.js';

function cspDirectives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );
}

describe('BrowserWindow options', () => {
  const opts = createWindowOptions({
    preloadPath: '/app/dist/electron/preload.cjs',
    bounds: { width: 1280, height: 800 },
  });

  it('isolates and sandboxes the renderer', () => {
    const wp = opts.webPreferences;
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.nodeIntegrationInWorker).toBe(false);
    expect(wp.nodeIntegrationInSubFrames).toBe(false);
    expect(wp.webSecurity).toBe(true);
    expect(wp.allowRunningInsecureContent).toBe(false);
    expect(wp.webviewTag).toBe(false);
    expect(wp.experimentalFeatures).toBe(false);
    expect(wp.navigateOnDragDrop).toBe(false);
    expect(wp.preload).toBe('/app/dist/electron/preload.cjs');
  });

  it('uses the remembered bounds only when a position is known, and is usable at 1280x800', () => {
    expect(opts).not.toHaveProperty('x');
    const placed = createWindowOptions({
      preloadPath: 'p',
      bounds: { x: 10, y: 20, width: 1400, height: 900 },
    });
    expect(placed).toMatchObject({ x: 10, y: 20, width: 1400, height: 900 });
    expect(opts.minWidth).toBeLessThanOrEqual(1280);
    expect(opts.minHeight).toBeLessThanOrEqual(800);
  });

  it('loads the renderer from app://, not file://', () => {
    expect(APP_ENTRY_URL).toBe('app://funnelscope/index.html');
    expect(APP_SCHEME_PRIVILEGES.bypassCSP).toBe(false);
    expect(APP_SCHEME_PRIVILEGES.allowServiceWorkers).toBe(false);
    expect(APP_SCHEME_PRIVILEGES.standard && APP_SCHEME_PRIVILEGES.secure).toBe(true);
  });
});

describe('Content-Security-Policy', () => {
  const d = cspDirectives(CONTENT_SECURITY_POLICY);

  it('denies by default and allows scripts only from our origin (no eval, no inline)', () => {
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-eval'/);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
  });

  it('never allows a remote host or a wildcard', () => {
    for (const [name, values] of d) {
      for (const v of values) {
        expect(v, `${name} ${v}`).not.toMatch(/^(\*|https?:|wss?:|http|[a-z0-9-]+\.[a-z]{2,})/i);
      }
    }
  });

  it('is sent with the other security headers', () => {
    const h = securityHeaders();
    expect(h['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
    expect(h['Referrer-Policy']).toBe('no-referrer');
  });
});

describe('navigation, new windows, permissions', () => {
  it('allows navigation only inside app://funnelscope', () => {
    expect(isAllowedNavigation('app://funnelscope/index.html')).toBe(true);
    expect(isAllowedNavigation('app://funnelscope/#/root-cause')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'app://other/index.html',
      'javascript:alert(1)',
      'data:text/html,hi',
      'not a url',
    ]) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });

  it('denies new windows and every permission but writing text to the clipboard', () => {
    expect(windowOpenHandler()).toEqual({ action: 'deny' });
    expect(permissionAllowed('clipboard-sanitized-write')).toBe(true);
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'fullscreen',
    ]) {
      expect(permissionAllowed(p), p).toBe(false);
    }
  });

  it('maps app:// URLs only to files under the renderer folder', () => {
    expect(appUrlToRelativePath('app://funnelscope/')).toBe('index.html');
    expect(appUrlToRelativePath('app://funnelscope/assets/index-abc.js')).toBe('assets/index-abc.js');
    expect(appUrlToRelativePath('app://funnelscope/assets/a%20b.wasm?x=1')).toBe('assets/a b.wasm');
    // the URL parser resolves encoded dots before we see them: the result stays under the renderer folder
    expect(appUrlToRelativePath('app://funnelscope/%2e%2e/%2e%2e/etc/passwd')).toBe('etc/passwd');
    expect(appUrlToRelativePath('app://funnelscope/..%2f..%2fetc%2fpasswd')).toBeNull();
    expect(appUrlToRelativePath('app://funnelscope/a%5c..%5cb')).toBeNull();
    expect(appUrlToRelativePath('app://funnelscope/a%00b')).toBeNull();
    expect(appUrlToRelativePath('app://other/index.html')).toBeNull();
    expect(appUrlToRelativePath('file:///etc/passwd')).toBeNull();
  });

  it('serves the report page under app://funnelscope/report/ from its own folder, without SPA fallback', () => {
    const dirs = { rendererDir: '/app/dist/renderer', reportDir: '/app/dist/report' };
    const map = (url: string) => {
      const rel = appUrlToRelativePath(url);
      return rel === null ? null : appFileFor(rel, dirs, path.posix.join);
    };
    expect(REPORT_ENTRY_URL).toBe('app://funnelscope/report/index.html');
    expect(map(REPORT_ENTRY_URL)).toEqual({
      root: '/app/dist/report',
      file: '/app/dist/report/index.html',
      spaFallback: false,
    });
    expect(map('app://funnelscope/report/assets/index-x.js')!.file).toBe(
      '/app/dist/report/assets/index-x.js',
    );
    expect(map('app://funnelscope/report/')!.file).toBe('/app/dist/report/index.html');
    expect(map('app://funnelscope/index.html')).toEqual({
      root: '/app/dist/renderer',
      file: '/app/dist/renderer/index.html',
      spaFallback: true,
    });
    // a renderer path that merely starts with "report" is not the report folder
    expect(map('app://funnelscope/reports.js')!.root).toBe('/app/dist/renderer');
    expect(map('app://funnelscope/report/..%2f..%2fetc/passwd')).toBeNull();
    // no report folder built: nothing is served under report/
    expect(appFileFor('report/index.html', { ...dirs, reportDir: null }, path.posix.join)).toBeNull();
  });

  it('prints the report in a hidden, sandboxed window without a preload', () => {
    const o = reportWindowOptions();
    expect(o.show).toBe(false);
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      devTools: false,
    });
    expect('preload' in o.webPreferences).toBe(false);
  });

  it('reads the folder to open from the command line, skipping the app path and switches', () => {
    expect(parseLaunchArgs(['/usr/bin/electron', 'dist/electron/main.js', '/data/clicks'], false)).toEqual({
      folder: '/data/clicks',
      sample: false,
      dev: false,
    });
    expect(
      parseLaunchArgs(['electron', '--inspect=0', '--remote-debugging-port=0', '.', '--sample'], false),
    ).toEqual({
      folder: null,
      sample: true,
      dev: false,
    });
    expect(parseLaunchArgs(['/opt/Funnelscope/funnelscope', '/data/x', '--dev'], true)).toEqual({
      folder: '/data/x',
      sample: false,
      dev: true,
    });
  });
});

describe('main process wiring (source checks: the binary is not available to run it)', () => {
  const main = readFileSync(new URL('../../electron/main.ts', import.meta.url), 'utf8');
  it('registers the privileged scheme, serves app:// and never loads file://', () => {
    expect(main).toMatch(/protocol\.registerSchemesAsPrivileged\(/);
    expect(main).toMatch(/protocol\.handle\(APP_SCHEME/);
    expect(main).toMatch(/loadURL\(APP_ENTRY_URL\)/);
    expect(main).not.toMatch(/loadFile\(|file:\/\//);
  });
  it('denies window.open, foreign navigation, webviews and permissions for every web contents', () => {
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => windowOpenHandler\(\)\)/);
    expect(main).toMatch(/'will-navigate'[\s\S]{0,120}isAllowedNavigation/);
    expect(main).toMatch(/'will-redirect'[\s\S]{0,120}isAllowedNavigation/);
    expect(main).toMatch(/'will-attach-webview'/);
    expect(main).toMatch(/setPermissionRequestHandler/);
    expect(main).toMatch(/setPermissionCheckHandler/);
  });
  it('exports the report: model from the open dataset, save dialog, printToPDF of app://…/report/, atomic write', () => {
    expect(main).toMatch(/exportReport: electronReportExporter/);
    expect(main).toMatch(/buildReportForRequest\(ctx\.dataset, req, ctx\)/);
    expect(main).toMatch(/showSaveDialog\(/);
    expect(main).toMatch(/app\.getPath\('downloads'\), reportFileName\(model\)/);
    expect(main).toMatch(/new BrowserWindow\(reportWindowOptions\(\)\)/);
    expect(main).toMatch(/loadURL\(REPORT_ENTRY_URL\)/);
    expect(main).toMatch(/executeJavaScript\(reportInjectionScript\(model\)\)/);
    expect(main).toMatch(/REPORT_READY_EXPRESSION/);
    expect(main).toMatch(/printToPDF\(electronPrintOptions\(model\)\)/);
    expect(main).toMatch(/writeFileAtomic\(file, pdf\)/);
    // the menu item is live and sends the command the renderer answers
    expect(main).not.toMatch(/coming soon/);
    expect(main).toMatch(/click: \(\) => send\(\{ command: 'exportReport' \}\)/);
  });
  it('builds the window from createWindowOptions and holds a single-instance lock', () => {
    expect(main).toMatch(/new BrowserWindow\(\s*createWindowOptions\(/);
    expect(main).toMatch(/requestSingleInstanceLock\(\)/);
    expect(main).toMatch(/showOpenDialog\(/);
    expect(main).toMatch(/'openDirectory'/);
  });
});

// ------------------------------------------------------------------------------------------- preload

/**
 * The preload is compiled to CommonJS exactly as tsc does for dist/electron/preload.cjs and run the way a
 * sandboxed preload runs: a function of (require, module, exports) whose `require` only knows `electron`.
 */
const electronMock = {
  exposed: new Map<string, unknown>(),
  listeners: new Map<string, (event: unknown) => void>(),
  required: [] as string[],
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electronMock.exposed.set(key, api) },
  ipcRenderer: {
    invoke: vi.fn(async () => ({ ok: true, data: 'sent' })),
    send: vi.fn(),
    on: vi.fn(),
    removeListener: vi.fn(),
  },
  webUtils: { getPathForFile: vi.fn(() => '/home/me/clicks') },
};

function loadPreload(): void {
  const source = readFileSync(new URL('../../electron/preload.cts', import.meta.url), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: true },
  }).outputText;
  const sandboxRequire = (name: string) => {
    electronMock.required.push(name);
    if (name === 'electron') return electronMock;
    throw new Error(`a sandboxed preload cannot require "${name}"`);
  };
  const fakeGlobal = {
    addEventListener: (type: string, listener: (e: unknown) => void) =>
      electronMock.listeners.set(type, listener),
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', 'globalThis', js)(
    sandboxRequire,
    module,
    module.exports,
    fakeGlobal,
  );
}

describe('preload bridge', () => {
  type Bridge = {
    invoke(op: unknown, request?: unknown, id?: unknown): Promise<HostResult<unknown>>;
    onProgress(l: (v: unknown) => void): () => void;
    onMenu(l: (v: unknown) => void): () => void;
    onEvent(l: (v: unknown) => void): () => void;
    transport: string;
  };
  let bridge: Bridge;

  beforeAll(() => {
    loadPreload();
    bridge = electronMock.exposed.get('funnelscope') as Bridge;
  });
  afterEach(() => {
    vi.clearAllMocks();
  });

  it('exposes exactly one frozen object with named functions only', () => {
    expect([...electronMock.exposed.keys()]).toEqual(['funnelscope']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvent', 'onMenu', 'onProgress', 'transport']);
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(bridge).not.toHaveProperty('ipcRenderer');
    expect([...new Set(electronMock.required)]).toEqual(['electron']);
  });

  it('forwards every contract operation on the invoke channel and nothing else', async () => {
    for (const op of OPERATION_NAMES) {
      await bridge.invoke(op, { a: 1 }, 'req-1');
      expect(electronMock.ipcRenderer.invoke).toHaveBeenLastCalledWith(IPC_CHANNELS.invoke, {
        op,
        requestId: 'req-1',
        request: { a: 1 },
      });
    }
    electronMock.ipcRenderer.invoke.mockClear();
    const refused = await bridge.invoke('readFile', { path: '/etc/passwd' });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_OPERATION', message: 'Unknown operation "readFile"' },
    });
    expect(electronMock.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('routes events by type to onProgress / onMenu and unsubscribes', () => {
    const progress = vi.fn();
    const menu = vi.fn();
    const every = vi.fn();
    const offP = bridge.onProgress(progress);
    bridge.onMenu(menu);
    bridge.onEvent(every);
    const handlers = electronMock.ipcRenderer.on.mock.calls.map(
      (c) => c as unknown as [string, (e: unknown, m: unknown) => void],
    );
    expect(handlers.every(([ch]) => ch === IPC_CHANNELS.event)).toBe(true);
    for (const [, h] of handlers) {
      h({}, { type: 'progress', requestId: 'r', rows: 5 });
      h({}, { type: 'command', payload: { command: 'openSample' } });
    }
    expect(progress).toHaveBeenCalledWith({ type: 'progress', requestId: 'r', rows: 5 });
    expect(progress).toHaveBeenCalledTimes(1);
    expect(menu).toHaveBeenCalledWith({ command: 'openSample' });
    expect(every.mock.calls.map((c) => (c[0] as { type: string }).type)).toEqual(['progress', 'command']);
    offP();
    expect(electronMock.ipcRenderer.removeListener).toHaveBeenCalledWith(IPC_CHANNELS.event, handlers[0]![1]);
  });

  it('forwards only trusted OS drops of a file-system path, and leaves text drags alone', () => {
    const drop = electronMock.listeners.get('drop')!;
    const dragover = electronMock.listeners.get('dragover')!;
    const file = { name: 'clicks' };
    const withFiles = { files: [file], types: ['Files'] };
    const textPrevent = vi.fn();
    dragover({
      isTrusted: true,
      preventDefault: textPrevent,
      dataTransfer: { files: [], types: ['text/plain'] },
    });
    drop({
      isTrusted: true,
      preventDefault: textPrevent,
      dataTransfer: { files: [], types: ['text/plain'] },
    });
    expect(textPrevent).not.toHaveBeenCalled();
    const prevent = vi.fn();
    dragover({ isTrusted: true, preventDefault: prevent, dataTransfer: withFiles });
    expect(prevent).toHaveBeenCalledTimes(1);
    drop({ isTrusted: false, preventDefault: prevent, dataTransfer: withFiles });
    expect(electronMock.ipcRenderer.send).not.toHaveBeenCalled();
    electronMock.webUtils.getPathForFile.mockReturnValueOnce(''); // a File made by script has no path
    drop({ isTrusted: true, preventDefault: prevent, dataTransfer: withFiles });
    expect(electronMock.ipcRenderer.send).not.toHaveBeenCalled();
    drop({ isTrusted: true, preventDefault: prevent, dataTransfer: withFiles });
    expect(electronMock.ipcRenderer.send).toHaveBeenCalledWith(IPC_CHANNELS.drop, {
      path: '/home/me/clicks',
    });
  });

  it('uses the same channel names as the contract', () => {
    const src = readFileSync(new URL('../../electron/preload.cts', import.meta.url), 'utf8');
    for (const ch of Object.values(IPC_CHANNELS)) expect(src).toContain(`'${ch}'`);
  });
});

// ------------------------------------------------------------------------------------------- IPC router

describe('IPC router', () => {
  const services: HostServices = {
    openDataset: async () => {
      throw new Error('not used');
    },
    ensureSample: async () => '/nonexistent',
  };
  const host = createHost({
    transport: 'electron',
    services,
    userDataDir: mkdtempSync(path.join(os.tmpdir(), 'fs-ipc-')),
    emit: () => undefined,
  });
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const fakeIpc = {
    handle: (ch: string, fn: (...args: unknown[]) => unknown) => handlers.set(ch, fn),
    removeHandler: (ch: string) => handlers.delete(ch),
    on: (ch: string, fn: (...args: unknown[]) => unknown) => handlers.set(ch, fn),
    removeListener: (ch: string) => handlers.delete(ch),
  };
  const drops: string[] = [];
  const off = registerIpcHandlers(fakeIpc as never, host, { onDrop: (p) => void drops.push(p) });
  const appFrame = { senderFrame: { url: 'app://funnelscope/index.html', parent: null }, sender: {} };
  const invoke = (event: unknown, msg: unknown) =>
    handlers.get(IPC_CHANNELS.invoke)!(event, msg) as Promise<HostResult<unknown>>;

  it('answers valid calls from the app frame', async () => {
    const r = await invoke(appFrame, { op: 'hostInfo', requestId: 'r1', request: {} });
    expect(r.ok).toBe(true);
    expect((r as { data: { transport: string } }).data.transport).toBe('electron');
  });

  it('refuses other frames: a foreign origin or a sub-frame', async () => {
    for (const frame of [
      { senderFrame: { url: 'https://evil.example/', parent: null }, sender: {} },
      { senderFrame: { url: 'app://funnelscope/index.html', parent: {} }, sender: {} },
      { senderFrame: null, sender: {} },
      // the hidden report-printing window is same-origin but must never reach the host
      { senderFrame: { url: 'app://funnelscope/report/index.html', parent: null }, sender: {} },
    ]) {
      expect(isAppSender(frame as never)).toBe(false);
      const r = await invoke(frame, { op: 'hostInfo', requestId: 'r2', request: {} });
      expect(r).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
  });

  it('validates the envelope and the request with specific messages', async () => {
    let r = await invoke(appFrame, { op: 'cube', requestId: 'bad id!', request: {} });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect((r as { error: { message: string } }).error.message).toContain('requestId');
    r = await invoke(appFrame, 'not an object');
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    r = await invoke(appFrame, { op: 'openFolder', requestId: 'r3', request: { folder: '/etc' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'FOLDER_NOT_ALLOWED' } });
    r = await invoke(appFrame, { op: 'preview', requestId: 'r4', request: { datasetId: 'ds-x', rows: 0 } });
    expect(r).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'Invalid request for "preview": rows: must be at least 1' },
    });
    r = await invoke(appFrame, { op: 'chooseFolder', requestId: 'r5', request: {} });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });

  it('accepts drops only from the app frame and with a valid path', () => {
    const onDrop = handlers.get(IPC_CHANNELS.drop)!;
    onDrop({ ...appFrame }, { path: '/home/me/clicks' });
    onDrop({ senderFrame: { url: 'https://evil.example/', parent: null }, sender: {} }, { path: '/etc' });
    onDrop({ ...appFrame }, { path: 42 });
    expect(drops).toEqual(['/home/me/clicks']);
  });

  it('removes its handlers', () => {
    off();
    expect(handlers.size).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------- packaging

describe('electron-builder.yml', () => {
  it('is valid for electron-builder, builds the four installers and unpacks native DuckDB from the asar', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const yaml = require('js-yaml') as { load(text: string): unknown };
    const Ajv = require('ajv') as new (o: object) => {
      validate(s: unknown, d: unknown): boolean;
      errors: unknown;
    };
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
    const config = yaml.load(
      readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8'),
    ) as {
      linux: { target: string[] };
      mac: { target: string[] };
      win: { target: string[] };
      asarUnpack: string[];
      files: string[];
      extraMetadata: { main: string };
    };
    const ajv = new Ajv({ allErrors: true, strict: false });
    expect(ajv.validate(schema, config), JSON.stringify(ajv.errors)).toBe(true);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.asarUnpack.some((p) => p.includes('@duckdb/node-bindings'))).toBe(true);
    expect(config.files).toContain('dist/renderer/**/*');
    expect(config.extraMetadata.main).toBe('dist/electron/main.js');
  });
});
