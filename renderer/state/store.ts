/**
 * The app's global state (zustand, vanilla store + React hook). One brush period drives every view: setting
 * it makes it the incident period of the funnel comparison and root cause, with the weeks before it as the
 * baseline. Async orchestration (host calls, worker requests) lives in the actions; dependencies are injected
 * so the store runs in Node tests with a real worker engine and a host at the transport edge.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DetectorProfile, DetectorSettings, Period, Segment } from '../../core/types.js';
import { settingsFor } from '../../core/detector.js';
import type { ScanRow } from '../../core/scan.js';
import type { HostClient, ProgressEvent } from '../host/client.js';
import type {
  ExportReportResult,
  ExportScanResult,
  OpenDatasetResult,
  PreviewResult,
  RecentFolder,
} from '../../core/contract.js';
import type { WorkerClient } from '../worker/client.js';
import type {
  CubeSummary,
  Progress,
  ReplayResult,
  ScanCubeSummary,
  ScanParams,
  ScanRunResult,
  SuggestResult,
  WhatIfResult,
} from '../worker/protocol.js';
import { isCancelled } from '../worker/protocol.js';
import { addDays, clampPeriod, presetPeriods } from '../lib/dates.js';

export type ViewId = 'data' | 'overview' | 'funnel' | 'rootcause' | 'calendar' | 'scan' | 'business' | 'live';

export const VIEWS: { id: ViewId; label: string; key: string; hint: string }[] = [
  { id: 'data', label: 'Data', key: '1', hint: 'Folder, mapping, data quality' },
  { id: 'overview', label: 'Overview', key: '2', hint: 'KPIs, daily funnel, breakdown' },
  { id: 'funnel', label: 'Funnel comparison', key: '3', hint: 'Baseline vs incident' },
  { id: 'rootcause', label: 'Root cause', key: '4', hint: 'σ analysis, drill-down' },
  { id: 'calendar', label: 'Anomaly calendar', key: '5', hint: 'Detector verdict per day' },
  { id: 'scan', label: 'Scan & what-if', key: '6', hint: 'Every combination, two settings, replay' },
  { id: 'business', label: 'Business', key: '7', hint: 'Brands, products, sessions, customers, leads' },
  { id: 'live', label: 'Live', key: '8', hint: 'Kafka tap: today against the same weekdays' },
];

/** What the Scan view scans (detector settings are the app's `settings`, shared with the calendar). */
export interface ScanSetup {
  dimensions: string[];
  minLevel: number;
  maxLevel: number;
  /** null = the global period (brush), or the whole range when none */
  range: Period | null;
  grain: 'day' | 'hour';
  spikes: boolean;
  minViewsPerDay: number;
}

export type JobStatus = 'idle' | 'running' | 'done' | 'error';

export interface ScanRunState {
  status: JobStatus;
  /** 'cube' while the host aggregates the scan cube, then the worker's phases */
  progress: Progress | null;
  cube: ScanCubeSummary | null;
  result: ScanRunResult | null;
  error: string | null;
}

export interface JobState<T> {
  status: JobStatus;
  progress: Progress | null;
  result: T | null;
  error: string | null;
}

export interface ReportExportState {
  status: JobStatus;
  progress: ProgressEvent | null;
  result: ExportReportResult | null;
  error: string | null;
}

export interface ScanExportState {
  status: JobStatus;
  format: 'csv' | 'parquet' | null;
  progress: ProgressEvent | null;
  result: ExportScanResult | null;
  error: string | null;
}

const num = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** the exportScan request for `rows` (the table on screen) of the current scan (exported for tests) */
export function scanExportRequestOf(s: AppState, format: 'csv' | 'parquet', rows: readonly ScanRow[]) {
  const opened = s.dataset.opened;
  const res = s.scanRun.result?.result;
  if (!opened || !res) throw new Error('Run a scan first');
  return {
    datasetId: opened.datasetId,
    format,
    dimensions: [...res.dimensions],
    grain: res.grain === 'hour' ? ('hour' as const) : ('day' as const),
    fileName: `funnelscope-scan-${res.range.from}_${res.range.to}.${format}`,
    rows: rows.map((r) => ({
      segment: { ...r.segment },
      level: r.level,
      daysChecked: r.daysChecked,
      anomalousDays: r.anomalousDays,
      ...(r.hoursChecked !== undefined ? { hoursChecked: r.hoursChecked } : {}),
      ...(r.anomalousHours !== undefined ? { anomalousHours: r.anomalousHours } : {}),
      criticalPeriods: r.criticalPeriods.map((p) => ({
        start: p.start,
        end: p.end,
        days: p.days,
        ...(p.startHour !== undefined ? { startHour: p.startHour } : {}),
        ...(p.endHour !== undefined ? { endHour: p.endHour } : {}),
      })),
      firstCritical: r.firstCritical,
      ...(r.firstCriticalHour !== undefined ? { firstCriticalHour: r.firstCriticalHour } : {}),
      worstSigma: num(r.worstSigma),
      purchasesLost: num(r.purchasesLost),
      revenueLost: num(r.revenueLost),
    })),
  };
}

