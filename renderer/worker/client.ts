/**
 * UI-side client of the analysis worker: typed `request(type, payload)` returning a promise of the matching
 * result. Requests with the same `key` supersede each other: starting a new one cancels the old one in the
 * worker and rejects its promise with CancelledError at once (a new brush selection cancels the old query).
 *
 * The transport is a minimal port, so the same client drives the real Worker in the app and an in-process
 * dispatcher in Node tests.
 */
import type {
  AnyRequest,
  FromWorker,
  Progress,
  RequestOf,
  RequestType,
  Responses,
  ToWorker,
} from './protocol.js';
import { CancelledError } from './protocol.js';

export interface WorkerPort {
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: FromWorker) => void): void;
  terminate?(): void;
}

export interface RequestOptions {
  /** requests sharing a key supersede each other */
  key?: string;
  onProgress?: (p: Progress) => void;
  /** buffers to transfer instead of copy (e.g. the cube bytes) */
  transfer?: ArrayBuffer[];
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (p: Progress) => void;
  key?: string;
  type: RequestType;
  started: number;
}

export interface Timing {
  type: RequestType;
  ms: number;
  workerMs: number;
}

export class WorkerClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private byKey = new Map<string, number>();
  private readyWaiters: {
    resolve: (info: { bundle: string; version: string }) => void;
    reject: (e: Error) => void;
  }[] = [];
  private fatal: Error | null = null;
  info: { bundle: string; version: string } | null = null;
  /** the last few timings, newest last (shown in the status bar, used by the bench) */
  readonly timings: Timing[] = [];

  constructor(private readonly port: WorkerPort) {
    port.listen((m) => this.onMessage(m));
  }

  ready(): Promise<{ bundle: string; version: string }> {
    if (this.info) return Promise.resolve(this.info);
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  request<K extends RequestType>(
    type: K,
    payload: Omit<RequestOf<K>, 'type'>,
    opts: RequestOptions = {},
  ): Promise<Responses[K]> {
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.nextId++;
    if (opts.key) {
      const prev = this.byKey.get(opts.key);
      if (prev !== undefined) this.cancel(prev);
      this.byKey.set(opts.key, id);
    }
    return new Promise<Responses[K]>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: opts.onProgress,
        key: opts.key,
        type,
        started: now(),
      });
      const request = { type, ...payload } as unknown as AnyRequest;
      this.port.post({ kind: 'request', id, request }, opts.transfer ?? []);
    });
  }

  /** cancel a request: the promise rejects with CancelledError now; the worker drops or stops it */
  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.settle(id);
    this.port.post({ kind: 'cancel', id });
    p.reject(new CancelledError(`${p.type} request ${id} was superseded`));
  }

  cancelKey(key: string): void {
    const id = this.byKey.get(key);
    if (id !== undefined) this.cancel(id);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  terminate(): void {
    for (const id of [...this.pending.keys()]) this.cancel(id);
    this.port.terminate?.();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (p.key && this.byKey.get(p.key) === id) this.byKey.delete(p.key);
    return p;
  }

  private onMessage(m: FromWorker): void {
    switch (m.kind) {
      case 'ready':
        this.info = { bundle: m.bundle, version: m.version };
        for (const w of this.readyWaiters.splice(0)) w.resolve(this.info);
        return;
      case 'progress':
        this.pending.get(m.id)?.onProgress?.(m.progress);
        return;
      case 'result': {
        const p = this.settle(m.id);
        if (!p) return; // cancelled on our side already
        this.timings.push({ type: m.type, ms: Math.round(now() - p.started), workerMs: m.ms });
        if (this.timings.length > 50) this.timings.shift();
        p.resolve(m.result);
        return;
      }
      case 'error': {
        if (m.id === 0) {
          // the worker could not start at all: fail everything, now and later
          this.fatal = new Error(m.message);
          for (const w of this.readyWaiters.splice(0)) w.reject(this.fatal);
          for (const id of [...this.pending.keys()]) this.settle(id)?.reject(this.fatal);
          return;
        }
        this.settle(m.id)?.reject(new Error(m.message));
        return;
      }
      case 'cancelled':
        this.settle(m.id)?.reject(new CancelledError());
        return;
    }
  }
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
