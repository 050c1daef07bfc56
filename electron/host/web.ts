/**
 * The local web host: the same host contract as Electron IPC, over HTTP (calls) + WebSocket (progress and
 * command events), so the renderer runs in any browser (`funnelscope serve`, end-to-end tests, the fallback of
 * `npm start` when the Electron binary is missing). Imports nothing from `electron`.
 *
 * Security model (a local server is reachable by every process and every web page on the machine):
 * - binds 127.0.0.1 only; the Host header must name 127.0.0.1/localhost:<port> (DNS-rebinding defence);
 * - a random 192-bit session token is required on EVERY request (header, `?token=` or the HttpOnly,
 *   SameSite=Strict cookie the host sets when the page is first loaded with a valid token); compared in
 *   constant time; WebSocket upgrades additionally must come from our own Origin;
 * - file access goes through electron/host/operations.ts, which limits it to the folder given at start
 *   (plus the sample and the user's recent folders);
 * - strict CSP, nosniff, no-referrer (the token is in the first URL) and COOP/COEP on every page.
 *
 * Wire format: POST /api/invoke/<op> with JSON `{requestId, request}` → 200 `{ok:true,data}`, or for binary
 * operations (cube) 200 `application/vnd.apache.arrow.stream` bytes; failures → 4xx/5xx `{ok:false,error}`.
 * WebSocket /api/events pushes `HostEvent` JSON messages.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ARROW_STREAM_MIME,
  HostError,
  TOKEN_COOKIE,
  TOKEN_HEADER,
  TOKEN_QUERY,
  WEB_PATHS,
  isOperationName,
  operations,
  type HostErrorCode,
  type HostEvent,
  type HostResult,
} from '../../core/contract.js';
import { SettingsStore } from '../settings-store.js';
import { contentSecurityPolicy, mimeType, securityHeaders } from '../window-options.js';
import {
  createHost,
  defaultServices,
  type Host,
  type HostServices,
  type ReportExporter,
} from './operations.js';
import { createWebReportExporter, type ReportDownload } from './report-export.js';
import { createWebScanExporter, EXPORT_CONTENT_TYPES } from './scan-export.js';

/** URL path prefix of exports: GET /download/<id>.pdf|.csv|.parquet (session token required). */
export const DOWNLOAD_PATH = '/download/';

export interface WebHostOptions {
  /** 0 or undefined: a free port */
  port?: number;
  /** the folder to open first; it (and its subfolders) become the allowed folders */
  folder?: string | null;
  /** the built renderer (dist/renderer) */
  staticDir: string;
  /** user data directory (settings, recent folders, generated sample); default: the app's */
  userDataDir?: string;
  /** dataset services; default: electron/services/dataset.ts + sample.ts */
  services?: HostServices;
  /** extra folders the user allowed (e.g. tests) */
  allowedRoots?: string[];
  /** use the settings file of userDataDir for recent folders (default true) */
  useSettings?: boolean;
  /** fixed token (tests); default random */
  token?: string;
  /** the PDF export; default: printed through Chromium into <userData>/exports/session-…/ (false: none) */
  exportReport?: ReportExporter | false;
  /** Chromium for the default exporter (default FUNNELSCOPE_CHROMIUM, else /usr/bin/chromium) */
  chromiumPath?: string;
  appVersion?: string;
}

export interface WebHost {
  /** page URL including the token, e.g. http://127.0.0.1:5123/?token=… */
  url: string;
  /** origin without token, e.g. http://127.0.0.1:5123 */
  origin: string;
  port: number;
  token: string;
  host: Host;
  close(): Promise<void>;
}

const STATUS: Record<HostErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNKNOWN_OPERATION: 404,
  UNAUTHORIZED: 401,
  FOLDER_NOT_FOUND: 404,
  NOT_A_FOLDER: 400,
  FOLDER_NOT_ALLOWED: 403,
  DATASET_NOT_FOUND: 404,
  DATASET_ERROR: 422,
  CANCELLED: 409,
  NOT_AVAILABLE: 501,
  REPORT_UNAVAILABLE: 503,
  REPORT_FAILED: 500,
  INTERNAL: 500,
};

