/**
 * Preload of the Funnelscope window. Runs sandboxed (CommonJS: sandboxed preloads cannot be ESM and can only
 * require `electron` and a few builtins, so this file is self-contained) in an isolated world, and exposes
 * exactly one frozen object, `window.funnelscope`, through contextBridge:
 *   invoke(op, request, requestId?) -> Promise<HostResult>   (op must be a contract operation name)
 *   onProgress(listener) -> unsubscribe                       (ProgressEvents of long operations)
 *   onMenu(listener) -> unsubscribe                           (shell commands: menu items, dropped folders)
 *   onEvent(listener) -> unsubscribe                          (every HostEvent, for event types added later)
 * No ipcRenderer, no Node API and no file paths other than a dropped folder's reach the page.
 *
 * The channel names and the operation list duplicate core/contract.ts (a preload cannot import it);
 * test/unit/electron-security.test.ts keeps them in sync.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { IpcRendererEvent } from 'electron';

const CHANNELS = {
  invoke: 'funnelscope:invoke',
  event: 'funnelscope:event',
  drop: 'funnelscope:drop',
} as const;

const OPERATIONS = new Set([
  'hostInfo',
  'chooseFolder',
  'openFolder',
  'openSample',
  'setMapping',
  'profile',
  'preview',
  'cube',
  'closeDataset',
  'recentFolders',
  'forgetRecentFolder',
  'getPreferences',
  'setPreferences',
  'cancel',
  'exportReport',
  'exportScan',
  'businessCube',
  'sourceColumns',
  'sourceValues',
  'liveConnect',
  'liveDisconnect',
  'liveStatus',
]);

let counter = 0;
function newRequestId(): string {
  counter += 1;
  return `ipc-${Date.now().toString(36)}-${counter.toString(36)}`;
}

type Listener = (value: unknown) => void;

function subscribe(type: 'progress' | 'command' | '*', listener: Listener): () => void {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  const handler = (_event: IpcRendererEvent, message: unknown) => {
    const m = message as { type?: unknown; payload?: unknown } | null;
    if (!m || typeof m.type !== 'string') return;
    if (type === '*') listener(m);
    else if (m.type === type) listener(type === 'command' ? m.payload : m);
  };
  ipcRenderer.on(CHANNELS.event, handler);
  return () => {
    ipcRenderer.removeListener(CHANNELS.event, handler);
  };
}

const api = Object.freeze({
  transport: 'electron' as const,
  invoke(op: unknown, request?: unknown, requestId?: unknown): Promise<unknown> {
    if (typeof op !== 'string' || !OPERATIONS.has(op)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'UNKNOWN_OPERATION', message: `Unknown operation "${String(op).slice(0, 80)}"` },
      });
    }
    const id = typeof requestId === 'string' ? requestId : newRequestId();
    return ipcRenderer.invoke(CHANNELS.invoke, { op, requestId: id, request: request ?? {} });
  },
  onProgress(listener: Listener): () => void {
    return subscribe('progress', listener);
  },
  onMenu(listener: Listener): () => void {
    return subscribe('command', listener);
  },
  onEvent(listener: Listener): () => void {
    return subscribe('*', listener);
  },
});

contextBridge.exposeInMainWorld('funnelscope', api);

// A folder dropped on the window: only a real OS drop (isTrusted, a File backed by a path) is forwarded to main,
// which checks it is a folder, allows it and answers with an `openFolder` command. A page script cannot forge
// this: synthetic events are not trusted and script-made Files have no path.
// (Structural DOM types: the Node-side tsconfig has no DOM lib.)
interface DropEventLike {
  isTrusted: boolean;
  preventDefault(): void;
  dataTransfer: { files: ArrayLike<unknown>; types: ArrayLike<string> } | null;
}
const page = globalThis as unknown as {
  addEventListener(type: string, listener: (event: DropEventLike) => void, capture: boolean): void;
};
// Only drags that carry files are taken over (text dragged into an input keeps working).
const carriesFiles = (event: DropEventLike) =>
  !!event.dataTransfer && Array.from(event.dataTransfer.types).includes('Files');
page.addEventListener(
  'dragover',
  (event) => {
    if (carriesFiles(event)) event.preventDefault();
  },
  true,
);
page.addEventListener(
  'drop',
  (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (!event.isTrusted || !event.dataTransfer) return;
    const file = event.dataTransfer.files[0];
    if (!file) return;
    let path = '';
    try {
      path = webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
    } catch {
      path = '';
    }
    if (path) ipcRenderer.send(CHANNELS.drop, { path });
  },
  true,
);
