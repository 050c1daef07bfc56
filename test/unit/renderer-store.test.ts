/**
 * The app store: opening data (host at the transport edge, a real worker engine over DuckDB-WASM), the global
 * brush period and the comparison it drives, drill-down, detector settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError, type DatasetProfile, type OpenDatasetResult } from '../../core/contract.js';
import type { HostClient, InvokeOptions } from '../../renderer/host/client.js';
import { createAppStore, cubeDimensions, type AppStore } from '../../renderer/state/store.js';
import { addDays } from '../../renderer/lib/dates.js';
import { inProcessWorker, openNodeDb, syntheticCube, type SyntheticCube } from './renderer-support.js';

type Db = Awaited<ReturnType<typeof openNodeDb>>;
let db: Db;
let data: SyntheticCube;

beforeAll(async () => {
  db = await openNodeDb();
  data = syntheticCube();
}, 60_000);
afterAll(() => db?.close());

function profile(skipped: { file: string; reason: string }[] = []): DatasetProfile {
  return {
    layout: 'retailrocket',
    mapping: {
      ts: 'timestamp',
      dimensions: { device: 'device', os: 'os', browser: 'browser' },
    } as unknown as DatasetProfile['mapping'],
    files: { read: 10, skipped },
    rows: { read: 1000, rejected: { unparseable_time: 0 }, duplicates: 0 },
    range: { from: data.dates[0], to: data.dates.at(-1)! },
    dimensions: { device: 3, os: 4, browser: 2, weekday: 7, hour_of_day: 24 },
  };
}

/** a host at the transport edge: answers the contract's operations with fixed data, honours AbortSignal */
function fakeHost(opts: { skipped?: { file: string; reason: string }[]; hang?: boolean } = {}) {
  const calls: { op: string; request: unknown }[] = [];
  const host: HostClient = {
    transport: 'web',
    async invoke(op, request, options: InvokeOptions = {}) {
      calls.push({ op, request });
      const opened = (folder: string): OpenDatasetResult => ({
        datasetId: 'ds-1',
        folder,
        sample: folder === 'sample',
        profile: profile(opts.skipped),
      });
      switch (op) {
        case 'openSample':
        case 'openFolder': {
          const folder = op === 'openSample' ? 'sample' : (request as { folder: string }).folder;
          if (folder === '/nope') throw new HostError('FOLDER_NOT_FOUND', 'Folder not found: /nope');
          options.onProgress?.({
            type: 'progress',
            requestId: 'r',
            op,
            phase: 'scanning',
            files: 3,
            filesTotal: 10,
            rows: 300,
            rowsPerSecond: 1000,
            etaSeconds: 1,
            message: 'Scanning 3/10 files',
          });
          if (opts.hang) {
            await new Promise((_, reject) =>
              options.signal?.addEventListener('abort', () =>
                reject(new HostError('CANCELLED', `"${op}" was cancelled`)),
              ),
            );
          }
          return opened(folder) as never;
        }
        case 'setMapping': {
          const m = (request as { mapping: Record<string, unknown> }).mapping;
          if (m.ts === 'nope')
            throw new HostError(
              'DATASET_ERROR',
              'no usable Parquet file in /data/a — a.parquet: incompatible schema: column "nope" is missing',
            );
          return opened('sample') as never;
        }
        case 'preview':
          return { columns: [{ name: 'timestamp', type: 'BIGINT' }], rows: [{ timestamp: 1 }] } as never;
        case 'cube':
          return data.bytes.slice() as never;
        case 'recentFolders':
          return { folders: [{ folder: '/data/a', openedAt: '2024-01-01T00:00:00Z' }] } as never;
        default:
          throw new HostError('NOT_AVAILABLE', `${op} not in this fake`);
      }
    },
    async cancel() {
      return true;
    },
    onProgress: () => () => undefined,
    onCommand: () => () => undefined,
    onEvent: () => () => undefined,
    close() {},
  };
  return { host, calls };
}

async function openedStore(
  opts: Parameters<typeof fakeHost>[0] = {},
): Promise<{ store: AppStore; calls: { op: string; request: unknown }[] }> {
  const { host, calls } = fakeHost(opts);
  const { client } = inProcessWorker(db);
  const store = createAppStore({ host, worker: client });
  await store.getState().openSample();
  return { store, calls };
}

describe('applying a mapping', () => {
  it('a mapping the host refuses leaves the open dataset as it was and keeps the mapping with the reason', async () => {
    const { store, calls } = await openedStore();
    const before = store.getState().dataset;
    expect(before.status).toBe('ready');
    const ok = await store.getState().applyMapping({ ts: 'nope', visitor_id: 'v', event_type: 'e' });
    expect(ok).toBe(false);
    expect(calls.filter((c) => c.op === 'setMapping')).toHaveLength(1);
    const after = store.getState().dataset;
    expect(after.status).toBe('ready');
    expect(after.opened).toEqual(before.opened);
    expect(after.summary).toEqual(before.summary);
    expect(after.rejectedMapping).toEqual({
      mapping: { ts: 'nope', visitor_id: 'v', event_type: 'e' },
      error: expect.stringMatching(/column "nope" is missing/),
    });
    // a mapping the host accepts reopens the dataset and clears the rejection
    expect(await store.getState().applyMapping({ ts: 'timestamp' })).toBe(true);
    expect(store.getState().dataset.rejectedMapping).toBeNull();
    expect(store.getState().dataset.status).toBe('ready');
  });
});

