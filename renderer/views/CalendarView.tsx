/** 5 · Anomaly calendar: detector verdict per day (heatmap), day detail, conversion with baseline band, settings. */
import { useEffect, useMemo, useState } from 'react';
import { useApp, useAnalysis } from '../app/context.js';
import { Chart, type EChartsOption } from '../components/Chart.js';
import { Card, Empty, ErrorBox, Segmented, Skeleton, SkeletonRows } from '../components/ui.js';
import { fmtDate, fmtDateLong, fmtInt, fmtPct, fmtPeriod, fmtSigma, segmentLabel } from '../lib/format.js';
import { chartFrame, legendStyle, timeAxis, tooltipStyle, valueAxis } from '../lib/chart-options.js';
import { usePalette, type Palette } from '../lib/theme.js';
import type { DetectionResult, DetectionStatus, DetectorProfile } from '../../core/types.js';
import type { CalendarResult } from '../worker/protocol.js';
import { NoData, SegmentPicker } from './common.js';
import { ExportReportButton } from '../components/ExportReport.js';

const STATUSES: DetectionStatus[] = ['OK', 'ANOMALY', 'CRITICAL', 'INSUFFICIENT_DATA', 'NO_DATA'];
const STATUS_LABEL: Record<DetectionStatus, string> = {
  OK: 'OK',
  ANOMALY: 'Anomaly',
  CRITICAL: 'Critical',
  INSUFFICIENT_DATA: 'Insufficient data',
  NO_DATA: 'No data',
};

export function statusColor(s: DetectionStatus, pal: Palette): string {
  return {
    OK: pal.ok,
    ANOMALY: pal.warn,
    CRITICAL: pal.crit,
    INSUFFICIENT_DATA: pal.muted,
    NO_DATA: pal.nodata,
  }[s];
}

export function CalendarView() {
  const summary = useApp((s) => s.dataset.summary);
  const settings = useApp((s) => s.settings);
  const segment = useApp((s) => s.calendarSegment);
  const setSegment = useApp((s) => s.setCalendarSegment);
  const selectedDay = useApp((s) => s.selectedDay);
  const res = useAnalysis('calendar', summary ? { segment, settings } : null);
  if (!summary) return <NoData />;
  const data = res.data;
  const day = data && selectedDay ? (data.days.find((d) => d.date === selectedDay) ?? null) : null;
  return (
    <div
      className="stack"
      data-testid="calendar"
      data-version={res.version}
      data-loading={res.loading ? 'true' : 'false'}
    >
      <SettingsBar />
      <div className="row">
        <span className="small muted">Segment</span>
        <SegmentPicker value={segment} onChange={setSegment} allowWorst testId="calendar-segment" />
        {data && (
          <span className="small muted" data-testid="calendar-ms">
            {data.mode === 'worst' ? `${fmtInt(data.scanned)} segments scanned · ` : ''}detector ran in{' '}
            {data.ms} ms
          </span>
        )}
        <span className="spacer" />
        <ExportReportButton segment={segment === 'worst' ? undefined : segment} />
      </div>
      {res.error && <ErrorBox title="The detector could not run" message={res.error} />}
      <div className="grid-main-side">
        <HeatmapCard data={data} loading={res.loading} />
        <DayDetail day={day} mode={data?.mode ?? 'worst'} />
      </div>
      <ConversionCard data={data} />
    </div>
  );
}

export function NumberField({
  label,
  value,
  step,
  min,
  onChange,
  testId,
}: {
  label: string;
  value: number;
  step: number;
  min: number;
  onChange: (v: number) => void;
  testId?: string;
}) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  return (
    <label className="field">
      {label}
      <input
        className="input"
        style={{ width: 84 }}
        type="number"
        step={step}
        min={min}
        value={text}
        data-testid={testId}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v)) onChange(v);
        }}
      />
    </label>
  );
}

