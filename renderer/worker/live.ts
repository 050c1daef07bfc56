/** Worker side of the live view: today per segment against the same weekdays. */
import type { AnalysisEngine, RunContext, SqlDb } from './engine.js';
import type { AnyRequest, RequestType, Responses } from './protocol.js';
import type { LiveRequests } from './protocol-live.js';

type LiveType = keyof LiveRequests & RequestType;
const TYPES: readonly string[] = [];

export function isLiveRequest(r: { type: string }): r is Extract<AnyRequest, { type: LiveType }> {
  return TYPES.includes(r.type);
}

export async function runLive(
  _engine: AnalysisEngine,
  _db: SqlDb,
  r: Extract<AnyRequest, { type: LiveType }>,
  _ctx: RunContext,
): Promise<Responses[LiveType]> {
  throw new Error(`unknown live request ${(r as { type: string }).type}`);
}