describe('opening data', () => {
  it('opens the sample: profile, cube into the worker, Overview, preset comparison, recent folders', async () => {
    const statuses: string[] = [];
    const { host, calls } = fakeHost();
    const { client } = inProcessWorker(db);
    const store = createAppStore({ host, worker: client });
    const progress: string[] = [];
    store.subscribe((s) => {
      if (statuses.at(-1) !== s.dataset.status) statuses.push(s.dataset.status);
      if (s.dataset.progress) progress.push(s.dataset.progress.message);
    });
    await store.getState().openSample();
    const s = store.getState();
    expect(statuses).toEqual(['opening', 'cube', 'loading', 'ready']);
    expect(progress).toContain('Scanning 3/10 files');
    expect(s.view).toBe('overview');
    expect(s.dataset.summary!.dates).toEqual(data.dates);
    expect(s.dataset.preview!.rows).toHaveLength(1);
    const last = data.dates.at(-1)!;
    expect(s.comparison).toEqual({
      incident: { from: addDays(last, -13), to: last },
      baseline: { from: addDays(last, -13 - 56), to: addDays(last, -14) },
      source: 'preset',
    });
    expect(calls.find((c) => c.op === 'cube')!.request).toEqual({
      datasetId: 'ds-1',
      dimensions: ['device', 'os', 'browser'],
      grain: 'day',
    });
    await expect.poll(() => store.getState().recent.length).toBe(1);
  });

  it('stays on the Data view when files were skipped, so the warning is seen', async () => {
    const { store } = await openedStore({ skipped: [{ file: 'bad.parquet', reason: 'corrupt' }] });
    expect(store.getState().dataset.status).toBe('ready');
    expect(store.getState().view).toBe('data');
  });

  it('shows the host’s specific error and stays usable', async () => {
    const { store } = await openedStore();
    await store.getState().openFolder('/nope');
    expect(store.getState().dataset.status).toBe('error');
    expect(store.getState().dataset.error).toBe('Folder not found: /nope');
    await store.getState().openSample();
    expect(store.getState().dataset.status).toBe('ready');
    expect(store.getState().dataset.error).toBeNull();
  });

  it('cancels a running open without an error', async () => {
    const { host } = fakeHost({ hang: true });
    const { client } = inProcessWorker(db);
    const store = createAppStore({ host, worker: client });
    const p = store.getState().openFolder('/data/big');
    await expect.poll(() => store.getState().dataset.progress?.files).toBe(3);
    store.getState().cancelOpen();
    await p;
    expect(store.getState().dataset.status).toBe('idle');
    expect(store.getState().dataset.error).toBeNull();
  });

  it('chooses the data dimensions for the cube, not the derived time parts', () => {
    expect(cubeDimensions({ datasetId: 'ds-1', folder: '/x', sample: false, profile: profile() })).toEqual([
      'device',
      'os',
      'browser',
    ]);
  });
});

describe('period, comparison and drill-down', () => {
  let store: AppStore;
  beforeAll(async () => {
    ({ store } = await openedStore());
  });

  it('a brushed period becomes the incident with the 8 weeks before as baseline', () => {
    const last = data.dates.at(-1)!;
    store.getState().setPeriod({ from: addDays(last, -6), to: addDays(last, 30) });
    const s = store.getState();
    expect(s.period).toEqual({ from: addDays(last, -6), to: last }); // clamped to the data
    expect(s.comparison).toEqual({
      incident: { from: addDays(last, -6), to: last },
      baseline: { from: addDays(last, -62), to: addDays(last, -7) },
      source: 'brush',
    });
    store.getState().setBaselineWeeks(2);
    expect(store.getState().comparison!.baseline).toEqual({
      from: addDays(last, -20),
      to: addDays(last, -7),
    });
    store.getState().setPeriod(null);
    expect(store.getState().comparison!.source).toBe('preset');
    expect(store.getState().period).toBeNull();
  });

  it('a brush at the very start keeps the previous comparison (no room for a baseline)', () => {
    const before = store.getState().comparison;
    store.getState().setPeriod({ from: data.dates[0], to: data.dates[3] });
    expect(store.getState().period).toEqual({ from: data.dates[0], to: data.dates[3] });
    expect(store.getState().comparison).toEqual(before);
  });

  it('drills device ▸ os ▸ browser in any order and back', () => {
    const st = store.getState;
    st().drillInto('os', 'ios');
    expect(st().drill).toEqual({ os: 'ios' });
    expect(st().drillDimension).toBe('device');
    st().drillInto('device', 'mobile');
    expect(st().drillDimension).toBe('browser');
    st().drillBack(1);
    expect(st().drill).toEqual({ os: 'ios' });
    expect(st().drillDimension).toBe('device');
    st().drillTo({ device: 'mobile' }, 'browser');
    expect(st().drill).toEqual({ device: 'mobile' });
    expect(st().drillDimension).toBe('browser');
    expect(st().view).toBe('rootcause');
  });

  it('refuses invalid detector settings with the detector’s message and keeps the last valid ones', () => {
    const st = store.getState;
    st().setSettings({ sigma: 2.5 });
    expect(st().settings.sigma).toBe(2.5);
    st().setSettings({ sigma: -1 });
    expect(st().settings.sigma).toBe(2.5);
    expect(st().settingsError).toMatch(/sigma must be > 0/);
    st().setProfile('seed');
    expect(st().settings).toMatchObject({ profile: 'seed', sigma: 2, weeks: 4, streak: 3 });
    expect(st().settingsError).toBeNull();
  });
});
