/**
 * The host operations of core/contract.ts implemented over the plain-Node services. Used by both transports
 * (electron/host/ipc.ts and electron/host/web.ts); imports nothing from `electron`.
 *
 * Responsibilities:
 * - validate every request with the contract's zod schema (specific INVALID_REQUEST messages);
 * - keep open datasets by id (LRU-capped so a long session does not leak DuckDB connections);
 * - restrict file access to folders the user chose (dialog, drop, command line, recent list, the sample);
 *   checked on the resolved path and again on the real path, so `..` and symlinks cannot escape;
 * - turn service progress callbacks into ProgressEvents (files, rows, rows/s, ETA) and cancel by requestId;
 * - never throw to the transport: every call resolves to HostResult {ok, data} | {ok:false, error{code,message}}.
 */
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  HOST_CONTRACT_VERSION,
  HostError,
  LONG_OPERATIONS,
  isOperationName,
  parseRequest,
  type DatasetProfile,
  type HostEvent,
  type HostInfo,
  type HostResult,
  type OpenDatasetResult,
  type OperationName,
  type OperationRequest,
  type OperationResponses,
  type PreviewResult,
  type RecentFolder,
} from '../../core/contract.js';
import type { MappingFile } from '../../core/schema.js';
import type { CubeSpec, Dataset, IngestProgress } from '../services/dataset.js';
import type { SettingsStore } from '../settings-store.js';
import { businessExtension } from './business-ops.js';
import { liveExtension } from './live-ops.js';
import { mappingExtension } from './mapping-ops.js';

// ------------------------------------------------------------------------------------------- services seam

/** Progress as the services report it (IngestProgress of the dataset service; the sample generator may report
 * a subset). Missing rates/ETA are computed by the host from elapsed time. */
export interface ServiceProgress {
  phase?: string;
  filesDone?: number;
  filesTotal?: number | null;
  rowsDone?: number;
  rowsTotal?: number | null;
  rowsPerSecond?: number | null;
  etaSeconds?: number | null;
  message?: string;
}

/** The part of a dataset (electron/services/dataset.ts) the host uses. */
export type HostDataset = Pick<Dataset, 'profile' | 'cubeArrow' | 'preview' | 'close' | 'folder'>;

export interface HostServices {
  openDataset(
    folder: string,
    options: { mapping?: MappingFile | null; onProgress?: (p: IngestProgress) => void; signal?: AbortSignal },
  ): Promise<HostDataset>;
  /** generates the embedded sample on first use; resolves to its folder */
  ensureSample(
    userDataDir: string,
    options?: { onProgress?: (p: ServiceProgress) => void; signal?: AbortSignal },
  ): Promise<string | { folder: string }>;
}

type SampleProgress = { daysDone: number; days: number; events: number };

/**
 * Run ensureSample in a worker thread when running built (dist/…/sample-worker.js exists); from sources (tests
 * through tsx/vitest) it runs in-process.
 */
async function ensureSampleOffThread(
  userDataDir: string,
  onProgress: (p: SampleProgress) => void,
): Promise<string> {
  const inProcess = async () => {
    const sample = await import('../services/sample.js');
    return (await sample.ensureSample(userDataDir, { onProgress })).dir;
  };
  const workerUrl = new URL('./sample-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(workerUrl))) return inProcess();
  return new Promise<string>((resolve, reject) => {
    let heard = false; // a worker that cannot even start (e.g. modules it cannot load) falls back to in-process
    const fail = (message: string) => {
      if (heard) reject(new Error(`could not generate the sample: ${message}`));
      else inProcess().then(resolve, reject);
    };
    let worker: Worker;
    try {
      worker = new Worker(workerUrl, { workerData: { userDataDir } });
    } catch (err) {
      fail((err as Error).message);
      return;
    }
    worker.on('message', (m: { type: string; progress?: SampleProgress; dir?: string; message?: string }) => {
      heard = true;
      if (m.type === 'progress' && m.progress) onProgress(m.progress);
      else if (m.type === 'done' && m.dir) resolve(m.dir);
      else if (m.type === 'error') reject(new Error(`could not generate the sample: ${m.message}`));
    });
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => {
      if (code !== 0) fail(`worker exited with code ${code}`);
    });
  });
}

