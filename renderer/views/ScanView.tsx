/**
 * 6 · Scan & what-if: every combination of the chosen dimensions through the detector (core scan in the worker),
 * a sortable, filterable table and a segments × days heatmap; two settings side by side (core compareScans);
 * incident replay per setting (core incidentReplay); CSV and Parquet export of the rows shown. Parquet (and CSV in
 * Electron, for the save dialog) goes through the host's `exportScan` (native DuckDB, the CLI's writer): DuckDB-WASM
 * cannot write Parquet offline. In the browser CSV is generated here (lib/csv.ts, same columns).
 */
import { useMemo, useState } from 'react';
import { useApp, useServices } from '../app/context.js';
import { Chart, type EChartsOption } from '../components/Chart.js';
import { Card, Empty, ErrorBox, Segmented, SkeletonRows } from '../components/ui.js';
import {
  displayDimension,
  fmtDate,
  fmtInt,
  fmtMoney,
  fmtPeriod,
  fmtSigma,
  segmentLabel,
} from '../lib/format.js';
import { usePalette, type Palette } from '../lib/theme.js';
import { scanCsv } from '../lib/csv.js';
import { download } from '../lib/download.js';
import { settingsFor } from '../../core/detector.js';
import { parseSegment, formatSegment } from '../../core/segments.js';
import type { ScanRow } from '../../core/scan.js';
import type { DetectorProfile, DetectorSettings } from '../../core/types.js';
import { SETTINGS_PRESETS, scanDimensionsOf } from '../state/store.js';
import type { ScanRunResult } from '../worker/protocol.js';
import { NoData } from './common.js';
import { NumberField, SettingsBar, statusColor } from './CalendarView.js';

const NO_HOST_REASON =
  'Parquet is written by the Funnelscope host (native DuckDB); no host is connected. Use CSV, or `funnelscope scan --parquet FILE`.';

/** Export CSV / Parquet buttons of the scan table, with the host export's progress, result or error. */
function ScanExport({ rows, csvName, csv }: { rows: ScanRow[]; csvName: string; csv: () => string }) {
  const state = useApp((s) => s.scanExport);
  const exportScan = useApp((s) => s.exportScan);
  const cancel = useApp((s) => s.cancelScanExport);
  const { host } = useServices();
  const running = state.status === 'running';
  const viaHost = host?.transport === 'electron';
  const kind = state.format === 'csv' ? 'CSV' : 'Parquet';
  return (
    <div className="row" style={{ gap: 6 }} data-testid="scan-export" data-status={state.status}>
      <button
        type="button"
        className="btn small"
        data-testid="scan-csv"
        disabled={running}
        title="The rows shown (filters applied) as CSV, the columns of `funnelscope scan --csv`"
        onClick={() =>
          viaHost ? void exportScan('csv', rows) : download(csvName, csv(), 'text/csv;charset=utf-8')
        }
      >
        Export CSV
      </button>
      <button
        type="button"
        className="btn small"
        data-testid="scan-parquet"
        disabled={!host || running}
        title={
          host
            ? 'The rows shown (filters applied) as Parquet, written by native DuckDB like `funnelscope scan --parquet`'
            : NO_HOST_REASON
        }
        onClick={() => void exportScan('parquet', rows)}
      >
        {running ? 'Exporting…' : 'Parquet'}
      </button>
      {running && (
        <span className="small muted" data-testid="scan-export-progress">
          {state.progress?.message || 'exporting…'}{' '}
          <button type="button" className="btn ghost small" onClick={cancel}>
            Cancel
          </button>
        </span>
      )}
      {state.status === 'done' && state.result && (
        <span className="small" data-testid="scan-export-result">
          {state.result.url ? (
            <a href={state.result.url} download data-testid="scan-export-link">
              Download the {kind} ({fmtInt(state.result.rows)} rows)
            </a>
          ) : state.result.file ? (
            <>
              Saved {fmtInt(state.result.rows)} rows to <code>{state.result.file}</code>
            </>
          ) : (
            <span className="muted">Export cancelled.</span>
          )}
        </span>
      )}
      {state.status === 'error' && state.error && (
        <span className="small tone-bad" role="alert" data-testid="scan-export-error">
          {state.error}
        </span>
      )}
    </div>
  );
}