export function SettingsBar() {
  const settings = useApp((s) => s.settings);
  const setProfile = useApp((s) => s.setProfile);
  const setSettings = useApp((s) => s.setSettings);
  const error = useApp((s) => s.settingsError);
  return (
    <Card testId="detector-settings">
      <div className="row" style={{ alignItems: 'flex-end', gap: 16 }}>
        <label className="field">
          Profile
          <Segmented<DetectorProfile>
            label="Detector profile"
            value={settings.profile}
            options={[
              { value: 'seed', label: 'Seed (same-weekday median)' },
              { value: 'robust', label: 'Robust' },
            ]}
            onChange={setProfile}
          />
        </label>
        <NumberField
          label="Threshold σ"
          value={settings.sigma}
          step={0.5}
          min={0.5}
          onChange={(sigma) => setSettings({ sigma })}
          testId="setting-sigma"
        />
        <NumberField
          label="Weeks of history"
          value={settings.weeks}
          step={1}
          min={1}
          onChange={(weeks) => setSettings({ weeks: Math.round(weeks) })}
          testId="setting-weeks"
        />
        <NumberField
          label="Streak for critical"
          value={settings.streak}
          step={1}
          min={1}
          onChange={(streak) => setSettings({ streak: Math.round(streak) })}
          testId="setting-streak"
        />
        <NumberField
          label="Min views / day"
          value={settings.minViews}
          step={50}
          min={0}
          onChange={(minViews) => setSettings({ minViews })}
          testId="setting-minviews"
        />
        <span className="small muted" style={{ paddingBottom: 7, maxWidth: 260 }}>
          Changes re-run the detector at once.
        </span>
      </div>
      {error && (
        <div className="small tone-bad" style={{ marginTop: 8 }} role="alert">
          {error}
        </div>
      )}
    </Card>
  );
}

function heatmapOption(
  data: CalendarResult,
  pal: Palette,
  order: string[],
  selected: string | null,
): EChartsOption {
  const from = data.days[0]?.date;
  const to = data.days[data.days.length - 1]?.date;
  const byDate = new Map(data.days.map((d) => [d.date, d]));
  return {
    animation: false,
    textStyle: { fontFamily: pal.font },
    tooltip: {
      ...tooltipStyle(pal),
      formatter: (p: { value: [string, number] }) => {
        const d = byDate.get(p.value[0]);
        if (!d) return '';
        const seg =
          data.mode === 'worst'
            ? `<br/><span style="opacity:.7">${segmentLabel(d.segment, order)}</span>`
            : '';
        const body =
          d.status === 'NO_DATA'
            ? 'no data'
            : `conversion ${fmtPct(d.rate)} · expected ${fmtPct(d.baseline)}<br/>deviation <b>${fmtSigma(d.deviationSigma)}</b> · ${fmtInt(d.views)} views`;
        return `<b>${fmtDateLong(d.date)}</b> — ${STATUS_LABEL[d.status]}${seg}<br/>${body}`;
      },
    },
    visualMap: {
      type: 'piecewise',
      dimension: 1,
      orient: 'horizontal',
      left: 0,
      bottom: 0,
      itemWidth: 12,
      itemHeight: 12,
      textStyle: { color: pal.text2, fontSize: 12 },
      pieces: STATUSES.map((s, i) => ({ value: i, label: STATUS_LABEL[s], color: statusColor(s, pal) })),
    },
    calendar: {
      range: [from, to],
      orient: 'horizontal',
      top: 26,
      left: 36,
      right: 8,
      bottom: 40,
      cellSize: ['auto', 'auto'],
      splitLine: { show: true, lineStyle: { color: pal.border, width: 1.5 } },
      itemStyle: { borderColor: pal.surface, borderWidth: 3, color: pal.surface2 },
      yearLabel: { show: false },
      monthLabel: { color: pal.text2, fontSize: 12, nameMap: 'EN' },
      dayLabel: { color: pal.text3, fontSize: 11, firstDay: 1, nameMap: ['S', 'M', 'T', 'W', 'T', 'F', 'S'] },
    },
    series: [
      {
        type: 'heatmap',
        coordinateSystem: 'calendar',
        data: data.days.map((d) => ({
          value: [d.date, STATUSES.indexOf(d.status)],
          itemStyle: d.date === selected ? { borderColor: pal.text, borderWidth: 2 } : undefined,
        })),
        emphasis: { itemStyle: { borderColor: pal.text, borderWidth: 1 } },
      },
    ],
  };
}

function HeatmapCard({ data, loading }: { data: CalendarResult | null; loading: boolean }) {
  const pal = usePalette();
  const summary = useApp((s) => s.dataset.summary)!;
  const selected = useApp((s) => s.selectedDay);
  const selectDay = useApp((s) => s.selectDay);
  const option = useMemo(
    () => (data ? heatmapOption(data, pal, summary.dimensions, selected) : null),
    [data, pal, summary.dimensions, selected],
  );
  const events = useMemo(
    () => ({ click: (p: unknown) => selectDay((p as { value: [string, number] }).value[0]) }),
    [selectDay],
  );
  const weeks = data ? Math.ceil(data.days.length / 7) + 1 : 20;
  const height = Math.min(300, Math.max(210, 7 * Math.min(30, 900 / weeks) + 90));
  return (
    <Card
      title="Detector verdict per day"
      hint={
        data
          ? data.mode === 'worst'
            ? 'worst segment on each day'
            : segmentLabel(data.segment, summary.dimensions)
          : undefined
      }
      actions={
        data && (
          <span className="row small" style={{ gap: 10 }} data-testid="status-counts">
            <span className="tone-bad">{data.counts.CRITICAL} critical</span>
            <span className="tone-warn">{data.counts.ANOMALY} anomalous</span>
          </span>
        )
      }
      testId="heatmap-card"
    >
      {option ? (
        <div style={{ opacity: loading ? 0.6 : 1 }}>
          <Chart
            name="calendar-heatmap"
            option={option}
            height={height}
            events={events}
            ariaLabel="Calendar of detector verdicts"
          />
        </div>
      ) : (
        <Skeleton height={240} />
      )}
      {data && data.counts.CRITICAL + data.counts.ANOMALY > 0 && <FirstCritical data={data} />}
    </Card>
  );
}

