/**
 * The host contract: request schemas accept what the renderer sends and reject the rest with messages that name
 * the field; the renderer client speaks the same envelope over a fake Electron bridge (the transport edge).
 */
import { describe, expect, it, vi } from 'vitest';
import {
  HOST_ERROR_CODES,
  HostError,
  LONG_OPERATIONS,
  OPERATION_NAMES,
  operations,
  parseRequest,
  type HostResult,
  MAX_EXPORT_SCAN_ROWS,
} from '../../core/contract.js';
import { createHostClient, type FunnelscopeBridge } from '../../renderer/host/client.js';

const errorOf = (fn: () => unknown): HostError => {
  try {
    fn();
  } catch (e) {
    return e as HostError;
  }
  throw new Error('expected an error');
};

describe('operations', () => {
  it('names the operations the renderer needs, with the long ones marked', () => {
    for (const op of [
      'openFolder',
      'openSample',
      'profile',
      'preview',
      'cube',
      'setMapping',
      'recentFolders',
      'cancel',
      'hostInfo',
      'exportReport',
      'exportScan',
    ]) {
      expect(OPERATION_NAMES).toContain(op);
    }
    expect([...LONG_OPERATIONS].sort()).toEqual([
      'cube',
      'exportReport',
      'exportScan',
      'openFolder',
      'openSample',
      'setMapping',
    ]);
    expect(OPERATION_NAMES.filter((op) => operations[op].binary)).toEqual(['cube', 'businessCube']);
  });

  it('accepts valid requests and fills defaults', () => {
    expect(parseRequest('preview', { datasetId: 'ds-1-abc' })).toEqual({ datasetId: 'ds-1-abc', rows: 20 });
    expect(
      parseRequest('cube', {
        datasetId: 'ds-1',
        dimensions: ['device', 'os'],
        grain: 'hour',
        from: '2015-09-01',
        to: '2015-09-14',
      }),
    ).toEqual({
      datasetId: 'ds-1',
      dimensions: ['device', 'os'],
      grain: 'hour',
      from: '2015-09-01',
      to: '2015-09-14',
    });
    expect(
      parseRequest('openFolder', { folder: '/data/x', mapping: { layout: 'cosmetics', price: null } }),
    ).toEqual({
      folder: '/data/x',
      mapping: { layout: 'cosmetics', price: null },
    });
    expect(parseRequest('openSample', undefined)).toEqual({});
  });

  it('rejects bad requests naming every offending field', () => {
    const e = errorOf(() =>
      parseRequest('cube', {
        datasetId: 'x',
        dimensions: ['a b', 'a b'],
        grain: 'week',
        to: '2015-13-01',
        more: 1,
      }),
    );
    expect(e).toBeInstanceOf(HostError);
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toMatch(/^Invalid request for "cube": /);
    expect(e.message).toContain('datasetId: must look like "ds-…"');
    expect(e.message).toContain('dimensions[0]: must be a column name');
    expect(e.message).toContain('dimensions: must not repeat a dimension');
    expect(e.message).toContain('grain: must be "day" or "hour"');
    expect(e.message).toContain('to: is not a valid calendar date');
    expect(e.message).toContain('unknown field(s) "more"');
  });

  it('rejects dates in the wrong order, calendar-invalid dates, and SQL-ish dimension names', () => {
    expect(
      errorOf(() =>
        parseRequest('cube', {
          datasetId: 'ds-1',
          dimensions: [],
          grain: 'day',
          from: '2015-09-10',
          to: '2015-09-01',
        }),
      ).message,
    ).toBe('Invalid request for "cube": from: from must not be after to');
    expect(
      errorOf(() =>
        parseRequest('cube', { datasetId: 'ds-1', dimensions: [], grain: 'day', from: '2015-02-29' }),
      ).message,
    ).toContain('from: is not a valid calendar date');
    expect(
      errorOf(() =>
        parseRequest('cube', { datasetId: 'ds-1', dimensions: ['device"; DROP TABLE x; --'], grain: 'day' }),
      ).message,
    ).toContain('dimensions[0]: must be a column name');
  });

  it('exportScan validates format, rows (at most MAX_EXPORT_SCAN_ROWS) and segments against the dimensions', () => {
    const row = {
      segment: { device: 'mobile', os: 'ios' },
      level: 2,
      daysChecked: 30,
      anomalousDays: 3,
      criticalPeriods: [{ start: '2015-09-01', end: '2015-09-04', days: 4 }],
      firstCritical: '2015-09-01',
      worstSigma: -5.1,
      purchasesLost: 40,
      revenueLost: 1234.5,
    };
    const ok = { datasetId: 'ds-1', format: 'parquet', dimensions: ['device', 'os'], rows: [row] };
    expect(parseRequest('exportScan', ok)).toEqual({ ...ok, grain: 'day' });
    const msg = (request: Record<string, unknown>) =>
      errorOf(() => parseRequest('exportScan', { ...ok, ...request })).message;
    expect(msg({ format: 'xlsx' })).toBe(
      'Invalid request for "exportScan": format: must be "csv" or "parquet"',
    );
    const many = new Array(MAX_EXPORT_SCAN_ROWS + 1).fill(row);
    expect(msg({ rows: many })).toBe(
      `Invalid request for "exportScan": rows: at most ${MAX_EXPORT_SCAN_ROWS} rows`,
    );
    expect(parseRequest('exportScan', { ...ok, rows: many.slice(1) }).rows).toHaveLength(
      MAX_EXPORT_SCAN_ROWS,
    );
    expect(msg({ dimensions: ['device'] })).toBe(
      'Invalid request for "exportScan": rows: every row\'s segment must use only the listed dimensions',
    );
    expect(msg({ rows: [{ ...row, firstCritical: 'yesterday' }] })).toBe(
      'Invalid request for "exportScan": rows[0].firstCritical: must be a date YYYY-MM-DD',
    );
    expect(msg({ fileName: '../etc/passwd' })).toBe(
      'Invalid request for "exportScan": fileName: must be a plain file name',
    );
    expect(msg({ datasetId: undefined })).toMatch(/datasetId/);
  });

  it('exportReport takes what the analyst has on screen, with the profile default filled', () => {
    const full = {
      datasetId: 'ds-1-abc',
      segment: { device: 'mobile', os: 'ios', browser: 'safari' },
      baseline: { from: '2015-07-10', to: '2015-09-03' },
      incident: { from: '2015-09-04', to: '2015-09-17' },
      settings: { profile: 'seed', sigma: 2, weeks: 4, streak: 3, minViews: 0, directions: ['drop'] },
      dimensions: ['device', 'os', 'browser'],
    };
    expect(parseRequest('exportReport', full)).toEqual(full);
    expect(parseRequest('exportReport', { datasetId: 'ds-1', settings: { sigma: 2.5 } })).toEqual({
      datasetId: 'ds-1',
      settings: { profile: 'robust', sigma: 2.5 },
    });
  });

  it('exportReport refuses bad periods, a baseline not before the incident and bad dimensions, by field', () => {
    const bad = (request: Record<string, unknown>) =>
      errorOf(() => parseRequest('exportReport', { datasetId: 'ds-1', ...request }));
    expect(bad({ incident: { from: '2015-09-17', to: '2015-09-04' } }).message).toBe(
      'Invalid request for "exportReport": incident.from: from must not be after to',
    );
    expect(bad({ baseline: { from: '2015-09-31', to: '2015-10-02' } }).message).toBe(
      'Invalid request for "exportReport": baseline.from: is not a valid calendar date',
    );
    expect(bad({ incident: { from: '4 Sep 2015', to: '2015-09-17' } }).message).toBe(
      'Invalid request for "exportReport": incident.from: must be a date YYYY-MM-DD',
    );
    expect(bad({ incident: { from: '2015-09-04' } }).message).toBe(
      'Invalid request for "exportReport": incident.to: must be a date string YYYY-MM-DD',
    );
    expect(bad({ incident: '2015-09-04..2015-09-17' }).message).toBe(
      'Invalid request for "exportReport": incident: must be a period {from, to}',
    );
    // the baseline must end before the incident starts (overlap and "after" alike)
    for (const baseline of [
      { from: '2015-09-20', to: '2015-10-01' },
      { from: '2015-08-01', to: '2015-09-04' },
    ]) {
      const err = bad({ baseline, incident: { from: '2015-09-04', to: '2015-09-17' } });
      expect(err.code).toBe('INVALID_REQUEST');
      expect(err.message).toBe(
        'Invalid request for "exportReport": baseline: the baseline must end before the incident starts',
      );
    }
    expect(bad({ dimensions: ['device', 'device'] }).message).toBe(
      'Invalid request for "exportReport": dimensions: must not repeat a dimension',
    );
    expect(bad({ dimensions: [] }).message).toBe(
      'Invalid request for "exportReport": dimensions: must name at least one dimension',
    );
    expect(bad({ dimensions: ['device', 'os; DROP TABLE x'] }).message).toContain(
      'dimensions[1]: must be a column name',
    );
    expect(bad({ segment: { 'bad dim': 'x' } }).message).toContain(
      'segment.bad dim: must be a dimension name',
    );
    expect(bad({ segment: { device: '' } }).message).toBe(
      'Invalid request for "exportReport": segment.device: must not be empty',
    );
    expect(bad({ settings: { profile: 'fancy' } }).message).toBe(
      'Invalid request for "exportReport": settings.profile: must be "seed" or "robust"',
    );
    expect(bad({ settings: { sigma: 0, weeks: 2.5, streak: 0, minViews: -1 } }).message).toBe(
      'Invalid request for "exportReport": settings.sigma: must be greater than 0; settings.weeks: must be a whole number of weeks; settings.streak: must be at least 1; settings.minViews: must not be negative',
    );
    expect(bad({ settings: { spikes: true } }).message).toBe(
      'Invalid request for "exportReport": settings: unknown field(s) "spikes"',
    );
    expect(bad({ report: {} }).message).toBe('Invalid request for "exportReport": unknown field(s) "report"');
    expect(HOST_ERROR_CODES).toContain('REPORT_UNAVAILABLE');
    expect(HOST_ERROR_CODES).toContain('REPORT_FAILED');
  });

  it('validates mappings with the mapping-file schema of core/schema.ts', () => {
    const e = errorOf(() =>
      parseRequest('setMapping', { datasetId: 'ds-1', mapping: { layout: 'nope', timeFormat: 'weird' } }),
    );
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toContain('mapping.layout');
    expect(e.message).toContain('mapping.timeFormat');
    expect(errorOf(() => parseRequest('openFolder', { folder: '/x', mapping: [] })).message).toContain(
      'mapping:',
    );
  });

  it('bounds sizes and rejects unknown operations', () => {
    expect(errorOf(() => parseRequest('preview', { datasetId: 'ds-1', rows: 5000 })).message).toBe(
      'Invalid request for "preview": rows: must be at most 1000',
    );
    expect(errorOf(() => parseRequest('openFolder', { folder: '' })).message).toBe(
      'Invalid request for "openFolder": folder: must not be empty',
    );
    const unknown = errorOf(() => parseRequest('rm -rf', {}));
    expect(unknown.code).toBe('UNKNOWN_OPERATION');
    expect(unknown.message).toContain('Unknown operation "rm -rf"');
    expect(errorOf(() => parseRequest('__proto__', {})).code).toBe('UNKNOWN_OPERATION');
    expect(errorOf(() => parseRequest('toString', {})).code).toBe('UNKNOWN_OPERATION');
  });

  it('serializes errors as {code, message}', () => {
    expect(new HostError('FOLDER_NOT_FOUND', 'Folder not found: /x').toPayload()).toEqual({
      code: 'FOLDER_NOT_FOUND',
      message: 'Folder not found: /x',
    });
    expect(HOST_ERROR_CODES).toContain('CANCELLED');
  });
});

