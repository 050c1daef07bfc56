/**
 * Compaction with a real single-node KRaft broker (test/integration/kafka-broker.ts), nothing mocked:
 * - the tap with a tiny batch window writes many small files, compacts them while it runs and on stop; the
 *   folder ends with one file per partition holding exactly the produced events (checksum over every column,
 *   distinct offsets), a dataset opened on it has exactly N events, and a restart reads nothing again;
 * - the host's live operations: a dataset open on the tap's folder follows the merges (Dataset.replaceFiles)
 *   and keeps the cube of a fresh open of the folder, while batches keep arriving and after disconnect.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  kafkaSkipReason,
  liveChecksum,
  sourceChecksum,
  startKafkaBroker,
  writeRetailRocketParquet,
  type KafkaBroker,
} from './kafka-broker.js';
import { KafkaTap, type TapCompactionEvent } from '../../electron/services/live/tap.js';
import { ensureTopic, replay } from '../../electron/services/live/replay.js';
import { listBatches } from '../../electron/services/live/files.js';
import { coveredNames } from '../../electron/services/live/covered.js';
import { openDataset } from '../../electron/services/dataset.js';
import { createHost, defaultServices, type Host } from '../../electron/host/operations.js';
import { SettingsStore } from '../../electron/settings-store.js';
import { hostCalls } from './host-calls.js';
import type { LiveStatus, OpenDatasetResult } from '../../core/contract.js';
import type { CubeSpec } from '../../core/sql.js';

const skip = kafkaSkipReason();
if (skip) console.warn(`[live-compaction-kafka] skipped: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let broker: KafkaBroker;
let work: string;

async function until<T>(what: string, fn: () => Promise<T | null | false> | T | null | false, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== false && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Parquet files under FOLDER/live (`visible`: without the merged-away ones a covering file makes readers skip). */
function liveFileCount(out: string, visible = false): number {
  const root = join(out, 'live');
  return readdirSync(root)
    .filter((d) => d.startsWith('p='))
    .reduce((a, d) => {
      const files = readdirSync(join(root, d)).filter((f) => f.endsWith('.parquet'));
      return a + (visible ? files.length - coveredNames(files).size : files.length);
    }, 0);
}