export function ScanView() {
  const summary = useApp((s) => s.dataset.summary);
  const opened = useApp((s) => s.dataset.opened);
  const run = useApp((s) => s.scanRun);
  const sides = useSides();
  if (!summary || !opened) return <NoData />;
  return (
    <div
      className="stack"
      data-testid="scan"
      data-status={run.status}
      data-version={run.result ? run.result.ms + ':' + run.result.result.segments.length : '0'}
    >
      <ScanSetupCard />
      <SettingsBar />
      {run.error && <ErrorBox title="The scan could not run" message={run.error} testId="scan-error" />}
      {run.result ? (
        <ScanResults data={run.result} />
      ) : run.status === 'running' ? (
        <Card>
          <SkeletonRows rows={8} />
        </Card>
      ) : (
        <Card>
          <Empty icon="▦" title="No scan yet">
            Choose dimensions and levels, then run the scan: every combination goes through the detector.
          </Empty>
        </Card>
      )}
      <WhatIfCard sides={sides} />
      <ReplayCard sides={sides} />
    </div>
  );
}

function LevelSelect({
  label,
  testId,
  levels,
  value,
  onChange,
}: {
  label: string;
  testId: string;
  levels: number[];
  value: number;
  onChange: (level: number) => void;
}) {
  return (
    <select
      className="select"
      aria-label={label}
      value={value}
      data-testid={testId}
      onChange={(e) => onChange(Number(e.target.value))}
    >
      {levels.map((l) => (
        <option key={l} value={l}>
          {l}
        </option>
      ))}
    </select>
  );
}

function ScanSetupCard() {
  const opened = useApp((s) => s.dataset.opened);
  const setup = useApp((s) => s.scanSetup);
  const setSetup = useApp((s) => s.setScanSetup);
  const period = useApp((s) => s.period);
  const summary = useApp((s) => s.dataset.summary)!;
  const run = useApp((s) => s.scanRun);
  const runScan = useApp((s) => s.runScan);
  const cancel = useApp((s) => s.cancelScan);
  const all = scanDimensionsOf(opened);
  const k = setup.dimensions.length;
  const range = setup.range ?? period;
  const running = run.status === 'running';
  const p = run.progress;
  const levels = Array.from({ length: Math.max(1, k) }, (_, i) => i + 1);
  return (
    <Card title="What to scan" testId="scan-setup">
      <div className="stack" style={{ gap: 12 }}>
        <div className="row" style={{ gap: 6 }} role="group" aria-label="Dimensions to combine">
          <span className="small muted" style={{ width: 84 }}>
            Dimensions
          </span>
          {all.map((d) => {
            const on = setup.dimensions.includes(d);
            return (
              <button
                key={d}
                type="button"
                className={`chip toggle${on ? ' accent' : ''}`}
                aria-pressed={on}
                data-testid={`scan-dim-${d}`}
                onClick={() =>
                  setSetup({
                    dimensions: on ? setup.dimensions.filter((x) => x !== d) : [...setup.dimensions, d],
                  })
                }
              >
                {on ? '✓ ' : ''}
                {displayDimension(d)}
              </button>
            );
          })}
        </div>
        <div className="row" style={{ alignItems: 'flex-end', gap: 16 }}>
          <label className="field">
            Levels
            <span className="row" style={{ gap: 4 }}>
              <LevelSelect
                label="Fewest dimensions per segment"
                testId="scan-min-level"
                levels={levels}
                value={setup.minLevel}
                onChange={(minLevel) => setSetup({ minLevel })}
              />
              <span className="muted">to</span>
              <LevelSelect
                label="Most dimensions per segment"
                testId="scan-max-level"
                levels={levels}
                value={setup.maxLevel}
                onChange={(maxLevel) => setSetup({ maxLevel })}
              />
            </span>
          </label>
          <label className="field">
            Grain
            <Segmented<'day' | 'hour'>
              label="Grain"
              value={setup.grain}
              options={[
                { value: 'day', label: 'Day' },
                { value: 'hour', label: 'Hour' },
              ]}
              onChange={(grain) => setSetup({ grain })}
            />
          </label>
          <label className="field">
            From
            <input
              className="input"
              type="date"
              value={range?.from ?? summary.range.from}
              min={summary.range.from}
              max={summary.range.to}
              data-testid="scan-from"
              onChange={(e) =>
                e.target.value &&
                setSetup({ range: { from: e.target.value, to: range?.to ?? summary.range.to } })
              }
            />
          </label>
          <label className="field">
            To
            <input
              className="input"
              type="date"
              value={range?.to ?? summary.range.to}
              min={summary.range.from}
              max={summary.range.to}
              data-testid="scan-to"
              onChange={(e) =>
                e.target.value &&
                setSetup({ range: { from: range?.from ?? summary.range.from, to: e.target.value } })
              }
            />
          </label>
          {setup.range && (
            <button type="button" className="btn ghost small" onClick={() => setSetup({ range: null })}>
              {period ? 'Use the brushed period' : 'Whole range'}
            </button>
          )}
          <NumberField
            label="Min views / day"
            value={setup.minViewsPerDay}
            step={50}
            min={0}
            onChange={(v) => setSetup({ minViewsPerDay: Math.max(0, v) })}
            testId="scan-min-views"
          />
          <label className="field">
            Direction
            <label className="row small" style={{ gap: 6, height: 32 }}>
              <input
                type="checkbox"
                checked={setup.spikes}
                data-testid="scan-spikes"
                onChange={(e) => setSetup({ spikes: e.target.checked })}
              />
              Also flag spikes
            </label>
          </label>
          <span className="spacer" style={{ flex: 1 }} />
          {running ? (
            <button type="button" className="btn" onClick={cancel} data-testid="scan-cancel">
              Cancel
            </button>
          ) : (
            <button
              type="button"
              className="btn primary"
              disabled={k === 0}
              onClick={() => void runScan()}
              data-testid="scan-run"
            >
              Run scan
            </button>
          )}
        </div>
        <div className="small muted" data-testid="scan-scope">
          {k === 0
            ? 'Choose at least one dimension.'
            : `${setup.dimensions.map(displayDimension).join(' × ')}, levels ${setup.minLevel}–${setup.maxLevel}, ` +
              `${range ? fmtPeriod(range) : 'whole range'} (earlier days are the detector's history), ` +
              `${setup.grain === 'hour' ? 'hour grain (hour-of-day-aware baseline)' : 'day grain'}, drops${setup.spikes ? ' and spikes' : ' only'}.`}
        </div>
        {running && (
          <div data-testid="scan-progress">
            <div className={`progress${p && p.total > 1 ? '' : ' indeterminate'}`}>
              <div style={p && p.total > 1 ? { width: `${(100 * p.done) / p.total}%` } : undefined} />
            </div>
            <div className="small muted" style={{ marginTop: 4 }}>
              {p
                ? `${p.phase}${p.total > 1 ? ` · ${fmtInt(p.done)} / ${fmtInt(p.total)}` : ''}`
                : 'starting…'}
            </div>
          </div>
        )}
      </div>
    </Card>
  );
}

