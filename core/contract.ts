/**
 * The typed host contract: every operation the renderer may ask of the host (Electron main over IPC, or the
 * local web host over HTTP + WebSocket), with a zod schema for its request and the TypeScript type of its
 * response, the progress/command events the host pushes, and the error shape.
 *
 * Pure TypeScript + zod (no DOM, Node or Electron imports): imported by electron/host/* (validation of every
 * incoming payload), renderer/host/client.ts (typed calls) and tests.
 *
 * Wire conventions (both transports):
 * - a call is (op, requestId, request); the request is validated with `operations[op].request` on the host;
 * - success carries the response; binary operations (`binary: true`) answer with raw Arrow IPC stream bytes
 *   (Uint8Array over IPC, `application/vnd.apache.arrow.stream` over HTTP);
 * - failure carries `HostErrorPayload {code, message, details?}`; `message` is the specific, human-readable
 *   message (e.g. which file is corrupt), safe to show as is;
 * - long operations push `ProgressEvent`s tagged with the caller's requestId; `cancel {requestId}` aborts them.
 */
import { z } from 'zod';
import { type DataProfile } from './schema.js';
import {
  ISO_DAY_OK,
  datasetIdSchema,
  columnNameSchema,
  detectorSettingsSchema,
  folderSchema,
  isoDay,
  mappingSchema,
  periodSchema,
  requestIdSchema,
  segmentSchema,
  strict,
} from './contract-blocks.js';
import { businessOperations, type BusinessResponses } from './contract-business.js';
import { mappingOperations, type MappingResponses } from './contract-mapping.js';
import {
  liveOperations,
  LIVE_LONG_OPERATIONS,
  type LiveHostEvent,
  type LiveResponses,
} from './contract-live.js';

export * from './contract-blocks.js';
export * from './contract-business.js';
export * from './contract-mapping.js';
export * from './contract-live.js';

export const HOST_CONTRACT_VERSION = 1;

/** Electron IPC channel names (the preload duplicates these literals; a unit test keeps them in sync). */
export const IPC_CHANNELS = {
  invoke: 'funnelscope:invoke',
  event: 'funnelscope:event',
  drop: 'funnelscope:drop',
} as const;

/** HTTP paths of the web host. POST `${invoke}/${op}`; WebSocket at `events`. */
export const WEB_PATHS = {
  invoke: '/api/invoke',
  events: '/api/events',
} as const;
/** Header carrying the session token (alternatives: `?token=` query parameter, the `funnelscope_token` cookie). */
export const TOKEN_HEADER = 'x-funnelscope-token';
export const TOKEN_COOKIE = 'funnelscope_token';
export const TOKEN_QUERY = 'token';
export const ARROW_STREAM_MIME = 'application/vnd.apache.arrow.stream';

// ------------------------------------------------------------------------------------------- response types

/** Data-quality profile of a loaded folder: exactly `funnelscope profile --json` (core/schema.ts DataProfile). */
export type DatasetProfile = DataProfile;

export interface OpenDatasetResult {
  datasetId: string;
  /** absolute, real path of the opened folder */
  folder: string;
  /** true for the embedded sample */
  sample: boolean;
  profile: DatasetProfile;
}

export interface PreviewResult {
  columns: { name: string; type: string }[];
  /** JSON-safe values: bigint -> number (or string when unsafe), dates -> ISO strings, bytes -> base64 */
  rows: Record<string, unknown>[];
}

export interface RecentFolder {
  folder: string;
  /** mapping override the user chose for this folder, if any (MappingFile JSON) */
  mapping?: Record<string, unknown>;
  /** ISO timestamp of the last open */
  openedAt: string;
}

export interface HostInfo {
  contractVersion: number;
  appVersion: string;
  transport: 'electron' | 'web';
  platform: string;
  /** what the UI should open first: the folder given on the command line / dropped at launch, or the sample */
  initial: { kind: 'folder'; folder: string } | { kind: 'sample' } | { kind: 'none' };
  /** operations that exist in the contract but are not available in this host yet */
  unavailable: OperationName[];
  /** whether File ▸ Export Incident Report… can work here; `reason` says why not (e.g. no Chromium) */
  reportExport: { available: boolean; reason: string | null };
}

// ------------------------------------------------------------------------------------------- operations

export const exportReportRequestSchema = z
  .strictObject({
    datasetId: datasetIdSchema,
    /** the culprit to report on (default: the top root-cause candidate) */
    segment: segmentSchema.optional(),
    /** default: 8 whole weeks before the incident */
    baseline: periodSchema.optional(),
    /** default: the detector's latest critical period */
    incident: periodSchema.optional(),
    settings: detectorSettingsSchema.optional(),
    /** dimensions analysed (default device, os, browser where the data has them); the segment's are added */
    dimensions: z
      .array(columnNameSchema, { error: 'must be an array of column names' })
      .min(1, 'must name at least one dimension')
      .max(12, 'at most 12 dimensions')
      .refine((d) => new Set(d).size === d.length, 'must not repeat a dimension')
      .optional(),
  })
  .refine(
    (r) => !ISO_DAY_OK(r.baseline?.to) || !ISO_DAY_OK(r.incident?.from) || r.baseline.to < r.incident.from,
    {
      message: 'the baseline must end before the incident starts',
      path: ['baseline'],
    },
  );
