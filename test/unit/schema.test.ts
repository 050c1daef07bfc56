import { describe, expect, it } from 'vitest';
import {
  LAYOUTS,
  derivedDimensions,
  derivedValues,
  detectLayout,
  normalizeRecord,
  parseMappingFile,
  parseTime,
  resolveMapping,
} from '../../core/schema.js';

const RR = ['timestamp', 'visitorid', 'event', 'itemid', 'transactionid', 'device', 'browser', 'os'];
const COSMETICS = [
  'event_time',
  'event_type',
  'product_id',
  'category_id',
  'category_code',
  'brand',
  'price',
  'user_id',
  'user_session',
];
const PIPELINE = [
  'event_id',
  'event_timestamp',
  'user_id',
  'session_id',
  'event_type',
  'product_id',
  'product_name',
  'product_category',
  'product_price',
  'quantity',
  'device_type',
  'browser',
  'country',
  'city',
];

describe('detectLayout', () => {
  it('recognizes the three known layouts', () => {
    expect(detectLayout(RR).layout).toBe('retailrocket');
    expect(detectLayout(COSMETICS).layout).toBe('cosmetics');
    expect(detectLayout(PIPELINE).layout).toBe('pipeline');
  });

  it('drops optional columns a file lacks and keeps required ones', () => {
    const d = detectLayout(['timestamp', 'visitorid', 'event', 'device']);
    expect(d.layout).toBe('retailrocket');
    expect(d.mapping!.item_id).toBeNull();
    expect(d.mapping!.transaction_id).toBeNull();
    expect(d.mapping!.dimensions).toEqual({ device: 'device' });
  });

  it('maps the pipeline columns to canonical names and dimensions', () => {
    const m = detectLayout(PIPELINE).mapping!;
    expect(m.ts).toBe('event_timestamp');
    expect(m.price).toBe('product_price');
    expect(m.quantity).toBe('quantity');
    expect(m.dimensions).toMatchObject({
      device: 'device_type',
      country: 'country',
      category: 'product_category',
    });
    expect(m.eventValues.page_view).toBe('view');
    expect(m.eventValues.add_to_cart).toBe('cart');
  });

  it('names the closest layout and its missing columns for foreign data', () => {
    const d = detectLayout(['timestamp', 'visitorid', 'action', 'sku']);
    expect(d.layout).toBeNull();
    expect(d.closest).toBe('retailrocket');
    expect(d.missing).toEqual(['event']);
    const none = detectLayout(['a', 'b']);
    expect(none.layout).toBeNull();
    expect(none.missing.length).toBeGreaterThan(0);
  });
});

describe('mapping file and overrides', () => {
  it('rejects unknown keys, bad event types and reserved dimension names with readable messages', () => {
    expect(() => parseMappingFile({ ts: 'time', colour: 'x' })).toThrow(/colour|unrecognized/i);
    expect(() => parseMappingFile({ eventValues: { pv: 'pageview' } })).toThrow(/eventValues\.pv/);
    expect(() => parseMappingFile({ dimensions: { date: 'd' } })).toThrow(/reserved: date/);
    expect(parseMappingFile({ layout: 'cosmetics', price: null })).toEqual({
      layout: 'cosmetics',
      price: null,
    });
  });

  it('applies a partial override over the detected layout', () => {
    const { layout, mapping } = resolveMapping({ dimensions: { device: 'device' }, item_id: null }, RR);
    expect(layout).toBe('retailrocket');
    expect(mapping.dimensions).toEqual({ device: 'device' });
    expect(mapping.item_id).toBeNull();
    expect(mapping.transaction_id).toBe('transactionid');
  });

  it('accepts a full custom mapping and lower-cases event values', () => {
    const { layout, mapping } = resolveMapping(
      {
        ts: 'time',
        visitor_id: 'uid',
        event_type: 'kind',
        eventValues: { PV: 'view', Buy: 'purchase' },
        dimensions: { shop: 'store' },
      },
      ['time', 'uid', 'kind', 'store'],
    );
    expect(layout).toBe('custom');
    expect(mapping.eventValues).toEqual({ pv: 'view', buy: 'purchase' });
    expect(mapping.dimensions).toEqual({ shop: 'store' });
  });

  it('names columns of the mapping that the file does not have', () => {
    expect(() => resolveMapping({ layout: 'retailrocket', dimensions: { country: 'geo' } }, RR)).toThrow(
      /does not have: geo/,
    );
  });

  it('explains an incomplete mapping on foreign columns', () => {
    expect(() => resolveMapping({ ts: 'time' }, ['time', 'x'])).toThrow(
      /incomplete mapping: visitor_id, event_type, eventValues/,
    );
    expect(() => resolveMapping(null, ['a', 'b'])).toThrow(
      /no known layout: no column of a known clickstream layout was found \(required — retailrocket: timestamp, visitorid, event; cosmetics: .*\)/,
    );
    expect(() => resolveMapping(null, ['user_id', 'event_type', 'ts'])).toThrow(
      /no known layout: closest is (cosmetics|pipeline) .*missing column\(s\) event_(time|timestamp)/,
    );
    // and says how to go on, in the app and on the command line
    expect(() => resolveMapping(null, ['a', 'b'])).toThrow(
      / — map the columns in the Data view, or pass a mapping JSON \(--mapping; `funnelscope profile FOLDER --columns` suggests one\)$/,
    );
  });
});

