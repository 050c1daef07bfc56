/**
 * Numbers and labels for humans. One place, so every view formats the same way:
 * thousands separators, percentages, σ with one decimal, compact axis labels. Locale: en-US digits with a thin
 * grouping (the app's UI language is English). DOM-free (also used by the worker and Node tests).
 */
import type { Segment } from '../../core/types.js';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDec = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

const MINUS = '−';

function sign(x: number): string {
  return x > 0 ? '+' : x < 0 ? MINUS : '';
}

/** 1234567 → "1,234,567"; null → "—" */
export function fmtInt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return int.format(Math.round(x)).replace('-', MINUS);
}

/** per-day means: one decimal below 100, integers above. */
export function fmtMean(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return Math.abs(x) < 100 ? oneDec.format(x).replace('-', MINUS) : fmtInt(x);
}

/** 1_234_567 → "1.2M" (axes, tight cards) */
export function fmtCompact(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return compactFmt.format(x).replace('-', MINUS);
}

/** a fraction as a percentage: 0.01234 → "1.23 %"; digits adapt to magnitude unless given. */
export function fmtPct(x: number | null | undefined, digits?: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const p = x * 100;
  const d = digits ?? (Math.abs(p) >= 10 ? 1 : 2);
  return `${p.toFixed(d).replace('-', MINUS)} %`;
}

/** a change as a signed percentage: -0.664 → "−66 %", 0.183 → "+18 %"; small changes get one decimal. */
export function fmtChange(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const p = Math.abs(x * 100);
  const body = p < 10 && p > 0 ? p.toFixed(1) : Math.round(p).toString();
  if (body === '0' || body === '0.0') return '±0 %';
  return `${sign(x)}${body} %`;
}

/** σ with one decimal and a sign: -4.23 → "−4.2σ" */
export function fmtSigma(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const r = Math.round(x * 10) / 10;
  if (r === 0) return '0.0σ';
  return `${sign(r)}${Math.abs(r).toFixed(1)}σ`;
}

/** percentage points: 0.0123 → 0.012 → "−0.45 pp" */
export function fmtPp(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const p = x * 100;
  return `${sign(p)}${Math.abs(p).toFixed(2)} pp`;
}

export function fmtMoney(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return money.format(Math.round(x)).replace('-', MINUS);
}

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** '2015-09-04' → "4 Sep 2015" */
export function fmtDate(date: string | null | undefined, withYear = true): string {
  if (!date) return '—';
  const [y, m, d] = date.split('-').map(Number);
  return withYear ? `${d} ${MONTHS[m - 1]} ${y}` : `${d} ${MONTHS[m - 1]}`;
}

/** '2015-09-04' → "Fri 4 Sep 2015" */
export function fmtDateLong(date: string): string {
  const wd = WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()];
  return `${wd} ${fmtDate(date)}`;
}

/** a period → "21 Aug – 3 Sep 2015" */
export function fmtPeriod(p: { from: string; to: string } | null | undefined): string {
  if (!p) return '—';
  const sameYear = p.from.slice(0, 4) === p.to.slice(0, 4);
  if (p.from === p.to) return fmtDate(p.from);
  return `${fmtDate(p.from, !sameYear)} – ${fmtDate(p.to)}`;
}

const SPECIAL: Record<string, string> = {
  ios: 'iOS',
  ipados: 'iPadOS',
  macos: 'macOS',
  osx: 'OS X',
  chromeos: 'ChromeOS',
  webos: 'webOS',
  uc: 'UC',
  ucbrowser: 'UC Browser',
  ie: 'IE',
  '(none)': '(none)',
};

/** human display of a raw dimension value: 'ios' → "iOS", 'mobile' → "Mobile"; other casings are kept */
export function displayValue(value: string): string {
  const s = SPECIAL[value.toLowerCase()];
  if (s) return s;
  if (value === value.toLowerCase() && /^[a-z]/.test(value)) return value[0].toUpperCase() + value.slice(1);
  return value;
}

/** 'device' → "Device" */
const DIMENSION_LABELS: Record<string, string> = {
  os: 'OS',
  hour_of_day: 'Hour of day',
  price_band: 'Price band',
  category_root: 'Category',
  category: 'Category',
  weekday: 'Weekday',
  device: 'Device',
  browser: 'Browser',
  country: 'Country',
  brand: 'Brand',
};

export function displayDimension(name: string): string {
  const known = DIMENSION_LABELS[name.toLowerCase()];
  if (known) return known;
  const s = name.replace(/_/g, ' ');
  return s[0] ? s[0].toUpperCase() + s.slice(1) : s;
}

/** {device:'mobile', os:'ios', browser:'safari'} → "Mobile × iOS × Safari" in the given dimension order */
export function segmentLabel(segment: Segment, order?: readonly string[]): string {
  const keys = Object.keys(segment);
  if (keys.length === 0) return 'All traffic';
  const ordered = order
    ? [...order.filter((d) => d in segment), ...keys.filter((k) => !order.includes(k)).sort()]
    : keys;
  return ordered.map((k) => displayValue(segment[k])).join(' × ');
}

/** traffic-light class of a deviation in σ (drops are what matter; spikes are shown muted) */
export function sigmaTone(x: number | null | undefined): 'bad' | 'warn' | 'ok' | 'good' | 'muted' {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'muted';
  if (x <= -3) return 'bad';
  if (x <= -2) return 'warn';
  if (x >= 2) return 'good';
  return 'ok';
}
