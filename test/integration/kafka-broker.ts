/**
 * A real single-node Apache Kafka broker (KRaft mode) for integration tests, the tap benchmark and demos —
 * no Docker. The jars come from Maven Central through test/kafka/pom.xml and are cached in
 * `.cache/kafka/libs` (`scripts/kafka-broker.sh fetch`). The broker binds and advertises 127.0.0.1 only, on
 * free ports, with its storage formatted in a fresh temp dir; readiness is detected by polling cluster
 * metadata with the same Kafka client the app uses, never by sleeping.
 *
 * Also a tiny CLI for demos (scripts/kafka-broker.sh start|stop|status calls it):
 *   npx tsx test/integration/kafka-broker.ts start [--port P]   → prints the bootstrap address, stays up
 *   npx tsx test/integration/kafka-broker.ts stop
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { DuckDBInstance } from '@duckdb/node-api';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FETCH_COMMAND = 'bash scripts/kafka-broker.sh fetch';

/** Where the broker jars are cached (FUNNELSCOPE_KAFKA_LIBS overrides). */
export function kafkaLibsDir(): string {
  return process.env.FUNNELSCOPE_KAFKA_LIBS ?? join(REPO_ROOT, '.cache', 'kafka', 'libs');
}

export function kafkaJarsPresent(): boolean {
  const dir = kafkaLibsDir();
  return existsSync(dir) && readdirSync(dir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
}

/** Fetch the jars (a no-op when cached). Throws with mvn's output when it fails. */
export function fetchKafkaJars(): void {
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'kafka-broker.sh'), 'fetch'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${FETCH_COMMAND} failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * For test files: returns null when a broker can be started, or the reason to skip. Under CI=true a missing
 * jar cache is an error naming the fetch command (tests must run there, not skip).
 */
export function kafkaSkipReason(): string | null {
  if (kafkaJarsPresent()) return null;
  const msg = `Kafka broker jars are missing in ${kafkaLibsDir()} — run \`${FETCH_COMMAND}\` first`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(msg);
  return msg;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface StartBrokerOptions {
  /** broker (PLAINTEXT) port; a free one by default */
  port?: number;
  /** working dir holding server.properties, data/ and server.log; a fresh temp dir by default */
  dir?: string;
  /** default partitions of auto-created topics (auto-creation itself is off) */
  partitions?: number;
  /** max wait for readiness */
  timeoutMs?: number;
  /** keep running after this process exits (demos) */
  detached?: boolean;
}

export interface KafkaBroker {
  /** "127.0.0.1:<port>" */
  bootstrap: string;
  port: number;
  controllerPort: number;
  dir: string;
  pid: number;
  /** graceful stop (SIGTERM, SIGKILL after 20 s); the data dir is kept so start() can bring it back */
  stop(): Promise<void>;
  /** crash it (SIGKILL); start() recovers the same data */
  kill(): Promise<void>;
  /** start again on the same ports with the same data */
  start(): Promise<void>;
  /** stop and delete the working dir */
  destroy(): Promise<void>;
}

function serverProperties(dir: string, port: number, cport: number, partitions: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${cport}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    `num.partitions=${partitions}`,
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
    '',
  ].join('\n');
}

const LOG4J2 = (dir: string) =>
  [
    'status = error',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${join(dir, 'server.log')}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    '',
  ].join('\n');

function java(libs: string, args: string[], dir: string): { status: number | null; out: string } {
  const r = spawnSync(
    'java',
    ['-cp', `${libs}/*`, `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, ...args],
    {
      encoding: 'utf8',
    },
  );
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Poll cluster metadata until the broker answers (or time out with the tail of server.log). */
export async function waitForBroker(
  bootstrap: string,
  timeoutMs = 60_000,
  isAlive: () => boolean = () => true,
  logFile?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (!isAlive()) break;
    const admin = new Admin({
      clientId: 'funnelscope-broker-probe',
      bootstrapBrokers: [bootstrap],
      retries: 0,
      connectTimeout: 1000,
      requestTimeout: 2000,
    });
    try {
      const md = await admin.metadata({ topics: [] });
      if (md.brokers.size > 0) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await admin.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail =
    logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  throw new Error(
    `Kafka broker at ${bootstrap} not ready after ${timeoutMs} ms (${lastError})${tail ? `\n${tail}` : ''}`,
  );
}

export async function startKafkaBroker(options: StartBrokerOptions = {}): Promise<KafkaBroker> {
  const libs = kafkaLibsDir();
  if (!kafkaJarsPresent())
    throw new Error(`Kafka broker jars are missing in ${libs} — run \`${FETCH_COMMAND}\``);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'funnelscope-kafka-'));
  mkdirSync(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  let cport = await freePort();
  while (cport === port) cport = await freePort();
  writeFileSync(join(dir, 'server.properties'), serverProperties(dir, port, cport, options.partitions ?? 3));
  writeFileSync(join(dir, 'log4j2.properties'), LOG4J2(dir));
  const id = java(libs, ['kafka.tools.StorageTool', 'random-uuid'], dir);
  const clusterId = id.out.trim().split('\n').pop()!.trim();
  const fmt = java(
    libs,
    [
      'kafka.tools.StorageTool',
      'format',
      '--standalone',
      '-t',
      clusterId,
      '-c',
      join(dir, 'server.properties'),
    ],
    dir,
  );
  if (fmt.status !== 0) throw new Error(`Kafka storage format failed: ${fmt.out}`);

  const bootstrap = `127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let exited = true;

  const launch = async (): Promise<void> => {
    const out = openSync(join(dir, 'stdout.log'), 'a');
    child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
        '-cp',
        `${libs}/*`,
        'kafka.Kafka',
        join(dir, 'server.properties'),
      ],
      { stdio: ['ignore', out, out], detached: options.detached ?? false },
    );
    exited = false;
    child.once('exit', () => {
      exited = true;
    });
    if (options.detached) child.unref();
    await waitForBroker(bootstrap, options.timeoutMs ?? 90_000, () => !exited, join(dir, 'server.log'));
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || exited) return;
    await new Promise<void>((res) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
      c.once('exit', () => {
        clearTimeout(t);
        res();
      });
      c.kill('SIGTERM');
    });
  };

  await launch();
  const broker: KafkaBroker = {
    bootstrap,
    port,
    controllerPort: cport,
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    stop,
    async kill() {
      const c = child;
      if (!c || exited) return;
      await new Promise<void>((res) => {
        c.once('exit', () => res());
        c.kill('SIGKILL');
      });
    },
    start: launch,
    async destroy() {
      await stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return broker;
}

// ------------------------------------------------------------------ demo CLI

const stateFile = () => join(REPO_ROOT, '.cache', 'kafka', 'demo', 'state.json');

async function cli(argv: string[]): Promise<number> {
  const cmd = argv[0];
  if (cmd === 'start') {
    const portArg = argv.indexOf('--port');
    const port = portArg >= 0 ? Number(argv[portArg + 1]) : undefined;
    const dir = join(REPO_ROOT, '.cache', 'kafka', 'demo');
    if (existsSync(stateFile())) {
      const s = JSON.parse(readFileSync(stateFile(), 'utf8')) as { pid: number; bootstrap: string };
      try {
        process.kill(s.pid, 0);
        process.stdout.write(`${s.bootstrap}\n`);
        process.stderr.write(`Kafka broker already running (pid ${s.pid}) at ${s.bootstrap}\n`);
        return 0;
      } catch {
        /* stale state */
      }
    }
    rmSync(dir, { recursive: true, force: true });
    const b = await startKafkaBroker({ port, dir, detached: true });
    writeFileSync(stateFile(), JSON.stringify({ pid: b.pid, bootstrap: b.bootstrap, dir }, null, 2));
    process.stdout.write(`${b.bootstrap}\n`);
    process.stderr.write(
      `Kafka broker running (pid ${b.pid}) at ${b.bootstrap}; logs in ${dir}/server.log; stop with: bash scripts/kafka-broker.sh stop\n`,
    );
    return 0;
  }
  if (cmd === 'stop' || cmd === 'status') {
    if (!existsSync(stateFile())) {
      process.stderr.write('no demo Kafka broker is running\n');
      return cmd === 'stop' ? 0 : 1;
    }
    const s = JSON.parse(readFileSync(stateFile(), 'utf8')) as { pid: number; bootstrap: string };
    let alive = true;
    try {
      process.kill(s.pid, 0);
    } catch {
      alive = false;
    }
    if (cmd === 'status') {
      process.stdout.write(
        alive ? `running pid ${s.pid} at ${s.bootstrap}\n` : 'not running (stale state)\n',
      );
      return alive ? 0 : 1;
    }
    if (alive) {
      process.kill(s.pid, 'SIGTERM');
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 200));
        try {
          process.kill(s.pid, 0);
        } catch {
          alive = false;
          break;
        }
      }
      if (alive) process.kill(s.pid, 'SIGKILL');
    }
    rmSync(stateFile(), { force: true });
    process.stderr.write(`stopped Kafka broker pid ${s.pid}\n`);
    return 0;
  }
  process.stderr.write('usage: kafka-broker.ts start [--port P] | stop | status\n');
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

