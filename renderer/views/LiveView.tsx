/**
 * 8 · Live: the Kafka tap's status and today's funnel per segment against the same weekdays.
 *
 * - Connect form (brokers, topic, group, target folder; prefilled with the remembered settings) → host
 *   liveConnect, which runs the tap in the host process. Once the tap has written batches, the live folder is
 *   opened as the dataset (a button offers it; after Connect it happens on its own).
 * - The host pushes `live` status events (≥ 1/s): state, lag per partition, events/s (sparklines), totals.
 * - The host adds every batch to the open dataset and pushes `liveData`; a module-level sync (installed at
 *   start-up by main.tsx, kept while the app runs) then reloads the app's cube (store.reloadCube), so the
 *   other views grow too, and this view re-requests its hour-grain cube and has the worker compare today with
 *   the same weekdays up to the same time (worker request `liveToday`, core/live.ts), at most one request in
 *   flight and one queued.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { useApp, useServices } from '../app/context.js';
import { Chart, type EChartsOption } from '../components/Chart.js';
import { DataTable, type Column } from '../components/DataTable.js';
import { Card, Empty, ErrorBox, Kpi, SkeletonRows } from '../components/ui.js';
import {
  displayDimension,
  fmtChange,
  fmtCompact,
  fmtInt,
  fmtPct,
  fmtSigma,
  segmentLabel,
} from '../lib/format.js';
import { chartFrame, legendStyle, timeAxis, tooltipStyle, valueAxis } from '../lib/chart-options.js';
import { usePalette } from '../lib/theme.js';
import type { HostClient } from '../host/client.js';
import type { AppStore } from '../state/store.js';
import type { WorkerClient } from '../worker/client.js';
import { isCancelled, type Responses } from '../worker/protocol.js';
import type { HostEvent, LiveDataEvent, LiveStatus } from '../../core/contract.js';
import type { LiveSegmentResult } from '../../core/live.js';
import type { DetectionStatus } from '../../core/types.js';

type LiveResult = NonNullable<Responses['liveToday']>;

interface LiveState {
  status: LiveStatus | null;
  /** the last liveData event of the dataset on screen */
  lastData: LiveDataEvent | null;
  /** increments with every liveData of the dataset on screen (the live analysis re-runs on it) */
  dataVersion: number;
  /** open the live folder as the dataset once it has files (set by Connect) */
  autoOpen: boolean;
  today: LiveResult | null;
  todayError: string | null;
  todayVersion: number;
  busy: 'connecting' | 'disconnecting' | null;
  connectError: string | null;
}

const liveStore: StoreApi<LiveState> = createStore<LiveState>(() => ({
  status: null,
  lastData: null,
  dataVersion: 0,
  autoOpen: false,
  today: null,
  todayError: null,
  todayVersion: 0,
  busy: null,
  connectError: null,
}));
const useLive = <T,>(sel: (s: LiveState) => T): T => useStore(liveStore, sel);

/** the dimensions compared live (the classic culprits first) */
const LIVE_DIMS = ['device', 'os', 'browser'];
/** weeks of hour-grain history requested for the baseline and the hourly detector's profile */
const HISTORY_DAYS = 8 * 7;

let installed: { host: HostClient; off: () => void } | null = null;

/** Install the host-event sync once per host client (kept for the app's lifetime: the other views need it). */
export function installLiveSync(host: HostClient, store: AppStore, worker: WorkerClient): void {
  if (installed?.host === host) return;
  installed?.off();
  let reloading = false;
  let again = false;
  const reload = async () => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    try {
      do {
        again = false;
        await store.getState().reloadCube();
      } while (again);
    } finally {
      reloading = false;
    }
  };
  const off = host.onEvent((e: HostEvent) => {
    if (e.type === 'live') liveStore.setState({ status: e.status });
    else if (e.type === 'liveData') {
      const opened = store.getState().dataset.opened;
      if (!opened || opened.datasetId !== e.datasetId) return;
      liveStore.setState((s) => ({ lastData: e, dataVersion: s.dataVersion + 1 }));
      void reload();
      // the live analysis only while the Live view is on screen (entering it computes it afresh)
      if (store.getState().view === 'live') void refreshToday(host, store, worker);
    }
  });
  installed = { host, off };
  void host.invoke('liveStatus', {}).then(
    (status) => liveStore.setState({ status }),
    () => undefined,
  );
}

let todayRunning = false;
let todayAgain = false;

