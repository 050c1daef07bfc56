/**
 * Worker-side request loop, environment-free (the worker wires it to postMessage; Node tests wire it to a
 * fake port). Requests run one at a time in arrival order. Cancellation:
 * - a queued request that is cancelled never starts (answered `cancelled` at once);
 * - a running request stops at its next `ctx.checkpoint()` (between SQL statements and core steps);
 * - whatever happens, each request gets exactly one terminal answer: result, error or cancelled.
 */
import type { AnalysisEngine, RunContext } from './engine.js';
import type { AnyRequest, FromWorker, ToWorker } from './protocol.js';
import { CancelledError, isCancelled } from './protocol.js';

export class Dispatcher {
  private queue: { id: number; request: AnyRequest }[] = [];
  private cancelled = new Set<number>();
  private running: number | null = null;

  constructor(
    private readonly engine: () => Promise<AnalysisEngine>,
    private readonly post: (m: FromWorker) => void,
  ) {}

  receive(msg: ToWorker): void {
    if (msg.kind === 'cancel') {
      const i = this.queue.findIndex((q) => q.id === msg.id);
      if (i >= 0) {
        this.queue.splice(i, 1);
        this.post({ kind: 'cancelled', id: msg.id });
      } else if (this.running === msg.id) {
        this.cancelled.add(msg.id);
      }
      return;
    }
    if (msg.kind === 'request') {
      this.queue.push({ id: msg.id, request: msg.request });
      void this.pump();
    }
  }

  /** number of requests waiting (not counting the running one) */
  get pending(): number {
    return this.queue.length;
  }

  private async pump(): Promise<void> {
    if (this.running !== null) return;
    while (this.queue.length) {
      const next = this.queue.shift()!;
      this.running = next.id;
      try {
        await this.exec(next.id, next.request);
      } finally {
        this.cancelled.delete(next.id);
        this.running = null;
      }
    }
  }

  private async exec(id: number, request: AnyRequest): Promise<void> {
    const ctx: RunContext = {
      checkpoint: () => {
        if (this.cancelled.has(id)) throw new CancelledError();
      },
      progress: (progress) => this.post({ kind: 'progress', id, progress }),
    };
    const t0 = performance.now();
    try {
      const engine = await this.engine();
      ctx.checkpoint();
      const result = await engine.run(request, ctx);
      ctx.checkpoint();
      this.post({
        kind: 'result',
        id,
        type: request.type,
        result,
        ms: Math.round((performance.now() - t0) * 10) / 10,
      });
    } catch (e) {
      if (isCancelled(e)) this.post({ kind: 'cancelled', id });
      else this.post({ kind: 'error', id, message: e instanceof Error ? e.message : String(e) });
    }
  }
}
