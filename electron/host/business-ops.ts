/**
 * Host operations of the business views (issue 6), composed into the host by createHost (operations.ts).
 */
import { HostError } from '../../core/contract.js';
import type { HostExtension, HostInternals } from './operations.js';

export function businessExtension(host: HostInternals): HostExtension<'businessCube'> {
  return {
    impl: {
      async businessCube(req) {
        host.entry(req.datasetId);
        throw new HostError('NOT_AVAILABLE', 'The business views are not available in this version yet');
      },
    },
    unavailable: () => ['businessCube'],
  };
}
