import { ROOT_CONTEXT, TraceFlags, context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BoundedBatcher, type BatcherEvents } from './bounded-batcher.ts';
import type { BatchConfig } from './config.ts';
import type { OtlpPoster } from './otlp-http-sender.ts';
import { encodeResource, encodeSpan, encodeTraceRequest, type EncodedSpan } from './otlp-trace-encoder.ts';

interface CallbackExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/**
 * Calls a callback-style OTel exporter with tracing suppressed (its own HTTP request
 * must not become a span), once the resource's asynchronous attributes (host.id) have
 * settled: the serializer reads them.
 */
export function sendWith<T>(exporter: CallbackExporter<T>, resourceReady: Promise<void>): (items: T[]) => Promise<void> {
  const suppressed = suppressTracing(ROOT_CONTEXT);
  let ready = false;
  void resourceReady.then(() => (ready = true));
  return async (items) => {
    if (!ready) await resourceReady;
    return new Promise<void>((resolve, reject) => {
      context.with(suppressed, () => {
        try {
          exporter.export(items, (result) => {
            if (result.code === ExportResultCode.SUCCESS) resolve();
            else reject(result.error ?? new Error('export failed'));
          });
        } catch (error) {
          reject(error);
        }
      });
    });
  };
}

/**
 * Sampled spans, encoded to OTLP protobuf as they end, into a BoundedBatcher; an
 * export is one POST of the concatenated spans. Flush and shutdown obey the deadline
 * given at construction.
 */
export class EncodedSpanProcessor implements SpanProcessor {
  readonly batcher: BoundedBatcher<EncodedSpan>;
  private resourceBytes: Buffer | undefined;

  constructor(
    private readonly sender: OtlpPoster,
    resource: Resource,
    config: BatchConfig,
    events: BatcherEvents,
    private readonly deadlineMs: number,
    resourceReady: Promise<void>,
  ) {
    const suppressed = suppressTracing(ROOT_CONTEXT);
    this.batcher = new BoundedBatcher<EncodedSpan>(
      config,
      async (items) => {
        if (this.resourceBytes === undefined) {
          await resourceReady;
          this.resourceBytes = encodeResource(resource.attributes);
        }
        const body = encodeTraceRequest(this.resourceBytes, items);
        // The exporter's own request must not become a span.
        await context.with(suppressed, () => sender.post(body));
      },
      events,
      'traces',
    );
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.batcher.offer(() => ({ scope: span.instrumentationScope, bytes: encodeSpan(span) }));
  }

  forceFlush(): Promise<void> {
    return this.batcher.flush(this.deadlineMs);
  }

  async shutdown(): Promise<void> {
    await this.batcher.shutdown(this.deadlineMs);
    this.sender.close();
  }
}

export class BoundedLogRecordProcessor implements LogRecordProcessor {
  readonly batcher: BoundedBatcher<ReadableLogRecord>;

  constructor(
    private readonly exporter: LogRecordExporter,
    config: BatchConfig,
    events: BatcherEvents,
    private readonly deadlineMs: number,
    resourceReady: Promise<void>,
  ) {
    this.batcher = new BoundedBatcher(config, sendWith(exporter, resourceReady), events, 'logs');
  }

  onEmit(record: SdkLogRecord): void {
    this.batcher.add(record);
  }

  forceFlush(): Promise<void> {
    return this.batcher.flush(this.deadlineMs);
  }

  async shutdown(): Promise<void> {
    await this.batcher.shutdown(this.deadlineMs);
    await this.exporter.shutdown().catch(() => undefined);
  }
}