/** (Re)compute today vs the same weekdays for the dataset on screen; one run at a time, one queued. */
async function refreshToday(host: HostClient, store: AppStore, worker: WorkerClient): Promise<void> {
  if (todayRunning) {
    todayAgain = true;
    return;
  }
  todayRunning = true;
  try {
    do {
      todayAgain = false;
      const { opened, summary, status } = store.getState().dataset;
      if (status !== 'ready') break; // the view asks again once the dataset is loaded
      if (!opened || !summary) {
        liveStore.setState({ today: null, todayError: null });
        break;
      }
      const available = Object.keys(opened.profile.dimensions ?? {});
      let dims = LIVE_DIMS.filter((d) => available.includes(d));
      if (!dims.length) dims = summary.dimensions.slice(0, 3);
      const latest = liveStore.getState().lastData?.latestEventAt ?? null;
      const lastDay = latest ? latest.slice(0, 10) : summary.range.to;
      const from = new Date(Date.parse(`${lastDay}T00:00:00Z`) - HISTORY_DAYS * 86_400_000)
        .toISOString()
        .slice(0, 10);
      try {
        const cube = await host.invoke('cube', {
          datasetId: opened.datasetId,
          dimensions: dims,
          grain: 'hour',
          from: from < summary.range.from ? summary.range.from : from,
        });
        const res = await worker.request(
          'liveToday',
          { cube, dimensions: dims, settings: store.getState().settings, now: latest },
          { key: 'liveToday' },
        );
        liveStore.setState((s) => ({ today: res, todayError: null, todayVersion: s.todayVersion + 1 }));
      } catch (e) {
        if (!isCancelled(e)) liveStore.setState({ todayError: (e as Error).message });
      }
    } while (todayAgain);
  } finally {
    todayRunning = false;
  }
}

// ------------------------------------------------------------------------------------------- the view

export function LiveView() {
  const { host, store, worker } = useServices();
  const opened = useApp((s) => s.dataset.opened);
  const summary = useApp((s) => s.dataset.summary);
  const status = useLive((s) => s.status);
  const autoOpen = useLive((s) => s.autoOpen);
  const openFolder = useApp((s) => s.openFolder);
  const datasetStatus = useApp((s) => s.dataset.status);

  useEffect(() => {
    if (host) installLiveSync(host, store, worker);
  }, [host, store, worker]);

  // the live analysis of the dataset on screen: on entering the view and on a new dataset / settings
  const settings = useApp((s) => s.settings);
  const ready = useApp((s) => s.dataset.status === 'ready');
  useEffect(() => {
    if (host && ready) void refreshToday(host, store, worker);
  }, [host, store, worker, ready, opened?.datasetId, summary?.range.from, summary?.range.to, settings]);

  // after Connect: open the live folder as the dataset once the tap has written a batch
  const liveFolder = status?.connection?.folder ?? null;
  const onLiveData = !!opened && !!liveFolder && opened.folder === liveFolder;
  useEffect(() => {
    if (!autoOpen || !liveFolder || onLiveData || !status || status.files === 0) return;
    if (datasetStatus === 'opening' || datasetStatus === 'cube' || datasetStatus === 'loading') return;
    liveStore.setState({ autoOpen: false });
    void openFolder(liveFolder);
  }, [autoOpen, liveFolder, onLiveData, status, datasetStatus, openFolder]);

  if (!host) {
    return (
      <Card>
        <Empty title="Live needs the app's host">
          The live tap runs in the app (or the local web host started with funnelscope serve).
        </Empty>
      </Card>
    );
  }
  return (
    <div className="stack" data-testid="live">
      <div className="grid-2">
        <ConnectCard host={host} />
        <StatusCard />
      </div>
      {liveFolder && !onLiveData && status && status.files > 0 && (
        <div className="callout" data-testid="live-open-hint">
          The tap writes into <code>{liveFolder}</code>; the dataset on screen is another folder.{' '}
          <button className="btn small primary" type="button" onClick={() => void openFolder(liveFolder)}>
            Open the live data
          </button>
        </div>
      )}
      <TodayCard />
    </div>
  );
}

