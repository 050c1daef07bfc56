/** React access to the app store and the worker client. */
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore } from '../state/store.js';
import type { WorkerClient } from '../worker/client.js';
import type { HostClient } from '../host/client.js';
import type { RequestOf, RequestType, Responses } from '../worker/protocol.js';
import { isCancelled } from '../worker/protocol.js';

export interface AppServices {
  store: AppStore;
  worker: WorkerClient;
  host: HostClient | null;
}

export const AppContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(AppContext);
  if (!s) throw new Error('AppContext missing');
  return s;
}

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useServices().store, selector);
}

export interface Analysis<T> {
  data: T | null;
  /** true while a request for the current inputs runs (data may hold the previous result) */
  loading: boolean;
  error: string | null;
  /** increments with every result applied (tests and the bench wait on it) */
  version: number;
  ms: number | null;
}

/**
 * Runs a worker request whenever its payload changes. Requests share `key`, so a new payload cancels the
 * previous request in the worker (a new brush selection cancels the old query). `payload` null = idle.
 */
export function useAnalysis<K extends RequestType>(
  type: K,
  payload: Omit<RequestOf<K>, 'type'> | null,
  key: string = type,
): Analysis<Responses[K]> {
  const { worker } = useServices();
  // a new dataset (a new summary object) re-runs the same payload against the new cube
  const dataset = useApp((s) => s.dataset.summary);
  const [state, setState] = useState<Analysis<Responses[K]>>({
    data: null,
    loading: payload !== null,
    error: null,
    version: 0,
    ms: null,
  });
  const json = payload === null ? null : JSON.stringify(payload);
  const seq = useRef(0);
  useEffect(() => {
    if (json === null) return;
    const mine = ++seq.current;
    const t0 = performance.now();
    setState((s) => ({ ...s, loading: true, error: null }));
    worker.request(type, JSON.parse(json) as Omit<RequestOf<K>, 'type'>, { key }).then(
      (data) => {
        if (mine !== seq.current) return;
        setState((s) => ({
          data,
          loading: false,
          error: null,
          version: s.version + 1,
          ms: Math.round(performance.now() - t0),
        }));
      },
      (e: unknown) => {
        if (isCancelled(e) || mine !== seq.current) return;
        setState((s) => ({ ...s, loading: false, error: e instanceof Error ? e.message : String(e) }));
      },
    );
  }, [worker, type, json, key, dataset]);
  useEffect(() => () => worker.cancelKey(key), [worker, key]);
  return state;
}
