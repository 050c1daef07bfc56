/**
 * The mapping editor's host operations (electron/host/mapping-ops.ts) through createHost, as the renderer
 * calls them, on a folder in a layout no known layout matches (test/integration/mapping-fixture.ts) with one
 * corrupt file: `sourceColumns` answers every top-level column with its type and file count (checked against
 * an independent DESCRIBE of each file) and names the corrupt file with its reason; `sourceValues` answers the
 * event column's values as the mapping compares them (checked against DuckDB); bad folders get the open
 * operation's specific errors; the folder that fails to open opens with a mapping made of those columns.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatasetResult, SourceColumnsResult, SourceValuesResult } from '../../core/contract.js';
import { literal } from '../../core/sql.js';
import { createHost, defaultServices, type Host } from '../../electron/host/operations.js';
import { hostCalls } from './host-calls.js';
import { openDuckDB, type DuckDB } from '../../electron/services/duckdb.js';
import { writeUnknownLayoutFixture } from './mapping-fixture.js';

let work: string;
let dir: string;
let host: Host;
let db: DuckDB;

const { call, callError } = hostCalls(() => host, 'm');

describe('host sourceColumns / sourceValues', () => {
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'funnelscope-mapping-host-'));
    dir = await writeUnknownLayoutFixture(path.join(work, 'allowed', 'shop-export'));
    mkdirSync(path.join(work, 'allowed', 'empty'));
    mkdirSync(path.join(work, 'outside'));
    writeFileSync(path.join(work, 'allowed', 'notes.txt'), 'not a folder');
    symlinkSync(path.join(work, 'outside'), path.join(work, 'allowed', 'escape'));
    host = createHost({
      transport: 'web',
      services: await defaultServices(),
      userDataDir: path.join(work, 'userdata'),
      emit: () => undefined,
      allowedRoots: [path.join(work, 'allowed')],
    });
    db = await openDuckDB();
  });
  afterAll(async () => {
    db?.close();
    await host?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the folder does not open by itself: no known layout', async () => {
    const e = await callError('openFolder', { folder: dir });
    expect(e.code).toBe('DATASET_ERROR');
    expect(e.message).toMatch(/no usable Parquet file/);
    expect(e.message).toMatch(/part-a\.parquet: incompatible schema: no known layout/);
    expect(e.message).toMatch(/broken\.parquet: corrupt or unreadable Parquet/);
  });

  it('lists every source column with its type and file count, and the corrupt file with its reason', async () => {
    const r = await call<SourceColumnsResult>('sourceColumns', { folder: dir });
    expect(r.folder).toBe(dir);
    expect(r.files).toBe(3);
    expect(r.readable).toBe(2);
    expect(r.unreadable).toHaveLength(1);
    expect(r.unreadable[0].file).toBe('broken.parquet');
    expect(r.unreadable[0].reason).toMatch(/^corrupt or unreadable Parquet: \S/);
    expect(r.columns).toEqual([
      { name: 'ts_ms', type: 'BIGINT', types: ['BIGINT'], files: 2 },
      { name: 'customer', type: 'VARCHAR', types: ['VARCHAR'], files: 2 },
      { name: 'action', type: 'VARCHAR', types: ['VARCHAR'], files: 2 },
      { name: 'sku', type: 'INTEGER', types: ['INTEGER', 'BIGINT'], files: 2 },
      { name: 'amount', type: 'DOUBLE', types: ['DOUBLE'], files: 2 },
      { name: 'ua_device', type: 'VARCHAR', types: ['VARCHAR'], files: 2 },
      { name: 'country_code', type: 'VARCHAR', types: ['VARCHAR'], files: 1 },
      { name: 'sess', type: 'VARCHAR', types: ['VARCHAR'], files: 2 },
      { name: 'meta', type: 'NESTED', types: ['NESTED'], files: 2 },
    ]);
    // an independent read of each good file: the same names and (scalar) types, and the row total
    for (const f of ['part-a.parquet', path.join('sub', 'part-b.parquet')]) {
      const d = await db.all<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM read_parquet(${literal(path.join(dir, f))})`,
      );
      for (const c of d) {
        const listed = r.columns.find((x) => x.name === c.column_name);
        expect(listed, c.column_name).toBeDefined();
        if (!c.column_type.startsWith('STRUCT')) expect(listed!.types).toContain(c.column_type);
      }
    }
    const [{ n }] = await db.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM read_parquet([${literal(path.join(dir, 'part-a.parquet'))}, ${literal(path.join(dir, 'sub', 'part-b.parquet'))}], union_by_name = true)`,
    );
    expect(r.rows).toBe(Number(n));
  });

  it('lists a single Parquet file too', async () => {
    const r = await call<SourceColumnsResult>('sourceColumns', { folder: path.join(dir, 'part-a.parquet') });
    expect(r.files).toBe(1);
    expect(r.unreadable).toEqual([]);
    expect(r.columns.every((c) => c.files === 1)).toBe(true);
    expect(r.columns.map((c) => c.name)).toContain('country_code');
  });

  it('answers the event column values as the mapping compares them (trimmed, lower-cased)', async () => {
    const r = await call<SourceValuesResult>('sourceValues', { folder: dir, column: 'action' });
    const truth = await db.all<{ v: string; n: bigint }>(
      `SELECT lower(trim(action)) AS v, count(*) AS n FROM read_parquet([${literal(path.join(dir, 'part-a.parquet'))}, ${literal(path.join(dir, 'sub', 'part-b.parquet'))}], union_by_name = true) GROUP BY 1 ORDER BY n DESC`,
    );
    expect(r.column).toBe('action');
    expect(r.distinct).toBe(5);
    expect(r.values).toEqual(truth.map((t) => ({ value: t.v, rows: Number(t.n) })));
    expect(r.values.map((v) => v.value)).toEqual(['pv', 'atc', 'buy', 'rfc', 'ping']);
    const cut = await call<SourceValuesResult>('sourceValues', { folder: dir, column: 'action', limit: 2 });
    expect(cut.values).toHaveLength(2);
    expect(cut.distinct).toBe(5);
    expect(cut.rows).toBe(r.rows);
    // a column only one file has: only that file is scanned
    const cc = await call<SourceValuesResult>('sourceValues', { folder: dir, column: 'country_code' });
    expect(cc.values.map((v) => v.value).sort()).toEqual(['de', 'es', 'fr', 'it']);
    const [{ n }] = await db.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM read_parquet(${literal(path.join(dir, 'part-a.parquet'))})`,
    );
    expect(cc.rows).toBe(Number(n));
  });

  it('refuses an unknown column by naming the columns there are', async () => {
    const e = await callError('sourceValues', { folder: dir, column: 'event' });
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toMatch(/has a column "event"; columns: ts_ms, customer, action, sku/);
  });

  it('applies the open operation’s folder checks with specific errors', async () => {
    const notAllowed = await callError('sourceColumns', { folder: path.join(work, 'outside') });
    expect(notAllowed.code).toBe('FOLDER_NOT_ALLOWED');
    expect(notAllowed.message).toMatch(/only folders you chose can be opened/);
    const escape = await callError('sourceColumns', { folder: path.join(work, 'allowed', 'escape') });
    expect(escape.code).toBe('FOLDER_NOT_ALLOWED');
    expect(escape.message).toMatch(/outside the folders you chose/);
    const missing = await callError('sourceColumns', { folder: path.join(work, 'allowed', 'nope') });
    expect(missing.code).toBe('FOLDER_NOT_FOUND');
    expect(missing.message).toMatch(/^Folder not found: .*nope$/);
    const file = await callError('sourceColumns', { folder: path.join(work, 'allowed', 'notes.txt') });
    expect(file.code).toBe('NOT_A_FOLDER');
    const relative = await callError('sourceColumns', { folder: 'allowed/shop-export' });
    expect(relative.code).toBe('INVALID_REQUEST');
    expect(relative.message).toMatch(/absolute path/);
    const empty = await callError('sourceColumns', { folder: path.join(work, 'allowed', 'empty') });
    expect(empty.code).toBe('DATASET_ERROR');
    expect(empty.message).toMatch(/^no \.parquet files found in .*empty$/);
    const extra = await callError('sourceColumns', { folder: dir, x: 1 });
    expect(extra.code).toBe('INVALID_REQUEST');
    expect(extra.message).toMatch(/unknown field\(s\) "x"/);
    const valuesOutside = await callError('sourceValues', {
      folder: path.join(work, 'outside'),
      column: 'a',
    });
    expect(valuesOutside.code).toBe('FOLDER_NOT_ALLOWED');
  });

  it('the folder opens with a mapping of its source columns; the corrupt file is skipped by name', async () => {
    const mapping = {
      ts: 'ts_ms',
      timeFormat: 'epoch_ms',
      visitor_id: 'customer',
      event_type: 'action',
      eventValues: { pv: 'view', atc: 'cart', buy: 'purchase', rfc: 'remove_from_cart' },
      session_id: 'sess',
      item_id: 'sku',
      price: 'amount',
      dimensions: { device: 'ua_device' },
    };
    const opened = await call<OpenDatasetResult>('openFolder', { folder: dir, mapping });
    expect(opened.profile.layout).toBe('custom');
    expect(opened.profile.files.read).toBe(2);
    expect(opened.profile.files.skipped.map((s) => s.file)).toEqual(['broken.parquet']);
    const [truth] = await db.all<{ ping: bigint; rows: bigint }>(
      `SELECT count(*) FILTER (WHERE action = 'ping') AS ping, count(*) AS rows FROM read_parquet([${literal(path.join(dir, 'part-a.parquet'))}, ${literal(path.join(dir, 'sub', 'part-b.parquet'))}], union_by_name = true)`,
    );
    expect(opened.profile.rows.read).toBe(Number(truth.rows));
    expect(opened.profile.rows.rejected.unknown_event_type).toBe(Number(truth.ping));
    expect(opened.profile.dimensions.device).toBe(4);
    // a picked column of a type the field cannot take: the dataset service's own message names it
    const bad = await callError('openFolder', { folder: dir, mapping: { ...mapping, price: 'ua_device' } });
    expect(bad.code).toBe('DATASET_ERROR');
    expect(bad.message).toMatch(/column "ua_device" \(price\) is VARCHAR; a number is expected/);
  });
});