describe.skipIf(!!skip)('compaction with a real broker', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'funnelscope-compact-kafka-'));
    broker = await startKafkaBroker();
  });
  afterAll(async () => {
    await broker?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the tap compacts while it runs and on stop; the folder holds exactly the produced events', async () => {
    const N = 40_000;
    const src = join(work, 's1', 'src.parquet');
    await writeRetailRocketParquet(src, N, 5);
    const topic = 'compact-tap';
    await ensureTopic([broker.bootstrap], topic, 3);
    const out = join(work, 'o1');
    const tap = new KafkaTap({
      brokers: [broker.bootstrap],
      topic,
      out,
      batchSeconds: 0.05,
      compaction: { minFiles: 8 },
    });
    const merges: TapCompactionEvent[] = [];
    let batches = 0;
    tap.on('batch', () => batches++);
    tap.on('compaction', (c: TapCompactionEvent) => merges.push(c));
    await tap.start();
    const r = await replay({ folder: join(work, 's1'), brokers: [broker.bootstrap], topic, rate: 10_000 });
    expect(r.sent).toBe(N);
    await until('every event read', () => tap.status().totals.events === N);
    const during = merges.length;
    expect(during, 'merges while running').toBeGreaterThan(0);
    await tap.stop();
    expect(tap.status().compaction.merges).toBe(merges.length);
    expect(tap.status().compaction.lastError).toBeNull();
    expect(batches).toBeGreaterThan(30);
    // every batch file was merged away once; one merged file per partition is left
    expect(tap.status().compaction.filesMerged).toBe(batches);
    expect(tap.status().compaction.mergedFiles).toBe(3);
    expect(merges.reduce((a, m) => a + m.replaced.length, 0)).toBe(batches + merges.length - 3);
    // one file per partition, tiling its offsets from 0
    expect(liveFileCount(out)).toBe(3);
    for (const p of [0, 1, 2]) {
      const b = listBatches(out, p, true);
      expect(b).toHaveLength(1);
      expect(b[0].firstOffset).toBe(0n);
    }
    expect(await liveChecksum(out)).toEqual({
      rows: N,
      hash: (await sourceChecksum(src)).hash,
      distinctOffsets: N,
    });
    const ds = await openDataset(out, { threads: 2 });
    try {
      expect((await ds.profile()).rows.read).toBe(N);
      const cube = await ds.cube({ dimensions: [], grain: 'day' });
      expect(cube.rows.reduce((a, x) => a + x.views + x.carts + x.purchases, 0)).toBe(
        N - (await ds.profile()).rows.duplicates,
      );
    } finally {
      ds.close();
    }
    // a restart resumes after the merged ranges: nothing is read again
    const again = new KafkaTap({ brokers: [broker.bootstrap], topic, out });
    await again.start();
    await sleep(1500);
    expect(again.status().totals.messages).toBe(0);
    await again.stop();
    expect(await liveChecksum(out)).toMatchObject({ rows: N, distinctOffsets: N });
  });

  describe('host live operations', () => {
    let host: Host;
    const env = { ...process.env };
    beforeAll(async () => {
      process.env.FUNNELSCOPE_LIVE_BATCH_SECONDS = '0.05';
      process.env.FUNNELSCOPE_LIVE_COMPACT_FILES = '6';
      const userData = join(work, 'userdata');
      host = createHost({
        transport: 'web',
        services: await defaultServices(),
        userDataDir: userData,
        emit: () => undefined,
        settings: new SettingsStore(userData),
        allowedRoots: [join(work, 'allowed')],
      });
      await writeRetailRocketParquet(join(work, 'h1', 'a.parquet'), 6_000, 21);
      await writeRetailRocketParquet(join(work, 'h2', 'a.parquet'), 24_000, 22);
      await writeRetailRocketParquet(join(work, 'h3', 'a.parquet'), 600, 23);
    });
    afterAll(async () => {
      await host?.close();
      process.env = env;
    });
    const { call } = hostCalls(() => host, 'c');
    const SPECS: CubeSpec[] = [
      { dimensions: ['device', 'os', 'browser'], grain: 'day' },
      { dimensions: ['device'], grain: 'hour' },
    ];

    /** the open dataset's cubes (through the host) equal those of a fresh open of the folder */
    async function expectSameAsFresh(datasetId: string, folder: string, events: number) {
      const fresh = await openDataset(folder, { threads: 2 });
      try {
        expect((await fresh.profile()).rows.read).toBe(events);
        for (const spec of SPECS) {
          const a = await call<Uint8Array>('cube', { datasetId, ...spec });
          const b = await fresh.cubeArrow(spec);
          expect(Buffer.from(a).equals(Buffer.from(b)), JSON.stringify(spec)).toBe(true);
        }
        const p = await call<OpenDatasetResult['profile']>('profile', { datasetId });
        expect({ ...p, files: null }).toEqual({ ...(await fresh.profile()), files: null });
      } finally {
        fresh.close();
      }
    }

    it('an open dataset follows the merges and keeps the cube of a fresh open', async () => {
      await ensureTopic([broker.bootstrap], 'compact-host', 3);
      const connected = await call<LiveStatus>('liveConnect', {
        brokers: broker.bootstrap,
        topic: 'compact-host',
      });
      const folder = connected.connection!.folder;
      await replay({
        folder: join(work, 'h1'),
        brokers: [broker.bootstrap],
        topic: 'compact-host',
        rate: 6_000,
      });
      await until(
        '6,000 events',
        async () => (await call<LiveStatus>('liveStatus', {})).totals.events === 6_000,
      );
      // 24,000 more at a steady rate: many small batches, merged while the folder is being opened (the
      // dataset catches up with the merges since its listing) and while it is open
      const more = replay({
        folder: join(work, 'h2'),
        brokers: [broker.bootstrap],
        topic: 'compact-host',
        rate: 8_000,
      });
      await sleep(1000);
      const merged0 = (await call<LiveStatus>('liveStatus', {})).compaction.merges;
      const opened = await call<OpenDatasetResult>('openFolder', { folder });
      for (const spec of SPECS) await call('cube', { datasetId: opened.datasetId, ...spec }); // cached cubes
      await more;
      const s = await until('30,000 events added', async () => {
        const st = await call<LiveStatus>('liveStatus', {});
        if (st.totals.events !== 30_000 || st.partitions.some((p) => p.buffered > 0)) return null;
        const prof = await call<OpenDatasetResult['profile']>('profile', { datasetId: opened.datasetId });
        return prof.rows.read === 30_000 ? st : null;
      });
      expect(s.compaction.merges).toBeGreaterThan(merged0);
      expect(s.compaction.filesMerged).toBeGreaterThan(s.compaction.mergedFiles);
      await expectSameAsFresh(opened.datasetId, folder, 30_000);
      // 600 more, then disconnect as soon as they are read: the last batches are merged on stop, the
      // dataset follows again
      await replay({ folder: join(work, 'h3'), brokers: [broker.bootstrap], topic: 'compact-host' });
      await until(
        '600 more read',
        async () => (await call<LiveStatus>('liveStatus', {})).totals.messages === 30_600,
      );
      const stopped = await call<LiveStatus>('liveDisconnect', {});
      expect(stopped.compaction.merges).toBeGreaterThan(s.compaction.merges);
      // readers see one merged file per partition; the host's tap keeps the merged-away files a while after a
      // stop (a dataset being opened may have listed them) — covered, so no reader counts them
      expect(liveFileCount(folder, true)).toBe(3);
      expect(liveFileCount(folder)).toBeGreaterThan(3);
      expect(stopped.compaction.mergedFiles).toBe(3);
      await expectSameAsFresh(opened.datasetId, folder, 30_600);
      expect(path.basename(folder)).toBe('compact-host');
    });
  });
});