describe('renderer client over the Electron bridge', () => {
  function fakeBridge(
    answer: (op: string, request: unknown, id?: string) => HostResult<unknown> | Promise<HostResult<unknown>>,
  ) {
    const progress = new Set<(e: unknown) => void>();
    const menu = new Set<(e: unknown) => void>();
    const bridge: FunnelscopeBridge & {
      calls: [string, unknown, string | undefined][];
      fireProgress(e: unknown): void;
      fireMenu(c: unknown): void;
    } = {
      transport: 'electron',
      calls: [],
      invoke: vi.fn(async (op: string, request: unknown, id?: string) => {
        bridge.calls.push([op, request, id]);
        return answer(op, request, id);
      }),
      onProgress: (l) => {
        progress.add(l as never);
        return () => progress.delete(l as never);
      },
      onMenu: (l) => {
        menu.add(l as never);
        return () => menu.delete(l as never);
      },
      onEvent: (l) => {
        const p = (e: unknown) => l(e as never);
        const m = (c: unknown) => l({ type: 'command', payload: c } as never);
        progress.add(p);
        menu.add(m);
        return () => {
          progress.delete(p);
          menu.delete(m);
        };
      },
      fireProgress: (e) => progress.forEach((l) => l(e)),
      fireMenu: (c) => menu.forEach((l) => l(c)),
    };
    (globalThis as { funnelscope?: unknown }).funnelscope = bridge;
    return bridge;
  }

  it('uses window.funnelscope when present and returns data or throws HostError', async () => {
    const bridge = fakeBridge((op) =>
      op === 'profile'
        ? { ok: false, error: { code: 'DATASET_NOT_FOUND', message: 'Dataset ds-1 is not open' } }
        : { ok: true, data: { folders: [] } },
    );
    const client = createHostClient();
    expect(client.transport).toBe('electron');
    await expect(client.invoke('recentFolders', {})).resolves.toEqual({ folders: [] });
    const err = await client.invoke('profile', { datasetId: 'ds-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).code).toBe('DATASET_NOT_FOUND');
    expect((err as HostError).message).toBe('Dataset ds-1 is not open');
    expect(bridge.calls[0]![0]).toBe('recentFolders');
    expect(typeof bridge.calls[0]![2]).toBe('string');
    client.close();
  });

  it('routes progress to the request that asked for it, and commands to onCommand', async () => {
    let release!: () => void;
    const bridge = fakeBridge(async (op) => {
      if (op === 'openSample') await new Promise<void>((r) => (release = r));
      return { ok: true, data: { datasetId: 'ds-1' } };
    });
    const client = createHostClient();
    const mine = vi.fn();
    const all = vi.fn();
    const commands = vi.fn();
    client.onProgress(all);
    client.onCommand(commands);
    const p = client.invoke('openSample', {}, { requestId: 'open-1', onProgress: mine });
    await Promise.resolve();
    bridge.fireProgress({ type: 'progress', requestId: 'open-1', rows: 10 });
    bridge.fireProgress({ type: 'progress', requestId: 'other', rows: 20 });
    bridge.fireMenu({ command: 'openSample' });
    release();
    await p;
    expect(mine).toHaveBeenCalledTimes(1);
    expect(mine.mock.calls[0]![0]).toMatchObject({ requestId: 'open-1' });
    expect(all).toHaveBeenCalledTimes(2);
    expect(commands).toHaveBeenCalledWith({ command: 'openSample' });
    client.close();
  });

  it('an aborted signal sends cancel {requestId} and rejects with CANCELLED at once', async () => {
    const bridge = fakeBridge((op) =>
      op === 'cancel' ? { ok: true, data: { cancelled: true } } : new Promise(() => undefined),
    );
    const client = createHostClient();
    const controller = new AbortController();
    const p = client.invoke(
      'cube',
      { datasetId: 'ds-1', dimensions: [], grain: 'day' },
      { requestId: 'cube-9', signal: controller.signal },
    );
    controller.abort();
    const err = await p.catch((e: unknown) => e);
    expect((err as HostError).code).toBe('CANCELLED');
    await Promise.resolve();
    expect(bridge.calls.find((c) => c[0] === 'cancel')?.[1]).toEqual({ requestId: 'cube-9' });
    client.close();
    delete (globalThis as { funnelscope?: unknown }).funnelscope;
  });

  it('a signal aborted before the call rejects with CANCELLED and sends nothing to the host', async () => {
    const bridge = fakeBridge(() => new Promise(() => undefined));
    const client = createHostClient();
    const controller = new AbortController();
    controller.abort();
    const err = await client
      .invoke('cube', { datasetId: 'ds-1', dimensions: [], grain: 'day' }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect((err as HostError).code).toBe('CANCELLED');
    await Promise.resolve();
    expect(bridge.calls).toEqual([]);
    client.close();
    delete (globalThis as { funnelscope?: unknown }).funnelscope;
  });
});