/** the export request for what the analyst has on screen (exported for tests) */
export function reportRequestOf(s: AppState, segment?: Segment) {
  const opened = s.dataset.opened;
  if (!opened) throw new Error('Open a folder or the sample before exporting a report.');
  const seg =
    segment ??
    (s.calendarSegment !== 'worst' && Object.keys(s.calendarSegment).length
      ? s.calendarSegment
      : Object.keys(s.drill).length
        ? s.drill
        : Object.keys(s.segment).length
          ? s.segment
          : undefined);
  const st = s.settings;
  return {
    datasetId: opened.datasetId,
    ...(seg && Object.keys(seg).length ? { segment: { ...seg } } : {}),
    ...(s.comparison ? { baseline: s.comparison.baseline, incident: s.comparison.incident } : {}),
    settings: {
      profile: st.profile,
      sigma: st.sigma,
      weeks: st.weeks,
      streak: st.streak,
      minViews: st.minViews,
      directions: [...st.directions],
    },
    ...(s.dataset.summary?.dimensions.length
      ? { dimensions: s.dataset.summary.dimensions.slice(0, 12) }
      : {}),
  };
}

/** dimensions a scan can combine: the profile's data and derived dimensions */
export function scanDimensionsOf(opened: OpenDatasetResult | null): string[] {
  return opened ? Object.keys(opened.profile.dimensions ?? {}).slice(0, 12) : [];
}

export const SETTINGS_PRESETS: {
  id: string;
  label: string;
  settings: Partial<DetectorSettings> & { profile: DetectorProfile };
}[] = [
  { id: 'robust', label: 'Robust (default)', settings: { profile: 'robust' } },
  { id: 'seed', label: 'Seed (reference rule)', settings: { profile: 'seed' } },
  { id: 'r-2s-4w', label: 'Robust 2σ / 4 weeks', settings: { profile: 'robust', sigma: 2, weeks: 4 } },
  { id: 'r-3s-8w', label: 'Robust 3σ / 8 weeks', settings: { profile: 'robust', sigma: 3, weeks: 8 } },
  { id: 's-2s-4w', label: 'Seed 2σ / 4 weeks', settings: { profile: 'seed', sigma: 2, weeks: 4 } },
  { id: 's-3s-8w', label: 'Seed 3σ / 8 weeks', settings: { profile: 'seed', sigma: 3, weeks: 8 } },
];

export type DatasetStatus = 'idle' | 'opening' | 'cube' | 'loading' | 'ready' | 'error';

export interface DatasetState {
  status: DatasetStatus;
  /** what is being opened: a folder path or 'sample' */
  target: string | null;
  error: string | null;
  /** the host's error code of `error` (e.g. DATASET_ERROR: the folder has no usable file for the mapping) */
  errorCode: string | null;
  /** the column mapping the last open of `target` asked for (null: the remembered one / auto-detection) */
  mapping: Record<string, unknown> | null;
  progress: ProgressEvent | null;
  opened: OpenDatasetResult | null;
  preview: PreviewResult | null;
  previewError: string | null;
  summary: CubeSummary | null;
  /** ms: host open (scan + profile), cube, worker load; total until the cube is in the worker */
  timings: { open: number; cube: number; load: number; total: number } | null;
  /**
   * a new mapping for the open dataset that the host refused (applyMapping): the dataset stays as it was (the
   * host keeps it open too) and the editor reopens with this mapping and the reason
   */
  rejectedMapping: { mapping: Record<string, unknown>; error: string } | null;
}

