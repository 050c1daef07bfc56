/**
 * Host contract of the business views (issue 6): operations the Business view asks of the host. Spread into
 * `operations` of core/contract.ts; responses merged into its `OperationResponses`.
 *
 * Operation names are fixed (the preload's allowlist names them); request shapes belong to the business views.
 */
import { z } from 'zod';
import { datasetIdSchema, strict } from './contract-blocks.js';
import { BUSINESS_TABLES } from './business-sql.js';

export const businessOperations = {
  /**
   * One compact table the Business view needs (core/business-sql.ts BUSINESS_TABLES: availability, daily,
   * groups, hourly, sessions, products, orders, carts), built by native DuckDB over the dataset's whole range
   * and answered as Arrow IPC stream bytes; the worker loads it into DuckDB-WASM and computes every view for
   * any period from it. A table the dataset's columns do not allow fails with NOT_AVAILABLE naming them.
   */
  businessCube: {
    request: strict({
      datasetId: datasetIdSchema,
      table: z.enum(BUSINESS_TABLES, {
        error: `must be one of ${BUSINESS_TABLES.map((t) => `"${t}"`).join(', ')}`,
      }),
    }),
    binary: true,
  },
} as const;

export interface BusinessResponses {
  businessCube: Uint8Array;
}
