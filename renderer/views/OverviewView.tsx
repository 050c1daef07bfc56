/** 2 · Overview: KPI cards vs the previous period, the daily funnel with the global brush, breakdown by dimension. */
import { useCallback, useMemo } from 'react';
import { useApp, useAnalysis } from '../app/context.js';
import { Chart, type ECharts, type EChartsOption } from '../components/Chart.js';
import { Card, Delta, Empty, ErrorBox, Kpi, Skeleton, SkeletonRows } from '../components/ui.js';
import { addDays, toDay } from '../lib/dates.js';
import {
  displayDimension,
  displayValue,
  fmtChange,
  fmtCompact,
  fmtInt,
  fmtMoney,
  fmtPct,
  fmtPeriod,
  segmentLabel,
} from '../lib/format.js';
import {
  chartFrame,
  labelAxis,
  legendStyle,
  rankBars,
  timeAxis,
  tooltipStyle,
  valueAxis,
} from '../lib/chart-options.js';
import { usePalette, type Palette } from '../lib/theme.js';
import type { Kpis, OverviewResult } from '../worker/protocol.js';
import type { DayCounts, Period } from '../../core/types.js';
import { NoData } from './common.js';

export function OverviewView() {
  const summary = useApp((s) => s.dataset.summary);
  const period = useApp((s) => s.period);
  const segment = useApp((s) => s.segment);
  const dimension = useApp((s) => s.overviewDimension);
  const payload = summary ? { period, segment, dimension: dimension || summary.dimensions[0] || '' } : null;
  const res = useAnalysis('overview', payload);
  if (!summary) return <NoData />;
  const data = res.data;
  return (
    <div
      className="stack"
      data-testid="overview"
      data-version={res.version}
      data-loading={res.loading ? 'true' : 'false'}
    >
      {res.error && <ErrorBox title="The overview could not be computed" message={res.error} />}
      <SegmentBar previous={data?.previous ?? null} />
      {data ? <KpiGrid data={data} hasRevenue={summary.hasRevenue} /> : <KpiSkeleton />}
      <DailyChart daily={data?.daily ?? null} range={summary.range} />
      <Breakdown data={data} loading={res.loading} />
    </div>
  );
}

function SegmentBar({ previous }: { previous: Period | null }) {
  const segment = useApp((s) => s.segment);
  const setSegment = useApp((s) => s.setSegment);
  const period = useApp((s) => s.period);
  const summary = useApp((s) => s.dataset.summary)!;
  return (
    <div className="row">
      <span className="chip">
        Showing <strong>{segmentLabel(segment, summary.dimensions)}</strong>
        {Object.keys(segment).length > 0 && (
          <button type="button" aria-label="Show all traffic" onClick={() => setSegment({})}>
            ×
          </button>
        )}
      </span>
      <span className="chip">
        Period <strong>{fmtPeriod(period ?? summary.range)}</strong>
      </span>
      <span className="small muted">
        {previous
          ? `Changes: daily average vs ${fmtPeriod(previous)}`
          : period
            ? 'No earlier period to compare with'
            : 'Brush the chart or pick “Last 14 days” to compare a period with the one before'}
      </span>
    </div>
  );
}

function KpiSkeleton() {
  return (
    <div className="kpis">
      {Array.from({ length: 8 }, (_, i) => (
        <div className="kpi" key={i}>
          <Skeleton height={12} width="60%" />
          <Skeleton height={26} width="80%" style={{ marginTop: 8 }} />
          <Skeleton height={12} width="50%" style={{ marginTop: 8 }} />
        </div>
      ))}
    </div>
  );
}

type CountKey = 'events' | 'visitors' | 'views' | 'carts' | 'purchases' | 'revenue';
type RateKey = 'viewToCart' | 'cartToPurchase' | 'conversion';

function perDay(k: Kpis, key: CountKey): number | null {
  const v = k[key];
  return v === null || k.days === 0 ? null : v / k.days;
}

interface KpiSpec<K> {
  key: K;
  label: string;
  color?: string;
  /** shown only when true (default: always) */
  show?: boolean;
  value: string;
  note?: string;
}

