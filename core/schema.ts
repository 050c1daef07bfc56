/**
 * Canonical event schema, the three known clickstream layouts, column mappings (with the zod schema of a
 * mapping JSON file), layout auto-detection from a column list, and a record-level normalizer for JSON
 * messages (used by the Kafka tap). Pure TypeScript: no DOM, Node or Electron imports.
 *
 * The SQL counterpart of {@link normalizeRecord} lives in core/sql.ts (same rules, DuckDB dialect).
 */
import { z } from 'zod';
import type { EventType } from './types.js';

// ---------------------------------------------------------------- canonical event

/** Canonical (non-dimension) columns of a normalized event, in the order the SQL view emits them. */
export const CANONICAL_COLUMNS = [
  'ts',
  'visitor_id',
  'session_id',
  'event_type',
  'item_id',
  'transaction_id',
  'price',
  'quantity',
] as const;
export type CanonicalColumn = (typeof CANONICAL_COLUMNS)[number];

/** Canonical event types in the order they are reported. */
export const EVENT_TYPES: readonly EventType[] = ['view', 'cart', 'purchase', 'remove_from_cart'];

/** One normalized event. Ids are strings whatever their type in the source. */
export interface CanonicalEvent {
  /** epoch milliseconds, UTC */
  ts: number;
  visitor_id: string;
  session_id: string | null;
  event_type: EventType;
  item_id: string | null;
  transaction_id: string | null;
  price: number | null;
  quantity: number | null;
  /** dimension name -> value (exactly as in the data; null when absent) */
  dims: Record<string, string | null>;
}