function ConnectCard({ host }: { host: HostClient }) {
  const status = useLive((s) => s.status);
  const busy = useLive((s) => s.busy);
  const error = useLive((s) => s.connectError);
  const remembered = status?.remembered ?? null;
  const [form, setForm] = useState({ brokers: '', topic: '', group: '', folder: '' });
  const filled = useRef(false);
  useEffect(() => {
    if (filled.current || !status) return;
    filled.current = true;
    const src = status.connection
      ? {
          brokers: status.connection.brokers.join(','),
          topic: status.connection.topic,
          group: status.connection.group ?? '',
          folder: remembered?.folder ?? '',
        }
      : remembered
        ? {
            brokers: remembered.brokers,
            topic: remembered.topic,
            group: remembered.group ?? '',
            folder: remembered.folder ?? '',
          }
        : { brokers: '127.0.0.1:9092', topic: '', group: '', folder: '' };
    setForm(src);
  }, [status, remembered]);
  const running =
    status?.state === 'connected' || status?.state === 'reconnecting' || status?.state === 'starting';

  const connect = async () => {
    liveStore.setState({ busy: 'connecting', connectError: null });
    try {
      const st = await host.invoke('liveConnect', {
        brokers: form.brokers,
        topic: form.topic.trim(),
        ...(form.group.trim() ? { group: form.group.trim() } : {}),
        ...(form.folder.trim() ? { folder: form.folder.trim() } : {}),
      });
      liveStore.setState({ status: st, autoOpen: true });
    } catch (e) {
      liveStore.setState({ connectError: (e as Error).message });
    } finally {
      liveStore.setState({ busy: null });
    }
  };
  const disconnect = async () => {
    liveStore.setState({ busy: 'disconnecting', connectError: null });
    try {
      liveStore.setState({ status: await host.invoke('liveDisconnect', {}), autoOpen: false });
    } catch (e) {
      liveStore.setState({ connectError: (e as Error).message });
    } finally {
      liveStore.setState({ busy: null });
    }
  };
  const field = (key: keyof typeof form, label: string, placeholder: string, hint?: string) => (
    <label className="stack" style={{ gap: 4 }}>
      <span className="small muted">
        {label}
        {hint && <span className="muted"> · {hint}</span>}
      </span>
      <input
        className="input"
        style={{ width: '100%' }}
        value={form[key]}
        placeholder={placeholder}
        spellCheck={false}
        disabled={busy !== null}
        onChange={(e) => setForm((f) => ({ ...f, [key]: e.target.value }))}
        data-testid={`live-${key}`}
        aria-label={label}
      />
    </label>
  );
  return (
    <Card title="Connect" hint="Live ▸ Connect… — a Kafka topic of JSON events" testId="live-connect">
      <form
        className="stack"
        style={{ gap: 10 }}
        onSubmit={(e) => {
          e.preventDefault();
          void connect();
        }}
      >
        {field('brokers', 'Brokers', 'HOST:PORT[,HOST:PORT…]')}
        {field('topic', 'Topic', 'e.g. clicks')}
        <div className="grid-2" style={{ gap: 10 }}>
          {field('group', 'Consumer group', 'none: read every partition', 'optional')}
          {field('folder', 'Target folder', 'app data/live/<topic>', 'optional')}
        </div>
        <div className="row">
          <button
            className="btn primary"
            type="submit"
            disabled={busy !== null || !form.brokers.trim() || !form.topic.trim()}
            data-testid="live-connect-button"
          >
            {busy === 'connecting' ? 'Connecting…' : running ? 'Reconnect' : 'Connect'}
          </button>
          <button
            className="btn"
            type="button"
            disabled={busy !== null || !running}
            onClick={() => void disconnect()}
            data-testid="live-disconnect-button"
          >
            {busy === 'disconnecting' ? 'Disconnecting…' : 'Disconnect'}
          </button>
          <span className="small muted">Disconnect writes the last partial batch before it stops.</span>
        </div>
        {error && <ErrorBox title="Could not connect" message={error} testId="live-connect-error" />}
      </form>
    </Card>
  );
}

const fmtOffset = (v: number | string | null) => (v === null ? '—' : fmtInt(Number(v)));
const PARTITION_COLUMNS: Column<LiveStatus['partitions'][number]>[] = [
  { head: 'Partition', cell: (p) => `p=${p.partition}` },
  { head: 'Next offset', r: true, className: 'num', cell: (p) => fmtOffset(p.nextOffset) },
  { head: 'End', r: true, className: 'num', cell: (p) => fmtOffset(p.highWatermark) },
  { head: 'Lag', r: true, className: 'num', cell: (p) => fmtOffset(p.lag) },
  { head: 'Buffered', r: true, className: 'num', cell: (p) => fmtInt(p.buffered) },
];

