/**
 * Report charts: ECharts with the SVG renderer in server-side-rendering mode (`ssr: true`), so each chart is
 * an SVG string produced synchronously — vector in the PDF, no animation, nothing to wait for.
 */
import { useMemo } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import {
  CalendarComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  VisualMapComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { reportFormat as F, type ReportModel } from '../core/report.js';
import type { DetectionStatus } from '../core/types.js';

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  CalendarComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  VisualMapComponent,
  SVGRenderer,
]);

export const FONT = `'Liberation Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif`;
/** content width of an A4 page with 14 mm side margins, in CSS px (182 mm) */
export const CONTENT_WIDTH = 688;

export const COLORS = {
  ink: '#111827',
  muted: '#6b7280',
  grid: '#e5e7eb',
  culprit: '#b91c1c',
  all: '#9ca3af',
  expected: '#1d4ed8',
  band: '#dbeafe',
  incident: 'rgba(220, 38, 38, 0.07)',
};

export const STATUS_COLORS: Record<DetectionStatus, string> = {
  OK: '#86efac',
  ANOMALY: '#fbbf24',
  CRITICAL: '#dc2626',
  INSUFFICIENT_DATA: '#d1d5db',
  NO_DATA: '#f3f4f6',
};
export const STATUS_LABELS: Record<DetectionStatus, string> = {
  OK: 'OK',
  ANOMALY: 'Anomaly',
  CRITICAL: 'Critical',
  INSUFFICIENT_DATA: 'Too little traffic',
  NO_DATA: 'No data',
};
const STATUS_CODE: Record<DetectionStatus, number> = {
  NO_DATA: 0,
  INSUFFICIENT_DATA: 1,
  OK: 2,
  ANOMALY: 3,
  CRITICAL: 4,
};