type SortKey =
  | 'order'
  | 'label'
  | 'level'
  | 'daysChecked'
  | 'anomalousDays'
  | 'critical'
  | 'worstSigma'
  | 'firstCritical'
  | 'purchasesLost'
  | 'revenueLost';

const sortValue = (r: ScanRow, k: SortKey): number | string => {
  switch (k) {
    case 'label':
      return r.label;
    case 'critical':
      return r.criticalPeriods.length;
    case 'firstCritical':
      return r.firstCritical ?? '9999';
    case 'worstSigma':
      return r.worstSigma ?? 0;
    default:
      return k === 'order' ? 0 : (r[k] as number);
  }
};

function ScanResults({ data }: { data: ScanRunResult }) {
  const summary = useApp((s) => s.dataset.summary)!;
  const openSegment = useApp((s) => s.openScanSegment);
  const res = data.result;
  const [filter, setFilter] = useState('');
  const [onlyAlerting, setOnlyAlerting] = useState(false);
  const [minViews, setMinViews] = useState(0);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'order', desc: false });
  const [note, setNote] = useState<string | null>(null);
  const order = res.dimensions;

  const rows = useMemo(() => {
    const q = filter.trim().toLowerCase();
    let out = res.segments.filter(
      (r) =>
        (!q ||
          segmentLabel(r.segment, order).toLowerCase().includes(q) ||
          r.label.toLowerCase().includes(q)) &&
        (!onlyAlerting || r.criticalPeriods.length > 0 || r.anomalousDays > 0) &&
        (minViews <= 0 || r.avgViewsPerDay >= minViews || r.level === 0),
    );
    if (sort.key !== 'order') {
      const k = sort.key;
      out = [...out].sort((a, b) => {
        const va = sortValue(a, k);
        const vb = sortValue(b, k);
        const c = typeof va === 'string' ? va.localeCompare(vb as string) : va - (vb as number);
        return sort.desc ? -c : c;
      });
    }
    return out;
  }, [res, filter, onlyAlerting, minViews, sort, order]);

  const critical = res.segments.filter((r) => r.criticalPeriods.length > 0).length;
  const header = (key: SortKey, label: string, right = true, title?: string) => (
    <th
      className={right ? 'r' : undefined}
      title={title}
      aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : undefined}
    >
      <button
        type="button"
        className="th-sort"
        data-testid={`scan-sort-${key}`}
        onClick={() =>
          setSort((s) =>
            s.key === key
              ? { key, desc: !s.desc }
              : { key, desc: key !== 'label' && key !== 'firstCritical' },
          )
        }
      >
        {label}
        {sort.key === key ? (sort.desc ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );

  const open = (r: ScanRow) => {
    if (!openSegment(r.segment))
      setNote(
        `${segmentLabel(r.segment, order)} uses ${Object.keys(r.segment)
          .filter((d) => !summary.dimensions.includes(d))
          .map(displayDimension)
          .join(', ')}, which the calendar and root-cause views do not break down by.`,
      );
  };

  return (
    <>
      <Card
        title="Segments"
        hint={
          <span data-testid="scan-summary">
            {fmtInt(res.segments.length)} scanned · {fmtInt(critical)} with critical periods
            {res.skipped ? ` · ${fmtInt(res.skipped)} under the volume filter` : ''} · {fmtPeriod(res.range)}{' '}
            · {data.ms} ms{data.indexReused ? ' (index reused)' : ''}
          </span>
        }
        actions={
          <ScanExport
            rows={rows}
            csvName={`funnelscope-scan-${res.range.from}_${res.range.to}.csv`}
            csv={() => scanCsv(res, rows)}
          />
        }
        testId="scan-results"
      >
        <div className="row" style={{ gap: 12, marginBottom: 10 }}>
          <input
            className="input"
            style={{ width: 240 }}
            placeholder="Filter segments (e.g. safari)"
            value={filter}
            aria-label="Filter segments"
            data-testid="scan-filter"
            onChange={(e) => setFilter(e.target.value)}
          />
          <label className="row small" style={{ gap: 6 }}>
            <input
              type="checkbox"
              checked={onlyAlerting}
              data-testid="scan-only-alerting"
              onChange={(e) => setOnlyAlerting(e.target.checked)}
            />
            Only alerting
          </label>
          <label className="row small" style={{ gap: 6 }}>
            Min views / day
            <input
              className="input"
              type="number"
              min={0}
              step={50}
              style={{ width: 84 }}
              value={minViews}
              data-testid="scan-table-min-views"
              onChange={(e) => setMinViews(Math.max(0, Number(e.target.value) || 0))}
            />
          </label>
          <span className="small muted">
            {fmtInt(rows.length)} of {fmtInt(res.segments.length)} shown · click a segment to open it in the
            calendar
          </span>
        </div>
        {note && (
          <div className="small tone-warn" role="status" style={{ marginBottom: 8 }}>
            {note}
          </div>
        )}
        <div className="table-wrap" style={{ maxHeight: 420 }}>
          <table className="data" data-testid="scan-table">
            <thead>
              <tr>
                {header('label', 'Segment', false)}
                {header('level', 'Level')}
                {header('daysChecked', 'Checked', true, 'days with a verdict (OK, anomaly, critical)')}
                {header('anomalousDays', 'Anomalous', true, 'anomalous days (anomaly or critical)')}
                {header('critical', 'Critical periods', false)}
                {header('worstSigma', 'Worst σ')}
                {header('firstCritical', 'First critical', false)}
                {header('purchasesLost', 'Lost purch.', true, 'purchases lost on the anomalous days')}
                {summary.hasRevenue && header('revenueLost', 'Revenue lost')}
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 500).map((r) => (
                <tr
                  key={r.key}
                  className={`clickable${r.criticalPeriods.length ? ' alerting' : ''}`}
                  tabIndex={0}
                  data-segment={formatSegment(r.segment, order)}
                  data-critical={r.criticalPeriods.length}
                  onClick={() => open(r)}
                  onKeyDown={(e) => e.key === 'Enter' && open(r)}
                  title="Open in the anomaly calendar"
                >
                  <td>{segmentLabel(r.segment, order)}</td>
                  <td className="r">{r.level}</td>
                  <td className="r">{fmtInt(r.daysChecked)}</td>
                  <td className="r">{fmtInt(r.anomalousDays)}</td>
                  <td style={{ whiteSpace: 'normal', minWidth: 130 }}>
                    {r.criticalPeriods.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      r.criticalPeriods.slice(0, 3).map((p) => (
                        <span
                          key={p.start}
                          className="badge pill-bad"
                          style={{ margin: '1px 4px 1px 0', whiteSpace: 'nowrap' }}
                        >
                          {fmtDate(p.start, false)} → {fmtDate(p.end, false)}
                        </span>
                      ))
                    )}
                    {r.criticalPeriods.length > 3 && (
                      <span className="small muted">+{r.criticalPeriods.length - 3}</span>
                    )}
                  </td>
                  <td className="r">{fmtSigma(r.worstSigma)}</td>
                  <td>{r.firstCritical ? fmtDate(r.firstCritical) : <span className="muted">—</span>}</td>
                  <td className="r">{fmtInt(Math.round(r.purchasesLost))}</td>
                  {summary.hasRevenue && <td className="r">{fmtMoney(r.revenueLost)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length > 500 && (
          <div className="small muted" style={{ marginTop: 6 }}>
            The first 500 rows are shown; the CSV and Parquet exports have all {fmtInt(rows.length)}.
          </div>
        )}
      </Card>
      <HeatmapCard data={data} rows={rows} onOpen={open} />
    </>
  );
}

const CODE_STATUS: Record<string, number> = { o: 0, a: 1, s: 1, C: 2, S: 2, i: 3, n: 4 };
const STATUS_ORDER = ['OK', 'ANOMALY', 'CRITICAL', 'INSUFFICIENT_DATA', 'NO_DATA'] as const;
const STATUS_TEXT = ['OK', 'Anomaly', 'Critical', 'Insufficient data', 'No data'];
const CODE_RANK: Record<string, number> = { n: 0, i: 1, o: 2, s: 3, a: 4, S: 5, C: 6 };
const HEATMAP_ROWS = 40;

/** worst code of each day (hour-grain codes have 24 characters per day) */
function dayCodes(codes: string, days: number): string[] {
  const per = Math.max(1, Math.round(codes.length / Math.max(1, days)));
  if (per === 1) return codes.split('');
  const out: string[] = [];
  for (let d = 0; d < days; d++) {
    let worst = 'n';
    for (let h = 0; h < per; h++) {
      const c = codes[d * per + h] ?? 'n';
      if (CODE_RANK[c] > CODE_RANK[worst]) worst = c;
    }
    out.push(worst);
  }
  return out;
}

function heatmapOption(data: ScanRunResult, rows: ScanRow[], pal: Palette, order: string[]): EChartsOption {
  const daily = data.result.daily!;
  const codeOf = new Map(data.result.segments.map((r, i) => [r.key, daily.codes[i] ?? '']));
  const shown = rows.slice(0, HEATMAP_ROWS);
  const labels = shown.map((r) => segmentLabel(r.segment, order));
  const points: [number, number, number, string][] = [];
  shown.forEach((r, y) => {
    const codes = dayCodes(codeOf.get(r.key) ?? '', daily.dates.length);
    codes.forEach((c, x) => points.push([x, y, CODE_STATUS[c] ?? 4, c]));
  });
  return {
    animation: false,
    textStyle: { fontFamily: pal.font },
    tooltip: {
      backgroundColor: pal.surface,
      borderColor: pal.border,
      textStyle: { color: pal.text, fontSize: 12 },
      formatter: (p: { value: [number, number, number, string] }) => {
        const [x, y, s, c] = p.value;
        const dir = c === 's' || c === 'S' ? ' (spike)' : c === 'a' || c === 'C' ? ' (drop)' : '';
        return `<b>${labels[y]}</b><br/>${fmtDate(daily.dates[x])} — ${STATUS_TEXT[s]}${dir}`;
      },
    },
    grid: { left: 8, right: 12, top: 8, bottom: 56, containLabel: true },
    xAxis: {
      type: 'category',
      data: daily.dates.map((d) => fmtDate(d, false)),
      axisLabel: { color: pal.text3, fontSize: 11 },
      axisLine: { lineStyle: { color: pal.border } },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: labels,
      inverse: true,
      axisLabel: { color: pal.text2, fontSize: 11, width: 220, overflow: 'truncate' },
      axisLine: { show: false },
      axisTick: { show: false },
    },
    visualMap: {
      type: 'piecewise',
      dimension: 2,
      orient: 'horizontal',
      left: 0,
      bottom: 0,
      itemWidth: 12,
      itemHeight: 12,
      textStyle: { color: pal.text2, fontSize: 12 },
      pieces: STATUS_ORDER.map((s, i) => ({ value: i, label: STATUS_TEXT[i], color: statusColor(s, pal) })),
    },
    series: [
      {
        type: 'heatmap',
        data: points,
        itemStyle: { borderColor: pal.surface, borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: pal.text, borderWidth: 1 } },
        progressive: 0,
      },
    ],
  };
}