function KpiGrid({ data, hasRevenue }: { data: OverviewResult; hasRevenue: boolean }) {
  const k = data.kpis;
  const p = data.previousKpis;
  const count = (key: CountKey) => {
    if (!p) return null;
    const a = perDay(k, key);
    const b = perDay(p, key);
    return a === null || b === null || b === 0 ? null : a / b - 1;
  };
  const rate = (key: RateKey) => (p && k[key] !== null && p[key] ? k[key]! / p[key]! - 1 : null);
  const title = p
    ? `Change of the daily average vs the previous ${p.days} days with data (${fmtPeriod(data.previous)})`
    : undefined;
  const counts: KpiSpec<CountKey>[] = [
    { key: 'events', label: 'Events', value: fmtInt(k.events) },
    {
      key: 'visitors',
      label: 'Visitors / day',
      show: k.visitors !== null,
      value: fmtInt(perDay(k, 'visitors')),
      note: 'distinct visitors per day (per segment), averaged over the days with data',
    },
    { key: 'views', label: 'Views', color: 'var(--views)', value: fmtInt(k.views) },
    { key: 'carts', label: 'Carts', color: 'var(--carts)', value: fmtInt(k.carts) },
    { key: 'purchases', label: 'Purchases', color: 'var(--purchases)', value: fmtInt(k.purchases) },
    {
      key: 'revenue',
      label: 'Revenue',
      color: 'var(--revenue)',
      show: hasRevenue,
      value: fmtMoney(k.revenue),
    },
  ];
  const rates: KpiSpec<RateKey>[] = [
    { key: 'viewToCart', label: 'View → cart', value: fmtPct(k.viewToCart) },
    { key: 'cartToPurchase', label: 'Cart → purchase', value: fmtPct(k.cartToPurchase) },
    { key: 'conversion', label: 'Conversion (purchases / views)', value: fmtPct(k.conversion) },
  ];
  const TEST_IDS: Record<CountKey | RateKey, string> = {
    events: 'kpi-events',
    visitors: 'kpi-visitors',
    views: 'kpi-views',
    carts: 'kpi-carts',
    purchases: 'kpi-purchases',
    revenue: 'kpi-revenue',
    viewToCart: 'kpi-view-cart',
    cartToPurchase: 'kpi-cart-purchase',
    conversion: 'kpi-conversion',
  };
  const row = <K extends CountKey | RateKey>(specs: KpiSpec<K>[], change: (key: K) => number | null) => {
    const shown = specs.filter((x) => x.show !== false);
    return (
      <div className="kpi-row" style={{ gridTemplateColumns: `repeat(${shown.length}, minmax(0, 1fr))` }}>
        {shown.map((x) => (
          <Kpi
            key={x.key}
            testId={TEST_IDS[x.key]}
            label={x.label}
            color={x.color}
            value={x.value}
            delta={<Delta value={change(x.key)} />}
            title={x.note ? `${title ? `${title} · ` : ''}${x.note}` : title}
          />
        ))}
      </div>
    );
  };
  return (
    <div className="stack" style={{ gap: 12 }} data-testid="kpis">
      {row(counts, count)}
      {row(rates, rate)}
    </div>
  );
}

/** every calendar day of the range (days without data stay as gaps in the lines) */
export function calendarDays(range: Period): string[] {
  const out: string[] = [];
  for (let d = toDay(range.from); d <= toDay(range.to); d++)
    out.push(addDays(range.from, d - toDay(range.from)));
  return out;
}

