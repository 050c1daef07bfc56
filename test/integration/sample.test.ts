/**
 * Sample generator: determinism, realistic structure (consistent per-visitor device/os/browser, no impossible
 * pairs, weekly seasonality, overdispersed days, funnel rates) and the injected incident, checked by reading the
 * generated Parquet back with the dataset service.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../electron/services/dataset.js';
import { openDuckDB } from '../../electron/services/duckdb.js';
import {
  POSSIBLE_BROWSERS,
  POSSIBLE_OSES,
  defaultSampleDir,
  ensureSample,
  generateSample,
  type SampleTruth,
} from '../../electron/services/sample.js';
import { literal } from '../../core/sql.js';
import type { Cube } from '../../core/types.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'funnelscope-sample-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function digest(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(dir)).sort()) h.update(f).update(await readFile(path.join(dir, f)));
  return h.digest('hex');
}

async function cubeOf(dir: string, dims = ['device', 'os', 'browser']): Promise<Cube> {
  const ds = await openDataset(dir);
  try {
    return await ds.cube({ dimensions: dims, grain: 'day' });
  } finally {
    ds.close();
  }
}

const SMALL = { events: 150_000, days: 40, files: 16, startDate: '2024-01-01' } as const;

describe('generateSample (small)', () => {
  it('is deterministic: same seed → same files, same truth; another seed → different data', async () => {
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    const c = path.join(tmp, 'c');
    const ta = await generateSample(a, { ...SMALL, seed: 7 });
    const tb = await generateSample(b, { ...SMALL, seed: 7 });
    const tc = await generateSample(c, { ...SMALL, seed: 8 });
    expect(tb).toEqual(ta);
    expect(await digest(b)).toBe(await digest(a));
    expect(tc.counts).not.toEqual(ta.counts);
    expect(await digest(c)).not.toBe(await digest(a));
    expect(JSON.parse(await readFile(path.join(a, 'truth.json'), 'utf8'))).toEqual(ta);
    const files = (await readdir(a)).filter((f) => f.endsWith('.parquet'));
    expect(files).toHaveLength(16);
    expect(ta.events).toBeGreaterThan(149_000);
    expect(ta.events).toBeLessThan(151_000);
  });

  it('the counts read back equal the truth; the incident is where the truth says', async () => {
    const dir = path.join(tmp, 'a');
    const truth: SampleTruth = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8'));
    const ds = await openDataset(dir);
    try {
      const p = await ds.profile();
      expect(p.layout).toBe('retailrocket');
      expect(p.rows.read).toBe(truth.events);
      expect(p.rows.duplicates).toBe(0);
      expect(Object.values(p.rows.rejected).every((n) => n === 0)).toBe(true);
      expect(p.range).toEqual({ from: '2024-01-01', to: '2024-02-09' });
      const total = await ds.cube({ dimensions: [], grain: 'day' });
      const sum = (k: 'views' | 'carts' | 'purchases') => total.rows.reduce((a, r) => a + r[k], 0);
      expect({ views: sum('views'), carts: sum('carts'), purchases: sum('purchases') }).toEqual(truth.counts);
      expect(total.rows).toHaveLength(40);
      expect(truth.incident).toMatchObject({
        segment: { device: 'mobile', os: 'ios', browser: 'safari' },
        start: '2024-01-27',
        end: '2024-02-09',
        days: 14,
        share: 0.8,
      });
    } finally {
      ds.close();
    }
  });

  it('regenerating into the same folder leaves no stale files', async () => {
    const dir = path.join(tmp, 'regen');
    await generateSample(dir, { ...SMALL, files: 20 });
    const t = await generateSample(dir, { ...SMALL, files: 10 });
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet'))).toHaveLength(10);
    const ds = await openDataset(dir);
    try {
      expect((await ds.profile()).rows.read).toBe(t.events);
    } finally {
      ds.close();
    }
  });

  it('can be cancelled', async () => {
    const ac = new AbortController();
    const p = generateSample(path.join(tmp, 'cancelled'), {
      ...SMALL,
      onProgress: (e) => {
        if (e.daysDone === 3) ac.abort();
      },
      signal: ac.signal,
    });
    await expect(p).rejects.toThrow(/cancelled/);
    await expect(readFile(path.join(tmp, 'cancelled', 'truth.json'))).rejects.toThrow();
  });

  it('no incident / a custom incident', async () => {
    const none = await generateSample(path.join(tmp, 'none'), { ...SMALL, seed: 7, incident: null });
    expect(none.incident).toBeNull();
    const custom = await generateSample(path.join(tmp, 'custom'), {
      ...SMALL,
      seed: 7,
      incident: { segment: { browser: 'samsung' }, start: '2024-01-20', days: 5, share: 1 },
    });
    expect(custom.incident).toMatchObject({
      segment: { browser: 'samsung' },
      start: '2024-01-20',
      end: '2024-01-24',
      days: 5,
      share: 1,
    });
    expect(custom.incident!.purchasesConverted).toBeGreaterThan(0);
    const cube = await cubeOf(path.join(tmp, 'custom'), ['browser']);
    const samsungIn = cube.rows.filter(
      (r) => r.dims.browser === 'samsung' && r.date >= '2024-01-20' && r.date <= '2024-01-24',
    );
    expect(samsungIn).toHaveLength(5);
    expect(samsungIn.reduce((a, r) => a + r.purchases, 0)).toBe(0);
    expect(samsungIn.reduce((a, r) => a + r.views, 0)).toBeGreaterThan(1000);
    await expect(
      generateSample(path.join(tmp, 'x'), {
        ...SMALL,
        incident: { segment: { os: 'ios', browser: 'edge' } },
      }),
    ).rejects.toThrow(/matches no device\/os\/browser combination/);
    await expect(
      generateSample(path.join(tmp, 'x'), { ...SMALL, incident: { segment: { country: 'NL' } } }),
    ).rejects.toThrow(/unknown dimension/);
  });
});

describe('default sample (ensureSample)', () => {
  let userData: string;
  let dir: string;
  let truth: SampleTruth;
  let cube: Cube;
  beforeAll(async () => {
    userData = path.join(tmp, 'userdata');
    const r = await ensureSample(userData);
    expect(r.generated).toBe(true);
    dir = r.dir;
    truth = r.truth;
    cube = await cubeOf(dir);
  });

  it('is generated once into the user data directory and then reused', async () => {
    expect(dir).toBe(defaultSampleDir(userData));
    const again = await ensureSample(userData);
    expect(again).toEqual({ dir, truth, generated: false });
    expect((await readdir(userData)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('the truth counts exactly what was written', () => {
    const sum = (k: 'views' | 'carts' | 'purchases') => cube.rows.reduce((a, r) => a + r[k], 0);
    expect({ views: sum('views'), carts: sum('carts'), purchases: sum('purchases') }).toEqual(truth.counts);
    expect(truth.counts.views + truth.counts.carts + truth.counts.purchases).toBe(truth.events);
    expect(truth.incident!.transactionsConverted).toBeGreaterThan(0);
    expect(truth.incident!.transactionsConverted).toBeLessThanOrEqual(truth.incident!.purchasesConverted);
  });

  it('has the documented size: ~2.7 M events, ~270 files, ~4.5 months', async () => {
    expect(Math.abs(truth.events - 2_700_000)).toBeLessThan(2_700);
    expect(truth.files).toBeGreaterThanOrEqual(260);
    expect(truth.files).toBeLessThanOrEqual(280);
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet'))).toHaveLength(truth.files);
    expect(truth.days).toBeGreaterThanOrEqual(130);
    expect(truth.days).toBeLessThanOrEqual(140);
  });

  it('every visitor keeps one device/os/browser and no impossible pair exists', async () => {
    const db = await openDuckDB();
    try {
      const glob = literal(path.join(dir, '*.parquet'));
      const [multi] = await db.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM (SELECT visitorid FROM read_parquet(${glob}) GROUP BY visitorid HAVING count(DISTINCT (device, os, browser)) > 1)`,
      );
      expect(Number(multi.n)).toBe(0);
      const combos = await db.all<{ device: string; os: string; browser: string }>(
        `SELECT DISTINCT device, os, browser FROM read_parquet(${glob}) ORDER BY ALL`,
      );
      expect(combos.length).toBeGreaterThanOrEqual(12);
      for (const c of combos) {
        expect(POSSIBLE_OSES[c.device], `${c.device}/${c.os}`).toContain(c.os);
        expect(POSSIBLE_BROWSERS[c.os], `${c.os}/${c.browser}`).toContain(c.browser);
      }
      const impossible = combos.filter(
        (c) =>
          (c.browser === 'safari' && !['ios', 'macos'].includes(c.os)) ||
          (c.browser === 'edge' && c.os !== 'windows') ||
          (c.browser === 'samsung' && c.os !== 'android'),
      );
      expect(impossible).toEqual([]);
      expect(
        combos.every((c) => c.device === c.device.toLowerCase() && c.browser === c.browser.toLowerCase()),
      ).toBe(true);
    } finally {
      db.close();
    }
  });

  it('looks like real traffic: funnel rates, weekly seasonality, overdispersed days', () => {
    const byDay = new Map<string, { views: number; carts: number; purchases: number }>();
    for (const r of cube.rows) {
      const d = byDay.get(r.date) ?? { views: 0, carts: 0, purchases: 0 };
      d.views += r.views;
      d.carts += r.carts;
      d.purchases += r.purchases;
      byDay.set(r.date, d);
    }
    const days = [...byDay.entries()];
    const views = days.reduce((a, [, d]) => a + d.views, 0);
    const carts = days.reduce((a, [, d]) => a + d.carts, 0);
    const purchases = days.reduce((a, [, d]) => a + d.purchases, 0);
    expect(carts / views).toBeGreaterThan(0.015);
    expect(carts / views).toBeLessThan(0.05);
    expect(views / purchases).toBeGreaterThan(100);
    expect(views / purchases).toBeLessThan(300);
    // weekly seasonality: mean views per weekday
    const perDow = Array.from({ length: 7 }, () => [] as number[]);
    for (const [date, d] of days) perDow[new Date(`${date}T00:00:00Z`).getUTCDay()].push(d.views);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const dowMeans = perDow.map(mean);
    expect(Math.min(dowMeans[0], dowMeans[6])).toBeLessThan(0.93 * Math.max(...dowMeans.slice(1, 6)));
    // overdispersion: day-to-day spread within a weekday far above Poisson noise
    const rel = days.map(([date, d]) => d.views / dowMeans[new Date(`${date}T00:00:00Z`).getUTCDay()] - 1);
    const sd = Math.sqrt(mean(rel.map((x) => x * x)));
    expect(sd).toBeGreaterThan(5 / Math.sqrt(mean(days.map(([, d]) => d.views))));
  });

  it('the incident is visible in the cube: mobile/ios/safari conversion collapses, other segments do not', () => {
    const inc = truth.incident!;
    expect(inc).toMatchObject({
      segment: { device: 'mobile', os: 'ios', browser: 'safari' },
      days: 14,
      share: 0.8,
      end: truth.endDate,
    });
    expect(inc.segmentViewsPerDay).toBeGreaterThan(2000);
    const conv = (pred: (r: Cube['rows'][number]) => boolean, inside: boolean) => {
      const rows = cube.rows.filter((r) => pred(r) && r.date >= inc.start === inside);
      return rows.reduce((a, r) => a + r.purchases, 0) / rows.reduce((a, r) => a + r.views, 0);
    };
    const isSeg = (r: Cube['rows'][number]) =>
      r.dims.device === 'mobile' && r.dims.os === 'ios' && r.dims.browser === 'safari';
    const segRatio = conv(isSeg, true) / conv(isSeg, false);
    expect(segRatio).toBeGreaterThan(0.1);
    expect(segRatio).toBeLessThan(0.35);
    const restRatio = conv((r) => !isSeg(r), true) / conv((r) => !isSeg(r), false);
    expect(restRatio).toBeGreaterThan(0.85);
    expect(restRatio).toBeLessThan(1.15);
    // purchases lost in the segment ≈ purchases converted by the truth
    const segDays = cube.rows.filter((r) => isSeg(r) && r.date >= inc.start);
    const expected = conv(isSeg, false) * segDays.reduce((a, r) => a + r.views, 0);
    const actual = segDays.reduce((a, r) => a + r.purchases, 0);
    expect(Math.abs(expected - actual - inc.purchasesConverted)).toBeLessThan(0.25 * inc.purchasesConverted);
  });
});