// ------------------------------------------------------------------ test data helpers (native DuckDB)

async function duck<T>(
  fn: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
): Promise<T> {
  const inst = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const con0 = await inst.connect();
  await con0.run("SET TimeZone = 'UTC'");
  con0.closeSync();
  const con = await inst.connect();
  try {
    return await fn(
      async (sql) => (await con.run(sql)).getRowObjectsJS() as Promise<Record<string, unknown>[]>,
    );
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

/** Write `rows` deterministic Retail Rocket-layout events (epoch-ms timestamps) into one Parquet file. */
export async function writeRetailRocketParquet(file: string, rows: number, seed = 1): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await duck(async (run) => {
    await run(`COPY (
      SELECT 1441065600000 + i * 41 + (hash(i + ${seed}) % 40)::BIGINT AS timestamp,
             (hash(i * 3 + ${seed}) % 25000)::BIGINT AS visitorid,
             CASE WHEN i % 61 = 0 THEN 'transaction' WHEN i % 9 = 0 THEN 'addtocart' ELSE 'view' END AS event,
             (hash(i * 7 + ${seed}) % 9000)::BIGINT AS itemid,
             CASE WHEN i % 61 = 0 THEN i ELSE NULL END AS transactionid,
             ['desktop', 'mobile', 'tablet'][(i % 3) + 1] AS device,
             ['windows', 'ios', 'android', 'macos'][(hash(i) % 4)::INTEGER + 1] AS os,
             ['chrome', 'safari', 'firefox', 'edge'][(hash(i + 5) % 4)::INTEGER + 1] AS browser
      FROM range(${rows}) t(i)
    ) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
  });
}

export interface Checksum {
  rows: number;
  /** order-independent: sum of per-row hashes over every column, as a decimal string */
  hash: string;
  /** distinct (partition, offset) pairs in a live folder (-1 for a source file) */
  distinctOffsets: number;
}

/** Checksum of a Retail Rocket-layout source file. */
export async function sourceChecksum(file: string): Promise<Checksum> {
  return duck(async (run) => {
    const [r] =
      await run(`SELECT count(*)::BIGINT AS n, sum(hash(timestamp, visitorid::VARCHAR, event, itemid::VARCHAR, transactionid::VARCHAR, device, os, browser)::HUGEINT)::VARCHAR AS h
      FROM read_parquet('${file.replace(/'/g, "''")}')`);
    return { rows: Number(r.n), hash: String(r.h), distinctOffsets: -1 };
  });
}

/** Checksum of a tap output folder (FOLDER/live), same columns and hash as sourceChecksum. */
export async function liveChecksum(out: string): Promise<Checksum> {
  const glob = join(out, 'live', '**', '*.parquet');
  const any = (dir: string): boolean =>
    existsSync(dir) &&
    readdirSync(dir, { withFileTypes: true }).some((d) =>
      d.isDirectory() ? any(join(dir, d.name)) : d.name.endsWith('.parquet'),
    );
  if (!any(join(out, 'live'))) return { rows: 0, hash: '0', distinctOffsets: 0 };
  return duck(async (run) => {
    const [r] = await run(`SELECT count(*)::BIGINT AS n, count(DISTINCT (_partition, _offset))::BIGINT AS d,
        coalesce(sum(hash(epoch_ms(timestamp), visitorid, event, itemid, transactionid, device, os, browser)::HUGEINT), 0)::VARCHAR AS h
      FROM read_parquet('${glob.replace(/'/g, "''")}')`);
    return { rows: Number(r.n), hash: String(r.h), distinctOffsets: Number(r.d) };
  });
}
