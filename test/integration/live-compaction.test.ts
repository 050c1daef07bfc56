/**
 * Compaction of the tap's batch files (files.ts BatchWriter.compact) on real batch files written by the tap's
 * own writer: rows and offsets identical before/after, names tile the partition, thresholds and size limits;
 * a crash injected at every step (after the .tmp is written, after the rename, half-way through the deletes)
 * followed by the tap's start-up recovery loses and duplicates nothing, leaves the folder clean and resumes at
 * the right offset; a folder listed between rename and deletes reads each row once; and an open dataset that
 * follows a merge with Dataset.replaceFiles keeps exactly its cubes, duplicates and profile.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  BatchWriter,
  DEFAULT_COMPACTION,
  batchName,
  diskEndOffset,
  listBatches,
  partitionDir,
  prepareOutFolder,
  type CompactionPolicy,
  type QuarantineRecord,
} from '../../electron/services/live/files.js';
import { coveredNames, dropCoveredBatches } from '../../electron/services/live/covered.js';
import { normalizeObject, type LiveEvent } from '../../electron/services/live/message.js';
import { openDataset, type Dataset } from '../../electron/services/dataset.js';
import type { CubeSpec } from '../../core/sql.js';

const T0 = Date.parse('2024-03-01T00:00:00Z');

/** Event of offset `i`: spread over ~5 days, a small visitor pool; every 50th repeats the previous exactly. */
function ev(i: number): LiveEvent {
  const k = i % 50 === 49 ? i - 1 : i;
  const r = normalizeObject({
    timestamp: T0 + k * 1_234_567,
    visitorid: k % 37,
    event: k % 9 === 0 ? 'transaction' : k % 4 === 0 ? 'addtocart' : 'view',
    itemid: k % 20,
    transactionid: k % 9 === 0 ? `t${k}` : undefined,
    device: ['mobile', 'desktop', 'tablet'][k % 3],
    os: ['ios', 'android'][k % 2],
    browser: ['safari', 'chrome'][(k >> 2) % 2],
  });
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

const quarantined = (i: number) => i % 45 === 7;

function qrec(partition: number, offset: number): QuarantineRecord {
  return {
    topic: 't',
    partition,
    offset: String(offset),
    timestamp: 0,
    reason: 'not JSON',
    keyBase64: null,
    valueBase64: Buffer.from('{').toString('base64'),
    valueText: '{',
  };
}

/** Write `batches` batches of `size` offsets each into partition `p` (offsets from `from`), as the tap does. */
async function writeBatches(
  out: string,
  p: number,
  batches: number,
  size: number,
  from = 0,
): Promise<number> {
  const w = new BatchWriter(out);
  let events = 0;
  try {
    for (let b = 0; b < batches; b++) {
      const first = from + b * size;
      const offs = Array.from({ length: size }, (_, k) => first + k);
      const valid = offs.filter((o) => !quarantined(o));
      events += valid.length;
      await w.write(
        {
          partition: p,
          firstOffset: BigInt(first),
          lastOffset: BigInt(first + size - 1),
          events: valid.map(ev),
          offsets: valid.map(BigInt),
          quarantine: offs.filter(quarantined).map((o) => qrec(p, o)),
        },
        't',
      );
    }
  } finally {
    w.close();
  }
  return events;
}

let inst: DuckDBInstance | null = null;
let con: DuckDBConnection | null = null;
async function sql<T = Record<string, unknown>>(q: string): Promise<T[]> {
  inst ??= await DuckDBInstance.create(':memory:');
  con ??= await inst.connect();
  return (await con.runAndReadAll(q)).getRowObjectsJS() as T[];
}
afterAll(() => {
  con?.closeSync();
  inst?.closeSync();
});

/** rows, distinct offsets and a checksum of the event ids of a list of files */
async function contents(files: string[]) {
  const list = `[${files.map((f) => `'${f}'`).join(', ')}]`;
  const [r] = await sql<{ n: number; d: number; ids: bigint; lo: bigint; hi: bigint }>(
    `SELECT count(*)::INT AS n, count(DISTINCT (_partition, _offset))::INT AS d, sum(hash(event_id, _offset)) AS ids, ` +
      `min(_offset) AS lo, max(_offset) AS hi FROM read_parquet(${list})`,
  );
  return r;
}
const liveFiles = (out: string, p = 0) => listBatches(out, p, true).map((b) => b.file);
const qNames = (out: string, p = 0) =>
  existsSync(partitionDir(out, p, 'quarantine'))
    ? readdirSync(partitionDir(out, p, 'quarantine')).sort()
    : [];

/** the files tile [first, last] without gaps or overlaps */
function expectTiles(out: string, p: number, first: bigint, last: bigint) {
  const b = listBatches(out, p, true);
  expect(b[0].firstOffset).toBe(first);
  expect(b[b.length - 1].lastOffset).toBe(last);
  for (let i = 1; i < b.length; i++) expect(b[i].firstOffset).toBe(b[i - 1].lastOffset + 1n);
}

const policy = (p: Partial<CompactionPolicy>): CompactionPolicy => ({ ...DEFAULT_COMPACTION, ...p });

describe('covered batch names', () => {
  it('a file inside another file’s range is covered; the listing keeps the merged file only', () => {
    const n = (a: number, b: number) => batchName(BigInt(a), BigInt(b), 'parquet');
    expect([...coveredNames([n(0, 9), n(10, 19), n(0, 19), n(20, 29)])].sort()).toEqual([n(0, 9), n(10, 19)]);
    expect(coveredNames([n(0, 9), n(10, 19)]).size).toBe(0);
    const files = [
      '/d/live/p=0/' + n(0, 9),
      '/d/live/p=0/' + n(0, 19),
      '/d/live/p=1/' + n(0, 9),
      '/d/x/' + n(0, 9),
    ];
    expect(dropCoveredBatches(files)).toEqual([
      '/d/live/p=0/' + n(0, 19),
      '/d/live/p=1/' + n(0, 9),
      '/d/x/' + n(0, 9),
    ]);
  });
});

describe('live compaction', () => {
  it('merges runs of small files into files named by the merged range; rows and offsets unchanged', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fs-compact-'));
    prepareOutFolder(out);
    const events = await writeBatches(out, 0, 30, 10);
    const before = await contents(liveFiles(out));
    expect(before.n).toBe(events);
    const qBefore = qNames(out);
    expect(qBefore.length).toBeGreaterThan(3);
    const w = new BatchWriter(out);
    try {
      // below the threshold nothing happens
      expect(await w.compact(0, policy({ minFiles: 31 }))).toEqual([]);
      expect(liveFiles(out)).toHaveLength(30);
      // a row limit of 100 cuts the 30 files of ~10 rows into merged files of ≤ 100 rows
      const merged = await w.compact(0, policy({ minFiles: 8, maxRows: 100 }));
      expect(merged.length).toBeGreaterThanOrEqual(3);
      for (const m of merged) {
        expect(m.rows).toBeLessThanOrEqual(100);
        expect(m.file.endsWith(batchName(m.firstOffset, m.lastOffset, 'parquet'))).toBe(true);
        for (const f of m.replaced) expect(existsSync(f)).toBe(false);
        const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::INT AS n FROM read_parquet('${m.file}')`);
        expect(n).toBe(m.rows);
      }
      const files = liveFiles(out);
      expect(files.length).toBeLessThan(8);
      expectTiles(out, 0, 0n, 299n);
      expect(await contents(files)).toEqual(before);
      expect(diskEndOffset(out, 0)).toBe(299n);
      // quarantine files are left as they are, and survive the next start (a Parquet file covers each)
      expect(qNames(out)).toEqual(qBefore);
      prepareOutFolder(out);
      expect(qNames(out)).toEqual(qBefore);
      // merged files of half the row limit or more are not small any more: not rewritten again
      const big = merged.filter((m) => m.rows >= 50).map((m) => m.file);
      expect(big.length).toBeGreaterThan(0);
      const again = await w.compact(0, policy({ minFiles: 2, maxRows: 100 }));
      for (const m of again) for (const f of big) expect(m.replaced).not.toContain(f);
      expect(await contents(liveFiles(out))).toEqual(before);
      // the writer resumes after the merged range and does not write a covered range again
      expect(
        await w.write(
          { partition: 0, firstOffset: 290n, lastOffset: 299n, events: [], offsets: [], quarantine: [] },
          't',
        ),
      ).toBeNull();
    } finally {
      w.close();
    }
  });

  it('keeps a merged file under the byte limit', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fs-compact-'));
    prepareOutFolder(out);
    await writeBatches(out, 0, 12, 20);
    const sizes = listBatches(out, 0).map((b) => ({ b, n: 0 }));
    expect(sizes).toHaveLength(12);
    const { statSync } = await import('node:fs');
    const one = Math.max(...listBatches(out, 0).map((b) => statSync(b.file).size));
    const w = new BatchWriter(out);
    try {
      const merged = await w.compact(0, policy({ minFiles: 2, maxBytes: one * 4 }));
      expect(merged.length).toBeGreaterThanOrEqual(3);
      for (const m of merged) {
        expect(m.replacedBytes).toBeLessThanOrEqual(one * 4);
        expect(m.replaced.length).toBeLessThanOrEqual(4);
      }
    } finally {
      w.close();
    }
  });

  for (const step of ['tmp-written', 'renamed', 'half-deleted'] as const) {
    it(`a crash ${step === 'tmp-written' ? 'after the .tmp is written' : step === 'renamed' ? 'after the rename, before the deletes' : 'half-way through the deletes'}: recovery loses and duplicates nothing`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'fs-compact-'));
      prepareOutFolder(out);
      const events = await writeBatches(out, 0, 16, 10);
      const before = await contents(liveFiles(out));
      const w = new BatchWriter(out);
      await expect(
        w.compact(0, policy({ minFiles: 4 }), {
          crashAt: (s) => {
            if (s === step) throw new Error(`crash at ${s}`);
          },
        }),
      ).rejects.toThrow(`crash at ${step}`);
      w.close(); // the process "died": its .tmp files are not alive any more
      const names = readdirSync(partitionDir(out, 0));
      if (step === 'tmp-written') expect(names.some((f) => f.endsWith('.tmp'))).toBe(true);
      else expect(coveredNames(names.filter((f) => f.endsWith('.parquet'))).size).toBeGreaterThan(0);
      // a reader listing the folder now reads every row once
      const listed = dropCoveredBatches(
        names.filter((f) => f.endsWith('.parquet')).map((f) => join(partitionDir(out, 0), f)),
      );
      expect(await contents(listed)).toEqual(before);
      const ds = await openDataset(out, { threads: 2 });
      try {
        expect((await ds.profile()).rows.read).toBe(events);
      } finally {
        ds.close();
      }
      // restart: recovery cleans up, resume continues after the last offset
      const q = qNames(out);
      prepareOutFolder(out);
      const after = readdirSync(partitionDir(out, 0));
      expect(after.filter((f) => f.endsWith('.tmp') || f === '.lock')).toEqual([]);
      expect(coveredNames(after).size).toBe(0);
      expect(await contents(liveFiles(out))).toEqual(before);
      expectTiles(out, 0, 0n, 159n);
      expect(qNames(out)).toEqual(q);
      expect(diskEndOffset(out, 0)).toBe(159n);
      // the tap goes on: next batch at 160, and a compaction afterwards merges everything small
      const more = await writeBatches(out, 0, 2, 10, 160);
      const w2 = new BatchWriter(out);
      try {
        await w2.compact(0, policy({ minFiles: 2 }));
      } finally {
        w2.close();
      }
      expect(liveFiles(out)).toHaveLength(1);
      const end = await contents(liveFiles(out));
      expect(end.n).toBe(events + more);
      expect(end.d).toBe(180 - [...Array(180).keys()].filter(quarantined).length);
      expect(end.hi).toBe(179n);
    });
  }
});

describe('an open dataset follows a merge (Dataset.replaceFiles)', () => {
  const open: Dataset[] = [];
  afterEach(() => {
    for (const d of open.splice(0)) d.close();
  });
  const SPECS: CubeSpec[] = [
    { dimensions: ['device', 'os', 'browser'], grain: 'day' },
    { dimensions: ['device'], grain: 'hour' },
    { dimensions: [], grain: 'day', from: '2024-03-02', to: '2024-03-03' },
  ];

  it('cubes, duplicates and profile are the same before and after, and equal a fresh open', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fs-compact-'));
    prepareOutFolder(out);
    await writeBatches(out, 0, 20, 15);
    await writeBatches(out, 1, 10, 15, 1000);
    const ds = await openDataset(out, { threads: 2 });
    open.push(ds);
    const cubes = [];
    for (const s of SPECS) cubes.push(await ds.cube(s));
    const profile = await ds.profile();
    expect(profile.rows.duplicates).toBeGreaterThan(0);
    const w = new BatchWriter(out);
    let swaps = 0;
    try {
      for (const p of [0, 1])
        await w.compact(0 + p, policy({ minFiles: 4, maxRows: 120 }), {
          onMerged: async (r) => {
            // files still there: a query in flight could read them; afterwards the dataset reads the merged one
            for (const f of r.replaced) expect(existsSync(f)).toBe(true);
            await ds.replaceFiles(r.replaced, [r.file]);
            swaps++;
          },
        });
    } finally {
      w.close();
    }
    expect(swaps).toBeGreaterThan(3);
    expect([...ds.files].sort()).toEqual([...liveFiles(out, 0), ...liveFiles(out, 1)].sort());
    // the small files are gone: every query still works, and nothing changed
    for (const [i, s] of SPECS.entries()) expect(await ds.cube(s)).toEqual(cubes[i]);
    for (const s of SPECS) expect(await ds.cube({ ...s, visitors: false })).toBeTruthy(); // not cached: reads files
    const p2 = await ds.profile();
    expect(p2.files.read).toBe(ds.files.length);
    expect({ ...p2, files: null }).toEqual({ ...profile, files: null });
    const [{ n }] = await ds.query<{ n: number }>(`SELECT count(*)::INT AS n FROM events_dedup`);
    expect(n).toBe(profile.rows.read - profile.rows.duplicates);
    const fresh = await openDataset(out, { threads: 2 });
    open.push(fresh);
    for (const [i, s] of SPECS.entries()) expect(await fresh.cube(s)).toEqual(cubes[i]);
    expect(await fresh.profile()).toEqual(p2);
  });

  it('a dataset that listed the folder before files it never read were merged: add them, then swap', async () => {
    // what the host does for a dataset opened while the tap ran (live-ops follow): the merged-away files are
    // still on disk (the tap keeps them), so the ones it has not read are added first, then all are swapped
    const out = mkdtempSync(join(tmpdir(), 'fs-compact-'));
    prepareOutFolder(out);
    await writeBatches(out, 0, 8, 15);
    const ds = await openDataset(out, { threads: 2 });
    open.push(ds);
    for (const s of SPECS) await ds.cube(s); // cached before
    await writeBatches(out, 0, 4, 15, 120); // written after its listing
    const w = new BatchWriter(out);
    let merged: { replaced: string[]; file: string } | null = null;
    try {
      [merged] = await w.compact(0, policy({ minFiles: 2 }), { keepReplaced: true });
    } finally {
      w.close();
    }
    expect(merged!.replaced).toHaveLength(12);
    const read = new Set(ds.files);
    const missing = merged!.replaced.filter((f) => !read.has(f));
    expect(missing).toHaveLength(4);
    await ds.addFiles(missing);
    await ds.replaceFiles(merged!.replaced, [merged!.file]);
    expect([...ds.files]).toEqual([merged!.file]);
    for (const f of merged!.replaced) rmSync(f);
    const fresh = await openDataset(out, { threads: 2 });
    open.push(fresh);
    for (const s of SPECS) expect(await ds.cube(s)).toEqual(await fresh.cube(s));
    expect(await ds.profile()).toEqual(await fresh.profile());
  });

  it('refuses a swap that would change the rows, and changes nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fs-compact-'));
    prepareOutFolder(out);
    await writeBatches(out, 0, 6, 10);
    const ds = await openDataset(out, { threads: 2 });
    open.push(ds);
    const files = [...ds.files];
    const cube = await ds.cube(SPECS[0]);
    await expect(ds.replaceFiles(files.slice(0, 2), [files[2]])).rejects.toThrow(/already known/);
    await expect(ds.replaceFiles(['/nope.parquet'], [files[2]])).rejects.toThrow(/not read by this dataset/);
    const extra = mkdtempSync(join(tmpdir(), 'fs-compact-x-'));
    await sql(
      `COPY (SELECT * FROM read_parquet('${files[0]}') LIMIT 3) TO '${extra}/x.parquet' (FORMAT parquet)`,
    );
    await expect(ds.replaceFiles(files.slice(0, 1), [`${extra}/x.parquet`])).rejects.toThrow(/rows/);
    expect([...ds.files]).toEqual(files);
    expect(await ds.cube(SPECS[0])).toEqual(cube);
  });
});
