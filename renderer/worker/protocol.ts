/**
 * The typed message protocol between the UI thread and the analysis worker (renderer/worker/analysis.worker.ts).
 *
 * Shape borrowed from DuckDB-WASM's own worker protocol: every message carries an id; a discriminated union pairs
 * each request type with its payload, and `Responses` pairs it with its result type.
 *
 *   UI -> worker   { kind: 'request', id, request }      | { kind: 'cancel', id }
 *   worker -> UI   { kind: 'result', id, type, result }  | { kind: 'error', id, message }
 *                  { kind: 'cancelled', id }             | { kind: 'progress', id, progress }
 *
 * Cancellation: the client gives requests a `key` (e.g. 'rootcause'); a new request with the same key cancels
 * the previous one (a new brush selection cancels the old query). The worker checks for cancellation between
 * every SQL statement and core step and answers `cancelled` instead of a result.
 *
 * This file is imported by the worker, the UI and Node tests: no DOM types, no runtime imports.
 */
import type {
  DayCounts,
  DetectionResult,
  DetectionStatus,
  DetectorSettings,
  Period,
  Segment,
  StepStats,
} from '../../core/types.js';
import type { ExplainRow, ExplainTotal, RankedCandidate } from '../../core/explain.js';
import type { ReplayOutcome, ScanComparison, ScanResult } from '../../core/scan.js';
import type { BusinessRequests, BusinessResponses } from './protocol-business.js';
import type { LiveRequests, LiveResponses } from './protocol-live.js';

// ------------------------------------------------------------------ results

export interface CubeSummary {
  rows: number;
  grain: 'day' | 'hour';
  dimensions: string[];
  /** distinct values per dimension, by descending views */
  values: Record<string, string[]>;
  /** every date present in the cube (all traffic), ascending */
  dates: string[];
  range: Period;
  hasRevenue: boolean;
  hasVisitors: boolean;
  /** milliseconds spent inserting the Arrow IPC bytes and normalising */
  loadMs: number;
}

export interface Kpis {
  /** funnel events: views + carts + purchases */
  events: number;
  /** summed per-day visitors of the cube rows (null when the cube has no visitor column) */
  visitors: number | null;
  views: number;
  carts: number;
  purchases: number;
  revenue: number;
  /** fractions 0..1, null when the denominator is 0 */
  viewToCart: number | null;
  cartToPurchase: number | null;
  conversion: number | null;
  days: number;
}

export interface BreakdownRow {
  value: string;
  views: number;
  carts: number;
  purchases: number;
  revenue: number;
  conversion: number | null;
  /** share of the period's views */
  share: number;
  /** conversion in the previous period of the same length (null when none) */
  previousConversion: number | null;
}

export interface OverviewResult {
  period: Period;
  previous: Period | null;
  kpis: Kpis;
  previousKpis: Kpis | null;
  /** the whole range, every cube date, for the time series (segment applied) */
  daily: DayCounts[];
  breakdown: { dimension: string; rows: BreakdownRow[] };
}

export interface FunnelSide {
  segment: Segment;
  label: string;
  steps: { views: StepStats; carts: StepStats; purchases: StepStats };
  conversion: { baseline: number | null; incident: number | null; change: number | null };
  /** the tell-tale pattern in words, or null when it is not there */
  pattern: string | null;
  days: { baseline: number; incident: number };
}

export interface FunnelResult {
  baseline: Period;
  incident: Period;
  all: FunnelSide;
  segment: FunnelSide | null;
}

export interface RootCauseResult {
  baseline: Period;
  incident: Period;
  filter: Segment;
  /** the dimension whose values the table shows */
  dimension: string;
  /** dimensions still available for drilling (not in the filter), in cube order */
  remaining: string[];
  /** core explain rows of every remaining dimension inside the filter (sorted by purchases lost) */
  dimensions: Record<string, ExplainRow[]>;
  /** totals of the filtered traffic (core explain) */
  total: ExplainTotal;
  /** ranked root-cause candidates of all traffic (core explain, not filtered by the drill-down) */
  candidates: RankedCandidate[];
  /** the one-sentence finding for all traffic */
  finding: string;
}

