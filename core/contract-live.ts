/**
 * Host contract of the live Kafka tap (issue 5): operations of Live ▸ Connect… and the events the host pushes
 * while a tap runs. Spread into `operations` of core/contract.ts; responses merged into `OperationResponses`,
 * events into `HostEvent`.
 *
 * Operation names are fixed (the preload's allowlist names them); shapes belong to the live view.
 */
import { z } from 'zod';
import { folderSchema, strict } from './contract-blocks.js';

/** `HOST:PORT[,HOST:PORT…]` (what `funnelscope tap --brokers` takes). */
export const brokersSchema = z
  .string({ error: 'must be a string HOST:PORT[,HOST:PORT…]' })
  .max(2000, 'at most 2000 characters')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine((l) => l.length > 0, 'must name at least one broker as HOST:PORT')
  .refine((l) => l.every((b) => /^[^\s:,/]+:\d{1,5}$/.test(b)), {
    message: 'every broker must be HOST:PORT (e.g. 127.0.0.1:9092)',
  });

/** Kafka's own rule for topic names (and ours for group ids): 1–249 of letters, digits, '.', '_', '-'. */
const kafkaName = (what: string) =>
  z
    .string({ error: `must be a string (the ${what})` })
    .min(1, `must not be empty`)
    .max(249, 'at most 249 characters')
    .regex(/^[A-Za-z0-9._-]+$/, `a Kafka ${what} uses only letters, digits, '.', '_' and '-'`);

export const liveConnectRequestSchema = strict({
  brokers: brokersSchema,
  topic: kafkaName('topic name'),
  /** consumer group; default: the tap reads every partition itself */
  group: kafkaName('consumer group id').optional(),
  /**
   * target folder (live/ and _quarantine/ are created inside); default `<user data>/live/<topic>`. Must be a
   * folder the user chose (or inside one); a missing folder is created when its parent is allowed.
   */
  folder: folderSchema.optional(),
  /** custom message layout: a tap mapping JSON (see `funnelscope tap --mapping`) */
  mapping: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional(),
});
export type LiveConnectRequest = z.output<typeof liveConnectRequestSchema>;

export const liveOperations = {
  /** Start tapping a topic into a folder (stops a running tap first). Answers once connected. */
  liveConnect: { request: liveConnectRequestSchema, binary: false },
  /** Stop the tap (flushes the last partial batch, commits). */
  liveDisconnect: { request: strict({}), binary: false },
  /** The tap's current status (and the remembered Connect settings). */
  liveStatus: { request: strict({}), binary: false },
} as const;

/** Live operations that report progress and can be cancelled. */
export const LIVE_LONG_OPERATIONS = [] as const;

export type LiveState = 'stopped' | 'starting' | 'connected' | 'reconnecting' | 'failed' | 'stopping';

/** Live ▸ Connect settings as remembered in the settings file. */
export interface LiveSettings {
  brokers: string;
  topic: string;
  group?: string;
  folder?: string;
}

export interface LivePartition {
  partition: number;
  /** next offset the tap reads */
  nextOffset: string;
  highWatermark: string | null;
  lag: number | null;
  /** messages read but not yet in a file */
  buffered: number;
}

/** One point of the sparklines (the host keeps the last few minutes). */
export interface LivePoint {
  /** epoch ms */
  at: number;
  eventsPerSecond: number;
  lag: number | null;
}

export interface LiveStatus {
  state: LiveState;
  /** what the tap reads and where it writes (null when never connected in this session) */
  connection: { brokers: string[]; topic: string; group: string | null; folder: string } | null;
  partitions: LivePartition[];
  /** total lag over the partitions (null until known) */
  lag: number | null;
  eventsPerSecond: number;
  totals: { messages: number; events: number; quarantined: number; batches: number; filesSkipped: number };
  lastError: string | null;
  lastErrorAt: string | null;
  /** Parquet batch files written since connect, and the latest one's time (epoch ms) */
  files: number;
  /**
   * compaction since connect: merges done, batch files merged away (a merged file merged again is not counted
   * twice) and the merged files on disk now (the open datasets read them instead; their numbers do not change)
   */
  compaction: { merges: number; filesMerged: number; mergedFiles: number };
  lastBatchAt: number | null;
  /** latest event time of the batches added to the open datasets (ISO): "now" for the live view */
  latestEventAt: string | null;
  /** sparkline points, oldest first (one per status tick) */
  history: LivePoint[];
  /** the last Connect settings (prefill of the form) */
  remembered: LiveSettings | null;
  /** ISO time of this status */
  at: string;
}

export interface LiveResponses {
  liveConnect: LiveStatus;
  liveDisconnect: LiveStatus;
  liveStatus: LiveStatus;
}

/** Pushed by the host at least every second while a tap runs, and on every state change. */
export interface LiveStatusEvent {
  type: 'live';
  status: LiveStatus;
}

/**
 * Pushed when an open dataset picked up new batch files (Dataset.addFiles): its cube is current — the renderer
 * reloads the cube when this is the dataset on screen.
 */
export interface LiveDataEvent {
  type: 'liveData';
  datasetId: string;
  folder: string;
  /** files and valid events added */
  files: number;
  /** absolute paths of the added batch files */
  addedFiles: string[];
  events: number;
  /** days whose aggregates changed */
  days: { from: string; to: string } | null;
  /** latest event time of the dataset's live data (ISO) */
  latestEventAt: string | null;
  /** epoch ms when the new data became visible in the dataset's aggregates */
  visibleAt: number;
  /** how long the addition took (ms): reading the new files and recomputing the affected days */
  addMs: number;
}

export type LiveHostEvent = LiveStatusEvent | LiveDataEvent;
