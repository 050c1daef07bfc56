/**
 * The Kafka tap against a real single-node KRaft broker (test/integration/kafka-broker.ts): nothing mocked.
 * Each scenario compares the tap's FOLDER/live with its source by row count, an order-independent checksum
 * over every column, and distinct (partition, offset) pairs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  kafkaSkipReason,
  liveChecksum,
  sourceChecksum,
  startKafkaBroker,
  writeRetailRocketParquet,
  type KafkaBroker,
} from './kafka-broker.js';
import { KafkaTap, type TapBatchEvent, type TapStatus } from '../../electron/services/live/tap.js';
import { ensureTopic, newProducer, readFolderEvents, replay } from '../../electron/services/live/replay.js';
import { toLayout } from '../../electron/services/live/message.js';
import { listBatches } from '../../electron/services/live/files.js';

const skip = kafkaSkipReason();
if (skip) console.warn(`[kafka-tap] skipped: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let broker: KafkaBroker;
let work: string;

async function waitRows(out: string, rows: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    last = existsSync(join(out, 'live')) ? (await liveChecksum(out)).rows : 0;
    if (last >= rows) return;
    await sleep(300);
  }
  throw new Error(`timed out waiting for ${rows} rows in ${out} (have ${last})`);
}

/** Every partition's batch files tile [0, end] without gap or overlap. */
function assertTiled(out: string, partitions: number): void {
  for (let p = 0; p < partitions; p++) {
    const b = listBatches(out, p);
    let next = 0n;
    for (const f of b) {
      expect(f.firstOffset, `partition ${p} file ${f.file}`).toBe(next);
      next = f.lastOffset + 1n;
    }
  }
}

