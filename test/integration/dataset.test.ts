/**
 * Dataset service against native DuckDB: the real Retail Rocket file (profile + cube vs the reference daily CSV),
 * fixtures of the three layouts written as Parquet by DuckDB into a temp dir (epoch s / ms, ISO with and
 * without zone, the cosmetics "UTC" suffix), rejected rows by reason, duplicates, corrupt and foreign files.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  DatasetError,
  openDataset,
  loadMappingFile,
  type Dataset,
} from '../../electron/services/dataset.js';
import { literal } from '../../core/sql.js';
import { useParquetScratch } from './parquet-scratch.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../../../shared/data');
const RR_FILE = path.join(DATA, 'retailrocket_contaminated_events.parquet');
const RR_CSV = path.join(DATA, 'retailrocket_daily_by_combo.csv');

const scratch = useParquetScratch('funnelscope-ds-');
const { writeParquet } = scratch;

describe('real Retail Rocket file', () => {
  if (!existsSync(RR_FILE)) throw new Error(`reference data missing: ${RR_FILE}`);
  let ds: Dataset;
  beforeAll(async () => {
    ds = await openDataset(RR_FILE);
  });
  afterAll(() => ds?.close());

  it('profiles the file', async () => {
    const p = await ds.profile();
    expect(p.layout).toBe('retailrocket');
    expect(p.files).toEqual({ read: 1, skipped: [] });
    expect(p.rows.read).toBe(1_999_980);
    expect(p.rows.rejected).toEqual({
      unparseable_time: 0,
      missing_visitor: 0,
      unknown_event_type: 0,
      non_positive_price: 0,
    });
    // 312 duplicate groups (README) holding 314 extra copies
    expect(p.rows.duplicates).toBe(314);
    expect(p.range).toEqual({ from: '2015-05-03', to: '2015-09-18' });
    expect(p.dimensions).toEqual({ device: 3, os: 5, browser: 4, weekday: 7, hour_of_day: 24 });
  });

  it('cube = reference daily CSV minus exactly the removed duplicate copies, cell by cell', async () => {
    // The reference CSV counts raw rows (its totals equal the raw file's: 1,933,195 views, 51,008 carts),
    // i.e. it applied no dedup. Our cube removes exact duplicates, so each cell must differ from the CSV by
    // the extra copies that fall into it — computed here independently from the raw file.
    const cube = await ds.cube({ dimensions: ['device', 'os', 'browser'], grain: 'day' });
    const csv = await scratch.db.all<{
      date: string;
      device: string;
      os: string;
      browser: string;
      views: number;
      addtocarts: number;
      transactions: number;
      visitors: number;
    }>(
      `SELECT strftime(date, '%Y-%m-%d') AS date, device, os, browser, views::INTEGER AS views, addtocarts::INTEGER AS addtocarts,
              transactions::INTEGER AS transactions, visitors::INTEGER AS visitors FROM read_csv(${literal(RR_CSV)})`,
    );
    const extra = await scratch.db.all<{ k: string; event: string; n: number }>(
      `SELECT strftime(epoch_ms("timestamp"), '%Y-%m-%d') || '|' || device || '|' || os || '|' || browser AS k, event, sum(c - 1)::INTEGER AS n
       FROM (SELECT *, count(*) AS c FROM read_parquet(${literal(RR_FILE)}) GROUP BY ALL HAVING count(*) > 1) GROUP BY ALL`,
    );
    const extraOf = (k: string, ev: string) =>
      extra.filter((e) => e.k === k && e.event === ev).reduce((a, e) => a + e.n, 0);
    expect(cube.rows.length).toBe(1284);
    expect(csv.length).toBe(1284);
    const byKey = new Map(
      cube.rows.map((r) => [`${r.date}|${r.dims.device}|${r.dims.os}|${r.dims.browser}`, r]),
    );
    let removedViews = 0;
    let removedCarts = 0;
    for (const c of csv) {
      const k = `${c.date}|${c.device}|${c.os}|${c.browser}`;
      const r = byKey.get(k);
      expect(r, k).toBeDefined();
      expect(r!.views, k).toBe(c.views - extraOf(k, 'view'));
      expect(r!.carts, k).toBe(c.addtocarts - extraOf(k, 'addtocart'));
      expect(r!.purchases, k).toBe(c.transactions - extraOf(k, 'transaction'));
      expect(r!.visitors, k).toBe(c.visitors);
      expect(r!.revenue).toBe(0);
      removedViews += c.views - r!.views;
      removedCarts += c.addtocarts - r!.carts;
    }
    expect([removedViews, removedCarts]).toEqual([68, 246]);
  });

  it('delivers the same cube as Arrow IPC, with hour grain and date range', async () => {
    const spec = {
      dimensions: ['device', 'weekday'],
      grain: 'hour' as const,
      from: '2015-09-01',
      to: '2015-09-03',
    };
    const cube = await ds.cube(spec);
    const table = tableFromIPC(await ds.cubeArrow(spec));
    expect(table.numRows).toBe(cube.rows.length);
    expect(table.schema.fields.map((f) => f.name)).toEqual([
      'date',
      'hour',
      'device',
      'weekday',
      'views',
      'carts',
      'purchases',
      'revenue',
      'visitors',
    ]);
    const dates = new Set(cube.rows.map((r) => r.date));
    expect([...dates]).toEqual(['2015-09-01', '2015-09-02', '2015-09-03']);
    const arr = table.toArray().map((r) => r.toJSON());
    cube.rows.forEach((r, i) => {
      expect(arr[i]).toEqual({
        date: r.date,
        hour: r.hour,
        device: r.dims.device,
        weekday: r.dims.weekday,
        views: r.views,
        carts: r.carts,
        purchases: r.purchases,
        revenue: r.revenue,
        visitors: r.visitors,
      });
    });
    expect(cube.rows.every((r) => r.hour! >= 0 && r.hour! <= 23)).toBe(true);
  });

  it('can skip distinct visitors; repeated specs are answered from the cache with fresh objects', async () => {
    const spec = { dimensions: ['browser'], grain: 'day' as const, from: '2015-09-10' };
    const withV = await ds.cube(spec);
    const noV = await ds.cube({ ...spec, visitors: false });
    expect(noV.rows.map(({ visitors, ...r }) => ({ ...r, visitors }))).toEqual(
      withV.rows.map((r) => ({ ...r, visitors: undefined })),
    );
    expect(noV.rows.every((r) => !('visitors' in r))).toBe(true);
    expect(
      tableFromIPC(await ds.cubeArrow({ ...spec, visitors: false })).schema.fields.map((f) => f.name),
    ).not.toContain('visitors');
    const again = await ds.cube(spec);
    expect(again).toEqual(withV);
    expect(again).not.toBe(withV);
    again.rows[0].views = -1;
    expect((await ds.cube(spec)).rows[0].views).toBe(withV.rows[0].views);
  });

  it('refuses unknown dimensions and bad dates with a clear message', async () => {
    await expect(ds.cube({ dimensions: ['country'], grain: 'day' })).rejects.toThrow(
      /unknown dimension\(s\) country; available: device, os, browser, weekday, hour_of_day/,
    );
    await expect(ds.cube({ dimensions: [], grain: 'day', from: '2015/09/01' })).rejects.toThrow(
      /invalid date/,
    );
  });

  it('previews normalized events', async () => {
    const rows = await ds.preview(3);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      ts: '2015-05-03T03:00:04.384Z',
      event_type: 'cart',
      device: 'mobile',
      os: 'ios',
      browser: 'safari',
      weekday: 'Sunday',
      hour_of_day: '03',
    });
  });
});

describe('fixtures of the three layouts', () => {
  it('reads Retail Rocket files with epoch-ms, epoch-s and ISO string timestamps to the same instants', async () => {
    const dir = path.join(scratch.dir, 'rr-times');
    const rows = (ts: (ms: number) => string) =>
      `SELECT * FROM (VALUES (${ts(1441324800000)}, 1, 'view', 10, NULL::BIGINT, 'mobile', 'ios', 'safari'),
                             (${ts(1441328400500)}, 1, 'addtocart', 10, NULL, 'mobile', 'ios', 'safari'),
                             (${ts(1441411200000)}, 2, 'transaction', 10, 99, 'desktop', 'windows', 'chrome'))
              t("timestamp", visitorid, event, itemid, transactionid, device, os, browser)`;
    await writeParquet(
      path.join(dir, 'ms.parquet'),
      rows((ms) => `${ms}::BIGINT`),
    );
    await writeParquet(
      path.join(dir, 's.parquet'),
      rows((ms) => `${ms / 1000}::DOUBLE`),
    );
    await writeParquet(
      path.join(dir, 'sub', 'iso.parquet'),
      rows((ms) => literal(new Date(ms).toISOString().replace('Z', '+00:00'))),
    );
    const ds = await openDataset(dir);
    try {
      const p = await ds.profile();
      expect(p.files.read).toBe(3);
      expect(p.layout).toBe('retailrocket');
      // the three files hold the same three events (to the millisecond), so each event has 2 extra copies
      expect(p.rows).toEqual({
        read: 9,
        rejected: { unparseable_time: 0, missing_visitor: 0, unknown_event_type: 0, non_positive_price: 0 },
        duplicates: 6,
      });
      const cube = await ds.cube({ dimensions: ['device'], grain: 'hour' });
      expect(cube.rows.map((r) => [r.date, r.hour, r.dims.device, r.views, r.carts, r.purchases])).toEqual([
        ['2015-09-04', 0, 'mobile', 1, 0, 0],
        ['2015-09-04', 1, 'mobile', 0, 1, 0],
        ['2015-09-05', 0, 'desktop', 0, 0, 1],
      ]);
      const preview = await ds.preview(9);
      expect(new Set(preview.map((r) => r.ts))).toEqual(
        new Set(['2015-09-04T00:00:00.000Z', '2015-09-04T01:00:00.500Z', '2015-09-05T00:00:00.000Z']),
      );
      expect(preview.every((r) => typeof r.visitor_id === 'string')).toBe(true);
    } finally {
      ds.close();
    }
  });

  it('cosmetics export: "UTC" timestamps, rejected rows by reason, duplicates, revenue, derived dimensions', async () => {
    const dir = path.join(scratch.dir, 'cosmetics');
    await writeParquet(
      path.join(dir, '2019-Oct.parquet'),
      `SELECT * FROM (VALUES
        ('2019-10-01 00:00:00 UTC', 'view', 5802432, 1487580005134238553, 'appliances.environment.vacuum', 'runail', 2.62, 463240011, 's1'),
        ('2019-10-01 00:00:00 UTC', 'view', 5802432, 1487580005134238553, 'appliances.environment.vacuum', 'runail', 2.62, 463240011, 's1'),
        ('2019-10-01 00:00:00 UTC', 'view', 5802432, 1487580005134238553, 'appliances.environment.vacuum', 'runail', 2.62, 463240011, 's1'),
        ('2019-10-01 00:01:00 UTC', 'cart', 5802432, 1487580005134238553, 'appliances.environment.vacuum', 'runail', 2.62, 463240011, 's1'),
        ('2019-10-01 00:02:00 UTC', 'remove_from_cart', 5802432, 1487580005134238553, 'appliances.environment.vacuum', 'runail', 2.62, 463240011, 's1'),
        ('2019-10-01 00:03:00 UTC', 'purchase', 5844397, 1487580006317032337, 'beauty.nails', 'irisk', 35.0, 463240011, 's1'),
        ('2019-10-01 00:04:00 UTC', 'purchase', 5844398, 1487580006317032337, 'beauty.nails', 'irisk', 70.0, 463240012, 's2'),
        ('2019-10-01 00:05:00 UTC', 'purchase', 5844399, 1487580006317032337, 'beauty.nails', 'irisk', 0.0, 463240012, 's2'),
        ('not a time', 'view', 1, 1, NULL, NULL, 1.0, 463240013, 's3'),
        ('2019-10-01 00:06:00 UTC', 'wishlist', 1, 1, NULL, NULL, 1.0, 463240013, 's3'),
        ('2019-10-01 00:07:00 UTC', 'view', 1, 1, NULL, NULL, 1.0, NULL, 's3')
      ) t(event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session)`,
    );
    const ds = await openDataset(dir);
    try {
      const p = await ds.profile();
      expect(p.layout).toBe('cosmetics');
      expect(p.rows).toEqual({
        read: 11,
        rejected: { unparseable_time: 1, missing_visitor: 1, unknown_event_type: 1, non_positive_price: 1 },
        duplicates: 2,
      });
      expect(p.range).toEqual({ from: '2019-10-01', to: '2019-10-01' });
      expect(p.dimensions).toMatchObject({
        brand: 2,
        category: 2,
        category_id: 2,
        price_band: 3,
        category_root: 2,
      });
      const total = await ds.cube({ dimensions: [], grain: 'day' });
      expect(total.rows).toEqual([
        { date: '2019-10-01', views: 1, carts: 1, purchases: 2, revenue: 105, visitors: 2, dims: {} },
      ]);
      const byRoot = await ds.cube({ dimensions: ['category_root', 'price_band'], grain: 'day' });
      expect(
        byRoot.rows.map((r) => [
          r.dims.category_root,
          r.dims.price_band,
          r.views,
          r.carts,
          r.purchases,
          r.revenue,
        ]),
      ).toEqual([
        ['appliances', '<10', 1, 1, 0, 0],
        ['beauty', '30-60', 0, 0, 1, 35],
        ['beauty', '60+', 0, 0, 1, 70],
      ]);
    } finally {
      ds.close();
    }
  });

  it('streaming-pipeline layout: ISO with and without zone, quantity × price revenue', async () => {
    const dir = path.join(scratch.dir, 'pipeline');
    await writeParquet(
      path.join(dir, 'part-0.parquet'),
      `SELECT * FROM (VALUES
        ('e1', '2024-05-01T23:30:00+02:00', 'u1', 's1', 'page_view', 'p1', 'Phone', 'Electronics.Phones', 299.0, 1, 'mobile', 'Safari', 'DE', 'Berlin'),
        ('e2', '2024-05-01T22:00:00', 'u1', 's1', 'add_to_cart', 'p1', 'Phone', 'Electronics.Phones', 299.0, 1, 'mobile', 'Safari', 'DE', 'Berlin'),
        ('e3', '2024-05-01T22:10:00.500Z', 'u1', 's1', 'purchase', 'p1', 'Phone', 'Electronics.Phones', 12.5, 4, 'mobile', 'Safari', 'DE', 'Berlin'),
        ('e4', '2024-05-02T08:00:00+00:00', 'u2', 's2', 'page_view', 'p2', 'Mug', 'Home', 9.0, 1, 'desktop', 'Firefox', 'FR', 'Paris')
      ) t(event_id, event_timestamp, user_id, session_id, event_type, product_id, product_name, product_category, product_price, quantity, device_type, browser, country, city)`,
    );
    const ds = await openDataset(dir);
    try {
      expect((await ds.profile()).layout).toBe('pipeline');
      expect(ds.dimensions).toEqual(['device', 'browser', 'country', 'city', 'category']);
      expect(ds.derivedDimensions).toEqual(['price_band', 'category_root', 'weekday', 'hour_of_day']);
      const cube = await ds.cube({ dimensions: ['country', 'category_root'], grain: 'hour' });
      expect(
        cube.rows.map((r) => [
          r.date,
          r.hour,
          r.dims.country,
          r.dims.category_root,
          r.views,
          r.carts,
          r.purchases,
          r.revenue,
        ]),
      ).toEqual([
        ['2024-05-01', 21, 'DE', 'Electronics', 1, 0, 0, 0],
        ['2024-05-01', 22, 'DE', 'Electronics', 0, 1, 1, 50],
        ['2024-05-02', 8, 'FR', 'Home', 1, 0, 0, 0],
      ]);
    } finally {
      ds.close();
    }
  });

  it('a mapping JSON maps a custom layout; unknown mapping columns are named', async () => {
    const dir = path.join(scratch.dir, 'custom');
    await writeParquet(
      path.join(dir, 'c.parquet'),
      `SELECT * FROM (VALUES (1441324800, 'a', 'PV', 'NL'), (1441324801, 'a', 'Buy', 'NL'), (1441324802, 'b', 'pv', 'BE'))
        t(time, uid, kind, market)`,
    );
    const mappingFile = path.join(scratch.dir, 'mapping.json');
    await writeFile(
      mappingFile,
      JSON.stringify({
        ts: 'time',
        timeFormat: 'epoch_s',
        visitor_id: 'uid',
        event_type: 'kind',
        eventValues: { pv: 'view', buy: 'purchase' },
        dimensions: { market: 'market' },
      }),
    );
    const mapping = await loadMappingFile(mappingFile);
    const ds = await openDataset(dir, { mapping });
    try {
      const p = await ds.profile();
      expect(p.layout).toBe('custom');
      const cube = await ds.cube({ dimensions: ['market'], grain: 'day' });
      expect(cube.rows.map((r) => [r.date, r.dims.market, r.views, r.purchases, r.visitors])).toEqual([
        ['2015-09-04', 'BE', 1, 0, 1],
        ['2015-09-04', 'NL', 1, 1, 1],
      ]);
    } finally {
      ds.close();
    }
    const err = await openDataset(dir, { mapping: { ...mapping, dimensions: { market: 'region' } } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('NO_USABLE_FILES');
    expect(err.message).toMatch(
      /c\.parquet: incompatible schema: mapping names column\(s\) the file does not have: region/,
    );
    await writeFile(mappingFile, '{"ts": 5}');
    await expect(loadMappingFile(mappingFile)).rejects.toThrow(
      /mapping file .*mapping.json: invalid mapping: ts:/,
    );
    await writeFile(mappingFile, '{oops');
    await expect(loadMappingFile(mappingFile)).rejects.toThrow(/is not valid JSON/);
  });
});

describe('bad files in a folder', () => {
  const good = (ts0: number) =>
    `SELECT * FROM (VALUES (${ts0}::BIGINT, 1::BIGINT, 'view', 1::BIGINT, NULL::BIGINT, 'mobile', 'android', 'chrome'),
                           (${ts0 + 1000}, 2, 'view', 1, NULL, 'desktop', 'macos', 'safari'))
       t("timestamp", visitorid, event, itemid, transactionid, device, os, browser)`;

  it('reports a corrupt, an empty, a foreign and a wrongly typed file by name while the rest loads', async () => {
    const dir = path.join(scratch.dir, 'mixed-bad');
    await writeParquet(path.join(dir, 'a.parquet'), good(1441324800000));
    await writeParquet(path.join(dir, 'b.parquet'), good(1441411200000));
    await writeFile(
      path.join(dir, 'corrupt.parquet'),
      Buffer.from('PAR1 this is not really parquet at all, just bytes PAR1'),
    );
    await writeFile(path.join(dir, 'empty.parquet'), '');
    await writeParquet(
      path.join(dir, 'foreign.parquet'),
      `SELECT 1441324800000 AS "timestamp", 5 AS visitorid, 'click' AS action`,
    );
    await writeParquet(
      path.join(dir, 'stringprice.parquet'),
      `SELECT '2019-10-01 00:00:00 UTC' AS event_time, 'purchase' AS event_type, 1 AS user_id, '12.50' AS price`,
    );
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    const ds = await openDataset(dir);
    try {
      const p = await ds.profile();
      expect(p.files.read).toBe(2);
      expect(p.rows.read).toBe(4);
      const reasons = Object.fromEntries(p.files.skipped.map((s) => [s.file, s.reason]));
      expect(Object.keys(reasons)).toEqual([
        'corrupt.parquet',
        'empty.parquet',
        'foreign.parquet',
        'stringprice.parquet',
      ]);
      expect(reasons['corrupt.parquet']).toMatch(/^corrupt or unreadable Parquet: /);
      expect(reasons['empty.parquet']).toMatch(/^corrupt or unreadable Parquet: .*too small/);
      expect(reasons['foreign.parquet']).toMatch(
        /^incompatible schema: no known layout: closest is retailrocket \(.*\), missing column\(s\) event — .* \(columns: timestamp, visitorid, action\)$/,
      );
      expect(reasons['stringprice.parquet']).toBe(
        'incompatible schema: column "price" (price) is VARCHAR; a number is expected',
      );
      const cube = await ds.cube({ dimensions: [], grain: 'day' });
      expect(cube.rows.map((r) => [r.date, r.views])).toEqual([
        ['2015-09-04', 2],
        ['2015-09-05', 2],
      ]);
    } finally {
      ds.close();
    }
  });

  it('a file with an intact footer but damaged data pages is skipped by name during the scan', async () => {
    const dir = path.join(scratch.dir, 'mid-corrupt');
    for (const n of ['a', 'b']) {
      await writeParquet(
        path.join(dir, `${n}.parquet`),
        `SELECT 1441324800000 + i * 1000 AS "timestamp", i % 1000 AS visitorid, 'view' AS event, i AS itemid FROM range(100000) t(i)`,
      );
    }
    const file = path.join(dir, 'b.parquet');
    const buf = await readFile(file);
    for (let i = 1000; i < buf.length - 4000; i += 997) buf[i] ^= 0xff; // keep the footer readable
    await writeFile(file, buf);
    const ds = await openDataset(dir);
    try {
      const p = await ds.profile();
      expect(p.files.read).toBe(1);
      expect(p.files.skipped).toHaveLength(1);
      expect(p.files.skipped[0].file).toBe('b.parquet');
      expect(p.files.skipped[0].reason).toMatch(/^corrupt or unreadable Parquet: .*b\.parquet/);
      expect(p.rows.read).toBe(100_000);
    } finally {
      ds.close();
    }
  });

  it('a folder with files of two layouts loads both (dimensions united)', async () => {
    const dir = path.join(scratch.dir, 'two-layouts');
    await writeParquet(path.join(dir, 'rr.parquet'), good(1441324800000));
    await writeParquet(
      path.join(dir, 'pl.parquet'),
      `SELECT 'e1' AS event_id, '2015-09-04T12:00:00Z' AS event_timestamp, 'u9' AS user_id, 'page_view' AS event_type, 'mobile' AS device_type, 'NL' AS country`,
    );
    const ds = await openDataset(dir);
    try {
      const p = await ds.profile();
      expect(p.layout.split('+').sort()).toEqual(['pipeline', 'retailrocket']);
      expect(ds.dimensions).toEqual(expect.arrayContaining(['device', 'os', 'browser', 'country']));
      const cube = await ds.cube({ dimensions: ['device', 'country'], grain: 'day' });
      expect(cube.rows.map((r) => [r.dims.device, r.dims.country, r.views, r.visitors])).toEqual([
        ['desktop', null, 1, 1],
        ['mobile', 'NL', 1, 1],
        ['mobile', null, 1, 1],
      ]);
    } finally {
      ds.close();
    }
  });

  it('a folder with no usable file is a clear error naming each file', async () => {
    const dir = path.join(scratch.dir, 'all-bad');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'x.parquet'), 'garbage');
    await writeParquet(path.join(dir, 'y.parquet'), `SELECT 1 AS a`);
    const err = await openDataset(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('NO_USABLE_FILES');
    expect(err.message).toMatch(
      /^no usable Parquet file in .*all-bad — x\.parquet: corrupt or unreadable Parquet: .*; y\.parquet: incompatible schema/,
    );
    expect(err.skipped.map((s: { file: string }) => s.file)).toEqual(['x.parquet', 'y.parquet']);
    await expect(openDataset(path.join(scratch.dir, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const emptyDir = path.join(scratch.dir, 'empty-dir');
    await mkdir(emptyDir, { recursive: true });
    await expect(openDataset(emptyDir)).rejects.toMatchObject({
      code: 'NO_FILES',
      message: expect.stringMatching(/no \.parquet files found/),
    });
  });

  it('cancels through an AbortSignal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(openDataset(RR_FILE, { signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
  });

  it('interrupts the running scan when the signal is aborted', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = openDataset(RR_FILE, {
      signal: ac.signal,
      // the footer check is done; abort 30 ms into the profile scan (which takes several hundred ms)
      onProgress: (e) => {
        if (e.phase === 'files') setTimeout(() => ac.abort(), 30);
      },
    });
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports progress while loading', async () => {
    const phases = new Set<string>();
    const ds = await openDataset(RR_FILE, { onProgress: (p) => phases.add(p.phase) });
    ds.close();
    expect(phases.has('files')).toBe(true);
  });
});
