import { breakerAllows, breakerGaugeValue, breakerOnFailure, breakerOnSuccess, breakerReadyAt, closedBreaker, type BreakerSettings, type BreakerState } from '../notify/breaker.ts';
import { fullJitterDelay } from '../core/backoff.ts';

/**
 * What one send attempt of a batch came to. `sent` may carry a partial success (items
 * the backend took the request but refused); `retry` is a transient failure (network,
 * timeout, 429, 5xx the protocol calls retryable); `drop` is a permanent one (the backend
 * will never take this batch: 4xx).
 */
export type SendOutcome =
  | { kind: 'sent'; rejected?: number; message?: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number; detail?: string }
  | { kind: 'drop'; reason: string; detail?: string };

export type DropReason = 'buffer_full' | 'rejected' | 'retries_exhausted' | 'shutdown' | (string & {});

/** Where a delivery queue reports; the exporter turns these into self-metrics and logs. */
export interface DeliveryEvents {
  sent(items: number): void;
  /** partial success: the backend accepted the request but refused these items */
  partiallyRejected(items: number, message: string): void;
  /** every failed attempt (the backend down, slow or refusing), whether it is retried or not */
  failed(reason: string): void;
  retried(reason: string, detail: string | undefined): void;
  dropped(reason: DropReason, items: number, detail?: string): void;
  breakerChanged(gaugeValue: number): void;
}

export interface DeliverySettings {
  /** a batch is sent once it holds this many items… */
  batchItems: number;
  /** …or once its first item has waited this long */
  batchWaitMs: number;
  /** items waiting at most; an offer over it is dropped (buffer_full), never waited for */
  maxBufferItems: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** a batch that still fails after this long is dropped (retries_exhausted); 0 = retry while there is room */
  maxElapsedMs: number;
  breaker: BreakerSettings;
}

export interface DeliveryQueueOptions<T> {
  settings: DeliverySettings;
  /** sends one batch of entries (oldest first); `items` is their item count */
  send(entries: T[], items: number): Promise<SendOutcome>;
  events: DeliveryEvents;
  now: () => number;
  /** uniform in [0, 1), for the jitter */
  random?: () => number;
}

interface Pending<T> {
  value: T;
  items: number;
  arrivedAtMs: number;
  /** called once the entry's batch was delivered (true) or given up (false) */
  settle?: (delivered: boolean) => void;
}

/**
 * One sender's bounded buffer between a queue consumer and a backend. Entries are offered
 * without waiting (over the bound they are dropped and counted, so ingest is never
 * blocked), grouped into batches by size and time, and sent one batch at a time in
 * arrival order: a transient failure retries the same batch with exponential backoff and
 * full jitter (at least the backend's Retry-After), behind a circuit breaker that stops
 * the attempts while the backend is down and probes it after a cool-down.
 *
 * Each entry's `settle` callback says when its batch was delivered or given up: the hook
 * a write-ahead-log cursor needs (commit up to the last settled entry), so moving the
 * exporter from the in-memory queue onto the log changes who calls offer(), not this.
 */
export class DeliveryQueue<T> {
  /** waiting entries from `head` on (a head index, not shift(): shift is O(n) on a long buffer) */
  private entries: Pending<T>[] = [];
  private head = 0;
  private items = 0;
  private breaker: BreakerState = closedBreaker;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private flushing = 0;
  private closed = false;
  private stopped = false;

  constructor(private readonly options: DeliveryQueueOptions<T>) {}

  private get waiting(): number {
    return this.entries.length - this.head;
  }

  get bufferedItems(): number {
    return this.items;
  }

  get breakerState(): BreakerState {
    return this.breaker;
  }

  /** Buffers an entry; false when it was dropped (buffer full or closed). */
  offer(value: T, items: number, settle?: (delivered: boolean) => void): boolean {
    const { settings, events } = this.options;
    if (this.closed) {
      events.dropped('shutdown', items);
      settle?.(false);
      return false;
    }
    // One entry bigger than the whole bound still goes into an empty buffer.
    if (this.items > 0 && this.items + items > settings.maxBufferItems) {
      events.dropped('buffer_full', items);
      settle?.(false);
      return false;
    }
    this.entries.push({ value, items, arrivedAtMs: this.options.now(), ...(settle ? { settle } : {}) });
    this.items += items;
    this.start();
    if (this.items >= settings.batchItems) this.wake?.();
    return true;
  }

