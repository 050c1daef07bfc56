import { describe, expect, it } from 'vitest';
import { LAYOUTS } from '../../core/schema.js';
import {
  checkColumnTypes,
  cubeSql,
  duplicateBatches,
  eventTypeSql,
  eventsViewSql,
  groupSelectSql,
  ident,
  literal,
  timestampSql,
  typeClass,
  viewDimensions,
} from '../../core/sql.js';

describe('quoting', () => {
  it('escapes identifiers and literals', () => {
    expect(ident('a"b')).toBe('"a""b"');
    expect(literal("it's")).toBe("'it''s'");
  });
});

describe('typeClass / checkColumnTypes', () => {
  it('classifies DuckDB types', () => {
    expect(typeClass('BIGINT')).toBe('number');
    expect(typeClass('DECIMAL(10,2)')).toBe('number');
    expect(typeClass('VARCHAR')).toBe('string');
    expect(typeClass('TIMESTAMP WITH TIME ZONE')).toBe('timestamptz');
    expect(typeClass('TIMESTAMP_MS')).toBe('timestamp');
    expect(typeClass('STRUCT(a INTEGER)')).toBe('other');
  });
  it('reports string prices and nested time columns by column name', () => {
    const m = LAYOUTS.cosmetics.mapping;
    const types = {
      event_time: 'VARCHAR',
      event_type: 'VARCHAR',
      user_id: 'BIGINT',
      price: 'VARCHAR',
      product_id: 'BIGINT',
    };
    expect(checkColumnTypes(m, types)).toEqual(['column "price" (price) is VARCHAR; a number is expected']);
    expect(checkColumnTypes(m, { ...types, price: 'DOUBLE' })).toEqual([]);
    expect(checkColumnTypes(m, { ...types, price: 'DOUBLE', event_time: 'NESTED' })[0]).toMatch(
      /"event_time" \(time\) is NESTED/,
    );
  });
});

describe('timestampSql', () => {
  it('uses integer epoch arithmetic for integer columns and picks the unit by magnitude in auto mode', () => {
    const s = timestampSql('timestamp', 'BIGINT', 'auto');
    expect(s).toContain('epoch_ms(CAST("timestamp" AS BIGINT))');
    expect(s).toContain('make_timestamp(CAST("timestamp" AS BIGINT) * 1000000)');
    expect(s).not.toContain('round(');
  });
  it('only accepts the given unit when the format is explicit', () => {
    expect(timestampSql('t', 'BIGINT', 'epoch_s')).not.toContain('epoch_ms');
    expect(timestampSql('t', 'DOUBLE', 'epoch_ms')).toContain('round(');
    expect(timestampSql('t', 'BIGINT', 'iso')).toBe('CAST(NULL AS TIMESTAMP)');
  });
  it('parses strings as TIMESTAMPTZ converted to UTC, numeric strings as epochs', () => {
    const s = timestampSql('event_time', 'VARCHAR', 'auto');
    expect(s).toContain("timezone('UTC', TRY_CAST(");
    expect(s).toContain('regexp_full_match');
    expect(timestampSql('t', 'TIMESTAMP WITH TIME ZONE', 'auto')).toBe(`timezone('UTC', "t")`);
    expect(timestampSql('t', 'BLOB', 'auto')).toBe('CAST(NULL AS TIMESTAMP)');
  });
});

describe('eventTypeSql', () => {
  it('maps trimmed lower-cased raw values and leaves others NULL', () => {
    const s = eventTypeSql('event', { View: 'view', addtocart: 'cart' });
    expect(s).toBe(
      `CASE lower(trim(CAST("event" AS VARCHAR))) WHEN 'view' THEN 'view' WHEN 'addtocart' THEN 'cart' END`,
    );
  });
});