describe('parseTime', () => {
  const t = Date.UTC(2019, 9, 1, 0, 0, 0);
  it('reads epoch seconds, milliseconds and microseconds by magnitude', () => {
    expect(parseTime(1569888000)).toBe(t);
    expect(parseTime(1569888000000)).toBe(t);
    expect(parseTime(1569888000000000)).toBe(t);
    expect(parseTime('1569888000000')).toBe(t);
    expect(parseTime(1569888000n)).toBe(t);
    expect(parseTime(12345)).toBeNull();
  });
  it('reads ISO strings with and without zone (no zone = UTC) and the cosmetics "UTC" suffix', () => {
    expect(parseTime('2019-10-01 00:00:00 UTC')).toBe(t);
    expect(parseTime('2019-10-01T00:00:00Z')).toBe(t);
    expect(parseTime('2019-10-01T00:00:00')).toBe(t);
    expect(parseTime('2019-10-01T02:00:00+02:00')).toBe(t);
    expect(parseTime('2019-09-30 19:00:00 -0500')).toBe(t);
    expect(parseTime('2019-10-01T00:00:00.250Z')).toBe(t + 250);
    expect(parseTime('2019-10-01')).toBe(t);
  });
  it('rejects garbage and impossible dates', () => {
    expect(parseTime('yesterday')).toBeNull();
    expect(parseTime('2019-02-30T00:00:00Z')).toBeNull();
    expect(parseTime('2019-10-01T25:00:00Z')).toBeNull();
    expect(parseTime(null)).toBeNull();
    expect(parseTime(1569888000, 'iso')).toBeNull();
    expect(parseTime('2019-10-01T00:00:00Z', 'epoch_ms')).toBeNull();
  });
});

describe('normalizeRecord', () => {
  it('normalizes a pipeline message', () => {
    const r = normalizeRecord('pipeline', {
      event_id: 'e1',
      event_timestamp: '2024-05-01T10:00:00+02:00',
      user_id: 'u1',
      session_id: 's1',
      event_type: 'add_to_cart',
      product_id: 'p9',
      product_category: 'Electronics.Phones',
      product_price: 19.5,
      quantity: 2,
      device_type: 'mobile',
      browser: 'Safari',
      country: 'DE',
      city: 'Berlin',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({
      ts: Date.UTC(2024, 4, 1, 8),
      visitor_id: 'u1',
      session_id: 's1',
      event_type: 'cart',
      item_id: 'p9',
      price: 19.5,
      quantity: 2,
    });
    expect(r.event.dims).toEqual({
      device: 'mobile',
      browser: 'Safari',
      country: 'DE',
      city: 'Berlin',
      category: 'Electronics.Phones',
    });
    expect(derivedValues(r.event)).toEqual({
      price_band: '10-30',
      category_root: 'Electronics',
      weekday: 'Wednesday',
      hour_of_day: '08',
    });
  });

  it('normalizes a Retail Rocket record with numeric ids to strings', () => {
    const r = normalizeRecord('retailrocket', {
      timestamp: 1430622004384,
      visitorid: 693516,
      event: 'transaction',
      itemid: 1,
      transactionid: 7,
    });
    expect(r).toMatchObject({
      ok: true,
      event: { visitor_id: '693516', event_type: 'purchase', transaction_id: '7', ts: 1430622004384 },
    });
  });

  it('gives a specific reason for each kind of bad record', () => {
    const base = { event_time: '2019-10-01 00:00:00 UTC', event_type: 'purchase', user_id: 5, price: 10 };
    expect(normalizeRecord('cosmetics', { ...base, event_time: 'soon' })).toMatchObject({
      ok: false,
      reason: 'unparseable_time',
    });
    expect(normalizeRecord('cosmetics', { ...base, user_id: null })).toMatchObject({
      ok: false,
      reason: 'missing_visitor',
    });
    expect(normalizeRecord('cosmetics', { ...base, user_id: '  ' })).toMatchObject({
      ok: false,
      reason: 'missing_visitor',
    });
    const unk = normalizeRecord('cosmetics', { ...base, event_type: 'wishlist' });
    expect(unk).toMatchObject({ ok: false, reason: 'unknown_event_type' });
    if (!unk.ok) expect(unk.message).toMatch(/"wishlist"/);
    expect(normalizeRecord('cosmetics', { ...base, price: 0 })).toMatchObject({
      ok: false,
      reason: 'non_positive_price',
    });
    expect(normalizeRecord('cosmetics', { ...base, event_type: 'view', price: 0 })).toMatchObject({
      ok: true,
    });
    const wrong = normalizeRecord('cosmetics', { ...base, price: 'ten' });
    expect(wrong).toMatchObject({ ok: false, reason: 'invalid_record' });
    if (!wrong.ok) expect(wrong.message).toMatch(/^price:/);
    expect(normalizeRecord('cosmetics', { ...base, price: '12.5' })).toMatchObject({
      ok: true,
      event: { price: 12.5 },
    });
    expect(normalizeRecord('cosmetics', 'not an object')).toMatchObject({
      ok: false,
      reason: 'invalid_record',
    });
  });
});

describe('derived dimensions', () => {
  it('depend on price and category being mapped', () => {
    expect(derivedDimensions(LAYOUTS.retailrocket.mapping)).toEqual(['weekday', 'hour_of_day']);
    expect(derivedDimensions(LAYOUTS.cosmetics.mapping)).toEqual([
      'price_band',
      'category_root',
      'weekday',
      'hour_of_day',
    ]);
  });
  it('band prices at the boundaries 10, 30, 60', () => {
    const ev = (price: number | null) =>
      derivedValues({
        ts: 0,
        visitor_id: 'v',
        session_id: null,
        event_type: 'view',
        item_id: null,
        transaction_id: null,
        price,
        quantity: null,
        dims: {},
      }).price_band;
    expect([ev(9.99), ev(10), ev(29.99), ev(30), ev(59.99), ev(60), ev(null)]).toEqual([
      '<10',
      '10-30',
      '10-30',
      '30-60',
      '30-60',
      '60+',
      null,
    ]);
  });
});
