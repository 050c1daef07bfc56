/**
 * Kafka tap benchmark against a real single-node broker (the jars of scripts/kafka-broker.sh fetch):
 *  1. reference: Kafka's own console consumer (kafka-console-consumer, JVM) reading a pre-filled topic;
 *  2. sustained tap throughput: the same pre-filled topic → Parquet batches, events/s until all are durable;
 *  3. end-to-end latency: events produced at a steady rate, each carrying its send time as event time;
 *     latency = the moment its batch file is durable and readable − send time; p50 / p95;
 *  4. the same through the app's host (Live ▸ Connect): produce → tap in the host → batch added to the open
 *     dataset (Dataset.addFiles, the cached cube's affected days recomputed) → `liveData` event: latency =
 *     that event's visibleAt − send time, i.e. until the event is in the live aggregates the app reloads.
 *  5. compaction: a folder of many small batch files (as 0.25 s batches leave it) written by the tap's own
 *     writer: files, bytes and reopen time (openDataset + one cube) before and after BatchWriter.compact,
 *     and the compaction's own time. `TAP_BENCH_ONLY=compaction` runs just this (no broker needed).
 * Targets (2 cores): ≥ 50,000 events/s, p95 < 1 s. Run alone: `npx tsx bench/tap.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  fetchKafkaJars,
  kafkaJarsPresent,
  kafkaLibsDir,
  startKafkaBroker,
} from '../test/integration/kafka-broker.js';
import { KafkaTap, type TapBatchEvent } from '../electron/services/live/tap.js';
import { createHost, defaultServices } from '../electron/host/operations.js';
import type { HostEvent, LiveDataEvent, LiveStatus, OpenDatasetResult } from '../core/contract.js';
import { ensureTopic, newProducer } from '../electron/services/live/replay.js';
import { BatchWriter, DEFAULT_COMPACTION, prepareOutFolder } from '../electron/services/live/files.js';
import { normalizeObject, type LiveEvent } from '../electron/services/live/message.js';
import { openDataset } from '../electron/services/dataset.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEVICES = ['desktop', 'mobile', 'tablet'];
const OSES = ['windows', 'ios', 'android', 'macos'];
const BROWSERS = ['chrome', 'safari', 'firefox', 'edge'];
const EVENTS = ['view', 'view', 'view', 'view', 'view', 'view', 'addtocart', 'transaction'];

function message(i: number, ts: number): { key: string; value: string } {
  const visitor = (i * 7919) % 50_000;
  return {
    key: String(visitor),
    value: JSON.stringify({
      timestamp: ts,
      visitorid: visitor,
      event: EVENTS[i % EVENTS.length],
      itemid: (i * 31) % 10_000,
      transactionid: i % EVENTS.length === 7 ? i : null,
      device: DEVICES[i % 3],
      os: OSES[(i >> 2) % 4],
      browser: BROWSERS[(i >> 4) % 4],
    }),
  };
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Section 5: many small batch files vs compacted — files, bytes, reopen time, compaction time. */
async function compactionBench(work: string): Promise<Record<string, unknown>> {
  const files = Number(process.env.TAP_BENCH_SMALL_FILES ?? 2000);
  const rowsPerFile = Number(process.env.TAP_BENCH_SMALL_ROWS ?? 250);
  const partitions = 3;
  const dir = join(work, 'compaction');
  prepareOutFolder(dir);
  const base = Date.UTC(2015, 8, 1);
  const w = new BatchWriter(dir);
  let t = performance.now();
  for (let f = 0; f < files; f++) {
    const p = f % partitions;
    const k = Math.floor(f / partitions);
    const events: LiveEvent[] = [];
    const offsets: bigint[] = [];
    for (let j = 0; j < rowsPerFile; j++) {
      const i = f * rowsPerFile + j;
      const r = normalizeObject(JSON.parse(message(i, base + i * 50).value));
      if (!r.ok) throw new Error(r.reason);
      events.push(r.event);
      offsets.push(BigInt(k * rowsPerFile + j));
    }
    await w.write(
      {
        partition: p,
        firstOffset: BigInt(k * rowsPerFile),
        lastOffset: BigInt((k + 1) * rowsPerFile - 1),
        events,
        offsets,
        quarantine: [],
      },
      'bench',
    );
  }
  const writeSeconds = (performance.now() - t) / 1000;
  const census = () => {
    let n = 0;
    let bytes = 0;
    for (let p = 0; p < partitions; p++) {
      const d = join(dir, 'live', `p=${p}`);
      for (const f of readdirSync(d).filter((x) => x.endsWith('.parquet'))) {
        n++;
        bytes += statSync(join(d, f)).size;
      }
    }
    return { files: n, MB: +(bytes / 1e6).toFixed(1) };
  };
  const reopen = async () => {
    const t0 = performance.now();
    const ds = await openDataset(dir, { threads: 2 });
    const openMs = performance.now() - t0;
    const t1 = performance.now();
    await ds.cube({ dimensions: ['device', 'os', 'browser'], grain: 'day', visitors: false });
    const cubeMs = performance.now() - t1;
    const rows = (await ds.profile()).rows.read;
    ds.close();
    return { rows, openMs: Math.round(openMs), cubeMs: Math.round(cubeMs) };
  };
  const before = { ...census(), ...(await reopen()) };
  t = performance.now();
  let merges = 0;
  for (let p = 0; p < partitions; p++)
    merges += (await w.compact(p, { ...DEFAULT_COMPACTION, minFiles: 2 })).length;
  const compactSeconds = (performance.now() - t) / 1000;
  w.close();
  const after = { ...census(), ...(await reopen()) };
  return {
    smallFiles: files,
    rowsPerFile,
    writeSeconds: +writeSeconds.toFixed(1),
    before,
    compaction: { merges, seconds: +compactSeconds.toFixed(2) },
    after,
    note: 'reopen = openDataset (footers, profile scan, duplicate search) + one device×os×browser day cube',
  };
}

