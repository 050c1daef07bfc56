/**
 * A scrolling data table from column definitions: one place for the header, the right-aligned number
 * columns, optional columns (e.g. revenue only when the data has a price) and per-row attributes.
 */
import type { CSSProperties, HTMLAttributes, ReactNode } from 'react';

export interface Column<T> {
  head: ReactNode;
  cell: (row: T, index: number) => ReactNode;
  /** right-aligned (numbers) */
  r?: boolean;
  /** header tooltip: what the column means */
  title?: string;
  /** extra class of the cells, fixed or per row (e.g. a tone) */
  className?: string | ((row: T) => string);
  style?: CSSProperties;
  /** false leaves the column out */
  show?: boolean;
}

/** per-row attributes: data-* for tests, a click handler, a selected class … */
export type RowProps = HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | number>;

export function DataTable<T>({
  rows,
  columns,
  rowKey,
  rowProps,
  maxHeight,
  testId,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T, index: number) => string;
  rowProps?: (row: T, index: number) => RowProps;
  /** px; the body scrolls under the sticky header past it */
  maxHeight?: number;
  testId?: string;
}) {
  const cols = columns.filter((c) => c.show !== false);
  const cls = (c: Column<T>, row: T) => {
    const extra = typeof c.className === 'function' ? c.className(row) : (c.className ?? '');
    return [c.r ? 'r' : '', extra].filter(Boolean).join(' ') || undefined;
  };
  return (
    <div className="table-wrap" style={maxHeight ? { maxHeight } : undefined}>
      <table className="data" data-testid={testId}>
        <thead>
          <tr>
            {cols.map((c, i) => (
              <th key={i} className={c.r ? 'r' : undefined} title={c.title}>
                {c.head}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)} {...rowProps?.(row, i)}>
              {cols.map((c, j) => (
                <td key={j} className={cls(c, row)} style={c.style}>
                  {c.cell(row, i)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
