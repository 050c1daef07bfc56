/**
 * Host contract of the live Kafka tap (issue 5): operations of Live ▸ Connect… and the events the host pushes
 * while a tap runs. Spread into `operations` of core/contract.ts; responses merged into `OperationResponses`,
 * events into `HostEvent`.
 *
 * Operation names are fixed (the preload's allowlist names them); shapes belong to the live view.
 */
import { datasetIdSchema, strict } from './contract-blocks.js';

export const liveOperations = {
  /** Start tapping a topic into a folder. */
  liveConnect: { request: strict({ datasetId: datasetIdSchema.optional() }), binary: false },
  /** Stop the tap (flushes the last partial batch). */
  liveDisconnect: { request: strict({}), binary: false },
  /** The tap's current status. */
  liveStatus: { request: strict({}), binary: false },
} as const;

/** Live operations that report progress and can be cancelled. */
export const LIVE_LONG_OPERATIONS = [] as const;

export interface LiveStatus {
  state: 'stopped';
}

export interface LiveResponses {
  liveConnect: LiveStatus;
  liveDisconnect: LiveStatus;
  liveStatus: LiveStatus;
}

/** Pushed by the host while a tap runs. */
export interface LiveStatusEvent {
  type: 'live';
  status: LiveStatus;
}

export type LiveHostEvent = LiveStatusEvent;