const STATE_TONE: Record<LiveStatus['state'], string> = {
  connected: 'pill-good',
  starting: 'pill-muted',
  reconnecting: 'pill-warn',
  failed: 'pill-bad',
  stopping: 'pill-muted',
  stopped: 'pill-muted',
};

function Sparkline({
  name,
  values,
  color,
  label,
}: {
  name: string;
  values: [number, number | null][];
  color: string;
  label: string;
}) {
  const pal = usePalette();
  const option = useMemo<EChartsOption>(
    () => ({
      ...chartFrame(pal, { left: 4, right: 4, top: 6, bottom: 4 }),
      xAxis: { type: 'time', show: false },
      yAxis: { type: 'value', show: false, min: 0 },
      tooltip: {
        trigger: 'axis',
        ...tooltipStyle(pal),
        valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : '—'),
      },
      series: [
        {
          type: 'line',
          name: label,
          data: values,
          showSymbol: false,
          lineStyle: { width: 1.6, color },
          areaStyle: { color, opacity: 0.12 },
          connectNulls: false,
        },
      ],
    }),
    [values, color, label, pal],
  );
  return <Chart name={name} option={option} height={46} ariaLabel={`${label} sparkline`} />;
}

function StatusCard() {
  const status = useLive((s) => s.status);
  const pal = usePalette();
  if (!status || !status.connection) {
    return (
      <Card title="Status" testId="live-status">
        <Empty title="Not connected">
          Connect to a topic. To try it with the sample: start a broker (
          <code>bash scripts/kafka-broker.sh start</code>) and replay the sample into it (
          <code>funnelscope replay FOLDER --brokers … --topic clicks --speedup 50000</code>).
        </Empty>
      </Card>
    );
  }
  const c = status.connection;
  const eps = status.history.map((p) => [p.at, p.eventsPerSecond] as [number, number]);
  const lag = status.history.map((p) => [p.at, p.lag] as [number, number | null]);
  return (
    <Card
      title="Status"
      hint={`${c.topic} @ ${c.brokers.join(',')}${c.group ? ` · group ${c.group}` : ''}`}
      actions={
        <span className={`badge ${STATE_TONE[status.state]}`} data-testid="live-state">
          {status.state}
        </span>
      }
      testId="live-status"
    >
      <div className="stack" style={{ gap: 10 }}>
        <div className="kpis" style={{ gridTemplateColumns: 'repeat(4, minmax(0, 1fr))' }}>
          <Kpi label="Events/s" value={fmtInt(status.eventsPerSecond)} testId="live-eps" />
          <Kpi label="Lag" value={status.lag === null ? '—' : fmtInt(status.lag)} testId="live-lag" />
          <Kpi
            label="Events"
            value={fmtCompact(status.totals.events)}
            title={fmtInt(status.totals.events)}
            testId="live-events"
          />
          <Kpi
            label="Malformed"
            value={fmtInt(status.totals.quarantined)}
            title="Malformed messages, kept with the reason in _quarantine/"
            testId="live-quarantined"
          />
        </div>
        {eps.length > 1 && (
          <div className="grid-2" style={{ gap: 10 }}>
            <div>
              <div className="small muted">Events/s, last {Math.round(eps.length)} s</div>
              <Sparkline name="live-eps" values={eps} color={pal.accent} label="Events/s" />
            </div>
            <div>
              <div className="small muted">Lag (messages behind)</div>
              <Sparkline name="live-lag" values={lag} color={pal.warn} label="Lag" />
            </div>
          </div>
        )}
        {status.partitions.length > 0 && (
          <DataTable
            rows={status.partitions}
            columns={PARTITION_COLUMNS}
            rowKey={(p) => String(p.partition)}
            testId="live-partitions"
          />
        )}
        <div className="small muted" style={{ wordBreak: 'break-all' }}>
          {fmtInt(status.files)} batch files → <code>{c.folder}</code>
          {status.compaction.merges > 0 && (
            <span style={{ wordBreak: 'normal' }} data-testid="live-compaction">
              {' · '}
              {fmtInt(status.compaction.filesMerged)} merged into {fmtInt(status.compaction.mergedFiles)}{' '}
              larger files
            </span>
          )}
          {status.totals.filesSkipped > 0 && (
            <span title="temporary or merged-away files an earlier run left behind (removed at start), and batches whose offsets were already on disk (not written twice)">
              {` · ${fmtInt(status.totals.filesSkipped)} leftover or already-written files skipped`}
            </span>
          )}
        </div>
        {status.lastError && status.state !== 'connected' && (
          <ErrorBox title="Last error" message={status.lastError} testId="live-last-error" />
        )}
      </div>
    </Card>
  );
}

