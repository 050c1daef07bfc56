/**
 * ECharts in React: one instance per element, options replaced on change (notMerge), resized with the element.
 * Only the chart types and components the views use are registered (keeps the bundle small).
 */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  BrushComponent,
  CalendarComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  ToolboxComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  BrushComponent,
  CalendarComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  ToolboxComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type EChartsOption = echarts.EChartsCoreOption;
export type ECharts = echarts.ECharts;

/** charts by name, for the e2e tests and the bench (convertToPixel for real mouse brushing) */
export const chartRegistry = new Map<string, ECharts>();

export interface ChartProps {
  option: EChartsOption;
  height: number;
  name?: string;
  /** called after each setOption (and once the instance exists) — wire events here */
  onReady?: (chart: ECharts) => void;
  events?: Record<string, (params: unknown) => void>;
  ariaLabel?: string;
}

export function Chart({ option, height, name, onReady, events, ariaLabel }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const inst = useRef<ECharts | null>(null);
  const handlers = useRef(events);
  handlers.current = events;

  useEffect(() => {
    const chart = echarts.init(el.current!, undefined, { renderer: 'canvas' });
    inst.current = chart;
    if (name) chartRegistry.set(name, chart);
    const ro = new ResizeObserver(() => chart.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      if (name && chartRegistry.get(name) === chart) chartRegistry.delete(name);
      chart.dispose();
      inst.current = null;
    };
  }, [name]);

  useEffect(() => {
    const chart = inst.current;
    if (!chart) return;
    chart.setOption(option, { notMerge: true, lazyUpdate: false });
    onReady?.(chart);
  }, [option, onReady]);

  useEffect(() => {
    const chart = inst.current;
    if (!chart) return;
    const names = Object.keys(events ?? {});
    const bound = names.map((n) => {
      const fn = (p: unknown) => handlers.current?.[n]?.(p);
      chart.on(n, fn);
      return [n, fn] as const;
    });
    return () => {
      for (const [n, fn] of bound) chart.off(n, fn);
    };
  }, [Object.keys(events ?? {}).join(',')]);

  return (
    <div ref={el} className="chart" style={{ height }} role="img" aria-label={ariaLabel} data-chart={name} />
  );
}