  /** Sends everything buffered now, not waiting for batchWait; resolves when it is delivered or given up. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      while ((this.waiting > 0 || this.running) && !this.stopped) {
        this.start();
        this.wake?.();
        await this.running;
      }
    } finally {
      this.flushing--;
    }
  }

  /** Stops taking entries, sends for at most timeoutMs, then drops what is left (counted as shutdown). */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.flush(), deadline]);
    clearTimeout(timer);
    this.stopped = true;
    this.wake?.();
    await this.running;
    const left = this.entries.slice(this.head);
    this.entries = [];
    this.head = 0;
    this.items = 0;
    const items = left.reduce((n, e) => n + e.items, 0);
    if (items > 0) this.options.events.dropped('shutdown', items);
    for (const entry of left) entry.settle?.(false);
  }

  private start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.waiting > 0 && !this.stopped) this.start();
    });
  }

  private async run(): Promise<void> {
    const { settings } = this.options;
    while (this.waiting > 0 && !this.stopped) {
      // a partial batch waits for more items until its first one is batchWait old
      if (this.items < settings.batchItems && this.flushing === 0 && !this.closed) {
        const waitMs = this.entries[this.head]!.arrivedAtMs + settings.batchWaitMs - this.options.now();
        if (waitMs > 0) {
          await this.sleep(waitMs, true);
          continue;
        }
      }
      const batch: Pending<T>[] = [];
      let items = 0;
      while (this.waiting > 0 && (batch.length === 0 || items + this.entries[this.head]!.items <= settings.batchItems)) {
        const entry = this.entries[this.head]!;
        this.entries[this.head++] = undefined as unknown as Pending<T>;
        batch.push(entry);
        items += entry.items;
      }
      if (this.waiting === 0) {
        this.entries = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
      this.items -= items;
      const delivered = await this.deliver(batch.map((e) => e.value), items);
      for (const entry of batch) entry.settle?.(delivered);
    }
  }

  /** Sends one batch until it is delivered, refused for good, too old, or the queue stops. */
  private async deliver(values: T[], items: number): Promise<boolean> {
    const { settings, events, send } = this.options;
    const random = this.options.random ?? Math.random;
    const firstAttemptAt = this.options.now();
    for (let retry = 0; ; retry++) {
      const gate = breakerAllows(this.breaker, this.options.now(), settings.breaker);
      this.setBreaker(gate.state);
      if (!gate.allowed) {
        await this.sleep(breakerReadyAt(this.breaker, this.options.now(), settings.breaker) - this.options.now(), false);
        if (this.stopped) return this.give(items, 'shutdown');
        retry--; // waiting for the breaker is not a retry
        continue;
      }
      let outcome: SendOutcome;
      try {
        outcome = await send(values, items);
      } catch (error) {
        outcome = { kind: 'retry', reason: 'network', detail: (error as Error).message };
      }
      if (outcome.kind === 'sent') {
        this.setBreaker(breakerOnSuccess(this.breaker));
        const rejected = Math.min(items, outcome.rejected ?? 0);
        if (rejected > 0 || outcome.message) events.partiallyRejected(rejected, outcome.message ?? '');
        events.sent(items - rejected);
        return true;
      }
      events.failed(outcome.reason);
      if (outcome.kind === 'drop') {
        // the backend answered: it is up, the batch is the problem
        this.setBreaker(breakerOnSuccess(this.breaker));
        events.dropped(outcome.reason, items, outcome.detail);
        return false;
      }
      this.setBreaker(breakerOnFailure(this.breaker, this.options.now(), settings.breaker));
      const elapsed = this.options.now() - firstAttemptAt;
      if (this.stopped) return this.give(items, 'shutdown');
      if (settings.maxElapsedMs > 0 && elapsed >= settings.maxElapsedMs) return this.give(items, 'retries_exhausted', outcome.detail ?? outcome.reason);
      events.retried(outcome.reason, outcome.detail);
      const jitter = fullJitterDelay(retry, settings.minBackoffMs, settings.maxBackoffMs, random());
      await this.sleep(Math.max(jitter, Math.min(outcome.retryAfterMs ?? 0, settings.maxBackoffMs)), false);
      if (this.stopped) return this.give(items, 'shutdown');
    }
  }

  private give(items: number, reason: DropReason, detail?: string): false {
    this.options.events.dropped(reason, items, detail);
    return false;
  }

  private setBreaker(state: BreakerState): void {
    if (state.kind !== this.breaker.kind) this.options.events.breakerChanged(breakerGaugeValue(state));
    this.breaker = state;
  }

  /** Waits; offer() (when `wakeOnOffer`), flush() and close() cut it short. */
  private sleep(ms: number, wakeOnOffer: boolean): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      // a backoff is only cut short by close() (stopped is then set), never by more data or flush()
      this.wake = wakeOnOffer ? done : () => (this.stopped ? done() : undefined);
    });
  }
}
