import type { Batch, Signal } from '@lookout/otlp';

export type Consumer<S extends Signal = Signal> = (batch: Batch<S>) => void | Promise<void>;

export interface QueueLimits {
  maxItems: number;
  maxBytes: number;
}

export type OfferResult =
  | { accepted: true }
  | { accepted: false; reason: 'queue_full' | 'shutting_down'; retryAfterSeconds: number };

export interface QueueEvents {
  /** a batch was handed to every consumer of its signal */
  delivered?(batch: Batch): void;
  /** a consumer threw or rejected; the batch is counted as dropped for that consumer */
  consumerFailed?(batch: Batch, consumerName: string, error: unknown): void;
}

interface Registered {
  name: string;
  consume: Consumer;
}

/**
 * The bounded queue between receivers and processors. A receiver acknowledges a request
 * only once offer() accepted it; over the item or byte bound, offer() refuses and the
 * receiver answers 429 with Retry-After, so memory never grows without limit.
 *
 * Batches are delivered in arrival order, one at a time, to every consumer registered
 * for the batch's signal. Async consumers are awaited so that slow processing applies
 * back-pressure through the bound instead of piling up promises.
 */
export class BoundedQueue {
  private readonly pending: Batch[] = [];
  private head = 0;
  private items = 0;
  private bytes = 0;
  private draining = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly consumers: Record<Signal, Registered[]> = { traces: [], metrics: [], logs: [] };

  constructor(
    private readonly limits: QueueLimits,
    private readonly events: QueueEvents = {},
    /**
     * Delivery gives receivers and timers a turn after 64 batches or `yieldAfterMs` of
     * work, whichever comes first (issue 12: costly consumers must not hold the loop for
     * seconds, or refusals and /readyz wait too); `monotonicNow` is injected by tests.
     */
    private readonly pacing: { yieldAfterMs?: number; monotonicNow?: () => number } = {},
  ) {}

  register<S extends Signal>(signal: S, name: string, consume: Consumer<S>): void {
    this.consumers[signal].push({ name, consume: consume as Consumer });
  }

  get depthItems(): number {
    return this.items;
  }

  get depthBytes(): number {
    return this.bytes;
  }

  get depthBatches(): number {
    return this.pending.length - this.head;
  }

  offer(batch: Batch): OfferResult {
    if (this.closed) return { accepted: false, reason: 'shutting_down', retryAfterSeconds: 5 };
    // A batch larger than the whole bound is still taken when the queue is empty, so
    // one big (but under the body limit) request cannot be refused forever.
    const empty = this.items === 0 && this.bytes === 0;
    if (
      !empty &&
      (this.items + batch.items > this.limits.maxItems || this.bytes + batch.bytes > this.limits.maxBytes)
    ) {
      return { accepted: false, reason: 'queue_full', retryAfterSeconds: this.retryAfterSeconds() };
    }
    this.pending.push(batch);
    this.items += batch.items;
    this.bytes += batch.bytes;
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
    return { accepted: true };
  }

  /** Resolves once everything accepted so far has been delivered. */
  async idle(): Promise<void> {
    if (!this.draining && this.depthBatches === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting; resolves when what was accepted has been delivered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private retryAfterSeconds(): number {
    // Suggest a wait proportional to how full the queue is; 1..5 s.
    const fill = Math.max(this.items / this.limits.maxItems, this.bytes / this.limits.maxBytes);
    return Math.min(5, Math.max(1, Math.ceil(fill * 2)));
  }

  private async drain(): Promise<void> {
    let sinceYield = 0;
    const now = this.pacing.monotonicNow ?? (() => performance.now());
    const budgetMs = this.pacing.yieldAfterMs ?? 10;
    let yieldedAt = now();
    while (this.head < this.pending.length) {
      // Give receivers and timers a turn when consumers are synchronous.
      if (++sinceYield > 64 || now() - yieldedAt >= budgetMs) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        yieldedAt = now();
      }
      const batch = this.pending[this.head]!;
      this.pending[this.head] = undefined as unknown as Batch;
      this.head++;
      for (const consumer of this.consumers[batch.signal]) {
        try {
          const result = consumer.consume(batch);
          if (result && typeof (result as Promise<void>).then === 'function') await result;
        } catch (error) {
          this.events.consumerFailed?.(batch, consumer.name, error);
        }
      }
      this.items -= batch.items;
      this.bytes -= batch.bytes;
      this.events.delivered?.(batch);
      if (this.head > 1024 && this.head * 2 > this.pending.length) {
        this.pending.splice(0, this.head);
        this.head = 0;
      }
    }
    this.pending.length = 0;
    this.head = 0;
    this.draining = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
