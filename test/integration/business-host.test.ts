/**
 * The host's `businessCube` operation (electron/host/business-ops.ts) through createHost, as the renderer
 * calls it: request validation (unknown table, missing or extra fields, unknown dataset), each table's Arrow
 * IPC bytes for a cosmetics-layout folder checked against native DuckDB, and the NOT_AVAILABLE message that
 * names the missing column on a Retail Rocket-layout folder. hostInfo lists the operation as available.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSINESS_TABLES } from '../../core/business-sql.js';
import type { OpenDatasetResult } from '../../core/contract.js';
import { literal } from '../../core/sql.js';
import { createHost, defaultServices, type Host } from '../../electron/host/operations.js';
import { hostCalls } from './host-calls.js';
import { openDuckDB, type DuckDB } from '../../electron/services/duckdb.js';
import { generateSample } from '../../electron/services/sample.js';
import { writeCosmeticsFixture } from '../unit/business-fixture.js';

let work: string;
let host: Host;
let db: DuckDB;

const { call, callError } = hostCalls(() => host, 'b');

describe('host businessCube', () => {
  let cosmetics: OpenDatasetResult;
  let rr: OpenDatasetResult;
  let cosDir: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'funnelscope-biz-host-'));
    cosDir = await writeCosmeticsFixture(path.join(work, 'allowed', 'cosmetics'), 40_000, 20);
    await generateSample(path.join(work, 'allowed', 'rr'), { events: 20_000, days: 14, files: 2, seed: 3 });
    host = createHost({
      transport: 'web',
      services: await defaultServices(),
      userDataDir: path.join(work, 'userdata'),
      emit: () => undefined,
      allowedRoots: [path.join(work, 'allowed')],
    });
    cosmetics = await call('openFolder', { folder: cosDir });
    rr = await call('openFolder', { folder: path.join(work, 'allowed', 'rr') });
    db = await openDuckDB();
  });
  afterAll(async () => {
    db?.close();
    await host?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is listed as available', async () => {
    const info = await call<{ unavailable: string[] }>('hostInfo', {});
    expect(info.unavailable).not.toContain('businessCube');
  });

  it('validates the request', async () => {
    const bad = await callError('businessCube', { datasetId: cosmetics.datasetId, table: 'brands' });
    expect(bad.code).toBe('INVALID_REQUEST');
    expect(bad.message).toMatch(/table/);
    expect(bad.message).toMatch(/"availability", "daily", "groups"/);
    const missing = await callError('businessCube', { datasetId: cosmetics.datasetId });
    expect(missing.code).toBe('INVALID_REQUEST');
    expect(missing.message).toMatch(/table/);
    const extra = await callError('businessCube', { datasetId: cosmetics.datasetId, table: 'daily', x: 1 });
    expect(extra.code).toBe('INVALID_REQUEST');
    const gone = await callError('businessCube', { datasetId: 'ds-nope', table: 'daily' });
    expect(gone.code).toBe('DATASET_NOT_FOUND');
  });

  it('answers every table as Arrow IPC; the numbers are the folder’s', async () => {
    const src = `(SELECT DISTINCT * FROM read_parquet(${literal(path.join(cosDir, '*.parquet'))}))`;
    const rows: Record<string, number> = {};
    for (const table of BUSINESS_TABLES) {
      const bytes = await call<Uint8Array>('businessCube', { datasetId: cosmetics.datasetId, table });
      expect(bytes).toBeInstanceOf(Uint8Array);
      rows[table] = tableFromIPC(bytes).numRows;
    }
    const [truth] = await db.all<{ days: bigint; carts: bigint; sessions: bigint }>(
      `SELECT count(DISTINCT CAST(event_time[1:10] AS DATE)) AS days, ` +
        `count(DISTINCT (user_id, product_id, event_time[1:10])) FILTER (WHERE event_type = 'cart') AS carts, ` +
        `count(DISTINCT (user_id, user_session)) AS sessions FROM ${src}`,
    );
    expect(rows.daily).toBe(Number(truth.days));
    expect(rows.carts).toBe(Number(truth.carts));
    expect(rows.availability).toBe(9);
    // brand × date × dim: 3 group dimensions
    const groups = tableFromIPC(
      await call<Uint8Array>('businessCube', { datasetId: cosmetics.datasetId, table: 'groups' }),
    );
    const dims = new Set(groups.getChild('dim')!.toArray() as string[]);
    expect(dims).toEqual(new Set(['brand', 'category_root', 'price_band']));
    let views = 0;
    const dim = groups.getChild('dim')!.toArray() as string[];
    const v = groups.getChild('views')!.toArray();
    for (let i = 0; i < groups.numRows; i++) if (dim[i] === 'brand') views += Number(v[i]);
    const [tv] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${src} WHERE event_type = 'view'`);
    expect(views).toBe(Number(tv.n));
    // sessions per day sum to the (user, session) pairs (sessions never cross midnight in the fixture)
    const sess = tableFromIPC(
      await call<Uint8Array>('businessCube', { datasetId: cosmetics.datasetId, table: 'sessions' }),
    );
    const total = (sess.getChild('sessions')!.toArray() as Int32Array).reduce((a, b) => a + Number(b), 0);
    expect(total).toBe(Number(truth.sessions));
  });

  it('a table the columns do not allow: NOT_AVAILABLE naming the column; the dataset stays usable', async () => {
    const hourly = await callError('businessCube', { datasetId: rr.datasetId, table: 'hourly' });
    expect(hourly.code).toBe('NOT_AVAILABLE');
    expect(hourly.message).toMatch(/^The hourly table needs column brand \(this dataset has: ts, visitor_id/);
    const groups = await callError('businessCube', { datasetId: rr.datasetId, table: 'groups' });
    expect(groups.code).toBe('NOT_AVAILABLE');
    expect(groups.message).toMatch(/needs columns? brand or category or price/);
    const avail = tableFromIPC(
      await call<Uint8Array>('businessCube', { datasetId: rr.datasetId, table: 'availability' }),
    );
    const view = avail.getChild('view')!.toArray() as string[];
    const needs = avail.getChild('needs')!.toArray() as string[];
    const by = Object.fromEntries(view.map((x, i) => [x, needs[i]]));
    expect(by).toMatchObject({ brands: 'brand', categories: 'category', priceBands: 'price', products: '' });
    const products = await call<Uint8Array>('businessCube', { datasetId: rr.datasetId, table: 'products' });
    expect(tableFromIPC(products).numRows).toBeGreaterThan(0);
  });
});
