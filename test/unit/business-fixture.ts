/**
 * A deterministic cosmetics-layout Parquet folder for the Business view tests (unit worker-vs-service and
 * e2e): event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session.
 * Every value comes from DuckDB's hash() of the row number, so the same call writes the same rows.
 * - `events` rows (default 180,000) over `days` days from 2024-03-01; 1,500 visitors, 240 products;
 * - brand by product: five brands (aurora has three products in eight, the others one each), one product in
 *   eight has none (NULL); category_code NULL for one in five;
 * - ≈ 86 % views, 9 % carts, 3 % purchases, 2 % remove_from_cart;
 * - user_session = visitor × 6-hour block of the day (sessions never cross midnight);
 * - an outage: brand "aurora" gets no views on the 20th day from 09:00 to 14:59 UTC.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { literal } from '../../core/sql.js';
import { openDuckDB } from '../../electron/services/duckdb.js';

export const FIXTURE_START = '2024-03-01';
export const FIXTURE_BRANDS = ['aurora', 'bloom', 'coral', 'dune', 'ember'] as const;

/** SELECT of the fixture rows (native DuckDB SQL, no files read). */
export function cosmeticsSelect(events = 180_000, days = 30): string {
  const h = (salt: string) => `hash(i, '${salt}')`;
  return `
    WITH base AS (
      SELECT i,
        TIMESTAMP '${FIXTURE_START} 00:00:00' + to_seconds(CAST(${h('t')} % ${days * 86400} AS BIGINT)) AS ts,
        CAST(${h('p')} % 240 AS INTEGER) AS product_id,
        CAST(${h('u')} % 1500 AS INTEGER) AS user_id,
        CAST(${h('e')} % 100 AS INTEGER) AS r
      FROM range(${events}) t(i)),
    ev AS (
      SELECT *,
        CASE WHEN r < 86 THEN 'view' WHEN r < 95 THEN 'cart' WHEN r < 98 THEN 'purchase' ELSE 'remove_from_cart' END AS event_type,
        CASE product_id % 8 WHEN 0 THEN NULL ELSE ['aurora','aurora','aurora','bloom','coral','dune','ember'][product_id % 8] END AS brand,
        CASE WHEN product_id % 5 = 0 THEN NULL
             ELSE ['beauty.nails','beauty.skin','appliances.kitchen','furniture.bed'][product_id % 5] END AS category_code
      FROM base)
    SELECT strftime(ts, '%Y-%m-%d %H:%M:%S') || ' UTC' AS event_time, event_type, product_id,
      CAST(1000 + product_id % 5 AS BIGINT) AS category_id, category_code, brand,
      CAST(round(1.99 + (product_id * 7) % 90, 2) AS DOUBLE) AS price, user_id,
      'u' || user_id || '-' || strftime(ts, '%Y%m%d') || '-' || CAST(hour(ts) // 6 AS VARCHAR) AS user_session
    FROM ev
    WHERE NOT (brand = 'aurora' AND event_type = 'view'
               AND CAST(ts AS DATE) = DATE '${FIXTURE_START}' + INTERVAL 19 DAY AND hour(ts) BETWEEN 9 AND 14)
    ORDER BY ts, i`;
}

/** Write the fixture as two Parquet files (split by day) into `dir`; returns `dir`. */
export async function writeCosmeticsFixture(dir: string, events = 180_000, days = 30): Promise<string> {
  await mkdir(dir, { recursive: true });
  const db = await openDuckDB();
  try {
    const half = `DATE '${FIXTURE_START}' + INTERVAL ${Math.floor(days / 2)} DAY`;
    const sel = cosmeticsSelect(events, days);
    await db.exec(
      `COPY (SELECT * FROM (${sel}) WHERE CAST(event_time[1:10] AS DATE) < ${half}) TO ${literal(path.join(dir, 'part-1.parquet'))} (FORMAT parquet)`,
    );
    await db.exec(
      `COPY (SELECT * FROM (${sel}) WHERE CAST(event_time[1:10] AS DATE) >= ${half}) TO ${literal(path.join(dir, 'part-2.parquet'))} (FORMAT parquet)`,
    );
  } finally {
    db.close();
  }
  return dir;
}