function dailyOption(days: string[], daily: DayCounts[], period: Period | null, pal: Palette): EChartsOption {
  const by = new Map(daily.map((d) => [d.date, d]));
  const col = (k: 'views' | 'carts' | 'purchases') => days.map((d) => by.get(d)?.[k] ?? null);
  const mark =
    period && days.includes(period.from)
      ? {
          silent: true,
          itemStyle: { color: pal.accent, opacity: 0.1 },
          data: [[{ xAxis: period.from }, { xAxis: period.to }]],
        }
      : undefined;
  return {
    ...chartFrame(pal, { left: 56, right: 56, top: 48, bottom: 28 }),
    legend: legendStyle(pal, ['Views', 'Carts', 'Purchases']),
    tooltip: {
      trigger: 'axis',
      ...tooltipStyle(pal),
      valueFormatter: (v: unknown) => (v === null || v === undefined ? 'no data' : fmtInt(Number(v))),
    },
    toolbox: { show: false },
    brush: {
      toolbox: [],
      xAxisIndex: 0,
      brushType: 'lineX',
      brushMode: 'single',
      transformable: false,
      brushStyle: { color: 'rgba(99,102,241,0.15)', borderColor: pal.accent, borderWidth: 1 },
      throttleType: 'debounce',
      throttleDelay: 0,
      removeOnClick: true,
    },
    xAxis: timeAxis(pal, days),
    yAxis: [
      valueAxis(pal, { name: 'views', format: (v) => fmtCompact(v) }),
      valueAxis(pal, { name: 'carts · purchases', splitLine: false, format: (v) => fmtCompact(v) }),
    ],
    series: [
      {
        name: 'Views',
        type: 'line',
        data: col('views'),
        yAxisIndex: 0,
        showSymbol: false,
        symbol: 'circle', // the legend icon: a filled dot (the default empty circle is white-filled)
        lineStyle: { width: 1.8 },
        color: pal.views,
        connectNulls: false,
        markArea: mark,
      },
      {
        name: 'Carts',
        type: 'line',
        data: col('carts'),
        yAxisIndex: 1,
        showSymbol: false,
        symbol: 'circle', // the legend icon: a filled dot (the default empty circle is white-filled)
        lineStyle: { width: 1.8 },
        color: pal.carts,
      },
      {
        name: 'Purchases',
        type: 'line',
        data: col('purchases'),
        yAxisIndex: 1,
        showSymbol: false,
        symbol: 'circle', // the legend icon: a filled dot (the default empty circle is white-filled)
        lineStyle: { width: 1.8 },
        color: pal.purchases,
      },
    ],
  };
}

function DailyChart({ daily, range }: { daily: DayCounts[] | null; range: Period }) {
  const pal = usePalette();
  const period = useApp((s) => s.period);
  const setPeriod = useApp((s) => s.setPeriod);
  const days = useMemo(() => calendarDays(range), [range]);
  const option = useMemo(
    () => (daily ? dailyOption(days, daily, period, pal) : null),
    [days, daily, period, pal],
  );
  const onReady = useCallback((chart: ECharts) => {
    chart.dispatchAction({
      type: 'takeGlobalCursor',
      key: 'brush',
      brushOption: { brushType: 'lineX', brushMode: 'single' },
    });
  }, []);
  const events = useMemo(
    () => ({
      brushEnd: (params: unknown) => {
        const area = (params as { areas?: { coordRange?: [number, number] }[] }).areas?.[0];
        if (!area?.coordRange) return;
        const [a, b] = area.coordRange;
        const i0 = Math.max(0, Math.min(days.length - 1, Math.round(Math.min(a, b))));
        const i1 = Math.max(0, Math.min(days.length - 1, Math.round(Math.max(a, b))));
        setPeriod({ from: days[i0], to: days[i1] });
      },
    }),
    [days, setPeriod],
  );
  const quick = (n: number) => setPeriod({ from: addDays(range.to, -(n - 1)), to: range.to });
  return (
    <Card
      title="Daily funnel"
      hint="Drag across the chart to set the period for every view"
      actions={
        <div className="row" style={{ gap: 6 }}>
          <button className="btn small" type="button" onClick={() => quick(14)} data-testid="quick-14">
            Last 14 days
          </button>
          <button className="btn small" type="button" onClick={() => quick(28)}>
            Last 28 days
          </button>
          <button
            className="btn small ghost"
            type="button"
            onClick={() => setPeriod(null)}
            disabled={!period}
          >
            All dates
          </button>
        </div>
      }
      testId="daily-chart"
    >
      {option ? (
        <Chart
          name="overview-daily"
          option={option}
          height={300}
          onReady={onReady}
          events={events}
          ariaLabel="Daily views, carts and purchases"
        />
      ) : (
        <Skeleton height={300} />
      )}
    </Card>
  );
}