export type ComparisonSource = 'preset' | 'brush' | 'suggested' | 'custom';

export interface Comparison {
  baseline: Period;
  incident: Period;
  source: ComparisonSource;
}

export const PRESETS = [
  { id: 'l14-8w', label: 'Last 14 days vs the 8 weeks before', incidentDays: 14, baselineWeeks: 8 },
  { id: 'l7-4w', label: 'Last 7 days vs the 4 weeks before', incidentDays: 7, baselineWeeks: 4 },
  { id: 'l28-8w', label: 'Last 28 days vs the 8 weeks before', incidentDays: 28, baselineWeeks: 8 },
] as const;
export type PresetId = (typeof PRESETS)[number]['id'];

export interface AppState {
  view: ViewId;
  dataset: DatasetState;
  recent: RecentFolder[];
  /** the brushed period (null = the whole range) */
  period: Period | null;
  comparison: Comparison | null;
  preset: PresetId | null;
  /** baseline weeks used when the brush sets the incident */
  baselineWeeks: number;
  suggestion: SuggestResult | null;
  /** segment of the funnel comparison and the overview */
  segment: Segment;
  overviewDimension: string;
  /** root-cause drill-down filter, in drill order */
  drill: Segment;
  drillDimension: string | null;
  settings: DetectorSettings;
  /** why the last settings change was refused (e.g. σ must be > 0) */
  settingsError: string | null;
  calendarSegment: Segment | 'worst';
  selectedDay: string | null;
  scanSetup: ScanSetup;
  scanRun: ScanRunState;
  whatIf: JobState<WhatIfResult>;
  replay: JobState<ReplayResult>;
  reportExport: ReportExportState;
  scanExport: ScanExportState;

  setView(view: ViewId): void;
  openFolder(folder: string, mapping?: Record<string, unknown>): Promise<void>;
  openSample(): Promise<void>;
  chooseFolder(): Promise<void>;
  cancelOpen(): void;
  /** reopen the dataset with `mapping`; false (and the dataset as it was, with `rejectedMapping`) when refused */
  applyMapping(mapping: Record<string, unknown>): Promise<boolean>;
  refreshRecent(): Promise<void>;
  forgetRecent(folder: string): Promise<void>;
  setPeriod(period: Period | null): void;
  applyPreset(id: PresetId): void;
  applySuggestion(): void;
  setComparison(baseline: Period, incident: Period): void;
  setBaselineWeeks(weeks: number): void;
  setSegment(segment: Segment): void;
  setOverviewDimension(dimension: string): void;
  drillInto(dimension: string, value: string): void;
  drillBack(depth: number): void;
  /** show the values of `dimension` inside `filter` (a candidate's drill-down path step) */
  drillTo(filter: Segment, dimension: string): void;
  setDrillDimension(dimension: string): void;
  setProfile(profile: DetectorProfile): void;
  setSettings(patch: Partial<DetectorSettings>): void;
  setCalendarSegment(segment: Segment | 'worst'): void;
  selectDay(date: string | null): void;
  setScanSetup(patch: Partial<ScanSetup>): void;
  /** the scan parameters as the worker takes them (range resolved from the global period) */
  scanParams(): ScanParams;
  runScan(): Promise<void>;
  cancelScan(): void;
  runWhatIf(a: DetectorSettings, b: DetectorSettings): Promise<void>;
  runReplay(
    incident: { segment: Segment; start: string } | null,
    settingsList: DetectorSettings[],
  ): Promise<void>;
  /**
   * open a scanned segment in the calendar (and as the root-cause drill-down / funnel segment); false when the
   * segment uses a dimension the views' cube does not have (e.g. hour_of_day)
   */
  openScanSegment(segment: Segment, view?: ViewId): boolean;
  exportReport(segment?: Segment): Promise<void>;
  cancelExport(): void;
  /** write `rows` of the current scan through the host (native DuckDB): Electron save dialog / web download */
  exportScan(format: 'csv' | 'parquet', rows: readonly ScanRow[]): Promise<void>;
  cancelScanExport(): void;
  /**
   * Re-aggregate the open dataset's cube and reload it into the worker, keeping the period, comparison,
   * segments and settings (new live batches arrived). No-op without a ready dataset; superseded by a newer call.
   */
  reloadCube(): Promise<void>;
}

export interface StoreDeps {
  host: HostClient | null;
  worker: WorkerClient;
  now?: () => number;
}