/** The real services: native DuckDB dataset scanning and the embedded sample generator. */
export async function defaultServices(): Promise<HostServices> {
  const dataset = await import('../services/dataset.js');
  return {
    openDataset: (folder, opts) => dataset.openDataset(folder, opts),
    ensureSample: async (dir, opts) => {
      const started = Date.now();
      return ensureSampleOffThread(dir, ({ daysDone, days, events }) => {
        const elapsed = (Date.now() - started) / 1000;
        opts?.onProgress?.({
          phase: 'generating sample',
          rowsDone: events,
          etaSeconds: daysDone > 0 ? (elapsed * (days - daysDone)) / daysDone : null,
          message: `Generating the sample (first run only): day ${daysDone}/${days}`,
        });
      });
    },
  };
}

/** Whether the report export can work in this host (checked for hostInfo). */
export interface ReportAvailability {
  available: boolean;
  /** why not, in words the user can act on */
  reason: string | null;
}

/**
 * The PDF export of the incident report, per transport (electron/host/report-export.ts builds both):
 * Electron asks where to save and prints with printToPDF; the web host prints through Chromium and answers a
 * download URL. The host has checked the dataset id; the exporter builds the model from the open dataset.
 */
export interface ReportExporter {
  availability(): Promise<ReportAvailability>;
  export(
    request: OperationRequest<'exportReport'>,
    context: {
      dataset: HostDataset;
      folder: string;
      sample: boolean;
      signal: AbortSignal;
      report: (p: ServiceProgress, force?: boolean) => void;
    },
  ): Promise<OperationResponses['exportReport']>;
}

/**
 * The scan export (CSV/Parquet through native DuckDB), per transport (electron/host/scan-export.ts holds the
 * shared writer and the web exporter; main.ts adds the save dialog). The host has checked the dataset id.
 */
export interface ScanExporter {
  export(
    request: OperationRequest<'exportScan'>,
    context: { signal: AbortSignal; report: (p: ServiceProgress, force?: boolean) => void },
  ): Promise<OperationResponses['exportScan']>;
}

export interface HostOptions {
  transport: 'electron' | 'web';
  services: HostServices;
  /** where the sample lives/is generated */
  userDataDir: string;
  emit: (event: HostEvent) => void;
  settings?: SettingsStore | null;
  /** folders the user chose up front (command line); subfolders are allowed too */
  allowedRoots?: string[];
  /** what the UI should open first */
  initial?: HostInfo['initial'];
  /** Electron only: native folder chooser */
  chooseFolder?: () => Promise<string | null>;
  exportReport?: ReportExporter;
  exportScan?: ScanExporter;
  appVersion?: string;
  /** open datasets kept before the least recently used is closed (default 6) */
  maxOpenDatasets?: number;
  /** minimum ms between two progress events of one request (default 100) */
  progressIntervalMs?: number;
}

export interface Host {
  /** Run one operation; never rejects. */
  handle(op: unknown, requestId: unknown, request: unknown): Promise<HostResult<unknown>>;
  /** Grant access to a folder the user chose (dialog, drop, command line). Returns the resolved path. */
  allowFolder(folder: string): Promise<string>;
  isAllowed(folder: string): Promise<boolean>;
  /** ids of open datasets (for tests and diagnostics) */
  openDatasets(): string[];
  /** requestIds currently running */
  running(): string[];
  close(): Promise<void>;
}

export interface OpenEntry {
  id: string;
  dataset: HostDataset;
  folder: string;
  sample: boolean;
  mapping?: MappingFile;
  lastUsed: number;
}

/** What one operation's implementation receives besides its validated request. */
export interface OpContext {
  requestId: string;
  signal: AbortSignal;
  report: (p: ServiceProgress, force?: boolean) => void;
}
export type OpImpl<K extends OperationName> = (
  req: OperationRequest<K>,
  ctx: OpContext,
) => Promise<OperationResponses[K]>;

