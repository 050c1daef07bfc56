/**
 * SQL text helpers for the worker's DuckDB-WASM queries over the normalised `cube` table
 * (columns: d DATE, one VARCHAR per dimension, views/carts/purchases/revenue/visitors DOUBLE).
 * Values and identifiers come from the data, so everything is quoted, never interpolated raw.
 */
import type { Period, Segment } from '../../core/types.js';

export function lit(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function dateLit(date: string): string {
  if (!DATE_RE.test(date)) throw new Error(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return `DATE '${date}'`;
}

/** `alias.d BETWEEN DATE 'from' AND DATE 'to'` */
export function inPeriod(p: Period, alias = ''): string {
  const col = alias ? `${alias}.d` : 'd';
  return `${col} BETWEEN ${dateLit(p.from)} AND ${dateLit(p.to)}`;
}

/** AND-ed equality conditions of a segment; `TRUE` for all traffic. Unknown dimensions are an error. */
export function segmentWhere(segment: Segment, dimensions: readonly string[], alias = ''): string {
  const parts: string[] = [];
  for (const [dim, value] of Object.entries(segment)) {
    if (!dimensions.includes(dim))
      throw new Error(`unknown dimension "${dim}" (cube has ${dimensions.join(', ') || 'none'})`);
    parts.push(`${alias ? alias + '.' : ''}${ident(dim)} = ${lit(value)}`);
  }
  return parts.length ? parts.join(' AND ') : 'TRUE';
}
