import { mkdirSync, mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  BatchWriter,
  batchName,
  diskEndOffsets,
  listBatches,
  prepareOutFolder,
} from '../../electron/services/live/files.js';
import { normalizeObject, type LiveEvent } from '../../electron/services/live/message.js';

function ev(i: number): LiveEvent {
  const r = normalizeObject({
    timestamp: 1441065600000 + i,
    visitorid: i % 10,
    event: i % 5 ? 'view' : 'transaction',
    itemid: i,
    device: 'mobile',
    os: 'ios',
    browser: 'safari',
  });
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

describe('live batch files', () => {
  it('names sort by offset (zero-padded)', () => {
    expect(batchName(5n, 12n, 'parquet')).toBe('00000000000000000005-00000000000000000012.parquet');
    expect([batchName(100n, 199n, 'parquet'), batchName(20n, 99n, 'parquet')].sort()[0]).toMatch(/^0+20-/);
  });

  it('writes a readable Parquet batch, quarantine beside it, and never writes a covered range twice', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fs-live-'));
    prepareOutFolder(out);
    const w = new BatchWriter(out);
    const events = [0, 1, 3, 4].map(ev);
    const q = {
      topic: 't',
      partition: 0,
      offset: '2',
      timestamp: 0,
      reason: 'not JSON',
      keyBase64: null,
      valueBase64: Buffer.from('{').toString('base64'),
      valueText: '{',
    };
    const b1 = await w.write(
      { partition: 0, firstOffset: 0n, lastOffset: 4n, events, offsets: [0n, 1n, 3n, 4n], quarantine: [q] },
      't',
    );
    expect(b1).toMatchObject({ rows: 4, quarantined: 1, firstOffset: 0n, lastOffset: 4n });
    expect(existsSync(b1!.quarantineFile!)).toBe(true);
    // the same range again (e.g. another tap of the group) is dropped; an overlapping one is trimmed
    expect(
      await w.write(
        { partition: 0, firstOffset: 0n, lastOffset: 4n, events, offsets: [0n, 1n, 3n, 4n], quarantine: [] },
        't',
      ),
    ).toBeNull();
    const b2 = await w.write(
      {
        partition: 0,
        firstOffset: 3n,
        lastOffset: 6n,
        events: [3, 4, 5, 6].map(ev),
        offsets: [3n, 4n, 5n, 6n],
        quarantine: [],
      },
      't',
    );
    expect(b2).toMatchObject({ firstOffset: 5n, lastOffset: 6n, rows: 2 });
    // an all-quarantined range still gets a (0-row) Parquet file, so its offsets count as consumed
    const b3 = await w.write(
      {
        partition: 0,
        firstOffset: 7n,
        lastOffset: 7n,
        events: [],
        offsets: [],
        quarantine: [{ ...q, offset: '7' }],
      },
      't',
    );
    expect(b3).toMatchObject({ rows: 0, quarantined: 1 });
    w.close();
    expect(listBatches(out, 0).map((b) => [b.firstOffset, b.lastOffset])).toEqual([
      [0n, 4n],
      [5n, 6n],
      [7n, 7n],
    ]);
    expect(diskEndOffsets(out).get(0)).toBe(7n);
    const inst = await DuckDBInstance.create(':memory:');
    const con = await inst.connect();
    const rows = await (
      await con.run(
        `SELECT count(*)::INT AS n, count(DISTINCT _offset)::INT AS d, min(event) AS e, typeof(min(timestamp)) AS t FROM read_parquet('${out}/live/**/*.parquet')`,
      )
    ).getRowObjectsJS();
    expect(rows[0]).toEqual({ n: 6, d: 6, e: 'transaction', t: 'TIMESTAMP' });
    con.closeSync();
    inst.closeSync();
  });

  it('keeps awkward strings exactly (quotes, commas, newlines, unicode)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fs-live-'));
    prepareOutFolder(out);
    const w = new BatchWriter(out);
    const name = 'Mug "XL", blue\nline2 — ünï ✓';
    const e = { ...ev(1), product_name: name, brand: ',', city: '"' };
    await w.write(
      { partition: 3, firstOffset: 0n, lastOffset: 0n, events: [e], offsets: [0n], quarantine: [] },
      't',
    );
    w.close();
    const inst = await DuckDBInstance.create(':memory:');
    const con = await inst.connect();
    const rows = await (
      await con.run(
        `SELECT product_name, brand, city, session_id FROM read_parquet('${out}/live/**/*.parquet')`,
      )
    ).getRowObjectsJS();
    expect(rows).toEqual([{ product_name: name, brand: ',', city: '"', session_id: null }]);
    con.closeSync();
    inst.closeSync();
  });

  it('on start removes leftovers of a crash: *.tmp and quarantine files whose Parquet never landed', () => {
    const out = mkdtempSync(join(tmpdir(), 'fs-live-'));
    const p = join(out, 'live', 'p=1');
    const qd = join(out, '_quarantine', 'p=1');
    mkdirSync(p, { recursive: true });
    mkdirSync(qd, { recursive: true });
    writeFileSync(join(p, `${batchName(0n, 9n, 'parquet')}.999999-w1.tmp`), 'x');
    writeFileSync(join(p, batchName(0n, 9n, 'parquet')), 'x');
    writeFileSync(join(qd, batchName(0n, 9n, 'ndjson')), '{}');
    writeFileSync(join(qd, batchName(10n, 19n, 'ndjson')), '{}');
    const { removedTmp } = prepareOutFolder(out);
    expect(removedTmp).toHaveLength(2);
    expect(readdirSync(p)).toEqual([batchName(0n, 9n, 'parquet')]);
    expect(readdirSync(qd)).toEqual([batchName(0n, 9n, 'ndjson')]);
  });

  it('an unwritable output folder is a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-live-'));
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => prepareOutFolder(join(dir, 'file', 'out'))).toThrow(
      /output folder .* is not writable \(ENOTDIR\)/,
    );
  });
});
