/**
 * The tap's per-partition write chain survives a failure after a batch is durable: a merged-away file that
 * cannot be deleted (held open by another program on Windows; here a non-empty directory, which rmSync refuses)
 * is reported and kept, and the partition's later batches are still written — no silent stop, no unhandled
 * rejection. White-box: the writer is replaced by a recorder (no broker, no DuckDB).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaTap } from '../../electron/services/live/tap.js';
import { mergeSuffixStart } from '../../electron/services/live/files.js';

const work = mkdtempSync(path.join(tmpdir(), 'funnelscope-tap-chain-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('tap write chain', () => {
  it('a merged-away file that cannot be deleted does not stop the partition’s writes', async () => {
    const stuck = path.join(work, 'stuck');
    mkdirSync(stuck);
    writeFileSync(path.join(stuck, 'x'), 'x');
    const tap = new KafkaTap({
      brokers: ['127.0.0.1:1'],
      topic: 't',
      out: path.join(work, 'out'),
      compaction: { keepReplacedMs: 0, minFiles: 1000 },
    });
    // internals: the writer and the retired list (see tap.ts)
    const t = tap as unknown as {
      writer: { write(b: { firstOffset: bigint; lastOffset: bigint }): Promise<unknown>; close(): void };
      retired: { files: string[]; at: number }[];
      flush(st: unknown): void;
      writeChains: Map<number, Promise<void>>;
    };
    const writes: string[] = [];
    t.writer = {
      write: async (b) => {
        writes.push(`${b.firstOffset}-${b.lastOffset}`);
        return {
          file: path.join(work, `${b.firstOffset}.parquet`),
          partition: 0,
          firstOffset: b.firstOffset,
          lastOffset: b.lastOffset,
          rows: 10,
          quarantined: 0,
          quarantineFile: null,
        };
      },
      close() {},
    };
    t.retired.push({ files: [stuck], at: 0 });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const first of [0n, 10n, 20n]) {
        t.flush({
          partition: 0,
          nextOffset: first + 10n,
          bufStart: first,
          bufFirstAt: 0,
          events: [],
          offsets: [],
          quarantine: [],
          count: 10,
        });
        await t.writeChains.get(0);
      }
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(writes).toEqual(['0-9', '10-19', '20-29']);
    expect(unhandled).toEqual([]);
    const status = tap.status();
    expect(status.lastError).toMatch(/cannot delete merged-away file .*stuck \(kept; readers skip it\)/);
    expect(status.compaction.lastError).toMatch(/cannot delete merged-away file/);
    // still listed, tried again later
    expect(t.retired.flatMap((r) => r.files)).toEqual([stuck]);
  });
});

describe('compaction: which files a merge takes', () => {
  it('ordinary batches merge whole; a big merged file waits until 1/4 of its rows has come', () => {
    // small files (under 100k rows) always go in, whatever their sizes
    expect(mergeSuffixStart([5000, 100, 100, 100])).toBe(0);
    // a 900k-row merged file and 109k rows of new batches: the batches merge, the big file stays
    expect(mergeSuffixStart([900_000, ...Array<number>(64).fill(1700)])).toBe(1);
    // … until the newer files hold at least a quarter of it
    expect(mergeSuffixStart([900_000, 120_000, 50_000, 40_000])).toBe(1); // 210k < 900k / 4
    expect(mergeSuffixStart([900_000, 120_000, 50_000, 40_000, 20_000])).toBe(0); // 230k ≥ 900k / 4
    // older big files are left as soon as one is too big for the newer data
    expect(mergeSuffixStart([2_000_000, 300_000, 200_000, 10_000])).toBe(3); // 200k waits: nothing to merge yet
    expect(mergeSuffixStart([2_000_000, 150_000, 200_000, 60_000])).toBe(1); // 410k < 2M / 4
    expect(mergeSuffixStart([2_000_000, 300_000, 200_000, 60_000])).toBe(0); // 560k ≥ 2M / 4
    expect(mergeSuffixStart([])).toBe(0);
    expect(mergeSuffixStart([7])).toBe(0);
  });

  it('over a long session each row is rewritten a few times, not at every cycle', () => {
    // simulate 400 cycles of 64 batches of 1,700 rows: a run of files, merged with the rule after every cycle
    let files: number[] = [];
    let rewritten = 0;
    let arrived = 0;
    for (let cycle = 0; cycle < 400; cycle++) {
      files.push(...Array<number>(64).fill(1700));
      arrived += 64 * 1700;
      const i = mergeSuffixStart(files);
      const merged = files.slice(i).reduce((a, b) => a + b, 0);
      rewritten += merged;
      files = [...files.slice(0, i), merged];
    }
    // without the rule every cycle rewrites everything: ~200 × the data; with it a handful of times
    expect(rewritten / arrived).toBeLessThan(12);
    expect(files.reduce((a, b) => a + b, 0)).toBe(arrived);
  });
});
