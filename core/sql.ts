/**
 * DuckDB-dialect SQL builders for ingestion: the normalized events view (mapping → canonical columns,
 * timestamp parsing, event type mapping, derived dimensions, rejection reasons), duplicate detection and the
 * cube query. Pure string builders — no engine import — so they are unit-tested without DuckDB and usable by
 * native DuckDB (Node) and DuckDB-WASM alike.
 *
 * Conventions: every timestamp is a naive TIMESTAMP in UTC (the connection must run with TimeZone='UTC';
 * electron/services/duckdb.ts sets it); ids and dimensions are VARCHAR; price/quantity DOUBLE.
 */
import type { ColumnMapping, RejectReason } from './schema.js';
import {
  CANONICAL_COLUMNS,
  DERIVED_DIMENSIONS,
  EPOCH_S_MAX,
  EPOCH_S_MIN,
  PRICE_BANDS,
  derivedDimensions,
} from './schema.js';

/** Quote an identifier ("col""name"). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
/** Quote a string literal ('it''s'). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
/** A DuckDB list literal of strings: ['a', 'b']. */
export function listLiteral(values: readonly string[]): string {
  return `[${values.map(literal).join(', ')}]`;
}

/** Coarse class of a DuckDB column type, which decides how a column is parsed. */
export type TypeClass = 'number' | 'string' | 'timestamp' | 'timestamptz' | 'date' | 'boolean' | 'other';

/** Classify a DuckDB type name as printed by DESCRIBE (e.g. 'BIGINT', 'VARCHAR', 'TIMESTAMP WITH TIME ZONE'). */
export function typeClass(duckdbType: string): TypeClass {
  const t = duckdbType.toUpperCase().trim();
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL)$/.test(
      t,
    )
  )
    return 'number';
  if (t.startsWith('DECIMAL')) return 'number';
  if (t === 'VARCHAR' || t.startsWith('VARCHAR(') || t === 'STRING') return 'string';
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return 'timestamptz';
  if (t.startsWith('TIMESTAMP')) return 'timestamp'; // TIMESTAMP, TIMESTAMP_S/_MS/_NS
  if (t === 'DATE') return 'date';
  if (t === 'BOOLEAN') return 'boolean';
  return 'other';
}

/** Which type classes a canonical column accepts; anything else makes the file incompatible. */
export const ACCEPTED_TYPES: Record<
  'ts' | 'id' | 'event_type' | 'number' | 'dimension',
  readonly TypeClass[]
> = {
  ts: ['number', 'string', 'timestamp', 'timestamptz', 'date'],
  id: ['number', 'string', 'boolean'],
  event_type: ['string', 'number'],
  number: ['number'],
  dimension: ['string', 'number', 'boolean', 'date', 'timestamp', 'timestamptz'],
};

/**
 * Check the source column types of a mapping. Returns one message per offending column (empty when fine),
 * e.g. `column "price" is VARCHAR; a number is expected`.
 */
export function checkColumnTypes(mapping: ColumnMapping, types: Record<string, string>): string[] {
  const problems: string[] = [];
  const check = (col: string | null, kind: keyof typeof ACCEPTED_TYPES, what: string) => {
    if (!col) return;
    const t = types[col];
    if (t === undefined) return;
    if (!ACCEPTED_TYPES[kind].includes(typeClass(t))) {
      problems.push(
        `column "${col}" (${what}) is ${t}; ${kind === 'number' ? 'a number' : `one of ${ACCEPTED_TYPES[kind].join('/')}`} is expected`,
      );
    }
  };
  check(mapping.ts, 'ts', 'time');
  check(mapping.visitor_id, 'id', 'visitor');
  check(mapping.event_type, 'event_type', 'event type');
  check(mapping.session_id, 'id', 'session');
  check(mapping.item_id, 'id', 'item');
  check(mapping.transaction_id, 'id', 'transaction');
  check(mapping.price, 'number', 'price');
  check(mapping.quantity, 'number', 'quantity');
  for (const [d, c] of Object.entries(mapping.dimensions)) check(c, 'dimension', `dimension ${d}`);
  return problems;
}