function HeatmapCard({
  data,
  rows,
  onOpen,
}: {
  data: ScanRunResult;
  rows: ScanRow[];
  onOpen: (r: ScanRow) => void;
}) {
  const pal = usePalette();
  const order = data.result.dimensions;
  const option = useMemo(
    () => (data.result.daily ? heatmapOption(data, rows, pal, order) : null),
    [data, rows, pal, order],
  );
  if (!option) return null;
  const n = Math.min(rows.length, HEATMAP_ROWS);
  return (
    <Card
      title="Status per day"
      hint={`${n} segment${n === 1 ? '' : 's'} in table order${rows.length > n ? ` (first ${n} of ${fmtInt(rows.length)})` : ''}${data.result.grain === 'hour' ? ' · worst hour of each day' : ''}`}
      testId="scan-heatmap-card"
    >
      {n === 0 ? (
        <Empty title="No segment matches the filters" />
      ) : (
        <Chart
          name="scan-heatmap"
          option={option}
          height={Math.max(160, 70 + n * 18)}
          ariaLabel="Detector status per segment and day"
          events={{
            click: (p) => {
              const y = (p as { value: [number, number] }).value[1];
              const r = rows[y];
              if (r) onOpen(r);
            },
          }}
        />
      )}
    </Card>
  );
}

