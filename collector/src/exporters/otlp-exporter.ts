import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Logger } from '../core/logger.ts';
import type { Registry } from 'prom-client';
import type { Batch, LogsData, MetricsData, Signal, SignalData, TracesData } from '@lookout/otlp';
import { parseRetryAfter } from '../core/backoff.ts';
// The OTLP codec is moving to @lookout/otlp; this index is its public surface.
import { encodeLogsProtobuf, encodeMetricsProtobuf, encodeTracesProtobuf } from '@lookout/otlp';
import { DeliveryQueue, type SendOutcome } from './delivery-queue.ts';
import { createExporterMetrics, deliveryEventsFor, type ExporterMetrics } from './exporter-metrics.ts';
import { headerValue, httpPost } from './http-post.ts';
import type { OtlpExporterConfig } from './otlp-exporter-config.ts';
import type { OtlpGrpcSender } from './otlp-grpc-sender.ts';
import { splitSignalData } from './otlp-split.ts';
import { decodePartialSuccess, RETRYABLE_STATUSES } from './otlp-response.ts';

const gzipAsync = promisify(gzip);

const PATHS: Record<Signal, string> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };

/** Several decoded requests of one signal as one request (their resource lists concatenated). */
export function mergeSignalData<S extends Signal>(signal: S, parts: readonly SignalData[S][]): SignalData[S] {
  if (parts.length === 1) return parts[0]!;
  if (signal === 'traces') return { resourceSpans: (parts as readonly TracesData[]).flatMap((p) => p.resourceSpans) } as SignalData[S];
  if (signal === 'metrics') return { resourceMetrics: (parts as readonly MetricsData[]).flatMap((p) => p.resourceMetrics) } as SignalData[S];
  return { resourceLogs: (parts as readonly LogsData[]).flatMap((p) => p.resourceLogs) } as SignalData[S];
}

export function encodeSignal<S extends Signal>(signal: S, data: SignalData[S]): Uint8Array {
  if (signal === 'traces') return encodeTracesProtobuf(data as TracesData);
  if (signal === 'metrics') return encodeMetricsProtobuf(data as MetricsData);
  return encodeLogsProtobuf(data as LogsData);
}

/** The signal URL under the configured base (its path kept: /api/v1/otlp + /v1/metrics). */
export function otlpSignalUrl(endpoint: string, signal: Signal): URL {
  const url = new URL(endpoint);
  url.pathname = url.pathname.replace(/\/+$/, '') + PATHS[signal];
  return url;
}

export interface OtlpExporterOptions {
  config: OtlpExporterConfig;
  registry: Registry;
  logger: Logger;
  now: () => number;
  random?: () => number;
}

/**
 * Forwards what the collector received to another OTLP endpoint over OTLP/HTTP protobuf
 * or OTLP/gRPC (otlp-grpc-sender.ts: UNAVAILABLE, RESOURCE_EXHAUSTED… are retried).
 * A consumer per signal on the queue that never blocks it: each signal has its own
 * DeliveryQueue (bounded buffer, batches by size and time, retries with backoff and full
 * jitter honouring Retry-After, circuit breaker), so a backend that refuses logs does not
 * hold up traces. Partial successes are counted as rejected items; a 4xx other than 429
 * drops the batch, counted and logged with the backend's answer.
 */
export class OtlpExporter {
  readonly metrics: ExporterMetrics<'signal'>;
  private readonly queues = new Map<Signal, DeliveryQueue<SignalData[Signal]>>();
  private readonly headers: Record<string, string>;
  private readonly ca: Buffer | undefined;
  /** loaded with its first use: a collector without a gRPC exporter never loads @grpc/grpc-js (about 14 MiB of RSS) */
  private readonly grpc: Promise<OtlpGrpcSender> | undefined;

