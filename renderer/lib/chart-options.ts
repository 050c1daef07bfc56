/**
 * ECharts option pieces the views share, coloured from the palette (so light and dark schemes both read):
 * the chart frame, tooltip, legend, axis styling, a daily (or hourly) category time axis and value axes.
 * Each returns a plain object; a view spreads it and overrides what it needs.
 */
import { fmtDate } from './format.js';
import type { Palette } from './theme.js';

/** no animation, the app's font and the plot grid */
export function chartFrame(
  pal: Palette,
  grid: { left: number; right: number; top: number; bottom: number; containLabel?: boolean },
) {
  return { animation: false, textStyle: { fontFamily: pal.font }, grid };
}

/** tooltip box on the surface colour (ECharts' default is a white box, unreadable in the dark scheme) */
export function tooltipStyle(pal: Palette) {
  return {
    backgroundColor: pal.surface,
    borderColor: pal.border,
    textStyle: { color: pal.text, fontSize: 12 },
  };
}

/** legend in the top-left corner; `data` fixes the order and which series are listed */
export function legendStyle(pal: Palette, data?: string[]) {
  return {
    top: 0,
    left: 0,
    itemWidth: 14,
    itemHeight: 8,
    textStyle: { color: pal.text2 },
    ...(data ? { data } : {}),
  };
}

/** axis labels, axis line and dashed split lines in the palette's muted colours */
export function axisStyle(pal: Palette) {
  return {
    axisLabel: { color: pal.text3, fontSize: 11 },
    axisLine: { lineStyle: { color: pal.border } },
    splitLine: { lineStyle: { color: pal.border, type: 'dashed' as const } },
  };
}

/**
 * Category x axis of ISO days (or any time keys with `format`), labels that skip rather than overlap.
 * `boundaryGap` false (the default) puts line points on the ticks; bars want true.
 */
export function timeAxis(
  pal: Palette,
  keys: string[],
  opts: { format?: (key: string) => string; boundaryGap?: boolean } = {},
) {
  const style = axisStyle(pal);
  return {
    type: 'category' as const,
    data: keys,
    boundaryGap: opts.boundaryGap ?? false,
    axisLine: style.axisLine,
    splitLine: { show: false },
    axisLabel: {
      ...style.axisLabel,
      formatter: opts.format ?? ((d: string) => fmtDate(d, false)),
      hideOverlap: true,
    },
  };
}

/** value axis with an optional name, label formatter, range and split lines (off for a second y axis) */
export function valueAxis(
  pal: Palette,
  opts: {
    name?: string;
    format?: (v: number) => string;
    min?: number;
    max?: number;
    splitLine?: boolean;
  } = {},
) {
  const style = axisStyle(pal);
  return {
    type: 'value' as const,
    ...(opts.name !== undefined
      ? { name: opts.name, nameTextStyle: { color: pal.text3, fontSize: 11 } }
      : {}),
    ...(opts.min !== undefined ? { min: opts.min } : {}),
    ...(opts.max !== undefined ? { max: opts.max } : {}),
    axisLine: style.axisLine,
    splitLine: opts.splitLine === false ? { show: false } : style.splitLine,
    axisLabel: opts.format ? { ...style.axisLabel, formatter: opts.format } : style.axisLabel,
  };
}

/** category y axis of ranked bars: labels only (no line, no ticks), cut with an ellipsis past `width` px */
export function labelAxis(pal: Palette, labels: string[], width: number) {
  return {
    type: 'category' as const,
    data: labels,
    axisLine: { show: false },
    axisTick: { show: false },
    axisLabel: { color: pal.text2, fontSize: 12, width, overflow: 'truncate' as const },
  };
}

/** a horizontal bar series with its value written right of the bar */
export function rankBars(
  pal: Palette,
  values: number[],
  color: string,
  format: (p: { value: number; dataIndex: number }) => string,
) {
  return {
    type: 'bar' as const,
    data: values,
    color,
    barMaxWidth: 18,
    itemStyle: { borderRadius: [0, 4, 4, 0] },
    label: { show: true, position: 'right' as const, color: pal.text3, fontSize: 11, formatter: format },
  };
}
