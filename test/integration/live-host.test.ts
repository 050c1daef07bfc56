/**
 * The live host operations (electron/host/live-ops.ts) against a real single-node KRaft broker: liveConnect →
 * replay N events → the status shows them, the open dataset's cube grows by exactly N without reopening,
 * status events arrive every second, disconnect flushes; and the clear messages for an unreachable broker, an
 * unknown topic, a folder outside the allowed ones and a malformed request. Nothing mocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, defaultServices, type Host } from '../../electron/host/operations.js';
import { hostCalls } from './host-calls.js';
import { SettingsStore } from '../../electron/settings-store.js';
import { ensureTopic, replay } from '../../electron/services/live/replay.js';
import type { HostEvent, LiveDataEvent, LiveStatus, OpenDatasetResult } from '../../core/contract.js';
import {
  kafkaSkipReason,
  startKafkaBroker,
  writeRetailRocketParquet,
  type KafkaBroker,
} from './kafka-broker.js';

const skip = kafkaSkipReason();
if (skip) console.warn(`[live-host] skipped: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let broker: KafkaBroker;
let work: string;
let host: Host;
let settings: SettingsStore;
const events: HostEvent[] = [];

const { call, callError } = hostCalls(() => host, 't');
async function until<T>(
  what: string,
  fn: () => Promise<T | null> | T | null,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(await host.handle('liveStatus', 'dbg', {}))}`,
      );
    await sleep(200);
  }
}
/** views + carts + purchases of the whole cube (every Retail Rocket event is one of them) */
async function cubeEvents(datasetId: string): Promise<number> {
  const bytes = await call<Uint8Array>('cube', { datasetId, dimensions: ['device'], grain: 'day' });
  const t = tableFromIPC(bytes);
  let n = 0;
  for (const c of ['views', 'carts', 'purchases']) for (const v of t.getChild(c)!.toArray()) n += Number(v);
  return n;
}