const S_MIN = EPOCH_S_MIN;
const S_MAX = EPOCH_S_MAX;

/**
 * SQL turning an epoch value `x` into a UTC TIMESTAMP by its unit (NULL when outside 1990–2100). With
 * `integer`, `x` is a BIGINT expression and only integer arithmetic is used (fast path for epoch columns).
 */
function epochSql(x: string, unit: 's' | 'ms' | 'auto', integer = false): string {
  const r = (e: string) => (integer ? e : `CAST(round(${e}) AS BIGINT)`);
  const s = [`${x} >= ${S_MIN} AND ${x} < ${S_MAX}`, `make_timestamp(${r(`${x} * 1000000`)})`];
  const ms = [
    `${x} >= ${S_MIN}000 AND ${x} < ${S_MAX}000`,
    integer ? `epoch_ms(${x})` : `make_timestamp(${r(`${x} * 1000`)})`,
  ];
  const us = [`${x} >= ${S_MIN}000000 AND ${x} < ${S_MAX}000000`, `make_timestamp(${r(x)})`];
  const arms = unit === 's' ? [s] : unit === 'ms' ? [ms] : [ms, s, us];
  return `CASE ${arms.map(([cond, v]) => `WHEN ${cond} THEN ${v}`).join(' ')} END`;
}

/**
 * Fast path of {@link isoSql}: the shapes exports write most — `YYYY-MM-DD HH:MM:SS` (or with `T`), bare or
 * followed by ` UTC` or `Z` — are UTC already and parse with a plain TIMESTAMP cast of the first 19 characters,
 * about 25× faster than the general zone-aware cast (2 M cosmetics-layout rows: 0.1 s instead of 2.8 s).
 * Returns [condition, value] for a CASE arm; `t` must already be trimmed.
 */
function isoFastArm(t: string): [string, string] {
  const shape =
    `(length(${t}) = 19 OR (length(${t}) = 23 AND suffix(${t}, ' UTC')) OR (length(${t}) = 20 AND suffix(${t}, 'Z')))` +
    ` AND substr(${t}, 11, 1) IN (' ', 'T')`;
  return [shape, `TRY_CAST(substr(${t}, 1, 19) AS TIMESTAMP)`];
}

/** SQL parsing an ISO-like string `x` (zone optional, no zone = UTC) into a UTC TIMESTAMP, NULL when unparseable. */
function isoSql(x: string): string {
  const t = `trim(${x})`;
  const [fast, fastValue] = isoFastArm(t);
  // '… 10:00:00 -0500' / '…-05' → '…-05:00' (DuckDB's cast wants ±HH[:MM] right after the time)
  const norm = `regexp_replace(${t}, '([0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)\\s*([+-][0-9]{2}):?([0-9]{2})$', '\\1\\4:\\5')`;
  return `CASE WHEN ${fast} THEN ${fastValue} ELSE timezone('UTC', TRY_CAST(${norm} AS TIMESTAMPTZ)) END`;
}

/**
 * SQL expression giving the event time as a UTC TIMESTAMP (NULL when unparseable) for a time column of the
 * given DuckDB type and {@link ColumnMapping.timeFormat}.
 */