function FirstCritical({ data }: { data: CalendarResult }) {
  const summary = useApp((s) => s.dataset.summary)!;
  const selectDay = useApp((s) => s.selectDay);
  // a critical period runs from the start of the anomalous streak that turned CRITICAL to its last critical day
  // (the reference's definition); firstCritical is the day the detector first said CRITICAL
  const periods: { start: string; end: string; firstCritical: string; seg: string }[] = [];
  for (const d of data.days) {
    const last = periods[periods.length - 1];
    if (d.status === 'CRITICAL') {
      const seg = segmentLabel(d.segment, summary.dimensions);
      if (last && last.seg === seg && daysApart(last.end, d.date) === 1) last.end = d.date;
      else
        periods.push({
          start: d.streak.start && d.streak.start < d.date ? d.streak.start : d.date,
          end: d.date,
          firstCritical: d.date,
          seg,
        });
    }
  }
  if (!periods.length)
    return (
      <div className="small muted" style={{ marginTop: 8 }}>
        No critical streak in the range.
      </div>
    );
  return (
    <div className="row small" style={{ marginTop: 8, gap: 8 }} data-testid="critical-periods">
      <span className="muted">Critical:</span>
      {periods.slice(-4).map((p) => (
        <button
          key={p.start + p.seg}
          className="chip"
          type="button"
          style={{ cursor: 'pointer' }}
          onClick={() => selectDay(p.firstCritical)}
          title={`First CRITICAL verdict on ${fmtDateLong(p.firstCritical)}; anomalous since ${fmtDateLong(p.start)}`}
          data-start={p.start}
          data-first-critical={p.firstCritical}
          data-end={p.end}
          data-segment={p.seg}
        >
          <strong>{fmtPeriod({ from: p.start, to: p.end })}</strong> {data.mode === 'worst' ? p.seg : ''}
        </button>
      ))}
    </div>
  );
}

function daysApart(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
}