describe.skipIf(!!skip)('live host operations with a real broker', () => {
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'funnelscope-live-host-'));
    broker = await startKafkaBroker();
    await ensureTopic([broker.bootstrap], 'clicks', 3);
    await writeRetailRocketParquet(path.join(work, 'src1', 'a.parquet'), 30_000, 1);
    await writeRetailRocketParquet(path.join(work, 'src2', 'a.parquet'), 12_345, 2);
    await writeRetailRocketParquet(path.join(work, 'src3', 'a.parquet'), 777, 3);
    const userData = path.join(work, 'userdata');
    settings = new SettingsStore(userData);
    host = createHost({
      transport: 'web',
      services: await defaultServices(),
      userDataDir: userData,
      emit: (e) => events.push(e),
      settings,
      allowedRoots: [path.join(work, 'allowed')],
    });
  });
  afterAll(async () => {
    await host?.close();
    await broker?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses bad input with specific messages and stays usable', async () => {
    const unreachable = await callError('liveConnect', { brokers: '127.0.0.1:1', topic: 'clicks' });
    expect(unreachable.code).toBe('INVALID_REQUEST');
    expect(unreachable.message).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/);
    const unknown = await callError('liveConnect', { brokers: broker.bootstrap, topic: 'no-such-topic' });
    expect(unknown.message).toMatch(/topic "no-such-topic" does not exist/);
    const notAllowed = await callError('liveConnect', {
      brokers: broker.bootstrap,
      topic: 'clicks',
      folder: path.join(work, 'elsewhere', 'x'),
    });
    expect(notAllowed.code).toBe('FOLDER_NOT_ALLOWED');
    const malformed = await callError('liveConnect', { brokers: 'localhost', topic: 'a b' });
    expect(malformed.code).toBe('INVALID_REQUEST');
    expect(malformed.message).toMatch(/brokers: every broker must be HOST:PORT/);
    expect(malformed.message).toMatch(/topic: a Kafka topic name uses only/);
    const st = await call<LiveStatus>('liveStatus', {});
    expect(st.state).toBe('failed');
    expect(st.lastError).toMatch(/does not exist/);
    expect(settings.liveSettings()).toBeNull(); // nothing remembered from failed attempts
  });

  it('connect → replay → status and the open dataset grow by exactly the replayed events → disconnect', async () => {
    const connected = await call<LiveStatus>('liveConnect', { brokers: broker.bootstrap, topic: 'clicks' });
    expect(connected.state).toBe('connected');
    const folder = connected.connection!.folder;
    expect(folder).toBe(path.join(work, 'userdata', 'live', 'clicks'));
    expect(connected.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(settings.liveSettings()).toEqual({ brokers: broker.bootstrap, topic: 'clicks' });
    expect(connected.remembered).toEqual({ brokers: broker.bootstrap, topic: 'clicks' });

    // 1. the first 30,000 events, then open the live folder as a dataset
    await replay({ folder: path.join(work, 'src1'), brokers: [broker.bootstrap], topic: 'clicks' });
    await until('30,000 events in files', async () => {
      const s = await call<LiveStatus>('liveStatus', {});
      return s.totals.events === 30_000 && s.partitions.every((p) => p.buffered === 0) && s.lag === 0;
    });
    const opened = await call<OpenDatasetResult>('openFolder', { folder });
    expect(opened.profile.rows.read).toBe(30_000);
    expect(await cubeEvents(opened.datasetId)).toBe(30_000);

    // 2. 12,345 more: added to the open dataset (no reopen), announced by liveData events
    const mark = events.length;
    await replay({ folder: path.join(work, 'src2'), brokers: [broker.bootstrap], topic: 'clicks' });
    await until('the dataset to grow', async () => {
      const added = events
        .slice(mark)
        .filter((e): e is LiveDataEvent => e.type === 'liveData' && e.datasetId === opened.datasetId);
      return added.reduce((a, e) => a + e.events, 0) >= 12_345;
    });
    const added = events
      .slice(mark)
      .filter((e): e is LiveDataEvent => e.type === 'liveData' && e.datasetId === opened.datasetId);
    expect(added.reduce((a, e) => a + e.events, 0)).toBe(12_345);
    expect(added.at(-1)!.latestEventAt).toMatch(/^2015-09-01T/);
    expect(await cubeEvents(opened.datasetId)).toBe(42_345);
    const profile = await call<OpenDatasetResult['profile']>('profile', { datasetId: opened.datasetId });
    expect(profile.rows.read).toBe(42_345);
    expect(host.openDatasets()).toEqual([opened.datasetId]);

    // status events at least every second while connected, with lag per partition and events/s (a fast run can
    // finish the replays within a few seconds: wait until at least 5 connected statuses were pushed)
    await until(
      '5 connected status events',
      async () => events.filter((e) => e.type === 'live' && e.status.state === 'connected').length >= 5,
    );
    const statuses = events.filter((e) => e.type === 'live').map((e) => (e as { status: LiveStatus }).status);
    const connectedAt = statuses.filter((s) => s.state === 'connected').map((s) => Date.parse(s.at));
    const gaps = connectedAt.slice(1).map((t, i) => t - connectedAt[i]);
    expect(gaps.length).toBeGreaterThan(3);
    expect(Math.max(...gaps)).toBeLessThan(1600);
    expect(statuses.some((s) => s.eventsPerSecond > 0)).toBe(true);
    const last = await call<LiveStatus>('liveStatus', {});
    expect(last.files).toBeGreaterThan(0);
    expect(last.history.length).toBeGreaterThan(3);
    expect(last.partitions.every((p) => p.lag === 0)).toBe(true);

    // 3. 777 more, then disconnect as soon as the tap has read them: everything is in the dataset afterwards
    await replay({ folder: path.join(work, 'src3'), brokers: [broker.bootstrap], topic: 'clicks' });
    await until('777 more read', async () => {
      const s = await call<LiveStatus>('liveStatus', {});
      return s.totals.messages === 43_122;
    });
    const stopped = await call<LiveStatus>('liveDisconnect', {});
    expect(stopped.state).toBe('stopped');
    expect(stopped.totals.events).toBe(43_122);
    expect(stopped.partitions.every((p) => p.buffered === 0)).toBe(true);
    expect(await cubeEvents(opened.datasetId)).toBe(43_122);

    // 4. reconnect resumes from the files: nothing is read twice
    const again = await call<LiveStatus>('liveConnect', { brokers: broker.bootstrap, topic: 'clicks' });
    expect(again.state).toBe('connected');
    await sleep(1500);
    expect((await call<LiveStatus>('liveStatus', {})).totals.messages).toBe(0);
    await call('liveDisconnect', {});
    expect(await cubeEvents(opened.datasetId)).toBe(43_122);
  });
});
