import { describe, expect, it } from 'vitest';
import {
  normalizeMessage,
  normalizeObject,
  parseTimestamp,
  toLayout,
  mappingSchema,
  type LiveEvent,
} from '../../electron/services/live/message.js';
import { MappingFileSchema } from '../../core/schema.js';
import { LIVE_MAPPING_FILE } from '../../electron/services/live/files.js';

const buf = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o));

describe('live message validation', () => {
  it('maps the Retail Rocket layout', () => {
    const r = normalizeMessage(
      buf({
        timestamp: 1441065600123,
        visitorid: 42,
        event: 'addtocart',
        itemid: 7,
        transactionid: null,
        device: 'mobile',
        os: 'ios',
        browser: 'safari',
      }),
    );
    expect(r).toEqual({
      ok: true,
      event: expect.objectContaining({
        ts: 1441065600123,
        visitor_id: '42',
        event_type: 'cart',
        item_id: '7',
        transaction_id: null,
        device: 'mobile',
        os: 'ios',
        browser: 'safari',
        source_layout: 'retailrocket',
      }),
    });
  });

  it('maps the cosmetics layout with its "… UTC" time', () => {
    const r = normalizeMessage(
      buf({
        event_time: '2019-10-01 00:00:05 UTC',
        event_type: 'remove_from_cart',
        product_id: 5,
        category_id: 99,
        category_code: 'appliances.kettle',
        brand: 'acme',
        price: 12.5,
        user_id: 9,
        user_session: 's1',
      }),
    );
    expect(r.ok && r.event).toMatchObject({
      ts: Date.UTC(2019, 9, 1, 0, 0, 5),
      event_type: 'remove_from_cart',
      visitor_id: '9',
      session_id: 's1',
      price: 12.5,
      category: 'appliances.kettle',
      category_id: '99',
      brand: 'acme',
    });
  });

  it('maps the streaming-pipeline layout', () => {
    const r = normalizeMessage(
      buf({
        event_id: 'e1',
        event_timestamp: '2024-03-01T10:00:00+01:00',
        user_id: 'u1',
        session_id: 's',
        event_type: 'page_view',
        product_id: 'p',
        product_name: 'Mug',
        product_category: 'home',
        product_price: 9.99,
        quantity: 2,
        device_type: 'desktop',
        browser: 'firefox',
        country: 'DE',
        city: 'Berlin',
      }),
    );
    expect(r.ok && r.event).toMatchObject({
      ts: Date.UTC(2024, 2, 1, 9),
      event_type: 'view',
      visitor_id: 'u1',
      quantity: 2,
      country: 'DE',
      city: 'Berlin',
      device: 'desktop',
      product_name: 'Mug',
      event_id: 'e1',
    });
  });

  it('gives a specific reason for each kind of malformed message', () => {
    const reason = (v: string | object) => {
      const r = normalizeMessage(buf(v));
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason('{"timestamp": 1')).toMatch(/^not JSON/);
    expect(reason('[1]')).toBe('not a JSON object');
    expect(reason({ a: 1 })).toMatch(/^unknown layout \(fields: a\)/);
    expect(reason({ timestamp: 'soon', visitorid: 1, event: 'view' })).toMatch(
      /^unparseable_time: timestamp/,
    );
    expect(reason({ timestamp: 1441065600000, visitorid: 1, event: 'teleport' })).toMatch(
      /^unknown_event_type: event: unknown event type "teleport"/,
    );
    expect(reason({ timestamp: 1441065600000, visitorid: '', event: 'view' })).toMatch(/^missing_visitor/);
    expect(reason({ timestamp: 1441065600000, visitorid: { x: 1 }, event: 'view' })).toMatch(
      /^invalid_record: visitorid/,
    );
    expect(
      reason({ event_time: '2019-10-01 00:00:00 UTC', event_type: 'purchase', user_id: 1, price: 0 }),
    ).toMatch(/^non_positive_price/);
    expect(normalizeMessage(Buffer.alloc(0))).toEqual({ ok: false, reason: 'empty message' });
  });

  it('parses epoch s, epoch ms and ISO with or without zone', () => {
    expect(parseTimestamp(1441065600)).toBe(1441065600000);
    expect(parseTimestamp('1441065600000')).toBe(1441065600000);
    expect(parseTimestamp('2015-09-01T00:00:00')).toBe(Date.UTC(2015, 8, 1));
    expect(parseTimestamp('2015-09-01 02:00:00+02:00')).toBe(Date.UTC(2015, 8, 1));
    expect(parseTimestamp('not a time')).toBeNull();
  });

  it('toLayout is the inverse of normalize for every replay layout', () => {
    const e: LiveEvent = {
      ts: Date.UTC(2019, 9, 1, 12, 30, 1),
      visitor_id: '77',
      session_id: 'abc',
      event_type: 'purchase',
      item_id: '12',
      transaction_id: null,
      price: 30.5,
      quantity: 1,
      device: 'mobile',
      os: null,
      browser: 'chrome',
      brand: 'b',
      category: 'c.d',
      category_id: '5',
      product_name: 'n',
      country: 'FR',
      city: 'Paris',
      event_id: 'id1',
      source_layout: 'canonical',
    };
    const rr = normalizeObject(toLayout('retailrocket', e));
    expect(rr.ok && rr.event).toMatchObject({
      ts: e.ts,
      visitor_id: '77',
      event_type: 'purchase',
      item_id: '12',
      device: 'mobile',
      browser: 'chrome',
    });
    const co = normalizeObject(toLayout('cosmetics', e));
    expect(co.ok && co.event).toMatchObject({
      ts: e.ts,
      visitor_id: '77',
      session_id: 'abc',
      price: 30.5,
      brand: 'b',
      category: 'c.d',
      category_id: '5',
    });
    const pl = normalizeObject(toLayout('pipeline', e));
    expect(pl.ok && pl.event).toMatchObject({
      ts: e.ts,
      visitor_id: '77',
      session_id: 'abc',
      price: 30.5,
      quantity: 1,
      country: 'FR',
      city: 'Paris',
      event_id: 'id1',
    });
  });

  it('applies a user mapping', () => {
    const mapping = mappingSchema.parse({
      columns: { ts: 'when', visitor_id: 'uid', event_type: 'kind', device: 'dev' },
      eventTypes: { click: 'view' },
    });
    const r = normalizeObject({ when: '2020-01-01T00:00:00Z', uid: 3, kind: 'click', dev: 'tv' }, mapping);
    expect(r.ok && r.event).toMatchObject({
      ts: Date.UTC(2020, 0, 1),
      visitor_id: '3',
      event_type: 'view',
      device: 'tv',
      source_layout: 'mapped',
    });
    expect(normalizeObject({ when: 'x', uid: 3, kind: 'click' }, mapping)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/unparseable time/),
    });
  });

  it("reads the tap's own canonical form and names what is wrong with it or with a mapped message", () => {
    const ok = normalizeObject({
      ts: '2020-01-02T03:04:05Z',
      visitor_id: 'v',
      event_type: 'purchase',
      price: '9.5',
      quantity: 2,
      device: 'mobile',
      source_layout: 'retailrocket',
    });
    expect(ok.ok && ok.event).toMatchObject({
      ts: Date.UTC(2020, 0, 2, 3, 4, 5),
      visitor_id: 'v',
      event_type: 'purchase',
      price: 9.5,
      quantity: 2,
      device: 'mobile',
      source_layout: 'canonical',
    });
    expect(normalizeObject({ ts: 1, visitor_id: 'v', event_type: 'view', device: { a: 1 } })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^invalid canonical event: device: /),
    });
    expect(normalizeObject({ ts: 1, visitor_id: 'v', event_type: 'click' })).toEqual({
      ok: false,
      reason: 'unknown event type: "click"',
    });
    const mapping = mappingSchema.parse({ columns: { ts: 'when', visitor_id: 'uid', event_type: 'kind' } });
    expect(normalizeObject({ when: 1, kind: 'view' }, mapping)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^does not match the mapping: visitor_id: /),
    });
    // a mapping translates only the values it names; canonical values still work
    expect(normalizeObject({ when: 1, uid: 'u', kind: 'cart' }, mapping)).toMatchObject({
      ok: true,
      event: { event_type: 'cart', source_layout: 'mapped' },
    });
  });

  it('the live.mapping.json written next to the data is a valid foundation mapping file', () => {
    expect(MappingFileSchema.safeParse(LIVE_MAPPING_FILE).success).toBe(true);
  });
});
