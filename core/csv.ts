/**
 * CSV text (RFC 4180): comma separated, a field quoted when it holds a quote, comma or line break (quotes
 * doubled), an empty field for null. Numbers are written as they are, non-finite numbers as empty fields;
 * `digits` rounds them (to at most that many decimals) where a file should not carry float noise. Pure.
 */
export type CsvValue = string | number | null | undefined;

export function csvField(v: CsvValue, digits?: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '';
    return String(digits === undefined ? v : Math.round(v * 10 ** digits) / 10 ** digits);
  }
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Header row + rows, each line ended by `eol` (default CRLF as RFC 4180 says). */
export function csvText(
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
  options: { eol?: string; digits?: number } = {},
): string {
  const eol = options.eol ?? '\r\n';
  const line = (r: readonly CsvValue[]) => r.map((v) => csvField(v, options.digits)).join(',');
  return [line(header), ...rows.map(line)].join(eol) + eol;
}
