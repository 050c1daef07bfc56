/**
 * Suggestions for the mapping editor (renderer/views/DataView.tsx): which source column fits which canonical
 * field, which columns make dimensions, and which raw event values mean view / cart / purchase. Pure
 * TypeScript. Type compatibility is never decided here: {@link fieldTypeProblem} asks the dataset service's
 * own rule (core/sql.ts `checkColumnTypes`), so a column the editor suggests is one the service accepts.
 *
 * Name heuristics (documented in the README, "Mapping the columns"): a column name is split into lower-case
 * tokens (on `_`, `-`, `.`, spaces, digits and camelCase). Per field, an exact name from its list scores 3, a
 * token from its list 2; a token from the field's exclusion list rules the column out (so `user_session` is
 * no visitor and `event_time` no event type). Required fields are assigned first, then the optional ones, each
 * column at most once, ties to the column seen first. A mapped column that a file lacks makes the dataset
 * service skip that file, so optional fields and dimensions are only suggested from columns every readable
 * file has, and required fields prefer them. Known layouts (detectLayout) win over the heuristics.
 */
import type { SourceColumn } from './contract-mapping.js';
import {
  RESERVED_NAMES,
  detectLayout,
  type CanonicalColumn,
  type ColumnMapping,
  type LayoutName,
} from './schema.js';
import { checkColumnTypes, typeClass } from './sql.js';
import type { EventType } from './types.js';

/** Canonical fields the editor maps, required ones first. */
export const MAPPING_FIELDS: readonly { key: CanonicalColumn; label: string; required: boolean }[] = [
  { key: 'ts', label: 'timestamp', required: true },
  { key: 'visitor_id', label: 'visitor', required: true },
  { key: 'event_type', label: 'event type', required: true },
  { key: 'session_id', label: 'session', required: false },
  { key: 'item_id', label: 'item', required: false },
  { key: 'transaction_id', label: 'transaction', required: false },
  { key: 'price', label: 'price', required: false },
  { key: 'quantity', label: 'quantity', required: false },
];

interface Hint {
  exact: string[];
  tokens: string[];
  exclude?: string[];
}

/** The name heuristics per field (exact names, tokens, exclusions). */
export const NAME_HINTS: Readonly<Record<CanonicalColumn, Hint>> = {
  ts: {
    exact: ['ts', 'timestamp', 'time', 'event_time', 'event_timestamp', 'datetime', 'ts_ms', 'event_ts'],
    tokens: ['ts', 'time', 'timestamp', 'datetime', 'epoch', 'date'],
    exclude: ['id', 'zone', 'tz', 'spent', 'duration'],
  },
  visitor_id: {
    exact: [
      'visitor_id',
      'visitorid',
      'user_id',
      'userid',
      'uid',
      'customer_id',
      'customer',
      'visitor',
      'user',
    ],
    tokens: [
      'visitor',
      'user',
      'customer',
      'client',
      'uid',
      'cookie',
      'shopper',
      'member',
      'buyer',
      'anonymous',
    ],
    exclude: ['session', 'agent', 'name', 'email', 'type', 'segment', 'country', 'city'],
  },
  event_type: {
    exact: ['event_type', 'event', 'action', 'type', 'event_name', 'kind', 'activity', 'eventtype'],
    tokens: ['event', 'action', 'type', 'kind', 'activity', 'interaction'],
    exclude: ['time', 'timestamp', 'ts', 'id', 'date', 'at', 'user', 'device', 'content', 'mime', 'ms'],
  },
  session_id: {
    exact: ['session_id', 'session', 'sid', 'user_session', 'sess', 'visit_id', 'sessionid'],
    tokens: ['session', 'sess', 'visit', 'sid'],
    exclude: ['time', 'start', 'duration', 'count'],
  },
  item_id: {
    exact: ['item_id', 'itemid', 'product_id', 'productid', 'sku', 'item', 'product', 'article_id'],
    tokens: ['item', 'product', 'sku', 'article', 'offer', 'prod'],
    exclude: ['price', 'category', 'name', 'qty', 'quantity', 'brand', 'count', 'amount', 'items'],
  },
  transaction_id: {
    exact: ['transaction_id', 'transactionid', 'order_id', 'orderid', 'txn_id', 'transaction', 'order'],
    tokens: ['transaction', 'order', 'txn', 'receipt'],
    exclude: ['time', 'date', 'price', 'value', 'amount', 'total', 'status', 'count'],
  },
  price: {
    exact: ['price', 'amount', 'product_price', 'unit_price', 'item_price', 'value', 'revenue'],
    tokens: ['price', 'amount', 'revenue', 'value', 'cost'],
    exclude: ['id', 'currency', 'band', 'type'],
  },
  quantity: {
    exact: ['quantity', 'qty', 'units', 'n_items', 'item_count'],
    tokens: ['quantity', 'qty', 'units'],
  },
};

