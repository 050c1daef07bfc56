/**
 * Text timestamps through the SQL of core/sql.ts on native DuckDB: the fast path (plain `YYYY-MM-DD HH:MM:SS`,
 * with `T`, ` UTC` or `Z`) and the general zone-aware path must give the same UTC instants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literal, timestampSql } from '../../core/sql.js';
import { openDuckDB, type DuckDB } from '../../electron/services/duckdb.js';

const CASES: [string, string | null][] = [
  ['2019-10-01 00:00:00 UTC', '2019-10-01T00:00:00.000Z'],
  ['2019-10-01T13:04:05Z', '2019-10-01T13:04:05.000Z'],
  ['2019-10-01 13:04:05', '2019-10-01T13:04:05.000Z'],
  ['  2019-10-01 13:04:05 UTC ', '2019-10-01T13:04:05.000Z'],
  ['2019-10-01T13:04:05.250Z', '2019-10-01T13:04:05.250Z'],
  ['2019-10-01T18:04:05+05:00', '2019-10-01T13:04:05.000Z'],
  ['2019-10-01 08:04:05 -0500', '2019-10-01T13:04:05.000Z'],
  ['2019-10-01 08:04:05-05', '2019-10-01T13:04:05.000Z'],
  ['2019-13-01 00:00:00 UTC', null],
  ['2019-10-01 25:00:00', null],
  ['not a time', null],
];

describe('text timestamps (core/sql.ts timestampSql) on DuckDB', () => {
  let db: DuckDB;
  beforeAll(async () => {
    db = await openDuckDB();
  });
  afterAll(() => db?.close());

  const run = async (format: 'auto' | 'iso', values: string[]) => {
    const rows = values.map((v, i) => `(${i}, ${literal(v)})`).join(', ');
    const r = await db.all<{ i: number; ts: Date | null }>(
      `SELECT i, ${timestampSql('x', 'VARCHAR', format)} AS ts FROM (VALUES ${rows}) AS t(i, x) ORDER BY i`,
    );
    return r.map((x) => (x.ts === null ? null : new Date(x.ts as unknown as string).toISOString()));
  };

  for (const format of ['auto', 'iso'] as const) {
    it(`${format}: the fast and the zone-aware shapes give the same UTC instants; bad values are NULL`, async () => {
      expect(await run(format, CASES.map((c) => c[0]))).toEqual(CASES.map((c) => c[1]));
    });
  }

  it('auto still reads epoch seconds and milliseconds in text', async () => {
    expect(await run('auto', ['1569888000', '1569888000000'])).toEqual([
      '2019-10-01T00:00:00.000Z',
      '2019-10-01T00:00:00.000Z',
    ]);
  });
});