// ------------------------------------------------------------------ what-if

interface SideSpec {
  preset: string;
  profile: DetectorProfile;
  sigma: number;
  weeks: number;
  streak: number;
  minViews: number;
}

function specOf(presetId: string): SideSpec {
  const p = SETTINGS_PRESETS.find((x) => x.id === presetId) ?? SETTINGS_PRESETS[0];
  const s = settingsFor(p.settings.profile, p.settings);
  return {
    preset: p.id,
    profile: s.profile,
    sigma: s.sigma,
    weeks: s.weeks,
    streak: s.streak,
    minViews: s.minViews,
  };
}

function settingsOfSpec(spec: SideSpec, base: DetectorSettings): DetectorSettings {
  return settingsFor(spec.profile, {
    sigma: spec.sigma,
    weeks: spec.weeks,
    streak: spec.streak,
    minViews: spec.minViews,
    directions: base.directions,
  });
}

export function settingsText(s: DetectorSettings): string {
  return `${s.profile === 'seed' ? 'Seed' : 'Robust'} ${s.sigma}σ / ${s.weeks} wk / streak ${s.streak}${s.minViews ? ` / ≥ ${s.minViews} views` : ''}`;
}

/** the numeric detector settings a what-if side edits */
const SIDE_FIELDS: {
  key: 'sigma' | 'weeks' | 'streak' | 'minViews';
  label: string;
  step: number;
  min: number;
  normalize: (v: number) => number;
}[] = [
  { key: 'sigma', label: 'σ', step: 0.5, min: 0.5, normalize: (v) => v },
  { key: 'weeks', label: 'Weeks', step: 1, min: 1, normalize: Math.round },
  { key: 'streak', label: 'Streak', step: 1, min: 1, normalize: Math.round },
  { key: 'minViews', label: 'Min views', step: 50, min: 0, normalize: (v) => Math.max(0, v) },
];