/** Dimension names suggested for string columns whose name carries the word (`ua_device` → device). */
export const DIMENSION_WORDS: readonly string[] = [
  'device',
  'os',
  'browser',
  'platform',
  'country',
  'region',
  'city',
  'channel',
  'source',
  'medium',
  'campaign',
  'category',
  'brand',
];

/** Raw event values (normalized: lower case, letters and digits only) that suggest each canonical type. */
export const EVENT_VALUE_HINTS: Readonly<Record<EventType, string[]>> = {
  view: [
    'view',
    'pv',
    'pageview',
    'views',
    'viewed',
    'detail',
    'productview',
    'viewitem',
    'impression',
    'visit',
  ],
  cart: ['cart', 'atc', 'addtocart', 'add', 'addcart', 'cartadd', 'basket', 'addedtocart', 'addtobasket'],
  purchase: [
    'purchase',
    'buy',
    'order',
    'transaction',
    'checkout',
    'sale',
    'purchased',
    'bought',
    'conversion',
    'ordercompleted',
    'checkoutcomplete',
  ],
  remove_from_cart: ['removefromcart', 'rfc', 'remove', 'cartremove', 'removedfromcart', 'removefrombasket'],
};

/** Lower-case tokens of a column name: `tsMs`, `ts_ms`, `TS-ms 2` → ts, ms. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

const EMPTY_MAPPING: ColumnMapping = {
  ts: '',
  timeFormat: 'auto',
  visitor_id: '',
  session_id: null,
  event_type: '',
  eventValues: {},
  item_id: null,
  transaction_id: null,
  price: null,
  quantity: null,
  dimensions: {},
};

/**
 * Why a column of this type cannot be used for `field` (a canonical field or `dimension`), in the dataset
 * service's words (core/sql.ts checkColumnTypes, e.g. `column "sku" (price) is VARCHAR; a number is
 * expected`); null when it can.
 */
export function fieldTypeProblem(
  field: CanonicalColumn | 'dimension',
  column: string,
  type: string,
): string | null {
  const mapping: ColumnMapping =
    field === 'dimension'
      ? { ...EMPTY_MAPPING, dimensions: { [column]: column } }
      : { ...EMPTY_MAPPING, [field]: column };
  return checkColumnTypes(mapping, { [column]: type })[0] ?? null;
}

function score(field: CanonicalColumn, name: string): number {
  const hint = NAME_HINTS[field];
  const lower = name.toLowerCase();
  const tokens = nameTokens(name);
  if (hint.exact.includes(lower)) return 3;
  if (hint.exclude?.some((t) => tokens.includes(t))) return 0;
  return hint.tokens.some((t) => tokens.includes(t)) ? 2 : 0;
}