export type ExportReportRequest = z.output<typeof exportReportRequestSchema>;

/** Answer of exportReport. */
export interface ExportReportResult {
  /** absolute path of the written PDF; null when the user cancelled the save dialog (Electron) */
  file: string | null;
  /** pages of the PDF (0 when nothing was written) */
  pages: number;
  /** web host: download URL path (`/download/<id>.pdf`), served as an attachment to this session only */
  url?: string;
  /** the culprit's label and the incident start, for a confirmation message */
  culprit?: string;
  incidentStart?: string;
}

/** Most rows exportScan takes (a 5-dimension all-level scan of a large shop stays well under it). */
export const MAX_EXPORT_SCAN_ROWS = 200_000;

const count = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be at least 0');
const hour = z.number({ error: 'must be a number' }).int('must be an integer').min(0).max(23);
const finiteOrNull = z.number({ error: 'must be a number or null' }).nullable();

/** One scan row as the export table needs it (core ScanRow's exported fields). */
export const exportScanRowSchema = z.object({
  segment: z
    .record(columnNameSchema, z.string({ error: 'must be a string' }).max(500, 'at most 500 characters'), {
      error: 'must be an object {dimension: value}',
    })
    .refine((s) => Object.keys(s).length <= 12, 'at most 12 dimensions'),
  level: count.max(12, 'must be at most 12'),
  daysChecked: count,
  anomalousDays: count,
  hoursChecked: count.optional(),
  anomalousHours: count.optional(),
  criticalPeriods: z
    .array(
      z.object({
        start: isoDay,
        end: isoDay,
        days: count,
        startHour: hour.optional(),
        endHour: hour.optional(),
      }),
    )
    .max(1000, 'at most 1000 periods'),
  firstCritical: isoDay.nullable(),
  firstCriticalHour: hour.nullable().optional(),
  worstSigma: finiteOrNull,
  purchasesLost: finiteOrNull,
  revenueLost: finiteOrNull,
});
export type ExportScanRow = z.output<typeof exportScanRowSchema>;

export const exportScanRequestSchema = z
  .strictObject({
    datasetId: datasetIdSchema,
    format: z.enum(['csv', 'parquet'], { error: 'must be "csv" or "parquet"' }),
    /** the scanned dimensions, in column order */
    dimensions: z
      .array(columnNameSchema, { error: 'must be an array of column names' })
      .max(12, 'at most 12 dimensions')
      .refine((d) => new Set(d).size === d.length, 'must not repeat a dimension'),
    /** 'hour' adds hours_checked, anomalous_hours and first_critical_hour (default 'day') */
    grain: z.enum(['day', 'hour'], { error: 'must be "day" or "hour"' }).default('day'),
    rows: z
      .array(exportScanRowSchema, { error: 'must be an array of scan rows' })
      .max(MAX_EXPORT_SCAN_ROWS, `at most ${MAX_EXPORT_SCAN_ROWS} rows`),
    /** suggested file name (Electron: the save dialog's default; web host: the download's name) */
    fileName: z
      .string({ error: 'must be a string' })
      .max(200, 'at most 200 characters')
      .regex(/^[^/\\\0]+$/, 'must be a plain file name')
      .optional(),
  })
  .refine((r) => r.rows.every((row) => Object.keys(row.segment).every((d) => r.dimensions.includes(d))), {
    message: "every row's segment must use only the listed dimensions",
    path: ['rows'],
  });
export type ExportScanRequest = z.output<typeof exportScanRequestSchema>;

/** Answer of exportScan. */
export interface ExportScanResult {
  /** absolute path of the written file; null when the user cancelled the save dialog (Electron) */
  file: string | null;
  /** rows written (0 when nothing was written) */
  rows: number;
  /** web host: download URL path (`/download/<id>.csv|.parquet`), served as an attachment to this session only */
  url?: string;
}

