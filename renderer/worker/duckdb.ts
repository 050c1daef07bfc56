/**
 * DuckDB-WASM inside the analysis worker. The bundles (wasm + DuckDB's own worker script) are emitted by Vite
 * as local assets via `?url` imports — never a CDN — and Chromium picks the exception-handling build when it
 * can (selectBundle). DuckDB runs in its own nested worker (AsyncDuckDB), so this worker stays free to receive
 * cancellations while a query runs.
 *
 * Extension autoloading/autoinstalling is switched off: DuckDB-WASM cannot fetch extensions offline and would
 * otherwise try to download e.g. parquet from extensions.duckdb.org (see /work/shared/guides/stack-notes.md).
 */
import * as duckdb from '@duckdb/duckdb-wasm';
import mvpWasm from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import mvpWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url';
import ehWasm from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import ehWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import type { Row, SqlDb } from './engine.js';

const BUNDLES: duckdb.DuckDBBundles = {
  mvp: { mainModule: mvpWasm, mainWorker: mvpWorker },
  eh: { mainModule: ehWasm, mainWorker: ehWorker },
};

export interface BrowserDb extends SqlDb {
  bundle: string;
  version: string;
}

function rowsOf(table: { toArray(): { toJSON(): Row }[] }): Row[] {
  return table.toArray().map((r) => {
    const o = r.toJSON();
    for (const k in o) if (typeof o[k] === 'bigint') o[k] = Number(o[k]);
    return o;
  });
}

export async function openBrowserDb(): Promise<BrowserDb> {
  const bundle = await duckdb.selectBundle(BUNDLES);
  const worker = new Worker(new URL(bundle.mainWorker!, self.location.href).href);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(new URL(bundle.mainModule, self.location.href).href, null);
  await db.open({ query: { castBigIntToDouble: true, castDecimalToDouble: true } });
  const conn = await db.connect();
  await conn.query('SET autoinstall_known_extensions = false');
  await conn.query('SET autoload_known_extensions = false');
  const version = await db.getVersion();
  return {
    bundle: bundle.mainModule.includes('-eh') ? 'eh' : 'mvp',
    version,
    async query(sql: string) {
      return rowsOf(await conn.query(sql));
    },
    async insertArrowIPC(table: string, bytes: Uint8Array) {
      await conn.query(`DROP TABLE IF EXISTS "${table.replace(/"/g, '""')}"`);
      await conn.insertArrowFromIPCStream(bytes, { name: table, create: true });
    },
  };
}
