import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Cube, CubeRow } from '../../core/types.js';
import {
  NULL_VALUE,
  addDays,
  aggregateSeries,
  buildSegmentIndex,
  daysBetween,
  dimensionSubsets,
  enumerateSegments,
  formatSegment,
  intersectSegments,
  parseSegment,
  segmentContains,
  segmentKey,
  segmentLabel,
  segmentsOverlap,
  seriesOf,
  toDayNumber,
} from '../../core/segments.js';

function row(
  date: string,
  dims: Record<string, string | null>,
  views: number,
  carts = 0,
  purchases = 0,
  revenue = 0,
): CubeRow {
  return { date, dims, views, carts, purchases, revenue };
}

describe('calendar days', () => {
  it('converts, adds and subtracts UTC days across month and year ends', () => {
    expect(toDayNumber('1970-01-02')).toBe(1);
    expect(addDays('2015-08-31', 1)).toBe('2015-09-01');
    expect(addDays('2016-01-01', -1)).toBe('2015-12-31');
    expect(addDays('2016-02-28', 1)).toBe('2016-02-29');
    expect(daysBetween('2015-09-04', '2015-09-18')).toBe(14);
  });
  it('rejects malformed and impossible dates', () => {
    expect(() => toDayNumber('2015-9-4')).toThrow(/invalid date/);
    expect(() => toDayNumber('2015-02-30')).toThrow(/no such calendar day/);
  });
});

describe('segment keys, labels and parsing', () => {
  it('keys are independent of property order; all traffic is the empty key', () => {
    expect(segmentKey({ os: 'ios', device: 'mobile' })).toBe(segmentKey({ device: 'mobile', os: 'ios' }));
    expect(segmentKey({})).toBe('');
    expect(segmentKey({ device: 'mobile' })).not.toBe(segmentKey({ device: 'mobile', os: 'ios' }));
  });
  it('labels in the given dimension order', () => {
    const seg = { browser: 'safari', device: 'mobile', os: 'ios' };
    expect(segmentLabel(seg, ['device', 'os', 'browser'])).toBe('mobile × ios × safari');
    expect(segmentLabel({}, ['device'])).toBe('all traffic');
    expect(segmentLabel({ device: 'mobile', os: 'ios' }, ['device', 'os'], true)).toBe(
      'device=mobile × os=ios',
    );
  });
  it('parses the CLI form, with whitespace and all-traffic spellings', () => {
    expect(parseSegment('device=mobile,os=ios')).toEqual({ device: 'mobile', os: 'ios' });
    expect(parseSegment(' device = mobile , os=ios ')).toEqual({ device: 'mobile', os: 'ios' });
    expect(parseSegment('')).toEqual({});
    expect(parseSegment('all')).toEqual({});
  });
  it('gives specific messages for malformed segments', () => {
    expect(() => parseSegment('device')).toThrow(/has no '='/);
    expect(() => parseSegment('device=')).toThrow(/empty value for "device"/);
    expect(() => parseSegment('=mobile')).toThrow(/empty dimension name/);
    expect(() => parseSegment('device=a,device=b')).toThrow(/given twice/);
    expect(() => parseSegment('device=a,,os=b')).toThrow(/empty part/);
    expect(() => parseSegment('colour=red', ['device', 'os'])).toThrow(
      /unknown dimension "colour".*device, os/,
    );
  });
  it('formatSegment and parseSegment round-trip any names and values (property)', () => {
    const name = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() === s && s !== '');
    fc.assert(
      fc.property(fc.dictionary(name, name, { maxKeys: 4 }), (seg) => {
        const plain = Object.fromEntries(Object.entries(seg));
        if (Object.keys(plain).length === 1 && ['all', '{}'].includes(formatSegment(plain))) return;
        expect(parseSegment(formatSegment(plain))).toEqual(plain);
      }),
    );
  });
});