function renderSvg(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function Svg({
  option,
  width = CONTENT_WIDTH,
  height,
  label,
}: {
  option: echarts.EChartsCoreOption;
  width?: number;
  height: number;
  label: string;
}) {
  const svg = useMemo(() => renderSvg(option, width, height), [option, width, height]);
  return (
    <div
      className="chart"
      role="img"
      aria-label={label}
      style={{ height }}
      dangerouslySetInnerHTML={{ __html: svg }}
    />
  );
}

const axisLabel = { color: COLORS.muted, fontSize: 10, fontFamily: FONT };

/** The culprit's daily conversion with the detector's expected rate and band, all traffic, the incident shaded. */
export function ConversionChart({ model }: { model: ReportModel }) {
  const option = useMemo(() => {
    const pts = model.series.points;
    const dates = pts.map((p) => p.date);
    const pct = (x: number | null) => (x === null ? null : x * 100);
    const lower = pts.map((p) => pct(p.lower));
    const width = pts.map((p) => (p.lower !== null && p.upper !== null ? (p.upper - p.lower) * 100 : null));
    const marks = pts.map((p) =>
      p.status === 'CRITICAL' || p.status === 'ANOMALY'
        ? {
            value: pct(p.rate),
            symbol: 'circle',
            symbolSize: 7,
            itemStyle: {
              color: p.status === 'CRITICAL' ? '#7f1d1d' : STATUS_COLORS[p.status],
              borderColor: '#fff',
              borderWidth: 1.5,
            },
          }
        : { value: pct(p.rate), symbolSize: 0 },
    );
    const inc = model.periods.incident;
    const incFrom = dates.find((d) => d >= inc.from) ?? inc.from;
    const incTo = [...dates].reverse().find((d) => d <= inc.to) ?? inc.to;
    return {
      grid: { left: 46, right: 12, top: 34, bottom: 28 },
      legend: {
        top: 0,
        left: 0,
        itemWidth: 16,
        itemHeight: 8,
        textStyle: { color: COLORS.ink, fontSize: 10, fontFamily: FONT },
        data: [model.culprit.label, 'Expected', `Normal range (±${model.series.bandSigma}σ)`, 'All traffic'],
      },
      xAxis: {
        type: 'category',
        data: dates,
        boundaryGap: false,
        axisLine: { lineStyle: { color: COLORS.grid } },
        axisTick: { show: false },
        axisLabel: { ...axisLabel, formatter: (d: string) => F.date(d, false), hideOverlap: true },
      },
      yAxis: {
        type: 'value',
        min: 0,
        splitLine: { lineStyle: { color: COLORS.grid } },
        axisLabel: { ...axisLabel, formatter: (v: number) => `${v.toFixed(v < 1 ? 2 : 1)} %` },
      },
      series: [
        {
          name: 'band-lower',
          type: 'line',
          data: lower,
          stack: 'band',
          symbol: 'none',
          lineStyle: { opacity: 0 },
          silent: true,
        },
        {
          name: `Normal range (±${model.series.bandSigma}σ)`,
          type: 'line',
          data: width,
          stack: 'band',
          symbol: 'none',
          lineStyle: { opacity: 0 },
          areaStyle: { color: COLORS.band, opacity: 1 },
          itemStyle: { color: COLORS.band },
        },
        {
          name: 'Expected',
          type: 'line',
          data: pts.map((p) => pct(p.expected)),
          symbol: 'none',
          lineStyle: { color: COLORS.expected, width: 1.2, type: 'dashed' },
          itemStyle: { color: COLORS.expected },
        },
        {
          name: 'All traffic',
          type: 'line',
          data: pts.map((p) => pct(p.allTrafficRate)),
          symbol: 'none',
          lineStyle: { color: COLORS.all, width: 1.2 },
          itemStyle: { color: COLORS.all },
        },
        {
          name: model.culprit.label,
          type: 'line',
          data: marks,
          symbol: 'circle',
          showAllSymbol: true,
          lineStyle: { color: COLORS.culprit, width: 2 },
          itemStyle: { color: COLORS.culprit },
          markArea: {
            silent: true,
            itemStyle: { color: COLORS.incident },
            label: {
              show: true,
              position: 'insideTop',
              color: COLORS.culprit,
              fontSize: 10,
              fontFamily: FONT,
              formatter: 'Incident',
            },
            data: [[{ xAxis: incFrom }, { xAxis: incTo }]],
          },
        },
      ],
    };
  }, [model]);
  return <Svg option={option} height={270} label={`Daily conversion of ${model.culprit.label}`} />;
}

/** The culprit's purchases per day against what its views would have bought at the expected conversion. */
export function PurchasesChart({ model }: { model: ReportModel }) {
  const option = useMemo(() => {
    const pts = model.series.points;
    const dates = pts.map((p) => p.date);
    const expected = pts.map((p) => (p.expected !== null && p.views > 0 ? p.expected * p.views : null));
    const inc = model.periods.incident;
    return {
      grid: { left: 46, right: 12, top: 26, bottom: 24 },
      legend: {
        top: 0,
        left: 0,
        itemWidth: 16,
        itemHeight: 8,
        textStyle: { color: COLORS.ink, fontSize: 10, fontFamily: FONT },
      },
      xAxis: {
        type: 'category',
        data: dates,
        axisLine: { lineStyle: { color: COLORS.grid } },
        axisTick: { show: false },
        axisLabel: { ...axisLabel, formatter: (d: string) => F.date(d, false), hideOverlap: true },
      },
      yAxis: {
        type: 'value',
        min: 0,
        splitLine: { lineStyle: { color: COLORS.grid } },
        axisLabel: { ...axisLabel, formatter: (v: number) => F.int(v) },
      },
      series: [
        {
          name: 'Purchases',
          type: 'bar',
          barCategoryGap: '25%',
          data: pts.map((p, i) => ({
            value: p.views > 0 ? p.purchases : null,
            itemStyle: { color: dates[i] >= inc.from && dates[i] <= inc.to ? COLORS.culprit : '#d1a3a3' },
          })),
          itemStyle: { color: COLORS.culprit },
        },
        {
          name: 'Expected at normal conversion',
          type: 'line',
          data: expected,
          symbol: 'none',
          lineStyle: { color: COLORS.expected, width: 1.2, type: 'dashed' },
          itemStyle: { color: COLORS.expected },
        },
      ],
    };
  }, [model]);
  return <Svg option={option} height={170} label={`Daily purchases of ${model.culprit.label}`} />;
}

/** Change of views, carts and purchases per day (incident vs baseline), all traffic and the culprit. */
export function FunnelChangeChart({ model }: { model: ReportModel }) {
  const option = useMemo(() => {
    const steps = ['Views', 'Carts', 'Purchases'];
    const val = (side: typeof model.funnel.allTraffic) =>
      side.steps.map((s) => (s.change === null ? null : s.change * 100));
    const label = {
      show: true,
      fontSize: 10,
      fontFamily: FONT,
      color: COLORS.ink,
      formatter: (p: { value: number | null }) => F.change(p.value === null ? null : p.value / 100),
    };
    return {
      grid: { left: 70, right: 40, top: 26, bottom: 20 },
      legend: {
        top: 0,
        left: 0,
        itemWidth: 12,
        itemHeight: 8,
        textStyle: { fontSize: 10, fontFamily: FONT, color: COLORS.ink },
      },
      yAxis: {
        type: 'category',
        data: steps,
        inverse: true,
        axisTick: { show: false },
        axisLine: { lineStyle: { color: COLORS.grid } },
        axisLabel: { ...axisLabel, color: COLORS.ink, fontSize: 11 },
      },
      xAxis: {
        type: 'value',
        splitLine: { lineStyle: { color: COLORS.grid } },
        axisLabel: {
          ...axisLabel,
          formatter: (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v)} %`,
        },
      },
      series: [
        {
          name: 'All traffic',
          type: 'bar',
          data: val(model.funnel.allTraffic),
          itemStyle: { color: COLORS.all },
          barGap: '15%',
          barMaxWidth: 16,
          label: { ...label, position: 'right' },
        },
        {
          name: model.culprit.label,
          type: 'bar',
          data: val(model.funnel.culprit),
          itemStyle: { color: COLORS.culprit },
          barMaxWidth: 16,
          label: { ...label, position: 'right' },
        },
      ],
    };
  }, [model]);
  return <Svg option={option} height={170} label="Change per funnel step" />;
}

/** Per-day detector status of the culprit as a calendar (weeks as columns). */
export function CalendarChart({ model }: { model: ReportModel }) {
  const { option, height } = useMemo(() => {
    const { from, to, days } = model.calendar;
    const weeks =
      Math.ceil((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / (7 * 86_400_000)) + 2;
    const cell = Math.max(12, Math.min(26, Math.floor((CONTENT_WIDTH - 60) / weeks)));
    return {
      height: cell * 7 + 44,
      option: {
        calendar: {
          range: [from, to],
          orient: 'horizontal',
          left: 40,
          top: 24,
          cellSize: [cell, cell],
          splitLine: { show: true, lineStyle: { color: '#9ca3af', width: 1 } },
          itemStyle: { borderColor: '#fff', borderWidth: 2, color: STATUS_COLORS.NO_DATA },
          yearLabel: { show: false },
          dayLabel: {
            firstDay: 1,
            nameMap: ['S', 'M', 'T', 'W', 'T', 'F', 'S'],
            fontSize: 9,
            color: COLORS.muted,
            fontFamily: FONT,
          },
          monthLabel: { fontSize: 10, color: COLORS.ink, fontFamily: FONT },
        },
        visualMap: {
          show: false,
          type: 'piecewise',
          dimension: 1,
          pieces: (Object.keys(STATUS_CODE) as DetectionStatus[]).map((s) => ({
            value: STATUS_CODE[s],
            color: STATUS_COLORS[s],
          })),
        },
        series: [
          {
            type: 'heatmap',
            coordinateSystem: 'calendar',
            data: days.map((d) => [d.date, STATUS_CODE[d.status]]),
          },
        ],
      },
    };
  }, [model]);
  return <Svg option={option} height={height} label={`Daily detector status of ${model.culprit.label}`} />;
}
