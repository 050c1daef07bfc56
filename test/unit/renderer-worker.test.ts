/**
 * The analysis worker's engine and protocol against real DuckDB-WASM (blocking Node bundle, autoload off) and
 * real core (detector, explain). Numbers are checked against independent sums of the generated rows and
 * against core explain (a second implementation of the same statistics).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../../core/explain.js';
import { settingsFor } from '../../core/detector.js';
import type { SqlDb } from '../../renderer/worker/engine.js';
import { AnalysisEngine } from '../../renderer/worker/engine.js';
import { isCancelled, type FromWorker } from '../../renderer/worker/protocol.js';
import { WorkerClient } from '../../renderer/worker/client.js';
import { addDays } from '../../renderer/lib/dates.js';
import { inProcessWorker, openNodeDb, syntheticCube, type SyntheticCube } from './renderer-support.js';

let db: SqlDb & { close(): void };
let engine: AnalysisEngine;
let data: SyntheticCube;

beforeAll(async () => {
  db = await openNodeDb();
  engine = new AnalysisEngine(db);
  data = syntheticCube();
  await engine.run({ type: 'load', cube: data.bytes });
}, 60_000);

afterAll(() => db?.close());

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('load', () => {
  it('summarises the Arrow IPC cube: dimensions, dates with the gap, values by views', async () => {
    const s = engine.current!.summary;
    expect(s.dimensions).toEqual(['device', 'os', 'browser']);
    expect(s.dates).toEqual(data.dates);
    expect(s.dates).not.toContain('2024-01-21'); // inside the gap
    expect(s.range).toEqual({ from: '2024-01-01', to: data.dates[data.dates.length - 1] });
    expect(s.values.device).toEqual(['desktop', 'mobile', 'tablet']);
    expect(s.rows).toBe(data.rows.length);
    expect(s.hasRevenue).toBe(true);
    expect(s.hasVisitors).toBe(true);
    expect(engine.current!.cube.rows).toHaveLength(data.rows.length);
  });

  it('rejects empty bytes and cubes without the funnel columns with specific messages', async () => {
    const other = new AnalysisEngine(db);
    await expect(other.run({ type: 'load', cube: new Uint8Array() })).rejects.toThrow(/cube is empty/);
    const { tableFromArrays, tableToIPC } = await import('apache-arrow');
    const bad = tableToIPC(
      tableFromArrays({ date: ['2024-01-01'], device: ['x'], views: Float64Array.from([1]) }),
      'stream',
    );
    await expect(other.run({ type: 'load', cube: bad })).rejects.toThrow(/no carts column/);
    await expect(
      other.run({ type: 'overview', period: null, segment: {}, dimension: 'device' }),
    ).rejects.toThrow(/no dataset loaded/);
  });
});

describe('overview', () => {
  it('KPIs equal independent sums over the period and the previous period', async () => {
    const period = { from: data.incidentFrom, to: data.dates[data.dates.length - 1] };
    const r = await engine.run({ type: 'overview', period, segment: {}, dimension: 'device' });
    const inP = data.rows.filter((x) => x.date >= period.from && x.date <= period.to);
    expect(r.kpis.views).toBe(sum(inP.map((x) => x.views)));
    expect(r.kpis.purchases).toBe(sum(inP.map((x) => x.purchases)));
    expect(r.kpis.conversion).toBeCloseTo(
      sum(inP.map((x) => x.purchases)) / sum(inP.map((x) => x.views)),
      12,
    );
    expect(r.kpis.days).toBe(14);
    expect(r.previous).toEqual({ from: addDays(period.from, -14), to: addDays(period.from, -1) });
    const prev = data.rows.filter((x) => x.date >= r.previous!.from && x.date <= r.previous!.to);
    expect(r.previousKpis!.carts).toBe(sum(prev.map((x) => x.carts)));
    expect(r.daily).toHaveLength(data.dates.length);
    expect(sum(r.breakdown.rows.map((b) => b.share))).toBeCloseTo(1, 10);
    expect(r.breakdown.rows.map((b) => b.value)).toEqual(['desktop', 'mobile', 'tablet']);
  });

  it('applies a segment to KPIs and the daily series (zero-filled on dates the segment lacks)', async () => {
    const seg = { device: 'tablet' };
    const r = await engine.run({ type: 'overview', period: null, segment: seg, dimension: 'os' });
    expect(r.kpis.views).toBe(sum(data.rows.filter((x) => x.device === 'tablet').map((x) => x.views)));
    expect(r.breakdown.rows.map((b) => b.value)).toEqual(['ios']);
    expect(r.daily.map((d) => d.date)).toEqual(data.dates);
    await expect(
      engine.run({ type: 'overview', period: null, segment: { colour: 'red' }, dimension: 'os' }),
    ).rejects.toThrow(/unknown dimension "colour"/);
  });
});

describe('funnel comparison', () => {
  const incident = () => ({ from: data.incidentFrom, to: data.dates[data.dates.length - 1] });
  const baseline = () => ({ from: addDays(data.incidentFrom, -56), to: addDays(data.incidentFrom, -1) });

  it('per-step mean/σ from SQL agree with core explain for the same segment', async () => {
    const seg = { device: 'mobile', os: 'ios', browser: 'safari' };
    const f = await engine.run({ type: 'funnel', baseline: baseline(), incident: incident(), segment: seg });
    const ex = explain(engine.current!.cube, { baseline: baseline(), incident: incident() });
    const row = ex.dimensions.device.find((r) => r.segment.device === 'mobile')!;
    const fm = await engine.run({
      type: 'funnel',
      baseline: baseline(),
      incident: incident(),
      segment: { device: 'mobile' },
    });
    for (const step of ['views', 'carts', 'purchases'] as const) {
      expect(fm.segment!.steps[step].baselineMean).toBeCloseTo(row.steps[step].baselineMean, 9);
      expect(fm.segment!.steps[step].baselineSigma).toBeCloseTo(row.steps[step].baselineSigma, 9);
      expect(fm.segment!.steps[step].incidentMean).toBeCloseTo(row.steps[step].incidentMean, 9);
    }
    expect(f.segment!.steps.views.change!).toBeGreaterThan(0.05);
    expect(f.segment!.steps.purchases.change!).toBeLessThan(-0.5);
    expect(f.segment!.pattern).toMatch(/broken checkout/);
    expect(f.all.days).toEqual({ baseline: 49, incident: 14 }); // 56 calendar days minus the 7-day gap
  });

  it('does not call out the pattern where purchases held', async () => {
    const f = await engine.run({
      type: 'funnel',
      baseline: baseline(),
      incident: incident(),
      segment: { device: 'desktop' },
    });
    expect(f.segment!.pattern).toBeNull();
    await expect(
      engine.run({ type: 'funnel', baseline: incident(), incident: incident(), segment: {} }),
    ).rejects.toThrow(/overlaps/);
  });
});

describe('root cause', () => {
  it('ranks mobile × ios × safari first and drills into the next dimension', async () => {
    const baseline = { from: addDays(data.incidentFrom, -28), to: addDays(data.incidentFrom, -1) };
    const incident = { from: data.incidentFrom, to: data.dates[data.dates.length - 1] };
    const r = await engine.run({ type: 'rootcause', baseline, incident, filter: {}, dimension: 'device' });
    expect(r.candidates[0].segment).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    expect(r.candidates[0].path.at(-1)).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    expect(r.finding).toMatch(/^Mobile × iOS × Safari: purchases −/);
    expect(r.remaining).toEqual(['device', 'os', 'browser']);
    const mobile = r.dimensions.device.find((x) => x.segment.device === 'mobile')!;
    expect(mobile.deviationSigma!).toBeLessThan(-2);

    const d = await engine.run({
      type: 'rootcause',
      baseline,
      incident,
      filter: { device: 'mobile' },
      dimension: 'os',
    });
    expect(d.dimension).toBe('os');
    expect(d.remaining).toEqual(['os', 'browser']);
    expect(d.dimensions.os.map((x) => x.segment.os).sort()).toEqual(['android', 'ios']);
    expect(d.candidates[0].segment).toEqual(r.candidates[0].segment); // the global ranking stays
  });
});

describe('calendar', () => {
  it('flags the injected incident as CRITICAL for the segment, and in worst-segment mode', async () => {
    const settings = settingsFor('seed');
    const seg = { device: 'mobile', os: 'ios', browser: 'safari' };
    const r = await engine.run({ type: 'calendar', segment: seg, settings });
    expect(r.days).toHaveLength(data.dates.length + 7); // every calendar day, the gap as NO_DATA
    expect(
      r.days
        .filter((d) => d.date >= '2024-01-21' && d.date <= '2024-01-27')
        .every((d) => d.status === 'NO_DATA'),
    ).toBe(true);
    const firstCritical = r.days.find((d) => d.status === 'CRITICAL')!;
    expect(firstCritical.date >= data.incidentFrom).toBe(true);
    expect(firstCritical.date <= addDays(data.incidentFrom, 3)).toBe(true);
    expect(Object.values(r.counts).reduce((a, b) => a + b, 0)).toBe(r.days.length);

    const w = await engine.run({ type: 'calendar', segment: 'worst', settings });
    expect(w.mode).toBe('worst');
    expect(w.segment).toEqual(seg);
    const crit = w.days.filter((d) => d.status === 'CRITICAL');
    expect(crit.length).toBeGreaterThan(5);
    const late = crit.filter((d) => d.date >= addDays(data.incidentFrom, 3));
    expect(late.length).toBeGreaterThanOrEqual(10);
    expect(late.every((d) => d.segment.device === 'mobile' && d.segment.os === 'ios')).toBe(true);
  });

  it('re-runs with other settings (a higher σ flags no more days than a lower one)', async () => {
    const seg = { device: 'mobile', os: 'ios', browser: 'safari' };
    const lo = await engine.run({
      type: 'calendar',
      segment: seg,
      settings: settingsFor('seed', { sigma: 1.5 }),
    });
    const hi = await engine.run({
      type: 'calendar',
      segment: seg,
      settings: settingsFor('seed', { sigma: 4 }),
    });
    const flagged = (x: typeof lo) => x.counts.ANOMALY + x.counts.CRITICAL;
    expect(flagged(hi)).toBeLessThanOrEqual(flagged(lo));
    expect(flagged(lo)).toBeGreaterThan(flagged(hi));
  });
});

describe('protocol', () => {
  it('answers typed results through the port and supersedes requests with the same key', async () => {
    const db2 = await openNodeDb();
    try {
      const { client, sent } = inProcessWorker(db2);
      await client.ready();
      const fresh = syntheticCube(84, 14, 11);
      const progress: string[] = [];
      const summary = await client.request(
        'load',
        { cube: fresh.bytes },
        { onProgress: (p) => progress.push(p.phase) },
      );
      expect(summary.dates).toEqual(fresh.dates);
      expect(progress).toContain('inserting cube');

      const first = client.request(
        'overview',
        { period: null, segment: {}, dimension: 'device' },
        { key: 'overview' },
      );
      const second = client.request(
        'overview',
        { period: { from: fresh.incidentFrom, to: fresh.dates.at(-1)! }, segment: {}, dimension: 'os' },
        { key: 'overview' },
      );
      const [a, b] = await Promise.allSettled([first, second]);
      expect(a.status).toBe('rejected');
      expect(isCancelled((a as PromiseRejectedResult).reason)).toBe(true);
      expect(b.status).toBe('fulfilled');
      expect((b as PromiseFulfilledResult<{ kpis: { days: number } }>).value.kpis.days).toBe(14);
      const firstId = (
        sent.find((m) => m.kind === 'request' && m.request.type === 'overview') as { id: number }
      ).id;
      expect(sent).toContainEqual({ kind: 'cancel', id: firstId });

      await expect(
        client.request('overview', { period: null, segment: { nope: 'x' }, dimension: 'device' }),
      ).rejects.toThrow(/unknown dimension "nope"/);
      // the worker stays usable after an error and after a cancellation
      const ok = await client.request('funnel', {
        baseline: { from: '2024-01-01', to: '2024-01-14' },
        incident: { from: fresh.incidentFrom, to: fresh.dates.at(-1)! },
        segment: {},
      });
      expect(ok.all.days.incident).toBe(14);
      expect(client.inFlight).toBe(0);
    } finally {
      db2.close();
    }
  }, 30_000); // instantiates a second DuckDB-WASM: seconds on a loaded 2-core machine

  it('fails every request with the startup message when DuckDB-WASM cannot start', async () => {
    let deliver: ((m: FromWorker) => void) | null = null;
    const client = new WorkerClient({ post() {}, listen: (h) => (deliver = h) });
    const pending = client.request('overview', { period: null, segment: {}, dimension: 'device' });
    const ready = client.ready();
    deliver!({ kind: 'error', id: 0, message: 'DuckDB-WASM failed to start: out of memory' });
    await expect(pending).rejects.toThrow('DuckDB-WASM failed to start: out of memory');
    await expect(ready).rejects.toThrow(/out of memory/);
    await expect(client.request('suggest', { settings: settingsFor('robust') })).rejects.toThrow(
      /out of memory/,
    );
  });
});
