/** Plain-text tables for the CLI's human-readable output. */
export type Align = 'left' | 'right';

export function table(headers: string[], rows: Array<Array<string | number>>, align?: Align[]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number) => {
    const a = align?.[i] ?? (i === 0 ? 'left' : 'right');
    return a === 'left' ? s.padEnd(widths[i]) : s.padStart(widths[i]);
  };
  const line = (r: string[]) => r.map(pad).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const fmt = {
  int: (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? '–' : int.format(n)),
  pct: (n: number | null | undefined, digits = 2) =>
    n == null || !Number.isFinite(n) ? '–' : `${(n * 100).toFixed(digits)} %`,
  change: (n: number | null | undefined) =>
    n == null || !Number.isFinite(n) ? '–' : `${n >= 0 ? '+' : '−'}${Math.abs(n * 100).toFixed(1)} %`,
  sigma: (n: number | null | undefined) =>
    n == null || !Number.isFinite(n) ? '–' : `${n >= 0 ? '+' : '−'}${dec1.format(Math.abs(n))}σ`,
};
