/**
 * Dataset.addFiles (live batches picked up without reopening): after adding files, every cube (day and hour
 * grain, with dimensions and distinct visitors, cached before the addition or not) and the profile equal those
 * of a fresh open over all files — including new files that overlap old days, repeat old events exactly
 * (duplicates across files), fall on new days, or cannot be used.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDataset, type Dataset } from '../../electron/services/dataset.js';
import type { CubeSpec } from '../../core/sql.js';
import { useParquetScratch } from './parquet-scratch.js';

const scratch = useParquetScratch('funnelscope-ds-inc-');

/**
 * `n` Retail Rocket-layout events from `seed`, spread over `days` days from `start` (epoch ms timestamps), with
 * a small visitor pool so distinct visitors overlap between files.
 */
function events(seed: number, n: number, start: string, days: number): string {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  return (
    `SELECT (${t0} + ((i * 7919 + ${seed} * 104729) % ${days * 86_400}) * 1000)::BIGINT AS timestamp, ` +
    `((i * 31 + ${seed}) % 97)::BIGINT AS visitorid, ` +
    `CASE WHEN i % 9 = 0 THEN 'transaction' WHEN i % 4 = 0 THEN 'addtocart' ELSE 'view' END AS event, ` +
    `(i % 50)::BIGINT AS itemid, CASE WHEN i % 9 = 0 THEN i ELSE NULL END AS transactionid, ` +
    `['desktop','mobile','tablet'][1 + (i + ${seed}) % 3] AS device, ['ios','android','windows'][1 + (i // 3) % 3] AS os, ` +
    `['safari','chrome'][1 + (i // 7) % 2] AS browser FROM range(${n}) t(i)`
  );
}

const SPECS: CubeSpec[] = [
  { dimensions: ['device', 'os', 'browser'], grain: 'day' },
  { dimensions: ['device'], grain: 'hour' },
  { dimensions: [], grain: 'day', from: '2024-03-05', to: '2024-03-20' },
  { dimensions: ['browser', 'weekday'], grain: 'day' },
];

const open: Dataset[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});
async function openIt(folder: string): Promise<Dataset> {
  const d = await openDataset(folder, { threads: 2 });
  open.push(d);
  return d;
}

async function expectSameAsFresh(ds: Dataset, folder: string): Promise<void> {
  const fresh = await openIt(folder);
  for (const spec of SPECS) {
    const a = await ds.cube(spec);
    const b = await fresh.cube(spec);
    expect(a.rows.length, JSON.stringify(spec)).toBeGreaterThan(0);
    expect(a, JSON.stringify(spec)).toEqual(b);
    expect(Buffer.from(await ds.cubeArrow(spec)).equals(Buffer.from(await fresh.cubeArrow(spec)))).toBe(true);
  }
  expect(await ds.profile()).toEqual(await fresh.profile());
  expect([...ds.files].sort()).toEqual([...fresh.files].sort());
}

describe('Dataset.addFiles', () => {
  it('new files on old and new days, with exact duplicates of old events: cubes equal a fresh open', async () => {
    const folder = path.join(scratch.dir, 'live-a');
    await scratch.writeParquet(path.join(folder, 'p=0', 'a.parquet'), events(1, 4000, '2024-03-01', 14));
    await scratch.writeParquet(path.join(folder, 'p=1', 'b.parquet'), events(2, 3000, '2024-03-08', 10));
    const ds = await openIt(folder);
    const before = await ds.profile();
    // warm the cache with every spec, so the additions must update cached cubes
    const cached = await Promise.all(SPECS.map((s) => ds.cube(s)));
    expect(cached[0].rows.length).toBeGreaterThan(0);

    // c: overlaps the last old days and adds new ones; d: exact copies of 500 of a's events (duplicates)
    await scratch.writeParquet(path.join(folder, 'p=0', 'c.parquet'), events(3, 2500, '2024-03-15', 8));
    await scratch.writeParquet(
      path.join(folder, 'p=1', 'd.parquet'),
      `SELECT * FROM (${events(1, 4000, '2024-03-01', 14)}) LIMIT 500`,
    );
    const r = await ds.addFiles();
    expect(r.added.map((f) => path.basename(f)).sort()).toEqual(['c.parquet', 'd.parquet']);
    expect(r.rows).toBe(3000);
    expect(r.events).toBe(3000);
    expect(r.skipped).toEqual([]);
    expect(r.days!.from >= '2024-03-01' && r.days!.to <= '2024-03-22').toBe(true);
    expect(r.latestEventMs).toBeGreaterThan(Date.parse('2024-03-15T00:00:00Z'));
    const after = await ds.profile();
    expect(after.rows.read).toBe(before.rows.read + 3000);
    expect(after.rows.duplicates).toBeGreaterThanOrEqual(before.rows.duplicates + 500);
    await expectSameAsFresh(ds, folder);

    // nothing new: nothing happens; adding again never double counts
    const again = await ds.addFiles();
    expect(again.added).toEqual([]);
    await expectSameAsFresh(ds, folder);
  });

  it('adds named files only, skips corrupt and foreign ones with a reason, and keeps working', async () => {
    const folder = path.join(scratch.dir, 'live-b');
    await scratch.writeParquet(path.join(folder, 'a.parquet'), events(5, 2000, '2024-03-01', 7));
    const ds = await openIt(folder);
    await ds.cube(SPECS[0]);
    await scratch.writeParquet(path.join(folder, 'b.parquet'), events(6, 1500, '2024-03-06', 5));
    await scratch.writeParquet(path.join(folder, 'c.parquet'), events(7, 1500, '2024-03-09', 5));
    await writeFile(path.join(folder, 'broken.parquet'), 'not a parquet file');
    await scratch.writeParquet(path.join(folder, 'foreign.parquet'), `SELECT 1 AS x, 'y' AS z`);
    const first = await ds.addFiles([path.join(folder, 'b.parquet')]);
    expect(first.added.map((f) => path.basename(f))).toEqual(['b.parquet']);
    const second = await ds.addFiles();
    expect(second.added.map((f) => path.basename(f))).toEqual(['c.parquet']);
    expect(second.skipped.map((s) => s.file).sort()).toEqual(['broken.parquet', 'foreign.parquet']);
    expect(second.skipped.find((s) => s.file === 'broken.parquet')!.reason).toMatch(/corrupt or unreadable/);
    expect((await ds.addFiles()).skipped).toEqual([]); // skipped files are not retried every time
    await expectSameAsFresh(ds, folder);
  });

  it('refuses files whose dimensions differ from the open dataset, naming them', async () => {
    const folder = path.join(scratch.dir, 'live-c');
    await scratch.writeParquet(path.join(folder, 'a.parquet'), events(8, 1000, '2024-03-01', 5));
    const ds = await openIt(folder);
    await scratch.writeParquet(
      path.join(folder, 'b.parquet'),
      // the cosmetics layout: brand, category and price bands instead of device/os/browser
      `SELECT '2024-03-04 10:00:00 UTC' AS event_time, 'view' AS event_type, 1 AS product_id, 2 AS category_id, ` +
        `'a.b' AS category_code, 'x' AS brand, 9.5 AS price, 7 AS user_id, 's' AS user_session FROM range(10)`,
    );
    const r = await ds.addFiles();
    expect(r.added).toEqual([]);
    expect(r.skipped[0].file).toBe('b.parquet');
    expect(r.skipped[0].reason).toMatch(/other dimensions.*reopen the folder/);
    expect((await ds.profile()).files.read).toBe(1);
  });
});
