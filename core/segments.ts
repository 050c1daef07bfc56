/**
 * Segment helpers shared by explain and scan: canonical keys and labels, CLI parsing, containment tests,
 * calendar-day arithmetic, and the segment index — every combination of chosen dimensions aggregated once
 * from the finest cube rows into per-day typed arrays.
 *
 * Pure TypeScript: no DOM, Node or Electron imports.
 */
import type { Cube, CubeRow, DayCounts, Segment } from './types.js';

/** The value a segment uses for a cube row whose dimension value is null (no value in the data). */
export const NULL_VALUE = '(none)';

// ---------------------------------------------------------------- calendar days

const MS_PER_DAY = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' UTC date. Throws on a malformed date. */
export function toDayNumber(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`invalid date "${date}" (expected YYYY-MM-DD)`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = Math.round(t / MS_PER_DAY);
  if (fromDayNumber(day) !== date) throw new Error(`invalid date "${date}" (no such calendar day)`);
  return day;
}

/** 'YYYY-MM-DD' of a day number (days since 1970-01-01, UTC). */
export function fromDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The date `n` calendar days after `date` (negative n: before). */
export function addDays(date: string, n: number): string {
  return fromDayNumber(toDayNumber(date) + n);
}

/** Calendar days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}

// ---------------------------------------------------------------- keys, labels, parsing

function esc(s: string): string {
  return s.replace(/[%,=]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** Dimension names of a segment in display order: those in `order` first (in that order), then the rest sorted. */
export function segmentDims(segment: Segment, order?: readonly string[]): string[] {
  const keys = Object.keys(segment);
  if (!order) return keys;
  const inOrder = order.filter((d) => d in segment);
  const rest = keys.filter((k) => !order.includes(k)).sort();
  return [...inOrder, ...rest];
}

/**
 * Canonical key of a segment, independent of property order: `browser=safari,device=mobile,os=ios`
 * (dimensions sorted by name; `%`, `,` and `=` inside names/values percent-escaped so parseSegment
 * round-trips it). All traffic is ''.
 */
export function segmentKey(segment: Segment): string {
  return Object.keys(segment)
    .sort()
    .map((k) => `${esc(k)}=${esc(segment[k])}`)
    .join(',');
}

/**
 * Human label: values joined with ' × ' in `order` (e.g. the cube's dimension order), e.g.
 * "mobile × ios × safari"; all traffic is "all traffic". With `withNames`: "device=mobile × os=ios".
 */
export function segmentLabel(segment: Segment, order?: readonly string[], withNames = false): string {
  const dims = segmentDims(segment, order);
  if (dims.length === 0) return 'all traffic';
  return dims.map((d) => (withNames ? `${d}=${segment[d]}` : segment[d])).join(' × ');
}

/** CLI form "device=mobile,os=ios" in `order` (or property order); '' for all traffic. */
export function formatSegment(segment: Segment, order?: readonly string[]): string {
  return segmentDims(segment, order)
    .map((d) => `${esc(d)}=${esc(segment[d])}`)
    .join(',');
}

/**
 * Parses a CLI segment "device=mobile,os=ios" (whitespace around parts ignored; %XX escapes decoded).
 * '', 'all' and '{}' mean all traffic. Throws an Error with a specific message on malformed input
 * (missing '=', empty name or value, a dimension given twice, a dimension not in `knownDimensions`).
 */
export function parseSegment(text: string, knownDimensions?: readonly string[]): Segment {
  const t = text.trim();
  const out: Segment = {};
  if (t === '' || t === 'all' || t === '{}') return out;
  for (const rawPart of t.split(',')) {
    const part = rawPart.trim();
    if (part === '') throw new Error(`invalid segment "${text}": empty part (expected dim=value,dim=value)`);
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`invalid segment "${text}": "${part}" has no '=' (expected dim=value)`);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(part.slice(0, eq).trim());
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new Error(`invalid segment "${text}": bad %-escape in "${part}"`);
    }
    if (name === '') throw new Error(`invalid segment "${text}": empty dimension name in "${part}"`);
    if (value === '') throw new Error(`invalid segment "${text}": empty value for "${name}"`);
    if (Object.hasOwn(out, name))
      throw new Error(`invalid segment "${text}": dimension "${name}" given twice`);
    if (knownDimensions && !knownDimensions.includes(name)) {
      throw new Error(
        `invalid segment "${text}": unknown dimension "${name}" (known: ${knownDimensions.join(', ') || 'none'})`,
      );
    }
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Number of dimensions the segment fixes (0 = all traffic). */
export function segmentLevel(segment: Segment): number {
  return Object.keys(segment).length;
}