/** The host's internals a feature extension (business-ops.ts, live-ops.ts) builds its operations on. */
export interface HostInternals {
  options: HostOptions;
  /** the open dataset (throws DATASET_NOT_FOUND) */
  entry(id: string): OpenEntry;
  /** every open dataset */
  openEntries(): OpenEntry[];
  /** resolve and check a folder from a request (allowed, exists, no symlink escape) */
  checkFolder(input: string): Promise<string>;
  /** grant access to a folder; answers its real path */
  addAllowed(folder: string): Promise<string>;
  /** run `work` so that cancel answers at once; late results are disposed */
  abortable<T>(signal: AbortSignal, work: Promise<T>, dispose?: (value: T) => void): Promise<T>;
  emit(event: HostEvent): void;
  settings: SettingsStore | null;
}

/** A feature's operations (and what to do when the host closes). */
export interface HostExtension<K extends OperationName> {
  impl: { [P in K]: OpImpl<P> };
  /** operations of this extension not available in this host (reported by hostInfo) */
  unavailable?(): OperationName[];
  close?(): Promise<void>;
}

// ------------------------------------------------------------------------------------------- helpers

/** true when `target` is `root` or inside it (both absolute, normalized paths) */
export function within(root: string, target: string): boolean {
  if (target === root) return true;
  const rel = path.relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Map service errors to contract errors, keeping the service's specific message. */
function errorPayload(err: unknown): HostError {
  if (err instanceof HostError) return err;
  const e = err as { name?: string; message?: string; code?: unknown; skipped?: unknown };
  if (e?.name === 'AbortError') return new HostError('CANCELLED', 'Cancelled');
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  if (e?.name === 'ReportError') {
    // electron/services/report.ts: no Chromium / page not built → the printer is unavailable; else it failed
    if (e.code === 'NO_CHROMIUM' || e.code === 'NO_REPORT_PAGE')
      return new HostError('REPORT_UNAVAILABLE', message);
    if (e.code === 'BAD_REQUEST') return new HostError('INVALID_REQUEST', message);
    return new HostError('REPORT_FAILED', message);
  }
  if (e?.name === 'DatasetError') {
    const details = Array.isArray(e.skipped) && e.skipped.length ? { skipped: e.skipped } : undefined;
    switch (e.code) {
      case 'NOT_FOUND':
        return new HostError('FOLDER_NOT_FOUND', message, details);
      case 'BAD_MAPPING':
      case 'BAD_REQUEST':
        return new HostError('INVALID_REQUEST', message, details);
      case 'CLOSED':
        return new HostError('DATASET_NOT_FOUND', message, details);
      default:
        return new HostError('DATASET_ERROR', message, details);
    }
  }
  return new HostError('DATASET_ERROR', message);
}

const PHASE_LABELS: Record<string, string> = {
  files: 'checking files',
  scan: 'scanning',
  duplicates: 'finding duplicates',
};

function humanCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
  return String(Math.round(n));
}

/** Make a preview value JSON-safe (bigint, Date, bytes, DuckDB value objects). */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = jsonSafe(v);
      return out;
    }
    return String(value); // DuckDB value classes (timestamps, decimals…) print themselves
  }
  return String(value);
}

function normalizePreview(raw: unknown): PreviewResult {
  if (Array.isArray(raw)) {
    const rows = raw.map((r) => jsonSafe(r) as Record<string, unknown>);
    const names = rows.length ? Object.keys(rows[0]!) : [];
    return { columns: names.map((name) => ({ name, type: typeof rows[0]![name] })), rows };
  }
  const r = raw as { columns?: unknown; rows?: unknown };
  const rows = Array.isArray(r?.rows) ? r.rows.map((x) => jsonSafe(x) as Record<string, unknown>) : [];
  let columns: { name: string; type: string }[] = [];
  if (Array.isArray(r?.columns)) {
    columns = r.columns.map((c) =>
      typeof c === 'string'
        ? { name: c, type: 'unknown' }
        : {
            name: String((c as { name: unknown }).name),
            type: String((c as { type?: unknown }).type ?? 'unknown'),
          },
    );
  } else if (rows.length) {
    columns = Object.keys(rows[0]!).map((name) => ({ name, type: typeof rows[0]![name] }));
  }
  return { columns, rows };
}

// ------------------------------------------------------------------------------------------- the host

