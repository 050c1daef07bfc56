/**
 * The Business view's data hooks. The host builds compact tables over the whole dataset with native DuckDB
 * (`businessCube`), once per dataset key; the worker keeps them in DuckDB-WASM (`businessLoad`) and computes
 * each tab for the global period brush. `useBizAnalysis` is the one path every tab takes: its tables loaded,
 * then its worker request for the current period, with one merged error and a busy flag.
 */
import { useEffect, useState } from 'react';
import { useAnalysis, useApp, useServices } from '../app/context.js';
import type { BusinessTable } from '../../core/business-sql.js';
import type { CubeSummary, RequestOf, Responses } from '../worker/protocol.js';
import type { BusinessRequests } from '../worker/protocol-business.js';

const summaryIds = new WeakMap<CubeSummary, number>();
let nextSummaryId = 1;
/** a key per loaded cube: a new dataset or a reloaded cube gives a new key (the worker then drops its tables) */
function datasetKey(datasetId: string, summary: CubeSummary): string {
  let id = summaryIds.get(summary);
  if (id === undefined) summaryIds.set(summary, (id = nextSummaryId++));
  return `${datasetId}#${id}`;
}

/** loads in flight or done, by `key|table` (a failed load is forgotten so the next visit retries) */
const loads = new Map<string, Promise<void>>();

/**
 * Loads `tables` (after `availability`, whose arrival under a new key makes the worker drop older tables)
 * into the worker; `key` is the dataset key once all of them are there, null before and on error.
 */
export function useBizTables(tables: readonly BusinessTable[]): { key: string | null; error: string | null } {
  const { host, worker } = useServices();
  const opened = useApp((s) => s.dataset.opened);
  const summary = useApp((s) => s.dataset.summary);
  const key = opened && summary ? datasetKey(opened.datasetId, summary) : null;
  const [state, setState] = useState<{ readyFor: string | null; error: string | null }>({
    readyFor: null,
    error: null,
  });
  const want = key ? `${key}|${tables.join(',')}` : null;
  useEffect(() => {
    if (!key || !opened || !want) return;
    let live = true;
    const ensure = (table: BusinessTable): Promise<void> => {
      const id = `${key}|${table}`;
      let p = loads.get(id);
      if (!p) {
        if (!host) return Promise.reject(new Error('No Funnelscope host is connected.'));
        p = host.invoke('businessCube', { datasetId: opened.datasetId, table }).then(async (bytes) => {
          await worker.request('businessLoad', { key, table, bytes }, { key: `bizload:${table}` });
        });
        const mine = p;
        p.catch(() => {
          if (loads.get(id) === mine) loads.delete(id);
        });
        loads.set(id, p);
      }
      return p;
    };
    setState((s) => (s.readyFor === want ? s : { readyFor: null, error: null }));
    // availability and daily first: the worker replaces its tables when a new key arrives
    ensure('availability')
      .then(() => Promise.all(tables.map(ensure)))
      .then(
        () => live && setState({ readyFor: want, error: null }),
        (e: unknown) =>
          live && setState({ readyFor: null, error: e instanceof Error ? e.message : String(e) }),
      );
    return () => {
      live = false;
    };
  }, [want, host, worker]);
  return { key: state.readyFor === want ? key : null, error: state.error };
}

/** the per-tab worker requests (each takes the dataset key and the global period) */
export type BizRequest = Exclude<keyof BusinessRequests, 'businessLoad' | 'businessInfo'>;
export type BizParams<K extends BizRequest> = Omit<BusinessRequests[K], 'key' | 'period'>;

export interface BizAnalysis<T> {
  /** the latest result; while `busy` after a brush move it is the previous period's (shown dimmed) */
  data: T | null;
  /** the tables' load error or the request's, whichever came first (the tab shows it once) */
  error: string | null;
  /** a request for the current inputs is running, or nothing has arrived yet */
  busy: boolean;
  /** increments with every result applied (tests wait on it) */
  version: number;
}

/**
 * One tab's analysis: loads `availability`, `daily` and `tables`, then runs `type` for the global period
 * with `params`. A new period or new params cancel the running request in the worker and a late answer of
 * an older request is dropped (useAnalysis), so the brush never shows a stale period as current.
 */
export function useBizAnalysis<K extends BizRequest>(
  type: K,
  tables: readonly BusinessTable[],
  params: BizParams<K>,
): BizAnalysis<Responses[K]> {
  const t = useBizTables(['availability', 'daily', ...tables]);
  const period = useApp((s) => s.period);
  // (TS cannot see that BizParams<K> plus key and period is the request of K for a generic K)
  const payload = t.key ? ({ ...params, key: t.key, period } as unknown as Omit<RequestOf<K>, 'type'>) : null;
  const res = useAnalysis(type, payload, `biz:${type}`);
  const error = t.error ?? res.error;
  return {
    data: res.data,
    error,
    // (an error ends the wait: the tab shows it instead of loading forever)
    busy: res.loading || (!res.data && !error),
    version: res.version,
  };
}
