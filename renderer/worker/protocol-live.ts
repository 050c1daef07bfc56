/**
 * Worker requests of the live view (merged into `Requests`/`Responses` of protocol.ts).
 * No DOM types, no runtime imports.
 */
import type { LiveTodayResult } from '../../core/live.js';
import type { DetectorSettings } from '../../core/types.js';

export interface LiveRequests {
  /**
   * Today so far per segment against the same weekdays up to the same time of day, and the hour-grain
   * detector's running status (core/live.ts). `cube`: the host's hour-grain cube (Arrow IPC) of the live
   * dataset over the weeks the baseline and detector need; `now`: the latest event time (ISO), default the
   * end of the latest hour with events.
   */
  liveToday: {
    cube: Uint8Array;
    dimensions: string[];
    settings: DetectorSettings;
    now: string | null;
  };
}

export interface LiveResponses {
  /** null when the cube holds no events */
  liveToday: (LiveTodayResult & { cubeRows: number; ms: number }) | null;
}