const STATUS_PILL: Record<DetectionStatus, string> = {
  OK: 'pill-ok',
  ANOMALY: 'pill-warn',
  CRITICAL: 'pill-bad',
  INSUFFICIENT_DATA: 'pill-muted',
  NO_DATA: 'pill-muted',
};
const STATUS_TEXT: Record<DetectionStatus, string> = {
  OK: 'OK',
  ANOMALY: 'ANOMALY',
  CRITICAL: 'CRITICAL',
  INSUFFICIENT_DATA: 'too few views',
  NO_DATA: 'no data',
};
const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

function TodayCard() {
  const summary = useApp((s) => s.dataset.summary);
  const today = useLive((s) => s.today);
  const error = useLive((s) => s.todayError);
  const version = useLive((s) => s.todayVersion);
  if (!summary) {
    return (
      <Card title="Today so far">
        <Empty title="No dataset open">
          Connect to a topic: its live folder opens as the dataset once the first batch is written.
        </Empty>
      </Card>
    );
  }
  const now = today?.now;
  const time = now
    ? `${String(now.hour).padStart(2, '0')}:${String(Math.min(59, Math.floor(now.minute))).padStart(2, '0')}`
    : '';
  return (
    <Card
      title="Today so far vs the same weekdays"
      hint={
        today
          ? `${today.weekday} ${today.now.date} up to ${time} (latest event) vs the ${today.baselineDates.length} previous ${today.weekday}s up to the same time`
          : 'computing…'
      }
      testId="live-today"
    >
      <div data-testid="live-today-body" data-version={version}>
        {error && <ErrorBox title="Today could not be computed" message={error} />}
        {!today && !error && <SkeletonRows rows={6} />}
        {today && <TodayBody today={today} />}
      </div>
    </Card>
  );
}

function TodayBody({ today }: { today: LiveResult }) {
  const pal = usePalette();
  const all = today.segments.find((s) => s.level === 0);
  const combos = today.segments.filter((s) => s.level >= 2);
  const option = useMemo<EChartsOption>(
    () => ({
      ...chartFrame(pal, { left: 48, right: 48, top: 44, bottom: 24 }),
      legend: legendStyle(pal),
      tooltip: { trigger: 'axis', ...tooltipStyle(pal) },
      xAxis: timeAxis(
        pal,
        today.hours.map((h) => hh(h.hour)),
        { format: (x) => x, boundaryGap: true },
      ),
      yAxis: [
        valueAxis(pal, { name: 'views', format: (v) => fmtCompact(v) }),
        valueAxis(pal, {
          name: 'conversion',
          splitLine: false,
          format: (v) => `${(v * 100).toFixed(1)} %`,
        }),
      ],
      series: [
        {
          type: 'bar',
          name: 'Views today',
          data: today.hours.map((h) => h.views),
          itemStyle: { color: pal.views },
        },
        {
          type: 'line',
          name: 'Views, same weekdays (median)',
          data: today.hours.map((h) => h.baselineViews),
          symbol: 'circle',
          showSymbol: false,
          lineStyle: { type: 'dashed', color: pal.text3 },
          itemStyle: { color: pal.text3 },
        },
        {
          type: 'line',
          name: 'Conversion today',
          yAxisIndex: 1,
          data: today.hours.map((h) => (h.views > 0 ? h.purchases / h.views : null)),
          // a filled dot: ECharts' default empty circle is filled white, a bright ring in the dark scheme
          symbol: 'circle',
          symbolSize: 5,
          itemStyle: { color: pal.purchases },
        },
        {
          type: 'line',
          name: 'Conversion, same weekdays',
          yAxisIndex: 1,
          data: today.hours.map((h) => h.baselineRate),
          symbol: 'circle',
          showSymbol: false,
          lineStyle: { type: 'dashed', color: pal.purchases },
          itemStyle: { color: pal.purchases },
        },
      ],
    }),
    [today, pal],
  );
  return (
    <div className="stack" style={{ gap: 12 }}>
      {all && (
        <div className="kpis" style={{ gridTemplateColumns: 'repeat(4, minmax(0, 1fr))' }}>
          <Kpi
            label="Views today"
            value={fmtInt(all.today.views)}
            delta={<span className="muted">same weekdays {fmtInt(Math.round(all.baseline.views))}</span>}
            testId="live-views-today"
          />
          <Kpi
            label="Purchases today"
            value={fmtInt(all.today.purchases)}
            delta={<span className="muted">same weekdays {fmtInt(Math.round(all.baseline.purchases))}</span>}
            testId="live-purchases-today"
          />
          <Kpi
            label="Conversion"
            value={fmtPct(all.rate)}
            delta={
              <span
                className={all.deviationSigma !== null && all.deviationSigma <= -2 ? 'tone-bad' : 'muted'}
              >
                {fmtChange(all.change)} · {fmtSigma(all.deviationSigma)}
              </span>
            }
          />
          <Kpi
            label="Detector (hourly)"
            value={<DetectorBadge d={all.detector} today={today.now.date} />}
            delta={<span className="muted">{today.checked} segments checked</span>}
          />
        </div>
      )}
      <Chart
        name="live-hours"
        option={option}
        height={200}
        ariaLabel="Today by hour against the same weekdays"
      />
      <DataTable
        rows={today.segments}
        columns={segmentColumns(today.dimensions, today.now.date)}
        rowKey={(s) => JSON.stringify(s.segment)}
        rowProps={(s) => ({ 'data-level': s.level, 'data-status': s.detector.status })}
        testId="live-segments"
      />
      <div className="small muted">
        All traffic and every {today.dimensions.map(displayDimension).join(' / ')} value; combinations are
        listed when flagged ({combos.length} of{' '}
        {today.checked - 1 - today.segments.filter((s) => s.level === 1).length} checked). σ = (conversion −
        median of the same weekdays) / max(their robust spread, today&apos;s sampling σ). Detector: the hourly
        detector&apos;s verdict of the latest hour.
      </div>
    </div>
  );
}

