/**
 * The renderer's only way to talk to the host. `createHostClient()` returns the same typed interface whether the
 * UI runs inside Electron (through the preload bridge `window.funnelscope`) or in a browser against the local
 * web host (`funnelscope serve`: HTTP POST for calls, a WebSocket for progress/command events).
 *
 * Usage:
 *   const host = createHostClient();
 *   const opened = await host.invoke('openSample', {}, { onProgress: (p) => setProgress(p) });
 *   const arrowBytes = await host.invoke('cube', { datasetId: opened.datasetId, dimensions: ['device'], grain: 'day' });
 * Errors reject with `HostError` ({code, message}); `message` is specific and meant for the user.
 * Cancel with an AbortSignal (`{ signal }`) or `host.cancel(requestId)`.
 */
import {
  ARROW_STREAM_MIME,
  HostError,
  TOKEN_HEADER,
  TOKEN_QUERY,
  WEB_PATHS,
  LONG_OPERATIONS,
  type CommandEvent,
  type HostCommand,
  type HostErrorPayload,
  type HostEvent,
  type HostResult,
  type OperationInput,
  type OperationName,
  type OperationResponse,
  type ProgressEvent,
} from '../../core/contract.js';

export { HostError };
export type { HostCommand, ProgressEvent, OperationName, OperationInput, OperationResponse };

export interface InvokeOptions {
  /** defaults to a fresh random id; pass one to be able to cancel it from elsewhere */
  requestId?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** aborting sends `cancel {requestId}` to the host and rejects at once with HostError CANCELLED */
  signal?: AbortSignal;
}

export interface HostClient {
  readonly transport: 'electron' | 'web';
  invoke<K extends OperationName>(
    op: K,
    request: OperationInput<K>,
    options?: InvokeOptions,
  ): Promise<OperationResponse<K>>;
  cancel(requestId: string): Promise<boolean>;
  /** every progress event (of any request); returns an unsubscribe function */
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  /** shell commands: menu items, a folder dropped on the window, … */
  onCommand(listener: (command: HostCommand) => void): () => void;
  /** every host event (progress, commands, and event types later issues add, e.g. the Kafka tap's status) */
  onEvent(listener: (event: HostEvent) => void): () => void;
  close(): void;
}

/** What electron/preload.cts exposes as `window.funnelscope`. */
export interface FunnelscopeBridge {
  readonly transport: 'electron';
  invoke(op: string, request: unknown, requestId?: string): Promise<HostResult<unknown>>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  onMenu(listener: (command: HostCommand) => void): () => void;
  onEvent(listener: (event: HostEvent) => void): () => void;
}

/** Structural stand-ins for the DOM globals used here (this file is also compiled for Node tests). */
interface LocationLike {
  href: string;
  origin: string;
}
interface HistoryLike {
  state: unknown;
  replaceState(data: unknown, unused: string, url?: string): void;
}

/** Minimal WebSocket surface used here (the browser's, or the `ws` package's in Node tests). */
interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}
type WebSocketCtor = new (url: string, ...rest: never[]) => WebSocketLike;

export interface WebClientOptions {
  /** e.g. 'http://127.0.0.1:5123'; default: the page's origin */
  baseUrl?: string;
  /** session token; default: `?token=` of the page URL (then removed from the address bar), else the cookie */
  token?: string | null;
  /** for Node tests: `fetch` and a WebSocket constructor (the `ws` package) */
  fetch?: typeof fetch;
  WebSocket?: unknown;
}

export function createHostClient(options: WebClientOptions = {}): HostClient {
  const bridge = (globalThis as { funnelscope?: FunnelscopeBridge }).funnelscope;
  if (bridge && options.baseUrl === undefined) return createElectronClient(bridge);
  return createWebClient(options);
}

function newRequestId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function toHostError(payload: HostErrorPayload | undefined, fallback: string): HostError {
  if (payload && typeof payload.message === 'string')
    return new HostError(payload.code ?? 'INTERNAL', payload.message, payload.details);
  return new HostError('INTERNAL', fallback);
}

const cancelledError = (op: string) => new HostError('CANCELLED', `"${op}" was cancelled`);

/** Shared bookkeeping: progress routing per request, listeners, abort signals. */
class Listeners {
  progress = new Set<(e: ProgressEvent) => void>();
  command = new Set<(c: HostCommand) => void>();
  perRequest = new Map<string, (e: ProgressEvent) => void>();
  all = new Set<(e: HostEvent) => void>();
  dispatch(event: HostEvent): void {
    for (const l of this.all) l(event);
    if (event.type === 'progress') {
      this.perRequest.get(event.requestId)?.(event);
      for (const l of this.progress) l(event);
    } else if (event.type === 'command') {
      for (const l of this.command) l((event as CommandEvent).payload);
    }
  }
  /** One request's life: its id, its progress listener while it runs, and abort → host cancel. */
  track<T>(
    op: string,
    options: InvokeOptions,
    cancel: (id: string) => Promise<boolean>,
    start: (requestId: string) => Promise<T>,
  ): Promise<T> {
    // aborted before it started: the host never sees the request
    if (options.signal?.aborted) return Promise.reject(cancelledError(op));
    const requestId = options.requestId ?? newRequestId();
    if (options.onProgress) this.perRequest.set(requestId, options.onProgress);
    const run = start(requestId).finally(() => this.perRequest.delete(requestId));
    return withAbort(op, requestId, options.signal, cancel, run);
  }
  /** The subscribe half of {@link HostClient}; each returns its unsubscribe function. */
  subscribers(): Pick<HostClient, 'onProgress' | 'onCommand' | 'onEvent'> {
    const sub =
      <T>(set: Set<T>) =>
      (l: T) => {
        set.add(l);
        return () => void set.delete(l);
      };
    return { onProgress: sub(this.progress), onCommand: sub(this.command), onEvent: sub(this.all) };
  }
}

