/**
 * 7 · Business: the daily business picture next to the incident hunt — brands, categories and price bands
 * (funnels, top by revenue, trends, underperformers, revenue opportunity), hourly anomalies per brand,
 * the session funnel, products (leaderboard, changed most between the comparison periods), customers (RFM)
 * and hot leads (CSV export).
 *
 * Data path: the host builds compact tables over the whole dataset with native DuckDB (`businessCube` op,
 * core/business-sql.ts BUSINESS_TABLES) once per dataset (and again after a reloaded cube); the worker keeps
 * them in DuckDB-WASM and computes each tab for the global period brush (renderer/worker/business.ts with
 * core/business.ts). A tab whose columns the dataset lacks is hidden with a "needs column …" note.
 */
import { useEffect, useMemo, useState } from 'react';
import { useAnalysis, useApp, useServices } from '../app/context.js';
import { Chart, type EChartsOption } from '../components/Chart.js';
import { Card, Empty, ErrorBox, Kpi, Segmented, Skeleton, SkeletonRows } from '../components/ui.js';
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
import { usePalette, type Palette } from '../lib/theme.js';
import { hotLeadsCsv, RFM_TIERS, type GroupFunnelRow } from '../../core/business.js';
import type { BusinessTable, GroupDimension } from '../../core/business-sql.js';
import type { CubeSummary } from '../worker/protocol.js';
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

// ---------------------------------------------------------------- tables: host → worker, once per dataset

const summaryIds = new WeakMap<CubeSummary, number>();
let nextSummaryId = 1;
/** a key per loaded cube: a new dataset or a reloaded cube gives a new key (the worker then drops its tables) */
function datasetKey(datasetId: string, summary: CubeSummary): string {
  let id = summaryIds.get(summary);
  if (id === undefined) summaryIds.set(summary, (id = nextSummaryId++));
  return `${datasetId}#${id}`;
}

/** loads in flight or done, by `key|table` (a failed load is forgotten so the next visit retries) */
const loads = new Map<string, Promise<void>>();

function useBizTables(tables: readonly BusinessTable[]): { key: string | null; error: string | null } {
  const { host, worker } = useServices();
  const opened = useApp((s) => s.dataset.opened);
  const summary = useApp((s) => s.dataset.summary);
  const key = opened && summary ? datasetKey(opened.datasetId, summary) : null;
  const [state, setState] = useState<{ readyFor: string | null; error: string | null }>({
    readyFor: null,
    error: null,
  });
  const want = key ? `${key}|${tables.join(',')}` : null;
  useEffect(() => {
    if (!key || !opened || !want) return;
    let live = true;
    const ensure = (table: BusinessTable): Promise<void> => {
      const id = `${key}|${table}`;
      let p = loads.get(id);
      if (!p) {
        if (!host) return Promise.reject(new Error('No Funnelscope host is connected.'));
        p = host.invoke('businessCube', { datasetId: opened.datasetId, table }).then(async (bytes) => {
          await worker.request('businessLoad', { key, table, bytes }, { key: `bizload:${table}` });
        });
        const mine = p;
        p.catch(() => {
          if (loads.get(id) === mine) loads.delete(id);
        });
        loads.set(id, p);
      }
      return p;
    };
    setState((s) => (s.readyFor === want ? s : { readyFor: null, error: null }));
    // availability and daily first: the worker replaces its tables when a new key arrives
    ensure('availability')
      .then(() => Promise.all(tables.map(ensure)))
      .then(
        () => live && setState({ readyFor: want, error: null }),
        (e: unknown) =>
          live && setState({ readyFor: null, error: e instanceof Error ? e.message : String(e) }),
      );
    return () => {
      live = false;
    };
  }, [want]);
  return { key: state.readyFor === want ? key : null, error: state.error };
}

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

/** loading / error frame of a tab: children only once data is there */
function TabState<T>({
  res,
  error,
  testId,
  children,
}: {
  res: { data: T | null; loading: boolean; error: string | null; version: number };
  error: string | null;
  testId: string;
  children: (data: T) => React.ReactNode;
}) {
  const err = error ?? res.error;
  return (
    <div
      className="stack"
      data-testid={testId}
      data-version={res.version}
      data-loading={res.loading || !res.data ? 'true' : 'false'}
    >
      {err && <ErrorBox title="This view could not be computed" message={err} />}
      {res.data ? (
        <div className="stack" style={{ opacity: res.loading ? 0.6 : 1 }}>
          {children(res.data)}
        </div>
      ) : (
        !err && (
          <Card>
            <SkeletonRows rows={8} />
          </Card>
        )
      )}
    </div>
  );
}