function DayDetail({ day, mode }: { day: DetectionResult | null; mode: 'worst' | 'segment' }) {
  const pal = usePalette();
  const summary = useApp((s) => s.dataset.summary)!;
  if (!day) {
    return (
      <Card title="Day detail" testId="day-detail">
        <Empty icon="☷" title="Click a day">
          See its conversion, the baseline days the detector compared it with, the median, σ, threshold and
          streak.
        </Empty>
      </Card>
    );
  }
  return (
    <Card
      title={fmtDateLong(day.date)}
      actions={
        <span
          className="badge"
          style={{
            background: statusColor(day.status, pal),
            color: day.status === 'NO_DATA' || day.status === 'INSUFFICIENT_DATA' ? pal.text : '#fff',
          }}
        >
          {STATUS_LABEL[day.status]}
        </span>
      }
      className="day-detail"
      testId="day-detail"
    >
      {mode === 'worst' && (
        <div className="small muted" style={{ marginTop: -6, marginBottom: 8 }}>
          Worst segment: {segmentLabel(day.segment, summary.dimensions)}
        </div>
      )}
      <dl className="dl">
        <dt>Conversion</dt>
        <dd>
          <strong>{fmtPct(day.rate)}</strong>{' '}
          <span className="muted">
            ({fmtInt(day.purchases)} of {fmtInt(day.views)} views)
          </span>
        </dd>
        <dt>Expected (median)</dt>
        <dd>{fmtPct(day.baseline)}</dd>
        <dt>σ</dt>
        <dd>{day.sigma === null ? '—' : `${(day.sigma * 100).toFixed(2)} pp`}</dd>
        <dt>Threshold</dt>
        <dd>{fmtPct(day.threshold)}</dd>
        <dt>Deviation</dt>
        <dd className={day.deviationSigma !== null && day.deviationSigma <= -2 ? 'tone-bad' : ''}>
          {fmtSigma(day.deviationSigma)}
        </dd>
        <dt>Streak</dt>
        <dd>
          {day.streak.length > 0
            ? `${day.streak.length} day${day.streak.length > 1 ? 's' : ''} since ${fmtDate(day.streak.start)}`
            : 'none'}
        </dd>
      </dl>
      <h3 style={{ margin: '14px 0 6px', fontSize: 13 }}>Baseline days used ({day.baselineDays.length})</h3>
      {day.baselineDays.length === 0 ? (
        <div className="small muted">No comparable days before this one.</div>
      ) : (
        <div className="table-wrap" style={{ maxHeight: 190 }}>
          <table className="data">
            <thead>
              <tr>
                <th>Date</th>
                <th className="r">Conversion</th>
                <th className="r">Views</th>
              </tr>
            </thead>
            <tbody>
              {day.baselineDays.map((b) => (
                <tr key={b.date}>
                  <td>{fmtDateLong(b.date)}</td>
                  <td className="r">{fmtPct(b.rate)}</td>
                  <td className="r">{fmtInt(b.views)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function conversionOption(series: DetectionResult[], pal: Palette, k: number): EChartsOption {
  const dates = series.map((d) => d.date);
  const pct = (x: number | null) => (x === null ? null : +(x * 100).toFixed(4));
  const lower = series.map((d) =>
    // a rate cannot go below 0: the band is clipped there
    d.baseline !== null && d.sigma !== null
      ? pct(Math.max(0, d.threshold ?? d.baseline - k * d.sigma))
      : null,
  );
  const upper = series.map((d) =>
    d.baseline !== null && d.sigma !== null ? pct(d.baseline + k * d.sigma) : null,
  );
  const width = upper.map((u, i) => (u === null || lower[i] === null ? null : Math.max(0, u - lower[i]!)));
  const marks = series
    .map((d, i) =>
      d.status === 'ANOMALY' || d.status === 'CRITICAL'
        ? { value: [i, pct(d.rate)], itemStyle: { color: statusColor(d.status, pal) } }
        : null,
    )
    .filter(Boolean);
  return {
    ...chartFrame(pal, { left: 52, right: 20, top: 34, bottom: 28 }),
    legend: legendStyle(pal, ['Conversion', 'Expected', 'Normal band', 'Flagged day']),
    tooltip: {
      trigger: 'axis',
      ...tooltipStyle(pal),
      formatter: (ps: { dataIndex: number }[]) => {
        const d = series[ps[0].dataIndex];
        return `<b>${fmtDateLong(d.date)}</b> — ${STATUS_LABEL[d.status]}<br/>conversion ${fmtPct(d.rate)}<br/>expected ${fmtPct(d.baseline)} · threshold ${fmtPct(d.threshold)}<br/>deviation ${fmtSigma(d.deviationSigma)}`;
      },
    },
    xAxis: timeAxis(pal, dates),
    yAxis: valueAxis(pal, { min: 0, format: (v) => `${v.toFixed(1)} %` }),
    series: [
      {
        name: 'band-base',
        type: 'line',
        data: lower,
        stack: 'band',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        tooltip: { show: false },
        silent: true,
      },
      {
        name: 'Normal band',
        type: 'line',
        data: width,
        stack: 'band',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { color: pal.accent, opacity: 0.12 },
        color: pal.accent,
        silent: true,
      },
      {
        name: 'Expected',
        type: 'line',
        data: series.map((d) => pct(d.baseline)),
        symbol: 'none',
        lineStyle: { type: 'dashed', width: 1.2 },
        color: pal.text3,
      },
      {
        name: 'Conversion',
        type: 'line',
        data: series.map((d) => pct(d.rate)),
        symbol: 'none',
        lineStyle: { width: 2 },
        color: pal.purchases,
        connectNulls: false,
      },
      { name: 'Flagged day', type: 'scatter', data: marks, symbolSize: 9, color: pal.crit, z: 5 },
    ],
  };
}

function ConversionCard({ data }: { data: CalendarResult | null }) {
  const pal = usePalette();
  const summary = useApp((s) => s.dataset.summary)!;
  const option = useMemo(
    () => (data && data.series.length ? conversionOption(data.series, pal, data.settings.sigma) : null),
    [data, pal],
  );
  return (
    <Card
      title="Conversion and the expected band"
      hint={
        data
          ? `${segmentLabel(data.segment, summary.dimensions)}${data.mode === 'worst' ? ' (the segment worst over the range)' : ''}`
          : undefined
      }
      testId="conversion-card"
    >
      {!data ? (
        <SkeletonRows rows={4} />
      ) : option ? (
        <Chart
          name="calendar-conversion"
          option={option}
          height={260}
          ariaLabel="Daily conversion with the expected band"
        />
      ) : (
        <Empty title="No series">The detector returned no days for this segment.</Empty>
      )}
    </Card>
  );
}