/** A valid, unused dimension name for a column: its identifier form, renamed when reserved or taken. */
export function dimensionNameFor(column: string, taken: Iterable<string> = []): string {
  const used = new Set(taken);
  let base = column.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'dimension';
  if (/^[0-9]/.test(base)) base = `d_${base}`;
  if (RESERVED_NAMES.has(base)) base = `${base}_dim`;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
  return name;
}

/** Problem with a dimension name (identifier, not reserved, unique), or null. */
export function dimensionNameProblem(name: string, others: readonly string[]): string | null {
  if (!name) return 'give the dimension a name';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return 'a name is letters, digits and _ (not starting with a digit)';
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved (a canonical or derived column)`;
  if (others.includes(name)) return `"${name}" is used twice`;
  return null;
}

/** A suggested mapping for a folder's source columns. */
export interface MappingSuggestion {
  /** the known layout whose required columns are all present (its mapping is used as is), else null */
  layout: LayoutName | null;
  mapping: ColumnMapping;
  /** fields (and dimension names) the heuristics filled — the editor marks them "suggested" */
  suggested: string[];
}

/**
 * Suggest a mapping: the matching known layout's, else a column per field by the name heuristics (only
 * columns the field's type rule accepts; required fields first), plus dimensions for unused string columns
 * whose name carries a {@link DIMENSION_WORDS} word. `eventValues` is left empty for a custom mapping (see
 * {@link suggestEventValues}).
 */
export function suggestMapping(
  columns: readonly SourceColumn[],
  /** readable files (default: the most files any column is in) */
  readable = Math.max(0, ...columns.map((c) => c.files)),
): MappingSuggestion {
  const names = columns.map((c) => c.name);
  const detected = detectLayout(names);
  if (detected.layout && detected.mapping)
    return { layout: detected.layout, mapping: detected.mapping, suggested: [] };
  const used = new Set<string>();
  const mapping: ColumnMapping = { ...EMPTY_MAPPING, dimensions: {} };
  const suggested: string[] = [];
  for (const f of MAPPING_FIELDS) {
    let best: { name: string; s: number } | null = null;
    for (const c of columns) {
      if (used.has(c.name) || c.types.some((t) => fieldTypeProblem(f.key, c.name, t))) continue;
      const everywhere = c.files >= readable;
      if (!f.required && !everywhere) continue;
      // a column every file has beats a better name some files lack (those files would be skipped)
      const s = score(f.key, c.name);
      if (s > 0 && (!best || s + (everywhere ? 2 : 0) > best.s))
        best = { name: c.name, s: s + (everywhere ? 2 : 0) };
    }
    if (best) {
      used.add(best.name);
      (mapping as unknown as Record<string, string | null>)[f.key] = best.name;
      suggested.push(f.key);
    }
  }
  for (const c of columns) {
    if (used.has(c.name) || c.files < readable || typeClass(c.type) !== 'string') continue;
    const tokens = nameTokens(c.name);
    const word = DIMENSION_WORDS.find((w) => tokens.includes(w));
    if (!word || word in mapping.dimensions) continue;
    mapping.dimensions[word] = c.name;
    used.add(c.name);
    suggested.push(`dimension:${word}`);
  }
  return { layout: null, mapping, suggested };
}

/** The canonical event type a raw value suggests (`PV`, `add-to-cart`, `Buy` …), or null. */
export function suggestEventType(value: string): EventType | null {
  const v = value.toLowerCase().replace(/[^a-z0-9]+/g, '');
  for (const [type, hints] of Object.entries(EVENT_VALUE_HINTS) as [EventType, string[]][])
    if (hints.includes(v)) return type;
  return null;
}

/** `eventValues` for raw values (as the mapping compares them: trimmed, lower-cased) by {@link suggestEventType}. */
export function suggestEventValues(values: readonly (string | null)[]): Record<string, EventType> {
  const out: Record<string, EventType> = {};
  for (const v of values) {
    if (v === null) continue;
    const t = suggestEventType(v);
    if (t) out[v.trim().toLowerCase()] = t;
  }
  return out;
}