export const operations = {
  /** Host/version info and what to open first. */
  hostInfo: { request: strict({}), binary: false },
  /**
   * Electron: show the native folder chooser; the chosen folder becomes allowed. Returns null when cancelled.
   * Web host: not available (the folder is given on the command line) -> NOT_AVAILABLE.
   */
  chooseFolder: { request: strict({}), binary: false },
  /** Open (scan + profile) a folder the user chose. Long: progress events + cancellable. */
  openFolder: { request: strict({ folder: folderSchema, mapping: mappingSchema.optional() }), binary: false },
  /** Open the embedded sample (generated into the user data directory on first use). Long. */
  openSample: { request: strict({}), binary: false },
  /** Re-open a dataset with a new column mapping (remembered for the folder in the recent list). Long. */
  setMapping: { request: strict({ datasetId: datasetIdSchema, mapping: mappingSchema }), binary: false },
  profile: { request: strict({ datasetId: datasetIdSchema }), binary: false },
  preview: {
    request: strict({
      datasetId: datasetIdSchema,
      rows: z
        .number({ error: 'must be a number' })
        .int('must be an integer')
        .min(1, 'must be at least 1')
        .max(1000, 'must be at most 1000')
        .default(20),
    }),
    binary: false,
  },
  /** Aggregate the dataset into a cube; answers Arrow IPC stream bytes. Long. */
  cube: {
    request: strict({
      datasetId: datasetIdSchema,
      dimensions: z
        .array(columnNameSchema, { error: 'must be an array of column names' })
        .max(12, 'at most 12 dimensions')
        .refine((d) => new Set(d).size === d.length, 'must not repeat a dimension'),
      grain: z.enum(['day', 'hour'], { error: 'must be "day" or "hour"' }),
      from: isoDay.optional(),
      to: isoDay.optional(),
    }).refine((r) => !r.from || !r.to || r.from <= r.to, {
      message: 'from must not be after to',
      path: ['from'],
    }),
    binary: true,
  },
  closeDataset: { request: strict({ datasetId: datasetIdSchema }), binary: false },
  recentFolders: { request: strict({}), binary: false },
  forgetRecentFolder: { request: strict({ folder: folderSchema }), binary: false },
  /** UI preferences (theme override, detector settings, last view…) kept in the user's settings file, so they
   * survive restarts and the web host's changing port (localStorage is per origin). */
  getPreferences: { request: strict({}), binary: false },
  /** Replace the preferences (a JSON object, at most 64 KB). */
  setPreferences: {
    request: strict({
      preferences: z
        .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
        .refine((p) => JSON.stringify(p).length <= 65_536, 'must be at most 64 KB as JSON'),
    }),
    binary: false,
  },
  /** Abort a running operation by the requestId it was started with. */
  cancel: { request: strict({ requestId: requestIdSchema }), binary: false },
  /**
   * Export the incident report of an open dataset as PDF, for what the analyst has on screen. Long: progress
   * events + cancellable. Electron asks where to save (native dialog; `file: null` when the user cancels);
   * the web host prints into a per-session folder and answers a token-protected download `url`.
   * Unknown dimensions (for this dataset) are refused by the host with the dataset's dimension list.
   */
  exportReport: {
    request: exportReportRequestSchema,
    binary: false,
  },
  /**
   * Write the scan rows the analyst has on screen as CSV or Parquet with native DuckDB (the CLI's writer). Long:
   * progress + cancellable. Electron asks where to save (`file: null` when cancelled); the web host writes into
   * a per-session folder and answers a token-protected download `url`.
   */
  exportScan: {
    request: exportScanRequestSchema,
    binary: false,
  },
  /** Business views (issue 6): see core/contract-business.ts. */
  ...businessOperations,
  /** Mapping editor (source columns and values of any folder): see core/contract-mapping.ts. */
  ...mappingOperations,
  /** Live Kafka tap (issue 5): see core/contract-live.ts. */
  ...liveOperations,
} as const;

export type OperationName = keyof typeof operations;
export const OPERATION_NAMES = Object.keys(operations) as OperationName[];

/** Request as the caller writes it (defaults optional). */
export type OperationInput<K extends OperationName> = z.input<(typeof operations)[K]['request']>;
/** Request after validation (defaults filled). */
export type OperationRequest<K extends OperationName> = z.output<(typeof operations)[K]['request']>;

export interface OperationResponses extends BusinessResponses, MappingResponses, LiveResponses {
  hostInfo: HostInfo;
  chooseFolder: { folder: string | null };
  openFolder: OpenDatasetResult;
  openSample: OpenDatasetResult;
  setMapping: OpenDatasetResult;
  profile: DatasetProfile;
  preview: PreviewResult;
  /** Arrow IPC stream: one row per date (and hour) x dimension values; columns date, [hour], dims…, views,
   * carts, purchases, revenue, visitors */
  cube: Uint8Array;
  closeDataset: { closed: boolean };
  recentFolders: { folders: RecentFolder[] };
  forgetRecentFolder: { folders: RecentFolder[] };
  getPreferences: { preferences: Record<string, unknown> };
  setPreferences: { preferences: Record<string, unknown> };
  cancel: { cancelled: boolean };
  exportReport: ExportReportResult;
  exportScan: ExportScanResult;
}
export type OperationResponse<K extends OperationName> = OperationResponses[K];

