/**
 * Electron main process: one window, the app menu, the app:// protocol serving the built renderer, the typed
 * IPC router (electron/host/ipc.ts) over the host operations (electron/host/operations.ts), settings and recent
 * folders (electron/settings-store.ts), drag-and-drop of a folder, single instance.
 *
 * Process layout: the host operations run in this process but never block it — every heavy step is an async
 * native DuckDB query (@duckdb/node-api runs queries on its own thread pool) and cubes travel as Arrow IPC bytes.
 * The operations module is transport-agnostic (handle(op, requestId, request) + an event sink), so moving it
 * into a `utilityProcess` later (for the Kafka tap, say) only needs a message adapter; see ARCHITECTURE.md.
 *
 * Security (https://www.electronjs.org/docs/latest/tutorial/security): see electron/window-options.ts — context
 * isolation, sandbox, no Node integration, strict CSP sent by the protocol handler, navigation/new windows and
 * permission requests denied, IPC accepted only from our app:// main frame and validated with zod.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BrowserWindow,
  Menu,
  app,
  dialog,
  ipcMain,
  nativeTheme,
  protocol,
  screen,
  session,
  shell,
  type MenuItemConstructorOptions,
} from 'electron';
import { IPC_CHANNELS, type HostCommand } from '../core/contract.js';
import type { ReportModel } from '../core/report.js';
import { registerIpcHandlers, ipcEmitter } from './host/ipc.js';
import {
  createHost,
  defaultServices,
  type Host,
  type ReportExporter,
  type ScanExporter,
} from './host/operations.js';
import { scanExportFileName, withExportExtension, writeScanExport } from './host/scan-export.js';
import {
  buildReportForRequest,
  reportFileName,
  reportPageAvailability,
  waitForReportPage,
  withPdfExtension,
  writeFileAtomic,
} from './host/report-export.js';
import {
  REPORT_ERROR_EXPRESSION,
  REPORT_READY_EXPRESSION,
  countPdfPages,
  electronPrintOptions,
  reportInjectionScript,
  reportPageDir,
} from './services/report.js';
import { userDataDir } from './services/paths.js';
import { SettingsStore } from './settings-store.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  REPORT_ENTRY_URL,
  appFileFor,
  appUrlToRelativePath,
  createWindowOptions,
  isAllowedNavigation,
  mimeType,
  parseLaunchArgs,
  permissionAllowed,
  reportWindowOptions,
  securityHeaders,
  windowOpenHandler,
} from './window-options.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/electron
const rendererDir = path.resolve(here, '..', 'renderer'); // dist/renderer (Vite output)
const preloadPath = path.join(here, 'preload.cjs');

// Must happen before 'ready': app:// behaves like https (standard, secure, fetch) without bypassing the CSP.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);

app.setName('Funnelscope');
app.setPath('userData', userDataDir());

const launch = parseLaunchArgs(process.argv, app.isPackaged);
const devMode = !app.isPackaged || launch.dev || process.env.FUNNELSCOPE_DEV === '1';

let win: BrowserWindow | null = null;
let host: Host | null = null;
let settings: SettingsStore | null = null;

function send(command: HostCommand): void {
  if (win && !win.isDestroyed())
    win.webContents.send(IPC_CHANNELS.event, { type: 'command', payload: command });
}

/** A folder the user chose (dialog, drop, recent menu, second instance): allow it and tell the UI to open it. */
async function openChosen(candidate: string): Promise<void> {
  if (!host) return;
  let real: string;
  try {
    real = await realpath(path.resolve(candidate));
    const info = await stat(real);
    if (!info.isDirectory() && !/\.parquet$/i.test(real)) {
      send({
        command: 'showError',
        message: `"${candidate}" is not a folder; drop the folder that contains the Parquet files`,
      });
      return;
    }
  } catch {
    send({ command: 'showError', message: `Folder not found: ${candidate}` });
    return;
  }
  await host.allowFolder(real);
  send({ command: 'openFolder', folder: real });
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
}

async function chooseFolder(): Promise<string | null> {
  const options = {
    title: 'Open a folder of clickstream Parquet files',
    properties: ['openDirectory' as const],
  };
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  if (result.canceled || !result.filePaths[0]) return null;
  return result.filePaths[0];
}

