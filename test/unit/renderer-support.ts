/**
 * Test support for the renderer worker: DuckDB-WASM's blocking Node bundle behind the engine's SqlDb interface
 * (extension autoloading off — in Node an extension fetch would hang forever), a synthetic Arrow IPC cube with an
 * injected checkout incident, and a fake port that carries protocol messages through structuredClone (the only
 * fake: the transport edge).
 */
import { createRequire } from 'node:module';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import * as duckdb from '@duckdb/duckdb-wasm/blocking';
import type { Row, SqlDb } from '../../renderer/worker/engine.js';
import { AnalysisEngine } from '../../renderer/worker/engine.js';
import { Dispatcher } from '../../renderer/worker/dispatcher.js';
import { WorkerClient, type WorkerPort } from '../../renderer/worker/client.js';
import type { FromWorker, ToWorker } from '../../renderer/worker/protocol.js';
import { mulberry32 } from '../../core/simulate.js';

const require = createRequire(import.meta.url);

export async function openNodeDb(): Promise<SqlDb & { close(): void }> {
  const dist = require
    .resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs')
    .replace(/duckdb-node-blocking\.cjs$/, '');
  const db = await duckdb.createDuckDB(
    {
      mvp: { mainModule: dist + 'duckdb-mvp.wasm', mainWorker: dist + 'duckdb-node-mvp.worker.cjs' },
      eh: { mainModule: dist + 'duckdb-eh.wasm', mainWorker: dist + 'duckdb-node-eh.worker.cjs' },
    },
    new duckdb.VoidLogger(),
    duckdb.NODE_RUNTIME,
  );
  await db.instantiate(() => {});
  db.open({ query: { castBigIntToDouble: true } });
  const conn = db.connect();
  conn.query('SET autoinstall_known_extensions = false');
  conn.query('SET autoload_known_extensions = false');
  return {
    async query(sql: string): Promise<Row[]> {
      return conn
        .query(sql)
        .toArray()
        .map((r: { toJSON(): Row }) => {
          const o = r.toJSON();
          for (const k in o) if (typeof o[k] === 'bigint') o[k] = Number(o[k]);
          return o;
        });
    },
    async insertArrowIPC(table: string, bytes: Uint8Array): Promise<void> {
      conn.query(`DROP TABLE IF EXISTS "${table}"`);
      conn.insertArrowFromIPCStream(bytes, { name: table, create: true });
    },
    close() {
      conn.close();
      db.reset();
    },
  };
}

export const COMBOS = [
  { device: 'mobile', os: 'ios', browser: 'safari', views: 900 },
  { device: 'mobile', os: 'android', browser: 'chrome', views: 1400 },
  { device: 'desktop', os: 'windows', browser: 'chrome', views: 2600 },
  { device: 'desktop', os: 'macos', browser: 'safari', views: 700 },
  { device: 'tablet', os: 'ios', browser: 'safari', views: 300 },
];

export interface SyntheticCube {
  bytes: Uint8Array;
  rows: {
    date: string;
    device: string;
    os: string;
    browser: string;
    views: number;
    carts: number;
    purchases: number;
    revenue: number;
    visitors: number;
  }[];
  incidentFrom: string;
  dates: string[];
}

/**
 * `days` days from 2024-01-01 with a gap (days 20..26 absent, like the real data's missing weeks); from
 * `days - incidentDays` on, mobile × ios × safari converts at 30 % of its normal rate while its views grow 15 %.
 */
export function syntheticCube(days = 84, incidentDays = 14, seed = 7): SyntheticCube {
  const rand = mulberry32(seed);
  const rows: SyntheticCube['rows'] = [];
  const dates: string[] = [];
  const start = Date.UTC(2024, 0, 1);
  const incidentIndex = days - incidentDays;
  for (let i = 0; i < days; i++) {
    if (i >= 20 && i < 27) continue;
    const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    dates.push(date);
    const weekday = new Date(start + i * 86_400_000).getUTCDay();
    const wk = weekday === 0 || weekday === 6 ? 0.85 : 1.05;
    for (const c of COMBOS) {
      const broken = i >= incidentIndex && c.device === 'mobile' && c.os === 'ios' && c.browser === 'safari';
      const views = Math.round(c.views * wk * (0.9 + 0.2 * rand()) * (broken ? 1.15 : 1));
      const carts = Math.round(views * (0.1 + 0.01 * rand()));
      const purchases = Math.round(carts * (0.3 + 0.04 * rand()) * (broken ? 0.3 : 1));
      rows.push({
        date,
        device: c.device,
        os: c.os,
        browser: c.browser,
        views,
        carts,
        purchases,
        revenue: purchases * 40,
        visitors: Math.round(views / 3),
      });
    }
  }
  const table = tableFromArrays({
    date: rows.map((r) => r.date),
    device: rows.map((r) => r.device),
    os: rows.map((r) => r.os),
    browser: rows.map((r) => r.browser),
    views: Float64Array.from(rows.map((r) => r.views)),
    carts: Float64Array.from(rows.map((r) => r.carts)),
    purchases: Float64Array.from(rows.map((r) => r.purchases)),
    revenue: Float64Array.from(rows.map((r) => r.revenue)),
    visitors: Float64Array.from(rows.map((r) => r.visitors)),
  });
  return {
    bytes: tableToIPC(table, 'stream'),
    rows,
    incidentFrom: dates[dates.indexOf(dates[dates.length - incidentDays])],
    dates,
  };
}

/** an in-process worker: dispatcher + engine, messages structured-cloned both ways like postMessage */
export function inProcessWorker(db: SqlDb): {
  client: WorkerClient;
  engine: AnalysisEngine;
  dispatcher: Dispatcher;
  sent: ToWorker[];
} {
  const engine = new AnalysisEngine(db);
  let toClient: ((m: FromWorker) => void) | null = null;
  const sent: ToWorker[] = [];
  const dispatcher = new Dispatcher(
    async () => engine,
    (m) => queueMicrotask(() => toClient?.(structuredClone(m))),
  );
  const port: WorkerPort = {
    post(m) {
      sent.push(m);
      const copy = structuredClone(m);
      setTimeout(() => dispatcher.receive(copy), 0);
    },
    listen(handler) {
      toClient = handler;
    },
  };
  const client = new WorkerClient(port);
  queueMicrotask(() => toClient?.({ kind: 'ready', bundle: 'node-blocking', version: 'test' }));
  return { client, engine, dispatcher, sent };
}
