/**
 * The worker request `liveToday` (renderer/worker/live.ts) through the analysis engine on DuckDB-WASM (Node
 * bundle): an hour-grain Arrow cube as the host sends it gives the same result as core/live.ts on the same
 * rows; a day-grain cube is refused with a clear message. Also the remembered Live ▸ Connect settings.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisEngine } from '../../renderer/worker/engine.js';
import { openNodeDb } from './renderer-support.js';
import { liveNowOf, liveToday, type LiveHourRow } from '../../core/live.js';
import { DEFAULT_SETTINGS } from '../../core/detector.js';
import { SettingsStore } from '../../electron/settings-store.js';

function rows(): LiveHourRow[] {
  const out: LiveHourRow[] = [];
  for (let k = 35; k >= 0; k--) {
    const date = new Date(Date.parse('2015-09-15T00:00:00Z') - k * 86_400_000).toISOString().slice(0, 10);
    for (let hour = 0; hour < (k === 0 ? 12 : 24); hour++)
      for (const device of ['desktop', 'mobile'])
        for (const browser of ['safari', 'chrome']) {
          const broken = k === 0 && hour >= 6 && device === 'mobile' && browser === 'safari';
          out.push({
            date,
            hour,
            dims: { device, browser },
            views: 200 + hour,
            carts: 20,
            purchases: broken ? 0 : 6 + ((k + hour) % 3),
          });
        }
  }
  return out;
}

describe('worker liveToday', () => {
  let db: Awaited<ReturnType<typeof openNodeDb>>;
  let engine: AnalysisEngine;
  beforeAll(async () => {
    db = await openNodeDb();
    engine = new AnalysisEngine(db);
  });
  afterAll(() => db?.close());

  it('equals core liveToday on the same rows', async () => {
    const r = rows();
    const cube = tableToIPC(
      tableFromArrays({
        date: r.map((x) => x.date),
        hour: Int32Array.from(r.map((x) => x.hour)),
        device: r.map((x) => x.dims.device as string),
        browser: r.map((x) => x.dims.browser as string),
        views: Int32Array.from(r.map((x) => x.views)),
        carts: Int32Array.from(r.map((x) => x.carts)),
        purchases: Int32Array.from(r.map((x) => x.purchases)),
        revenue: Float64Array.from(r.map(() => 0)),
      }),
      'stream',
    );
    const settings = DEFAULT_SETTINGS.robust;
    const now = '2015-09-15T11:45:00.000Z';
    const res = await engine.run({
      type: 'liveToday',
      cube,
      dimensions: ['device', 'os', 'browser'],
      settings,
      now,
    });
    const expected = liveToday(r, { dimensions: ['device', 'browser'], settings, now: liveNowOf(now) })!;
    expect(res).not.toBeNull();
    const { cubeRows, ms, ...rest } = res!;
    expect(cubeRows).toBe(r.length);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(rest).toEqual(expected);
    expect(rest.dimensions).toEqual(['device', 'browser']); // os is not in this cube
    const flagged = rest.segments.filter((s) => s.level === 2);
    expect(flagged.map((s) => s.segment)).toEqual([{ device: 'mobile', browser: 'safari' }]);
  });

  it('refuses a cube without hours', async () => {
    const cube = tableToIPC(tableFromArrays({ date: ['2015-09-01'], views: Int32Array.from([1]) }), 'stream');
    await expect(
      engine.run({ type: 'liveToday', cube, dimensions: [], settings: DEFAULT_SETTINGS.robust, now: null }),
    ).rejects.toThrow(/no "hour" column/);
  });
});

describe('remembered Live ▸ Connect settings', () => {
  it('round-trips through the settings file, without empty fields', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fs-live-settings-'));
    const a = new SettingsStore(dir);
    expect(a.liveSettings()).toBeNull();
    a.setLiveSettings({ brokers: '127.0.0.1:9092', topic: 'clicks', group: '', folder: '/data/live' });
    const b = new SettingsStore(dir);
    expect(b.liveSettings()).toEqual({ brokers: '127.0.0.1:9092', topic: 'clicks', folder: '/data/live' });
    expect(b.warning).toBeNull();
  });
});
