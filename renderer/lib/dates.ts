/** UTC calendar-day helpers on 'YYYY-MM-DD' strings (the project's date convention). DOM-free. */
import type { Period } from '../../core/types.js';

const MS_DAY = 86_400_000;

export function toDay(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / MS_DAY);
}

export function fromDay(day: number): string {
  return new Date(day * MS_DAY).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return fromDay(toDay(date) + n);
}

/** inclusive number of calendar days in a period */
export function periodDays(p: Period): number {
  return toDay(p.to) - toDay(p.from) + 1;
}

export function clampPeriod(p: Period, range: Period): Period {
  const from = p.from < range.from ? range.from : p.from;
  const to = p.to > range.to ? range.to : p.to;
  return from <= to ? { from, to } : { from: range.from, to: range.to };
}

/** The period of equal length right before `p`, or null when it starts before the data. */
export function previousPeriod(p: Period, range: Period): Period | null {
  const len = periodDays(p);
  const to = addDays(p.from, -1);
  const from = addDays(p.from, -len);
  if (to < range.from) return null;
  return { from: from < range.from ? range.from : from, to };
}

/** "last N days vs the W weeks before" presets, relative to the end of the data. */
export function presetPeriods(
  range: Period,
  incidentDays: number,
  baselineWeeks: number,
): { baseline: Period; incident: Period } {
  const incident = { from: addDays(range.to, -(incidentDays - 1)), to: range.to };
  const baseline = { from: addDays(incident.from, -baselineWeeks * 7), to: addDays(incident.from, -1) };
  return { baseline: clampPeriod(baseline, range), incident: clampPeriod(incident, range) };
}

export function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}
