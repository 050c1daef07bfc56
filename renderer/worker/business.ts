/** Worker side of the business view: computes the business metrics (core/business.ts) in DuckDB-WASM. */
import type { AnalysisEngine, RunContext, SqlDb } from './engine.js';
import type { AnyRequest, RequestType, Responses } from './protocol.js';
import type { BusinessRequests } from './protocol-business.js';

type BusinessType = keyof BusinessRequests & RequestType;
const TYPES: readonly string[] = [];

export function isBusinessRequest(r: { type: string }): r is Extract<AnyRequest, { type: BusinessType }> {
  return TYPES.includes(r.type);
}

export async function runBusiness(
  _engine: AnalysisEngine,
  _db: SqlDb,
  r: Extract<AnyRequest, { type: BusinessType }>,
  _ctx: RunContext,
): Promise<Responses[BusinessType]> {
  throw new Error(`unknown business request ${(r as { type: string }).type}`);
}