async function showAbout(): Promise<void> {
  const options = {
    type: 'info' as const,
    title: 'About Funnelscope',
    message: `Funnelscope ${app.getVersion()}`,
    detail:
      'Find the segment that broke your conversion funnel — offline, from Parquet or Kafka.\n\n' +
      `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}\n` +
      `Data folder: ${app.getPath('userData')}`,
    buttons: ['OK'],
  };
  if (win) await dialog.showMessageBox(win, options);
  else await dialog.showMessageBox(options);
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const recent = settings?.recentFolders() ?? [];
  // the renderer answers the `exportReport` command by invoking the operation with what is on screen
  const exportAvailable = reportPageAvailability().available;
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        {
          label: 'Open Folder…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const folder = await chooseFolder();
            if (folder) await openChosen(folder);
          },
        },
        {
          label: 'Open Sample',
          accelerator: 'CmdOrCtrl+Shift+O',
          click: () => send({ command: 'openSample' }),
        },
        {
          label: 'Open Recent',
          submenu: recent.length
            ? [
                ...recent.map((r) => ({ label: r.folder, click: () => void openChosen(r.folder) })),
                { type: 'separator' as const },
                {
                  label: 'Clear Recent',
                  click: () => {
                    for (const r of settings?.recentFolders() ?? []) settings?.removeRecentFolder(r.folder);
                  },
                },
              ]
            : [{ label: 'No recent folders', enabled: false }],
        },
        { type: 'separator' },
        {
          label: exportAvailable
            ? 'Export Incident Report…'
            : 'Export Incident Report… (report page not built)',
          accelerator: 'CmdOrCtrl+E',
          enabled: exportAvailable,
          toolTip: 'Exports the current incident as a PDF report',
          click: () => send({ command: 'exportReport' }),
        },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
      ],
    },
    {
      label: '&Live',
      submenu: [
        {
          // the Live view holds the Connect form (brokers, topic, group, folder; remembered)
          label: 'Connect…',
          accelerator: 'CmdOrCtrl+K',
          click: () => send({ command: 'showView', view: 'live' }),
        },
        {
          label: 'Disconnect',
          click: () => {
            // stops the tap in the host, flushing the last partial batch; the view hears the status event
            void host?.handle('liveDisconnect', `menu-${Date.now()}`, {});
          },
        },
      ],
    },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        ...(devMode ? [{ role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: '&Help', submenu: [{ label: 'About Funnelscope', click: () => void showAbout() }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** The built report page folder (dist/report or FUNNELSCOPE_REPORT_DIR), or null when it is not built. */
function reportDirOrNull(): string | null {
  try {
    return reportPageDir();
  } catch {
    return null;
  }
}

/**
 * Serve dist/renderer over app://funnelscope/… and the report page (dist/report) under app://funnelscope/report/…,
 * with the CSP and security headers; nothing outside those two folders.
 */
function registerAppProtocol(): void {
  const reportDir = reportDirOrNull();
  protocol.handle(APP_SCHEME, async (request) => {
    const rel = appUrlToRelativePath(request.url);
    if (!rel) return new Response('Not found', { status: 404 });
    const target = appFileFor(rel, { rendererDir, reportDir }, path.join);
    if (!target) return new Response('Not found', { status: 404 });
    let file = target.file;
    if (target.spaFallback && !existsSync(file) && !path.extname(rel))
      file = path.join(rendererDir, 'index.html'); // SPA routes
    try {
      // rel has no '..' (appUrlToRelativePath), so the resolved path stays under its root; no realpath here
      // because the renderer lives inside app.asar once packaged
      const real = path.resolve(file);
      if (!real.startsWith(path.resolve(target.root) + path.sep))
        return new Response('Forbidden', { status: 403 });
      const body = await readFile(real);
      return new Response(body, {
        status: 200,
        headers: { 'Content-Type': mimeType(real), ...securityHeaders() },
      });
    } catch {
      if (rel === 'index.html') {
        return new Response(
          `The Funnelscope UI is not built (${rendererDir} is missing). Run: npm run build`,
          {
            status: 503,
            headers: { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() },
          },
        );
      }
      return new Response('Not found', { status: 404 });
    }
  });
}

/**
 * Print the report page with a model to PDF bytes: a hidden sandboxed window loads app://funnelscope/report/,
 * gets the model by executeJavaScript, is polled until the page says ready (or failed), then printToPDF with
 * the same A4 page, margins and footer as the CLI. Aborting destroys the window.
 */
async function printReport(model: ReportModel, signal: AbortSignal): Promise<Buffer> {
  const printer = new BrowserWindow(reportWindowOptions());
  const onAbort = () => {
    if (!printer.isDestroyed()) printer.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await printer.loadURL(REPORT_ENTRY_URL);
    await printer.webContents.executeJavaScript(reportInjectionScript(model));
    await waitForReportPage((expression) => printer.webContents.executeJavaScript(expression), {
      readyExpression: REPORT_READY_EXPRESSION,
      errorExpression: REPORT_ERROR_EXPRESSION,
      timeoutMs: 60_000,
      signal,
    });
    return await printer.webContents.printToPDF(electronPrintOptions(model));
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!printer.isDestroyed()) printer.destroy();
  }
}

/** File ▸ Export Incident Report…: model from the open dataset, save dialog, printToPDF, atomic write. */
const electronReportExporter: ReportExporter = {
  availability: async () => reportPageAvailability(),
  async export(req, ctx) {
    const model = await buildReportForRequest(ctx.dataset, req, ctx);
    const about = { culprit: model.culprit.label, incidentStart: model.periods.incident.from };
    ctx.report({ phase: 'choosing file', message: 'Choose where to save the report' }, true);
    const options = {
      title: 'Export Incident Report',
      defaultPath: path.join(app.getPath('downloads'), reportFileName(model)),
      filters: [{ name: 'PDF', extensions: ['pdf'] }],
      properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const],
    };
    const choice = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    if (choice.canceled || !choice.filePath) return { file: null, pages: 0, ...about };
    if (ctx.signal.aborted) throw new Error('Cancelled');
    const file = withPdfExtension(choice.filePath);
    ctx.report({ phase: 'printing', message: 'Printing the PDF' }, true);
    const pdf = await printReport(model, ctx.signal);
    await writeFileAtomic(file, pdf);
    shell.showItemInFolder(file);
    return { file, pages: countPdfPages(pdf), ...about };
  },
};

/** Scan view ▸ Export CSV/Parquet: save dialog (Downloads/funnelscope-scan-<date>.<ext>), native DuckDB writer. */
const electronScanExporter: ScanExporter = {
  async export(req, ctx) {
    ctx.report({ phase: 'choosing file', message: 'Choose where to save the scan' }, true);
    const ext = req.format;
    const options = {
      title: ext === 'csv' ? 'Export scan as CSV' : 'Export scan as Parquet',
      defaultPath: path.join(app.getPath('downloads'), req.fileName ?? scanExportFileName(ext)),
      filters: [{ name: ext === 'csv' ? 'CSV' : 'Parquet', extensions: [ext] }],
      properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const],
    };
    const choice = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    if (choice.canceled || !choice.filePath) return { file: null, rows: 0 };
    if (ctx.signal.aborted) throw new Error('Cancelled');
    const file = withExportExtension(choice.filePath, ext);
    ctx.report({ phase: 'writing', message: `Writing ${req.rows.length} rows` }, true);
    const { rows } = await writeScanExport(req, file);
    shell.showItemInFolder(file);
    return { file, rows };
  },
};

function visibleBounds(state: ReturnType<SettingsStore['windowState']>) {
  const { x, y, width, height } = state;
  if (x === undefined || y === undefined) return { width, height };
  const onScreen = screen.getAllDisplays().some((d) => {
    const a = d.workArea;
    return x + 80 > a.x && y + 40 > a.y && x < a.x + a.width - 80 && y < a.y + a.height - 40;
  });
  return onScreen ? { x, y, width, height } : { width, height };
}

function createWindow(): void {
  const state = settings!.windowState();
  win = new BrowserWindow(
    createWindowOptions({ preloadPath, bounds: visibleBounds(state), dark: nativeTheme.shouldUseDarkColors }),
  );
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  const save = () => {
    if (!win || win.isDestroyed() || win.isMinimized()) return;
    const b = win.getNormalBounds();
    settings?.setWindowState({
      x: b.x,
      y: b.y,
      width: b.width,
      height: b.height,
      maximized: win.isMaximized(),
    });
  };
  win.on('close', save);
  win.on('closed', () => {
    win = null;
  });
  void win.loadURL(APP_ENTRY_URL);
}

function hardenSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => windowOpenHandler());
    contents.on('will-navigate', (event) => {
      if (!isAllowedNavigation(event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!isAllowedNavigation(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  settings = new SettingsStore(app.getPath('userData'));
  if (settings.warning) console.warn(settings.warning);
  settings.onChange(() => buildMenu());
  hardenSessions();
  registerAppProtocol();

  const initialFolder = launch.folder && !launch.sample ? path.resolve(launch.folder) : null;
  host = createHost({
    transport: 'electron',
    services: await defaultServices(),
    userDataDir: app.getPath('userData'),
    emit: ipcEmitter(() => (win && !win.isDestroyed() ? win.webContents : null)),
    settings,
    allowedRoots: initialFolder ? [initialFolder] : [],
    initial: initialFolder ? { kind: 'folder', folder: initialFolder } : { kind: 'sample' },
    chooseFolder,
    exportReport: electronReportExporter,
    exportScan: electronScanExporter,
    appVersion: app.getVersion(),
  });
  registerIpcHandlers(ipcMain, host, { onDrop: (p) => openChosen(p) });
  buildMenu();
  createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    const again = parseLaunchArgs(argv, app.isPackaged);
    if (again.folder) void openChosen(again.folder);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !host) return;
    event.preventDefault();
    quitting = true;
    void host.close().finally(() => app.quit());
  });
  start().catch((err) => {
    dialog.showErrorBox(
      'Funnelscope could not start',
      err instanceof Error ? (err.stack ?? err.message) : String(err),
    );
    app.exit(1);
  });
}