export function createHost(options: HostOptions): Host {
  const { services, emit } = options;
  const settings = options.settings ?? null;
  const maxOpen = options.maxOpenDatasets ?? 6;
  const progressInterval = options.progressIntervalMs ?? 100;

  /** allowed roots: resolved path -> real path (real computed when the folder exists) */
  const allowed = new Map<string, string>();
  const datasets = new Map<string, OpenEntry>();
  const running = new Map<string, AbortController>();
  /** requestIds cancelled before they started (kept 60 s) */
  const cancelledEarly = new Map<string, number>();
  let sampleFolder: string | null = null;
  /** preferences when no settings file is used */
  let memoryPreferences: Record<string, unknown> = {};
  let samplePending: Promise<string> | null = null;
  let counter = 0;
  let closed = false;

  async function addAllowed(folder: string): Promise<string> {
    const resolved = path.resolve(folder);
    let real = resolved;
    try {
      real = await realpath(resolved);
    } catch {
      /* not there yet (e.g. the sample before generation) */
    }
    allowed.set(resolved, real);
    allowed.set(real, real);
    return real;
  }

  const ready = (async () => {
    for (const root of options.allowedRoots ?? []) await addAllowed(root);
    for (const r of settings?.recentFolders() ?? []) await addAllowed(r.folder);
  })();

  function lexicallyAllowed(p: string): boolean {
    for (const root of allowed.keys()) if (within(root, p)) return true;
    return false;
  }
  function reallyAllowed(p: string): boolean {
    for (const real of allowed.values()) if (within(real, p)) return true;
    return false;
  }

  /** Resolve and check a folder from a request: allowed, exists, is a directory, no symlink escape. */
  async function checkFolder(input: string): Promise<string> {
    await ready;
    if (!path.isAbsolute(input)) {
      throw new HostError(
        'INVALID_REQUEST',
        `Invalid request: folder must be an absolute path, got "${input}"`,
      );
    }
    const resolved = path.resolve(input);
    if (!lexicallyAllowed(resolved)) {
      throw new HostError(
        'FOLDER_NOT_ALLOWED',
        `Access to "${resolved}" is not allowed: only folders you chose can be opened — ${
          options.transport === 'electron'
            ? 'use File ▸ Open Folder… or drop the folder on the window'
            : `restart the web host with it: funnelscope serve "${resolved}"`
        }`,
      );
    }
    let real: string;
    try {
      real = await realpath(resolved);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        throw new HostError('FOLDER_NOT_FOUND', `Folder not found: ${resolved}`);
      throw new HostError('FOLDER_NOT_FOUND', `Cannot access ${resolved}: ${(err as Error).message}`);
    }
    if (!reallyAllowed(real)) {
      throw new HostError(
        'FOLDER_NOT_ALLOWED',
        `Access to "${resolved}" is not allowed: it resolves to "${real}", outside the folders you chose`,
      );
    }
    const info = await stat(real);
    // a folder, or a single Parquet file (the dataset service reads both)
    if (!info.isDirectory() && !(info.isFile() && /\.parquet$/i.test(real))) {
      throw new HostError(
        'NOT_A_FOLDER',
        `Not a folder: ${resolved} is a file; choose the folder that contains the Parquet files`,
      );
    }
    return real;
  }

  function entry(id: string): OpenEntry {
    const e = datasets.get(id);
    if (!e)
      throw new HostError(
        'DATASET_NOT_FOUND',
        `Dataset ${id} is not open (it was closed or the host restarted); open the folder again`,
      );
    e.lastUsed = Date.now();
    return e;
  }

  async function evictIfNeeded(): Promise<void> {
    while (datasets.size > maxOpen) {
      const oldest = [...datasets.values()].sort((a, b) => a.lastUsed - b.lastUsed)[0]!;
      datasets.delete(oldest.id);
      await Promise.resolve(oldest.dataset.close()).catch(() => undefined);
    }
  }

  /** Progress reporter for one request: rates, ETA, throttling. */
  function progressFor(op: OperationName, requestId: string) {
    const started = Date.now();
    let last = 0;
    let lastPhase = '';
    let files = 0;
    let filesTotal: number | null = null;
    let rows = 0;
    const report = (p: ServiceProgress, force = false) => {
      const now = Date.now();
      const phase = PHASE_LABELS[p.phase ?? ''] ?? p.phase ?? (lastPhase || 'working');
      if (!force && phase === lastPhase && now - last < progressInterval) return;
      last = now;
      lastPhase = phase;
      if (p.filesDone !== undefined) files = p.filesDone;
      if (p.filesTotal !== undefined) filesTotal = p.filesTotal;
      if (p.rowsDone !== undefined) rows = p.rowsDone;
      const elapsed = (now - started) / 1000;
      const rowsPerSecond =
        p.rowsPerSecond != null
          ? Math.round(p.rowsPerSecond)
          : elapsed > 0.05 && rows > 0
            ? Math.round(rows / elapsed)
            : null;
      let etaSeconds: number | null = p.etaSeconds ?? null;
      if (etaSeconds === null && filesTotal && files > 0 && files <= filesTotal && elapsed > 0) {
        etaSeconds = (elapsed * (filesTotal - files)) / files;
      }
      if (p.etaSeconds === undefined && p.rowsTotal && rowsPerSecond && rows <= p.rowsTotal) {
        etaSeconds = (p.rowsTotal - rows) / rowsPerSecond;
      }
      if (phase === 'done') etaSeconds = 0;
      if (etaSeconds !== null) etaSeconds = Math.max(0, Math.round(etaSeconds * 10) / 10);
      const parts = [p.message ?? phase.charAt(0).toUpperCase() + phase.slice(1)];
      if (filesTotal) parts.push(`${files}/${filesTotal} files`);
      else if (files) parts.push(`${files} files`);
      if (rows) parts.push(`${humanCount(rows)} rows`);
      if (rowsPerSecond) parts.push(`${humanCount(rowsPerSecond)} rows/s`);
      if (etaSeconds !== null && phase !== 'done') parts.push(`~${Math.ceil(etaSeconds)} s left`);
      emit({
        type: 'progress',
        requestId,
        op,
        phase,
        files,
        filesTotal,
        rows,
        rowsPerSecond,
        etaSeconds,
        message: parts.join(' · '),
      });
    };
    return report;
  }

  /** Run `work` so that cancel answers at once even if the service reacts late; late results are closed. */
  function abortable<T>(signal: AbortSignal, work: Promise<T>, dispose?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new HostError('CANCELLED', 'Cancelled'));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) dispose?.(v);
          else resolve(v);
        },
        (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(signal.aborted ? new HostError('CANCELLED', 'Cancelled') : e);
        },
      );
    });
  }

  async function openInto(
    id: string | null,
    folder: string,
    sample: boolean,
    mapping: MappingFile | undefined,
    signal: AbortSignal,
    report: (p: ServiceProgress, force?: boolean) => void,
  ): Promise<OpenDatasetResult> {
    report({ phase: 'listing files', filesDone: 0, rowsDone: 0 }, true);
    const dataset = await abortable(
      signal,
      services.openDataset(folder, { mapping, signal, onProgress: (p) => report(p) }),
      (late) => void Promise.resolve(late.close()).catch(() => undefined),
    );
    let profile: DatasetProfile;
    try {
      profile = await dataset.profile();
    } catch (err) {
      await Promise.resolve(dataset.close()).catch(() => undefined);
      throw err;
    }
    const datasetId = id ?? `ds-${(++counter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const previous = datasets.get(datasetId);
    datasets.set(datasetId, { id: datasetId, dataset, folder, sample, mapping, lastUsed: Date.now() });
    if (previous) await Promise.resolve(previous.dataset.close()).catch(() => undefined);
    await evictIfNeeded();
    if (!sample) settings?.addRecentFolder(folder, mapping);
    report({ phase: 'done', filesDone: profile.files.read, rowsDone: profile.rows.read }, true);
    return { datasetId, folder, sample, profile };
  }

  async function sample(
    signal: AbortSignal,
    report: (p: ServiceProgress, force?: boolean) => void,
  ): Promise<string> {
    if (sampleFolder) return sampleFolder;
    if (!samplePending) {
      report({ phase: 'preparing sample', filesDone: 0, rowsDone: 0 }, true);
      samplePending = services
        .ensureSample(options.userDataDir, {
          onProgress: (p) => report({ phase: 'generating sample', ...p }),
        })
        .then(async (r) => {
          const folder = typeof r === 'string' ? r : r.folder;
          sampleFolder = await addAllowed(folder);
          return sampleFolder;
        })
        .finally(() => {
          samplePending = null;
        });
    }
    return abortable(signal, samplePending);
  }

  type Impl = { [K in OperationName]: OpImpl<K> };

  const internals: HostInternals = {
    options,
    entry,
    openEntries: () => [...datasets.values()],
    checkFolder,
    addAllowed,
    abortable,
    emit,
    settings,
  };
  const business = businessExtension(internals);
  const live = liveExtension(internals);
  const mapping = mappingExtension(internals);
  const extensions: Omit<HostExtension<never>, 'impl'>[] = [business, live, mapping];

  const impl: Impl = {
    ...business.impl,
    ...live.impl,
    ...mapping.impl,
    async hostInfo() {
      const unavailable: OperationName[] = [];
      if (!options.chooseFolder) unavailable.push('chooseFolder');
      const reportExport = options.exportReport
        ? await options.exportReport.availability().catch((err: unknown) => ({
            available: false,
            reason: (err as Error).message,
          }))
        : { available: false, reason: 'Export Incident Report… is not available in this host' };
      if (!reportExport.available) unavailable.push('exportReport');
      if (!options.exportScan) unavailable.push('exportScan');
      for (const x of extensions) unavailable.push(...(x.unavailable?.() ?? []));
      return {
        contractVersion: HOST_CONTRACT_VERSION,
        appVersion: options.appVersion ?? '0.0.0',
        transport: options.transport,
        platform: process.platform,
        initial: options.initial ?? { kind: 'sample' },
        unavailable,
        reportExport,
      };
    },
    async chooseFolder() {
      if (!options.chooseFolder) {
        throw new HostError(
          'NOT_AVAILABLE',
          'Choosing a folder is not available in the browser; start the web host with the folder: funnelscope serve /path/to/folder',
        );
      }
      const chosen = await options.chooseFolder();
      if (!chosen) return { folder: null };
      return { folder: await addAllowed(chosen) };
    },
    async openFolder(req, ctx) {
      const folder = await checkFolder(req.folder);
      const mapping = req.mapping ?? (settings?.mappingFor(folder) as MappingFile | undefined);
      return openInto(null, folder, folder === sampleFolder, mapping, ctx.signal, ctx.report);
    },
    async openSample(_req, ctx) {
      const folder = await sample(ctx.signal, ctx.report);
      return openInto(null, folder, true, undefined, ctx.signal, ctx.report);
    },
    async setMapping(req, ctx) {
      const e = entry(req.datasetId);
      // {} means "back to automatic detection": no override is passed or remembered
      const mapping = Object.keys(req.mapping).length ? req.mapping : undefined;
      const result = await openInto(e.id, e.folder, e.sample, mapping, ctx.signal, ctx.report);
      if (!e.sample) settings?.setMapping(e.folder, mapping);
      return result;
    },
    async profile(req) {
      return entry(req.datasetId).dataset.profile();
    },
    async preview(req) {
      return normalizePreview(await entry(req.datasetId).dataset.preview(req.rows));
    },
    async cube(req, ctx) {
      const e = entry(req.datasetId);
      ctx.report({ phase: 'aggregating' }, true);
      const spec: CubeSpec = { dimensions: req.dimensions, grain: req.grain };
      if (req.from) spec.from = req.from;
      if (req.to) spec.to = req.to;
      const bytes = await abortable(ctx.signal, e.dataset.cubeArrow(spec, { signal: ctx.signal }));
      ctx.report({ phase: 'done' }, true);
      return bytes;
    },
    async closeDataset(req) {
      const e = datasets.get(req.datasetId);
      if (!e) return { closed: false };
      datasets.delete(req.datasetId);
      await Promise.resolve(e.dataset.close());
      return { closed: true };
    },
    async recentFolders() {
      return { folders: settings?.recentFolders() ?? [] };
    },
    async forgetRecentFolder(req) {
      const folders: RecentFolder[] = settings ? settings.removeRecentFolder(path.resolve(req.folder)) : [];
      return { folders };
    },
    async getPreferences() {
      return { preferences: settings?.preferences() ?? memoryPreferences };
    },
    async setPreferences(req) {
      if (settings) settings.setPreferences(req.preferences);
      else memoryPreferences = structuredClone(req.preferences);
      return { preferences: settings?.preferences() ?? memoryPreferences };
    },
    async cancel(req) {
      const c = running.get(req.requestId);
      if (!c) {
        // the cancel may overtake its own request (client aborted right after sending): remember it briefly
        cancelledEarly.set(req.requestId, Date.now());
        return { cancelled: false };
      }
      c.abort();
      return { cancelled: true };
    },
    async exportReport(req, ctx) {
      if (!options.exportReport) {
        throw new HostError('NOT_AVAILABLE', 'Export Incident Report… is not available yet in this version');
      }
      const e = entry(req.datasetId);
      ctx.report({ phase: 'analysing', message: 'Building the incident report' }, true);
      const exporter = options.exportReport;
      const result = await abortable(
        ctx.signal,
        exporter.export(req, {
          dataset: e.dataset,
          folder: e.folder,
          sample: e.sample,
          signal: ctx.signal,
          report: ctx.report,
        }),
      );
      ctx.report({ phase: 'done', message: result.file ? `Saved ${result.file}` : 'Not saved' }, true);
      return result;
    },
    async exportScan(req, ctx) {
      if (!options.exportScan) {
        throw new HostError('NOT_AVAILABLE', 'Exporting the scan is not available in this host');
      }
      entry(req.datasetId);
      ctx.report({ phase: 'writing', message: `Writing ${req.rows.length} rows as ${req.format}` }, true);
      const result = await abortable(
        ctx.signal,
        options.exportScan.export(req, { signal: ctx.signal, report: ctx.report }),
      );
      ctx.report({ phase: 'done', message: result.file ? `Saved ${result.file}` : 'Not saved' }, true);
      return result;
    },
  };

  return {
    async handle(op, requestId, request) {
      try {
        if (closed) throw new HostError('INTERNAL', 'The host is shutting down');
        if (!isOperationName(op)) parseRequest(String(op), request); // throws UNKNOWN_OPERATION
        const name = op as OperationName;
        const id = typeof requestId === 'string' ? requestId : '';
        if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(id)) {
          throw new HostError(
            'INVALID_REQUEST',
            `Invalid request for "${name}": requestId: must be 1-100 characters of letters, digits, _ . : -`,
          );
        }
        const req = parseRequest(name, request);
        const long = LONG_OPERATIONS.includes(name);
        if (long && running.has(id)) {
          throw new HostError(
            'INVALID_REQUEST',
            `Invalid request for "${name}": requestId "${id}" is already running`,
          );
        }
        const controller = new AbortController();
        if (long) {
          const now = Date.now();
          for (const [k, t] of cancelledEarly) if (now - t > 60_000) cancelledEarly.delete(k);
          if (cancelledEarly.delete(id)) throw new HostError('CANCELLED', 'Cancelled');
          running.set(id, controller);
        }
        try {
          const fn = impl[name] as (r: unknown, c: unknown) => Promise<unknown>;
          const data = await fn(req, {
            requestId: id,
            signal: controller.signal,
            report: progressFor(name, id),
          });
          return { ok: true, data };
        } finally {
          if (long && running.get(id) === controller) running.delete(id);
        }
      } catch (err) {
        return { ok: false, error: errorPayload(err).toPayload() };
      }
    },
    allowFolder: async (folder) => {
      await ready;
      return addAllowed(folder);
    },
    async isAllowed(folder) {
      try {
        await ready;
        const resolved = path.resolve(folder);
        if (!lexicallyAllowed(resolved)) return false;
        return reallyAllowed(await realpath(resolved).catch(() => resolved));
      } catch {
        return false;
      }
    },
    openDatasets: () => [...datasets.keys()],
    running: () => [...running.keys()],
    async close() {
      closed = true;
      for (const x of extensions) await x.close?.().catch(() => undefined);
      for (const c of running.values()) c.abort();
      running.clear();
      const all = [...datasets.values()];
      datasets.clear();
      await Promise.all(all.map((e) => Promise.resolve(e.dataset.close()).catch(() => undefined)));
    },
  };
}