describe('events view', () => {
  const rr = {
    files: ['/d/a.parquet', "/d/it's.parquet"],
    mapping: LAYOUTS.retailrocket.mapping,
    types: {
      timestamp: 'BIGINT',
      visitorid: 'BIGINT',
      event: 'VARCHAR',
      itemid: 'BIGINT',
      transactionid: 'BIGINT',
      device: 'VARCHAR',
      os: 'VARCHAR',
      browser: 'VARCHAR',
    },
  };
  it('reads every file of a group with union_by_name and fills absent dimensions with NULL', () => {
    const s = groupSelectSql(rr, ['device', 'os', 'browser', 'country']);
    expect(s).toContain(
      `read_parquet(['/d/a.parquet', '/d/it''s.parquet'], union_by_name = true, filename = '__file')`,
    );
    expect(s).toContain('CAST(NULL AS VARCHAR) AS "country"');
    expect(s).toContain('CAST("device" AS VARCHAR) AS "device"');
  });
  it('offers derived dimensions according to the mapping', () => {
    expect(viewDimensions({ groups: [rr], dimensions: ['device', 'os', 'browser'] }).derived).toEqual([
      'weekday',
      'hour_of_day',
    ]);
    const cos = { files: ['/c.parquet'], mapping: LAYOUTS.cosmetics.mapping, types: {} };
    expect(viewDimensions({ groups: [cos], dimensions: ['brand', 'category'] }).derived).toEqual([
      'price_band',
      'category_root',
      'weekday',
      'hour_of_day',
    ]);
    const [raw, events] = eventsViewSql({ groups: [cos], dimensions: ['brand', 'category'] });
    expect(raw).toMatch(/^CREATE OR REPLACE TEMP VIEW raw_events/);
    expect(events).toContain(`split_part(category, '.', 1)`);
    expect(events).toContain(`WHEN price < 10 THEN '<10'`);
    expect(events).toContain(`ELSE '60+'`);
  });
  it('unions different file groups by name', () => {
    const pl = { files: ['/p.parquet'], mapping: LAYOUTS.pipeline.mapping, types: {} };
    const [raw] = eventsViewSql({ groups: [rr, pl], dimensions: ['device', 'os', 'browser', 'country'] });
    expect(raw).toContain('UNION ALL BY NAME');
  });
});

describe('cubeSql', () => {
  it('groups by day, hour and dimensions and filters the date range inclusively', () => {
    const s = cubeSql({ dimensions: ['device'], grain: 'hour', from: '2015-09-01', to: '2015-09-03' }, false);
    expect(s).toContain(`ts >= TIMESTAMP '2015-09-01'`);
    expect(s).toContain(`ts < TIMESTAMP '2015-09-03' + INTERVAL 1 DAY`);
    expect(s).toContain('GROUP BY 1, 2, 3');
    expect(s).toContain('ORDER BY day NULLS LAST, hour NULLS LAST, "device" NULLS LAST');
    expect(s).not.toContain('dups');
  });
  it('subtracts extra copies of duplicates only when there are any', () => {
    expect(cubeSql({ dimensions: [], grain: 'day' }, true)).toContain('1 - c AS w FROM dups');
  });
  it('refuses malformed dates', () => {
    expect(() => cubeSql({ dimensions: [], grain: 'day', from: "2015-01-01' OR 1=1 --" }, false)).toThrow(
      /invalid date/,
    );
  });
});

describe('duplicateBatches', () => {
  const r = (file: string, rows: number, lo: number | null, hi: number | null) => ({ file, rows, lo, hi });
  it('keeps files with overlapping time ranges (closed intervals) in one batch', () => {
    const ranges = [r('c', 10, 200, 300), r('a', 10, 0, 100), r('b', 10, 100, 150), r('d', 10, 301, 400)];
    // a and b touch at 100 → one cluster; c is separate; d is separate; small limit → one batch per cluster
    expect(duplicateBatches(ranges, 15)).toEqual([['a', 'b'], ['c'], ['d']]);
    // a larger limit packs whole clusters greedily: [a, b] (20 rows) + [c] (10) fill 30, d starts a new batch
    expect(duplicateBatches(ranges, 30)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(duplicateBatches(ranges, 1000)).toEqual([['a', 'b', 'c', 'd']]);
  });
  it('never splits a cluster, even beyond the limit, and leaves out files without time', () => {
    const ranges = [
      r('a', 100, 0, 1000),
      r('b', 100, 500, 600),
      r('c', 100, 999, 2000),
      r('x', 5, null, null),
    ];
    expect(duplicateBatches(ranges, 10)).toEqual([['a', 'b', 'c']]);
  });
});
