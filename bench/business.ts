/**
 * Business view bench: what the first visit to view 7 costs (the host building each compact table with native
 * DuckDB, its Arrow IPC size, the worker loading it into DuckDB-WASM) and what every later brush costs (each
 * tab's worker request for the whole range and for the last 14 days), next to the CLI service computing the
 * same view straight from the events.
 *
 *   npx tsx bench/business.ts
 *
 * Data (cached in $FUNNELSCOPE_BENCH_DIR, default $TMPDIR/funnelscope-bench): the 2.7 M-event generated sample
 * (Retail Rocket layout: no brand/price, derived sessions) and a 2 M-event cosmetics-layout fixture over 60
 * days (test/unit/business-fixture.ts: brand, category, price, user_session). The worker runs DuckDB-WASM's
 * blocking Node bundle in this process (the app runs the browser bundle in a web worker; same engine).
 * Own targets: first visit (all tables of a tab built + loaded) < 5 s; a brush (one request) < 500 ms.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUSINESS_TABLES, type BusinessTable } from '../core/business-sql.js';
import { openDataset, type Dataset } from '../electron/services/dataset.js';
import { generateSample } from '../electron/services/sample.js';
import {
  BusinessUnavailableError,
  businessTableArrow,
  customerMetrics,
  groupFunnels,
  hotLeadMetrics,
  hourlyGroupAnomalies,
  productMetrics,
  sessionMetrics,
} from '../electron/services/business.js';
import { AnalysisEngine } from '../renderer/worker/engine.js';
import { addDays } from '../renderer/lib/dates.js';
import type { Period } from '../core/types.js';
import { openNodeDb } from '../test/unit/renderer-support.js';
import { writeCosmeticsFixture } from '../test/unit/business-fixture.js';

const ms = (t0: number) => Math.round(performance.now() - t0);

async function sampleDir(base: string): Promise<string> {
  const dir = path.join(base, 'sample-sample');
  try {
    const truth = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as { events: number };
    if (truth.events > 2_600_000) return dir;
  } catch {
    /* generate */
  }
  await generateSample(dir, {});
  return dir;
}

async function cosmeticsDir(base: string): Promise<string> {
  const dir = path.join(base, 'business-cosmetics-2m');
  if (!existsSync(path.join(dir, 'part-2.parquet'))) await writeCosmeticsFixture(dir, 2_000_000, 60);
  return dir;
}

async function benchOne(name: string, ds: Dataset): Promise<Record<string, unknown>> {
  const db = await openNodeDb();
  const engine = new AnalysisEngine(db);
  const key = `${name}#1`;
  const tables: Record<string, unknown> = {};
  console.log(`\n${name}: tables (host build → worker load)`);
  console.log('  table          rows      Arrow KB   build ms   load ms');
  for (const table of BUSINESS_TABLES) {
    let bytes: Uint8Array;
    const t0 = performance.now();
    try {
      bytes = await businessTableArrow(ds, table as BusinessTable);
    } catch (e) {
      if (e instanceof BusinessUnavailableError) {
        console.log(`  ${table.padEnd(12)}   — ${e.message.slice(0, 60)}`);
        continue;
      }
      throw e;
    }
    const build = ms(t0);
    const t1 = performance.now();
    const r = await engine.run({ type: 'businessLoad', key, table, bytes });
    const load = ms(t1);
    tables[table] = { rows: r.rows, kb: Math.round(bytes.byteLength / 1024), buildMs: build, loadMs: load };
    console.log(
      `  ${table.padEnd(12)} ${String(r.rows).padStart(8)} ${String(Math.round(bytes.byteLength / 1024)).padStart(12)} ${String(build).padStart(10)} ${String(load).padStart(9)}`,
    );
  }
  const info = await engine.run({ type: 'businessInfo', key });
  const last14: Period = { from: addDays(info.range!.to, -13), to: info.range!.to };
  const before: Period = { from: addDays(last14.from, -56), to: addDays(last14.from, -1) };
  type Job = [string, (p: Period | null) => Promise<unknown>, (p: Period | null) => Promise<unknown>];
  const jobs: Job[] = [];
  for (const dimension of info.dimensions)
    jobs.push([
      dimension,
      (period) => engine.run({ type: 'businessGroups', key, period, dimension }),
      (period) => groupFunnels(ds, { dimension, period: period ?? {} }),
    ]);
  if (!info.views.anomalies.needs.length)
    jobs.push([
      'hourly',
      (period) => engine.run({ type: 'businessHourly', key, period }),
      (period) => hourlyGroupAnomalies(ds, { period: period ?? {} }),
    ]);
  jobs.push(
    [
      'sessions',
      (period) => engine.run({ type: 'businessSessions', key, period }),
      (period) => sessionMetrics(ds, { period: period ?? {} }),
    ],
    [
      'products',
      (period) =>
        engine.run({
          type: 'businessProducts',
          key,
          period,
          compare: { baseline: before, incident: last14 },
        }),
      (period) => productMetrics(ds, { period: period ?? {}, compare: before }),
    ],
    [
      'customers',
      (period) => engine.run({ type: 'businessCustomers', key, period }),
      (period) => customerMetrics(ds, { period: period ?? {} }),
    ],
    [
      'leads',
      (period) => engine.run({ type: 'businessLeads', key, period }),
      (period) => hotLeadMetrics(ds, { period: period ?? {} }),
    ],
  );
  const views: Record<string, unknown> = {};
  console.log(
    `${name}: requests (worker ms whole range / last 14 days; service ms whole range / last 14 days)`,
  );
  for (const [label, worker, service] of jobs) {
    await worker(null); // warm-up
    const times: number[] = [];
    for (const f of [worker, service])
      for (const p of [null, last14]) {
        const t0 = performance.now();
        await f(p);
        times.push(ms(t0));
      }
    views[label] = { workerAll: times[0], worker14: times[1], serviceAll: times[2], service14: times[3] };
    console.log(
      `  ${label.padEnd(14)} worker ${String(times[0]).padStart(5)} / ${String(times[1]).padStart(5)}   service ${String(times[2]).padStart(5)} / ${String(times[3]).padStart(5)}`,
    );
  }
  db.close();
  return { tables, views };
}

export async function runBusinessBench(): Promise<Record<string, unknown>> {
  const base = process.env.FUNNELSCOPE_BENCH_DIR ?? path.join(os.tmpdir(), 'funnelscope-bench');
  const out: Record<string, unknown> = { cpus: os.cpus().length };
  for (const [name, dir] of [
    ['sample', await sampleDir(base)],
    ['cosmetics', await cosmeticsDir(base)],
  ] as const) {
    const ds = await openDataset(dir);
    try {
      out[name] = await benchOne(name, ds);
    } finally {
      ds.close();
    }
  }
  out.rssMB = Math.round(process.memoryUsage().rss / 1e6);
  console.log(`\nprocess RSS at the end: ${out.rssMB} MB`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBusinessBench().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
