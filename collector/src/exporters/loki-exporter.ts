import type { Logger } from '../core/logger.ts';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Batch } from '@lookout/otlp';
import { fullJitterDelay, parseRetryAfter } from '../core/backoff.ts';
import type { LokiExporterConfig } from './loki-config.ts';
import { entriesOfBatch, lokiPushBody, type LokiExportEntry } from './loki-payload.ts';

import type { RejectRecord } from '../pipeline/record-rejections.ts';

export interface LokiExporterOptions {
  config: LokiExporterConfig;
  registry: Registry;
  logger: Logger;
  now: () => number;
  /** uniform in [0, 1), for the retry jitter; injected by tests */
  random?: () => number;
  /** counts records that could not be converted (pipeline/record-rejections.ts); the rest are pushed */
  rejectRecord?: RejectRecord;
}

export interface LokiExporterMetrics {
  sent: Counter;
  dropped: Counter<'reason'>;
  retries: Counter<'reason'>;
  buffered: Gauge;
}

/** The push endpoint for a configured URL: a bare base URL gets Loki's push path. */
export function lokiPushUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/loki/api/v1/push';
  return parsed.toString();
}

/**
 * Pushes log records to Loki. A logs consumer on the queue that never blocks it: records
 * are converted and buffered (bounded by maxBufferRecords; over it they are dropped and
 * counted), and a single sender pushes batches of batchRecords (or what is there after
 * batchWait). A failed push (network error, timeout, 429, 5xx) is retried with
 * exponential backoff and full jitter, honouring Retry-After, up to maxRetries; any
 * other 4xx means Loki will never take the batch, so it is dropped, counted and logged.
 */
export class LokiExporter {
  readonly metrics: LokiExporterMetrics;
  readonly url: string;
  private buffer: LokiExportEntry[] = [];
  private sending: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly headers: Record<string, string>;
  /** entries ever buffered, and ever pushed or given up: a batch is settled once `done` passes its end */
  private added = 0;
  private done = 0;
  private settles: Array<{ end: number; settle: (delivered: boolean) => void }> = [];

  constructor(private readonly options: LokiExporterOptions) {
    const { config, registry } = options;
    this.url = lokiPushUrl(config.url);
    this.headers = { 'content-type': 'application/json', 'user-agent': 'lookout-collector', ...config.headers };
    if (config.tenant) this.headers['x-scope-orgid'] = config.tenant;
    const registers = [registry];
    this.metrics = {
      sent: new Counter({ name: 'lookout_loki_exporter_sent_records_total', help: 'Log records Loki accepted.', registers }),
      dropped: new Counter({
        name: 'lookout_loki_exporter_dropped_records_total',
        help: 'Log records not delivered to Loki, by reason: buffer_full, rejected (4xx), retries_exhausted, shutdown.',
        labelNames: ['reason'],
        registers,
      }),
      retries: new Counter({
        name: 'lookout_loki_exporter_retries_total',
        help: 'Push attempts retried, by reason: network, timeout, status_429, status_5xx.',
        labelNames: ['reason'],
        registers,
      }),
      buffered: new Gauge({
        name: 'lookout_loki_exporter_buffered_records',
        help: 'Log records waiting to be pushed to Loki.',
        registers,
        collect: () => this.metrics.buffered.set(this.buffer.length),
      }),
    };
    this.timer = setInterval(() => this.kick(), config.batchWait);
    this.timer.unref();
  }

  /**
   * The queue consumer: converts and buffers, never waits for Loki. `settle` (the
   * write-ahead log's cursor, durability disk) is called once every record of the batch
   * was pushed (true) or given up (false).
   */
  consume(batch: Batch<'logs'>, settle?: (delivered: boolean) => void): void {
    if (this.closed) {
      settle?.(false);
      return;
    }
    const entries = entriesOfBatch(batch, this.options.now(), this.options.rejectRecord);
    const room = this.options.config.maxBufferRecords - this.buffer.length;
    let taken = entries.length;
    if (entries.length > room) {
      this.metrics.dropped.inc({ reason: 'buffer_full' }, entries.length - Math.max(0, room));
      taken = Math.max(0, room);
      if (room > 0) this.buffer.push(...entries.slice(0, room));
    } else {
      for (const entry of entries) this.buffer.push(entry);
    }
    this.added += taken;
    if (settle) {
      if (taken === 0) settle(entries.length === 0);
      else this.settles.push({ end: this.added, settle });
    }
    if (this.buffer.length >= this.options.config.batchRecords) this.kick();
  }

  private finished(entries: number, delivered: boolean): void {
    this.done += entries;
    while (this.settles.length > 0 && this.settles[0]!.end <= this.done) this.settles.shift()!.settle(delivered);
  }

  /** Pushes everything buffered now; resolves when the buffer is empty or its batches were dropped. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.sending) {
      this.kick();
      await this.sending;
    }
  }

  /** Stops the timer and pushes what is buffered, for at most `timeoutMs`; the rest is counted as dropped. */
  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([this.flush(), deadline]);
    this.closed = true;
    this.wake?.();
    await this.sending;
    if (this.buffer.length > 0) this.metrics.dropped.inc({ reason: 'shutdown' }, this.buffer.length);
    this.finished(this.buffer.length, false);
    this.buffer = [];
  }

  private kick(): void {
    if (this.sending || this.buffer.length === 0) return;
    this.sending = this.sendBatches().finally(() => {
      this.sending = undefined;
    });
  }

  private async sendBatches(): Promise<void> {
    const { batchRecords } = this.options.config;
    while (this.buffer.length > 0 && !this.closed) {
      const batch = this.buffer.splice(0, batchRecords);
      this.finished(batch.length, await this.push(batch));
      if (this.buffer.length < batchRecords) break; // a partial batch waits for batchWait
    }
  }

  /** true once Loki took the entries, false when they were given up */
  private async push(entries: LokiExportEntry[]): Promise<boolean> {
    const { config, logger } = this.options;
    const body = lokiPushBody(entries);
    for (let attempt = 0; ; attempt++) {
      let retryReason: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: this.headers,
          body,
          signal: AbortSignal.timeout(config.timeout),
        });
        if (response.ok) {
          await response.body?.cancel();
          this.metrics.sent.inc(entries.length);
          return true;
        }
        const text = (await response.text().catch(() => '')).slice(0, 300);
        if (response.status !== 429 && response.status < 500) {
          this.metrics.dropped.inc({ reason: 'rejected' }, entries.length);
          logger.error({ status: response.status, answer: text, records: entries.length }, 'Loki refused a push; its records are dropped (fix the cause Loki gives)');
          return false;
        }
        retryReason = response.status === 429 ? 'status_429' : 'status_5xx';
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.options.now());
      } catch (error) {
        retryReason = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      }
      if (attempt >= config.maxRetries || this.closed) {
        this.metrics.dropped.inc({ reason: this.closed ? 'shutdown' : 'retries_exhausted' }, entries.length);
        logger.warn({ url: this.url, attempts: attempt + 1, reason: retryReason, records: entries.length }, 'Loki push failed; records dropped');
        return false;
      }
      this.metrics.retries.inc({ reason: retryReason });
      const jitter = fullJitterDelay(attempt, config.minBackoff, config.maxBackoff, (this.options.random ?? Math.random)());
      await this.sleep(Math.min(config.maxBackoff, Math.max(jitter, retryAfterMs ?? 0)));
    }
  }

  /** Waits, unless close() cuts the wait short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