/** Why a row was rejected. The same codes are produced by the SQL normalizer (core/sql.ts). */
export const REJECT_REASONS = [
  'unparseable_time',
  'missing_visitor',
  'unknown_event_type',
  'non_positive_price',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Dimensions computed from canonical columns, available as cube dimensions. */
export const DERIVED_DIMENSIONS = ['price_band', 'category_root', 'weekday', 'hour_of_day'] as const;
export type DerivedDimension = (typeof DERIVED_DIMENSIONS)[number];

/** Price bands of the derived `price_band` dimension: [label, lower bound inclusive, upper bound exclusive]. */
export const PRICE_BANDS: ReadonlyArray<readonly [string, number, number]> = [
  ['<10', -Infinity, 10],
  ['10-30', 10, 30],
  ['30-60', 30, 60],
  ['60+', 60, Infinity],
];
/** Weekday names of the derived `weekday` dimension (index 0 = Sunday, like Date#getUTCDay and DuckDB dayname). */
export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

// ---------------------------------------------------------------- mapping

/**
 * How the time column is read.
 * - `auto`: numbers by magnitude (seconds 1990–2100, milliseconds, microseconds), strings as ISO-8601 /
 *   "YYYY-MM-DD HH:MM:SS[.fff]" with or without a zone ("Z", "UTC", "+02:00", "-0500"; no zone = UTC),
 *   numeric strings as epochs, native TIMESTAMP/TIMESTAMPTZ/DATE columns as they are.
 * - `epoch_ms` / `epoch_s`: numbers (or numeric strings) in that unit.
 * - `iso`: strings only.
 */
export type TimeFormat = 'auto' | 'epoch_ms' | 'epoch_s' | 'iso';

/** Mapping of source columns to the canonical event. Column names are exact (case-sensitive). */
export interface ColumnMapping {
  ts: string;
  timeFormat: TimeFormat;
  visitor_id: string;
  session_id: string | null;
  event_type: string;
  /** raw event value (compared lower-cased and trimmed) -> canonical event type; other values are rejected */
  eventValues: Record<string, EventType>;
  item_id: string | null;
  transaction_id: string | null;
  price: string | null;
  quantity: string | null;
  /** dimension name -> source column. A dimension named `category` also yields the derived `category_root`. */
  dimensions: Record<string, string>;
}

export type LayoutName = 'retailrocket' | 'cosmetics' | 'pipeline';
export const LAYOUT_NAMES: readonly LayoutName[] = ['retailrocket', 'cosmetics', 'pipeline'];

/** A known source layout. */
export interface Layout {
  name: LayoutName;
  label: string;
  /** columns that must all be present for the layout to apply */
  required: string[];
  /** full mapping when every column is present; optional columns that are absent are dropped per file */
  mapping: ColumnMapping;
}

const RETAILROCKET: Layout = {
  name: 'retailrocket',
  label: 'Retail Rocket events (+ device/os/browser enrichment)',
  required: ['timestamp', 'visitorid', 'event'],
  mapping: {
    ts: 'timestamp',
    timeFormat: 'auto',
    visitor_id: 'visitorid',
    session_id: null,
    event_type: 'event',
    eventValues: {
      view: 'view',
      addtocart: 'cart',
      transaction: 'purchase',
      removefromcart: 'remove_from_cart',
    },
    item_id: 'itemid',
    transaction_id: 'transactionid',
    price: null,
    quantity: null,
    dimensions: { device: 'device', os: 'os', browser: 'browser' },
  },
};

const COSMETICS: Layout = {
  name: 'cosmetics',
  label: 'Cosmetics-shop export (event_time, event_type, product_id, …, user_session)',
  required: ['event_time', 'event_type', 'user_id'],
  mapping: {
    ts: 'event_time',
    timeFormat: 'auto',
    visitor_id: 'user_id',
    session_id: 'user_session',
    event_type: 'event_type',
    eventValues: { view: 'view', cart: 'cart', remove_from_cart: 'remove_from_cart', purchase: 'purchase' },
    item_id: 'product_id',
    transaction_id: null,
    price: 'price',
    quantity: null,
    dimensions: { brand: 'brand', category: 'category_code', category_id: 'category_id' },
  },
};

const PIPELINE: Layout = {
  name: 'pipeline',
  label: 'Streaming-pipeline events (event_id, event_timestamp, …, device_type, country, city)',
  required: ['event_timestamp', 'user_id', 'event_type'],
  mapping: {
    ts: 'event_timestamp',
    timeFormat: 'auto',
    visitor_id: 'user_id',
    session_id: 'session_id',
    event_type: 'event_type',
    eventValues: {
      page_view: 'view',
      view: 'view',
      add_to_cart: 'cart',
      remove_from_cart: 'remove_from_cart',
      purchase: 'purchase',
    },
    item_id: 'product_id',
    transaction_id: null,
    price: 'product_price',
    quantity: 'quantity',
    dimensions: {
      device: 'device_type',
      browser: 'browser',
      country: 'country',
      city: 'city',
      category: 'product_category',
    },
  },
};

/** The three known layouts, by name. */
export const LAYOUTS: Readonly<Record<LayoutName, Layout>> = {
  retailrocket: RETAILROCKET,
  cosmetics: COSMETICS,
  pipeline: PIPELINE,
};

/** Every source column a mapping reads (canonical ones first, then dimensions). */
export function mappedColumns(m: ColumnMapping): string[] {
  const cols = [
    m.ts,
    m.visitor_id,
    m.session_id,
    m.event_type,
    m.item_id,
    m.transaction_id,
    m.price,
    m.quantity,
  ];
  const out = cols.filter((c): c is string => typeof c === 'string');
  for (const c of Object.values(m.dimensions)) out.push(c);
  return [...new Set(out)];
}

/** Required source columns of a mapping (time, visitor, event type). */
export function requiredColumns(m: ColumnMapping): string[] {
  return [m.ts, m.visitor_id, m.event_type];
}

/**
 * Restrict a layout's mapping to the columns a file actually has: optional canonical columns and dimensions
 * that are absent are dropped. Returns null when a required column is missing.
 */
export function fitLayout(layout: Layout, columns: readonly string[]): ColumnMapping | null {
  const have = new Set(columns);
  if (!layout.required.every((c) => have.has(c))) return null;
  const m = layout.mapping;
  const opt = (c: string | null) => (c !== null && have.has(c) ? c : null);
  const dimensions: Record<string, string> = {};
  for (const [d, c] of Object.entries(m.dimensions)) if (have.has(c)) dimensions[d] = c;
  return {
    ...m,
    session_id: opt(m.session_id),
    item_id: opt(m.item_id),
    transaction_id: opt(m.transaction_id),
    price: opt(m.price),
    quantity: opt(m.quantity),
    dimensions,
  };
}

/** Result of {@link detectLayout}. */
export interface LayoutDetection {
  /** the matching layout, or null when no layout's required columns are all present */
  layout: LayoutName | null;
  /** the layout's mapping restricted to the present columns, or null */
  mapping: ColumnMapping | null;
  /** the layout sharing the most columns with the input (equal to `layout` on a match) */
  closest: LayoutName;
  /** required columns of `closest` that are missing (empty on a match) */
  missing: string[];
  /** how many columns of `closest` the input has (0: nothing in common with any known layout) */
  matched: number;
}

/**
 * Detect the layout of a column list. A layout matches when all its required columns are present; among
 * matches the one using the most of the given columns wins (ties: the order of {@link LAYOUT_NAMES}).
 */
export function detectLayout(columns: readonly string[]): LayoutDetection {
  const have = new Set(columns);
  let best: { name: LayoutName; matched: number; missing: string[] } | null = null;
  let bestMatch: { name: LayoutName; matched: number } | null = null;
  for (const name of LAYOUT_NAMES) {
    const layout = LAYOUTS[name];
    const all = mappedColumns(layout.mapping);
    const matched = all.filter((c) => have.has(c)).length;
    const missing = layout.required.filter((c) => !have.has(c));
    const score = matched - missing.length * 0.5;
    if (!best || score > best.matched - best.missing.length * 0.5) best = { name, matched, missing };
    if (missing.length === 0 && (!bestMatch || matched > bestMatch.matched)) bestMatch = { name, matched };
  }
  if (bestMatch) {
    return {
      layout: bestMatch.name,
      mapping: fitLayout(LAYOUTS[bestMatch.name], columns),
      closest: bestMatch.name,
      missing: [],
      matched: bestMatch.matched,
    };
  }
  return { layout: null, mapping: null, closest: best!.name, missing: best!.missing, matched: best!.matched };
}

// ---------------------------------------------------------------- mapping JSON (--mapping FILE)

const eventTypeSchema = z.enum(['view', 'cart', 'purchase', 'remove_from_cart']);
const columnName = z.string().min(1, 'column names must not be empty');

/**
 * Zod schema of a mapping JSON file. Every field is optional: fields given override the base mapping, which
 * is the named `layout`, else the layout auto-detected from each file. A field set to null unmaps an optional
 * column. `dimensions` replaces the base dimensions when given. Example:
 * `{"layout":"cosmetics","price":null,"dimensions":{"brand":"brand","category":"category_code"}}` or a full
 * custom mapping `{"ts":"time","visitor_id":"uid","event_type":"kind","eventValues":{"pv":"view",…}}`.
 */
export const MappingFileSchema = z
  .object({
    layout: z.enum(['retailrocket', 'cosmetics', 'pipeline']).optional(),
    ts: columnName.optional(),
    timeFormat: z.enum(['auto', 'epoch_ms', 'epoch_s', 'iso']).optional(),
    visitor_id: columnName.optional(),
    session_id: columnName.nullable().optional(),
    event_type: columnName.optional(),
    eventValues: z.record(z.string(), eventTypeSchema).optional(),
    item_id: columnName.nullable().optional(),
    transaction_id: columnName.nullable().optional(),
    price: columnName.nullable().optional(),
    quantity: columnName.nullable().optional(),
    dimensions: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'dimension names must be identifiers'), columnName)
      .optional(),
  })
  .strict();
