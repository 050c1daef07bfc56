/**
 * core/mapping-suggest.ts: the mapping editor's suggestions — columns per canonical field by name (only types
 * the dataset service accepts), dimensions, event values — and the type check that defers to checkColumnTypes.
 */
import { describe, expect, it } from 'vitest';
import type { SourceColumn } from '../../core/contract-mapping.js';
import {
  dimensionNameFor,
  dimensionNameProblem,
  fieldTypeProblem,
  nameTokens,
  suggestEventType,
  suggestEventValues,
  suggestMapping,
} from '../../core/mapping-suggest.js';
import { resolveMapping } from '../../core/schema.js';

const col = (name: string, type: string, files = 2): SourceColumn => ({ name, type, types: [type], files });

describe('mapping suggestions', () => {
  it('tokenizes names', () => {
    expect(nameTokens('ts_ms')).toEqual(['ts', 'ms']);
    expect(nameTokens('userSession')).toEqual(['user', 'session']);
    expect(nameTokens('UA-Device 2')).toEqual(['ua', 'device']);
  });

  it('maps an unknown shop export by name and type', () => {
    const cols = [
      col('ts_ms', 'BIGINT'),
      col('customer', 'VARCHAR'),
      col('action', 'VARCHAR'),
      col('sku', 'INTEGER'),
      col('amount', 'DOUBLE'),
      col('ua_device', 'VARCHAR'),
      col('country_code', 'VARCHAR', 1),
      col('region', 'VARCHAR'),
      col('sess', 'VARCHAR'),
      col('meta', 'NESTED'),
    ];
    const s = suggestMapping(cols);
    expect(s.layout).toBeNull();
    expect(s.mapping).toMatchObject({
      ts: 'ts_ms',
      visitor_id: 'customer',
      event_type: 'action',
      session_id: 'sess',
      item_id: 'sku',
      transaction_id: null,
      price: 'amount',
      quantity: null,
      // country_code is in one of the two files: mapping it would skip the other, so it is not suggested
      dimensions: { device: 'ua_device', region: 'region' },
    });
    expect(s.suggested).toEqual([
      'ts',
      'visitor_id',
      'event_type',
      'session_id',
      'item_id',
      'price',
      'dimension:device',
      'dimension:region',
    ]);
    // with event values the suggestion resolves as the dataset service resolves it
    const full = { ...s.mapping, eventValues: { pv: 'view' as const } };
    expect(
      resolveMapping(
        full,
        cols.map((c) => c.name),
      ).layout,
    ).toBe('custom');
  });

  it('does not take a session for the visitor, a time for the event type, or a text for the price', () => {
    const s = suggestMapping([
      col('user_session', 'VARCHAR'),
      col('event_time', 'VARCHAR'),
      col('event_name', 'VARCHAR'),
      col('client_id', 'BIGINT'),
      col('price', 'VARCHAR'),
      col('value', 'DOUBLE'),
    ]);
    expect(s.mapping.ts).toBe('event_time');
    expect(s.mapping.event_type).toBe('event_name');
    expect(s.mapping.visitor_id).toBe('client_id');
    expect(s.mapping.session_id).toBe('user_session');
    expect(s.mapping.price).toBe('value');
  });

  it('required fields prefer a column every file has; optional ones need it', () => {
    const s = suggestMapping(
      [
        col('time', 'VARCHAR', 1),
        col('ts', 'BIGINT'),
        col('user', 'VARCHAR'),
        col('type', 'VARCHAR'),
        col('price', 'DOUBLE', 1),
      ],
      2,
    );
    expect(s.mapping.ts).toBe('ts');
    expect(s.mapping.price).toBeNull();
    // … even over a better name: the exact `visitor_id` is in one file of two, `customer_ref` (a token match) in both
    expect(
      suggestMapping(
        [
          col('ts', 'BIGINT'),
          col('visitor_id', 'VARCHAR', 1),
          col('customer_ref', 'VARCHAR'),
          col('type', 'VARCHAR'),
        ],
        2,
      ).mapping.visitor_id,
    ).toBe('customer_ref');
    // a required field with no full-coverage candidate still gets one
    expect(
      suggestMapping([col('ts', 'BIGINT', 1), col('user', 'VARCHAR'), col('type', 'VARCHAR')], 2).mapping.ts,
    ).toBe('ts');
  });

  it('a known layout wins', () => {
    const s = suggestMapping(
      ['timestamp', 'visitorid', 'event', 'itemid', 'device'].map((n) => col(n, 'VARCHAR')),
    );
    expect(s.layout).toBe('retailrocket');
    expect(s.mapping.eventValues.addtocart).toBe('cart');
    expect(s.suggested).toEqual([]);
  });

  it('type problems come from the dataset service rule', () => {
    expect(fieldTypeProblem('price', 'sku', 'VARCHAR')).toBe(
      'column "sku" (price) is VARCHAR; a number is expected',
    );
    expect(fieldTypeProblem('price', 'amount', 'DECIMAL(10,2)')).toBeNull();
    expect(fieldTypeProblem('event_type', 'action', 'DOUBLE')).toBeNull();
    expect(fieldTypeProblem('event_type', 'meta', 'NESTED')).toMatch(
      /column "meta" \(event type\) is NESTED/,
    );
    expect(fieldTypeProblem('dimension', 'meta', 'NESTED')).toMatch(/\(dimension meta\) is NESTED/);
    expect(fieldTypeProblem('ts', 'when', 'DATE')).toBeNull();
  });

  it('names dimensions validly', () => {
    expect(dimensionNameFor('ua device')).toBe('ua_device');
    expect(dimensionNameFor('price')).toBe('price_dim');
    expect(dimensionNameFor('2nd')).toBe('d_2nd');
    expect(dimensionNameFor('device', ['device'])).toBe('device_2');
    expect(dimensionNameProblem('hour', [])).toMatch(/reserved/);
    expect(dimensionNameProblem('a b', [])).toMatch(/letters, digits/);
    expect(dimensionNameProblem('x', ['x'])).toMatch(/twice/);
    expect(dimensionNameProblem('device', ['os'])).toBeNull();
  });

  it('suggests event types for common raw values', () => {
    expect(suggestEventType('PV')).toBe('view');
    expect(suggestEventType('add-to-cart')).toBe('cart');
    expect(suggestEventType('Buy')).toBe('purchase');
    expect(suggestEventType('rfc')).toBe('remove_from_cart');
    expect(suggestEventType('ping')).toBeNull();
    expect(suggestEventValues(['pv', 'atc', 'buy', 'rfc', 'ping', null])).toEqual({
      pv: 'view',
      atc: 'cart',
      buy: 'purchase',
      rfc: 'remove_from_cart',
    });
  });
});
