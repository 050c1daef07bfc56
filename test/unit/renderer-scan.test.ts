/**
 * The Scan view's worker and store parts: the scan cube loaded through DuckDB-WASM (blocking Node bundle,
 * autoload off), core scan/compare/replay run by the worker protocol and checked against core called directly on
 * the same rows, the store's scan orchestration with a host at the transport edge, the CSV export and the
 * incident-report request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { settingsFor } from '../../core/detector.js';
import { compareScans, incidentReplay, scan } from '../../core/scan.js';
import type { Cube } from '../../core/types.js';
import { HostError, type OpenDatasetResult } from '../../core/contract.js';
import type { HostClient, InvokeOptions } from '../../renderer/host/client.js';
import { AnalysisEngine } from '../../renderer/worker/engine.js';
import { isCancelled, type ScanParams } from '../../renderer/worker/protocol.js';
import { createAppStore, reportRequestOf } from '../../renderer/state/store.js';
import { scanCsv } from '../../renderer/lib/csv.js';
import { inProcessWorker, openNodeDb, syntheticCube, type SyntheticCube } from './renderer-support.js';

type Db = Awaited<ReturnType<typeof openNodeDb>>;
let db: Db;
let data: SyntheticCube;
let cube: Cube;
const DIMS = ['device', 'os', 'browser'];

beforeAll(async () => {
  db = await openNodeDb();
  data = syntheticCube();
  cube = {
    dimensions: DIMS,
    grain: 'day',
    rows: data.rows.map((r) => ({
      date: r.date,
      views: r.views,
      carts: r.carts,
      purchases: r.purchases,
      revenue: r.revenue,
      dims: { device: r.device, os: r.os, browser: r.browser },
    })),
  };
}, 60_000);
afterAll(() => db?.close());

const params = (p: Partial<ScanParams> = {}): ScanParams => ({
  dimensions: DIMS,
  minLevel: 1,
  maxLevel: 3,
  range: null,
  grain: 'day',
  spikes: false,
  minViewsPerDay: 0,
  ...p,
});

const SAFARI = 'browser=safari,device=mobile,os=ios';

describe('worker: scan requests', () => {
  it('loads the scan cube and scans exactly as core does on the same rows; reuses the index on a settings change', async () => {
    const engine = new AnalysisEngine(db);
    const cs = await engine.run({ type: 'scanCube', cube: data.bytes, key: 'k1', dimensions: DIMS });
    expect(cs).toMatchObject({ key: 'k1', rows: data.rows.length, dimensions: DIMS, grain: 'day' });
    expect(cs.range).toEqual({ from: data.dates[0], to: data.dates.at(-1) });

    const robust = settingsFor('robust');
    const first = await engine.run({ type: 'scan', params: params(), settings: robust });
    const direct = scan(cube, { dimensions: DIMS, settings: robust, directions: ['drop'] });
    expect(first.indexReused).toBe(false);
    expect(first.result.segments.map((r) => r.key)).toEqual(direct.segments.map((r) => r.key));
    expect(first.result.segments.map((r) => r.criticalPeriods)).toEqual(
      direct.segments.map((r) => r.criticalPeriods),
    );
    expect(first.result.daily?.codes).toEqual(direct.daily?.codes);
    // 3 + (2+3+2... ) segments: every value, pair and triple that occurs, plus all traffic
    expect(first.result.segments.some((r) => r.level === 0)).toBe(true);
    const safari = first.result.segments.find((r) => r.key === SAFARI)!;
    expect(safari.criticalPeriods.length).toBeGreaterThan(0);
    expect(safari.firstCritical! >= data.incidentFrom).toBe(true);
    // healthy desktop chrome raises nothing
    expect(
      first.result.segments.find((r) => r.key === 'browser=chrome,device=desktop,os=windows')!
        .criticalPeriods,
    ).toEqual([]);

    const seed = settingsFor('seed');
    const second = await engine.run({ type: 'scan', params: params(), settings: seed });
    expect(second.indexReused).toBe(true);
    const directSeed = scan(cube, { dimensions: DIMS, settings: seed, directions: ['drop'] });
    expect(second.result.segments.map((r) => [r.key, r.anomalousDays])).toEqual(
      directSeed.segments.map((r) => [r.key, r.anomalousDays]),
    );
    // new levels: a new index
    const third = await engine.run({ type: 'scan', params: params({ maxLevel: 1 }), settings: seed });
    expect(third.indexReused).toBe(false);
    expect(Math.max(...third.result.segments.map((r) => r.level))).toBe(1);
  });

  it('range, spikes and the volume filter reach core', async () => {
    const engine = new AnalysisEngine(db);
    await engine.run({ type: 'scanCube', cube: data.bytes, key: 'k', dimensions: DIMS });
    const range = { from: data.dates.at(-20)!, to: data.dates.at(-1)! };
    const r = await engine.run({
      type: 'scan',
      params: params({ range, spikes: true, minViewsPerDay: 1000 }),
      settings: settingsFor('robust'),
    });
    const direct = scan(cube, {
      dimensions: DIMS,
      range,
      settings: settingsFor('robust'),
      directions: ['drop', 'spike'],
      minViewsPerDay: 1000,
    });
    expect(r.result.range).toEqual(range);
    expect(r.result.settings.directions).toEqual(['drop', 'spike']);
    expect(r.result.skipped).toBe(direct.skipped);
    expect(r.result.skipped).toBeGreaterThan(0);
    expect(r.result.segments.map((x) => x.key)).toEqual(direct.segments.map((x) => x.key));
  });

  it('what-if compares two settings as core compareScans does', async () => {
    const engine = new AnalysisEngine(db);
    await engine.run({ type: 'scanCube', cube: data.bytes, key: 'k', dimensions: DIMS });
    const a = settingsFor('seed', { sigma: 1.5, weeks: 4 });
    const b = settingsFor('robust', { sigma: 3, weeks: 8 });
    const r = await engine.run({ type: 'whatif', params: params(), a, b });
    const direct = compareScans(
      scan(cube, { dimensions: DIMS, settings: a, directions: ['drop'] }),
      scan(cube, { dimensions: DIMS, settings: b, directions: ['drop'] }),
    );
    expect(r.comparison.onlyA.map((x) => [x.key, x.start])).toEqual(
      direct.onlyA.map((x) => [x.key, x.start]),
    );
    expect(r.comparison.onlyB.map((x) => [x.key, x.start])).toEqual(
      direct.onlyB.map((x) => [x.key, x.start]),
    );
    expect(r.comparison.both.length).toBe(direct.both.length);
    expect(r.a.settings.sigma).toBe(1.5);
    expect(r.b.settings.weeks).toBe(8);
    expect(r.a.daily).toBeUndefined();
  });

  it('incident replay: given, and taken from the detector', async () => {
    const engine = new AnalysisEngine(db);
    await engine.run({ type: 'scanCube', cube: data.bytes, key: 'k', dimensions: DIMS });
    const list = [settingsFor('robust'), settingsFor('seed')];
    const incident = {
      segment: { device: 'mobile', os: 'ios', browser: 'safari' },
      start: data.incidentFrom,
    };
    const r = await engine.run({ type: 'replay', params: params(), incident, settingsList: list });
    const direct = incidentReplay(cube, incident, list, { dimensions: DIMS, minLevel: 1, maxLevel: 3 });
    expect(r.suggested).toBe(false);
    expect(r.outcomes.map((o) => [o.delayDays, o.falseCritical, o.relatedCritical])).toEqual(
      direct.map((o) => [o.delayDays, o.falseCritical, o.relatedCritical]),
    );
    expect(r.outcomes[0].delayDays).not.toBeNull();
    expect(r.outcomes[0].delayDays!).toBeLessThanOrEqual(5);

    const sug = await engine.run({ type: 'replay', params: params(), incident: null, settingsList: list });
    expect(sug.suggested).toBe(true);
    expect(sug.incident.segment).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    expect(sug.outcomes).toHaveLength(2);
  });

  it('specific errors: no cube, unknown dimension, hour grain on a day cube, replay segment outside the dims', async () => {
    const engine = new AnalysisEngine(db);
    await expect(
      engine.run({ type: 'scan', params: params(), settings: settingsFor('robust') }),
    ).rejects.toThrow(/no scan cube loaded/);
    await engine.run({ type: 'scanCube', cube: data.bytes, key: 'k', dimensions: DIMS });
    await expect(
      engine.run({
        type: 'scan',
        params: params({ dimensions: ['country'] }),
        settings: settingsFor('robust'),
      }),
    ).rejects.toThrow(/does not have the dimension\(s\) country/);
    await expect(
      engine.run({ type: 'scan', params: params({ grain: 'hour' }), settings: settingsFor('robust') }),
    ).rejects.toThrow(/needs an hour cube/);
    await expect(
      engine.run({
        type: 'replay',
        params: params(),
        incident: { segment: { country: 'de' }, start: data.incidentFrom },
        settingsList: [settingsFor('robust')],
      }),
    ).rejects.toThrow(/"country", which is not among the scanned dimensions/);
    await expect(
      engine.run({ type: 'scanCube', cube: data.bytes, key: 'k', dimensions: ['country'] }),
    ).rejects.toThrow(/lacks the dimension\(s\) country/);
  });

  it('hour grain: an hour cube scans per hour through the protocol', async () => {
    // 10 weeks of hours for two segments; the second loses its purchases in the last two days
    const dates: string[] = [];
    const hour: number[] = [];
    const device: string[] = [];
    const views: number[] = [];
    const purchases: number[] = [];
    const start = Date.UTC(2024, 0, 1);
    for (let d = 0; d < 70; d++) {
      const date = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
      for (let h = 0; h < 24; h++)
        for (const dev of ['desktop', 'mobile']) {
          const v = 200 + 100 * Math.sin((h / 24) * Math.PI);
          dates.push(date);
          hour.push(h);
          device.push(dev);
          views.push(Math.round(v));
          purchases.push(dev === 'mobile' && d >= 68 ? 0 : Math.round(v * 0.05));
        }
    }
    const bytes = tableToIPC(
      tableFromArrays({
        date: dates,
        hour: Int32Array.from(hour),
        device,
        views: Float64Array.from(views),
        carts: Float64Array.from(views.map((v) => v * 0.1)),
        purchases: Float64Array.from(purchases),
        revenue: Float64Array.from(purchases.map((p) => p * 10)),
      }),
      'stream',
    );
    const engine = new AnalysisEngine(db);
    const cs = await engine.run({ type: 'scanCube', cube: bytes, key: 'h', dimensions: ['device'] });
    expect(cs.grain).toBe('hour');
    const r = await engine.run({
      type: 'scan',
      params: params({ dimensions: ['device'], maxLevel: 1, grain: 'hour' }),
      settings: settingsFor('robust'),
    });
    expect(r.result.grain).toBe('hour');
    expect(r.result.daily?.codes[0]).toHaveLength(70 * 24);
    const mobile = r.result.segments.find((x) => x.key === 'device=mobile')!;
    expect(mobile.criticalPeriods.length).toBeGreaterThan(0);
    expect(mobile.firstCritical! >= '2024-03-09').toBe(true);
    expect(r.result.segments.find((x) => x.key === 'device=desktop')!.criticalPeriods).toEqual([]);
  });

  it('a queued scan cancelled through the client never answers a result', async () => {
    const { client } = inProcessWorker(db);
    await client.request('scanCube', { cube: data.bytes.slice(), key: 'k', dimensions: DIMS });
    const p = client.request('scan', { params: params(), settings: settingsFor('robust') }, { key: 'scan' });
    const q = client.request('scan', { params: params(), settings: settingsFor('seed') }, { key: 'scan' });
    await expect(p).rejects.toSatisfy(isCancelled);
    const r = await q;
    expect(r.result.settings.profile).toBe('seed');
  });
});

describe('CSV export', () => {
  it('writes the CLI columns, one line per row, RFC 4180 quoting and empty nulls', () => {
    const res = scan(cube, { dimensions: DIMS, settings: settingsFor('robust'), directions: ['drop'] });
    const csv = scanCsv(res);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'device,os,browser,level,days_checked,anomalous_days,critical_periods,critical_period_count,first_critical,worst_sigma,purchases_lost,revenue_lost',
    );
    expect(lines).toHaveLength(res.segments.length + 1);
    const i = res.segments.findIndex((r) => r.key === SAFARI);
    const row = res.segments[i];
    const cells = lines[i + 1].split(',');
    expect(cells.slice(0, 3)).toEqual(['mobile', 'ios', 'safari']);
    expect(Number(cells[3])).toBe(3);
    expect(Number(cells[4])).toBe(row.daysChecked);
    expect(Number(cells[5])).toBe(row.anomalousDays);
    expect(cells[6]).toBe(row.criticalPeriods.map((p) => `${p.start}..${p.end}`).join('; '));
    expect(cells[8]).toBe(row.firstCritical);
    expect(Number(cells[10])).toBeCloseTo(row.purchasesLost, 4);
    // all traffic: every dimension empty
    const all = res.segments.findIndex((r) => r.level === 0);
    expect(lines[all + 1].startsWith(',,,0,')).toBe(true);
    // a subset of rows (the filtered table) and quoting
    const quoted = scanCsv({ ...res, segments: [] }, [
      { ...row, segment: { device: 'a,"b"', os: 'ios', browser: 'x' } },
    ]);
    expect(quoted.split('\r\n')[1].startsWith('"a,""b""",ios,x,')).toBe(true);
  });
});

// ------------------------------------------------------------------ store

function profile(): OpenDatasetResult['profile'] {
  return {
    layout: 'retailrocket',
    mapping: { ts: 'timestamp', dimensions: { device: 'device', os: 'os', browser: 'browser' } },
    files: { read: 10, skipped: [] },
    rows: { read: 1000, rejected: {}, duplicates: 0 },
    range: { from: data.dates[0], to: data.dates.at(-1)! },
    dimensions: { device: 3, os: 4, browser: 2, weekday: 7, hour_of_day: 24 },
  } as unknown as OpenDatasetResult['profile'];
}

function fakeHost(report: 'ok' | 'fail' = 'ok') {
  const calls: { op: string; request: unknown }[] = [];
  const host: HostClient = {
    transport: 'web',
    async invoke(op, request, options: InvokeOptions = {}) {
      calls.push({ op, request });
      switch (op) {
        case 'openSample':
          return { datasetId: 'ds-1', folder: 'sample', sample: true, profile: profile() } as never;
        case 'preview':
          return { columns: [], rows: [] } as never;
        case 'cube': {
          const dims = (request as { dimensions: string[] }).dimensions;
          if (dims.some((d) => !DIMS.includes(d)))
            throw new HostError('DATASET_ERROR', `unknown dimension ${dims.join(',')}`);
          return data.bytes.slice() as never;
        }
        case 'recentFolders':
          return { folders: [] } as never;
        case 'exportReport':
          options.onProgress?.({
            type: 'progress',
            requestId: 'r',
            op,
            phase: 'printing',
            files: 0,
            filesTotal: null,
            rows: 0,
            rowsPerSecond: null,
            etaSeconds: null,
            message: 'Printing the PDF',
          });
          if (report === 'fail')
            throw new HostError(
              'NOT_AVAILABLE',
              'Chromium was not found at /usr/bin/chromium: apt-get install -y chromium',
            );
          return { file: '/tmp/report.pdf', pages: 4, url: '/download/x.pdf' } as never;
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

describe('store: scan orchestration', () => {
  it('fetches the scan cube once per dimension set, runs the scan with progress, opens a segment in the calendar', async () => {
    const { host, calls } = fakeHost();
    const { client } = inProcessWorker(db);
    const store = createAppStore({ host, worker: client });
    await store.getState().openSample();
    const st = store.getState();
    expect(st.scanSetup).toMatchObject({
      dimensions: DIMS,
      minLevel: 1,
      maxLevel: 3,
      spikes: false,
      grain: 'day',
    });
    const phases: string[] = [];
    store.subscribe((s) => s.scanRun.progress && phases.push(s.scanRun.progress.phase));
    await store.getState().runScan();
    let s = store.getState();
    expect(s.scanRun.status).toBe('done');
    expect(s.scanRun.error).toBeNull();
    expect(phases).toContain('scanning segments');
    const safari = s.scanRun.result!.result.segments.find((r) => r.key === SAFARI)!;
    expect(safari.criticalPeriods.length).toBeGreaterThan(0);
    const cubeCalls = () =>
      calls.filter(
        (c) =>
          c.op === 'cube' &&
          (c.request as { dimensions: string[] }).dimensions.length === 3 &&
          JSON.stringify((c.request as { dimensions: string[] }).dimensions) === JSON.stringify(DIMS),
      );
    const before = cubeCalls().length;
    store.getState().setSettings({ sigma: 3 });
    await store.getState().runScan();
    s = store.getState();
    expect(cubeCalls().length).toBe(before); // settings change: no new cube
    expect(s.scanRun.result!.indexReused).toBe(true);
    expect(s.scanRun.result!.result.settings.sigma).toBe(3);

    store.getState().setScanSetup({ dimensions: ['device', 'os'] });
    expect(store.getState().scanSetup.maxLevel).toBe(2);
    await store.getState().runScan();
    expect(calls.filter((c) => c.op === 'cube').at(-1)!.request).toMatchObject({
      dimensions: ['device', 'os'],
      grain: 'day',
    });

    // the global brush is the default range
    store.getState().setPeriod({ from: data.dates.at(-14)!, to: data.dates.at(-1)! });
    expect(store.getState().scanParams().range).toEqual({ from: data.dates.at(-14), to: data.dates.at(-1) });

    expect(store.getState().openScanSegment({ device: 'mobile', os: 'ios', browser: 'safari' })).toBe(true);
    s = store.getState();
    expect(s.view).toBe('calendar');
    expect(s.calendarSegment).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    expect(s.drill).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    expect(store.getState().openScanSegment({ hour_of_day: '3' })).toBe(false);
  });

  it('a host error while fetching the scan cube is shown with its message; what-if and replay land in the store', async () => {
    const { host } = fakeHost();
    const { client } = inProcessWorker(db);
    const store = createAppStore({ host, worker: client });
    await store.getState().openSample();
    store.getState().setScanSetup({ dimensions: ['hour_of_day'] });
    await store.getState().runScan();
    expect(store.getState().scanRun.status).toBe('error');
    expect(store.getState().scanRun.error).toMatch(/unknown dimension hour_of_day/);

    store.getState().setScanSetup({ dimensions: DIMS });
    await store.getState().runWhatIf(settingsFor('seed'), settingsFor('robust', { sigma: 3, weeks: 8 }));
    const w = store.getState().whatIf;
    expect(w.status).toBe('done');
    expect(w.result!.a.settings.profile).toBe('seed');
    await store.getState().runReplay(null, [settingsFor('robust'), settingsFor('seed')]);
    const r = store.getState().replay;
    expect(r.status).toBe('done');
    expect(r.result!.incident.segment).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
  });
});

describe('store: export incident report', () => {
  it('sends the dataset, segment, periods and settings on screen; keeps the result and the download url', async () => {
    const { host, calls } = fakeHost();
    const { client } = inProcessWorker(db);
    const store = createAppStore({ host, worker: client });
    await store.getState().openSample();
    store.getState().openScanSegment({ device: 'mobile', os: 'ios', browser: 'safari' });
    store.getState().setSettings({ sigma: 2.5 });
    const req = reportRequestOf(store.getState());
    expect(req).toMatchObject({
      datasetId: 'ds-1',
      segment: { device: 'mobile', os: 'ios', browser: 'safari' },
      baseline: store.getState().comparison!.baseline,
      incident: store.getState().comparison!.incident,
      settings: { profile: 'robust', sigma: 2.5 },
      dimensions: DIMS,
    });
    await store.getState().exportReport();
    const e = store.getState().reportExport;
    expect(e.status).toBe('done');
    expect(e.result).toEqual({ file: '/tmp/report.pdf', pages: 4, url: '/download/x.pdf' });
    expect(calls.filter((c) => c.op === 'exportReport').at(-1)!.request).toEqual(req);
  });

  it("shows the host's specific message when the export fails", async () => {
    const { host } = fakeHost('fail');
    const { client } = inProcessWorker(db);
    const store = createAppStore({ host, worker: client });
    await store.getState().openSample();
    await store.getState().exportReport({ device: 'mobile' });
    const e = store.getState().reportExport;
    expect(e.status).toBe('error');
    expect(e.error).toMatch(/Chromium was not found/);
  });
});
