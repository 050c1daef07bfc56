/**
 * Host operations of the live Kafka tap (issue 5), composed into the host by createHost (operations.ts).
 */
import { HostError } from '../../core/contract.js';
import type { HostExtension, HostInternals } from './operations.js';

export function liveExtension(
  _host: HostInternals,
): HostExtension<'liveConnect' | 'liveDisconnect' | 'liveStatus'> {
  const notYet = () =>
    Promise.reject(new HostError('NOT_AVAILABLE', 'Live ▸ Connect… is not available in this version yet'));
  return {
    impl: {
      liveConnect: notYet,
      liveDisconnect: notYet,
      liveStatus: async () => ({ state: 'stopped' }),
    },
    unavailable: () => ['liveConnect', 'liveDisconnect'],
  };
}
