/**
 * A folder of Parquet files in a layout Funnelscope does not know (a shop's own export), for the mapping
 * editor's tests (integration and e2e). Deterministic: every value comes from DuckDB's hash() of the row.
 *
 * - `part-a.parquet` and `sub/part-b.parquet` (split by day): columns `ts_ms` BIGINT (epoch ms), `customer`
 *   VARCHAR, `action` VARCHAR, `sku` (INTEGER in a, BIGINT in b), `amount` DOUBLE, `ua_device` VARCHAR,
 *   `sess` VARCHAR, `meta` STRUCT (nested); only part-a has `country_code` VARCHAR;
 * - `action` values: `pv` (≈ 78 %, a few written ` PV ` — the mapping compares trimmed, lower-cased values),
 *   `atc` (12 %), `buy` (5 %), `rfc` (3 %) and `ping` (2 %, not an event);
 * - `broken.parquet`: not Parquet at all (a corrupt file).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { literal } from '../../core/sql.js';
import { openDuckDB } from '../../electron/services/duckdb.js';

export const MAPPING_FIXTURE_START = '2024-05-01';

/** SELECT of the fixture rows (native DuckDB SQL, no files read). */
export function unknownLayoutSelect(events: number, days: number): string {
  const h = (salt: string) => `hash(i, '${salt}')`;
  const start = Date.parse(`${MAPPING_FIXTURE_START}T00:00:00Z`);
  return `
    WITH base AS (
      SELECT i,
        CAST(${start} + ${h('t')} % ${days * 86_400_000} AS BIGINT) AS ts_ms,
        CAST(${h('u')} % 900 AS INTEGER) AS u,
        CAST(${h('s')} % 300 AS INTEGER) AS sku,
        CAST(${h('e')} % 100 AS INTEGER) AS r,
        CAST(${h('d')} % 10 AS INTEGER) AS d
      FROM range(${events}) t(i))
    SELECT ts_ms, 'c' || u AS customer,
      CASE WHEN r < 2 THEN ' PV ' WHEN r < 78 THEN 'pv' WHEN r < 90 THEN 'atc' WHEN r < 95 THEN 'buy'
           WHEN r < 98 THEN 'rfc' ELSE 'ping' END AS action,
      sku, CAST(round(4.5 + (sku * 13) % 120, 2) AS DOUBLE) AS amount,
      ['mobile', 'mobile', 'mobile', 'mobile', 'desktop', 'desktop', 'desktop', 'tablet', 'tablet', 'tv'][d + 1] AS ua_device,
      ['de', 'fr', 'it', 'es'][u % 4 + 1] AS country_code,
      'c' || u || '-' || CAST(ts_ms // 21600000 AS VARCHAR) AS sess,
      {'v': 2, 'src': 'export'} AS meta
    FROM base ORDER BY ts_ms, i`;
}

/** Write the fixture into `dir` (created); returns `dir`. */
export async function writeUnknownLayoutFixture(dir: string, events = 20_000, days = 21): Promise<string> {
  await mkdir(path.join(dir, 'sub'), { recursive: true });
  const db = await openDuckDB();
  try {
    const split = Date.parse(`${MAPPING_FIXTURE_START}T00:00:00Z`) + Math.floor(days / 2) * 86_400_000;
    const sel = unknownLayoutSelect(events, days);
    await db.exec(
      `COPY (SELECT * FROM (${sel}) WHERE ts_ms < ${split}) TO ${literal(path.join(dir, 'part-a.parquet'))} (FORMAT parquet)`,
    );
    await db.exec(
      `COPY (SELECT * EXCLUDE (country_code, sku), CAST(sku AS BIGINT) AS sku FROM (${sel}) WHERE ts_ms >= ${split}) ` +
        `TO ${literal(path.join(dir, 'sub', 'part-b.parquet'))} (FORMAT parquet)`,
    );
  } finally {
    db.close();
  }
  await writeFile(
    path.join(dir, 'broken.parquet'),
    'this is not a parquet file, just some text\n'.repeat(20),
  );
  return dir;
}