/** Run the tap CLI command in a child process (tsx, the same code `funnelscope tap` runs). */
function tapChild(args: string[]): ChildProcess {
  const runner = join(work, 'tap-runner.mts');
  if (!existsSync(runner)) {
    writeFileSync(
      runner,
      `import { Command } from ${JSON.stringify(join(REPO_ROOT, 'node_modules', 'commander', 'esm.mjs'))};\n` +
        `import { register } from ${JSON.stringify(join(REPO_ROOT, 'cli', 'commands', 'tap.ts'))};\n` +
        `const p = new Command(); p.exitOverride(); register(p);\n` +
        `try { await p.parseAsync(process.argv.slice(2), { from: 'user' }); process.exit(0); }\n` +
        `catch (e) { process.stderr.write('funnelscope: ' + (e?.message ?? e) + '\\n'); process.exit(2); }\n`,
    );
  }
  return spawn(process.execPath, ['--import', 'tsx', runner, 'tap', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exitOf(c: ChildProcess): Promise<number | null> {
  return new Promise((res) =>
    c.exitCode !== null || c.signalCode !== null ? res(c.exitCode) : c.once('exit', (code) => res(code)),
  );
}

describe.skipIf(!!skip)('Kafka tap against a real broker', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'funnelscope-kafka-test-'));
    broker = await startKafkaBroker();
  });
  afterAll(async () => {
    await broker?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('replays 200,000 events and the tap writes exactly them', async () => {
    const src = join(work, 's1', 'src.parquet');
    await writeRetailRocketParquet(src, 200_000, 11);
    const topic = 'exact-200k';
    const r = await replay({ folder: join(work, 's1'), brokers: [broker.bootstrap], topic, partitions: 3 });
    expect(r.sent).toBe(200_000);
    const out = join(work, 'o1');
    const tap = new KafkaTap({
      brokers: [broker.bootstrap],
      topic,
      out,
      batchRows: 20_000,
      batchSeconds: 0.5,
    });
    const batches: TapBatchEvent[] = [];
    tap.on('batch', (b: TapBatchEvent) => batches.push(b));
    await tap.start();
    await waitRows(out, 200_000);
    await tap.stop();
    const [a, b] = [await sourceChecksum(src), await liveChecksum(out)];
    expect(b).toEqual({ rows: 200_000, hash: a.hash, distinctOffsets: 200_000 });
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.reduce((s, x) => s + x.rows, 0)).toBe(200_000);
    assertTiled(out, 3);
    // a restarted tap finds nothing new to write
    const again = new KafkaTap({ brokers: [broker.bootstrap], topic, out });
    let more = 0;
    again.on('batch', () => more++);
    await again.start();
    await sleep(1500);
    await again.stop();
    expect(more).toBe(0);
    expect((await liveChecksum(out)).rows).toBe(200_000);
  });

  it('SIGKILL mid-stream and restart: still exact', async () => {
    const src = join(work, 's2', 'src.parquet');
    const N = 120_000;
    await writeRetailRocketParquet(src, N, 22);
    const topic = 'sigkill';
    await ensureTopic([broker.bootstrap], topic, 3);
    const out = join(work, 'o2');
    const args = [
      '--brokers',
      broker.bootstrap,
      '--topic',
      topic,
      '--out',
      out,
      '--batch-rows',
      '4000',
      '--batch-seconds',
      '0.2',
      '-q',
    ];
    const producing = replay({ folder: join(work, 's2'), brokers: [broker.bootstrap], topic, rate: 40_000 });
    let child = tapChild(args);
    const err1: string[] = [];
    child.stderr!.on('data', (d: Buffer) => err1.push(d.toString()));
    // kill once some (but not all) batches are on disk
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await liveChecksum(out)).rows < 15_000) {
      if (child.exitCode !== null) throw new Error(`tap child exited ${child.exitCode}: ${err1.join('')}`);
      await sleep(100);
    }
    child.kill('SIGKILL');
    await exitOf(child);
    const before = (await liveChecksum(out)).rows;
    expect(before).toBeLessThan(N);
    child = tapChild(args);
    const stderr: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    await producing;
    await waitRows(out, N);
    child.kill('SIGTERM');
    expect(await exitOf(child), stderr.join('')).toBe(0);
    const [a, b] = [await sourceChecksum(src), await liveChecksum(out)];
    expect(b).toEqual({ rows: N, hash: a.hash, distinctOffsets: N });
    assertTiled(out, 3);
    for (const p of readdirSync(join(out, 'live')))
      expect(readdirSync(join(out, 'live', p)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('broker crashes (SIGKILL) and restarts mid-stream: reconnects, still exact', async () => {
    const src = join(work, 's3', 'src.parquet');
    const N = 100_000;
    await writeRetailRocketParquet(src, N, 33);
    const topic = 'broker-restart';
    await replay({ folder: join(work, 's3'), brokers: [broker.bootstrap], topic, partitions: 3 });
    const out = join(work, 'o3');
    const tap = new KafkaTap({ brokers: [broker.bootstrap], topic, out, batchRows: 3000, batchSeconds: 0.2 });
    const states: TapStatus[] = [];
    tap.on('status', (s: TapStatus) => states.push(s));
    let killed: Promise<void> | null = null;
    tap.on('batch', () => (killed ??= broker.kill())); // the broker crashes right after the first durable batch
    await tap.start();
    while (!killed) await sleep(10);
    await killed;
    const deadline = Date.now() + 20_000;
    while (tap.status().state !== 'reconnecting' && Date.now() < deadline) await sleep(100);
    expect(tap.status().state).toBe('reconnecting');
    expect(tap.status().lastError).toBeTruthy();
    const during = (await liveChecksum(out)).rows;
    expect(during).toBeLessThan(N);
    await sleep(2000);
    await broker.start();
    await waitRows(out, N);
    await tap.stop();
    const [a, b] = [await sourceChecksum(src), await liveChecksum(out)];
    expect(b).toEqual({ rows: N, hash: a.hash, distinctOffsets: N });
    expect(states.some((s) => s.state === 'reconnecting')).toBe(true);
    assertTiled(out, 3);
  });

  it('1 % malformed messages are quarantined with reasons, the rest is exact', async () => {
    const src = join(work, 's4', 'src.parquet');
    const N = 49_500;
    await writeRetailRocketParquet(src, N, 44);
    const topic = 'malformed';
    await ensureTopic([broker.bootstrap], topic, 3);
    const producer = newProducer([broker.bootstrap]);
    const bad = [
      { key: 'bad', value: '{"timestamp": 1441065600000, "visitorid": 1, "event": "view"' }, // truncated JSON
      { key: 'bad', value: '{"timestamp": 1441065600000, "visitorid": 1, "event": "teleport", "itemid": 3}' },
      { key: 'bad', value: '{"timestamp": "yesterday", "visitorid": 1, "event": "view"}' },
      { key: 'bad', value: '{"foo": 1, "bar": 2}' },
      { key: 'bad', value: '[1,2,3]' },
    ];
    let batch: { topic: string; key: string; value: string }[] = [];
    let i = 0;
    let malformed = 0;
    for await (const e of readFolderEvents(join(work, 's4'))) {
      batch.push({ topic, key: e.visitor_id, value: JSON.stringify(toLayout('retailrocket', e)) });
      if (++i % 99 === 0) {
        batch.push({ topic, ...bad[malformed % bad.length] });
        malformed++;
      }
      if (batch.length >= 2000) {
        await producer.send({ messages: batch });
        batch = [];
      }
    }
    if (batch.length) await producer.send({ messages: batch });
    await producer.close();
    expect(malformed).toBe(500);
    const out = join(work, 'o4');
    const tap = new KafkaTap({
      brokers: [broker.bootstrap],
      topic,
      out,
      batchRows: 10_000,
      batchSeconds: 0.3,
    });
    await tap.start();
    await waitRows(out, N);
    await sleep(500);
    await tap.stop();
    const [a, b] = [await sourceChecksum(src), await liveChecksum(out)];
    expect(b).toEqual({ rows: N, hash: a.hash, distinctOffsets: N });
    expect(tap.status().totals.quarantined).toBe(500);
    const q = readdirSync(join(out, '_quarantine'))
      .flatMap((p) => readdirSync(join(out, '_quarantine', p)).map((f) => join(out, '_quarantine', p, f)))
      .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
      .map(
        (l) => JSON.parse(l) as { partition: number; offset: string; reason: string; valueBase64: string },
      );
    expect(q).toHaveLength(500);
    expect(new Set(q.map((x) => `${x.partition}:${x.offset}`)).size).toBe(500);
    const reasons = new Set(q.map((x) => x.reason.split(':')[0]));
    expect(reasons).toEqual(
      new Set([
        'not JSON',
        'unknown_event_type',
        'unparseable_time',
        'unknown layout (fields',
        'not a JSON object',
      ]),
    );
    expect(Buffer.from(q[0].valueBase64, 'base64').toString()).toMatch(/^[[{]/);
    // quarantined offsets are covered by the batch ranges, so valid + quarantined = every offset of the topic
    assertTiled(out, 3);
    let covered = 0n;
    for (let p = 0; p < 3; p++)
      for (const f of listBatches(out, p)) covered += f.lastOffset - f.firstOffset + 1n;
    expect(Number(covered)).toBe(N + 500);
  });

  it('two taps in one consumer group share the partitions; the union is exact', async () => {
    const src = join(work, 's5', 'src.parquet');
    const N = 120_000;
    await writeRetailRocketParquet(src, N, 55);
    const topic = 'group-share';
    await ensureTopic([broker.bootstrap], topic, 4);
    const out = join(work, 'o5');
    const opts = {
      brokers: [broker.bootstrap],
      topic,
      out,
      group: 'shared-taps',
      batchRows: 5000,
      batchSeconds: 0.3,
    };
    const tapA = new KafkaTap(opts);
    const tapB = new KafkaTap({ ...opts, clientId: 'tap-b' });
    const rowsBy = { a: 0, b: 0 };
    tapA.on('batch', (x: TapBatchEvent) => (rowsBy.a += x.rows));
    tapB.on('batch', (x: TapBatchEvent) => (rowsBy.b += x.rows));
    await tapA.start();
    const producing = replay({ folder: join(work, 's5'), brokers: [broker.bootstrap], topic, rate: 30_000 });
    await sleep(1500);
    await tapB.start();
    await producing;
    try {
      await waitRows(out, N, 60_000);
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\nA: ${JSON.stringify(tapA.status())}\nB: ${JSON.stringify(tapB.status())}`,
      );
    }
    await sleep(500);
    await Promise.all([tapA.stop(), tapB.stop()]);
    const [a, b] = [await sourceChecksum(src), await liveChecksum(out)];
    expect(b).toEqual({ rows: N, hash: a.hash, distinctOffsets: N });
    expect(rowsBy.a).toBeGreaterThan(0);
    expect(rowsBy.b).toBeGreaterThan(0);
    expect(rowsBy.a + rowsBy.b).toBe(N);
    assertTiled(out, 4);
  });

  it('bad input gets clear, specific messages', async () => {
    await expect(
      new KafkaTap({ brokers: [broker.bootstrap], topic: 'no-such-topic', out: join(work, 'o6') }).start(),
    ).rejects.toThrow(/topic "no-such-topic" does not exist/);
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    await ensureTopic([broker.bootstrap], 'some-topic', 1);
    await expect(
      new KafkaTap({ brokers: [broker.bootstrap], topic: 'some-topic', out: join(file, 'sub') }).start(),
    ).rejects.toThrow(/output folder .* is not writable/);
    await expect(
      new KafkaTap({
        brokers: ['127.0.0.1:1'],
        topic: 'x',
        out: join(work, 'o7'),
        connectTimeoutMs: 1500,
      }).start(),
    ).rejects.toThrow(/cannot reach Kafka at 127\.0\.0\.1:1/);
    await expect(
      replay({ folder: join(work, 'nope'), brokers: [broker.bootstrap], topic: 't' }),
    ).rejects.toThrow(/does not exist/);
  });
});
