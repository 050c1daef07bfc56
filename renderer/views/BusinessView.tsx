/**
 * 7 · Business: the daily business picture next to the incident hunt — brands, categories and price bands
 * (funnels, top by revenue, trends, underperformers, revenue opportunity), hourly anomalies per brand,
 * the session funnel, products (leaderboard, changed most between the comparison periods), customers (RFM)
 * and hot leads (CSV export).
 *
 * Data path: the host builds compact tables over the whole dataset with native DuckDB (`businessCube` op,
 * core/business-sql.ts BUSINESS_TABLES) once per dataset (and again after a reloaded cube); the worker keeps
 * them in DuckDB-WASM and computes each tab for the global period brush (renderer/worker/business.ts with
 * core/business.ts). Every tab goes through one hook, useBizAnalysis (renderer/lib/business-data.ts), and one
 * frame, TabState (skeleton, error, dimmed previous result while the brush moves). A tab whose columns the
 * dataset lacks is hidden with a "needs column …" note.
 */
import { Children, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useAnalysis, useApp } from '../app/context.js';
import { Chart, type ChartProps, type EChartsOption } from '../components/Chart.js';
import { DataTable, type Column } from '../components/DataTable.js';
import { Card, Empty, ErrorBox, Kpi, Segmented, Skeleton, SkeletonRows } from '../components/ui.js';
import {
  chartFrame,
  axisStyle,
  labelAxis,
  legendStyle,
  rankBars,
  timeAxis,
  tooltipStyle,
  valueAxis,
} from '../lib/chart-options.js';
import { download } from '../lib/download.js';
import { useBizAnalysis, useBizTables, type BizAnalysis } from '../lib/business-data.js';
import {
  displayDimension,
  displayValue,
  fmtCompact,
  fmtDate,
  fmtInt,
  fmtMoney,
  fmtPct,
  fmtPeriod,
  fmtPp,
} from '../lib/format.js';
import { usePalette } from '../lib/theme.js';
import { hotLeadsCsv, RFM_TIERS, type GroupFunnelRow, type HourlyIncident } from '../../core/business.js';
import type { GroupDimension } from '../../core/business-sql.js';
import type {
  BizGroupsResult,
  BizHourlyResult,
  BizLeadsResult,
  BizProductsResult,
  BizSessionsResult,
  BizCustomersResult,
  BusinessInfo,
  BusinessTab,
} from '../worker/protocol-business.js';
import { NoData } from './common.js';

// ---------------------------------------------------------------- the view

const TABS: { id: BusinessTab; label: string }[] = [
  { id: 'brands', label: 'Brands' },
  { id: 'categories', label: 'Categories' },
  { id: 'priceBands', label: 'Price bands' },
  { id: 'anomalies', label: 'Hourly anomalies' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'products', label: 'Products' },
  { id: 'customers', label: 'Customers' },
  { id: 'hotLeads', label: 'Hot leads' },
];

const GROUP_TAB: Partial<Record<BusinessTab, GroupDimension>> = {
  brands: 'brand',
  categories: 'category_root',
  priceBands: 'price_band',
};

export function BusinessView() {
  const summary = useApp((s) => s.dataset.summary);
  if (!summary) return <NoData />;
  return <BusinessMain />;
}