describe('containment and overlap', () => {
  it('a parent contains its children; equal segments contain each other; {} contains all', () => {
    const child = { device: 'mobile', os: 'ios', browser: 'safari' };
    expect(segmentContains({ device: 'mobile' }, child)).toBe(true);
    expect(segmentContains(child, { device: 'mobile' })).toBe(false);
    expect(segmentContains({}, child)).toBe(true);
    expect(segmentContains(child, { ...child })).toBe(true);
    expect(segmentContains({ device: 'desktop' }, child)).toBe(false);
  });
  it('overlap and intersection', () => {
    expect(segmentsOverlap({ device: 'mobile' }, { os: 'ios' })).toBe(true);
    expect(segmentsOverlap({ device: 'mobile' }, { device: 'desktop', os: 'ios' })).toBe(false);
    expect(intersectSegments({ device: 'mobile' }, { os: 'ios' })).toEqual({ device: 'mobile', os: 'ios' });
    expect(intersectSegments({ device: 'mobile' }, { device: 'tablet' })).toBeNull();
  });
});

describe('aggregation', () => {
  const cube: Cube = {
    dimensions: ['device', 'os'],
    grain: 'day',
    rows: [
      row('2015-01-01', { device: 'mobile', os: 'ios' }, 10, 2, 1, 5),
      row('2015-01-01', { device: 'mobile', os: 'android' }, 20, 3, 2, 8),
      row('2015-01-01', { device: 'desktop', os: null }, 5, 1, 0, 0),
      row('2015-01-03', { device: 'mobile', os: 'ios' }, 7, 1, 1, 4),
    ],
  };
  it('aggregateSeries sums matching rows per date, date order, only dates with rows', () => {
    expect(aggregateSeries(cube, { device: 'mobile' })).toEqual([
      { date: '2015-01-01', views: 30, carts: 5, purchases: 3, revenue: 13 },
      { date: '2015-01-03', views: 7, carts: 1, purchases: 1, revenue: 4 },
    ]);
    expect(aggregateSeries(cube, { os: NULL_VALUE })).toEqual([
      { date: '2015-01-01', views: 5, carts: 1, purchases: 0, revenue: 0 },
    ]);
  });
  it('enumerates present combinations by level; null values become NULL_VALUE', () => {
    const l1 = enumerateSegments(cube, ['device', 'os'], 1, 1).map(segmentKey);
    expect(l1.sort()).toEqual(
      ['device=desktop', 'device=mobile', 'os=android', 'os=ios', `os=${NULL_VALUE}`].sort(),
    );
    expect(enumerateSegments(cube, ['device', 'os'], 2, 2)).toHaveLength(3);
    expect(enumerateSegments(cube, ['device', 'os'], 0, 0)).toEqual([{}]);
    expect(() => enumerateSegments(cube, ['colour'])).toThrow(/unknown dimension "colour"/);
  });
  it('dimensionSubsets lists every k-subset in order', () => {
    expect(dimensionSubsets(['a', 'b', 'c'], 1, 2)).toEqual([
      ['a'],
      ['b'],
      ['c'],
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    expect(dimensionSubsets(['a', 'b', 'c'], 0, 3)).toHaveLength(8);
  });
  it('the index has a gap-aware day axis and marks observed days', () => {
    const idx = buildSegmentIndex(cube, { dimensions: ['device', 'os'], minLevel: 0 });
    expect(idx.dates).toEqual(['2015-01-01', '2015-01-02', '2015-01-03']);
    expect([...idx.observed]).toEqual([1, 0, 1]);
    const all = idx.byKey.get('')!;
    expect([...all.views]).toEqual([35, 0, 7]);
    expect(seriesOf(idx, all).map((d) => d.date)).toEqual(['2015-01-01', '2015-01-03']);
  });
  it('the index applies a filter and merges it into every segment', () => {
    const idx = buildSegmentIndex(cube, {
      dimensions: ['os'],
      filter: { device: 'mobile' },
      includeAllTraffic: true,
    });
    expect(idx.segments.map((s) => s.segment)).toEqual([
      { device: 'mobile' },
      { device: 'mobile', os: 'ios' },
      { device: 'mobile', os: 'android' },
    ]);
    expect([...idx.byKey.get(segmentKey({ device: 'mobile' }))!.views]).toEqual([30, 0, 7]);
    expect(() => buildSegmentIndex(cube, { dimensions: ['device'], filter: { device: 'mobile' } })).toThrow(
      /both fixed by the filter/,
    );
  });

  it('every indexed series equals filtering the rows for that segment (property, random cubes)', () => {
    const dimValues = {
      device: ['mobile', 'desktop', 'tablet'],
      os: ['ios', 'android', 'windows'],
      browser: ['safari', 'chrome', null],
    };
    const rowArb = fc.record({
      day: fc.integer({ min: 0, max: 9 }),
      device: fc.constantFrom(...dimValues.device),
      os: fc.constantFrom(...dimValues.os),
      browser: fc.constantFrom(...dimValues.browser),
      hour: fc.integer({ min: 0, max: 3 }),
      views: fc.integer({ min: 0, max: 500 }),
      carts: fc.integer({ min: 0, max: 50 }),
      purchases: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 60 }), (raw) => {
        const c: Cube = {
          dimensions: ['device', 'os', 'browser'],
          grain: 'hour',
          rows: raw.map((r) => ({
            ...row(
              addDays('2015-03-01', r.day),
              { device: r.device, os: r.os, browser: r.browser },
              r.views,
              r.carts,
              r.purchases,
              r.purchases * 3.5,
            ),
            hour: r.hour,
          })),
        };
        const dense = buildSegmentIndex(c, { dimensions: c.dimensions, minLevel: 0, layout: 'dense' });
        const sparse = buildSegmentIndex(c, { dimensions: c.dimensions, minLevel: 0, layout: 'sparse' });
        expect(dense.segments.length).toBe(enumerateSegments(c, c.dimensions, 0, 3).length);
        for (const s of dense.segments) {
          const expected = aggregateSeries(c, s.segment).map(({ visitors: _v, ...d }) => d);
          expect(seriesOf(dense, s)).toEqual(expected);
          expect(seriesOf(sparse, sparse.byKey.get(s.key)!)).toEqual(expected);
          expect(s.sumViews(0, dense.dates.length - 1)).toBe(expected.reduce((t, d) => t + d.views, 0));
        }
        // levels 2..2 plus all traffic: {} has no built parent and is summed from the combinations
        const mid = buildSegmentIndex(c, {
          dimensions: c.dimensions,
          minLevel: 2,
          maxLevel: 2,
          includeAllTraffic: true,
        });
        expect(mid.segments.length).toBe(enumerateSegments(c, c.dimensions, 2, 2).length + 1);
        for (const s of mid.segments) {
          expect(seriesOf(mid, s)).toEqual(seriesOf(dense, dense.byKey.get(s.key)!));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('parseSegment with awkward names', () => {
  it('accepts dimension names that are Object.prototype members', () => {
    const seg = parseSegment('toString=a,__proto__=b');
    expect(Object.keys(seg)).toEqual(['toString', '__proto__']);
    expect(seg.toString).toBe('a');
    expect(Object.getPrototypeOf(seg)).toBe(Object.prototype);
  });
});

describe('index with very many distinct values', () => {
  it('falls back to string combination keys when the value codes do not fit a 52-bit number', () => {
    // 6 dimensions × 500 distinct values: 500^6 ≈ 1.6e16 > 2^52
    const dims = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];
    const rows: CubeRow[] = [];
    for (let i = 0; i < 500; i++) {
      const v = Object.fromEntries(dims.map((d, j) => [d, `v${(i * [1, 3, 7, 9, 11, 13][j]) % 500}`]));
      rows.push(row(addDays('2015-01-01', i % 3), v, i + 1, 0, i % 2));
    }
    rows.push(row('2015-01-02', { ...rows[0].dims }, 7, 0, 1)); // a repeated combination on another day
    const c: Cube = { dimensions: dims, grain: 'day', rows };
    const idx = buildSegmentIndex(c, { dimensions: dims, minLevel: 5, maxLevel: 6 });
    expect(idx.segments.filter((s) => s.level === 6)).toHaveLength(500);
    for (const s of [idx.segments[0], idx.segments[600], idx.segments[idx.segments.length - 1]]) {
      expect(seriesOf(idx, s)).toEqual(aggregateSeries(c, s.segment));
    }
  });
});
