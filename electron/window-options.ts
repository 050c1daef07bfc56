/**
 * Security-relevant settings of the Electron window and of the pages both hosts serve, as plain data and pure
 * functions (no `electron` import) so test/unit/electron-security.test.ts can check them without the binary.
 * Follows the Electron security checklist (https://www.electronjs.org/docs/latest/tutorial/security):
 * context isolation, sandbox, no Node integration, web security on, a strict CSP, a custom protocol instead of
 * file://, navigation and new windows denied, permission requests denied.
 */

/** The custom scheme the renderer is served from (registered privileged: standard + secure + fetch). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'funnelscope';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
/** The incident report page (dist/report) as the app:// handler serves it, for printToPDF in a hidden window. */
export const REPORT_PATH_PREFIX = 'report/';
export const REPORT_ENTRY_URL = `${APP_ORIGIN}/${REPORT_PATH_PREFIX}index.html`;

/** Privileges for protocol.registerSchemesAsPrivileged: no bypassCSP, no service workers. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  stream: true,
  codeCache: true,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
} as const;

/**
 * Content-Security-Policy of the renderer (sent as a response header by the app:// handler and the web host).
 * - scripts only from our origin; 'wasm-unsafe-eval' lets DuckDB-WASM compile WebAssembly (no JS eval);
 * - workers from our origin (and blob:, which DuckDB-WASM's worker bootstrap may use);
 * - styles: 'unsafe-inline' because ECharts and React set style attributes; no remote styles;
 * - connect only to our origin (the web host's WebSocket is listed explicitly for older CSP implementations);
 * - no plugins, frames, base-uri changes or form posts.
 */
export function contentSecurityPolicy(extraConnectSrc: string[] = []): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'worker-src': ["'self'", 'blob:'],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...extraConnectSrc],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'child-src': ["'self'", 'blob:'],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** Headers every renderer response carries (both hosts). COOP/COEP make the page cross-origin isolated, which
 * lets the renderer use DuckDB-WASM's threaded (coi) bundle; everything is same-origin so nothing breaks. */
export function securityHeaders(csp: string = CONTENT_SECURITY_POLICY): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  };
}

export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

/** BrowserWindow constructor options (structurally a BrowserWindowConstructorOptions). */
export function createWindowOptions(opts: {
  preloadPath: string;
  bounds: Bounds;
  title?: string;
  dark?: boolean;
}) {
  return {
    ...(opts.bounds.x !== undefined && opts.bounds.y !== undefined
      ? { x: opts.bounds.x, y: opts.bounds.y }
      : {}),
    width: opts.bounds.width,
    height: opts.bounds.height,
    minWidth: 960,
    minHeight: 600,
    title: opts.title ?? 'Funnelscope',
    show: false, // shown on 'ready-to-show' to avoid a white flash
    backgroundColor: opts.dark ? '#111418' : '#ffffff',
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: true,
    },
  } as const;
}

/** Navigation is allowed only within the app's own origin (e.g. a reload); everything else is denied. */
export function isAllowedNavigation(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Handler for webContents.setWindowOpenHandler: never open a window (links are not opened either). */
export function windowOpenHandler(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * session.setPermissionRequestHandler / setPermissionCheckHandler policy: everything denied except writing plain
 * text to the clipboard (the "copy finding" buttons); reading the clipboard, media, location, notifications,
 * opening external apps… are all refused.
 */
export function permissionAllowed(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}

/**
 * Map an app:// request URL to a file below the renderer directory; null for anything outside it
 * (other hosts, `..` traversal, encoded separators). The caller serves index.html for null-extension routes.
 */
export function appUrlToRelativePath(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const parts = pathname.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return null;
  return parts.length === 0 ? 'index.html' : parts.join('/');
}

/** MIME types of what Vite emits. */
export const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(file: string): string {
  const dot = file.lastIndexOf('.');
  return (dot >= 0 && MIME_TYPES[file.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/**
 * Command-line arguments of the app: `funnelscope-app [FOLDER] [--sample] [--dev]`. Electron's own argv starts
 * with the executable and, unpackaged, the app path (`electron .` / `electron dist/electron/main.js`); Chromium
 * switches (`--foo`) are ignored.
 */
export function parseLaunchArgs(
  argv: readonly string[],
  packaged: boolean,
): { folder: string | null; sample: boolean; dev: boolean } {
  const args = argv.slice(1);
  const flags = args.filter((a) => a.startsWith('-'));
  const positional = args.filter((a) => !a.startsWith('-'));
  if (!packaged) positional.shift(); // the app path (`.` or dist/electron/main.js)
  return { folder: positional[0] ?? null, sample: flags.includes('--sample'), dev: flags.includes('--dev') };
}

/**
 * Where an app:// path is served from: `report/…` from the built report page (dist/report), everything else
 * from the renderer (dist/renderer). `rel` comes from {@link appUrlToRelativePath} (no `..`). Returns the
 * absolute file and whether an unknown extension-less path may fall back to the SPA's index.html (only for
 * the renderer). Null for `report/` when no report folder is known.
 */
export function appFileFor(
  rel: string,
  dirs: { rendererDir: string; reportDir: string | null },
  join: (...parts: string[]) => string,
): { root: string; file: string; spaFallback: boolean } | null {
  if (rel === 'report' || rel.startsWith(REPORT_PATH_PREFIX)) {
    if (!dirs.reportDir) return null;
    const sub = rel.slice(REPORT_PATH_PREFIX.length) || 'index.html';
    return { root: dirs.reportDir, file: join(dirs.reportDir, sub), spaFallback: false };
  }
  return { root: dirs.rendererDir, file: join(dirs.rendererDir, rel), spaFallback: true };
}

/**
 * The hidden window that prints the report (webContents.printToPDF): sandboxed, isolated, no preload (the
 * page gets its model through executeJavaScript and never talks to the host), never shown.
 */
export function reportWindowOptions() {
  return {
    show: false,
    width: 794, // A4 at 96 dpi, as the CLI's Chromium viewport
    height: 1123,
    paintWhenInitiallyHidden: true,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
      javascript: true,
    },
  } as const;
}