function DetectorBadge({ d, today }: { d: LiveSegmentResult['detector']; today: string }) {
  return (
    <span className="row" style={{ gap: 6, flexWrap: 'nowrap' }}>
      <span className={`badge ${STATUS_PILL[d.status]}`} data-status={d.status}>
        {STATUS_TEXT[d.status]}
        {d.deviationSigma !== null && (d.status === 'ANOMALY' || d.status === 'CRITICAL')
          ? ` ${fmtSigma(d.deviationSigma)}`
          : ''}
      </span>
      {d.streakStart && d.streakHours > 0 && (
        <span className="small muted">
          since {d.streakStart.date === today ? '' : `${d.streakStart.date.slice(5)} `}
          {hh(d.streakStart.hour)}
        </span>
      )}
    </span>
  );
}

/** σ tone of a segment: −3 σ or worse bad, −2 σ warn */
function sigmaTone(s: LiveSegmentResult): string {
  if (s.deviationSigma === null) return 'tone-muted';
  return s.deviationSigma <= -3 ? 'tone-bad' : s.deviationSigma <= -2 ? 'tone-warn' : '';
}

function segmentColumns(dims: string[], today: string): Column<LiveSegmentResult>[] {
  return [
    {
      head: 'Segment',
      cell: (s) =>
        s.level === 0 ? (
          <strong>All traffic</strong>
        ) : (
          // combinations indented under the single values
          <span style={{ paddingLeft: 10 * Math.min(s.level, 2) - 4 }}>{segmentLabel(s.segment, dims)}</span>
        ),
    },
    { head: 'Views today', r: true, className: 'num', cell: (s) => fmtInt(s.today.views) },
    {
      head: 'Usual',
      r: true,
      className: 'num muted',
      title: 'Median of the same weekdays up to the same time',
      cell: (s) => (s.baselineDays.length ? fmtInt(Math.round(s.baseline.views)) : '—'),
    },
    {
      head: 'Conversion',
      r: true,
      className: 'num',
      title: 'Purchases / views today',
      cell: (s) => <strong>{fmtPct(s.rate)}</strong>,
    },
    {
      head: 'Usual',
      r: true,
      className: 'num muted',
      title: 'Median conversion of the same weekdays up to the same time',
      cell: (s) => fmtPct(s.baselineRate),
    },
    { head: 'Change', r: true, className: (s) => `num ${sigmaTone(s)}`, cell: (s) => fmtChange(s.change) },
    { head: 'σ', r: true, className: (s) => `num ${sigmaTone(s)}`, cell: (s) => fmtSigma(s.deviationSigma) },
    { head: 'Detector', cell: (s) => <DetectorBadge d={s.detector} today={today} /> },
  ];
}