const EMPTY_DATASET: DatasetState = {
  status: 'idle',
  target: null,
  error: null,
  errorCode: null,
  mapping: null,
  progress: null,
  opened: null,
  preview: null,
  previewError: null,
  summary: null,
  timings: null,
  rejectedMapping: null,
};

/** The cube's dimensions for a profile: the data's own dimensions (and category/price roll-ups), not time parts. */
export function cubeDimensions(opened: OpenDatasetResult): string[] {
  const all = Object.keys(opened.profile.dimensions ?? {});
  const skip = new Set(['weekday', 'hour_of_day']);
  return all.filter((d) => !skip.has(d)).slice(0, 12);
}

export type AppStore = StoreApi<AppState>;

const IDLE_SCAN: ScanRunState = { status: 'idle', progress: null, cube: null, result: null, error: null };
const IDLE_EXPORT: ReportExportState = { status: 'idle', progress: null, result: null, error: null };
const IDLE_SCAN_EXPORT: ScanExportState = {
  status: 'idle',
  format: null,
  progress: null,
  result: null,
  error: null,
};
const idleJob = <T>(): JobState<T> => ({ status: 'idle', progress: null, result: null, error: null });

export function defaultScanSetup(opened: OpenDatasetResult | null): ScanSetup {
  const avail = scanDimensionsOf(opened);
  const dims = ['device', 'os', 'browser'].filter((d) => avail.includes(d));
  const dimensions = dims.length ? dims : avail.slice(0, 3);
  return {
    dimensions,
    minLevel: 1,
    maxLevel: dimensions.length,
    range: null,
    grain: 'day',
    spikes: false,
    minViewsPerDay: 0,
  };
}

const cubeKeyOf = (p: { dimensions: string[]; grain: string }, datasetId: string) =>
  JSON.stringify([datasetId, p.dimensions, p.grain]);