/** Operations that report progress and can be cancelled. */
export const LONG_OPERATIONS: readonly OperationName[] = [
  'openFolder',
  'openSample',
  'setMapping',
  'cube',
  'exportReport',
  'exportScan',
  ...LIVE_LONG_OPERATIONS,
];

export function isOperationName(op: unknown): op is OperationName {
  return typeof op === 'string' && Object.prototype.hasOwnProperty.call(operations, op);
}

// ------------------------------------------------------------------------------------------- errors

export const HOST_ERROR_CODES = [
  'INVALID_REQUEST', // payload failed validation; message names the field(s)
  'UNKNOWN_OPERATION',
  'UNAUTHORIZED', // web host: missing/wrong session token
  'FOLDER_NOT_FOUND',
  'NOT_A_FOLDER',
  'FOLDER_NOT_ALLOWED', // outside the folders the user chose
  'DATASET_NOT_FOUND', // unknown/closed datasetId
  'DATASET_ERROR', // the dataset service refused the data (no Parquet files, corrupt files, bad mapping…)
  'CANCELLED',
  'NOT_AVAILABLE', // operation exists in the contract but not in this host (yet)
  'REPORT_UNAVAILABLE', // the PDF printer is missing (no Chromium / report page not built); message says how to fix
  'REPORT_FAILED', // the report page failed to render or print
  'INTERNAL',
] as const;
export type HostErrorCode = (typeof HOST_ERROR_CODES)[number];

export interface HostErrorPayload {
  code: HostErrorCode;
  message: string;
  details?: unknown;
}

/** Thrown by the host operations and re-created by the client; always carries a specific message. */
export class HostError extends Error {
  readonly code: HostErrorCode;
  readonly details?: unknown;
  constructor(code: HostErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'HostError';
    this.code = code;
    this.details = details;
  }
  toPayload(): HostErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const hostErrorPayloadSchema = z.object({
  code: z.enum(HOST_ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional(),
});

/** Turn zod issues into one specific sentence: `Invalid request for "cube": dimensions[1]: must be a column name…`. */
export function formatIssues(op: string, error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys')
      message = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return path ? `${path}: ${message}` : message;
  });
  return `Invalid request for "${op}": ${parts.join('; ')}`;
}

/** Validate a request for `op`; throws HostError INVALID_REQUEST / UNKNOWN_OPERATION with a specific message. */
export function parseRequest<K extends OperationName>(op: K, request: unknown): OperationRequest<K>;
export function parseRequest(op: string, request: unknown): unknown;
export function parseRequest(op: string, request: unknown): unknown {
  if (!isOperationName(op)) {
    throw new HostError(
      'UNKNOWN_OPERATION',
      `Unknown operation "${String(op).slice(0, 80)}"; known: ${OPERATION_NAMES.join(', ')}`,
    );
  }
  const schema = operations[op].request as z.ZodType;
  const result = schema.safeParse(request ?? {});
  if (!result.success) throw new HostError('INVALID_REQUEST', formatIssues(op, result.error));
  return result.data;
}

// ------------------------------------------------------------------------------------------- events

export interface ProgressEvent {
  type: 'progress';
  requestId: string;
  op: OperationName;
  /** e.g. 'listing', 'scanning', 'aggregating', 'generating sample', 'done' */
  phase: string;
  files: number;
  filesTotal: number | null;
  /** rows processed so far in this phase */
  rows: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  /** human line, e.g. "Scanning 120/270 files · 1.2 M rows · 850 k rows/s · ~2 s left" */
  message: string;
}

/** Commands the shell sends to the UI (menu items, a folder dropped on the window, …). */
export type HostCommand =
  | { command: 'openFolder'; folder: string }
  | { command: 'openSample' }
  | { command: 'exportReport' }
  | { command: 'showView'; view: string }
  /** something the shell could not do on its own (e.g. a dropped item that is not a folder) */
  | { command: 'showError'; message: string };

export interface CommandEvent {
  type: 'command';
  payload: HostCommand;
}

export type HostEvent = ProgressEvent | CommandEvent | LiveHostEvent;

/** IPC/HTTP response envelope (the IPC transport never throws across the bridge; errors travel as data). */
export type HostResult<T> = { ok: true; data: T } | { ok: false; error: HostErrorPayload };

/** Body of POST /api/invoke/:op and the IPC invoke message. */
export const invokeEnvelopeSchema = z.strictObject({
  op: z.string().max(64),
  requestId: requestIdSchema,
  request: z.unknown().optional(),
});
export type InvokeEnvelope = z.infer<typeof invokeEnvelopeSchema>;

/** The drop message the preload sends when the user drops a folder on the window (a trusted OS drop). */
export const dropMessageSchema = z.strictObject({ path: folderSchema });