export function timestampSql(
  column: string,
  duckdbType: string,
  format: ColumnMapping['timeFormat'],
): string {
  const c = ident(column);
  const cls = typeClass(duckdbType);
  switch (cls) {
    case 'timestamp':
      return `CAST(${c} AS TIMESTAMP)`;
    case 'timestamptz':
      return `timezone('UTC', ${c})`;
    case 'date':
      return `CAST(${c} AS TIMESTAMP)`;
    case 'number': {
      if (format === 'iso') return 'CAST(NULL AS TIMESTAMP)';
      const unit = format === 'epoch_s' ? 's' : format === 'epoch_ms' ? 'ms' : 'auto';
      if (/INT/i.test(duckdbType) && !/HUGE/i.test(duckdbType))
        return epochSql(`CAST(${c} AS BIGINT)`, unit, true);
      return epochSql(`CAST(${c} AS DOUBLE)`, unit);
    }
    case 'string': {
      const num = `TRY_CAST(${c} AS DOUBLE)`;
      const isNum = `regexp_full_match(trim(${c}), '-?[0-9]+(\\.[0-9]+)?')`;
      if (format === 'iso') return isoSql(c);
      const unit = format === 'epoch_s' ? 's' : format === 'epoch_ms' ? 'ms' : 'auto';
      if (format !== 'auto') return `CASE WHEN ${isNum} THEN ${epochSql(num, unit)} END`;
      // the common ISO shape first (no regexp), then epoch numbers, then any other ISO form
      const [fast, fastValue] = isoFastArm(`trim(${c})`);
      return `CASE WHEN ${fast} THEN ${fastValue} WHEN ${isNum} THEN ${epochSql(num, unit)} ELSE ${isoSql(c)} END`;
    }
    default:
      return 'CAST(NULL AS TIMESTAMP)';
  }
}

/** SQL mapping the raw event column to a canonical event type (NULL when the value is not in the mapping). */
export function eventTypeSql(column: string, eventValues: Record<string, string>): string {
  const entries = Object.entries(eventValues);
  if (!entries.length) return 'CAST(NULL AS VARCHAR)';
  const whens = entries
    .map(([raw, ev]) => `WHEN ${literal(raw.trim().toLowerCase())} THEN ${literal(ev)}`)
    .join(' ');
  return `CASE lower(trim(CAST(${ident(column)} AS VARCHAR))) ${whens} END`;
}

/** One group of files that share a mapping and column types; they are read with one read_parquet. */
export interface FileGroup {
  files: string[];
  mapping: ColumnMapping;
  /** source column -> DuckDB type (as DESCRIBE prints it) */
  types: Record<string, string>;
}

/**
 * Id columns keep their source type when it is a number or a string (hashing and distinct counts are much
 * faster on integers); blank strings become NULL; other types are cast to VARCHAR. When file groups differ,
 * UNION BY NAME widens the column to VARCHAR.
 */
function idSql(col: string | null, duckdbType: string | undefined): string {
  if (!col) return 'CAST(NULL AS VARCHAR)';
  const cls = typeClass(duckdbType ?? 'VARCHAR');
  if (cls === 'number') return ident(col);
  if (cls === 'string') return `CASE WHEN trim(${ident(col)}) = '' THEN NULL ELSE ${ident(col)} END`;
  return `CAST(${ident(col)} AS VARCHAR)`;
}
const numSql = (col: string | null) => (col ? `CAST(${ident(col)} AS DOUBLE)` : 'CAST(NULL AS DOUBLE)');

/**
 * SELECT normalizing one file group to the canonical columns plus `raw_event` (the source event value),
 * every dimension in `allDimensions` (NULL where this group lacks it) and `__file` (the source file).
 * Rows are not filtered here.
 */