function BusinessMain() {
  const base = useBizTables(['availability', 'daily']);
  const info = useAnalysis('businessInfo', base.key ? { key: base.key } : null, 'bizinfo');
  const [tab, setTab] = useState<BusinessTab | null>(null);
  const period = useApp((s) => s.period);
  const range = useApp((s) => s.dataset.summary?.range ?? null);
  const data = info.data && info.data.key === base.key ? info.data : null;
  const shown = data ? TABS.filter((t) => data.views[t.id].needs.length === 0) : [];
  const hidden = data ? TABS.filter((t) => data.views[t.id].needs.length > 0) : [];
  const active = tab && shown.some((t) => t.id === tab) ? tab : (shown[0]?.id ?? null);
  const error = base.error ?? info.error;
  return (
    <div className="stack" data-testid="business" data-tab={active ?? ''}>
      {error && <ErrorBox title="The business views could not be loaded" message={error} />}
      <div className="row" style={{ justifyContent: 'space-between' }}>
        {data ? (
          <div className="segmented" role="tablist" aria-label="Business views" data-testid="biz-tabs">
            {shown.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={t.id === active}
                aria-pressed={t.id === active}
                data-testid={`biz-tab-${t.id}`}
                onClick={() => setTab(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
        ) : (
          <Skeleton height={32} width={620} />
        )}
        <span className="chip">
          Period <strong data-testid="biz-period">{fmtPeriod(period ?? range)}</strong>
        </span>
      </div>
      {hidden.length > 0 && data && (
        <div className="small muted" data-testid="biz-hidden">
          Not shown for this dataset:{' '}
          {hidden.map((t, i) => (
            <span key={t.id} title={data.views[t.id].reason} data-testid={`biz-hidden-${t.id}`}>
              {i > 0 && ' · '}
              <strong>{t.label}</strong> needs column {data.views[t.id].needs.join(', ')}
            </span>
          ))}
        </div>
      )}
      {data && active && base.key && <TabBody tab={active} info={data} />}
      {data && !active && (
        <Card>
          <Empty title="No business view fits this dataset">
            The dataset lacks the columns every business view needs.
          </Empty>
        </Card>
      )}
      {!data && !error && (
        <Card>
          <SkeletonRows rows={8} />
        </Card>
      )}
    </div>
  );
}

function TabBody({ tab, info }: { tab: BusinessTab; info: BusinessInfo }) {
  const dim = GROUP_TAB[tab];
  if (dim) return <GroupsTab key={dim} dimension={dim} info={info} />;
  switch (tab) {
    case 'anomalies':
      return <AnomaliesTab />;
    case 'sessions':
      return <SessionsTab info={info} />;
    case 'products':
      return <ProductsTab info={info} />;
    case 'customers':
      return <CustomersTab info={info} />;
    case 'hotLeads':
      return <LeadsTab info={info} />;
    default:
      return null;
  }
}

/** loading / error frame of every tab: children only once data is there, dimmed while a newer one runs */
function TabState<T>({
  res,
  testId,
  children,
}: {
  res: BizAnalysis<T>;
  testId: string;
  children: (data: T) => ReactNode;
}) {
  return (
    <div
      className="stack"
      data-testid={testId}
      data-version={res.version}
      data-loading={res.busy ? 'true' : 'false'}
    >
      {res.error && <ErrorBox title="This view could not be computed" message={res.error} />}
      {res.data ? (
        // dimmed while the next period computes, and when it failed (the numbers are the previous period's)
        <div className="stack" style={{ opacity: res.busy || res.error ? 0.6 : 1 }}>
          {children(res.data)}
        </div>
      ) : (
        !res.error && (
          <Card>
            <SkeletonRows rows={8} />
          </Card>
        )
      )}
    </div>
  );
}

// ---------------------------------------------------------------- shared bits

/** a row of KPI cards, one equal column per card shown (children that are false are left out) */
function KpiRow({ children, testId }: { children: ReactNode; testId?: string }) {
  const n = Children.toArray(children).length;
  return (
    <div
      className="kpi-row"
      style={{ gridTemplateColumns: `repeat(${n}, minmax(0, 1fr))` }}
      data-testid={testId}
    >
      {children}
    </div>
  );
}

/** the chart, or an empty state when there is nothing to draw */
function ChartOrEmpty({ show, empty, ...chart }: ChartProps & { show: boolean; empty: string }) {
  return show ? <Chart {...chart} /> : <Empty title={empty} />;
}

/** a small muted note under a chart or in place of an empty table */
function Note({ children, testId, below }: { children: ReactNode; testId?: string; below?: boolean }) {
  return (
    <p className="small muted" style={{ margin: below ? '4px 0 0' : 0 }} data-testid={testId}>
      {children}
    </p>
  );
}

const SERIES_COLORS = [
  '#4f7cff',
  '#8b5cf6',
  '#10b981',
  '#f59e0b',
  '#ef4444',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
  '#64748b',
  '#a16207',
];

const PLURAL: Record<GroupDimension, string> = {
  brand: 'brands',
  category_root: 'categories',
  price_band: 'price bands',
};

function label(dimension: GroupDimension, value: string): string {
  if (value === 'unknown') return 'unknown';
  return dimension === 'price_band' ? value.replace('-', '–').replace('<', '< ') : displayValue(value);
}

/** "+$1,234" for an opportunity, "—" without one */
const fmtOpportunity = (v: number | null) => (v === null ? '—' : `+${fmtMoney(v)}`);
/** a z score with a true minus sign, like the σ and pp columns */
const fmtZ = (z: number) => z.toFixed(1).replace('-', '−');
/** "20 Mar 2024 09:00" from an ISO timestamp */
const fmtDateHour = (iso: string) => `${fmtDate(iso.slice(0, 10))} ${iso.slice(11, 16)}`;

// ---------------------------------------------------------------- brands / categories / price bands

function GroupsTab({ dimension, info }: { dimension: GroupDimension; info: BusinessInfo }) {
  const [minViews, setMinViews] = useState(1000);
  const res = useBizAnalysis('businessGroups', ['groups'], { dimension, top: 10, minViews });
  return (
    <TabState res={res} testId="biz-groups">
      {(d) => <GroupsBody d={d} info={info} minViews={minViews} setMinViews={setMinViews} />}
    </TabState>
  );
}

function GroupsBody({
  d,
  info,
  minViews,
  setMinViews,
}: {
  d: BizGroupsResult;
  info: BusinessInfo;
  minViews: number;
  setMinViews: (n: number) => void;
}) {
  const pal = usePalette();
  const [topN, setTopN] = useState<'3' | '5' | '10'>('5');
  const [metric, setMetric] = useState<'revenue' | 'conversion'>(info.revenue ? 'revenue' : 'conversion');
  const name = displayDimension(d.dimension);
  const opportunity = d.rows.reduce((a, r) => a + (r.opportunity ?? 0), 0);
  const conv = d.totals.views > 0 ? d.totals.purchases / d.totals.views : null;
  const barOption = useMemo<EChartsOption>(() => {
    const rows = d.top.slice(0, 10).reverse();
    return {
      ...chartFrame(pal, { left: 120, right: 70, top: 8, bottom: 8 }),
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        ...tooltipStyle(pal),
        formatter: (ps: { dataIndex: number }[]) => {
          const r = rows[ps[0].dataIndex];
          return `<b>${label(d.dimension, r.value)}</b><br/>Revenue ${fmtMoney(r.revenue)} (${fmtPct(r.revenueShare)})<br/>Views ${fmtInt(r.views)} · Purchases ${fmtInt(r.purchases)}<br/>Conversion ${fmtPct(r.conversion)}`;
        },
      },
      xAxis: { type: 'value', show: false },
      yAxis: labelAxis(
        pal,
        rows.map((r) => label(d.dimension, r.value)),
        110,
      ),
      series: [
        rankBars(
          pal,
          rows.map((r) => (d.revenue ? r.revenue : r.views)),
          d.revenue ? pal.revenue : pal.views,
          (p) => fmtCompact(p.value),
        ),
      ],
    };
  }, [d, pal]);
  const trendOption = useMemo<EChartsOption>(() => {
    const series = d.trends.slice(0, Number(topN));
    const fmt = (v: number) => (metric === 'revenue' ? fmtMoney(v) : fmtPct(v));
    return {
      ...chartFrame(pal, { left: 56, right: 16, top: 36, bottom: 28 }),
      legend: { ...legendStyle(pal), type: 'scroll' },
      tooltip: {
        trigger: 'axis',
        ...tooltipStyle(pal),
        valueFormatter: (v: unknown) => (v === null || v === undefined ? '—' : fmt(Number(v))),
      },
      xAxis: timeAxis(pal, series[0]?.points.map((p) => p.date) ?? []),
      yAxis: valueAxis(pal, {
        format: (v) => (metric === 'revenue' ? fmtCompact(v) : fmtPct(v, 1)),
      }),
      series: series.map((s, i) => ({
        name: label(d.dimension, s.value),
        type: 'line',
        symbol: 'circle', // legend dot in the series colour (the default empty circle is white-filled)
        showSymbol: false,
        lineStyle: { width: 1.8 },
        color: SERIES_COLORS[i % SERIES_COLORS.length],
        data: s.points.map((p) => (metric === 'revenue' ? p.revenue : p.conversion)),
      })),
    };
  }, [d, pal, topN, metric]);
  const rev = d.revenue;
  const opportunityTitle = "+10 % conversion at unchanged views × the period's average order value";
  const valueCol: Column<GroupFunnelRow> = {
    head: name,
    cell: (r) => label(d.dimension, r.value),
    className: (r) => (r.value === 'unknown' ? 'muted' : ''),
  };
  const funnelCols: Column<GroupFunnelRow>[] = [
    valueCol,
    { head: 'Views', r: true, cell: (r) => fmtInt(r.views) },
    { head: 'Carts', r: true, cell: (r) => fmtInt(r.carts) },
    { head: 'Purchases', r: true, cell: (r) => fmtInt(r.purchases) },
    { head: 'Revenue', r: true, show: rev, cell: (r) => fmtMoney(r.revenue) },
    { head: 'Share', r: true, show: rev, cell: (r) => fmtPct(r.revenueShare, 1) },
    { head: 'View → cart', r: true, cell: (r) => fmtPct(r.cartRate) },
    { head: 'Cart → purchase', r: true, cell: (r) => fmtPct(r.checkoutRate) },
    { head: 'Conversion', r: true, cell: (r) => fmtPct(r.conversion) },
    {
      head: 'Opportunity',
      r: true,
      show: rev,
      title: opportunityTitle,
      cell: (r) => fmtOpportunity(r.opportunity),
    },
  ];
  const underCols: Column<GroupFunnelRow>[] = [
    { ...valueCol, className: undefined },
    { head: 'Views', r: true, cell: (r) => fmtInt(r.views) },
    { head: 'Purchases', r: true, cell: (r) => fmtInt(r.purchases) },
    { head: 'Conversion', r: true, className: 'tone-bad', cell: (r) => fmtPct(r.conversion) },
    {
      head: 'vs all traffic',
      r: true,
      cell: (r) => (r.conversion !== null && conv !== null ? fmtPp(r.conversion - conv) : '—'),
    },
    {
      head: 'Opportunity',
      r: true,
      show: rev,
      title: opportunityTitle,
      cell: (r) => fmtOpportunity(r.opportunity),
    },
  ];
  return (
    <>
      <KpiRow>
        {info.revenue && (
          <Kpi
            label="Revenue"
            color="var(--revenue)"
            value={fmtMoney(d.totals.revenue)}
            testId="biz-kpi-revenue"
          />
        )}
        <Kpi label="Views" color="var(--views)" value={fmtInt(d.totals.views)} testId="biz-kpi-views" />
        <Kpi label="Conversion" value={fmtPct(conv)} title="purchases / views" testId="biz-kpi-conversion" />
        {info.revenue && <Kpi label="Average order value" value={fmtMoney(d.aov)} testId="biz-kpi-aov" />}
        <Kpi
          label={info.revenue ? '+10 % conversion adds' : `${name} values`}
          value={info.revenue ? `+${fmtMoney(opportunity)}` : fmtInt(d.rows.length)}
          title="Σ over every value: 10 % more purchases at unchanged views × the period's average order value"
          testId="biz-kpi-opportunity"
        />
      </KpiRow>
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <Card title={`Top ${PLURAL[d.dimension]} by ${rev ? 'revenue' : 'views'}`} hint={fmtPeriod(d.period)}>
          <ChartOrEmpty
            show={d.top.length > 0}
            empty="No events in this period"
            name={`biz-top-${d.dimension}`}
            option={barOption}
            height={318}
            ariaLabel={`Top ${name} values`}
          />
        </Card>
        <Card
          title={`Daily ${metric === 'revenue' ? 'revenue' : 'conversion'} · top ${topN}`}
          hint={fmtPeriod(d.period)}
        >
          <div className="row" style={{ gap: 6, marginBottom: 4 }}>
            {info.revenue && (
              <Segmented
                label="Trend metric"
                value={metric}
                onChange={setMetric}
                options={[
                  { value: 'revenue', label: 'Revenue' },
                  { value: 'conversion', label: 'Conversion' },
                ]}
              />
            )}
            <span className="spacer" style={{ flex: 1 }} />
            <span className="small muted">Top</span>
            <Segmented
              label="Top N"
              value={topN}
              onChange={setTopN}
              options={[
                { value: '3', label: '3' },
                { value: '5', label: '5' },
                { value: '10', label: '10' },
              ]}
            />
          </div>
          <ChartOrEmpty
            show={d.trends.length > 0}
            empty="No trend in this period"
            name={`biz-trend-${d.dimension}`}
            option={trendOption}
            height={280}
            ariaLabel="Daily trends of the top values"
          />
        </Card>
      </div>
      <Card
        title={`Funnel per ${name.toLowerCase()}`}
        hint={`${fmtInt(d.rows.length)} values · sorted by ${rev ? 'revenue' : 'revenue, then views'}`}
      >
        <DataTable
          rows={d.rows.slice(0, 200)}
          columns={funnelCols}
          rowKey={(r) => r.value}
          rowProps={(r) => ({ 'data-value': r.value })}
          maxHeight={420}
          testId="biz-group-table"
        />
      </Card>
      <Card
        title="Underperformers"
        hint={
          d.underperformers.q1 === null
            ? `no ${name.toLowerCase()} has ≥ ${fmtInt(minViews)} views in this period`
            : `bottom quartile of conversion (≤ ${fmtPct(d.underperformers.q1)}) among the ${fmtInt(d.underperformers.eligible)} with ≥ ${fmtInt(minViews)} views`
        }
        actions={
          <Segmented
            label="Minimum views"
            value={String(minViews)}
            onChange={(v) => setMinViews(Number(v))}
            options={[
              { value: '100', label: '≥ 100 views' },
              { value: '1000', label: '≥ 1,000' },
              { value: '10000', label: '≥ 10,000' },
            ]}
          />
        }
        testId="biz-underperformers"
      >
        {d.underperformers.rows.length ? (
          <DataTable
            rows={d.underperformers.rows}
            columns={underCols}
            rowKey={(r) => r.value}
            maxHeight={300}
          />
        ) : (
          <Note>Nothing to flag: lower the minimum views or choose a longer period.</Note>
        )}
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- hourly anomalies per brand

function AnomaliesTab() {
  const [brand, setBrand] = useState<string | null>(null);
  const res = useBizAnalysis('businessHourly', ['hourly'], { top: 20, value: brand });
  return (
    <TabState res={res} testId="biz-anomalies">
      {(d) => <AnomaliesBody d={d} brand={brand} setBrand={setBrand} />}
    </TabState>
  );
}

function AnomaliesBody({
  d,
  brand,
  setBrand,
}: {
  d: BizHourlyResult;
  brand: string | null;
  setBrand: (b: string) => void;
}) {
  const pal = usePalette();
  // default brand: the one with the most incidents, else the first watched
  const counts = new Map<string, number>();
  for (const i of d.incidents) counts.set(i.value, (counts.get(i.value) ?? 0) + 1);
  const fallback = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? d.values[0] ?? null;
  const current = brand && d.values.includes(brand) ? brand : fallback;
  useEffect(() => {
    if (current && current !== brand) setBrand(current);
  }, [current, brand, setBrand]);
  const series = d.series.filter((r) => r.value === current);
  const markers = d.markers.filter((m) => m.value === current);
  const incidents = d.incidents.filter((i) => i.value === current);
  const option = useMemo<EChartsOption>(() => {
    const times = series.map((r) => `${r.date}T${String(r.hour).padStart(2, '0')}:00Z`);
    const idx = new Map(times.map((x, i) => [x, i]));
    // markers sit on the views line (a conversion marker too: it flags the hour, views are the scale)
    const points = markers
      .filter((m) => idx.has(m.time))
      .map((m) => ({
        value: [m.time, series[idx.get(m.time)!].views],
        itemStyle: { color: m.direction === 'drop' ? pal.bad : pal.ok },
        m,
      }));
    const scatter = (name: 'Drop' | 'Spike', direction: 'drop' | 'spike', color: string) => ({
      name,
      type: 'scatter',
      symbolSize: 9,
      color,
      data: points.filter((x) => x.m.direction === direction),
      z: 5,
    });
    return {
      ...chartFrame(pal, { left: 56, right: 56, top: 48, bottom: 28 }),
      legend: legendStyle(pal, ['Views', 'Purchases', 'Drop', 'Spike']),
      tooltip: { trigger: 'axis', ...tooltipStyle(pal) },
      xAxis: timeAxis(pal, times, { format: (x) => `${fmtDate(x.slice(0, 10), false)} ${x.slice(11, 16)}` }),
      yAxis: [
        valueAxis(pal, { name: 'views / hour' }),
        valueAxis(pal, { name: 'purchases / hour', splitLine: false }),
      ],
      series: [
        {
          name: 'Views',
          type: 'line',
          symbol: 'circle',
          showSymbol: false,
          color: pal.views,
          lineStyle: { width: 1.4 },
          data: series.map((r) => r.views),
          markArea: {
            silent: true,
            // the incident's hours shaded (stronger on the dark surface, where 10 % hardly shows)
            itemStyle: { color: pal.bad, opacity: pal.scheme === 'dark' ? 0.22 : 0.1 },
            data: incidents
              .filter((i) => idx.has(i.start) && idx.has(i.end))
              .map((i) => [{ xAxis: i.start }, { xAxis: i.end }]),
          },
        },
        {
          name: 'Purchases',
          type: 'line',
          symbol: 'circle',
          yAxisIndex: 1,
          showSymbol: false,
          color: pal.purchases,
          lineStyle: { width: 1, opacity: 0.55 },
          data: series.map((r) => r.purchases),
        },
        { ...scatter('Drop', 'drop', pal.bad), tooltip: { trigger: 'item' } },
        scatter('Spike', 'spike', pal.ok),
      ],
    };
  }, [series, markers, incidents, pal]);
  const incidentCols: Column<HourlyIncident>[] = [
    { head: 'Brand', cell: (i) => displayValue(i.value) },
    { head: 'Metric', cell: (i) => (i.metric === 'views' ? 'Views' : 'Conversion') },
    {
      head: 'Direction',
      className: (i) => (i.direction === 'drop' ? 'tone-bad' : 'tone-good'),
      cell: (i) => (i.direction === 'drop' ? '▼ drop' : '▲ spike'),
    },
    { head: 'From', cell: (i) => fmtDateHour(i.start) },
    { head: 'To', cell: (i) => fmtDateHour(i.end) },
    { head: 'Hours', r: true, cell: (i) => fmtInt(i.hours) },
    {
      head: 'Observed',
      r: true,
      cell: (i) => (i.metric === 'views' ? fmtInt(i.observed) : fmtPct(i.observed)),
    },
    {
      head: 'Expected',
      r: true,
      cell: (i) => (i.metric === 'views' ? fmtInt(i.expected) : fmtPct(i.expected)),
    },
    { head: 'Worst z', r: true, cell: (i) => fmtZ(i.worstZ) },
  ];
  return (
    <>
      <Card
        title="Incidents"
        hint={`${fmtInt(d.incidents.length)} in ${fmtPeriod(d.period)} · ${d.values.length} brands watched (top by views) · causal baseline of the previous ${d.settings.historyDays} days, |z| ≥ ${d.settings.zThreshold}`}
        testId="biz-incidents"
      >
        {d.incidents.length ? (
          <DataTable
            rows={d.incidents}
            columns={incidentCols}
            rowKey={(i) => `${i.value}|${i.metric}|${i.start}`}
            rowProps={(i) => ({
              className: `clickable ${i.value === current ? 'selected' : ''}`,
              onClick: () => setBrand(i.value),
              'data-brand': i.value,
            })}
            maxHeight={260}
          />
        ) : (
          <Note testId="biz-no-incidents">
            No hourly drop or spike passed the traffic gate and |z| ≥ {d.settings.zThreshold} in this period.
          </Note>
        )}
      </Card>
      <Card
        title={current ? `${displayValue(current)} · hourly` : 'Hourly series'}
        hint="markers: anomalous hours (red drop, green spike)"
        actions={
          <select
            className="select"
            value={current ?? ''}
            onChange={(e) => setBrand(e.target.value)}
            aria-label="Brand"
            data-testid="biz-brand"
          >
            {d.values.map((v) => (
              <option key={v} value={v}>
                {displayValue(v)}
                {counts.get(v) ? ` (${counts.get(v)})` : ''}
              </option>
            ))}
          </select>
        }
      >
        <ChartOrEmpty
          show={series.length > 0}
          empty="No hourly data for this brand in this period"
          name="biz-hourly"
          option={option}
          height={300}
          ariaLabel="Hourly views and purchases with anomaly markers"
        />
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- sessions

function SessionsTab({ info }: { info: BusinessInfo }) {
  const res = useBizAnalysis('businessSessions', ['sessions'], {});
  return (
    <TabState res={res} testId="biz-sessions">
      {(d) => <SessionsBody d={d} info={info} />}
    </TabState>
  );
}

const STEP_LABEL: Record<string, string> = {
  visited: 'Visited',
  viewed: 'Viewed a product',
  carted: 'Added to cart',
  purchased: 'Purchased',
};

function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}

function SessionsBody({ d, info }: { d: BizSessionsResult; info: BusinessInfo }) {
  const pal = usePalette();
  const f = d.funnel;
  const max = f.steps[0]?.reached || 1;
  const option = useMemo<EChartsOption>(
    () => ({
      ...chartFrame(pal, { left: 56, right: 56, top: 48, bottom: 28 }),
      legend: legendStyle(pal),
      tooltip: { trigger: 'axis', ...tooltipStyle(pal) },
      xAxis: timeAxis(
        pal,
        d.daily.map((r) => r.date),
        { boundaryGap: true },
      ),
      yAxis: [
        valueAxis(pal, { name: 'sessions', format: (v) => fmtCompact(v) }),
        valueAxis(pal, {
          name: 'cart abandonment',
          min: 0,
          max: 1,
          splitLine: false,
          format: (v) => fmtPct(v, 0),
        }),
      ],
      series: [
        {
          name: 'Sessions',
          type: 'bar',
          color: pal.views,
          barMaxWidth: 14,
          data: d.daily.map((r) => r.sessions),
        },
        {
          name: 'Cart abandonment',
          type: 'line',
          symbol: 'circle',
          yAxisIndex: 1,
          showSymbol: false,
          color: pal.carts,
          data: d.daily.map((r) => (r.with_cart > 0 ? 1 - r.cart_and_purchase / r.with_cart : null)),
          tooltip: { valueFormatter: (v: unknown) => (v === null ? '—' : fmtPct(Number(v))) },
        },
      ],
    }),
    [d, pal],
  );
  const k = d.kpis;
  const kpiRows: [string, string][] = [
    ['Conversion (purchases / views)', fmtPct(k.conversion)],
    ['Cart rate (carts / views)', fmtPct(k.cartRate)],
    ['Checkout rate (purchases / carts)', fmtPct(k.checkoutRate)],
    ['Abandonment (sessions)', fmtPct(k.abandonment)],
    ['Average order value', info.revenue ? fmtMoney(k.aov) : '— (no price)'],
    ['Orders', fmtInt(k.orders)],
  ];
  return (
    <>
      <KpiRow>
        <Kpi label="Sessions" value={fmtInt(f.sessions)} testId="biz-kpi-sessions" />
        <Kpi
          label="Cart abandonment"
          value={fmtPct(f.cartAbandonment)}
          title="1 − sessions with a cart and a purchase / sessions with a cart"
          testId="biz-kpi-abandonment"
        />
        <Kpi
          label="Avg session duration"
          value={fmtSeconds(f.avgDurationSeconds)}
          testId="biz-kpi-duration"
        />
        <Kpi
          label="Pages per session"
          value={f.pagesPerSession === null ? '—' : f.pagesPerSession.toFixed(2)}
          testId="biz-kpi-pages"
        />
        <Kpi
          label={info.revenue ? 'Revenue per visitor-day' : 'Visitor-days'}
          value={info.revenue ? fmtMoney(k.revenuePerVisitor) : fmtInt(k.visitors)}
          testId="biz-kpi-rpv"
        />
      </KpiRow>
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <Card
          title="Session funnel"
          hint={
            d.mode === 'column'
              ? 'sessions from the data’s session id'
              : 'derived: 30 min idle starts a new one'
          }
          testId="biz-session-funnel"
        >
          <div className="stack" style={{ gap: 10 }}>
            {f.steps.map((s) => (
              <div key={s.step} data-step={s.step}>
                <div className="row" style={{ justifyContent: 'space-between' }}>
                  <span>{STEP_LABEL[s.step]}</span>
                  <span className="small">
                    <strong className="num" data-testid={`biz-step-${s.step}`}>
                      {fmtInt(s.reached)}
                    </strong>
                    <span className="muted"> · {fmtPct(s.reached / max)} of sessions</span>
                    {s.dropOff !== null &&
                      (s.dropOff >= 0.00005 ? (
                        <span className="tone-bad"> · −{fmtPct(s.dropOff)} drop-off</span>
                      ) : (
                        <span className="muted"> · no drop-off</span>
                      ))}
                  </span>
                </div>
                <div style={{ height: 10, background: 'var(--surface-2)', borderRadius: 5, marginTop: 4 }}>
                  <div
                    style={{
                      width: `${Math.max(0.5, (100 * s.reached) / max)}%`,
                      height: '100%',
                      borderRadius: 5,
                      background:
                        s.step === 'purchased'
                          ? 'var(--purchases)'
                          : s.step === 'carted'
                            ? 'var(--carts)'
                            : 'var(--views)',
                    }}
                  />
                </div>
              </div>
            ))}
          </div>
        </Card>
        <Card title="KPIs of the period" hint="events, duplicates removed">
          <table className="data" data-testid="biz-daily-kpis">
            <tbody>
              {kpiRows.map(([name, value]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td className="r">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
      <Card title="Sessions per day and cart abandonment">
        <ChartOrEmpty
          show={d.daily.length > 0}
          empty="No sessions in this period"
          name="biz-sessions-daily"
          option={option}
          height={260}
          ariaLabel="Sessions per day and cart abandonment"
        />
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- products

function ProductsTab({ info }: { info: BusinessInfo }) {
  const comparison = useApp((s) => s.comparison);
  const [orderBy, setOrderBy] = useState<'revenue' | 'units'>('revenue');
  const compare = comparison ? { baseline: comparison.baseline, incident: comparison.incident } : null;
  const res = useBizAnalysis('businessProducts', ['products'], {
    compare,
    orderBy,
    limit: 100,
    minViews: 100,
  });
  return (
    <TabState res={res} testId="biz-products">
      {(d) => <ProductsBody d={d} info={info} orderBy={orderBy} setOrderBy={setOrderBy} />}
    </TabState>
  );
}

function ProductsBody({
  d,
  info,
  orderBy,
  setOrderBy,
}: {
  d: BizProductsResult;
  info: BusinessInfo;
  orderBy: 'revenue' | 'units';
  setOrderBy: (o: 'revenue' | 'units') => void;
}) {
  type Leader = BizProductsResult['leaderboard'][number];
  type Change = NonNullable<BizProductsResult['changed']>['rows'][number];
  const attrs = [...new Set(d.leaderboard.flatMap((r) => Object.keys(r.attributes)))];
  /** the product id, then one column per product attribute the data has (brand, category …) */
  const productCols = <R extends { itemId: string; attributes: Record<string, string | null> }>(
    clip: boolean,
  ): Column<R>[] => [
    { head: 'Product', className: 'num', cell: (r) => r.itemId },
    ...attrs.map((a): Column<R> => ({
      head: displayDimension(a),
      className: clip ? 'clip' : undefined,
      cell: (r) => r.attributes[a] ?? <span className="muted">—</span>,
    })),
  ];
  const leaderCols: Column<Leader>[] = [
    { head: '#', r: true, className: 'muted', cell: (_, i) => i + 1 },
    ...productCols<Leader>(true),
    { head: 'Views', r: true, cell: (r) => fmtInt(r.views) },
    { head: 'Carts', r: true, cell: (r) => fmtInt(r.carts) },
    { head: 'Purchases', r: true, cell: (r) => fmtInt(r.purchases) },
    { head: 'Units', r: true, cell: (r) => fmtInt(r.units) },
    { head: 'Revenue', r: true, show: info.revenue, cell: (r) => fmtMoney(r.revenue) },
    { head: 'View → cart', r: true, cell: (r) => fmtPct(r.cartRate) },
    { head: 'Cart → purchase', r: true, cell: (r) => fmtPct(r.checkoutRate) },
  ];
  const changeCols: Column<Change>[] = [
    ...productCols<Change>(true),
    { head: 'Views before', r: true, cell: (r) => fmtInt(r.viewsA) },
    { head: 'Conv. before', r: true, cell: (r) => fmtPct(r.conversionA) },
    { head: 'Views after', r: true, cell: (r) => fmtInt(r.viewsB) },
    { head: 'Conv. after', r: true, cell: (r) => fmtPct(r.conversionB) },
    {
      head: 'Change',
      r: true,
      className: (r) => (r.change < 0 ? 'tone-bad' : 'tone-good'),
      cell: (r) => fmtPp(r.change),
    },
    { head: 'z', r: true, cell: (r) => fmtZ(r.z) },
  ];
  return (
    <>
      <Card
        title="Product leaderboard"
        hint={`top ${d.leaderboard.length} by ${info.revenue ? orderBy : orderBy === 'revenue' ? 'views (no price in the data)' : 'units'} · ${fmtPeriod(d.period)}`}
        actions={
          <Segmented
            label="Rank by"
            value={orderBy}
            onChange={setOrderBy}
            options={[
              { value: 'revenue', label: info.revenue ? 'Revenue' : 'Views' },
              { value: 'units', label: 'Units' },
            ]}
          />
        }
        testId="biz-leaderboard"
      >
        <DataTable
          rows={d.leaderboard}
          columns={leaderCols}
          rowKey={(r) => r.itemId}
          rowProps={(r) => ({ 'data-item': r.itemId })}
          maxHeight={380}
        />
      </Card>
      <Card
        title="Conversion changed most"
        hint={
          d.changed
            ? `${fmtPeriod(d.changed.baseline)} → ${fmtPeriod(d.changed.incident)} · ≥ ${fmtInt(d.changed.minViews)} views in both · by |z|`
            : 'needs a comparison (brush or Funnel comparison view)'
        }
        testId="biz-changed"
      >
        {d.changed && d.changed.rows.length ? (
          <DataTable
            rows={d.changed.rows}
            columns={changeCols}
            rowKey={(r) => r.itemId}
            rowProps={(r) => ({ 'data-item': r.itemId })}
            maxHeight={340}
          />
        ) : (
          <Note>
            {d.changed ? 'No product has enough views in both periods.' : 'No comparison periods set.'}
          </Note>
        )}
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- customers (RFM)

function CustomersTab({ info }: { info: BusinessInfo }) {
  const res = useBizAnalysis('businessCustomers', ['orders'], { limit: 50 });
  return (
    <TabState res={res} testId="biz-customers">
      {(d) => <CustomersBody d={d} info={info} />}
    </TabState>
  );
}

const TIER_COLOR: Record<string, string> = {
  Champion: '#10b981',
  Loyal: '#4f7cff',
  Potential: '#8b5cf6',
  'At risk': '#f59e0b',
  Lost: '#9aa3b2',
};

function CustomersBody({ d, info }: { d: BizCustomersResult; info: BusinessInfo }) {
  const pal = usePalette();
  const heat = useMemo<EChartsOption>(() => {
    const maxC = Math.max(1, ...d.heatmap.map((c) => c.customers));
    const scoreAxis = (name: string, nameGap: number, data: string[]) => ({
      type: 'category',
      name,
      nameLocation: 'middle',
      nameGap,
      nameTextStyle: { color: pal.text3, fontSize: 11 },
      data,
      ...axisStyle(pal),
      splitLine: { show: false },
    });
    return {
      ...chartFrame(pal, { left: 70, right: 16, top: 10, bottom: 56 }),
      tooltip: {
        ...tooltipStyle(pal),
        formatter: (p: { data: [number, number, number] }) => {
          const c = d.heatmap.find((x) => x.f === p.data[0] + 1 && x.r === p.data[1] + 1)!;
          return `R ${c.r} × F ${c.f}<br/>${fmtInt(c.customers)} customers${info.revenue ? `<br/>Revenue ${fmtMoney(c.revenue)}` : ''}`;
        },
      },
      xAxis: scoreAxis('Frequency score', 28, ['F1', 'F2', 'F3', 'F4', 'F5']),
      yAxis: scoreAxis('Recency score', 44, ['R1', 'R2', 'R3', 'R4', 'R5']),
      visualMap: {
        show: false,
        min: 0,
        max: maxC,
        inRange: { color: [pal.surface2, pal.accent] },
      },
      series: [
        {
          type: 'heatmap',
          data: d.heatmap.map((c) => [c.f - 1, c.r - 1, c.customers]),
          label: {
            show: true,
            fontSize: 11,
            formatter: (p: { data: [number, number, number] }) => (p.data[2] ? fmtCompact(p.data[2]) : ''),
          },
          itemStyle: { borderColor: pal.surface, borderWidth: 2 },
        },
      ],
    };
  }, [d, pal, info.revenue]);
  const bars = useMemo<EChartsOption>(() => {
    const tiers = [...d.tiers].reverse();
    const bar = (name: string, color: string, data: (number | null)[]) => ({
      name,
      type: 'bar',
      color,
      barMaxWidth: 12,
      data: data.map((v) => v ?? 0),
    });
    return {
      ...chartFrame(pal, { left: 70, right: 16, top: 30, bottom: 24 }),
      legend: legendStyle(pal),
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        ...tooltipStyle(pal),
        valueFormatter: (v: unknown) => fmtPct(Number(v)),
      },
      xAxis: valueAxis(pal, { format: (v) => fmtPct(v, 0) }),
      yAxis: {
        type: 'category',
        data: [...RFM_TIERS].reverse(),
        ...axisStyle(pal),
        splitLine: { show: false },
        axisLabel: { color: pal.text2, fontSize: 12 },
      },
      series: [
        bar(
          'Customers',
          pal.views,
          tiers.map((t) => t.share),
        ),
        ...(info.revenue
          ? [
              bar(
                'Revenue',
                pal.revenue,
                tiers.map((t) => t.revenueShare),
              ),
            ]
          : []),
      ],
    };
  }, [d, pal, info.revenue]);
  type Customer = BizCustomersResult['topCustomers'][number];
  const customerCols: Column<Customer>[] = [
    { head: 'Visitor', className: 'num', cell: (c) => c.visitorId },
    {
      head: 'Tier',
      cell: (c) => (
        <>
          <span className="dot" style={{ background: TIER_COLOR[c.tier] }} />
          {c.tier}
        </>
      ),
    },
    { head: 'Days since purchase', r: true, cell: (c) => fmtInt(c.recencyDays) },
    { head: 'Orders', r: true, cell: (c) => fmtInt(c.frequency) },
    { head: 'Revenue', r: true, show: info.revenue, cell: (c) => fmtMoney(c.monetary) },
    { head: 'R', r: true, cell: (c) => c.r },
    { head: 'F', r: true, cell: (c) => c.f },
    { head: 'M', r: true, cell: (c) => c.m },
  ];
  if (!d.customers)
    return (
      <Card>
        <Empty title="No buyers in this period">RFM scores need at least one purchase.</Empty>
      </Card>
    );
  return (
    <>
      <KpiRow testId="biz-tiers">
        {d.tiers.map((t) => (
          <div
            className="kpi"
            key={t.tier}
            data-testid={`biz-tier-${t.tier.replace(' ', '-').toLowerCase()}`}
          >
            <div className="kpi-label">
              <span className="dot" style={{ background: TIER_COLOR[t.tier] }} />
              {t.tier}
            </div>
            <div className="kpi-value">{fmtInt(t.customers)}</div>
            <div className="small muted" style={{ marginTop: 2 }}>
              {fmtPct(t.share, 1)} of buyers
            </div>
            {info.revenue && <div className="small muted">{fmtPct(t.revenueShare, 1)} of revenue</div>}
          </div>
        ))}
      </KpiRow>
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <Card title="R × F heatmap" hint={`${fmtInt(d.customers)} buyers`}>
          <Chart
            name="biz-rfm-heatmap"
            option={heat}
            height={300}
            ariaLabel="Recency by frequency heatmap of customers"
          />
          <Note below>
            Quintile scores among the period&apos;s buyers, 5 = best; recency measured to{' '}
            {fmtDate(d.asOf.slice(0, 10))} 00:00 UTC.
          </Note>
        </Card>
        <Card title="Tier sizes and revenue share" hint="% of buyers vs % of revenue">
          <Chart name="biz-rfm-tiers" option={bars} height={300} ariaLabel="Tier sizes and revenue share" />
          <Note below>
            Champion R ≥ 4, F ≥ 4 · Loyal R ≥ 3, F ≥ 3 · Potential R ≥ 3 · At risk R ≤ 2, F ≥ 3 · Lost: the
            rest
          </Note>
        </Card>
      </div>
      <Card title="Best customers" hint="by R + F + M, then revenue">
        <DataTable
          rows={d.topCustomers}
          columns={customerCols}
          rowKey={(c) => c.visitorId}
          maxHeight={320}
          testId="biz-customers-table"
        />
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- hot leads

function LeadsTab({ info }: { info: BusinessInfo }) {
  const [windowDays, setWindowDays] = useState(7);
  const res = useBizAnalysis('businessLeads', ['orders', 'carts'], { windowDays });
  return (
    <TabState res={res} testId="biz-leads">
      {(d) => <LeadsBody d={d} info={info} windowDays={windowDays} setWindowDays={setWindowDays} />}
    </TabState>
  );
}

const SHOWN_LEADS = 200;

function LeadsBody({
  d,
  info,
  windowDays,
  setWindowDays,
}: {
  d: BizLeadsResult;
  info: BusinessInfo;
  windowDays: number;
  setWindowDays: (n: number) => void;
}) {
  const fileName = `funnelscope-hot-leads-${d.window.from}_${d.window.to}.csv`;
  const totalValue = d.leads.reduce((a, l) => a + (l.cartValue ?? 0), 0);
  type Lead = BizLeadsResult['leads'][number];
  const leadCols: Column<Lead>[] = [
    { head: '#', r: true, className: 'muted', cell: (_, i) => i + 1 },
    { head: 'Visitor', className: 'num', cell: (l) => l.visitorId },
    {
      head: 'Score',
      r: true,
      cell: (l) => (
        <div className="bar-cell" style={{ justifyContent: 'flex-end', minWidth: 110 }}>
          <div
            className="bar"
            style={{ width: `${Math.round(l.score * 0.6)}px`, background: 'var(--accent)' }}
          />
          <strong>{l.score.toFixed(1)}</strong>
        </div>
      ),
    },
    {
      head: 'Recency',
      r: true,
      title: '1 − days since the last cart / window days',
      cell: (l) => fmtPct(l.components.recency, 0),
    },
    {
      head: 'Cart value',
      r: true,
      show: info.revenue,
      title: 'percentile of the cart value among all leads',
      cell: (l) => (
        <>
          {fmtMoney(l.cartValue)}{' '}
          <span className="muted small">p{Math.round((l.components.cartValue ?? 0) * 100)}</span>
        </>
      ),
    },
    {
      head: 'Past orders',
      r: true,
      title: 'orders before the window, capped at 3',
      cell: (l) => fmtInt(l.pastOrders),
    },
    { head: 'Last cart', cell: (l) => fmtDateHour(l.lastCart) },
    { head: 'Carts', r: true, cell: (l) => fmtInt(l.carts) },
    { head: 'Items', r: true, cell: (l) => fmtInt(l.items) },
  ];
  return (
    <>
      <KpiRow>
        <Kpi label="Hot leads" value={fmtInt(d.total)} testId="biz-kpi-leads" />
        {info.revenue && (
          <Kpi
            label="Value in their carts"
            color="var(--revenue)"
            value={fmtMoney(totalValue)}
            testId="biz-kpi-lead-value"
          />
        )}
        <Kpi label="Lead window" value={fmtPeriod(d.window)} testId="biz-kpi-window" />
      </KpiRow>
      <Card
        title="Hot leads"
        hint={`cart in the last ${d.windowDays} days, no purchase`}
        actions={
          <div className="row" style={{ gap: 6, flexWrap: 'nowrap' }}>
            <Segmented
              label="Lead window"
              value={String(windowDays)}
              onChange={(v) => setWindowDays(Number(v))}
              options={[
                { value: '3', label: '3 days' },
                { value: '7', label: '7 days' },
                { value: '14', label: '14 days' },
                { value: '30', label: '30 days' },
              ]}
            />
            <button
              type="button"
              className="btn small"
              data-testid="biz-leads-csv"
              disabled={!d.leads.length}
              title={`All ${fmtInt(d.total)} leads with every score component as CSV`}
              onClick={() => download(fileName, hotLeadsCsv(d.leads), 'text/csv;charset=utf-8')}
            >
              Export CSV
            </button>
          </div>
        }
        testId="biz-leads-card"
      >
        <p className="small muted" style={{ margin: '0 0 8px' }} data-testid="biz-leads-formula">
          Score = 100 × (0.5 · recency
          {info.revenue ? ' + 0.3 · cart-value percentile' : ''} + 0.2 · past orders (capped at 3) / 3)
          {info.revenue ? '' : ' / 0.7 — no price in the data, so the cart value is left out'}; recency = 1 −
          days since the last cart / {d.windowDays}.
        </p>
        {d.leads.length ? (
          <>
            <DataTable
              rows={d.leads.slice(0, SHOWN_LEADS)}
              columns={leadCols}
              rowKey={(l) => l.visitorId}
              rowProps={(l) => ({ 'data-visitor': l.visitorId })}
              maxHeight={460}
              testId="biz-leads-table"
            />
            {d.leads.length > SHOWN_LEADS && (
              <p className="small muted" style={{ margin: '8px 0 0' }}>
                Showing the top {SHOWN_LEADS} of {fmtInt(d.leads.length)}; the CSV holds all of them.
              </p>
            )}
          </>
        ) : (
          <Empty title="No hot leads">
            Nobody added to cart without purchasing in the last {d.windowDays} days of this period.
          </Empty>
        )}
      </Card>
    </>
  );
}
