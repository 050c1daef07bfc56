/**
 * Shared types of the analytics core. Pure TypeScript: no DOM, Node or Electron imports anywhere in core/.
 *
 * Conventions used everywhere (CLI --json, worker protocol, report model):
 * - dates are UTC calendar days as 'YYYY-MM-DD' strings;
 * - a segment is an object of dimension -> value exactly as in the data; all traffic is {};
 * - numbers are plain JS numbers (counts are integers, revenue in the data's currency).
 */

/** Canonical funnel event types. remove_from_cart is kept but is not a funnel step. */
export type EventType = 'view' | 'cart' | 'purchase' | 'remove_from_cart';
export const FUNNEL_STEPS = ['view', 'cart', 'purchase'] as const;

/** Dimension -> value. {} means all traffic. */
export type Segment = Record<string, string>;

/** Counts for one day (or one hour) of one segment. */
export interface DayCounts {
  /** 'YYYY-MM-DD' (UTC) */
  date: string;
  views: number;
  carts: number;
  purchases: number;
  revenue: number;
  /** distinct visitors; not additive across segments, so optional */
  visitors?: number;
}

/** One row of the aggregated cube: one date (and optional hour) x one combination of dimension values. */
export interface CubeRow extends DayCounts {
  /** 0-23 when the cube has hour grain */
  hour?: number;
  /** value of every cube dimension for this row; null where the data had no value */
  dims: Record<string, string | null>;
}

export interface Cube {
  /** the dimension columns every row carries in `dims` */
  dimensions: string[];
  grain: 'day' | 'hour';
  rows: CubeRow[];
}

// ---------------------------------------------------------------- detector

export type DetectorProfile = 'seed' | 'robust';
export type DetectionStatus = 'OK' | 'ANOMALY' | 'CRITICAL' | 'INSUFFICIENT_DATA' | 'NO_DATA';
export type AlertLevel = 'NONE' | 'MEDIUM' | 'HIGH';
export type Direction = 'drop' | 'spike';

export interface DetectorSettings {
  profile: DetectorProfile;
  /** σ multiplier of the anomaly threshold (reference: 2) */
  sigma: number;
  /** weeks of same-weekday history the baseline may use (reference: 4) */
  weeks: number;
  /** consecutive anomalous days that make CRITICAL (reference: 3) */
  streak: number;
  /** minimum views on the day for a verdict other than INSUFFICIENT_DATA (robust profile) */
  minViews: number;
  /** which deviations count: drops only (default for alerting), spikes only, or both */
  directions: Direction[];
}

export interface BaselineDay {
  date: string;
  rate: number;
  views: number;
}

export interface DetectionResult {
  date: string;
  /** 0–23 for hour-grain verdicts (core/hourly.ts); absent for daily ones */
  hour?: number;
  segment: Segment;
  status: DetectionStatus;
  alertLevel: AlertLevel;
  /** conversion = purchases / views on the day; null when no views */
  rate: number | null;
  /** expected conversion (median of the baseline days for seed) */
  baseline: number | null;
  /** σ of the rate used for the verdict */
  sigma: number | null;
  /** rate at or below (drops) which the day is anomalous */
  threshold: number | null;
  /** (rate - baseline) / sigma; negative for drops */
  deviationSigma: number | null;
  /** 'drop' or 'spike' when the day is anomalous, else null */
  direction: Direction | null;
  baselineDays: BaselineDay[];
  views: number;
  purchases: number;
  /** start of the anomalous run and its length (days; hours for hour-grain verdicts, with startHour) */
  streak: { start: string | null; length: number; startHour?: number };
}

// ---------------------------------------------------------------- explain / scan

export interface Period {
  from: string;
  to: string;
}

export interface StepStats {
  /** mean per day in the baseline period */
  baselineMean: number;
  /** σ per day in the baseline period */
  baselineSigma: number;
  /** mean per day in the incident period */
  incidentMean: number;
  /** (incident - baseline) / baseline, as a fraction (-0.66 = -66 %) */
  change: number | null;
  /** (incidentMean - baselineMean) / baselineSigma */
  deviationSigma: number | null;
}

export interface ExplainCandidate {
  segment: Segment;
  /** drill-down path, e.g. [{device:'mobile'},{device:'mobile',os:'ios'},{device:'mobile',os:'ios',browser:'safari'}] */
  path: Segment[];
  /** share (0-1) of the total lost purchases the segment accounts for */
  explains: number;
  purchasesLost: number;
  revenueLost: number;
  /** deviation in σ of purchases per day */
  deviationSigma: number | null;
  baselineConversion: number | null;
  incidentConversion: number | null;
  steps: { views: StepStats; carts: StepStats; purchases: StepStats };
  score: number;
}

export interface ScanSegmentResult {
  segment: Segment;
  daysChecked: number;
  anomalousDays: number;
  /** hour-grain scans add startHour/endHour (0–23) and hours (the period's length in hours) */
  criticalPeriods: { start: string; end: string; days: number; startHour?: number; endHour?: number; hours?: number }[];
  firstCritical: string | null;
  /** hour-grain scans: the hour (0–23) of firstCritical */
  firstCriticalHour?: number | null;
  /** hour-grain scans: hours with a verdict and anomalous hours (daysChecked/anomalousDays then count days with any) */
  hoursChecked?: number;
  anomalousHours?: number;
  /** most negative deviation in σ over the range (most positive for spike-only scans) */
  worstSigma: number | null;
  purchasesLost: number;
  revenueLost: number;
}