export function groupSelectSql(group: FileGroup, allDimensions: readonly string[]): string {
  const m = group.mapping;
  const cols = [
    `${timestampSql(m.ts, group.types[m.ts] ?? 'VARCHAR', m.timeFormat)} AS ts`,
    `${idSql(m.visitor_id, group.types[m.visitor_id])} AS visitor_id`,
    `${idSql(m.session_id, m.session_id ? group.types[m.session_id] : undefined)} AS session_id`,
    `${eventTypeSql(m.event_type, m.eventValues)} AS event_type`,
    `${idSql(m.item_id, m.item_id ? group.types[m.item_id] : undefined)} AS item_id`,
    `${idSql(m.transaction_id, m.transaction_id ? group.types[m.transaction_id] : undefined)} AS transaction_id`,
    `${numSql(m.price)} AS price`,
    `${numSql(m.quantity)} AS quantity`,
    `CAST(${ident(m.event_type)} AS VARCHAR) AS raw_event`,
  ];
  for (const d of allDimensions) {
    const src = m.dimensions[d];
    cols.push(`${src ? `CAST(${ident(src)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)'} AS ${ident(d)}`);
  }
  cols.push('__file');
  const files = listLiteral(group.files);
  return `SELECT ${cols.join(', ')} FROM read_parquet(${files}, union_by_name = true, filename = '__file')`;
}

/** SQL CASE giving the rejection reason of a normalized row (NULL when valid). Order: the first failing rule wins. */
export function rejectReasonSql(): string {
  const reasons: Record<RejectReason, string> = {
    unparseable_time: 'ts IS NULL',
    missing_visitor: 'visitor_id IS NULL',
    unknown_event_type: 'event_type IS NULL',
    non_positive_price: "event_type = 'purchase' AND price IS NOT NULL AND price <= 0",
  };
  return `CASE ${Object.entries(reasons)
    .map(([r, cond]) => `WHEN ${cond} THEN ${literal(r)}`)
    .join(' ')} END`;
}

/** SQL for the derived dimensions available with the given data dimensions and mapping features. */
export function derivedDimensionSql(hasPrice: boolean, hasCategory: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (hasPrice) {
    const whens = PRICE_BANDS.map(([label, , hi]) =>
      Number.isFinite(hi) ? `WHEN price < ${hi} THEN ${literal(label)}` : `ELSE ${literal(label)}`,
    ).join(' ');
    out.price_band = `CASE WHEN price IS NULL THEN NULL ${whens} END`;
  }
  if (hasCategory) out.category_root = `nullif(split_part(category, '.', 1), '')`;
  out.weekday = 'dayname(ts)';
  out.hour_of_day = `lpad(CAST(hour(ts) AS VARCHAR), 2, '0')`;
  return out;
}

/** Everything the view builders need to know about a dataset. */
export interface EventsViewSpec {
  groups: FileGroup[];
  /** data dimensions (union over the groups), in output order */
  dimensions: string[];
}

/** Data + derived dimension names of a view spec. */
export function viewDimensions(spec: EventsViewSpec): { data: string[]; derived: string[] } {
  const hasPrice = spec.groups.some((g) => g.mapping.price);
  const hasCategory = spec.dimensions.includes('category');
  const derived = Object.keys(derivedDimensionSql(hasPrice, hasCategory));
  // keep the canonical order of DERIVED_DIMENSIONS
  return { data: [...spec.dimensions], derived: DERIVED_DIMENSIONS.filter((d) => derived.includes(d)) };
}

/**
 * Statements creating the views `raw_events` (every row with `reject_reason`) and `events` (valid rows with
 * derived dimensions; duplicates still in — see {@link duplicatesTableSql}).
 */
export function eventsViewSql(spec: EventsViewSpec): string[] {
  if (!spec.groups.length) throw new Error('eventsViewSql: no file groups');
  const union = spec.groups.map((g) => `(${groupSelectSql(g, spec.dimensions)})`).join(' UNION ALL BY NAME ');
  const hasPrice = spec.groups.some((g) => g.mapping.price);
  const derived = derivedDimensionSql(hasPrice, spec.dimensions.includes('category'));
  const dataDims = spec.dimensions.map(ident);
  return [
    `CREATE OR REPLACE TEMP VIEW raw_events AS SELECT *, ${rejectReasonSql()} AS reject_reason FROM (${union})`,
    `CREATE OR REPLACE TEMP VIEW events AS SELECT ${[...CANONICAL_COLUMNS, ...dataDims].join(', ')}` +
      Object.entries(derived)
        .map(([d, e]) => `, ${e} AS ${ident(d)}`)
        .join('') +
      ` FROM raw_events WHERE reject_reason IS NULL`,
  ];
}

/** Columns that define an exact duplicate: all canonical columns and all data dimensions. */
export function identityColumns(dimensions: readonly string[]): string[] {
  return [...CANONICAL_COLUMNS, ...dimensions];
}

/**
 * Step 2 of the duplicate search: among the rows whose (ts, visitor_id) hash is in temp table `dup_hashes`
 * (filled by {@link duplicateCandidatesSql}), the exact groups over every column of `events` with their
 * multiplicity `c` — so hash collisions and different events at the same instant never count. Creates temp
 * table `dups` (identity + derived columns, c > 1).
 */
export function duplicatesTableSql(): string {
  return `CREATE OR REPLACE TEMP TABLE dups AS SELECT *, count(*) AS c FROM events WHERE hash(ts, visitor_id) IN (SELECT h FROM dup_hashes) GROUP BY ALL HAVING count(*) > 1`;
}

/**
 * Profile query over `raw_events`, one scan: rows read, rows per rejection reason, valid time range, distinct
 * values per dimension, and `file_ranges` — per source file its rows and first/last event time (epoch ms),
 * which bounds where exact duplicates can be (see {@link duplicateBatches}). Everything is computed as
 * GROUPING SETS — about twice as fast in DuckDB as one count(DISTINCT …) per dimension — and folded to one
 * row in SQL, so high-cardinality sets never travel to JS.
 */
export function profileSql(dimensions: readonly string[], derived: readonly string[]): string {
  // weekday / hour_of_day are counted on their integer form (same number of distinct values, cheaper)
  const derivedSql: Record<string, string> = {
    ...derivedDimensionSql(true, true),
    weekday: 'dayofweek(ts)',
    hour_of_day: 'hour(ts)',
  };
  const all = [...dimensions, ...derived];
  const alias = (i: number) => `d${i}`;
  const inner =
    `SELECT reject_reason, ts, __file` +
    all.map((d, i) => `, ${i < dimensions.length ? ident(d) : derivedSql[d]} AS ${alias(i)}`).join('') +
    ` FROM raw_events`;
  // grouping(...) has one bit per column, most significant first; 1 = rolled up in that set
  const cols = ['reject_reason', ...all.map((_, i) => alias(i)), '__file'];
  const gidOf = (grouped: string[]) =>
    cols.reduce((acc, c, i) => acc + (grouped.includes(c) ? 0 : 2 ** (cols.length - 1 - i)), 0);
  const sets = [['reject_reason'], ...all.map((_, i) => ['reject_reason', alias(i)]), ['__file']];
  const g =
    `SELECT ${cols.join(', ')}, count(*) AS n, min(ts) AS lo, max(ts) AS hi, grouping(${cols.join(', ')}) AS gid ` +
    `FROM (${inner}) GROUP BY GROUPING SETS (${sets.map((x) => `(${x.join(', ')})`).join(', ')})`;
  const base = `gid = ${gidOf(['reject_reason'])}`;
  const reasonCols = ['unparseable_time', 'missing_visitor', 'unknown_event_type', 'non_positive_price'].map(
    (r) =>
      `CAST(coalesce(sum(n) FILTER (WHERE ${base} AND reject_reason = ${literal(r)}), 0) AS BIGINT) AS ${ident(`rej_${r}`)}`,
  );
  const dimCols = all.map(
    (d, i) =>
      `count(*) FILTER (WHERE gid = ${gidOf(['reject_reason', alias(i)])} AND reject_reason IS NULL AND ${alias(i)} IS NOT NULL) AS ${ident(`dim_${d}`)}`,
  );
  return (
    `SELECT CAST(coalesce(sum(n) FILTER (WHERE ${base}), 0) AS BIGINT) AS rows_read, ${reasonCols.join(', ')}, ` +
    `strftime(min(lo) FILTER (WHERE ${base} AND reject_reason IS NULL), '%Y-%m-%d') AS range_from, ` +
    `strftime(max(hi) FILTER (WHERE ${base} AND reject_reason IS NULL), '%Y-%m-%d') AS range_to, ` +
    `list({'file': __file, 'rows': n, 'lo': epoch_ms(lo), 'hi': epoch_ms(hi)}) FILTER (WHERE gid = ${gidOf(['__file'])}) AS file_ranges` +
    dimCols.map((c) => `, ${c}`).join('') +
    ` FROM (${g})`
  );
}

/** Rows and event-time range (epoch ms; null when no parseable time) of one source file. */
export interface FileRange {
  file: string;
  rows: number;
  lo: number | null;
  hi: number | null;
}

/**
 * Split files into batches for the duplicate search so that memory stays bounded: exact duplicates share
 * their timestamp, so two files can only hold copies of the same event when their time ranges overlap.
 * Files are clustered by overlapping ranges (closed intervals); whole clusters are packed into batches of
 * at most `maxRows` rows (a larger cluster is a batch on its own). Files without any time are left out.
 */
export function duplicateBatches(ranges: readonly FileRange[], maxRows: number): string[][] {
  const timed = ranges
    .filter((r) => r.lo !== null && r.hi !== null)
    .sort((a, b) => a.lo! - b.lo! || a.hi! - b.hi!);
  const clusters: { files: string[]; rows: number }[] = [];
  let hi = -Infinity;
  for (const r of timed) {
    const last = clusters[clusters.length - 1];
    if (last && r.lo! <= hi) {
      last.files.push(r.file);
      last.rows += r.rows;
    } else clusters.push({ files: [r.file], rows: r.rows });
    hi = Math.max(hi, r.hi!);
  }
  const batches: string[][] = [];
  let cur: string[] = [];
  let rows = 0;
  for (const c of clusters) {
    if (cur.length && rows + c.rows > maxRows) {
      batches.push(cur);
      cur = [];
      rows = 0;
    }
    cur.push(...c.files);
    rows += c.rows;
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/**
 * SELECT of the (ts, visitor_id) hashes that occur more than once among the rows of the given file groups
 * that have a time and a visitor — the candidates of the duplicate search (step 1). Other rejection rules are
 * not applied here (a superset of candidates is harmless, step 2 looks at valid events only), so DuckDB reads
 * just the time and visitor columns.
 */
export function duplicateCandidatesSql(spec: EventsViewSpec): string {
  const union = spec.groups
    .map((g) => `(SELECT ts, visitor_id FROM (${groupSelectSql(g, spec.dimensions)}))`)
    .join(' UNION ALL BY NAME ');
  return (
    `SELECT h FROM (SELECT hash(ts, visitor_id) AS h FROM (${union}) WHERE ts IS NOT NULL AND visitor_id IS NOT NULL) ` +
    `GROUP BY h HAVING count(*) > 1`
  );
}

/** A cube request. */
export interface CubeSpec {
  /** cube dimensions (data or derived), in output order; [] = all traffic */
  dimensions: string[];
  grain: 'day' | 'hour';
  /** first UTC day included, YYYY-MM-DD */
  from?: string;
  /** last UTC day included, YYYY-MM-DD */
  to?: string;
  /** count distinct visitors (default true); the most expensive column — turn off when not needed */
  visitors?: boolean;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The cube query: date (and hour) × dimensions → views, carts, purchases, revenue, visitors, ordered by
 * date, hour, dimensions. With `withDuplicates`, the rows of temp table `dups` are added with weight 1 − c,
 * which removes every extra copy of an exact duplicate from the counts (distinct visitors are unaffected).
 * Revenue = Σ price × coalesce(quantity, 1) over purchases.
 */
export function cubeSql(spec: CubeSpec, withDuplicates: boolean): string {
  for (const d of [spec.from, spec.to])
    if (d !== undefined && !DATE_RE.test(d)) throw new Error(`invalid date ${d}; expected YYYY-MM-DD`);
  const dims = spec.dimensions.map(ident);
  const src = withDuplicates
    ? `(SELECT *, 1 AS w FROM events UNION ALL BY NAME SELECT * EXCLUDE (c), 1 - c AS w FROM dups)`
    : `events`;
  const where: string[] = [];
  if (spec.from) where.push(`ts >= TIMESTAMP ${literal(spec.from)}`);
  if (spec.to) where.push(`ts < TIMESTAMP ${literal(spec.to)} + INTERVAL 1 DAY`);
  const keys = [`CAST(ts AS DATE) AS day`];
  if (spec.grain === 'hour') keys.push('CAST(hour(ts) AS INTEGER) AS hour');
  keys.push(...dims);
  const n = spec.grain === 'hour' ? 2 : 1;
  const groupBy = Array.from({ length: n + dims.length }, (_, i) => String(i + 1)).join(', ');
  const outKeys = [`strftime(day, '%Y-%m-%d') AS date`, ...(spec.grain === 'hour' ? ['hour'] : []), ...dims];
  const orderBy = ['day', ...(spec.grain === 'hour' ? ['hour'] : []), ...dims]
    .map((k) => `${k} NULLS LAST`)
    .join(', ');
  const withVisitors = spec.visitors !== false;
  const cnt = (ev: string) =>
    withDuplicates
      ? `CAST(coalesce(sum(w) FILTER (WHERE event_type = '${ev}'), 0) AS INTEGER)`
      : `CAST(count(*) FILTER (WHERE event_type = '${ev}') AS INTEGER)`;
  const amount = withDuplicates ? 'w * price * coalesce(quantity, 1)' : 'price * coalesce(quantity, 1)';
  const inner =
    `SELECT ${keys.join(', ')}, ${cnt('view')} AS views, ${cnt('cart')} AS carts, ${cnt('purchase')} AS purchases, ` +
    `CAST(coalesce(sum(${amount}) FILTER (WHERE event_type = 'purchase'), 0) AS DOUBLE) AS revenue, ` +
    (withVisitors ? `CAST(count(DISTINCT visitor_id) AS INTEGER) AS visitors ` : `NULL AS visitors `) +
    `FROM ${src}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY ${groupBy}`;
  const metrics = `views, carts, purchases, revenue${withVisitors ? ', visitors' : ''}`;
  return `SELECT ${outKeys.join(', ')}, ${metrics} FROM (${inner}) ORDER BY ${orderBy}`;
}

/** Re-export for callers that only import the SQL module. */
export { derivedDimensions };

/**
 * Statement creating the view `events_dedup`: the valid events of `events` with every extra copy of an exact
 * duplicate removed (the first copy kept) — the same rule as the cube's weighting by `dups`, but row-level,
 * for queries that need individual events (visitor, session and product tables in core/business-sql.ts).
 * Only rows whose (ts, visitor_id) hash is a duplicate candidate (temp table `dup_hashes`) go through a
 * DISTINCT, the others pass through an anti join (about twice as fast as `NOT IN`, measured on the Retail
 * Rocket file); without duplicates the view is `events` itself. With duplicates a query over it scans the
 * files twice (≈ +0.4 s per 2 M events).
 */
export function dedupEventsViewSql(withDuplicates: boolean): string {
  if (!withDuplicates) return `CREATE OR REPLACE TEMP VIEW events_dedup AS SELECT * FROM events`;
  return (
    `CREATE OR REPLACE TEMP VIEW events_dedup AS ` +
    `SELECT e.* FROM events e ANTI JOIN dup_hashes d ON hash(e.ts, e.visitor_id) = d.h ` +
    `UNION ALL SELECT DISTINCT * FROM events WHERE hash(ts, visitor_id) IN (SELECT h FROM dup_hashes)`
  );
}
