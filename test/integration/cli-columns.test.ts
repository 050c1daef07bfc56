/**
 * `funnelscope profile --columns` on a folder no known layout matches (test/integration/mapping-fixture.ts):
 * the source columns with types and file counts, the unreadable file, the event values, and a suggested
 * mapping JSON that — saved to a file and passed with --mapping — opens the folder (checked against DuckDB).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literal } from '../../core/sql.js';
import { openDuckDB } from '../../electron/services/duckdb.js';
import type { ColumnsOutput } from '../../cli/commands/profile.js';
import type { DataProfile } from '../../core/schema.js';
import { runCli } from './cli-helpers.js';
import { writeUnknownLayoutFixture } from './mapping-fixture.js';

let work: string;
let dir: string;

describe('funnelscope profile --columns', () => {
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'funnelscope-cli-columns-'));
    dir = await writeUnknownLayoutFixture(path.join(work, 'shop'), 12_000, 14);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists the source columns and suggests a mapping that opens the folder', async () => {
    const r = await runCli(['profile', dir, '--columns', '--json', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ColumnsOutput;
    expect(out.files).toBe(3);
    expect(out.readable).toBe(2);
    expect(out.unreadable.map((u) => u.file)).toEqual(['broken.parquet']);
    expect(out.columns.map((c) => [c.name, c.type, c.files])).toEqual([
      ['ts_ms', 'BIGINT', 2],
      ['customer', 'VARCHAR', 2],
      ['action', 'VARCHAR', 2],
      ['sku', 'INTEGER', 2],
      ['amount', 'DOUBLE', 2],
      ['ua_device', 'VARCHAR', 2],
      ['country_code', 'VARCHAR', 1],
      ['sess', 'VARCHAR', 2],
      ['meta', 'NESTED', 2],
    ]);
    expect(out.unmatched).toEqual([]);
    expect(out.suggestedMapping).toEqual({
      ts: 'ts_ms',
      timeFormat: 'auto',
      visitor_id: 'customer',
      event_type: 'action',
      session_id: 'sess',
      item_id: 'sku',
      price: 'amount',
      eventValues: { pv: 'view', atc: 'cart', buy: 'purchase', rfc: 'remove_from_cart' },
      dimensions: { device: 'ua_device' },
    });
    expect(out.eventValues?.map((v) => v.value)).toEqual(['pv', 'atc', 'buy', 'rfc', 'ping']);

    const file = path.join(work, 'mapping.json');
    writeFileSync(file, JSON.stringify(out.suggestedMapping));
    const opened = await runCli(['profile', dir, '--mapping', file, '--json', '-q']);
    expect(opened.code).toBe(0);
    const p = JSON.parse(opened.stdout) as DataProfile;
    expect(p.layout).toBe('custom');
    expect(p.files.read).toBe(2);
    const db = await openDuckDB();
    try {
      const [t] = await db.all<{ rows: bigint; ping: bigint }>(
        `SELECT count(*) AS rows, count(*) FILTER (WHERE action = 'ping') AS ping FROM read_parquet([${literal(path.join(dir, 'part-a.parquet'))}, ${literal(path.join(dir, 'sub', 'part-b.parquet'))}], union_by_name = true)`,
      );
      expect(p.rows.read).toBe(Number(t.rows));
      expect(p.rows.rejected.unknown_event_type).toBe(Number(t.ping));
    } finally {
      db.close();
    }
  });

  it('prints a table for people; a single file and a known layout work too', async () => {
    const r = await runCli(['profile', dir, '--columns', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Files {4}3 found, 2 readable, 1 unreadable · 12,000 rows$/m);
    expect(r.stdout).toMatch(/^ {2}unreadable broken\.parquet: corrupt or unreadable Parquet: /m);
    expect(r.stdout).toMatch(/^country_code +VARCHAR +1\/2$/m);
    expect(r.stdout).toMatch(/^sku +INTEGER \| BIGINT +2$/m);
    expect(r.stdout).toMatch(/^Event values of action: pv \([\d,]+\), atc/m);
    expect(r.stdout).toMatch(
      /Suggested mapping \(check it, save it to a file and pass --mapping FILE\):\n\{/,
    );
    const part = await runCli(['profile', path.join(dir, 'part-a.parquet'), '--columns', '-q']);
    expect(part.stdout).toMatch(/^Files {4}1 found, 1 readable, 0 unreadable/m);
    const rr = path.join(work, 'rr.parquet');
    const db = await openDuckDB();
    try {
      await db.exec(
        `COPY (SELECT 1441065600000 + i AS timestamp, i % 7 AS visitorid, 'view' AS event, 'mobile' AS device FROM range(10) t(i)) TO ${literal(rr)} (FORMAT parquet)`,
      );
    } finally {
      db.close();
    }
    const known = await runCli(['profile', rr, '--columns', '--json', '-q']);
    expect((JSON.parse(known.stdout) as ColumnsOutput).suggestedMapping).toEqual({ layout: 'retailrocket' });
    expect((await runCli(['profile', rr, '--columns', '-q'])).stdout).toMatch(
      /Known layout: retailrocket — no mapping needed\./,
    );
  });

  it('a missing folder is a clear exit-2 error', async () => {
    const r = await runCli(['profile', path.join(work, 'nope'), '--columns', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such file or folder: .*nope/);
  });
});
