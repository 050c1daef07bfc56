/**
 * Ingestion bench: sample generation, then open (file checks + profile scan + duplicate search) and a daily
 * device×os×browser cube with the dataset service, side by side with a plain native-DuckDB query of the same
 * aggregation over the same files (the reference: no mapping, no rejection rules, no dedup).
 *
 *   npx tsx bench/ingest.ts            (or through `npm run bench`, which imports runIngestBench)
 *
 * Targets (issue #2, 2 cores): sample (2.7 M events) profile + cube < 2 s; 10× sample < 15 s and < 2 GB RSS.
 * Each measurement runs in a fresh child process, so its peak RSS (`process.resourceUsage().maxRSS`) belongs
 * to that measurement alone. The generated data is cached in $FUNNELSCOPE_BENCH_DIR (default
 * <tmpdir>/funnelscope-bench) and reused while its truth.json matches.
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { literal } from '../core/sql.js';
import { openDataset } from '../electron/services/dataset.js';
import { openDuckDB } from '../electron/services/duckdb.js';
import { generateSample, type SampleTruth } from '../electron/services/sample.js';

const CUBE_DIMS = ['device', 'os', 'browser'];
const SIZES = [
  { name: 'sample', events: 2_700_000, targetMs: 2_000, targetRssMb: Infinity },
  { name: '10x', events: 27_000_000, targetMs: 15_000, targetRssMb: 2_048 },
];

interface Measure {
  ms: number;
  /** CPU time of the process (user + system, all threads) — less sensitive than wall time to other load */
  cpuMs: number;
  /** 1-minute load average when the measurement ended */
  load: number;
  openMs?: number;
  cubeMs?: number;
  rows: number;
  cubeRows: number;
  maxRssMb: number;
}

/** Child side: one measurement in a fresh process. */
async function child(kind: 'service' | 'plain', dir: string): Promise<Measure> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  if (kind === 'service') {
    const ds = await openDataset(dir);
    const p = await ds.profile();
    const t1 = performance.now();
    const cube = await ds.cube({ dimensions: CUBE_DIMS, grain: 'day' });
    const t2 = performance.now();
    ds.close();
    return {
      ms: t2 - t0,
      cpuMs: cpuMs(),
      load: os.loadavg()[0],
      openMs: t1 - t0,
      cubeMs: t2 - t1,
      rows: p.rows.read,
      cubeRows: cube.rows.length,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    };
  }
  const db = await openDuckDB();
  const glob = literal(path.join(dir, '*.parquet'));
  const rows = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${glob})`);
  const cube = await db.columns(
    `SELECT strftime(d, '%Y-%m-%d') AS date, device, os, browser, views, carts, purchases, visitors FROM (
       SELECT CAST(epoch_ms("timestamp") AS DATE) AS d, device, os, browser,
         count(*) FILTER (WHERE event = 'view') AS views, count(*) FILTER (WHERE event = 'addtocart') AS carts,
         count(*) FILTER (WHERE event = 'transaction') AS purchases, count(DISTINCT visitorid) AS visitors
       FROM read_parquet(${glob}) GROUP BY ALL) ORDER BY ALL`,
  );
  const ms = performance.now() - t0;
  db.close();
  return {
    ms,
    cpuMs: cpuMs(),
    load: os.loadavg()[0],
    rows: Number(rows[0].n),
    cubeRows: cube.columns[0].length,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(kind: 'service' | 'plain', dir: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const cp = fork(fileURLToPath(import.meta.url), ['--child', kind, dir], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    cp.once('message', (m) => resolve(m as Measure));
    cp.once('error', reject);
    cp.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bench child (${kind}) exited with ${code}`));
    });
  });
}

async function ensureData(
  dir: string,
  events: number,
): Promise<{ truth: SampleTruth; genMs: number | null }> {
  try {
    const truth = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as SampleTruth;
    if (Math.abs(truth.events - events) < events * 0.01) return { truth, genMs: null };
  } catch {
    /* generate */
  }
  const t0 = performance.now();
  const truth = await generateSample(dir, { events });
  return { truth, genMs: performance.now() - t0 };
}

/** Run the ingestion bench, print a table and return the figures. */
export async function runIngestBench(): Promise<Record<string, unknown>> {
  const base = process.env.FUNNELSCOPE_BENCH_DIR ?? path.join(os.tmpdir(), 'funnelscope-bench');
  const out: Record<string, unknown> = { cpus: os.cpus().length };
  const lines: string[][] = [];
  for (const size of SIZES) {
    const dir = path.join(base, `sample-${size.name}`);
    const { truth, genMs } = await ensureData(dir, size.events);
    // warm the OS file cache once so both contenders read from memory
    await runChild('plain', dir);
    const service = await runChild('service', dir);
    const plain = await runChild('plain', dir);
    const ok = service.ms < size.targetMs && service.maxRssMb < size.targetRssMb;
    out[size.name] = {
      events: truth.events,
      files: truth.files,
      genMs,
      service,
      plain,
      targetMs: size.targetMs,
      targetRssMb: size.targetRssMb,
      ok,
    };
    lines.push([
      size.name,
      truth.events.toLocaleString('en-US'),
      String(truth.files),
      genMs === null ? 'cached' : `${(genMs / 1000).toFixed(1)} s`,
      `${service.ms.toFixed(0)} ms (open+profile ${service.openMs!.toFixed(0)}, cube ${service.cubeMs!.toFixed(0)})`,
      `${service.cpuMs.toFixed(0)} ms`,
      `${service.maxRssMb.toFixed(0)} MB`,
      `${plain.ms.toFixed(0)} ms`,
      `${plain.cpuMs.toFixed(0)} ms`,
      `${plain.maxRssMb.toFixed(0)} MB`,
      `${service.load.toFixed(1)}`,
      `< ${size.targetMs} ms${Number.isFinite(size.targetRssMb) ? `, < ${size.targetRssMb} MB` : ''}: ${ok ? 'OK' : 'MISSED'}`,
    ]);
    if (service.rows !== truth.events || service.cubeRows !== plain.cubeRows) {
      throw new Error(
        `bench ${size.name}: service and plain DuckDB disagree (rows ${service.rows}/${truth.events}, cube rows ${service.cubeRows}/${plain.cubeRows})`,
      );
    }
  }
  const header = [
    'data',
    'events',
    'files',
    'generate',
    'service profile + cube (wall)',
    'service CPU',
    'service RSS',
    'plain DuckDB cube',
    'plain CPU',
    'plain RSS',
    'load',
    'target',
  ];
  const w = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  console.log(`\nIngestion (${os.cpus().length} CPUs) — daily ${CUBE_DIMS.join('×')} cube`);
  console.log(header.map((h, i) => h.padEnd(w[i])).join(' | '));
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(w[i])).join(' | '));
  console.log(
    `CPU = user + system time of all threads; with ${os.cpus().length} CPUs and no other load, wall ≈ CPU / ${os.cpus().length}. ` +
      `'load' is the 1-minute load average during the service run: above ${os.cpus().length}, other processes share the CPUs and wall times grow.`,
  );
  return out;
}

if (process.argv[2] === '--child') {
  const m = await child(process.argv[3] as 'service' | 'plain', process.argv[4]);
  process.send!(m, () => process.exit(0));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runIngestBench();
}
