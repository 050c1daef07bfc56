/**
 * Calling host operations directly in integration tests: `call` resolves with the data or throws the host's error
 * (message + code); `callError` resolves with the error and fails the test if the operation succeeded.
 */
import type { Host } from '../../electron/host/operations.js';

export function hostCalls(host: () => Host, prefix: string) {
  let seq = 0;
  return {
    async call<T>(op: string, request: unknown): Promise<T> {
      const r = await host().handle(op, `${prefix}-${++seq}`, request);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.data as T;
    },
    async callError(op: string, request: unknown): Promise<{ code: string; message: string }> {
      const r = await host().handle(op, `${prefix}-${++seq}`, request);
      if (r.ok) throw new Error(`${op} unexpectedly succeeded`);
      return r.error;
    },
  };
}