export interface CalendarResult {
  mode: 'segment' | 'worst';
  segment: Segment;
  settings: DetectorSettings;
  /** the verdict per calendar day: of the chosen segment, or (worst mode) of the segment worst on that day */
  days: DetectionResult[];
  /** detector output for the chosen segment (in 'worst' mode: for the segment worst over the range) */
  series: DetectionResult[];
  /** segments the detector ran over ('worst' mode: every combination; 'segment': 1) */
  scanned: number;
  counts: Record<DetectionStatus, number>;
  ms: number;
}

export interface SuggestResult {
  incident: Period | null;
  baseline: Period | null;
  segment: Segment | null;
  reason: string;
}

/** the cube the Scan view loaded (its own dimensions and grain, separate from the views' cube) */
export interface ScanCubeSummary {
  /** the caller's key for this cube (dimensions + grain), to know when a reload is needed */
  key: string;
  rows: number;
  dimensions: string[];
  grain: 'day' | 'hour';
  range: Period;
  loadMs: number;
}

/** what to scan (everything except the detector settings) */
export interface ScanParams {
  dimensions: string[];
  minLevel: number;
  maxLevel: number;
  /** null = the scan cube's whole range (earlier data is still the detector's history) */
  range: Period | null;
  grain: 'day' | 'hour';
  /** also flag spikes (drops are always flagged) */
  spikes: boolean;
  /** leave out segments with fewer views per observed day (all traffic is always kept) */
  minViewsPerDay: number;
}

export interface ScanRunResult {
  cubeKey: string;
  result: ScanResult;
  /** segments aggregated in the index (before the volume filter) */
  aggregated: number;
  /** true when the index of the previous scan was reused (settings change only) */
  indexReused: boolean;
  indexMs: number;
  ms: number;
}

export interface WhatIfResult {
  /** the two scans without their heatmap codes */
  a: ScanResult;
  b: ScanResult;
  comparison: ScanComparison;
  ms: number;
}

export interface ReplayResult {
  incident: { segment: Segment; start: string };
  /** true when the incident came from the detector (core suggestIncident) */
  suggested: boolean;
  outcomes: ReplayOutcome[];
  ms: number;
}

// ------------------------------------------------------------------ requests

/** business view requests: renderer/worker/protocol-business.ts; live view requests: protocol-live.ts */
export interface Requests extends BusinessRequests, LiveRequests {
  load: { cube: Uint8Array; label?: string };
  overview: { period: Period | null; segment: Segment; dimension: string };
  funnel: { baseline: Period; incident: Period; segment: Segment };
  rootcause: { baseline: Period; incident: Period; filter: Segment; dimension: string | null };
  calendar: { segment: Segment | 'worst'; settings: DetectorSettings };
  suggest: { settings: DetectorSettings };
  scanCube: { cube: Uint8Array; key: string; dimensions: string[] };
  scan: { params: ScanParams; settings: DetectorSettings };
  whatif: { params: ScanParams; a: DetectorSettings; b: DetectorSettings };
  /** incident null = take it from the detector (suggestIncident with the first setting) */
  replay: {
    params: ScanParams;
    incident: { segment: Segment; start: string } | null;
    settingsList: DetectorSettings[];
  };
}

export interface Responses extends BusinessResponses, LiveResponses {
  load: CubeSummary;
  overview: OverviewResult;
  funnel: FunnelResult;
  rootcause: RootCauseResult;
  calendar: CalendarResult;
  suggest: SuggestResult;
  scanCube: ScanCubeSummary;
  scan: ScanRunResult;
  whatif: WhatIfResult;
  replay: ReplayResult;
}

export type RequestType = keyof Requests;

/** Discriminated union of every request. */
export type AnyRequest = { [K in RequestType]: { type: K } & Requests[K] }[RequestType];
export type RequestOf<K extends RequestType> = { type: K } & Requests[K];

export interface Progress {
  phase: string;
  done: number;
  total: number;
}

// ------------------------------------------------------------------ envelopes

export type ToWorker = { kind: 'request'; id: number; request: AnyRequest } | { kind: 'cancel'; id: number };

export type FromWorker =
  | { kind: 'ready'; bundle: string; version: string }
  | { kind: 'result'; id: number; type: RequestType; result: Responses[RequestType]; ms: number }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'cancelled'; id: number }
  | { kind: 'progress'; id: number; progress: Progress };

/** Thrown by the client when a request was superseded or cancelled. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function isCancelled(e: unknown): boolean {
  return e instanceof Error && e.name === 'CancelledError';
}
