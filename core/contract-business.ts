/**
 * Host contract of the business views (issue 6): operations the Business view asks of the host. Spread into
 * `operations` of core/contract.ts; responses merged into its `OperationResponses`.
 *
 * Operation names are fixed (the preload's allowlist names them); request shapes belong to the business views.
 */
import { z } from 'zod';
import { datasetIdSchema, strict } from './contract-blocks.js';

export const businessOperations = {
  /**
   * Compact tables the business views need beyond the day cube, built by native DuckDB from the dataset and
   * answered as Arrow IPC stream bytes (the worker computes the views from them).
   */
  businessCube: {
    request: strict({
      datasetId: datasetIdSchema,
      table: z.enum(['products', 'sessions', 'visitors'], {
        error: 'must be "products", "sessions" or "visitors"',
      }),
    }),
    binary: true,
  },
} as const;

export interface BusinessResponses {
  businessCube: Uint8Array;
}