// ---------------------------------------------------------------- shared chart bits

const tooltipBase = (pal: Palette) => ({
  backgroundColor: pal.surface,
  borderColor: pal.border,
  textStyle: { color: pal.text, fontSize: 12 },
});
const axisBase = (pal: Palette) => ({
  axisLabel: { color: pal.text3, fontSize: 11 },
  axisLine: { lineStyle: { color: pal.border } },
  splitLine: { lineStyle: { color: pal.border, type: 'dashed' as const } },
});
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

// ---------------------------------------------------------------- brands / categories / price bands

function GroupsTab({ dimension, info }: { dimension: GroupDimension; info: BusinessInfo }) {
  const t = useBizTables(['availability', 'daily', 'groups']);
  const period = useApp((s) => s.period);
  const [minViews, setMinViews] = useState(1000);
  const res = useAnalysis(
    'businessGroups',
    t.key ? { key: t.key, period, dimension, top: 10, minViews } : null,
    'bizgroups',
  );
  return (
    <TabState res={res} error={t.error} testId="biz-groups">
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
    const value = (r: GroupFunnelRow) => (d.revenue ? r.revenue : r.views);
    return {
      animation: false,
      textStyle: { fontFamily: pal.font },
      grid: { left: 120, right: 70, top: 8, bottom: 8 },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        ...tooltipBase(pal),
        formatter: (ps: { dataIndex: number }[]) => {
          const r = rows[ps[0].dataIndex];
          return `<b>${label(d.dimension, r.value)}</b><br/>Revenue ${fmtMoney(r.revenue)} (${fmtPct(r.revenueShare)})<br/>Views ${fmtInt(r.views)} · Purchases ${fmtInt(r.purchases)}<br/>Conversion ${fmtPct(r.conversion)}`;
        },
      },
      xAxis: { type: 'value', show: false },
      yAxis: {
        type: 'category',
        data: rows.map((r) => label(d.dimension, r.value)),
        axisLine: { show: false },
        axisTick: { show: false },
        axisLabel: { color: pal.text2, fontSize: 12, width: 110, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          data: rows.map(value),
          color: d.revenue ? pal.revenue : pal.views,
          barMaxWidth: 18,
          itemStyle: { borderRadius: [0, 4, 4, 0] },
          label: {
            show: true,
            position: 'right',
            color: pal.text3,
            fontSize: 11,
            formatter: (p: { value: number }) => (d.revenue ? fmtCompact(p.value) : fmtCompact(p.value)),
          },
        },
      ],
    };
  }, [d, pal]);
  const trendOption = useMemo<EChartsOption>(() => {
    const series = d.trends.slice(0, Number(topN));
    const days = series[0]?.points.map((p) => p.date) ?? [];
    return {
      animation: false,
      textStyle: { fontFamily: pal.font },
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      legend: {
        top: 0,
        left: 0,
        type: 'scroll',
        itemWidth: 14,
        itemHeight: 8,
        textStyle: { color: pal.text2 },
      },
      tooltip: {
        trigger: 'axis',
        ...tooltipBase(pal),
        valueFormatter: (v: unknown) =>
          v === null || v === undefined
            ? '—'
            : metric === 'revenue'
              ? fmtMoney(Number(v))
              : fmtPct(Number(v)),
      },
      xAxis: {
        type: 'category',
        data: days,
        boundaryGap: false,
        ...axisBase(pal),
        splitLine: { show: false },
        axisLabel: {
          color: pal.text3,
          fontSize: 11,
          formatter: (x: string) => fmtDate(x, false),
          hideOverlap: true,
        },
      },
      yAxis: {
        type: 'value',
        ...axisBase(pal),
        axisLabel: {
          ...axisBase(pal).axisLabel,
          formatter: (v: number) => (metric === 'revenue' ? fmtCompact(v) : fmtPct(v, 1)),
        },
      },
      series: series.map((s, i) => ({
        name: label(d.dimension, s.value),
        type: 'line',
        showSymbol: false,
        lineStyle: { width: 1.8 },
        color: SERIES_COLORS[i % SERIES_COLORS.length],
        data: s.points.map((p) => (metric === 'revenue' ? p.revenue : p.conversion)),
      })),
    };
  }, [d, pal, topN, metric]);
  return (
    <>
      <div
        className="kpi-row"
        style={{ gridTemplateColumns: `repeat(${info.revenue ? 5 : 3}, minmax(0, 1fr))` }}
      >
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
      </div>
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <Card
          title={`Top ${PLURAL[d.dimension]} by ${d.revenue ? 'revenue' : 'views'}`}
          hint={fmtPeriod(d.period)}
        >
          {d.top.length ? (
            <Chart
              name={`biz-top-${d.dimension}`}
              option={barOption}
              height={318}
              ariaLabel={`Top ${name} values`}
            />
          ) : (
            <Empty title="No events in this period" />
          )}
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
          {d.trends.length ? (
            <Chart
              name={`biz-trend-${d.dimension}`}
              option={trendOption}
              height={280}
              ariaLabel="Daily trends of the top values"
            />
          ) : (
            <Empty title="No trend in this period" />
          )}
        </Card>
      </div>
      <Card
        title={`Funnel per ${name.toLowerCase()}`}
        hint={`${fmtInt(d.rows.length)} values · sorted by ${d.revenue ? 'revenue' : 'revenue, then views'}`}
      >
        <div className="table-wrap" style={{ maxHeight: 420 }}>
          <table className="data" data-testid="biz-group-table">
            <thead>
              <tr>
                <th>{name}</th>
                <th className="r">Views</th>
                <th className="r">Carts</th>
                <th className="r">Purchases</th>
                {d.revenue && <th className="r">Revenue</th>}
                {d.revenue && <th className="r">Share</th>}
                <th className="r">View → cart</th>
                <th className="r">Cart → purchase</th>
                <th className="r">Conversion</th>
                {d.revenue && (
                  <th
                    className="r"
                    title="+10 % conversion at unchanged views × the period's average order value"
                  >
                    Opportunity
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {d.rows.slice(0, 200).map((r) => (
                <tr key={r.value} data-value={r.value}>
                  <td className={r.value === 'unknown' ? 'muted' : ''}>{label(d.dimension, r.value)}</td>
                  <td className="r">{fmtInt(r.views)}</td>
                  <td className="r">{fmtInt(r.carts)}</td>
                  <td className="r">{fmtInt(r.purchases)}</td>
                  {d.revenue && <td className="r">{fmtMoney(r.revenue)}</td>}
                  {d.revenue && <td className="r">{fmtPct(r.revenueShare, 1)}</td>}
                  <td className="r">{fmtPct(r.cartRate)}</td>
                  <td className="r">{fmtPct(r.checkoutRate)}</td>
                  <td className="r">{fmtPct(r.conversion)}</td>
                  {d.revenue && (
                    <td className="r">{r.opportunity === null ? '—' : `+${fmtMoney(r.opportunity)}`}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
          <div className="table-wrap" style={{ maxHeight: 300 }}>
            <table className="data">
              <thead>
                <tr>
                  <th>{name}</th>
                  <th className="r">Views</th>
                  <th className="r">Purchases</th>
                  <th className="r">Conversion</th>
                  <th className="r">vs all traffic</th>
                  {d.revenue && <th className="r">Opportunity</th>}
                </tr>
              </thead>
              <tbody>
                {d.underperformers.rows.map((r) => (
                  <tr key={r.value}>
                    <td>{label(d.dimension, r.value)}</td>
                    <td className="r">{fmtInt(r.views)}</td>
                    <td className="r">{fmtInt(r.purchases)}</td>
                    <td className="r tone-bad">{fmtPct(r.conversion)}</td>
                    <td className="r">
                      {r.conversion !== null && conv !== null ? fmtPp(r.conversion - conv) : '—'}
                    </td>
                    {d.revenue && (
                      <td className="r">{r.opportunity === null ? '—' : `+${fmtMoney(r.opportunity)}`}</td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="small muted" style={{ margin: 0 }}>
            Nothing to flag: lower the minimum views or choose a longer period.
          </p>
        )}
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- hourly anomalies per brand

function AnomaliesTab() {
  const t = useBizTables(['availability', 'daily', 'hourly']);
  const period = useApp((s) => s.period);
  const [brand, setBrand] = useState<string | null>(null);
  const res = useAnalysis(
    'businessHourly',
    t.key ? { key: t.key, period, top: 20, value: brand } : null,
    'bizhourly',
  );
  return (
    <TabState res={res} error={t.error} testId="biz-anomalies">
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
    const mk = (metric: 'views' | 'conversion') =>
      markers
        .filter((m) => m.metric === metric && idx.has(m.time))
        .map((m) => ({
          value: [
            m.time,
            metric === 'views' ? series[idx.get(m.time)!].views : series[idx.get(m.time)!].purchases,
          ],
          itemStyle: { color: m.direction === 'drop' ? pal.bad : pal.ok },
          m,
        }));
    return {
      animation: false,
      textStyle: { fontFamily: pal.font },
      grid: { left: 56, right: 56, top: 40, bottom: 28 },
      legend: {
        top: 0,
        left: 0,
        itemWidth: 14,
        itemHeight: 8,
        textStyle: { color: pal.text2 },
        data: ['Views', 'Purchases', 'Drop', 'Spike'],
      },
      tooltip: { trigger: 'axis', ...tooltipBase(pal) },
      xAxis: {
        type: 'category',
        data: times,
        boundaryGap: false,
        ...axisBase(pal),
        splitLine: { show: false },
        axisLabel: {
          color: pal.text3,
          fontSize: 11,
          hideOverlap: true,
          formatter: (x: string) => `${fmtDate(x.slice(0, 10), false)} ${x.slice(11, 16)}`,
        },
      },
      yAxis: [
        {
          type: 'value',
          name: 'views / hour',
          nameTextStyle: { color: pal.text3, fontSize: 11 },
          ...axisBase(pal),
        },
        {
          type: 'value',
          name: 'purchases / hour',
          nameTextStyle: { color: pal.text3, fontSize: 11 },
          ...axisBase(pal),
          splitLine: { show: false },
        },
      ],
      series: [
        {
          name: 'Views',
          type: 'line',
          showSymbol: false,
          color: pal.views,
          lineStyle: { width: 1.4 },
          data: series.map((r) => r.views),
          markArea: {
            silent: true,
            itemStyle: { color: pal.bad, opacity: 0.1 },
            data: incidents
              .filter((i) => idx.has(i.start) && idx.has(i.end))
              .map((i) => [{ xAxis: i.start }, { xAxis: i.end }]),
          },
        },
        {
          name: 'Purchases',
          type: 'line',
          yAxisIndex: 1,
          showSymbol: false,
          color: pal.purchases,
          lineStyle: { width: 1, opacity: 0.55 },
          data: series.map((r) => r.purchases),
        },
        {
          name: 'Drop',
          type: 'scatter',
          symbolSize: 9,
          color: pal.bad,
          data: [
            ...mk('views'),
            ...mk('conversion').map((x) => ({ ...x, value: [x.value[0], series[idx.get(x.m.time)!].views] })),
          ].filter((x) => x.m.direction === 'drop'),
          tooltip: { trigger: 'item' },
          z: 5,
        },
        {
          name: 'Spike',
          type: 'scatter',
          symbolSize: 9,
          color: pal.ok,
          data: [
            ...mk('views'),
            ...mk('conversion').map((x) => ({ ...x, value: [x.value[0], series[idx.get(x.m.time)!].views] })),
          ].filter((x) => x.m.direction === 'spike'),
          z: 5,
        },
      ],
    };
  }, [series, markers, incidents, pal]);
  return (
    <>
      <Card
        title="Incidents"
        hint={`${fmtInt(d.incidents.length)} in ${fmtPeriod(d.period)} · ${d.values.length} brands watched (top by views) · causal baseline of the previous ${d.settings.historyDays} days, |z| ≥ ${d.settings.zThreshold}`}
        testId="biz-incidents"
      >
        {d.incidents.length ? (
          <div className="table-wrap" style={{ maxHeight: 260 }}>
            <table className="data">
              <thead>
                <tr>
                  <th>Brand</th>
                  <th>Metric</th>
                  <th>Direction</th>
                  <th>From</th>
                  <th>To</th>
                  <th className="r">Hours</th>
                  <th className="r">Observed</th>
                  <th className="r">Expected</th>
                  <th className="r">Worst z</th>
                </tr>
              </thead>
              <tbody>
                {d.incidents.map((i) => (
                  <tr
                    key={`${i.value}|${i.metric}|${i.start}`}
                    className={`clickable ${i.value === current ? 'selected' : ''}`}
                    onClick={() => setBrand(i.value)}
                    data-brand={i.value}
                  >
                    <td>{displayValue(i.value)}</td>
                    <td>{i.metric === 'views' ? 'Views' : 'Conversion'}</td>
                    <td className={i.direction === 'drop' ? 'tone-bad' : 'tone-good'}>
                      {i.direction === 'drop' ? '▼ drop' : '▲ spike'}
                    </td>
                    <td>{`${fmtDate(i.start.slice(0, 10))} ${i.start.slice(11, 16)}`}</td>
                    <td>{`${fmtDate(i.end.slice(0, 10))} ${i.end.slice(11, 16)}`}</td>
                    <td className="r">{fmtInt(i.hours)}</td>
                    <td className="r">{i.metric === 'views' ? fmtInt(i.observed) : fmtPct(i.observed)}</td>
                    <td className="r">{i.metric === 'views' ? fmtInt(i.expected) : fmtPct(i.expected)}</td>
                    <td className="r">{i.worstZ.toFixed(1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="small muted" style={{ margin: 0 }} data-testid="biz-no-incidents">
            No hourly drop or spike passed the traffic gate and |z| ≥ {d.settings.zThreshold} in this period.
          </p>
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
        {series.length ? (
          <Chart
            name="biz-hourly"
            option={option}
            height={300}
            ariaLabel="Hourly views and purchases with anomaly markers"
          />
        ) : (
          <Empty title="No hourly data for this brand in this period" />
        )}
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- sessions

function SessionsTab({ info }: { info: BusinessInfo }) {
  const t = useBizTables(['availability', 'daily', 'sessions']);
  const period = useApp((s) => s.period);
  const res = useAnalysis('businessSessions', t.key ? { key: t.key, period } : null, 'bizsessions');
  return (
    <TabState res={res} error={t.error} testId="biz-sessions">
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
      animation: false,
      textStyle: { fontFamily: pal.font },
      grid: { left: 56, right: 56, top: 40, bottom: 28 },
      legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: pal.text2 } },
      tooltip: { trigger: 'axis', ...tooltipBase(pal) },
      xAxis: {
        type: 'category',
        data: d.daily.map((r) => r.date),
        ...axisBase(pal),
        splitLine: { show: false },
        axisLabel: {
          color: pal.text3,
          fontSize: 11,
          hideOverlap: true,
          formatter: (x: string) => fmtDate(x, false),
        },
      },
      yAxis: [
        {
          type: 'value',
          name: 'sessions',
          nameTextStyle: { color: pal.text3, fontSize: 11 },
          ...axisBase(pal),
          axisLabel: { ...axisBase(pal).axisLabel, formatter: (v: number) => fmtCompact(v) },
        },
        {
          type: 'value',
          name: 'cart abandonment',
          min: 0,
          max: 1,
          nameTextStyle: { color: pal.text3, fontSize: 11 },
          ...axisBase(pal),
          splitLine: { show: false },
          axisLabel: { ...axisBase(pal).axisLabel, formatter: (v: number) => fmtPct(v, 0) },
        },
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
  return (
    <>
      <div className="kpi-row" style={{ gridTemplateColumns: 'repeat(5, minmax(0, 1fr))' }}>
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
      </div>
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <Card
          title="Session funnel"
          hint={
            d.mode === 'column'
              ? 'sessions from the data’s session id'
              : 'sessions derived: 30 min of inactivity starts a new one'
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
                    {s.dropOff !== null && <span className="tone-bad"> · −{fmtPct(s.dropOff)} drop-off</span>}
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
              <tr>
                <td>Conversion (purchases / views)</td>
                <td className="r">{fmtPct(k.conversion)}</td>
              </tr>
              <tr>
                <td>Cart rate (carts / views)</td>
                <td className="r">{fmtPct(k.cartRate)}</td>
              </tr>
              <tr>
                <td>Checkout rate (purchases / carts)</td>
                <td className="r">{fmtPct(k.checkoutRate)}</td>
              </tr>
              <tr>
                <td>Abandonment (sessions)</td>
                <td className="r">{fmtPct(k.abandonment)}</td>
              </tr>
              <tr>
                <td>Average order value</td>
                <td className="r">{info.revenue ? fmtMoney(k.aov) : '— (no price)'}</td>
              </tr>
              <tr>
                <td>Orders</td>
                <td className="r">{fmtInt(k.orders)}</td>
              </tr>
            </tbody>
          </table>
        </Card>
      </div>
      <Card title="Sessions per day and cart abandonment">
        {d.daily.length ? (
          <Chart
            name="biz-sessions-daily"
            option={option}
            height={260}
            ariaLabel="Sessions per day and cart abandonment"
          />
        ) : (
          <Empty title="No sessions in this period" />
        )}
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- products

function ProductsTab({ info }: { info: BusinessInfo }) {
  const t = useBizTables(['availability', 'daily', 'products']);
  const period = useApp((s) => s.period);
  const comparison = useApp((s) => s.comparison);
  const [orderBy, setOrderBy] = useState<'revenue' | 'units'>('revenue');
  const compare = comparison ? { baseline: comparison.baseline, incident: comparison.incident } : null;
  const res = useAnalysis(
    'businessProducts',
    t.key ? { key: t.key, period, compare, orderBy, limit: 100, minViews: 100 } : null,
    'bizproducts',
  );
  return (
    <TabState res={res} error={t.error} testId="biz-products">
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
  const attrs = [...new Set(d.leaderboard.flatMap((r) => Object.keys(r.attributes)))];
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
        <div className="table-wrap" style={{ maxHeight: 380 }}>
          <table className="data">
            <thead>
              <tr>
                <th className="r">#</th>
                <th>Product</th>
                {attrs.map((a) => (
                  <th key={a}>{displayDimension(a)}</th>
                ))}
                <th className="r">Views</th>
                <th className="r">Carts</th>
                <th className="r">Purchases</th>
                <th className="r">Units</th>
                {info.revenue && <th className="r">Revenue</th>}
                <th className="r">View → cart</th>
                <th className="r">Cart → purchase</th>
              </tr>
            </thead>
            <tbody>
              {d.leaderboard.map((r, i) => (
                <tr key={r.itemId} data-item={r.itemId}>
                  <td className="r muted">{i + 1}</td>
                  <td className="num">{r.itemId}</td>
                  {attrs.map((a) => (
                    <td key={a} style={{ maxWidth: 200, overflow: 'hidden', textOverflow: 'ellipsis' }}>
                      {r.attributes[a] ?? <span className="muted">—</span>}
                    </td>
                  ))}
                  <td className="r">{fmtInt(r.views)}</td>
                  <td className="r">{fmtInt(r.carts)}</td>
                  <td className="r">{fmtInt(r.purchases)}</td>
                  <td className="r">{fmtInt(r.units)}</td>
                  {info.revenue && <td className="r">{fmtMoney(r.revenue)}</td>}
                  <td className="r">{fmtPct(r.cartRate)}</td>
                  <td className="r">{fmtPct(r.checkoutRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
          <div className="table-wrap" style={{ maxHeight: 340 }}>
            <table className="data">
              <thead>
                <tr>
                  <th>Product</th>
                  {attrs.map((a) => (
                    <th key={a}>{displayDimension(a)}</th>
                  ))}
                  <th className="r">Views before</th>
                  <th className="r">Conv. before</th>
                  <th className="r">Views after</th>
                  <th className="r">Conv. after</th>
                  <th className="r">Change</th>
                  <th className="r">z</th>
                </tr>
              </thead>
              <tbody>
                {d.changed.rows.map((r) => (
                  <tr key={r.itemId} data-item={r.itemId}>
                    <td className="num">{r.itemId}</td>
                    {attrs.map((a) => (
                      <td key={a}>{r.attributes[a] ?? <span className="muted">—</span>}</td>
                    ))}
                    <td className="r">{fmtInt(r.viewsA)}</td>
                    <td className="r">{fmtPct(r.conversionA)}</td>
                    <td className="r">{fmtInt(r.viewsB)}</td>
                    <td className="r">{fmtPct(r.conversionB)}</td>
                    <td className={`r ${r.change < 0 ? 'tone-bad' : 'tone-good'}`}>{fmtPp(r.change)}</td>
                    <td className="r">{r.z.toFixed(1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="small muted" style={{ margin: 0 }}>
            {d.changed ? 'No product has enough views in both periods.' : 'No comparison periods set.'}
          </p>
        )}
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- customers (RFM)

function CustomersTab({ info }: { info: BusinessInfo }) {
  const t = useBizTables(['availability', 'daily', 'orders']);
  const period = useApp((s) => s.period);
  const res = useAnalysis(
    'businessCustomers',
    t.key ? { key: t.key, period, limit: 50 } : null,
    'bizcustomers',
  );
  return (
    <TabState res={res} error={t.error} testId="biz-customers">
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
    return {
      animation: false,
      textStyle: { fontFamily: pal.font },
      grid: { left: 70, right: 16, top: 10, bottom: 56 },
      tooltip: {
        ...tooltipBase(pal),
        formatter: (p: { data: [number, number, number] }) => {
          const c = d.heatmap.find((x) => x.f === p.data[0] + 1 && x.r === p.data[1] + 1)!;
          return `R ${c.r} × F ${c.f}<br/>${fmtInt(c.customers)} customers${info.revenue ? `<br/>Revenue ${fmtMoney(c.revenue)}` : ''}`;
        },
      },
      xAxis: {
        type: 'category',
        name: 'Frequency score',
        nameLocation: 'middle',
        nameGap: 28,
        nameTextStyle: { color: pal.text3, fontSize: 11 },
        data: ['F1', 'F2', 'F3', 'F4', 'F5'],
        ...axisBase(pal),
        splitLine: { show: false },
      },
      yAxis: {
        type: 'category',
        name: 'Recency score',
        nameLocation: 'middle',
        nameGap: 44,
        nameTextStyle: { color: pal.text3, fontSize: 11 },
        data: ['R1', 'R2', 'R3', 'R4', 'R5'],
        ...axisBase(pal),
        splitLine: { show: false },
      },
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
  const bars = useMemo<EChartsOption>(
    () => ({
      animation: false,
      textStyle: { fontFamily: pal.font },
      grid: { left: 70, right: 16, top: 30, bottom: 24 },
      legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: pal.text2 } },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        ...tooltipBase(pal),
        valueFormatter: (v: unknown) => fmtPct(Number(v)),
      },
      xAxis: {
        type: 'value',
        ...axisBase(pal),
        axisLabel: { ...axisBase(pal).axisLabel, formatter: (v: number) => fmtPct(v, 0) },
      },
      yAxis: {
        type: 'category',
        data: [...RFM_TIERS].reverse(),
        ...axisBase(pal),
        splitLine: { show: false },
        axisLabel: { color: pal.text2, fontSize: 12 },
      },
      series: [
        {
          name: 'Customers',
          type: 'bar',
          color: pal.views,
          barMaxWidth: 12,
          data: [...d.tiers].reverse().map((t) => t.share ?? 0),
        },
        ...(info.revenue
          ? [
              {
                name: 'Revenue',
                type: 'bar',
                color: pal.revenue,
                barMaxWidth: 12,
                data: [...d.tiers].reverse().map((t) => t.revenueShare ?? 0),
              },
            ]
          : []),
      ],
    }),
    [d, pal, info.revenue],
  );
  if (!d.customers)
    return (
      <Card>
        <Empty title="No buyers in this period">RFM scores need at least one purchase.</Empty>
      </Card>
    );
  return (
    <>
      <div
        className="kpi-row"
        style={{ gridTemplateColumns: 'repeat(5, minmax(0, 1fr))' }}
        data-testid="biz-tiers"
      >
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
      </div>
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <Card title="R × F heatmap" hint={`${fmtInt(d.customers)} buyers`}>
          <Chart
            name="biz-rfm-heatmap"
            option={heat}
            height={300}
            ariaLabel="Recency by frequency heatmap of customers"
          />
          <p className="small muted" style={{ margin: '4px 0 0' }}>
            Quintile scores among the period&apos;s buyers, 5 = best; recency measured to{' '}
            {fmtDate(d.asOf.slice(0, 10))} 00:00 UTC.
          </p>
        </Card>
        <Card title="Tier sizes and revenue share" hint="% of buyers vs % of revenue">
          <Chart name="biz-rfm-tiers" option={bars} height={300} ariaLabel="Tier sizes and revenue share" />
          <p className="small muted" style={{ margin: '4px 0 0' }}>
            Champion R ≥ 4, F ≥ 4 · Loyal R ≥ 3, F ≥ 3 · Potential R ≥ 3 · At risk R ≤ 2, F ≥ 3 · Lost: the
            rest
          </p>
        </Card>
      </div>
      <Card title="Best customers" hint="by R + F + M, then revenue">
        <div className="table-wrap" style={{ maxHeight: 320 }}>
          <table className="data" data-testid="biz-customers-table">
            <thead>
              <tr>
                <th>Visitor</th>
                <th>Tier</th>
                <th className="r">Days since purchase</th>
                <th className="r">Orders</th>
                {info.revenue && <th className="r">Revenue</th>}
                <th className="r">R</th>
                <th className="r">F</th>
                <th className="r">M</th>
              </tr>
            </thead>
            <tbody>
              {d.topCustomers.map((c) => (
                <tr key={c.visitorId}>
                  <td className="num">{c.visitorId}</td>
                  <td>
                    <span
                      className="dot"
                      style={{
                        display: 'inline-block',
                        width: 8,
                        height: 8,
                        borderRadius: 4,
                        marginRight: 6,
                        background: TIER_COLOR[c.tier],
                      }}
                    />
                    {c.tier}
                  </td>
                  <td className="r">{fmtInt(c.recencyDays)}</td>
                  <td className="r">{fmtInt(c.frequency)}</td>
                  {info.revenue && <td className="r">{fmtMoney(c.monetary)}</td>}
                  <td className="r">{c.r}</td>
                  <td className="r">{c.f}</td>
                  <td className="r">{c.m}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}

// ---------------------------------------------------------------- hot leads

function LeadsTab({ info }: { info: BusinessInfo }) {
  const t = useBizTables(['availability', 'daily', 'orders', 'carts']);
  const period = useApp((s) => s.period);
  const [windowDays, setWindowDays] = useState(7);
  const res = useAnalysis('businessLeads', t.key ? { key: t.key, period, windowDays } : null, 'bizleads');
  return (
    <TabState res={res} error={t.error} testId="biz-leads">
      {(d) => <LeadsBody d={d} info={info} windowDays={windowDays} setWindowDays={setWindowDays} />}
    </TabState>
  );
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
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
  return (
    <>
      <div
        className="kpi-row"
        style={{ gridTemplateColumns: `repeat(${info.revenue ? 3 : 2}, minmax(0, 1fr))` }}
      >
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
      </div>
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
            <div className="table-wrap" style={{ maxHeight: 460 }}>
              <table className="data" data-testid="biz-leads-table">
                <thead>
                  <tr>
                    <th className="r">#</th>
                    <th>Visitor</th>
                    <th className="r">Score</th>
                    <th className="r" title="1 − days since the last cart / window days">
                      Recency
                    </th>
                    {info.revenue && (
                      <th className="r" title="percentile of the cart value among all leads">
                        Cart value
                      </th>
                    )}
                    <th className="r" title="orders before the window, capped at 3">
                      Past orders
                    </th>
                    <th>Last cart</th>
                    <th className="r">Carts</th>
                    <th className="r">Items</th>
                  </tr>
                </thead>
                <tbody>
                  {d.leads.slice(0, SHOWN_LEADS).map((l, i) => (
                    <tr key={l.visitorId} data-visitor={l.visitorId}>
                      <td className="r muted">{i + 1}</td>
                      <td className="num">{l.visitorId}</td>
                      <td className="r">
                        <div className="bar-cell" style={{ justifyContent: 'flex-end', minWidth: 110 }}>
                          <div
                            className="bar"
                            style={{ width: `${Math.round(l.score * 0.6)}px`, background: 'var(--accent)' }}
                          />
                          <strong>{l.score.toFixed(1)}</strong>
                        </div>
                      </td>
                      <td className="r">{fmtPct(l.components.recency, 0)}</td>
                      {info.revenue && (
                        <td className="r">
                          {fmtMoney(l.cartValue)}{' '}
                          <span className="muted small">
                            p{Math.round((l.components.cartValue ?? 0) * 100)}
                          </span>
                        </td>
                      )}
                      <td className="r">{fmtInt(l.pastOrders)}</td>
                      <td>{`${fmtDate(l.lastCart.slice(0, 10))} ${l.lastCart.slice(11, 16)}`}</td>
                      <td className="r">{fmtInt(l.carts)}</td>
                      <td className="r">{fmtInt(l.items)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
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