export function createAppStore(deps: StoreDeps): AppStore {
  const now = deps.now ?? (() => (typeof performance !== 'undefined' ? performance.now() : Date.now()));
  let openAbort: AbortController | null = null;
  let scanAbort: AbortController | null = null;
  let exportAbort: AbortController | null = null;
  let scanExportAbort: AbortController | null = null;

  return createStore<AppState>()((set, get) => {
    const needHost = (): HostClient => {
      if (!deps.host)
        throw new Error(
          'No Funnelscope host is connected: start the app with `npm start` or `funnelscope serve`.',
        );
      return deps.host;
    };

    const fail = (e: unknown) => {
      if (isCancelled(e) || (e as { code?: string })?.code === 'CANCELLED') {
        set((s) => ({
          dataset: {
            ...s.dataset,
            status: s.dataset.summary ? 'ready' : 'idle',
            progress: null,
            error: null,
            errorCode: null,
          },
        }));
        return;
      }
      const code = (e as { code?: unknown })?.code;
      set((s) => ({
        dataset: {
          ...s.dataset,
          status: 'error',
          progress: null,
          error: e instanceof Error ? e.message : String(e),
          errorCode: typeof code === 'string' ? code : null,
        },
      }));
    };

    /** the views' day cube of an opened dataset (Arrow IPC bytes from the host) */
    const dayCube = (opened: OpenDatasetResult, signal?: AbortSignal) =>
      needHost().invoke(
        'cube',
        { datasetId: opened.datasetId, dimensions: cubeDimensions(opened), grain: 'day' },
        signal ? { signal } : {},
      );

    /** after the host opened a dataset: preview, cube → worker, default comparison, detector suggestion */
    const loadOpened = async (opened: OpenDatasetResult, t0: number, tOpen: number, signal: AbortSignal) => {
      const host = needHost();
      set((s) => ({
        dataset: { ...s.dataset, status: 'cube', opened, progress: null, preview: null, previewError: null },
      }));
      const preview = host.invoke('preview', { datasetId: opened.datasetId, rows: 20 }).then(
        (p) => set((s) => ({ dataset: { ...s.dataset, preview: p } })),
        (e: unknown) => set((s) => ({ dataset: { ...s.dataset, previewError: (e as Error).message } })),
      );
      const t1 = now();
      const bytes = await dayCube(opened, signal);
      const tCube = now() - t1;
      set((s) => ({ dataset: { ...s.dataset, status: 'loading' } }));
      const t2 = now();
      const buffer =
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? (bytes.buffer as ArrayBuffer)
          : null;
      const summary = await deps.worker.request(
        'load',
        { cube: bytes },
        { key: 'load', transfer: buffer ? [buffer] : [] },
      );
      const tLoad = now() - t2;
      const preset = PRESETS[0];
      const cmp = presetPeriods(summary.range, preset.incidentDays, preset.baselineWeeks);
      set((s) => ({
        dataset: {
          ...s.dataset,
          status: 'ready',
          summary,
          error: null,
          errorCode: null,
          timings: { open: tOpen, cube: tCube, load: tLoad, total: now() - t0 },
        },
        period: null,
        comparison: { ...cmp, source: 'preset' },
        preset: preset.id,
        suggestion: null,
        segment: {},
        overviewDimension: summary.dimensions[0] ?? '',
        drill: {},
        drillDimension: summary.dimensions[0] ?? null,
        calendarSegment: 'worst',
        selectedDay: null,
        scanSetup: defaultScanSetup(opened),
        scanRun: IDLE_SCAN,
        whatIf: idleJob(),
        replay: idleJob(),
        reportExport: IDLE_EXPORT,
        scanExport: IDLE_SCAN_EXPORT,
        // after an open from the Data view go to the Overview — unless files were skipped: then the warning stays in view
        view: s.view === 'data' && !(opened.profile.files.skipped?.length > 0) ? 'overview' : s.view,
      }));
      void get().refreshRecent();
      void deps.worker
        .request('suggest', { settings: get().settings }, { key: 'suggest' })
        .then((suggestion) => set({ suggestion }))
        .catch(() => undefined);
      await preview;
    };

    const open = async (
      target: string,
      run: (
        host: HostClient,
        signal: AbortSignal,
        onProgress: (p: ProgressEvent) => void,
      ) => Promise<OpenDatasetResult>,
      mapping: Record<string, unknown> | null = null,
    ) => {
      openAbort?.abort();
      const ctrl = new AbortController();
      openAbort = ctrl;
      const t0 = now();
      set((s) => ({
        dataset: { ...EMPTY_DATASET, status: 'opening', target, mapping, summary: s.dataset.summary },
      }));
      try {
        const host = needHost();
        const opened = await run(host, ctrl.signal, (p) =>
          set((s) => ({ dataset: { ...s.dataset, progress: p } })),
        );
        await loadOpened(opened, t0, now() - t0, ctrl.signal);
      } catch (e) {
        if (openAbort === ctrl) fail(e);
      } finally {
        if (openAbort === ctrl) openAbort = null;
      }
    };

    /** the scan cube for these dimensions and grain: from the host once, kept in the worker until they change */
    const ensureScanCube = async (params: ScanParams, signal?: AbortSignal): Promise<void> => {
      const opened = get().dataset.opened;
      if (!opened) throw new Error('Open a folder or the sample before scanning.');
      if (params.dimensions.length === 0) throw new Error('Choose at least one dimension to scan.');
      const key = cubeKeyOf(params, opened.datasetId);
      if (get().scanRun.cube?.key === key) return;
      const host = needHost();
      set((s) => ({
        scanRun: { ...s.scanRun, progress: { phase: 'aggregating the cube', done: 0, total: 1 } },
      }));
      const bytes = await host.invoke(
        'cube',
        { datasetId: opened.datasetId, dimensions: params.dimensions, grain: params.grain },
        { signal },
      );
      const buffer =
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? (bytes.buffer as ArrayBuffer)
          : null;
      const cube = await deps.worker.request(
        'scanCube',
        { cube: bytes, key, dimensions: params.dimensions },
        { key: 'scanCube', transfer: buffer ? [buffer] : [] },
      );
      set((s) => ({ scanRun: { ...s.scanRun, cube } }));
    };

    return {
      view: 'data',
      dataset: EMPTY_DATASET,
      recent: [],
      period: null,
      comparison: null,
      preset: null,
      baselineWeeks: 8,
      suggestion: null,
      segment: {},
      overviewDimension: '',
      drill: {},
      drillDimension: null,
      settings: settingsFor('robust'),
      settingsError: null,
      calendarSegment: 'worst',
      selectedDay: null,
      scanSetup: defaultScanSetup(null),
      scanRun: IDLE_SCAN,
      whatIf: idleJob<WhatIfResult>(),
      replay: idleJob<ReplayResult>(),
      reportExport: IDLE_EXPORT,
      scanExport: IDLE_SCAN_EXPORT,

      setView: (view) => set({ view }),
      async reloadCube() {
        const { opened, status } = get().dataset;
        if (!opened || status !== 'ready') return;
        const t0 = now();
        try {
          const bytes = await dayCube(opened);
          if (get().dataset.opened?.datasetId !== opened.datasetId) return;
          const summary = await deps.worker.request('load', { cube: bytes }, { key: 'load' });
          if (get().dataset.opened?.datasetId !== opened.datasetId) return;
          set((s) => ({
            dataset: {
              ...s.dataset,
              summary,
              timings: s.dataset.timings ? { ...s.dataset.timings, total: now() - t0 } : s.dataset.timings,
            },
          }));
        } catch (e) {
          if (!isCancelled(e)) console.warn('reloading the cube failed:', (e as Error).message);
        }
      },

      openFolder: (folder, mapping) =>
        open(
          folder,
          (host, signal, onProgress) =>
            host.invoke('openFolder', mapping ? { folder, mapping } : { folder }, { signal, onProgress }),
          mapping ?? null,
        ),

      openSample: () =>
        open('sample', (host, signal, onProgress) => host.invoke('openSample', {}, { signal, onProgress })),

      chooseFolder: async () => {
        try {
          const { folder } = await needHost().invoke('chooseFolder', {});
          if (folder) await get().openFolder(folder);
        } catch (e) {
          fail(e);
        }
      },

      cancelOpen: () => {
        openAbort?.abort();
        openAbort = null;
        set((s) => ({
          dataset: { ...s.dataset, status: s.dataset.summary ? 'ready' : 'idle', progress: null },
        }));
      },

      applyMapping: async (mapping) => {
        const before = get().dataset;
        const opened = before.opened;
        if (!opened) return false;
        await open(
          opened.folder,
          (host, signal, onProgress) =>
            host.invoke('setMapping', { datasetId: opened.datasetId, mapping }, { signal, onProgress }),
          mapping,
        );
        const after = get().dataset;
        if (after.status !== 'error') return after.status === 'ready';
        // refused: the host still has the dataset open as it was, and so has the worker — show it again
        set({
          dataset: {
            ...before,
            rejectedMapping: { mapping, error: after.error ?? 'the mapping could not be applied' },
          },
        });
        return false;
      },

      refreshRecent: async () => {
        if (!deps.host) return;
        try {
          const { folders } = await deps.host.invoke('recentFolders', {});
          set({ recent: folders });
        } catch {
          /* the recent list is a convenience; the Data view still works */
        }
      },

      forgetRecent: async (folder) => {
        const { folders } = await needHost().invoke('forgetRecentFolder', { folder });
        set({ recent: folders });
      },

      setPeriod: (period) => {
        const summary = get().dataset.summary;
        if (!summary) return;
        if (!period) {
          const p = PRESETS[0];
          set({
            period: null,
            comparison: {
              ...presetPeriods(summary.range, p.incidentDays, p.baselineWeeks),
              source: 'preset',
            },
            preset: p.id,
          });
          return;
        }
        const incident = clampPeriod(period, summary.range);
        const weeks = get().baselineWeeks;
        const from = addDays(incident.from, -7 * weeks);
        const baselineTo = addDays(incident.from, -1);
        const comparison: Comparison | null =
          baselineTo >= summary.range.from
            ? {
                incident,
                baseline: clampPeriod({ from, to: baselineTo }, { from: summary.range.from, to: baselineTo }),
                source: 'brush',
              }
            : get().comparison;
        set({ period: incident, comparison, preset: null, selectedDay: null });
      },

      applyPreset: (id) => {
        const summary = get().dataset.summary;
        const p = PRESETS.find((x) => x.id === id);
        if (!summary || !p) return;
        const cmp = presetPeriods(summary.range, p.incidentDays, p.baselineWeeks);
        set({ comparison: { ...cmp, source: 'preset' }, preset: id, period: cmp.incident });
      },

      applySuggestion: () => {
        const s = get().suggestion;
        if (!s?.incident || !s.baseline) return;
        set({
          comparison: { baseline: s.baseline, incident: s.incident, source: 'suggested' },
          period: s.incident,
          preset: null,
          segment: s.segment ?? {},
        });
      },

      setComparison: (baseline, incident) =>
        set({ comparison: { baseline, incident, source: 'custom' }, period: incident, preset: null }),

      setBaselineWeeks: (weeks) => {
        set({ baselineWeeks: weeks });
        const p = get().period;
        if (p) get().setPeriod(p);
      },

      setSegment: (segment) => set({ segment }),
      setOverviewDimension: (overviewDimension) => set({ overviewDimension }),

      drillInto: (dimension, value) => {
        const summary = get().dataset.summary;
        const drill = { ...get().drill, [dimension]: value };
        const next = summary?.dimensions.find((d) => !(d in drill)) ?? null;
        set({ drill, drillDimension: next });
      },

      drillBack: (depth) => {
        const entries = Object.entries(get().drill).slice(0, depth);
        const drill = Object.fromEntries(entries);
        const summary = get().dataset.summary;
        const removed = Object.keys(get().drill)[depth];
        set({ drill, drillDimension: removed ?? summary?.dimensions.find((d) => !(d in drill)) ?? null });
      },

      setDrillDimension: (drillDimension) => set({ drillDimension }),
      drillTo: (filter, dimension) =>
        set({ drill: { ...filter }, drillDimension: dimension, view: 'rootcause' }),

      setProfile: (profile) => set({ settings: settingsFor(profile), settingsError: null }),
      setSettings: (patch) => {
        try {
          set((s) => ({
            settings: settingsFor(s.settings.profile, { ...s.settings, ...patch }),
            settingsError: null,
          }));
        } catch (e) {
          set({ settingsError: (e as Error).message });
        }
      },
      setCalendarSegment: (calendarSegment) => set({ calendarSegment, selectedDay: null }),
      selectDay: (selectedDay) => set({ selectedDay }),

      setScanSetup: (patch) =>
        set((s) => {
          const next = { ...s.scanSetup, ...patch };
          const k = Math.max(1, next.dimensions.length);
          next.maxLevel = Math.min(Math.max(1, next.maxLevel), k);
          next.minLevel = Math.min(Math.max(1, next.minLevel), next.maxLevel);
          if (patch.dimensions && !('maxLevel' in patch)) next.maxLevel = k;
          return { scanSetup: next };
        }),

      scanParams: () => {
        const s = get();
        const p = s.scanSetup;
        return {
          dimensions: [...p.dimensions],
          minLevel: p.minLevel,
          maxLevel: p.maxLevel,
          range: p.range ?? s.period,
          grain: p.grain,
          spikes: p.spikes,
          minViewsPerDay: p.minViewsPerDay,
        };
      },

      runScan: async () => {
        scanAbort?.abort();
        const ctrl = new AbortController();
        scanAbort = ctrl;
        const mine = () => scanAbort === ctrl;
        set((s) => ({ scanRun: { ...s.scanRun, status: 'running', error: null, progress: null } }));
        try {
          const params = get().scanParams();
          await ensureScanCube(params, ctrl.signal);
          if (!mine()) return;
          const result = await deps.worker.request(
            'scan',
            { params, settings: get().settings },
            {
              key: 'scan',
              onProgress: (progress) => mine() && set((s) => ({ scanRun: { ...s.scanRun, progress } })),
            },
          );
          if (!mine()) return;
          set((s) => ({ scanRun: { ...s.scanRun, status: 'done', result, progress: null, error: null } }));
        } catch (e) {
          if (!mine()) return;
          const cancelled = isCancelled(e) || (e as { code?: string })?.code === 'CANCELLED';
          set((s) => ({
            scanRun: {
              ...s.scanRun,
              status: cancelled ? (s.scanRun.result ? 'done' : 'idle') : 'error',
              progress: null,
              error: cancelled ? null : e instanceof Error ? e.message : String(e),
            },
          }));
        } finally {
          if (mine()) scanAbort = null;
        }
      },

      cancelScan: () => {
        scanAbort?.abort();
        scanAbort = null;
        deps.worker.cancelKey('scan');
        deps.worker.cancelKey('scanCube');
        set((s) => ({
          scanRun: { ...s.scanRun, status: s.scanRun.result ? 'done' : 'idle', progress: null },
        }));
      },

      runWhatIf: async (a, b) => {
        set({ whatIf: { status: 'running', progress: null, result: get().whatIf.result, error: null } });
        try {
          const params = get().scanParams();
          await ensureScanCube(params);
          const result = await deps.worker.request(
            'whatif',
            { params, a, b },
            { key: 'whatif', onProgress: (progress) => set((s) => ({ whatIf: { ...s.whatIf, progress } })) },
          );
          set({ whatIf: { status: 'done', progress: null, result, error: null } });
        } catch (e) {
          if (isCancelled(e)) return;
          set((s) => ({
            whatIf: { ...s.whatIf, status: 'error', progress: null, error: (e as Error).message },
          }));
        }
      },

      runReplay: async (incident, settingsList) => {
        set({ replay: { status: 'running', progress: null, result: get().replay.result, error: null } });
        try {
          const params = get().scanParams();
          await ensureScanCube(params);
          const result = await deps.worker.request(
            'replay',
            { params, incident, settingsList },
            { key: 'replay', onProgress: (progress) => set((s) => ({ replay: { ...s.replay, progress } })) },
          );
          set({ replay: { status: 'done', progress: null, result, error: null } });
        } catch (e) {
          if (isCancelled(e)) return;
          set((s) => ({
            replay: { ...s.replay, status: 'error', progress: null, error: (e as Error).message },
          }));
        }
      },

      openScanSegment: (segment, view = 'calendar') => {
        const summary = get().dataset.summary;
        if (!summary || !Object.keys(segment).every((d) => summary.dimensions.includes(d))) return false;
        const drill = { ...segment };
        set({
          calendarSegment: { ...segment },
          selectedDay: null,
          segment: { ...segment },
          drill,
          drillDimension: summary.dimensions.find((d) => !(d in drill)) ?? get().drillDimension,
          view,
        });
        return true;
      },

      exportReport: async (segment) => {
        exportAbort?.abort();
        const ctrl = new AbortController();
        exportAbort = ctrl;
        set({ reportExport: { status: 'running', progress: null, result: null, error: null } });
        try {
          const request = reportRequestOf(get(), segment);
          const result = await needHost().invoke('exportReport', request, {
            signal: ctrl.signal,
            onProgress: (progress) =>
              exportAbort === ctrl && set((s) => ({ reportExport: { ...s.reportExport, progress } })),
          });
          if (exportAbort !== ctrl) return;
          set({ reportExport: { status: 'done', progress: null, result, error: null } });
        } catch (e) {
          if (exportAbort !== ctrl) return;
          const cancelled = (e as { code?: string })?.code === 'CANCELLED';
          set({
            reportExport: {
              status: cancelled ? 'idle' : 'error',
              progress: null,
              result: null,
              error: cancelled ? null : e instanceof Error ? e.message : String(e),
            },
          });
        } finally {
          if (exportAbort === ctrl) exportAbort = null;
        }
      },

      cancelExport: () => {
        exportAbort?.abort();
        exportAbort = null;
        set({ reportExport: IDLE_EXPORT });
      },

      exportScan: async (format, rows) => {
        scanExportAbort?.abort();
        const ctrl = new AbortController();
        scanExportAbort = ctrl;
        set({ scanExport: { status: 'running', format, progress: null, result: null, error: null } });
        try {
          const request = scanExportRequestOf(get(), format, rows);
          const result = await needHost().invoke('exportScan', request, {
            signal: ctrl.signal,
            onProgress: (progress) =>
              scanExportAbort === ctrl && set((s) => ({ scanExport: { ...s.scanExport, progress } })),
          });
          if (scanExportAbort !== ctrl) return;
          set({ scanExport: { status: 'done', format, progress: null, result, error: null } });
        } catch (e) {
          if (scanExportAbort !== ctrl) return;
          const cancelled = (e as { code?: string })?.code === 'CANCELLED';
          set({
            scanExport: {
              status: cancelled ? 'idle' : 'error',
              format,
              progress: null,
              result: null,
              error: cancelled ? null : e instanceof Error ? e.message : String(e),
            },
          });
        } finally {
          if (scanExportAbort === ctrl) scanExportAbort = null;
        }
      },

      cancelScanExport: () => {
        scanExportAbort?.abort();
        scanExportAbort = null;
        set({ scanExport: IDLE_SCAN_EXPORT });
      },
    };
  });
}
