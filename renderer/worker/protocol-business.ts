/**
 * Worker requests of the business view (merged into `Requests`/`Responses` of protocol.ts).
 * No DOM types, no runtime imports.
 *
 * Every request carries the dataset `key` its tables were loaded under (`businessLoad`); a different key
 * drops the loaded tables (a new dataset or a reloaded cube). `period` null = the data's whole range.
 */
import type { Period } from '../../core/types.js';
import type { BusinessTable, GroupDimension, SessionMode } from '../../core/business-sql.js';
import type {
  DailyKpi,
  GroupFunnelRow,
  GroupSeries,
  HotLead,
  HourlyAnomalySettings,
  HourlyIncident,
  HourlyMarker,
  HourlyRow,
  ProductChange,
  ProductRow,
  RfmCustomer,
  RfmSummary,
  SessionDaily,
  SessionFunnel,
} from '../../core/business.js';

/** The Business view's tabs (availability is per tab). */
export type BusinessTab =
  'brands' | 'categories' | 'priceBands' | 'anomalies' | 'sessions' | 'products' | 'customers' | 'hotLeads';

export interface BusinessInfo {
  key: string;
  /** tables loaded under this key */
  tables: BusinessTable[];
  /** per tab: missing columns ([] = available) and the reason in words */
  views: Record<BusinessTab, { needs: string[]; reason: string }>;
  sessions: SessionMode;
  revenue: boolean;
  /** group dimensions the dataset has */
  dimensions: GroupDimension[];
  /** first and last day with events (null without data) */
  range: Period | null;
}

export interface BizGroupsResult {
  period: Period;
  dimension: GroupDimension;
  revenue: boolean;
  aov: number | null;
  uplift: number;
  rows: GroupFunnelRow[];
  top: GroupFunnelRow[];
  underperformers: { minViews: number; q1: number | null; eligible: number; rows: GroupFunnelRow[] };
  trends: GroupSeries[];
  /** totals of the period (all values) */
  totals: { views: number; carts: number; purchases: number; revenue: number; orders: number };
}

export interface BizHourlyResult {
  period: Period;
  settings: HourlyAnomalySettings;
  /** watched brands (top by views in the period) */
  values: string[];
  incidents: HourlyIncident[];
  markers: HourlyMarker[];
  /** hourly rows of the period (only of `value` when the request names one, else of every watched brand) */
  series: HourlyRow[];
}

export interface BizSessionsResult {
  period: Period;
  mode: SessionMode;
  funnel: SessionFunnel;
  daily: SessionDaily[];
  /** daily KPIs of the period (conversion, cart rate, abandonment, AOV …, core dailyKpis) */
  kpis: Omit<DailyKpi, 'date'>;
}

export interface BizProductsResult {
  period: Period;
  revenue: boolean;
  orderBy: 'revenue' | 'units';
  leaderboard: ProductRow[];
  changed: { baseline: Period; incident: Period; minViews: number; rows: ProductChange[] } | null;
}

export interface BizCustomersResult extends RfmSummary {
  period: Period;
  hasRevenue: boolean;
  asOf: string;
  topCustomers: RfmCustomer[];
}

export interface BizLeadsResult {
  period: Period;
  window: Period;
  windowDays: number;
  revenue: boolean;
  total: number;
  leads: HotLead[];
}

export interface BusinessRequests {
  /** load one compact table (host businessCube bytes) under `key` */
  businessLoad: { key: string; table: BusinessTable; bytes: Uint8Array };
  /** what is loaded under `key` and what the dataset allows (needs the availability and daily tables) */
  businessInfo: { key: string };
  businessGroups: {
    key: string;
    period: Period | null;
    dimension: GroupDimension;
    top?: number;
    minViews?: number;
    uplift?: number;
  };
  businessHourly: {
    key: string;
    period: Period | null;
    top?: number;
    value?: string | null;
    settings?: Partial<HourlyAnomalySettings>;
  };
  businessSessions: { key: string; period: Period | null };
  businessProducts: {
    key: string;
    period: Period | null;
    compare: { baseline: Period; incident: Period } | null;
    orderBy?: 'revenue' | 'units';
    limit?: number;
    minViews?: number;
  };
  businessCustomers: { key: string; period: Period | null; limit?: number };
  businessLeads: { key: string; period: Period | null; windowDays?: number; limit?: number };
}

export interface BusinessResponses {
  businessLoad: { key: string; table: BusinessTable; rows: number };
  businessInfo: BusinessInfo;
  businessGroups: BizGroupsResult;
  businessHourly: BizHourlyResult;
  businessSessions: BizSessionsResult;
  businessProducts: BizProductsResult;
  businessCustomers: BizCustomersResult;
  businessLeads: BizLeadsResult;
}