function withAbort<T>(
  op: string,
  requestId: string,
  signal: AbortSignal | undefined,
  cancel: (id: string) => Promise<boolean>,
  run: Promise<T>,
): Promise<T> {
  if (!signal) return run;
  if (signal.aborted) {
    void cancel(requestId).catch(() => undefined);
    return Promise.reject(cancelledError(op));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      void cancel(requestId).catch(() => undefined);
      reject(cancelledError(op));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    run.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

// ------------------------------------------------------------------------------------------- Electron

function createElectronClient(bridge: FunnelscopeBridge): HostClient {
  const listeners = new Listeners();
  const offEvents = bridge.onEvent((e) => listeners.dispatch(e));

  const cancel = async (requestId: string): Promise<boolean> => {
    const result = await bridge.invoke('cancel', { requestId }, newRequestId());
    return result.ok ? (result.data as { cancelled: boolean }).cancelled : false;
  };

  return {
    transport: 'electron',
    invoke(op, request, options = {}) {
      return listeners.track(op, options, cancel, (requestId) =>
        bridge.invoke(op, request, requestId).then((result) => {
          if (!result.ok) throw toHostError(result.error, `"${op}" failed`);
          return result.data as OperationResponse<typeof op>;
        }),
      ) as never;
    },
    cancel,
    ...listeners.subscribers(),
    close() {
      offEvents();
    },
  };
}

// ------------------------------------------------------------------------------------------- web host

function pageTokenFromUrl(): string | null {
  const g = globalThis as { location?: LocationLike; history?: HistoryLike };
  if (!g.location) return null;
  const url = new URL(g.location.href);
  const token = url.searchParams.get(TOKEN_QUERY);
  if (token && g.history?.replaceState) {
    // keep the token out of the address bar, bookmarks and screenshots; the host's cookie keeps the session
    url.searchParams.delete(TOKEN_QUERY);
    g.history.replaceState(g.history.state, '', url.toString());
  }
  return token;
}

function createWebClient(options: WebClientOptions): HostClient {
  const g = globalThis as { location?: LocationLike; WebSocket?: unknown };
  const baseUrl = (options.baseUrl ?? g.location?.origin ?? '').replace(/\/$/, '');
  if (!baseUrl) throw new Error('createHostClient: no Electron bridge and no web host URL');
  const token = options.token !== undefined ? options.token : pageTokenFromUrl();
  const doFetch = options.fetch ?? fetch.bind(globalThis);
  const WS = (options.WebSocket ?? g.WebSocket) as WebSocketCtor | undefined;
  const listeners = new Listeners();

  let socket: WebSocketLike | null = null;
  let socketReady: Promise<void> | null = null;
  let closed = false;
  let retry = 0;

  const connect = (): Promise<void> => {
    if (!WS || closed) return Promise.resolve();
    if (socketReady) return socketReady;
    const wsUrl = new URL(WEB_PATHS.events, baseUrl.replace(/^http/, 'ws'));
    if (token) wsUrl.searchParams.set(TOKEN_QUERY, token);
    socketReady = new Promise<void>((resolve) => {
      const ws = new WS(wsUrl.toString());
      socket = ws;
      const timer = setTimeout(resolve, 3000); // never block calls on the event channel
      ws.onopen = () => {
        retry = 0;
        clearTimeout(timer);
        resolve();
      };
      ws.onmessage = (ev) => {
        try {
          const text = typeof ev.data === 'string' ? ev.data : String(ev.data);
          listeners.dispatch(JSON.parse(text) as HostEvent);
        } catch {
          /* ignore malformed event */
        }
      };
      ws.onerror = () => undefined;
      ws.onclose = () => {
        clearTimeout(timer);
        resolve();
        socket = null;
        socketReady = null;
        if (!closed) setTimeout(() => void connect(), Math.min(5000, 250 * 2 ** retry++));
      };
    });
    return socketReady;
  };

  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    if (token) h[TOKEN_HEADER] = token;
    return h;
  };

  const call = async (op: OperationName, request: unknown, requestId: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${WEB_PATHS.invoke}/${op}`, {
        method: 'POST',
        headers: headers(),
        credentials: 'same-origin',
        body: JSON.stringify({ op, requestId, request: request ?? {} }),
      });
    } catch (err) {
      throw new HostError(
        'INTERNAL',
        `The Funnelscope host at ${baseUrl} is not reachable (${(err as Error).message})`,
      );
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.startsWith(ARROW_STREAM_MIME))
      return new Uint8Array(await response.arrayBuffer());
    let body: HostResult<unknown> | null = null;
    try {
      body = (await response.json()) as HostResult<unknown>;
    } catch {
      throw new HostError('INTERNAL', `"${op}" failed: HTTP ${response.status} with a non-JSON body`);
    }
    if (body && body.ok) return body.data;
    throw toHostError(body && !body.ok ? body.error : undefined, `"${op}" failed: HTTP ${response.status}`);
  };

  const cancel = async (requestId: string): Promise<boolean> => {
    const r = (await call('cancel', { requestId }, newRequestId())) as { cancelled: boolean };
    return r.cancelled;
  };

  void connect();

  return {
    transport: 'web',
    invoke(op, request, options = {}) {
      const long = LONG_OPERATIONS.includes(op);
      return listeners.track(op, options, cancel, (requestId) =>
        (long ? connect() : Promise.resolve()).then(() => call(op, request, requestId)),
      ) as never;
    },
    cancel,
    ...listeners.subscribers(),
    close() {
      closed = true;
      socket?.close();
    },
  };
}