function breakdownOption(data: OverviewResult, pal: Palette): EChartsOption {
  const rows = data.breakdown.rows.slice(0, 12).reverse();
  return {
    ...chartFrame(pal, { left: 110, right: 60, top: 8, bottom: 8, containLabel: false }),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      ...tooltipStyle(pal),
      formatter: (ps: { dataIndex: number }[]) => {
        const r = rows[ps[0].dataIndex];
        return `<b>${displayValue(r.value)}</b><br/>Views ${fmtInt(r.views)} (${fmtPct(r.share)})<br/>Purchases ${fmtInt(r.purchases)}<br/>Conversion ${fmtPct(r.conversion)}`;
      },
    },
    xAxis: { type: 'value', show: false },
    yAxis: labelAxis(
      pal,
      rows.map((r) => displayValue(r.value)),
      100,
    ),
    series: [
      rankBars(
        pal,
        rows.map((r) => r.views),
        pal.views,
        (p) => fmtPct(rows[p.dataIndex].share, 1),
      ),
    ],
  };
}

function Breakdown({ data, loading }: { data: OverviewResult | null; loading: boolean }) {
  const pal = usePalette();
  const summary = useApp((s) => s.dataset.summary)!;
  const dimension = useApp((s) => s.overviewDimension);
  const setDimension = useApp((s) => s.setOverviewDimension);
  const segment = useApp((s) => s.segment);
  const setSegment = useApp((s) => s.setSegment);
  const option = useMemo(() => (data ? breakdownOption(data, pal) : null), [data, pal]);
  if (!summary.dimensions.length) return null;
  const rows = data?.breakdown.rows ?? [];
  const height = Math.max(120, Math.min(12, rows.length) * 30 + 16);
  return (
    <Card
      title="Breakdown"
      hint="Click a value to focus the overview on it"
      actions={
        <select
          className="select"
          value={dimension}
          onChange={(e) => setDimension(e.target.value)}
          aria-label="Breakdown dimension"
          data-testid="breakdown-dimension"
        >
          {summary.dimensions.map((d) => (
            <option key={d} value={d}>
              by {displayDimension(d)}
            </option>
          ))}
        </select>
      }
    >
      {!data ? (
        <SkeletonRows rows={5} />
      ) : rows.length === 0 ? (
        <Empty title="No events in this period">Choose a longer period or another segment.</Empty>
      ) : (
        <div className="grid-2" style={{ alignItems: 'start', opacity: loading ? 0.6 : 1 }}>
          <Chart name="overview-breakdown" option={option!} height={height} ariaLabel="Views by value" />
          <div className="table-wrap" style={{ maxHeight: 380 }}>
            <table className="data" data-testid="breakdown-table">
              <thead>
                <tr>
                  <th>{displayDimension(data.breakdown.dimension)}</th>
                  <th className="r">Views</th>
                  <th className="r">Purchases</th>
                  <th className="r">Conversion</th>
                  <th className="r" title="Conversion change vs the previous period">
                    vs prev.
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const ch =
                    r.conversion !== null && r.previousConversion
                      ? r.conversion / r.previousConversion - 1
                      : null;
                  const selected = segment[data.breakdown.dimension] === r.value;
                  return (
                    <tr
                      key={r.value}
                      className={`clickable ${selected ? 'selected' : ''}`}
                      onClick={() =>
                        setSegment(selected ? {} : { ...segment, [data.breakdown.dimension]: r.value })
                      }
                    >
                      <td>{displayValue(r.value)}</td>
                      <td className="r">{fmtInt(r.views)}</td>
                      <td className="r">{fmtInt(r.purchases)}</td>
                      <td className="r">{fmtPct(r.conversion)}</td>
                      <td className={`r ${ch !== null && ch < -0.1 ? 'tone-bad' : ''}`}>{fmtChange(ch)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Card>
  );
}