const MAX_BODY = 1024 * 1024;

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function sameSecret(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const userDataDir = options.userDataDir ?? (await import('../services/paths.js')).userDataDir();
  const settings = options.useSettings === false ? null : new SettingsStore(userDataDir);
  const services = options.services ?? (await defaultServices());
  const staticDir = path.resolve(options.staticDir);
  const clients = new Set<WebSocket>();

  const emit = (event: HostEvent) => {
    const text = JSON.stringify(event);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  };

  const folder = options.folder ? path.resolve(options.folder) : null;
  /** exported files of this session by random id + extension (only this host's token can fetch them) */
  const downloads = new Map<string, ReportDownload>();
  const register = (d: ReportDownload, ext: 'pdf' | 'csv' | 'parquet') => {
    const id = `${randomBytes(18).toString('base64url')}.${ext}`;
    downloads.set(id, d);
    return `${DOWNLOAD_PATH}${id}`;
  };
  const exportScan = createWebScanExporter({
    userDataDir,
    register: (d) => register(d, d.file.toLowerCase().endsWith('.csv') ? 'csv' : 'parquet'),
  });
  const exportReport =
    options.exportReport === false
      ? undefined
      : (options.exportReport ??
        createWebReportExporter({
          userDataDir,
          chromiumPath: options.chromiumPath,
          register: (d) => register(d, 'pdf'),
        }));
  const host = createHost({
    transport: 'web',
    services,
    userDataDir,
    emit,
    settings,
    allowedRoots: [...(folder ? [folder] : []), ...(options.allowedRoots ?? [])],
    initial: folder ? { kind: 'folder', folder } : { kind: 'sample' },
    exportReport,
    exportScan,
    appVersion: options.appVersion,
  });

  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** token from header, query or cookie; null when none matches */
  function authorized(req: http.IncomingMessage, url: URL): 'header' | 'query' | 'cookie' | null {
    const header = req.headers[TOKEN_HEADER];
    if (sameSecret(Array.isArray(header) ? header[0] : header, token)) return 'header';
    if (sameSecret(url.searchParams.get(TOKEN_QUERY), token)) return 'query';
    if (sameSecret(parseCookies(req.headers.cookie)[TOKEN_COOKIE], token)) return 'cookie';
    return null;
  }

  const csp = () => contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);

  function sendJson(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      ...securityHeaders(csp()),
      ...extra,
    });
    res.end(text);
  }
  function sendError(res: http.ServerResponse, err: HostError) {
    sendJson(res, STATUS[err.code] ?? 500, { ok: false, error: err.toPayload() } satisfies HostResult<never>);
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY)
        throw new HostError('INVALID_REQUEST', `Invalid request: body larger than ${MAX_BODY} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handleInvoke(req: http.IncomingMessage, res: http.ServerResponse, op: string) {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendError(
        res,
        new HostError('INVALID_REQUEST', `Invalid request: use POST for ${WEB_PATHS.invoke}/${op}`),
      );
    }
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      return sendError(
        res,
        new HostError('INVALID_REQUEST', 'Invalid request: Content-Type must be application/json'),
      );
    }
    let envelope: { requestId?: unknown; request?: unknown; op?: unknown };
    try {
      const text = await readBody(req);
      envelope = text ? JSON.parse(text) : {};
    } catch (err) {
      if (err instanceof HostError) return sendError(res, err);
      return sendError(
        res,
        new HostError(
          'INVALID_REQUEST',
          `Invalid request: body is not valid JSON (${(err as Error).message})`,
        ),
      );
    }
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
      return sendError(
        res,
        new HostError('INVALID_REQUEST', 'Invalid request: body must be a JSON object {requestId, request}'),
      );
    }
    if (envelope.op !== undefined && envelope.op !== op) {
      return sendError(
        res,
        new HostError(
          'INVALID_REQUEST',
          `Invalid request: body op "${String(envelope.op)}" does not match the URL op "${op}"`,
        ),
      );
    }
    const result = await host.handle(op, envelope.requestId, envelope.request ?? {});
    if (!result.ok)
      return sendError(res, new HostError(result.error.code, result.error.message, result.error.details));
    if (isOperationName(op) && operations[op].binary && result.data instanceof Uint8Array) {
      res.writeHead(200, {
        'Content-Type': ARROW_STREAM_MIME,
        'Content-Length': String(result.data.byteLength),
        'Cache-Control': 'no-store',
        ...securityHeaders(csp()),
      });
      res.end(Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength));
      return;
    }
    sendJson(res, 200, result);
  }

  /** GET /download/<id>.<pdf|csv|parquet>: an exported report or scan of this session, as an attachment. */
  async function handleDownload(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const m = /^\/download\/([A-Za-z0-9_-]{16,64}\.(pdf|csv|parquet))$/.exec(url.pathname);
    const d = m ? downloads.get(m[1]!) : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      return res.end();
    }
    const info = d ? await stat(d.file).catch(() => null) : null;
    if (!d || !info?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders(csp()) });
      return res.end('No such export (export it again)');
    }
    const ascii = d.name.replace(/[^A-Za-z0-9._-]/g, '_');
    res.writeHead(200, {
      'Content-Type': EXPORT_CONTENT_TYPES[m![2]!]!,
      'Content-Length': String(info.size),
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(d.name)}`,
      'Cache-Control': 'no-store',
      ...securityHeaders(csp()),
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(d.file).pipe(res);
  }

  async function handleStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL, via: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      return res.end();
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400);
      return res.end('Bad path');
    }
    const parts = pathname.split('/').filter((p) => p && p !== '.');
    if (parts.some((p) => p === '..' || p.includes('\\') || p.includes('\0'))) {
      res.writeHead(400);
      return res.end('Bad path');
    }
    let file = path.join(staticDir, ...parts);
    const extra: Record<string, string> = {};
    if (via === 'query') {
      // remember the session for sub-resources, the worker, reloads and the WebSocket
      extra['Set-Cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
    }
    try {
      let info = await stat(file).catch(() => null);
      if (!info || info.isDirectory()) {
        // SPA: unknown routes without an extension get index.html
        if (info?.isDirectory() || !path.extname(file)) {
          file = path.join(staticDir, 'index.html');
          info = await stat(file).catch(() => null);
        }
      }
      if (!info || !info.isFile()) {
        if (pathname === '/favicon.ico') {
          res.writeHead(204, securityHeaders(csp())); // browsers ask for it; the UI sets its own icon or none
          return res.end();
        }
        if (!parts.length || !path.extname(pathname)) {
          res.writeHead(503, {
            'Content-Type': 'text/plain; charset=utf-8',
            ...securityHeaders(csp()),
            ...extra,
          });
          return res.end(
            `The Funnelscope UI is not built (no ${path.join(staticDir, 'index.html')}). Run: npm run build\n`,
          );
        }
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders(csp()) });
        return res.end('Not found');
      }
      const real = await realpath(file);
      const realRoot = await realpath(staticDir);
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        res.writeHead(403);
        return res.end('Forbidden');
      }
      const isHtml = real.endsWith('.html');
      res.writeHead(200, {
        'Content-Type': mimeType(real),
        'Content-Length': String(info.size),
        'Cache-Control': isHtml ? 'no-store' : 'private, max-age=3600',
        ...securityHeaders(csp()),
        ...extra,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(real).pipe(res);
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Internal error: ${(err as Error).message}`);
    }
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const hostHeader = req.headers.host ?? '';
      if (!allowedHosts().has(hostHeader)) {
        res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end(`Misdirected request: Host "${hostHeader}" is not this Funnelscope host`);
      }
      const url = new URL(req.url ?? '/', `http://${hostHeader}`);
      const via = authorized(req, url);
      if (!via) {
        const err = new HostError(
          'UNAUTHORIZED',
          'Missing or wrong session token: open the URL printed by "funnelscope serve" (it contains ?token=…)',
        );
        if (url.pathname.startsWith('/api/')) return sendError(res, err);
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders(csp()) });
        return res.end(err.message + '\n');
      }
      if (url.pathname.startsWith(WEB_PATHS.invoke + '/')) {
        return handleInvoke(req, res, url.pathname.slice(WEB_PATHS.invoke.length + 1));
      }
      if (url.pathname.startsWith('/api/')) {
        return sendError(res, new HostError('UNKNOWN_OPERATION', `Unknown endpoint ${url.pathname}`));
      }
      if (url.pathname.startsWith(DOWNLOAD_PATH)) return handleDownload(req, res, url);
      return handleStatic(req, res, url, via);
    })().catch((err) => {
      if (!res.headersSent) sendError(res, new HostError('INTERNAL', (err as Error).message));
      else res.destroy();
    });
  });
  server.requestTimeout = 0; // cube/open may legitimately take long; cancel is explicit
  server.headersTimeout = 30_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const hostHeader = req.headers.host ?? '';
    const url = new URL(req.url ?? '/', `http://${hostHeader || '127.0.0.1'}`);
    const origin = req.headers.origin;
    const ok =
      allowedHosts().has(hostHeader) &&
      url.pathname === WEB_PATHS.events &&
      (origin === undefined || allowedOrigins().has(origin)) &&
      authorized(req, url) !== null;
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      ws.on('message', () => undefined); // events are one-way; calls go over HTTP
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?${TOKEN_QUERY}=${token}`,
    origin,
    port,
    token,
    host,
    async close() {
      for (const ws of clients) ws.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await host.close();
    },
  };
}