function SideEditor({
  name,
  spec,
  onChange,
}: {
  name: string;
  spec: SideSpec;
  onChange: (s: SideSpec) => void;
}) {
  return (
    <div className="stack whatif-side" style={{ gap: 8 }} data-testid={`whatif-${name.toLowerCase()}`}>
      <div className="row" style={{ gap: 8 }}>
        <strong>Setting {name}</strong>
        <select
          className="select"
          aria-label={`Preset for setting ${name}`}
          value={spec.preset}
          data-testid={`whatif-${name.toLowerCase()}-preset`}
          onChange={(e) => onChange(specOf(e.target.value))}
        >
          {SETTINGS_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          {spec.preset === 'custom' && <option value="custom">Custom</option>}
        </select>
      </div>
      <div className="row" style={{ gap: 10, alignItems: 'flex-end' }}>
        <label className="field">
          Profile
          <select
            className="select"
            value={spec.profile}
            onChange={(e) =>
              onChange({ ...spec, profile: e.target.value as DetectorProfile, preset: 'custom' })
            }
          >
            <option value="robust">Robust</option>
            <option value="seed">Seed</option>
          </select>
        </label>
        {SIDE_FIELDS.map((f) => (
          <NumberField
            key={f.key}
            label={f.label}
            value={spec[f.key]}
            step={f.step}
            min={f.min}
            onChange={(v) => onChange({ ...spec, [f.key]: f.normalize(v), preset: 'custom' })}
          />
        ))}
      </div>
    </div>
  );
}

function useSides() {
  const [a, setA] = useState<SideSpec>(() => specOf('r-2s-4w'));
  const [b, setB] = useState<SideSpec>(() => specOf('r-3s-8w'));
  return { a, setA, b, setB };
}

type Sides = ReturnType<typeof useSides>;

function WhatIfCard({ sides }: { sides: Sides }) {
  const { a, setA, b, setB } = sides;
  const base = useApp((s) => s.settings);
  const state = useApp((s) => s.whatIf);
  const runWhatIf = useApp((s) => s.runWhatIf);
  const setup = useApp((s) => s.scanSetup);
  const [error, setError] = useState<string | null>(null);
  const go = () => {
    try {
      setError(null);
      void runWhatIf(settingsOfSpec(a, base), settingsOfSpec(b, base));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const r = state.result;
  const order = setup.dimensions;
  return (
    <Card
      title="What-if: two settings side by side"
      hint="the alerts (critical periods) each setting raises that the other does not"
      testId="whatif"
    >
      <div className="row" style={{ gap: 32, alignItems: 'flex-start' }}>
        <SideEditor name="A" spec={a} onChange={setA} />
        <SideEditor name="B" spec={b} onChange={setB} />
        <span className="spacer" style={{ flex: 1 }} />
        <button
          type="button"
          className="btn primary"
          disabled={state.status === 'running' || setup.dimensions.length === 0}
          onClick={go}
          data-testid="whatif-run"
          style={{ alignSelf: 'flex-end' }}
        >
          {state.status === 'running' ? 'Comparing…' : 'Compare'}
        </button>
      </div>
      {(error || state.error) && (
        <div className="small tone-bad" role="alert" style={{ marginTop: 8 }}>
          {error ?? state.error}
        </div>
      )}
      {state.status === 'running' && state.progress && (
        <div className="small muted" style={{ marginTop: 8 }}>
          {state.progress.phase} · {fmtInt(state.progress.done)} / {fmtInt(state.progress.total)}
        </div>
      )}
      {r && (
        <div className="stack" style={{ gap: 10, marginTop: 12 }} data-testid="whatif-result">
          <div className="table-wrap">
            <table className="data" data-testid="whatif-table">
              <thead>
                <tr>
                  <th>Setting</th>
                  <th className="r">Segments scanned</th>
                  <th className="r">Segments alerting</th>
                  <th className="r">Alerts</th>
                  <th className="r">Only this setting</th>
                  <th className="r">Both</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['A', r.a, r.comparison.onlyA.length],
                    ['B', r.b, r.comparison.onlyB.length],
                  ] as const
                ).map(([n, s, only]) => (
                  <tr key={n}>
                    <td>
                      <strong>{n}</strong> · {settingsText(s.settings)}
                    </td>
                    <td className="r">{fmtInt(s.segments.length)}</td>
                    <td className="r">{fmtInt(s.segments.filter((x) => x.criticalPeriods.length).length)}</td>
                    <td className="r">
                      {fmtInt(s.segments.reduce((t, x) => t + x.criticalPeriods.length, 0))}
                    </td>
                    <td className="r">{fmtInt(only)}</td>
                    <td className="r">{fmtInt(r.comparison.both.length)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="grid-2">
            <AlertList
              title="Only A raises"
              alerts={r.comparison.onlyA}
              order={order}
              testId="whatif-only-a"
            />
            <AlertList
              title="Only B raises"
              alerts={r.comparison.onlyB}
              order={order}
              testId="whatif-only-b"
            />
          </div>
        </div>
      )}
    </Card>
  );
}

function AlertList({
  title,
  alerts,
  order,
  testId,
}: {
  title: string;
  alerts: {
    segment: Record<string, string>;
    key: string;
    start: string;
    end: string;
    days: number;
    scannedInOther: boolean;
  }[];
  order: string[];
  testId: string;
}) {
  return (
    <div data-testid={testId}>
      <div className="small" style={{ fontWeight: 600, marginBottom: 4 }}>
        {title} ({fmtInt(alerts.length)})
      </div>
      {alerts.length === 0 ? (
        <div className="small muted">Nothing — every alert is raised by the other setting too.</div>
      ) : (
        <div className="table-wrap" style={{ maxHeight: 220 }}>
          <table className="data">
            <tbody>
              {alerts.slice(0, 100).map((x) => (
                <tr key={x.key + x.start}>
                  <td>{segmentLabel(x.segment, order)}</td>
                  <td>{fmtPeriod({ from: x.start, to: x.end })}</td>
                  <td className="r">{x.days} d</td>
                  <td className="small muted">{x.scannedInOther ? '' : 'not scanned by the other'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

// ------------------------------------------------------------------ replay

function ReplayCard({ sides }: { sides: Sides }) {
  const suggestion = useApp((s) => s.suggestion);
  const base = useApp((s) => s.settings);
  const state = useApp((s) => s.replay);
  const runReplay = useApp((s) => s.runReplay);
  const setup = useApp((s) => s.scanSetup);
  const summary = useApp((s) => s.dataset.summary)!;
  const [segText, setSegText] = useState('');
  const [start, setStart] = useState('');
  const [error, setError] = useState<string | null>(null);
  const order = setup.dimensions;
  const go = (fromDetector: boolean) => {
    setError(null);
    try {
      const list: DetectorSettings[] = [];
      const seen = new Set<string>();
      const add = (s: DetectorSettings) => {
        const k = JSON.stringify(s);
        if (seen.has(k)) return;
        seen.add(k);
        list.push(s);
      };
      add(settingsOfSpec(sides.a, base));
      add(settingsOfSpec(sides.b, base));
      add(base);
      for (const p of SETTINGS_PRESETS) add(settingsOfSpec(specOf(p.id), base));
      let incident: { segment: Record<string, string>; start: string } | null = null;
      if (!fromDetector) {
        const segment = parseSegment(segText, setup.dimensions);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw new Error('give the incident start as a date');
        incident = { segment, start };
      }
      void runReplay(incident, list);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const r = state.result;
  const fill = () => {
    if (suggestion?.segment && suggestion.incident) {
      setSegText(formatSegment(suggestion.segment, order));
      setStart(suggestion.incident.from);
    }
  };
  return (
    <Card
      title="Incident replay"
      hint="per setting: how many days until the incident went CRITICAL, and the false alarms elsewhere"
      testId="replay"
    >
      <div className="row" style={{ gap: 12, alignItems: 'flex-end' }}>
        <label className="field">
          Incident segment
          <input
            className="input"
            style={{ width: 280 }}
            placeholder="device=mobile,os=ios,browser=safari"
            value={segText}
            data-testid="replay-segment"
            onChange={(e) => setSegText(e.target.value)}
          />
        </label>
        <label className="field">
          Started
          <input
            className="input"
            type="date"
            min={summary.range.from}
            max={summary.range.to}
            value={start}
            data-testid="replay-start"
            onChange={(e) => setStart(e.target.value)}
          />
        </label>
        {suggestion?.segment && (
          <button type="button" className="btn ghost small" onClick={fill} data-testid="replay-fill">
            Use the detector's incident
          </button>
        )}
        <span className="spacer" style={{ flex: 1 }} />
        <button
          type="button"
          className="btn"
          disabled={state.status === 'running'}
          onClick={() => go(true)}
          data-testid="replay-suggested"
          title="The detector picks the incident (the segment that lost the most purchases in its critical periods)"
        >
          Replay the detector's incident
        </button>
        <button
          type="button"
          className="btn primary"
          disabled={state.status === 'running' || !segText || !start}
          onClick={() => go(false)}
          data-testid="replay-run"
        >
          {state.status === 'running' ? 'Replaying…' : 'Replay'}
        </button>
      </div>
      {(error || state.error) && (
        <div className="small tone-bad" role="alert" style={{ marginTop: 8 }}>
          {error ?? state.error}
        </div>
      )}
      {r && (
        <div className="stack" style={{ gap: 8, marginTop: 12 }} data-testid="replay-result">
          <div className="small">
            Incident: <strong>{segmentLabel(r.incident.segment, order)}</strong> from{' '}
            <strong>{fmtDate(r.incident.start)}</strong>
            {r.suggested ? ' (from the detector)' : ''} · {r.ms} ms
          </div>
          <div className="table-wrap">
            <table className="data" data-testid="replay-table">
              <thead>
                <tr>
                  <th>Setting</th>
                  <th className="r">Detected after</th>
                  <th>First critical</th>
                  <th
                    className="r"
                    title="critical periods of unrelated segments, or ending before the incident"
                  >
                    False critical periods
                  </th>
                  <th className="r" title="segments containing, inside or overlapping the incident segment">
                    Related alerts
                  </th>
                  <th className="r">Segments</th>
                </tr>
              </thead>
              <tbody>
                {r.outcomes.map((o) => (
                  <tr key={JSON.stringify(o.settings)}>
                    <td>{settingsText(o.settings)}</td>
                    <td className="r">
                      {o.delayDays === null ? (
                        <span className="badge pill-bad">missed</span>
                      ) : (
                        `${o.delayDays} day${o.delayDays === 1 ? '' : 's'}`
                      )}
                    </td>
                    <td>{o.firstCritical ? fmtDate(o.firstCritical) : '—'}</td>
                    <td className="r">
                      <span className={`badge ${o.falseCritical ? 'pill-warn' : 'pill-ok'}`}>
                        {fmtInt(o.falseCritical)}
                      </span>
                    </td>
                    <td className="r">{fmtInt(o.relatedCritical)}</td>
                    <td className="r">{fmtInt(o.segmentsScanned)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Card>
  );
}
