/**
 * The host contract over Electron IPC. Only type imports from `electron`, so a unit test drives these handlers
 * with a fake ipcMain and the real operations module.
 *
 * - one `invoke` channel (ipcMain.handle): the envelope {op, requestId, request} is validated with zod, then the
 *   request by its operation's schema (in operations.ts); the answer is always a HostResult value, never a thrown
 *   error (Electron would wrap thrown errors as "Error invoking remote method …" and lose the code);
 * - messages from any frame other than our app:// main frame are refused (a navigated or embedded frame must not
 *   reach the host);
 * - one `drop` channel (ipcMain.on) for a folder the user dropped on the window (validated, then handed to main);
 * - events (progress, menu commands) go to the window on the `event` channel.
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import {
  HostError,
  IPC_CHANNELS,
  dropMessageSchema,
  formatIssues,
  invokeEnvelopeSchema,
  type HostEvent,
  type HostResult,
} from '../../core/contract.js';
import { APP_ORIGIN, REPORT_PATH_PREFIX } from '../window-options.js';
import type { Host } from './operations.js';

type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>;

export interface IpcOptions {
  /** called with the raw path of a trusted drop (the preload only forwards real OS drops) */
  onDrop?: (path: string, sender: WebContents) => void | Promise<void>;
  /** override the sender check (default: main frame of an app:// page) */
  isTrustedSender?: (event: SenderEvent) => boolean;
}

/** A message is trusted when it comes from a top-level frame showing our own app:// origin. */
export function isAppSender(event: SenderEvent): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  let origin: string;
  try {
    const u = new URL(frame.url);
    origin = `${u.protocol}//${u.host}`;
  } catch {
    return false;
  }
  // the hidden report-printing window (app://funnelscope/report/…) has no preload and must never reach the host
  return origin === APP_ORIGIN && frame.parent === null && !isReportPage(frame.url);
}

function isReportPage(url: string): boolean {
  try {
    return new URL(url).pathname.startsWith(`/${REPORT_PATH_PREFIX}`);
  } catch {
    return true;
  }
}

/** Register the handlers; returns a function that removes them. */
export function registerIpcHandlers(ipcMain: IpcMainLike, host: Host, options: IpcOptions = {}): () => void {
  const trusted = options.isTrustedSender ?? isAppSender;

  const onInvoke = async (event: IpcMainInvokeEvent, message: unknown): Promise<HostResult<unknown>> => {
    if (!trusted(event)) {
      return {
        ok: false,
        error: new HostError('UNAUTHORIZED', 'IPC from an untrusted frame was refused').toPayload(),
      };
    }
    const envelope = invokeEnvelopeSchema.safeParse(message);
    if (!envelope.success) {
      const op =
        typeof (message as { op?: unknown })?.op === 'string' ? (message as { op: string }).op : 'invoke';
      return {
        ok: false,
        error: new HostError('INVALID_REQUEST', formatIssues(op, envelope.error)).toPayload(),
      };
    }
    const { op, requestId, request } = envelope.data;
    return host.handle(op, requestId, request ?? {});
  };

  const onDrop = (event: IpcMainEvent, message: unknown) => {
    if (!trusted(event) || !options.onDrop) return;
    const parsed = dropMessageSchema.safeParse(message);
    if (!parsed.success) return;
    void Promise.resolve(options.onDrop(parsed.data.path, event.sender)).catch(() => undefined);
  };

  ipcMain.handle(IPC_CHANNELS.invoke, onInvoke);
  ipcMain.on(IPC_CHANNELS.drop, onDrop);
  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.invoke);
    ipcMain.removeListener(IPC_CHANNELS.drop, onDrop);
  };
}

/** Event sink for createHost: forwards HostEvents to the current window (if any, and not destroyed). */
export function ipcEmitter(
  target: () => Pick<WebContents, 'send' | 'isDestroyed'> | null,
): (event: HostEvent) => void {
  return (event) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(IPC_CHANNELS.event, event);
  };
}
