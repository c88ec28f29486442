/**
 * The OTLP exporter forwards to a second Lookout collector: the OpenTelemetry JS SDK's
 * proto exporters send a known number of spans, metric data points and log records to
 * the first collector, and the second one receives exactly what the first acknowledged
 * (over OTLP/HTTP and OTLP/gRPC);
 * with the second collector down, the first keeps acknowledging, retries behind its
 * breaker, and delivers everything once the target is back on the same port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { Signal, TracesData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { freePort } from './helpers/server-process.ts';

const resource = resourceFromAttributes({ 'service.name': 'forwarded', 'service.instance.id': 'f-1' });

function exportWith<T>(exporter: { export(items: T, done: (r: ExportResult) => void): void }, items: T): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(items, (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed')))),
  );
}

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function makeSpans(count: number, prefix: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('forward-test', '1.0.0');
  for (let i = 0; i < count; i++) tracer.startSpan(`${prefix} ${i}`, { attributes: { i } }).end();
  return memory.getFinishedSpans();
}

function makeLogs(count: number, prefix: string): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('forward-test', '1.0.0');
  for (let i = 0; i < count; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `${prefix} line ${i}`, attributes: { i } });
  return memory.getFinishedLogRecords();
}

/** 5 counter series + 2 histogram series = 7 data points. */
async function makeMetrics(): Promise<ResourceMetrics> {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('forward-test', '1.0.0');
  const counter = meter.createCounter('jobs.done', { unit: '{job}' });
  for (let i = 0; i < 5; i++) counter.add(i + 1, { queue: `q${i}` });
  const histogram = meter.createHistogram('job.duration', { unit: 's' });
  histogram.record(0.2, { queue: 'q0' });
  histogram.record(2, { queue: 'q1' });
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

let first: TestCollector;
let target: TestCollector | undefined;
let targetPort: number;
const startTarget = () => startTestCollector(`receivers:\n  otlp:\n    http: { port: ${targetPort} }\n`);

/** Items of a signal the collector delivered to its consumers. */
const itemsAt = (c: TestCollector, signal: Signal) => c.batches[signal].reduce((n, b) => n + b.items, 0);

async function sendAll(url: string, round: string, spans: number, logs: number): Promise<void> {
  await exportWith(new OTLPTraceExporter({ url: `${url}/v1/traces` }), makeSpans(spans, round));
  await exportWith(new OTLPLogExporter({ url: `${url}/v1/logs` }), makeLogs(logs, round));
  await exportWith(new OTLPMetricExporter({ url: `${url}/v1/metrics` }), await makeMetrics());
}

async function metricValue(c: TestCollector, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${c.collector.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

beforeAll(async () => {
  targetPort = await freePort();
  target = await startTarget();
  first = await startTestCollector(
    [
      'exporters:',
      '  otlp:',
      `    endpoint: "http://127.0.0.1:${targetPort}"`,
      '    batchWait: 50ms',
      '    batchItems: 500',
      '    minBackoff: 50ms',
      '    maxBackoff: 400ms',
      '    maxElapsed: 0',
      '    breaker: { failureThreshold: 3, coolDown: 300ms }',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await first?.close();
  await target?.close();
});

describe('OTLP exporter to a second collector', () => {
  it('delivers exactly what the first collector acknowledged, per signal', async () => {
    for (let round = 0; round < 3; round++) await sendAll(first.collector.httpUrl, `r${round}`, 40, 20);
    // acknowledged = queued: the first collector's capture sees the last batches a moment later
    await first.waitForItems('traces', 120);
    await first.waitForItems('logs', 60);
    await first.waitForItems('metrics', 21);
    const acknowledged = { traces: itemsAt(first, 'traces'), metrics: itemsAt(first, 'metrics'), logs: itemsAt(first, 'logs') };
    expect(acknowledged).toEqual({ traces: 120, metrics: 21, logs: 60 });
    await target!.waitForItems('traces', 120);
    await target!.waitForItems('logs', 60);
    await target!.waitForItems('metrics', 21);
    await first.collector.otlpExporter!.flush();
    expect({ traces: itemsAt(target!, 'traces'), metrics: itemsAt(target!, 'metrics'), logs: itemsAt(target!, 'logs') }).toEqual(acknowledged);
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      expect(await metricValue(first, 'lookout_otlp_exporter_sent_items_total', `signal="${signal}"`)).toBe(acknowledged[signal]);
    }
    // what arrived is what was sent: names and bodies survive the hop
    const names = target!.batches.traces.flatMap((b) => (b.data as TracesData).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
    expect(new Set(names).size).toBe(120);
    expect(names).toContain('r2 39');
  }, 30_000);

  it('keeps acknowledging while the target is down and delivers everything once it is back', async () => {
    await target!.close();
    target = undefined;
    await sendAll(first.collector.httpUrl, 'outage', 50, 25);
    // the first collector acknowledged (sendAll resolved) and is retrying behind its breaker
    const deadline = Date.now() + 10_000;
    while ((await metricValue(first, 'lookout_otlp_exporter_breaker_state', 'signal="traces"')) !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await metricValue(first, 'lookout_otlp_exporter_breaker_state', 'signal="traces"')).toBe(2);
    expect(await metricValue(first, 'lookout_otlp_exporter_retries_total', 'signal="traces",reason="network"')).toBeGreaterThan(0);

    target = await startTarget();
    await target.waitForItems('traces', 50, 15_000);
    await target.waitForItems('logs', 25, 15_000);
    await target.waitForItems('metrics', 7, 15_000);
    await first.collector.otlpExporter!.flush();
    expect({ traces: itemsAt(target, 'traces'), metrics: itemsAt(target, 'metrics'), logs: itemsAt(target, 'logs') }).toEqual({ traces: 50, metrics: 7, logs: 25 });
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      expect(await metricValue(first, 'lookout_otlp_exporter_sent_items_total', `signal="${signal}"`)).toBe(itemsAt(first, signal));
      expect(await metricValue(first, 'lookout_otlp_exporter_breaker_state', `signal="${signal}"`)).toBe(0);
    }
    expect((await (await fetch(`${first.collector.httpUrl}/metrics`)).text()).match(/^lookout_otlp_exporter_dropped_items_total\{.*\} [1-9]/m)).toBeNull();
  }, 40_000);
});

describe('OTLP exporter over gRPC', () => {
  let grpcFirst: TestCollector | undefined;
  let grpcTarget: TestCollector | undefined;
  let grpcPort: number;
  const startGrpcTarget = () => startTestCollector(`receivers:\n  otlp:\n    grpc: { port: ${grpcPort} }\n`);
  afterAll(async () => {
    await grpcFirst?.close();
    await grpcTarget?.close();
  });

  it('forwards every signal over gRPC and delivers what was acknowledged during an outage once the target is back', async () => {
    grpcPort = await freePort();
    grpcTarget = await startGrpcTarget();
    grpcFirst = await startTestCollector(
      [
        'exporters:',
        '  otlp:',
        `    endpoint: "http://127.0.0.1:${grpcPort}"`,
        '    protocol: grpc',
        '    batchItems: 8', // requests of 30 spans go out split
        '    batchWait: 50ms',
        '    minBackoff: 50ms',
        '    maxBackoff: 400ms',
        '    maxElapsed: 0',
        '    breaker: { failureThreshold: 3, coolDown: 300ms }',
      ].join('\n'),
    );
    await sendAll(grpcFirst.collector.httpUrl, 'g', 30, 10);
    await grpcTarget.waitForItems('traces', 30);
    await grpcTarget.waitForItems('logs', 10);
    await grpcTarget.waitForItems('metrics', 7);
    await grpcFirst.collector.otlpExporter!.flush();
    expect({ traces: itemsAt(grpcTarget, 'traces'), metrics: itemsAt(grpcTarget, 'metrics'), logs: itemsAt(grpcTarget, 'logs') }).toEqual({ traces: 30, metrics: 7, logs: 10 });
    expect(grpcTarget.batches.traces.every((b) => b.receiver === 'otlp-grpc' && b.items <= 8)).toBe(true);

    await grpcTarget.close();
    grpcTarget = undefined;
    await sendAll(grpcFirst.collector.httpUrl, 'g-outage', 20, 5);
    const deadline = Date.now() + 10_000;
    while ((await metricValue(grpcFirst, 'lookout_otlp_exporter_retries_total', 'signal="traces",reason="status_unavailable"')) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await metricValue(grpcFirst, 'lookout_otlp_exporter_retries_total', 'signal="traces",reason="status_unavailable"')).toBeGreaterThan(0);
    grpcTarget = await startGrpcTarget();
    await grpcTarget.waitForItems('traces', 20, 15_000);
    await grpcTarget.waitForItems('logs', 5, 15_000);
    await grpcTarget.waitForItems('metrics', 7, 15_000);
    await grpcFirst.collector.otlpExporter!.flush();
    expect({ traces: itemsAt(grpcTarget, 'traces'), metrics: itemsAt(grpcTarget, 'metrics'), logs: itemsAt(grpcTarget, 'logs') }).toEqual({ traces: 20, metrics: 7, logs: 5 });
  }, 40_000);
});