export type MappingFile = z.infer<typeof MappingFileSchema>;

/** Names a dimension may not take (canonical, derived and cube output columns). */
export const RESERVED_NAMES: ReadonlySet<string> = new Set<string>([
  ...CANONICAL_COLUMNS,
  ...DERIVED_DIMENSIONS,
  'date',
  'hour',
  'views',
  'carts',
  'purchases',
  'revenue',
  'visitors',
  'raw_event',
  'reject_reason',
  'w',
  'c',
]);

/** Parse and validate a mapping JSON value; throws an Error with a readable list of problems. */
export function parseMappingFile(value: unknown): MappingFile {
  const r = MappingFileSchema.safeParse(value);
  if (r.success) {
    const reserved = Object.keys(r.data.dimensions ?? {}).filter((d) => RESERVED_NAMES.has(d));
    if (reserved.length)
      throw new Error(`invalid mapping: dimension name(s) reserved: ${reserved.join(', ')}`);
    return r.data;
  }
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid mapping: ${problems.join('; ')}`);
}

/** How to go on when no known layout matches (the end of that error; the Data view shows its editor instead). */
export const NO_LAYOUT_HINT =
  ' — map the columns in the Data view, or pass a mapping JSON (--mapping; `funnelscope profile FOLDER --columns` suggests one)';

/**
 * Resolve the mapping for one file: a mapping file (may be partial) applied over its base layout (named, or
 * auto-detected from the file's columns). Throws with a specific message when the mapping is incomplete or
 * names columns the file does not have.
 */
export function resolveMapping(
  override: MappingFile | null | undefined,
  columns: readonly string[],
): { layout: LayoutName | 'custom'; mapping: ColumnMapping } {
  const have = new Set(columns);
  if (!override) {
    const d = detectLayout(columns);
    if (d.layout && d.mapping) return { layout: d.layout, mapping: d.mapping };
    const how = NO_LAYOUT_HINT;
    if (d.matched === 0) {
      const req = LAYOUT_NAMES.map((n) => `${n}: ${LAYOUTS[n].required.join(', ')}`).join('; ');
      throw new Error(
        `no known layout: no column of a known clickstream layout was found (required — ${req})${how}`,
      );
    }
    throw new Error(
      `no known layout: closest is ${d.closest} (${LAYOUTS[d.closest].label}), missing column(s) ${d.missing.join(', ')}` +
        how,
    );
  }
  let base: ColumnMapping | null = null;
  let layout: LayoutName | 'custom' = 'custom';
  if (override.layout) {
    base = LAYOUTS[override.layout].mapping;
    layout = override.layout;
  } else if (!(override.ts && override.visitor_id && override.event_type)) {
    const d = detectLayout(columns);
    if (d.layout) {
      base = LAYOUTS[d.layout].mapping;
      layout = d.layout;
    }
  }
  const pick = <K extends keyof ColumnMapping>(k: K): ColumnMapping[K] | undefined =>
    (override[k as keyof MappingFile] as ColumnMapping[K] | undefined) ?? undefined;
  const merged = {
    ts: pick('ts') ?? base?.ts,
    timeFormat: pick('timeFormat') ?? base?.timeFormat ?? 'auto',
    visitor_id: pick('visitor_id') ?? base?.visitor_id,
    event_type: pick('event_type') ?? base?.event_type,
    eventValues: override.eventValues ?? base?.eventValues,
  };
  const missingFields = (['ts', 'visitor_id', 'event_type', 'eventValues'] as const).filter(
    (k) => !merged[k],
  );
  if (missingFields.length) {
    throw new Error(
      `incomplete mapping: ${missingFields.join(', ')} not given and no layout could be detected to supply them`,
    );
  }
  const optional = (k: 'session_id' | 'item_id' | 'transaction_id' | 'price' | 'quantity'): string | null => {
    if (k in override) return (override[k] as string | null | undefined) ?? null;
    const b = base?.[k] ?? null;
    // base-layout optional columns that the file lacks are dropped silently; explicit ones must exist
    return b !== null && have.has(b) ? b : null;
  };
  let dimensions: Record<string, string>;
  if (override.dimensions) dimensions = { ...override.dimensions };
  else {
    dimensions = {};
    for (const [d, c] of Object.entries(base?.dimensions ?? {})) if (have.has(c)) dimensions[d] = c;
  }
  const eventValues: Record<string, EventType> = {};
  for (const [raw, ev] of Object.entries(merged.eventValues!)) eventValues[raw.trim().toLowerCase()] = ev;
  const mapping: ColumnMapping = {
    ts: merged.ts!,
    timeFormat: merged.timeFormat,
    visitor_id: merged.visitor_id!,
    session_id: optional('session_id'),
    event_type: merged.event_type!,
    eventValues,
    item_id: optional('item_id'),
    transaction_id: optional('transaction_id'),
    price: optional('price'),
    quantity: optional('quantity'),
    dimensions,
  };
  const unknown = mappedColumns(mapping).filter((c) => !have.has(c));
  if (unknown.length) {
    throw new Error(`mapping names column(s) the file does not have: ${unknown.join(', ')}`);
  }
  return { layout, mapping };
}

// ---------------------------------------------------------------- data-quality profile (CLI `profile --json`)

/** The data-quality profile of a load; this is the CLI `profile --json` contract. */
export interface DataProfile {
  /** layout name ('retailrocket' | 'cosmetics' | 'pipeline' | 'custom'), or names joined by '+' for mixed folders */
  layout: string;
  /** the mapping used (of the largest file group when files use different mappings) */
  mapping: ColumnMapping;
  files: {
    /** number of files read */
    read: number;
    /** files not read, by path relative to the folder, with the reason */
    skipped: { file: string; reason: string }[];
  };
  rows: {
    /** rows in the files read */
    read: number;
    /** rejected rows by reason (every reason listed, 0 when none) */
    rejected: Record<string, number>;
    /** exact duplicate events removed (all canonical and dimension columns equal; first copy kept) */
    duplicates: number;
  };
  /** first and last UTC day with a valid event, YYYY-MM-DD; null when no valid event */
  range: { from: string | null; to: string | null };
  /** dimension name -> number of distinct non-null values (data and derived dimensions) */
  dimensions: Record<string, number>;
}

// ---------------------------------------------------------------- record normalizer (JSON messages)

/** Parse a time value to epoch ms (UTC) following the same rules as the SQL normalizer; null if unparseable. */
export function parseTime(value: unknown, format: TimeFormat = 'auto'): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value === 'string' && format !== 'iso' && /^\s*-?\d+(\.\d+)?\s*$/.test(value))
    value = Number(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || format === 'iso') return null;
    if (format === 'epoch_ms') return inRangeMs(value) ? Math.round(value) : null;
    if (format === 'epoch_s') return inRangeMs(value * 1000) ? Math.round(value * 1000) : null;
    const a = Math.abs(value);
    if (a >= EPOCH_S_MIN && a < EPOCH_S_MAX) return Math.round(value * 1000);
    if (a >= EPOCH_S_MIN * 1e3 && a < EPOCH_S_MAX * 1e3) return Math.round(value);
    if (a >= EPOCH_S_MIN * 1e6 && a < EPOCH_S_MAX * 1e6) return Math.round(value / 1000);
    return null;
  }
  if (typeof value !== 'string' || format === 'epoch_ms' || format === 'epoch_s') return null;
  const m = ISO_RE.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = ''] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
  const check = new Date(t);
  if (check.getUTCFullYear() !== +y || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d)
    return null;
  if (+h > 23 || +mi > 59 || +s > 60) return null;
  const z2 = zone.trim();
  if (z2 && z2 !== 'Z' && z2.toUpperCase() !== 'UTC') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(z2);
    if (!zm) return null;
    const off = (+zm[2] * 60 + +(zm[3] ?? 0)) * 60_000;
    t -= zm[1] === '+' ? off : -off;
  }
  return t;
}
/** Epoch seconds accepted by `auto`: 1990-01-01 … 2100-01-01. */
export const EPOCH_S_MIN = 631_152_000;
export const EPOCH_S_MAX = 4_102_444_800;
const inRangeMs = (v: number) => Math.abs(v) >= EPOCH_S_MIN * 1e3 && Math.abs(v) < EPOCH_S_MAX * 1e3;
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Result of {@link normalizeRecord}. */
export type NormalizeResult =
  | { ok: true; event: CanonicalEvent }
  | { ok: false; reason: RejectReason | 'invalid_record'; message: string };

const scalar = z.union([z.string(), z.number(), z.bigint(), z.boolean()]).nullish();
const numberLike = z
  .union([z.number(), z.bigint(), z.string().regex(/^\s*-?\d+(\.\d+)?\s*$/, 'expected a number')])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : Number(v)));

const recordSchemaCache = new WeakMap<ColumnMapping, z.ZodType>();
/** The zod schema of one JSON record of a mapping (types of the mapped fields; other fields pass through). */
export function recordSchema(mapping: ColumnMapping): z.ZodType {
  let s = recordSchemaCache.get(mapping);
  if (!s) {
    const shape: Record<string, z.ZodType> = {};
    shape[mapping.ts] = z
      .union([z.string(), z.number(), z.bigint()], { error: 'expected a time (string or number)' })
      .nullish();
    shape[mapping.visitor_id] = scalar;
    shape[mapping.event_type] = scalar;
    for (const c of [mapping.session_id, mapping.item_id, mapping.transaction_id]) if (c) shape[c] = scalar;
    for (const c of [mapping.price, mapping.quantity]) if (c) shape[c] = numberLike;
    for (const c of Object.values(mapping.dimensions)) shape[c] = scalar;
    s = z.looseObject(shape);
    recordSchemaCache.set(mapping, s);
  }
  return s;
}

const str = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  return String(v);
};

/**
 * Map one JSON record of a layout (or of an explicit mapping) to a canonical event, with the same rejection
 * rules as the SQL normalizer: `unparseable_time`, `missing_visitor`, `unknown_event_type`,
 * `non_positive_price` (price ≤ 0 on a purchase), plus `invalid_record` when a field has the wrong type
 * (e.g. a price that is not a number) or the value is not an object.
 */
export function normalizeRecord(layout: LayoutName | ColumnMapping, record: unknown): NormalizeResult {
  const mapping = typeof layout === 'string' ? LAYOUTS[layout].mapping : layout;
  const parsed = recordSchema(mapping).safeParse(record);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
    return { ok: false, reason: 'invalid_record', message: msg };
  }
  const r = parsed.data as Record<string, unknown>;
  const ts = parseTime(r[mapping.ts], mapping.timeFormat);
  if (ts === null) {
    return {
      ok: false,
      reason: 'unparseable_time',
      message: `${mapping.ts}: cannot read ${JSON.stringify(r[mapping.ts] ?? null)} as a time`,
    };
  }
  const visitor = str(r[mapping.visitor_id]);
  if (visitor === null || visitor.trim() === '') {
    return { ok: false, reason: 'missing_visitor', message: `${mapping.visitor_id}: missing visitor id` };
  }
  const rawEvent = str(r[mapping.event_type]);
  const ev = rawEvent === null ? undefined : mapping.eventValues[rawEvent.trim().toLowerCase()];
  if (!ev) {
    return {
      ok: false,
      reason: 'unknown_event_type',
      message: `${mapping.event_type}: unknown event type ${JSON.stringify(rawEvent)} (known: ${Object.keys(mapping.eventValues).join(', ')})`,
    };
  }
  const price = mapping.price ? ((r[mapping.price] as number | null) ?? null) : null;
  const quantity = mapping.quantity ? ((r[mapping.quantity] as number | null) ?? null) : null;
  if (ev === 'purchase' && price !== null && price <= 0) {
    return {
      ok: false,
      reason: 'non_positive_price',
      message: `${mapping.price}: purchase with price ${price}`,
    };
  }
  const dims: Record<string, string | null> = {};
  for (const [d, c] of Object.entries(mapping.dimensions)) dims[d] = str(r[c]);
  return {
    ok: true,
    event: {
      ts,
      visitor_id: visitor,
      session_id: mapping.session_id ? str(r[mapping.session_id]) : null,
      event_type: ev,
      item_id: mapping.item_id ? str(r[mapping.item_id]) : null,
      transaction_id: mapping.transaction_id ? str(r[mapping.transaction_id]) : null,
      price,
      quantity,
      dims,
    },
  };
}

/** Derived dimensions a mapping provides (price_band needs price, category_root needs a `category` dimension). */
export function derivedDimensions(mapping: Pick<ColumnMapping, 'price' | 'dimensions'>): DerivedDimension[] {
  const out: DerivedDimension[] = [];
  if (mapping.price) out.push('price_band');
  if ('category' in mapping.dimensions) out.push('category_root');
  out.push('weekday', 'hour_of_day');
  return out;
}

/** The derived dimension values of an event (same rules as the SQL view). */
export function derivedValues(event: CanonicalEvent): Record<DerivedDimension, string | null> {
  const d = new Date(event.ts);
  const band =
    event.price === null
      ? null
      : (PRICE_BANDS.find(([, lo, hi]) => event.price! >= lo && event.price! < hi)?.[0] ?? null);
  const cat = event.dims.category;
  return {
    price_band: band,
    category_root: cat === null || cat === undefined ? null : cat.split('.')[0],
    weekday: WEEKDAYS[d.getUTCDay()],
    hour_of_day: String(d.getUTCHours()).padStart(2, '0'),
  };
}
