/**
 * The app's global state (zustand, vanilla store + React hook). One brush period drives every view: setting
 * it makes it the incident period of the funnel comparison and root cause, with the weeks before it as the
 * baseline. Async orchestration (host calls, worker requests) lives in the actions; dependencies are injected
 * so the store runs in Node tests with a real worker engine and a host at the transport edge.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DetectorProfile, DetectorSettings, Period, Segment } from '../../core/types.js';
import { settingsFor } from '../../core/detector.js';
import type { HostClient, ProgressEvent } from '../host/client.js';
import type { OpenDatasetResult, PreviewResult, RecentFolder } from '../../core/contract.js';
import type { WorkerClient } from '../worker/client.js';
import type { CubeSummary, SuggestResult } from '../worker/protocol.js';
import { isCancelled } from '../worker/protocol.js';
import { addDays, clampPeriod, presetPeriods } from '../lib/dates.js';

export type ViewId = 'data' | 'overview' | 'funnel' | 'rootcause' | 'calendar';

export const VIEWS: { id: ViewId; label: string; key: string; hint: string }[] = [
  { id: 'data', label: 'Data', key: '1', hint: 'Folder, mapping, data quality' },
  { id: 'overview', label: 'Overview', key: '2', hint: 'KPIs, daily funnel, breakdown' },
  { id: 'funnel', label: 'Funnel comparison', key: '3', hint: 'Baseline vs incident' },
  { id: 'rootcause', label: 'Root cause', key: '4', hint: 'σ analysis, drill-down' },
  { id: 'calendar', label: 'Anomaly calendar', key: '5', hint: 'Detector verdict per day' },
];

export type DatasetStatus = 'idle' | 'opening' | 'cube' | 'loading' | 'ready' | 'error';

export interface DatasetState {
  status: DatasetStatus;
  /** what is being opened: a folder path or 'sample' */
  target: string | null;
  error: string | null;
  progress: ProgressEvent | null;
  opened: OpenDatasetResult | null;
  preview: PreviewResult | null;
  previewError: string | null;
  summary: CubeSummary | null;
  /** ms: host open (scan + profile), cube, worker load; total until the cube is in the worker */
  timings: { open: number; cube: number; load: number; total: number } | null;
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

  setView(view: ViewId): void;
  openFolder(folder: string, mapping?: Record<string, unknown>): Promise<void>;
  openSample(): Promise<void>;
  chooseFolder(): Promise<void>;
  cancelOpen(): void;
  applyMapping(mapping: Record<string, unknown>): Promise<void>;
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
  progress: null,
  opened: null,
  preview: null,
  previewError: null,
  summary: null,
  timings: null,
};

/** The cube's dimensions for a profile: the data's own dimensions (and category/price roll-ups), not time parts. */
export function cubeDimensions(opened: OpenDatasetResult): string[] {
  const all = Object.keys(opened.profile.dimensions ?? {});
  const skip = new Set(['weekday', 'hour_of_day']);
  return all.filter((d) => !skip.has(d)).slice(0, 12);
}

export type AppStore = StoreApi<AppState>;

export function createAppStore(deps: StoreDeps): AppStore {
  const now = deps.now ?? (() => (typeof performance !== 'undefined' ? performance.now() : Date.now()));
  let openAbort: AbortController | null = null;

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
          },
        }));
        return;
      }
      set((s) => ({
        dataset: {
          ...s.dataset,
          status: 'error',
          progress: null,
          error: e instanceof Error ? e.message : String(e),
        },
      }));
    };

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
      const dims = cubeDimensions(opened);
      const t1 = now();
      const bytes = await host.invoke(
        'cube',
        { datasetId: opened.datasetId, dimensions: dims, grain: 'day' },
        { signal },
      );
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
    ) => {
      openAbort?.abort();
      const ctrl = new AbortController();
      openAbort = ctrl;
      const t0 = now();
      set((s) => ({ dataset: { ...EMPTY_DATASET, status: 'opening', target, summary: s.dataset.summary } }));
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

      setView: (view) => set({ view }),

      openFolder: (folder, mapping) =>
        open(folder, (host, signal, onProgress) =>
          host.invoke('openFolder', mapping ? { folder, mapping } : { folder }, { signal, onProgress }),
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
        const opened = get().dataset.opened;
        if (!opened) return;
        await open(opened.folder, (host, signal, onProgress) =>
          host.invoke('setMapping', { datasetId: opened.datasetId, mapping }, { signal, onProgress }),
        );
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
    };
  });
}