  constructor(private readonly options: OtlpExporterOptions) {
    const { config, registry, logger } = options;
    if (config.tls) {
      try {
        this.ca = readFileSync(config.tls.caFile);
      } catch (error) {
        throw new Error(`exporters.otlp.tls.caFile: cannot read ${config.tls.caFile} (${(error as NodeJS.ErrnoException).code ?? String(error)}); give the PEM file of the endpoint's CA`);
      }
    }
    this.headers = { 'content-type': 'application/x-protobuf', 'user-agent': 'lookout-collector', ...config.headers };
    if (config.compression === 'gzip') this.headers['content-encoding'] = 'gzip';
    if (config.bearerToken) this.headers.authorization = `Bearer ${config.bearerToken}`;
    if (config.protocol === 'grpc') {
      const ca = this.ca;
      this.grpc = import('./otlp-grpc-sender.ts').then(
        ({ OtlpGrpcSender }) => new OtlpGrpcSender({ endpoint: config.endpoint, headers: this.headers, gzip: config.compression === 'gzip', ...(ca ? { ca } : {}) }),
      );
      this.grpc.catch(() => {}); // a failed load is reported by each send that awaits it
    }
    this.metrics = createExporterMetrics(registry, 'lookout_otlp_exporter', 'items', 'signal', () =>
      [...this.queues].map(([signal, queue]) => ({ value: signal, items: queue.bufferedItems })),
    );
    this.metrics.capacity.set(config.maxBufferItems);
    for (const signal of config.signals) {
      const url = otlpSignalUrl(config.endpoint, signal);
      this.queues.set(
        signal,
        new DeliveryQueue<SignalData[Signal]>({
          settings: {
            batchItems: config.batchItems,
            batchWaitMs: config.batchWait,
            maxBufferItems: config.maxBufferItems,
            minBackoffMs: config.minBackoff,
            maxBackoffMs: config.maxBackoff,
            maxElapsedMs: config.maxElapsed,
            breaker: { failureThreshold: config.breaker.failureThreshold, coolDownMs: config.breaker.coolDown },
          },
          send: (parts) => this.send(signal, url, parts),
          events: deliveryEventsFor(this.metrics, 'signal', signal, logger),
          now: options.now,
          ...(options.random ? { random: options.random } : {}),
        }),
      );
    }
  }

  get signals(): Signal[] {
    return [...this.queues.keys()];
  }

  /** The queue consumer of one signal: buffers, never waits for the backend. */
  consume(batch: Batch, settle?: (delivered: boolean) => void): void {
    const queue = this.queues.get(batch.signal);
    if (!queue) return;
    if (batch.items <= this.options.config.batchItems) {
      queue.offer(batch.data, batch.items, settle);
      return;
    }
    // a request larger than a backend takes goes out as several; settled once all are
    const parts = splitSignalData(batch.signal, batch.data, this.options.config.batchItems);
    let pending = parts.length;
    let allDelivered = true;
    for (const part of parts) {
      queue.offer(part.data, part.items, (delivered) => {
        allDelivered &&= delivered;
        if (--pending === 0) settle?.(allDelivered);
      });
    }
  }

  bufferedItems(signal: Signal): number {
    return this.queues.get(signal)?.bufferedItems ?? 0;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.flush()));
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close(timeoutMs)));
    await this.grpc?.then(
      (sender) => sender.close(),
      () => {},
    );
  }

  private async send(signal: Signal, url: URL, parts: SignalData[Signal][]): Promise<SendOutcome> {
    const { config } = this.options;
    const encoded = encodeSignal(signal, mergeSignalData(signal, parts));
    if (this.grpc) return (await this.grpc).send(signal, encoded, config.timeout); // gRPC compresses itself
    const body = config.compression === 'gzip' ? await gzipAsync(encoded) : encoded;
    let answer;
    try {
      answer = await httpPost(url, body, { headers: this.headers, timeoutMs: config.timeout, ...(this.ca ? { ca: this.ca } : {}) });
    } catch (error) {
      const e = error as Error;
      return { kind: 'retry', reason: e.name === 'TimeoutError' ? 'timeout' : 'network', detail: e.message };
    }
    if (answer.status >= 200 && answer.status < 300) {
      try {
        const partial = decodePartialSuccess(answer.body);
        return partial ? { kind: 'sent', rejected: partial.rejected, message: partial.message } : { kind: 'sent' };
      } catch {
        return { kind: 'sent' }; // accepted; an unreadable answer body does not undo that
      }
    }
    const detail = `HTTP ${answer.status} from ${url.href}: ${printable(answer.body)}`;
    if (RETRYABLE_STATUSES.has(answer.status)) {
      const retryAfterMs = parseRetryAfter(headerValue(answer.headers, 'retry-after'), this.options.now());
      return { kind: 'retry', reason: `status_${answer.status}`, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return { kind: 'drop', reason: 'rejected', detail };
  }
}

/** The readable part of an answer body (a google.rpc.Status message, JSON or text), short. */
function printable(body: Buffer): string {
  return body.toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 300);
}
