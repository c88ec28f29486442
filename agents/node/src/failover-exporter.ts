import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { isUnavailableStatus, type Failover } from './failover.ts';

interface CallbackExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
}

function exportVia<T>(exporter: CallbackExporter<T>, items: T): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(items, (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed'))));
  });
}

/**
 * Whether an OpenTelemetry OTLP exporter's failure means "this collector is
 * unavailable". Those exporters retry 429/502/503/504 and network errors themselves
 * within their timeout and then fail without a status; a failure that still carries a
 * status is a definite answer (400, 401, 413…) and is no reason to move.
 */
export function isUnavailableExportError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? isUnavailableStatus(code) : true;
}

function runExport<T>(exporters: ReadonlyArray<CallbackExporter<T>>, failover: Failover, items: T, done: (result: ExportResult) => void): void {
  failover.run((index) => exportVia(exporters[index]!, items), isUnavailableExportError).then(
    () => done({ code: ExportResultCode.SUCCESS }),
    (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
  );
}

/** One OTel log exporter per endpoint behind one LogRecordExporter that fails over between them. */
export function failoverLogExporter(exporters: LogRecordExporter[], failover: Failover): LogRecordExporter {
  return {
    export: (logs: ReadableLogRecord[], done) => runExport(exporters, failover, logs, done),
    shutdown: async () => void (await Promise.allSettled(exporters.map((e) => e.shutdown()))),
    forceFlush: async () => void (await Promise.allSettled(exporters.map((e) => e.forceFlush?.()))),
  };
}

/** One OTel metric exporter per endpoint behind one PushMetricExporter that fails over between them. */
export function failoverMetricExporter(exporters: PushMetricExporter[], failover: Failover): PushMetricExporter {
  const first = exporters[0]!;
  return {
    export: (metrics: ResourceMetrics, done) => runExport(exporters, failover, metrics, done),
    shutdown: async () => void (await Promise.allSettled(exporters.map((e) => e.shutdown()))),
    forceFlush: async () => void (await Promise.allSettled(exporters.map((e) => e.forceFlush()))),
    // Same configuration for every endpoint: the first one's choices hold for all.
    selectAggregationTemporality: first.selectAggregationTemporality?.bind(first),
    selectAggregation: first.selectAggregation?.bind(first),
  };
}
