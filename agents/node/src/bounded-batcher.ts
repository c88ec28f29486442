import type { BatchConfig } from './config.ts';

export type DropReason = 'queue_full' | 'export_failed' | 'shutdown';

export interface BatcherEvents {
  exported(count: number): void;
  dropped(count: number, reason: DropReason, error?: unknown): void;
}

/** Sends one batch; resolves when the receiver accepted it, rejects otherwise. */
export type SendBatch<T> = (items: T[]) => Promise<void>;

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Buffers items and exports them in batches, one export at a time.
 *
 * Why not the SDK's BatchSpanProcessor: this one guarantees a single export in
 * flight (so a slow collector holds at most one batch plus the queue), counts every
 * item it drops by reason, and its flush obeys a deadline. Memory is bounded by
 * maxQueueSize + maxExportBatchSize items whatever the collector does.
 */
export class BoundedBatcher<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  private closed = false;
  private draining = false;

  constructor(
    private readonly config: BatchConfig,
    private readonly send: SendBatch<T>,
    private readonly events: BatcherEvents,
    private readonly what: string,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Like add, but builds the item only when there is room for it (counting the drop otherwise). */
  offer(make: () => T): void {
    if (this.closed || this.queue.length >= this.config.maxQueueSize) {
      this.events.dropped(1, this.closed ? 'shutdown' : 'queue_full');
      return;
    }
    this.add(make());
  }

  add(item: T): void {
    if (this.closed) {
      this.events.dropped(1, 'shutdown');
      return;
    }
    if (this.queue.length >= this.config.maxQueueSize) {
      this.events.dropped(1, 'queue_full');
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= this.config.maxExportBatchSize) this.start();
    else if (this.timer === undefined && this.exporting === undefined) {
      this.timer = setTimeout(this.onTimer, this.config.scheduledDelayMs);
      this.timer.unref();
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.start();
  };

  private start(): void {
    if (this.exporting !== undefined) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.exporting = this.exportLoop();
  }

  private async exportLoop(): Promise<void> {
    try {
      do {
        const batch = this.queue.splice(0, this.config.maxExportBatchSize);
        if (batch.length === 0) break;
        try {
          await withTimeout(this.send(batch), this.config.exportTimeoutMs, `${this.what} export`);
          this.events.exported(batch.length);
        } catch (error) {
          this.events.dropped(batch.length, 'export_failed', error);
        }
        // Keep going while full batches wait (or while draining); otherwise wait for the timer.
      } while (this.queue.length >= this.config.maxExportBatchSize || (this.draining && this.queue.length > 0));
    } finally {
      this.exporting = undefined;
      if (this.queue.length > 0 && !this.closed && this.timer === undefined) {
        this.timer = setTimeout(this.onTimer, this.config.scheduledDelayMs);
        this.timer.unref();
      }
    }
  }

  /** Exports everything queued now; gives up at the deadline (what is left stays queued). */
  async flush(timeoutMs: number): Promise<void> {
    this.draining = true;
    try {
      await withTimeout(
        (async () => {
          while (this.exporting !== undefined || this.queue.length > 0) {
            if (this.exporting === undefined) this.start();
            await this.exporting;
          }
        })(),
        timeoutMs,
        `${this.what} flush`,
      );
    } catch {
      // deadline reached: the caller decides what to do with what is left
    } finally {
      this.draining = false;
    }
  }

  /** Flushes within the deadline, then drops (and counts) whatever is left. */
  async shutdown(timeoutMs: number): Promise<void> {
    await this.flush(timeoutMs);
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length > 0) {
      this.events.dropped(this.queue.length, 'shutdown');
      this.queue = [];
    }
  }
}
