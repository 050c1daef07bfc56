/** Worker side of the live view: today per segment against the same weekdays (core/live.ts). */
import { liveNowOf, liveToday, type LiveHourRow } from '../../core/live.js';
import type { AnalysisEngine, RunContext, SqlDb } from './engine.js';
import type { AnyRequest, RequestType, Responses } from './protocol.js';
import type { LiveRequests } from './protocol-live.js';
import { ident } from './sql.js';

type LiveType = keyof LiveRequests & RequestType;
const TYPES: readonly string[] = ['liveToday'];
const TABLE = 'live_cube';

export function isLiveRequest(r: { type: string }): r is Extract<AnyRequest, { type: LiveType }> {
  return TYPES.includes(r.type);
}

export async function runLive(
  _engine: AnalysisEngine,
  db: SqlDb,
  r: Extract<AnyRequest, { type: LiveType }>,
  ctx: RunContext,
): Promise<Responses[LiveType]> {
  if (r.type !== 'liveToday') throw new Error(`unknown live request ${(r as { type: string }).type}`);
  const t0 = performance.now();
  if (!(r.cube instanceof Uint8Array) || r.cube.byteLength === 0)
    throw new Error('the live cube is empty (no Arrow IPC bytes)');
  ctx.progress({ phase: 'inserting the live cube', done: 0, total: 2 });
  await db.insertArrowIPC(TABLE, r.cube);
  try {
    const cols = new Set((await db.query(`DESCRIBE ${TABLE}`)).map((c) => String(c.column_name)));
    for (const c of ['date', 'hour', 'views', 'carts', 'purchases'])
      if (!cols.has(c)) throw new Error(`the live cube has no "${c}" column (an hour-grain cube is needed)`);
    const dims = r.dimensions.filter((d) => cols.has(d));
    ctx.checkpoint();
    const raw = await db.query(
      `SELECT CAST(date AS VARCHAR) AS date, CAST(hour AS INTEGER) AS hour` +
        dims.map((d, i) => `, CAST(${ident(d)} AS VARCHAR) AS d${i}`).join('') +
        `, CAST(views AS DOUBLE) AS views, CAST(carts AS DOUBLE) AS carts, CAST(purchases AS DOUBLE) AS purchases FROM ${TABLE}`,
    );
    ctx.checkpoint();
    ctx.progress({ phase: 'comparing today with the same weekdays', done: 1, total: 2 });
    const rows: LiveHourRow[] = raw.map((x) => {
      const d: Record<string, string | null> = {};
      dims.forEach(
        (name, i) => (d[name] = x[`d${i}`] === null || x[`d${i}`] === undefined ? null : String(x[`d${i}`])),
      );
      return {
        date: String(x.date),
        hour: Number(x.hour),
        dims: d,
        views: Number(x.views),
        carts: Number(x.carts),
        purchases: Number(x.purchases),
      };
    });
    const res = liveToday(rows, {
      dimensions: dims,
      settings: r.settings,
      now: r.now ? liveNowOf(r.now) : null,
    });
    return res ? { ...res, cubeRows: rows.length, ms: Math.round(performance.now() - t0) } : null;
  } finally {
    await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
  }
}
