/**
 * Host operations of the business views (issue 6), composed into the host by createHost (operations.ts).
 * `businessCube` builds one compact table (electron/services/business.ts businessTableArrow) of the open
 * dataset with native DuckDB and answers its Arrow IPC bytes.
 */
import { HostError } from '../../core/contract.js';
import type { Dataset } from '../services/dataset.js';
import { BusinessUnavailableError, businessTableArrow } from '../services/business.js';
import type { HostExtension, HostInternals } from './operations.js';

export function businessExtension(host: HostInternals): HostExtension<'businessCube'> {
  return {
    impl: {
      async businessCube(req, ctx) {
        const e = host.entry(req.datasetId);
        ctx.report({ phase: `building the ${req.table} table` }, true);
        try {
          const bytes = await host.abortable(
            ctx.signal,
            businessTableArrow(e.dataset as unknown as Dataset, req.table, { signal: ctx.signal }),
          );
          ctx.report({ phase: 'done' }, true);
          return bytes;
        } catch (err) {
          if (err instanceof BusinessUnavailableError)
            throw new HostError('NOT_AVAILABLE', err.message, { needs: err.needs });
          throw err;
        }
      },
    },
    unavailable: () => [],
  };
}
