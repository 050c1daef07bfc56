/**
 * The analysis worker: DuckDB-WASM + core behind the typed protocol (./protocol.ts). Requests run one at a
 * time in arrival order (DuckDB has one connection here); a `cancel` marks a request so it is dropped before it
 * starts or stops at its next checkpoint (between SQL statements and core steps) with a `cancelled` answer.
 */
/// <reference lib="webworker" />
import { AnalysisEngine, type RunContext } from './engine.js';
import { openBrowserDb } from './duckdb.js';
import { CancelledError, type FromWorker, type ToWorker } from './protocol.js';
import { Dispatcher } from './dispatcher.js';

const post = (m: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(m, transfer);

const ready = openBrowserDb().then((db) => {
  post({ kind: 'ready', bundle: db.bundle, version: db.version });
  return new AnalysisEngine(db);
});
ready.catch((e: unknown) =>
  post({ kind: 'error', id: 0, message: `DuckDB-WASM failed to start: ${(e as Error).message}` }),
);

const dispatcher = new Dispatcher(async () => ready, post);
self.onmessage = (ev: MessageEvent<ToWorker>) => dispatcher.receive(ev.data);
export type { RunContext, CancelledError };