/** True when every row of `inner` is also in `outer` (outer's conditions are a subset of inner's). Equal segments contain each other. */
export function segmentContains(outer: Segment, inner: Segment): boolean {
  for (const k in outer) if (!Object.hasOwn(inner, k) || inner[k] !== outer[k]) return false;
  return true;
}

/** True when a and b can share rows (no dimension where both fix different values). */
export function segmentsOverlap(a: Segment, b: Segment): boolean {
  for (const k in a) if (Object.hasOwn(b, k) && b[k] !== a[k]) return false;
  return true;
}

/** a ∩ b as one segment, or null when they are disjoint. */
export function intersectSegments(a: Segment, b: Segment): Segment | null {
  if (!segmentsOverlap(a, b)) return null;
  return { ...a, ...b };
}

export function segmentsEqual(a: Segment, b: Segment): boolean {
  return segmentKey(a) === segmentKey(b);
}

/** The value a row carries for `dim`, with null mapped to NULL_VALUE. */
export function rowValue(row: CubeRow, dim: string): string {
  const v = row.dims[dim];
  return v === null || v === undefined ? NULL_VALUE : v;
}

/** True when the row belongs to the segment. */
export function rowInSegment(row: CubeRow, segment: Segment): boolean {
  for (const k in segment) if (rowValue(row, k) !== segment[k]) return false;
  return true;
}

/** Throws a clear error when the segment uses a dimension the cube does not have. */
export function assertSegmentDims(cube: Cube, segment: Segment, what = 'segment'): void {
  for (const k of Object.keys(segment)) {
    if (!cube.dimensions.includes(k)) {
      throw new Error(
        `${what} uses dimension "${k}" which the cube does not have (has: ${cube.dimensions.join(', ')})`,
      );
    }
  }
}

/** Throws a clear error when a dimension list is not usable with the cube. */
export function assertDimensions(cube: Cube, dims: readonly string[]): void {
  const seen = new Set<string>();
  for (const d of dims) {
    if (!cube.dimensions.includes(d)) {
      throw new Error(`unknown dimension "${d}" (the cube has: ${cube.dimensions.join(', ') || 'none'})`);
    }
    if (seen.has(d)) throw new Error(`dimension "${d}" given twice`);
    seen.add(d);
  }
}

// ---------------------------------------------------------------- simple, row-filtering helpers

/**
 * Daily series of one segment: rows filtered and summed per date (hours summed for hour-grain cubes),
 * sorted by date; only dates on which the segment has at least one cube row. Visitors are summed only when
 * the segment is a single finest combination per day (they are not additive), else omitted.
 * For many segments use buildSegmentIndex instead.
 */
export function aggregateSeries(cube: Cube, segment: Segment): DayCounts[] {
  const byDate = new Map<string, DayCounts & { _rows: number }>();
  for (const row of cube.rows) {
    if (!rowInSegment(row, segment)) continue;
    let d = byDate.get(row.date);
    if (!d) {
      d = { date: row.date, views: 0, carts: 0, purchases: 0, revenue: 0, _rows: 0 };
      byDate.set(row.date, d);
    }
    d.views += row.views;
    d.carts += row.carts;
    d.purchases += row.purchases;
    d.revenue += row.revenue;
    d._rows++;
    if (row.visitors !== undefined) d.visitors = (d.visitors ?? 0) + row.visitors;
  }
  return [...byDate.values()]
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
    .map(({ _rows, ...d }) => {
      if (_rows > 1) delete d.visitors;
      return d;
    });
}

/** All k-subsets of `items` (in order), for k = minLevel..maxLevel. */
export function dimensionSubsets(items: readonly string[], minLevel: number, maxLevel: number): string[][] {
  const out: string[][] = [];
  const n = items.length;
  const rec = (start: number, acc: string[], k: number) => {
    if (acc.length === k) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i < n; i++) {
      acc.push(items[i]);
      rec(i + 1, acc, k);
      acc.pop();
    }
  };
  for (let k = Math.max(0, minLevel); k <= Math.min(maxLevel, n); k++) rec(0, [], k);
  return out;
}

/**
 * Every segment present in the cube for the given dimensions at levels minLevel..maxLevel (level 0 = all
 * traffic, included when minLevel is 0). Ordered by level, then dimension subset, then first appearance.
 */
