/**
 * Kafka message → canonical live event. Every message value must be one JSON object in one of the layouts the
 * foundation maps (Retail Rocket, cosmetics export, streaming pipeline), in the canonical form the tap itself
 * writes, or in a user layout described by a mapping file (--mapping). Validation is zod; anything that does
 * not validate is returned as `{ ok: false, reason }` (the tap quarantines it) — never thrown.
 *
 * The result shape mirrors core/schema.ts's `normalizeRecord(layout, record)` contract
 * (`{ok:true, event} | {ok:false, reason}`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { EventType } from '../../../core/types.js';
import { normalizeRecord, type LayoutName } from '../../../core/schema.js';

export type LiveLayout = 'retailrocket' | 'cosmetics' | 'pipeline' | 'canonical' | 'mapped';

/** One validated event in the canonical form the tap writes (one Parquet row). */
export interface LiveEvent {
  /** epoch milliseconds, UTC */
  ts: number;
  visitor_id: string;
  session_id: string | null;
  event_type: EventType;
  item_id: string | null;
  transaction_id: string | null;
  price: number | null;
  quantity: number | null;
  device: string | null;
  os: string | null;
  browser: string | null;
  brand: string | null;
  category: string | null;
  category_id: string | null;
  product_name: string | null;
  country: string | null;
  city: string | null;
  event_id: string | null;
  /** which layout the message was in */
  source_layout: LiveLayout;
}

export type NormalizeResult = { ok: true; event: LiveEvent } | { ok: false; reason: string };

/** String columns of LiveEvent besides ts / visitor_id / event_type, in Parquet column order. */
export const OPTIONAL_STRING_FIELDS = [
  'session_id',
  'item_id',
  'transaction_id',
  'device',
  'os',
  'browser',
  'brand',
  'category',
  'category_id',
  'product_name',
  'country',
  'city',
  'event_id',
] as const;

// ------------------------------------------------------------------ value parsers

const idLike = z.union([z.string(), z.number(), z.bigint()]);
const optId = idLike.nullish();
const optStr = z.union([z.string(), z.number()]).nullish();
const optNum = z.union([z.number(), z.string()]).nullish();
const timeLike = z.union([z.number(), z.string()]);

/** epoch s / epoch ms (number or numeric string), ISO with or without zone, "YYYY-MM-DD HH:MM:SS UTC". */
export function parseTimestamp(v: number | string): number | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    return Math.abs(v) < 1e11 ? Math.round(v * 1000) : Math.round(v);
  }
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return parseTimestamp(Number(s));
  let iso = s.replace(/\s+UTC$/i, 'Z').replace(/^(\d{4}-\d{2}-\d{2})[ T]/, '$1T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  else if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) iso += 'Z';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

function str(v: string | number | bigint | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : String(v);
  return s === '' ? null : s;
}

function num(v: string | number | null | undefined): number | null | 'bad' {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 'bad';
}

/** Event-type values of the canonical form (the tap's own output); mapped messages may add their own. */
const CANONICAL_TYPES: Record<string, EventType> = {
  view: 'view',
  cart: 'cart',
  remove_from_cart: 'remove_from_cart',
  purchase: 'purchase',
};

// ------------------------------------------------------------------ layouts (zod)

const canonical = z.object({
  ts: timeLike,
  visitor_id: idLike,
  event_type: z.string(),
  session_id: optStr,
  item_id: optId,
  transaction_id: optId,
  price: optNum,
  quantity: optNum,
  device: optStr,
  os: optStr,
  browser: optStr,
  brand: optStr,
  category: optStr,
  category_id: optId,
  product_name: optStr,
  country: optStr,
  city: optStr,
  event_id: optId,
});

/**
 * A user mapping (--mapping FILE): canonical field → field name in the message, plus optional event-type
 * value translation. Example: {"columns":{"ts":"when","visitor_id":"uid","event_type":"kind","device":"dev"},
 * "eventTypes":{"click":"view","basket":"cart","order":"purchase"}}
 */
export const mappingSchema = z.object({
  columns: z
    .record(z.string(), z.string())
    .refine(
      (c) => 'ts' in c && 'visitor_id' in c && 'event_type' in c,
      'columns must map at least ts, visitor_id and event_type',
    ),
  eventTypes: z.record(z.string(), z.enum(['view', 'cart', 'purchase', 'remove_from_cart'])).optional(),
});
export type LiveMapping = z.infer<typeof mappingSchema>;

export function loadMapping(file: string): LiveMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read mapping file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = mappingSchema.safeParse(raw);
  if (!r.success) throw new Error(`invalid mapping file ${file}: ${formatIssues(r.error)}`);
  return r.data;
}

function formatIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'value'}: ${i.message}`)
    .join('; ');
}

/** Which known layout a JSON object is in (by its distinctive fields), or null. */
export function detectLayout(o: Record<string, unknown>): Exclude<LiveLayout, 'mapped'> | null {
  if ('visitorid' in o) return 'retailrocket';
  if ('event_timestamp' in o) return 'pipeline';
  if ('event_time' in o || 'user_session' in o) return 'cosmetics';
  if ('ts' in o && 'visitor_id' in o) return 'canonical';
  return null;
}

interface Draft {
  ts: number | string;
  visitor: string | number | bigint;
  type: string;
  layout: LiveLayout;
  price?: string | number | null;
  quantity?: string | number | null;
  strings: Partial<
    Record<(typeof OPTIONAL_STRING_FIELDS)[number], string | number | bigint | null | undefined>
  >;
}

function finish(d: Draft, types: Record<string, EventType>): NormalizeResult {
  const ts = parseTimestamp(d.ts);
  if (ts === null) return { ok: false, reason: `unparseable time: ${JSON.stringify(d.ts)}` };
  const visitor = str(d.visitor);
  if (visitor === null) return { ok: false, reason: 'missing visitor' };
  const type = types[d.type];
  if (!type) return { ok: false, reason: `unknown event type: ${JSON.stringify(d.type)}` };
  const price = num(d.price);
  if (price === 'bad') return { ok: false, reason: `price is not a number: ${JSON.stringify(d.price)}` };
  if (type === 'purchase' && price !== null && price <= 0)
    return { ok: false, reason: 'non-positive price on purchase' };
  const quantity = num(d.quantity);
  if (quantity === 'bad')
    return { ok: false, reason: `quantity is not a number: ${JSON.stringify(d.quantity)}` };
  const s = d.strings;
  return {
    ok: true,
    event: {
      ts,
      visitor_id: visitor,
      session_id: str(s.session_id),
      event_type: type,
      item_id: str(s.item_id),
      transaction_id: str(s.transaction_id),
      price,
      quantity: quantity === null ? null : Math.round(quantity),
      device: str(s.device),
      os: str(s.os),
      browser: str(s.browser),
      brand: str(s.brand),
      category: str(s.category),
      category_id: str(s.category_id),
      product_name: str(s.product_name),
      country: str(s.country),
      city: str(s.city),
      event_id: str(s.event_id),
      source_layout: d.layout,
    },
  };
}

/**
 * Normalize an already-parsed JSON object. Messages in the three known layouts are first validated and mapped
 * by the foundation's `normalizeRecord` (core/schema.ts), so the tap accepts and rejects exactly what the
 * dataset scanner does, with its reason codes; the extra fields the tap keeps (product name, event id, …)
 * are taken from the message when they are scalars. The canonical form and mapped messages are validated by this
 * module's zod schema of the canonical event (`normalizeOwn`).
 */
export function normalizeObject(o: unknown, mapping?: LiveMapping): NormalizeResult {
  if (mapping || typeof o !== 'object' || o === null || Array.isArray(o)) return normalizeOwn(o, mapping);
  const layout = detectLayout(o as Record<string, unknown>);
  if (layout === null || layout === 'canonical') return normalizeOwn(o, mapping);
  const f = normalizeRecord(layout as LayoutName, o);
  if (!f.ok) return { ok: false, reason: `${f.reason}: ${f.message}` };
  const e = f.event;
  const d = e.dims;
  const raw = o as Record<string, unknown>;
  // fields beyond the layout's mapping (the tap's own output carries them): kept when they are scalars
  const x = (k: string): string | null => {
    const v = raw[k];
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? str(v) : null;
  };
  const n = (k: string): number | null => {
    const v = raw[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const quantity = e.quantity ?? n('quantity');
  return {
    ok: true,
    event: {
      ts: e.ts,
      visitor_id: e.visitor_id,
      session_id: e.session_id ?? x('session_id'),
      event_type: e.event_type,
      item_id: e.item_id,
      transaction_id: e.transaction_id,
      price: e.price ?? n('price'),
      quantity: quantity === null ? null : Math.round(quantity),
      device: d.device ?? x('device'),
      os: d.os ?? x('os'),
      browser: d.browser ?? x('browser'),
      brand: d.brand ?? x('brand'),
      category: d.category ?? x('category'),
      category_id: d.category_id ?? x('category_id'),
      product_name: x('product_name'),
      country: d.country ?? x('country'),
      city: d.city ?? x('city'),
      event_id: x('event_id'),
      source_layout: layout,
    },
  };
}

/**
 * Messages the foundation's `normalizeRecord` does not handle: the canonical form (what the tap itself writes) and
 * user layouts described by a mapping; anything else is an unknown layout, named with its first fields.
 */
function normalizeOwn(o: unknown, mapping?: LiveMapping): NormalizeResult {
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    return { ok: false, reason: 'not a JSON object' };
  const obj = o as Record<string, unknown>;
  if (!mapping && detectLayout(obj) !== 'canonical') {
    const keys = Object.keys(obj).slice(0, 8).join(', ');
    return { ok: false, reason: `unknown layout (fields: ${keys || 'none'})` };
  }
  const picked = mapping
    ? Object.fromEntries(Object.entries(mapping.columns).map(([canon, src]) => [canon, obj[src]]))
    : obj;
  const r = canonical.safeParse(picked);
  if (!r.success) {
    const what = mapping ? 'does not match the mapping' : 'invalid canonical event';
    return { ok: false, reason: `${what}: ${formatIssues(r.error)}` };
  }
  const v = r.data;
  return finish(
    {
      ts: v.ts,
      visitor: v.visitor_id,
      type: v.event_type,
      layout: mapping ? 'mapped' : 'canonical',
      price: v.price,
      quantity: v.quantity,
      strings: v,
    },
    mapping ? { ...CANONICAL_TYPES, ...(mapping.eventTypes ?? {}) } : CANONICAL_TYPES,
  );
}

/** Normalize one raw Kafka message value. */
export function normalizeMessage(value: Buffer | null | undefined, mapping?: LiveMapping): NormalizeResult {
  if (!value || value.length === 0) return { ok: false, reason: 'empty message' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  return normalizeObject(parsed, mapping);
}

// ------------------------------------------------------------------ canonical → message layouts (replay)

export type ReplayLayout = 'retailrocket' | 'cosmetics' | 'pipeline';

const toRR: Record<EventType, string> = {
  view: 'view',
  cart: 'addtocart',
  purchase: 'transaction',
  remove_from_cart: 'removefromcart',
};
const toPipeline: Record<EventType, string> = {
  view: 'page_view',
  cart: 'add_to_cart',
  purchase: 'purchase',
  remove_from_cart: 'remove_from_cart',
};

function cosmeticsTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** Render a canonical event as a JSON message object in one of the known layouts (inverse of normalize). */
export function toLayout(layout: ReplayLayout, e: LiveEvent): Record<string, unknown> {
  switch (layout) {
    case 'retailrocket':
      return {
        timestamp: e.ts,
        visitorid: /^\d+$/.test(e.visitor_id) ? Number(e.visitor_id) : e.visitor_id,
        event: toRR[e.event_type],
        itemid: e.item_id !== null && /^\d+$/.test(e.item_id) ? Number(e.item_id) : e.item_id,
        transactionid:
          e.transaction_id !== null && /^\d+$/.test(e.transaction_id)
            ? Number(e.transaction_id)
            : e.transaction_id,
        device: e.device,
        os: e.os,
        browser: e.browser,
      };
    case 'cosmetics':
      return {
        event_time: cosmeticsTime(e.ts),
        event_type: e.event_type,
        product_id: e.item_id,
        category_id: e.category_id,
        category_code: e.category,
        brand: e.brand,
        price: e.price,
        user_id: e.visitor_id,
        user_session: e.session_id,
      };
    case 'pipeline':
      return {
        event_id: e.event_id,
        event_timestamp: new Date(e.ts).toISOString(),
        user_id: e.visitor_id,
        session_id: e.session_id,
        event_type: toPipeline[e.event_type],
        product_id: e.item_id,
        product_name: e.product_name,
        product_category: e.category,
        product_price: e.price,
        quantity: e.quantity,
        device_type: e.device,
        browser: e.browser,
        country: e.country,
        city: e.city,
      };
  }
}
