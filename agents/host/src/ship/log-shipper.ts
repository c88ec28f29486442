import { encodeLogsProtobuf, type Attributes } from '@lookout/otlp';
import type { Logger } from '../logger.ts';
import type { TailLine } from '../tail/tail-line.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { LineBuffer } from './line-buffer.ts';
import { buildLogsData, type ScopeInfo } from './log-records.ts';
import type { OtlpHttpClient } from './otlp-http-client.ts';
import { nextStep } from './send-policy.ts';

/**
 * Records what the collector has. `prepare` runs before a batch is sent (write the
 * checkpoint the batch will produce), `commit` right after the acknowledgement (put it
 * in effect), synchronously, before anything else runs.
 */
export interface AckPoint {
  prepare(lines: readonly TailLine[]): void;
  commit(lines: readonly TailLine[]): void;
}

export interface ShipperEvents {
  shipped(lines: number, bytes: number): void;
  rejected(lines: number): void;
  failed(reason: string, willRetry: boolean): void;
}

export interface ShipperOptions {
  maxRecords: number;
  maxBytes: number;
  backoff: BackoffPolicy;
  resource: Attributes;
  scope: ScopeInfo;
}

export interface ShipperClock {
  now(): number;
  random(): number;
  /** resolves after `ms`, or early when `signal` aborts */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: ShipperClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

const GROW_AFTER_SUCCESSES = 100;

/**
 * Sends the buffer's lines to the collector, one request at a time and oldest first
 * (that keeps every file's lines in order), retrying with full-jitter backoff or the
 * collector's Retry-After until it acknowledges. Lines leave the buffer only once
 * acknowledged (or refused as malformed).
 */
export class LogShipper {
  private stopped = false;
  private readonly abort = new AbortController();
  private idle = true;
  private failuresInARow = 0;

  constructor(
    private readonly buffer: LineBuffer,
    private readonly client: OtlpHttpClient,
    private readonly ackPoint: AckPoint,
    private readonly options: ShipperOptions,
    private readonly events: ShipperEvents,
    private readonly log: Logger,
    private readonly clock: ShipperClock = realClock,
  ) {}

  /** true while nothing is being sent and nothing waits */
  get isIdle(): boolean {
    return this.idle && this.buffer.length === 0;
  }

  async run(): Promise<void> {
    // records per request: halved on 413 and kept there (the collector's limit rarely
    // changes), doubled again after a run of successes in case it was raised
    let limit = this.options.maxRecords;
    let successesAtLimit = 0;
    while (!this.stopped) {
      this.idle = true;
      await this.buffer.waitForLines();
      if (this.stopped) break;
      this.idle = false;
      const lines = this.buffer.peek(limit, this.options.maxBytes);
      this.ackPoint.prepare(lines);
      const body = encodeLogsProtobuf(buildLogsData(lines, this.options.resource, this.options.scope));
      for (let attempt = 0; ; attempt++) {
        const result = await this.client.post('/v1/logs', body);
        const step = nextStep(result, attempt, this.options.backoff, this.clock.random, this.clock.now());
        if (step.kind === 'done' || step.kind === 'reject') {
          this.ackPoint.commit(lines);
          this.buffer.drop(lines.length);
          if (step.kind === 'done') this.events.shipped(lines.length, body.byteLength);
          else {
            this.events.rejected(lines.length);
            this.events.failed('400', false);
            this.log.error('collector refused a batch as malformed; its lines are skipped', { lines: lines.length, reason: step.reason });
          }
          if (this.failuresInARow > 0) this.log.info('collector reachable again', { after: this.failuresInARow });
          this.failuresInARow = 0;
          if (limit < this.options.maxRecords && ++successesAtLimit >= GROW_AFTER_SUCCESSES) {
            limit = Math.min(this.options.maxRecords, limit * 2);
            successesAtLimit = 0;
          }
          break;
        }
        if (step.kind === 'split') {
          if (lines.length > 1) {
            limit = Math.ceil(lines.length / 2);
            successesAtLimit = 0;
            this.events.failed('413', true);
            break;
          }
          // one line too large for the collector: nothing smaller to send
          this.ackPoint.commit(lines);
          this.buffer.drop(1);
          this.events.rejected(1);
          this.events.failed('413', false);
          this.log.error('collector refused a single line as too large; lower tail.maxLineBytes', { bytes: body.byteLength });
          break;
        }
        this.events.failed(result.status === undefined ? 'network' : String(result.status), true);
        this.failuresInARow++;
        // say it once, then every 20th time: an unreachable collector must not flood the log
        if (this.failuresInARow === 1 || this.failuresInARow % 20 === 0) {
          this.log.warn('sending to the collector failed; retrying', { reason: step.reason, retryInMs: step.delayMs, failuresInARow: this.failuresInARow });
        }
        await this.clock.sleep(step.delayMs, this.abort.signal);
        if (this.stopped) return;
      }
    }
  }

  /** Stops after the request in flight (never abandons one the collector may have taken). */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.buffer.wakeAll();
  }
}