export function enumerateSegments(
  cube: Cube,
  dims: readonly string[],
  minLevel = 1,
  maxLevel = dims.length,
): Segment[] {
  assertDimensions(cube, dims);
  const out: Segment[] = [];
  for (const subset of dimensionSubsets(dims, minLevel, maxLevel)) {
    const seen = new Set<string>();
    for (const row of cube.rows) {
      const seg: Segment = {};
      for (const d of subset) seg[d] = rowValue(row, d);
      const key = segmentKey(seg);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(seg);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- the segment index

/** One segment's daily arrays inside a SegmentIndex (views into shared buffers; index i = index.dates[i]). */
export interface SegmentSeries {
  readonly segment: Segment;
  /** segmentKey(segment) */
  readonly key: string;
  /** number of dimensions fixed (0 = all traffic) */
  readonly level: number;
  readonly views: Float64Array;
  readonly carts: Float64Array;
  readonly purchases: Float64Array;
  readonly revenue: Float64Array;
  /** 1 where the cube has at least one row of the segment on that day */
  readonly present: Uint8Array;
  /** Σ views over day offsets from..to (inclusive, clamped to the axis) */
  sumViews(from: number, to: number): number;
}

export interface SegmentIndex {
  /** the dimensions combined, in the order segments list them */
  dimensions: string[];
  /** filter every segment lies inside (merged into each segment object); {} for none */
  filter: Segment;
  /** day number of dates[0] (for grain 'hour': the slot day·24 + hour of position 0) */
  startDay: number;
  /** every calendar day from the cube's first to its last date (gaps included); for grain 'hour' one entry per
   *  hour (the slot's date, repeated 24 times a day) */
  dates: string[];
  /** 'hour' when the axis is hours (buildSegmentIndex with grain 'hour'); absent = days */
  grain?: 'day' | 'hour';
  /** grain 'hour': the hour (0–23) of each axis position */
  hours?: Uint8Array;
  /** 1 where the cube (all rows, unfiltered) has any row that day: the data set observed the day */
  observed: Uint8Array;
  /** ordered by level, then dimension subset, then first appearance in the cube */
  segments: SegmentSeries[];
  byKey: Map<string, SegmentSeries>;
}

export interface SegmentIndexOptions {
  dimensions: readonly string[];
  /** default 1; 0 adds the all-traffic segment {} */
  minLevel?: number;
  /** default dimensions.length */
  maxLevel?: number;
  /** also add all traffic ({} merged with the filter) even when minLevel > 0 (default false) */
  includeAllTraffic?: boolean;
  /** only rows of this segment are aggregated; its dimensions are merged into every segment */
  filter?: Segment;
  /** axis: 'day' (default; hours of an hour-grain cube are summed) or 'hour' (hour-grain cubes only) */
  grain?: 'day' | 'hour';
  /** accumulation strategy; 'auto' (default) picks dense when combinations × days ≤ 4 × rows (for tests) */
  layout?: 'auto' | 'dense' | 'sparse';
}

/**
 * Aggregates every combination of the chosen dimensions (levels minLevel..maxLevel) from the finest cube
 * rows in one pass: dimension values are integer-coded, rows are mapped to their finest combination, each
 * combination is mapped once to the segment of every dimension subset, and then every row is added into the
 * typed per-day arrays of all its segments. Cost O(rows × subsets) plus O(combinations × subsets) map lookups;
 * no per-segment row filtering.
 */
export function buildSegmentIndex(cube: Cube, opts: SegmentIndexOptions): SegmentIndex {
  const dims = [...opts.dimensions];
  assertDimensions(cube, dims);
  const filter = opts.filter ?? {};
  assertSegmentDims(cube, filter, 'filter');
  for (const d of dims) {
    if (d in filter) throw new Error(`dimension "${d}" is both fixed by the filter and listed to combine`);
  }
  const k = dims.length;
  const minLevel = Math.max(0, opts.minLevel ?? 1);
  const maxLevel = Math.min(k, opts.maxLevel ?? k);

  // Day axis (hour axis for grain 'hour': slot = day·24 + hour) from all rows, so every index over the same
  // cube shares it.
  const hourly = opts.grain === 'hour';
  if (hourly && cube.grain !== 'hour')
    throw new Error(`an hour-grain index needs an hour-grain cube (got grain '${cube.grain}')`);
  let minDay = Infinity;
  let maxDay = -Infinity;
  const rowDay = new Int32Array(cube.rows.length);
  const dayCache = new Map<string, number>();
  for (let r = 0; r < cube.rows.length; r++) {
    const date = cube.rows[r].date;
    let day = dayCache.get(date);
    if (day === undefined) {
      day = toDayNumber(date);
      dayCache.set(date, day);
    }
    if (hourly) {
      const h = cube.rows[r].hour;
      if (h === undefined || !Number.isInteger(h) || h < 0 || h > 23)
        throw new Error(`cube row on ${date} has no valid hour (got ${String(h)}) in an hour-grain cube`);
      day = day * 24 + h;
    }
    rowDay[r] = day;
    if (day < minDay) minDay = day;
    if (day > maxDay) maxDay = day;
  }
  const nDays = cube.rows.length === 0 ? 0 : maxDay - minDay + 1;
  const startDay = cube.rows.length === 0 ? 0 : minDay;
  const dates: string[] = new Array(nDays);
  let hours: Uint8Array | undefined;
  if (hourly) {
    hours = new Uint8Array(nDays);
    for (let i = 0; i < nDays; i++) {
      const slot = startDay + i;
      const day = Math.floor(slot / 24);
      dates[i] = fromDayNumber(day);
      hours[i] = slot - day * 24;
    }
  } else for (let i = 0; i < nDays; i++) dates[i] = fromDayNumber(startDay + i);
  const observed = new Uint8Array(nDays);
  for (let r = 0; r < cube.rows.length; r++) observed[rowDay[r] - startDay] = 1;

  // Pass 1: integer-code the chosen dimensions of the filtered rows.
  const valueCodes = dims.map(() => new Map<string, number>());
  const valueNames: string[][] = dims.map(() => []);
  const filterKeys = Object.keys(filter);
  const rows = cube.rows;
  const rowIdx = new Int32Array(rows.length);
  const rowCodes = new Int32Array(rows.length * k);
  let nKept = 0;
  const lastValue: (string | undefined)[] = new Array(k).fill(undefined);
  const lastCode = new Int32Array(k);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let ok = true;
    for (const f of filterKeys) {
      if (rowValue(row, f) !== filter[f]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const base = nKept * k;
    for (let j = 0; j < k; j++) {
      const raw = row.dims[dims[j]];
      const v = raw === null || raw === undefined ? NULL_VALUE : raw;
      // cubes arrive sorted by date, then dimensions: the previous row's value is a cheap first guess
      let c: number | undefined;
      if (v === lastValue[j]) c = lastCode[j];
      else {
        const m = valueCodes[j];
        c = m.get(v);
        if (c === undefined) {
          c = valueNames[j].length;
          m.set(v, c);
          valueNames[j].push(v);
        }
        lastValue[j] = v;
        lastCode[j] = c;
      }
      rowCodes[base + j] = c;
    }
    rowIdx[nKept++] = r;
  }

  // Pass 2: map rows to finest combinations (numeric mixed-radix keys when they fit in 2^52).
  const cards = valueNames.map((v) => Math.max(1, v.length));
  const radix = new Array<number>(k);
  let prod = 1;
  for (let j = 0; j < k; j++) {
    radix[j] = prod;
    prod *= cards[j];
  }
  const numericKeys = prod < 2 ** 52;
  const comboOfNum = new Map<number, number>();
  const comboOfStr = new Map<string, number>();
  const rowCombo = new Int32Array(nKept);
  const comboFirstRow: number[] = [];
  for (let i = 0; i < nKept; i++) {
    const base = i * k;
    let combo: number | undefined;
    if (numericKeys) {
      let key = 0;
      for (let j = 0; j < k; j++) key += rowCodes[base + j] * radix[j];
      combo = comboOfNum.get(key);
      if (combo === undefined) {
        combo = comboFirstRow.length;
        comboOfNum.set(key, combo);
        comboFirstRow.push(i);
      }
    } else {
      const key = Array.from(rowCodes.subarray(base, base + k)).join('|');
      combo = comboOfStr.get(key);
      if (combo === undefined) {
        combo = comboFirstRow.length;
        comboOfStr.set(key, combo);
        comboFirstRow.push(i);
      }
    }
    rowCombo[i] = combo;
  }
  const nCombo = comboFirstRow.length;

  // Dimension subsets to build (as index lists), plus all traffic when requested.
  const subsets: number[][] = [];
  const idxSubsets = dimensionSubsets(
    dims.map((_, j) => String(j)),
    minLevel,
    maxLevel,
  ).map((s) => s.map(Number));
  if (opts.includeAllTraffic && minLevel > 0) subsets.push([]);
  subsets.push(...idxSubsets);
  const nSub = subsets.length;

  // Map each finest combination to its segment in every subset.
  const segMeta: { segment: Segment; key: string; level: number }[] = [];
  const segOfKey = new Map<string, number>();
  const comboSeg = new Int32Array(nCombo * nSub);
  for (let s = 0; s < nSub; s++) {
    const sub = subsets[s];
    const local = new Map<number, number>();
    for (let c = 0; c < nCombo; c++) {
      const base = comboFirstRow[c] * k;
      let lk = 0;
      let mult = 1;
      for (const j of sub) {
        lk += rowCodes[base + j] * mult;
        mult *= cards[j];
      }
      // subsets never exceed the full product, so lk is exact when numericKeys; otherwise fall back
      let id = numericKeys ? local.get(lk) : undefined;
      if (id === undefined) {
        const segment: Segment = { ...filter };
        for (const j of sub) segment[dims[j]] = valueNames[j][rowCodes[base + j]];
        const key = segmentKey(segment);
        id = segOfKey.get(key);
        if (id === undefined) {
          id = segMeta.length;
          segOfKey.set(key, id);
          segMeta.push({ segment, key, level: Object.keys(segment).length });
        }
        if (numericKeys) local.set(lk, id);
      }
      comboSeg[c * nSub + s] = id;
    }
  }
  // All traffic with no filtered rows still gets its (empty) row when asked for.
  if (nCombo === 0 && (minLevel === 0 || opts.includeAllTraffic)) {
    const segment = { ...filter };
    segMeta.push({ segment, key: segmentKey(segment), level: Object.keys(segment).length });
  }

  const nSeg = segMeta.length;
  const views = new Float64Array(nSeg * nDays);
  const carts = new Float64Array(nSeg * nDays);
  const purchases = new Float64Array(nSeg * nDays);
  const revenue = new Float64Array(nSeg * nDays);
  const present = new Uint8Array(nSeg * nDays);

  const layout = opts.layout ?? 'auto';
  if (layout === 'dense' || (layout === 'auto' && nCombo * nDays <= 4 * nKept + 1024)) {
    // Dense data (the usual case): sum rows into combination × day arrays first, then add each
    // combination's whole series into its segments — sequential, cache-friendly vector adds.
    const cv = new Float64Array(nCombo * nDays);
    const cc = new Float64Array(nCombo * nDays);
    const cp = new Float64Array(nCombo * nDays);
    const cr = new Float64Array(nCombo * nDays);
    const cx = new Uint8Array(nCombo * nDays);
    for (let i = 0; i < nKept; i++) {
      const r = rowIdx[i];
      const row = rows[r];
      const o = rowCombo[i] * nDays + rowDay[r] - startDay;
      cv[o] += row.views;
      cc[o] += row.carts;
      cp[o] += row.purchases;
      cr[o] += row.revenue;
      cx[o] = 1;
    }
    // Each subset is summed from a parent one dimension finer (S ∪ {j}) when that is built, else from the
    // combinations: far fewer series additions than adding every combination into every subset.
    const subsetNo = new Map<string, number>();
    subsets.forEach((sub, i) => subsetNo.set(sub.join(','), i));
    const segsOf: number[][] = subsets.map(() => []);
    const repCombo = new Int32Array(nSeg);
    const seen = new Uint8Array(nSeg);
    for (let c = 0; c < nCombo; c++) {
      for (let t = 0; t < nSub; t++) {
        const id = comboSeg[c * nSub + t];
        if (!seen[id]) {
          seen[id] = 1;
          repCombo[id] = c;
          segsOf[t].push(id);
        }
      }
    }
    const addSeries = (
      dst: number,
      src: number,
      sv: Float64Array,
      sc: Float64Array,
      sp: Float64Array,
      sr: Float64Array,
      sx: Uint8Array,
    ) => {
      for (let d = 0; d < nDays; d++) {
        views[dst + d] += sv[src + d];
        carts[dst + d] += sc[src + d];
        purchases[dst + d] += sp[src + d];
        revenue[dst + d] += sr[src + d];
        present[dst + d] |= sx[src + d];
      }
    };
    const order = subsets.map((_, i) => i).sort((x, y) => subsets[y].length - subsets[x].length);
    for (const t of order) {
      const sub = subsets[t];
      let parent = -1;
      if (sub.length < k) {
        for (let j = 0; j < k && parent < 0; j++) {
          if (sub.includes(j)) continue;
          const p = subsetNo.get([...sub, j].sort((x, y) => x - y).join(','));
          if (p !== undefined) parent = p;
        }
      }
      if (parent < 0) {
        for (let c = 0; c < nCombo; c++)
          addSeries(comboSeg[c * nSub + t] * nDays, c * nDays, cv, cc, cp, cr, cx);
      } else {
        for (const id of segsOf[parent]) {
          addSeries(
            comboSeg[repCombo[id] * nSub + t] * nDays,
            id * nDays,
            views,
            carts,
            purchases,
            revenue,
            present,
          );
        }
      }
    }
  } else {
    // Sparse data: add every row into each of its segments directly.
    for (let i = 0; i < nKept; i++) {
      const r = rowIdx[i];
      const row = rows[r];
      const day = rowDay[r] - startDay;
      const base = rowCombo[i] * nSub;
      const v = row.views;
      const c = row.carts;
      const p = row.purchases;
      const rv = row.revenue;
      for (let s = 0; s < nSub; s++) {
        const o = comboSeg[base + s] * nDays + day;
        views[o] += v;
        carts[o] += c;
        purchases[o] += p;
        revenue[o] += rv;
        present[o] = 1;
      }
    }
  }

  const buffers = { views, carts, purchases, revenue, present };
  const segments: SegmentSeries[] = segMeta.map((m, id) => new IndexedSeries(m, id * nDays, nDays, buffers));
  const byKey = new Map<string, SegmentSeries>();
  for (const s of segments) byKey.set(s.key, s);
  const index: SegmentIndex = {
    dimensions: dims,
    filter: { ...filter },
    startDay,
    dates,
    observed,
    segments,
    byKey,
  };
  if (hourly) {
    index.grain = 'hour';
    index.hours = hours;
  }
  return index;
}

/** A segment's arrays as lazily created views into the index's shared buffers (most segments of a large
 *  scan are only summed for the volume filter, through `sumViews`, and never need their own views). */
class IndexedSeries implements SegmentSeries {
  readonly segment: Segment;
  readonly key: string;
  readonly level: number;
  private _v?: Float64Array;
  private _c?: Float64Array;
  private _p?: Float64Array;
  private _r?: Float64Array;
  private _x?: Uint8Array;
  constructor(
    m: { segment: Segment; key: string; level: number },
    private readonly offset: number,
    private readonly len: number,
    private readonly buf: {
      views: Float64Array;
      carts: Float64Array;
      purchases: Float64Array;
      revenue: Float64Array;
      present: Uint8Array;
    },
  ) {
    this.segment = m.segment;
    this.key = m.key;
    this.level = m.level;
  }
  get views(): Float64Array {
    return (this._v ??= this.buf.views.subarray(this.offset, this.offset + this.len));
  }
  get carts(): Float64Array {
    return (this._c ??= this.buf.carts.subarray(this.offset, this.offset + this.len));
  }
  get purchases(): Float64Array {
    return (this._p ??= this.buf.purchases.subarray(this.offset, this.offset + this.len));
  }
  get revenue(): Float64Array {
    return (this._r ??= this.buf.revenue.subarray(this.offset, this.offset + this.len));
  }
  get present(): Uint8Array {
    return (this._x ??= this.buf.present.subarray(this.offset, this.offset + this.len));
  }
  sumViews(from: number, to: number): number {
    const v = this.buf.views;
    let t = 0;
    for (let i = Math.max(0, from); i <= Math.min(to, this.len - 1); i++) t += v[this.offset + i];
    return t;
  }
}

/** The DayCounts series of an indexed segment: only days on which it has cube rows, date order. */
export function seriesOf(index: SegmentIndex, s: SegmentSeries): DayCounts[] {
  const out: DayCounts[] = [];
  for (let i = 0; i < index.dates.length; i++) {
    if (!s.present[i]) continue;
    out.push({
      date: index.dates[i],
      views: s.views[i],
      carts: s.carts[i],
      purchases: s.purchases[i],
      revenue: s.revenue[i],
    });
  }
  return out;
}

/** Offset of a date on the index's day axis (not clamped: negative or ≥ dates.length outside the data). */
export function dayOffset(index: SegmentIndex, date: string): number {
  return toDayNumber(date) - index.startDay;
}