export async function runTapBench(): Promise<Record<string, unknown>> {
  if (process.env.TAP_BENCH_ONLY === 'compaction') {
    const work = mkdtempSync(join(tmpdir(), 'funnelscope-tap-bench-'));
    try {
      const out = { compaction: await compactionBench(work) };
      process.stdout.write(`tap bench (compaction only)\n${JSON.stringify(out, null, 2)}\n`);
      return out;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (!kafkaJarsPresent()) fetchKafkaJars();
  const N = Number(process.env.TAP_BENCH_EVENTS ?? 500_000);
  const work = mkdtempSync(join(tmpdir(), 'funnelscope-tap-bench-'));
  const broker = await startKafkaBroker();
  const brokers = [broker.bootstrap];
  const out: Record<string, unknown> = { events: N, broker: broker.bootstrap };
  try {
    if (process.env.TAP_BENCH_ONLY === 'host') {
      const rate = Number(process.env.TAP_BENCH_RATE ?? 20_000);
      out.hostLatency = await hostLatency(brokers, work, rate, Number(process.env.TAP_BENCH_SECONDS ?? 10));
      process.stdout.write(`tap bench (host only)\n${JSON.stringify(out, null, 2)}\n`);
      return out;
    }
    // ---- pre-fill
    const topic = 'bench-prefill';
    await ensureTopic(brokers, topic, 3);
    const producer = newProducer(brokers, 'bench-producer');
    let t = performance.now();
    const base = Date.UTC(2015, 8, 1);
    for (let i = 0; i < N; i += 5000) {
      const messages = [];
      for (let j = i; j < Math.min(N, i + 5000); j++) messages.push({ topic, ...message(j, base + j * 10) });
      await producer.send({ messages });
    }
    out.prefillEventsPerSecond = Math.round(N / ((performance.now() - t) / 1000));

    // ---- reference: Kafka's console consumer (JVM start-up included in the wall time)
    t = performance.now();
    const cc = spawnSync(
      'java',
      [
        '-Xmx512m',
        '-cp',
        `${kafkaLibsDir()}/*`,
        'org.apache.kafka.tools.consumer.ConsoleConsumer',
        '--bootstrap-server',
        broker.bootstrap,
        '--topic',
        topic,
        '--from-beginning',
        '--max-messages',
        String(N),
        '--timeout-ms',
        '30000',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const ccSeconds = (performance.now() - t) / 1000;
    const ccCount = Number(/Processed a total of (\d+) messages/.exec(cc.stderr ?? '')?.[1] ?? NaN);
    out.consoleConsumer = {
      messages: ccCount,
      seconds: +ccSeconds.toFixed(2),
      eventsPerSecond: Math.round(ccCount / ccSeconds),
      note: 'JVM start-up included; output to /dev/null',
    };

    // ---- sustained tap throughput (default batch settings)
    const dir1 = join(work, 'throughput');
    const tap = new KafkaTap({ brokers, topic, out: dir1 });
    let rows = 0;
    let batches = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    tap.on('batch', (b: TapBatchEvent) => {
      rows += b.rows;
      batches++;
      if (rows >= N) done();
    });
    t = performance.now();
    await tap.start();
    const tStarted = performance.now();
    await all;
    const tEnd = performance.now();
    await tap.stop();
    const rss = process.memoryUsage().rss;
    out.tapThroughput = {
      eventsPerSecond: Math.round(N / ((tEnd - tStarted) / 1000)),
      eventsPerSecondInclStart: Math.round(N / ((tEnd - t) / 1000)),
      seconds: +((tEnd - tStarted) / 1000).toFixed(2),
      batches,
      rssMB: Math.round(rss / 1e6),
      target: '>= 50000 events/s',
    };

    // ---- end-to-end latency at a steady rate
    const rate = Number(process.env.TAP_BENCH_RATE ?? 20_000);
    const seconds = Number(process.env.TAP_BENCH_SECONDS ?? 10);
    const topic2 = 'bench-latency';
    await ensureTopic(brokers, topic2, 3);
    const dir2 = join(work, 'latency');
    const tap2 = new KafkaTap({ brokers, topic: topic2, out: dir2 });
    const files: TapBatchEvent[] = [];
    tap2.on('batch', (b: TapBatchEvent) => files.push(b));
    await tap2.start();
    const total = rate * seconds;
    const t0 = Date.now();
    let sent = 0;
    let inflight: Promise<unknown> = Promise.resolve();
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
      if (due > sent) {
        const messages = [];
        const now = Date.now();
        for (let j = sent; j < due; j++) messages.push({ topic: topic2, ...message(j, now) });
        await inflight;
        inflight = producer.send({ messages });
        sent = due;
      }
      await sleep(5);
    }
    await inflight;
    const deadline = Date.now() + 30_000;
    while (files.reduce((s, f) => s + f.rows, 0) < total && Date.now() < deadline) await sleep(50);
    // latency of every event = its file's visibleAt − its send time (read back from the file)
    const inst = await DuckDBInstance.create(':memory:', {
      autoload_known_extensions: 'false',
      autoinstall_known_extensions: 'false',
    });
    const con = await inst.connect();
    const lat: number[] = [];
    for (const f of files) {
      const r = await con.run(
        `SELECT epoch_ms(timestamp)::DOUBLE AS ts FROM read_parquet('${f.file.replace(/'/g, "''")}')`,
      );
      for (const row of await r.getRowObjectsJS()) lat.push(f.visibleAt - Number(row.ts));
    }
    con.closeSync();
    inst.closeSync();
    // (stopped after reading the files back: the stop merges them)
    await tap2.stop();
    await producer.close();
    lat.sort((a, b) => a - b);
    out.latency = {
      rate,
      seconds,
      events: lat.length,
      p50ms: Math.round(pct(lat, 50)),
      p95ms: Math.round(pct(lat, 95)),
      maxMs: Math.round(lat[lat.length - 1] ?? NaN),
      files: files.length,
      target: 'p95 < 1000 ms',
    };

    // ---- end-to-end through the host: produce → visible in the open dataset's aggregates
    out.hostLatency = await hostLatency(brokers, work, rate, seconds);

    // ---- many small files vs compacted
    out.compaction = await compactionBench(work);
  } finally {
    await broker.destroy();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`tap bench\n${JSON.stringify(out, null, 2)}\n`);
  return out;
}

/** Section 4: latency produce → the open dataset's aggregates include the event (host liveData event). */
async function hostLatency(
  brokers: string[],
  work: string,
  rate: number,
  seconds: number,
): Promise<Record<string, unknown>> {
  const topic = 'bench-host';
  await ensureTopic(brokers, topic, 3);
  const events: HostEvent[] = [];
  const host = createHost({
    transport: 'web',
    services: await defaultServices(),
    userDataDir: join(work, 'host-userdata'),
    emit: (e) => events.push(e),
  });
  let n = 0;
  const call = async <T>(op: string, req: unknown): Promise<T> => {
    const r = await host.handle(op, `b-${++n}`, req);
    if (!r.ok) throw new Error(`${op}: ${r.error.message}`);
    return r.data as T;
  };
  const producer = newProducer(brokers, 'bench-host-producer');
  try {
    const st = await call<LiveStatus>('liveConnect', { brokers: brokers.join(','), topic });
    const folder = st.connection!.folder;
    // a first batch, then the folder is opened as the app does, and the app's cube asked for once (cached)
    await producer.send({
      messages: Array.from({ length: 1000 }, (_, j) => ({ topic, ...message(j, Date.now()) })),
    });
    while ((await call<LiveStatus>('liveStatus', {})).files === 0) await sleep(50);
    const opened = await call<OpenDatasetResult>('openFolder', { folder });
    const cube = { datasetId: opened.datasetId, dimensions: ['device', 'os', 'browser'], grain: 'day' };
    await call('cube', cube);
    await sleep(1500);
    const mark = events.length;
    const total = rate * seconds;
    const t0 = Date.now();
    let sent = 0;
    let inflight: Promise<unknown> = Promise.resolve();
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
      if (due > sent) {
        const now = Date.now();
        const messages = [];
        for (let j = sent; j < due; j++) messages.push({ topic, ...message(1000 + j, now) });
        await inflight;
        inflight = producer.send({ messages });
        sent = due;
      }
      await sleep(5);
    }
    await inflight;
    const data = () =>
      events
        .slice(mark)
        .filter((e): e is LiveDataEvent => e.type === 'liveData' && e.datasetId === opened.datasetId);
    const deadline = Date.now() + 30_000;
    while (data().reduce((a, e) => a + e.events, 0) < total && Date.now() < deadline) await sleep(50);
    const tCube = performance.now();
    await call('cube', cube); // what the renderer asks for on liveData (cache updated in place: a hit)
    const cubeMs = performance.now() - tCube;
    const inst = await DuckDBInstance.create(':memory:', {
      autoload_known_extensions: 'false',
      autoinstall_known_extensions: 'false',
    });
    const con = await inst.connect();
    const lat: number[] = [];
    for (const e of data())
      for (const f of e.addedFiles) {
        const r = await con.run(
          `SELECT epoch_ms(timestamp)::DOUBLE AS ts FROM read_parquet('${f.replace(/'/g, "''")}')`,
        );
        for (const row of await r.getRowObjectsJS()) lat.push(e.visibleAt - Number(row.ts));
      }
    con.closeSync();
    inst.closeSync();
    // (after reading the files back: disconnecting merges them)
    await call('liveDisconnect', {});
    lat.sort((a, b) => a - b);
    return {
      rate,
      seconds,
      events: lat.length,
      liveDataEvents: data().length,
      p50ms: Math.round(pct(lat, 50)),
      p95ms: Math.round(pct(lat, 95)),
      maxMs: Math.round(lat[lat.length - 1] ?? NaN),
      cubeAfterLiveDataMs: Math.round(cubeMs),
      addFilesMs: data().map((e) => e.addMs),
      target: 'p95 < 1000 ms',
    };
  } finally {
    await producer.close().catch(() => undefined);
    await host.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runTapBench().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`tap bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
