import { ROOT_CONTEXT, TraceFlags, context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BoundedBatcher, type BatcherEvents } from './bounded-batcher.ts';
import type { BatchConfig } from './config.ts';

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

/** Sampled spans into a BoundedBatcher; flush and shutdown obey the deadline given at construction. */
export class BoundedSpanProcessor implements SpanProcessor {
  readonly batcher: BoundedBatcher<ReadableSpan>;

  constructor(
    private readonly exporter: SpanExporter,
    config: BatchConfig,
    events: BatcherEvents,
    private readonly deadlineMs: number,
    resourceReady: Promise<void>,
  ) {
    this.batcher = new BoundedBatcher(config, sendWith(exporter, resourceReady), events, 'traces');
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.batcher.add(span);
  }

  forceFlush(): Promise<void> {
    return this.batcher.flush(this.deadlineMs);
  }

  async shutdown(): Promise<void> {
    await this.batcher.shutdown(this.deadlineMs);
    await this.exporter.shutdown().catch(() => undefined);
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
