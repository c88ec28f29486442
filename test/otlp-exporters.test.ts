/**
 * The real OpenTelemetry JS exporters (proto, JSON over HTTP, gRPC) send traces, metrics
 * of every type and logs to a running collector; every decoded field is compared with
 * what the SDK produced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind as OtelSpanKind, SpanStatusCode, trace, type Attributes as OtelAttributes, type HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality as OtelTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics as OtelResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { Attributes, LogsData, Metric, MetricsData, Span, TracesData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

const nanos = (time: HrTime): bigint => BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);

/** What the collector should hold for SDK attributes (JS numbers keep their value). */
function expectedAttributes(attributes: OtelAttributes | Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out[key] = value;
  }
  return out;
}

const plain = (attributes: Attributes) => ({ ...attributes });

function exportWith<T>(exporter: { export(items: T, done: (r: ExportResult) => void): void }, items: T): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(items, (result) =>
      result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed')),
    ),
  );
}

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const resource = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'deployment.environment.name': 'test',
  'host.cores': 8,
});

function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('lookout-test', '2.0.1');
  const parent = tracer.startSpan('GET /users/:id', {
    kind: OtelSpanKind.SERVER,
    startTime: [1_700_000_000, 123_456_789],
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/users/:id',
      'http.response.status_code': 503,
      'server.port': 8080,
      'sampling.ratio': 0.25,
      'retry.enabled': true,
      'feature.flags': ['a', 'b'],
      'shard.ids': [1, 2, 3],
      'weights': [0.5, 1.5],
      'checks': [true, false],
    },
  });
  parent.addEvent('cache.miss', { 'cache.key': 'user:42', 'cache.size': 12 }, [1_700_000_000, 200_000_000]);
  parent.recordException(new TypeError('bad user id'), [1_700_000_000, 300_000_000]);
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream unavailable' });
  const parentContext = parent.spanContext();
  const child = tracer.startSpan(
    'SELECT users',
    {
      kind: OtelSpanKind.CLIENT,
      startTime: [1_700_000_000, 150_000_000],
      links: [{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, traceState: undefined }, attributes: { 'link.kind': 'follows' } }],
      attributes: { 'db.system.name': 'postgresql' },
    },
    trace.setSpanContext(ROOT_CONTEXT, parentContext),
  );
  child.setStatus({ code: SpanStatusCode.OK });
  child.end([1_700_000_000, 180_000_001]);
  parent.end([1_700_000_000, 400_000_000]);
  for (const kind of [OtelSpanKind.INTERNAL, OtelSpanKind.PRODUCER, OtelSpanKind.CONSUMER]) {
    tracer.startSpan(`kind-${kind}`, { kind, startTime: [1_700_000_001, 0] }).end([1_700_000_001, 5]);
  }
  return memory.getFinishedSpans();
}

function findSpan(data: TracesData[], spanId: string): { span: Span; scope: { name: string; version: string }; resource: Attributes } {
  for (const d of data)
    for (const rs of d.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) if (span.spanId === spanId) return { span, scope: ss.scope, resource: rs.resource.attributes };
  throw new Error(`span ${spanId} not received`);
}

function checkSpans(sent: ReadableSpan[], received: TracesData[]) {
  for (const s of sent) {
    const { span, scope, resource: res } = findSpan(received, s.spanContext().spanId);
    expect(plain(res)).toEqual(expectedAttributes(s.resource.attributes));
    expect(scope).toMatchObject({ name: s.instrumentationScope.name, version: s.instrumentationScope.version ?? '' });
    expect(span.traceId).toBe(s.spanContext().traceId);
    expect(span.parentSpanId).toBe(s.parentSpanContext?.spanId ?? '');
    expect(span.name).toBe(s.name);
    expect(span.kind).toBe(s.kind + 1); // OTLP kinds are the API's plus one
    expect(span.startTimeUnixNano).toBe(nanos(s.startTime));
    expect(span.endTimeUnixNano).toBe(nanos(s.endTime));
    expect(plain(span.attributes)).toEqual(expectedAttributes(s.attributes));
    expect(span.droppedAttributesCount).toBe(s.droppedAttributesCount);
    expect(span.status).toEqual({ code: s.status.code, message: s.status.message ?? '' });
    expect(span.flags & 0xff).toBe(s.spanContext().traceFlags);
    expect(span.events.map((e) => ({ name: e.name, time: e.timeUnixNano, attributes: plain(e.attributes) }))).toEqual(
      s.events.map((e) => ({ name: e.name, time: nanos(e.time), attributes: expectedAttributes(e.attributes ?? {}) })),
    );
    expect(span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: plain(l.attributes) }))).toEqual(
      s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: expectedAttributes(l.attributes ?? {}) })),
    );
  }
}

async function makeMetrics(): Promise<OtelResourceMetrics> {
  const reader = new ManualReader({
    aggregationTemporalitySelector: () => OtelTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'exp.latency', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('lookout-metrics', '0.3.0');
  const counter = meter.createCounter('http.requests', { unit: '{request}', description: 'requests served' });
  counter.add(5, { route: '/a', code: 200 });
  counter.add(2, { route: '/b', code: 500 });
  const upDown = meter.createUpDownCounter('queue.depth');
  upDown.add(10);
  upDown.add(-3);
  const histogram = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.3, 1] } });
  for (const v of [0.05, 0.2, 0.25, 0.9, 3]) histogram.record(v, { route: '/a' });
  const exp = meter.createHistogram('exp.latency', { unit: 'ms' });
  for (const v of [1, 2, 4, 8, 100, 1000, 0]) exp.record(v);
  const gauge = meter.createGauge('cpu.temperature', { unit: 'Cel' });
  gauge.record(61.5, { core: 0 });
  const observable = meter.createObservableGauge('memory.used');
  observable.addCallback((result) => result.observe(123456789012, { kind: 'heap' }));
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

function findMetric(data: MetricsData[], name: string): Metric {
  for (const d of data)
    for (const rm of d.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) if (m.name === name) return m;
  throw new Error(`metric ${name} not received`);
}

function checkMetrics(sent: OtelResourceMetrics, received: MetricsData[]) {
  const rm = received[0]!.resourceMetrics[0]!;
  expect(plain(rm.resource.attributes)).toEqual(expectedAttributes(sent.resource.attributes));
  expect(rm.scopeMetrics[0]!.scope).toMatchObject({ name: 'lookout-metrics', version: '0.3.0' });
  for (const metric of sent.scopeMetrics[0]!.metrics) {
    const got = findMetric(received, metric.descriptor.name);
    expect(got.unit).toBe(metric.descriptor.unit);
    expect(got.description).toBe(metric.descriptor.description);
    const points = 'dataPoints' in got.data ? got.data.dataPoints : [];
    expect(points).toHaveLength(metric.dataPoints.length);
    metric.dataPoints.forEach((sentPoint, i) => {
      const point = points[i]!;
      expect(plain(point.attributes)).toEqual(expectedAttributes(sentPoint.attributes));
      expect(point.startTimeUnixNano).toBe(nanos(sentPoint.startTime));
      expect(point.timeUnixNano).toBe(nanos(sentPoint.endTime));
      switch (metric.dataPointType) {
        case DataPointType.SUM:
          expect(got.data).toMatchObject({ type: 'sum', isMonotonic: metric.isMonotonic, aggregationTemporality: 2 });
          expect((point as { value: number }).value).toBe(sentPoint.value);
          break;
        case DataPointType.GAUGE:
          expect(got.data.type).toBe('gauge');
          expect((point as { value: number }).value).toBe(sentPoint.value);
          break;
        case DataPointType.HISTOGRAM: {
          const v = sentPoint.value as { count: number; sum: number; min: number; max: number; buckets: { boundaries: number[]; counts: number[] } };
          expect(got.data).toMatchObject({ type: 'histogram', aggregationTemporality: 2 });
          expect(point).toMatchObject({ count: v.count, sum: v.sum, min: v.min, max: v.max, explicitBounds: v.buckets.boundaries, bucketCounts: v.buckets.counts });
          break;
        }
        case DataPointType.EXPONENTIAL_HISTOGRAM: {
          const v = sentPoint.value as {
            count: number; sum: number; min: number; max: number; scale: number; zeroCount: number;
            positive: { offset: number; bucketCounts: number[] }; negative: { offset: number; bucketCounts: number[] };
          };
          expect(got.data).toMatchObject({ type: 'exponentialHistogram', aggregationTemporality: 2 });
          expect(point).toMatchObject({
            count: v.count, sum: v.sum, min: v.min, max: v.max, scale: v.scale, zeroCount: v.zeroCount,
            positive: { offset: v.positive.offset, bucketCounts: v.positive.bucketCounts },
          });
          expect((point as { negative: { bucketCounts: number[] } }).negative.bucketCounts).toEqual(v.negative.bucketCounts);
          break;
        }
      }
    });
  }
}

async function makeLogs(): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('lookout-logs', '1.0.0');
  const base = { timestamp: [1_700_000_002, 5] as HrTime, observedTimestamp: [1_700_000_002, 9] as HrTime };
  logger.emit({ ...base, severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'user 42 signed in', attributes: { 'user.id': 42, tags: ['x', 'y'] } });
  logger.emit({ ...base, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: { event: 'payment.failed', amount: 12.5, retries: 3, ok: false, nested: { list: [1, 'two', true] } } });
  logger.emit({ ...base, severityNumber: SeverityNumber.WARN, body: new Uint8Array([0, 1, 2, 250, 255]) });
  logger.emit({ ...base, severityNumber: SeverityNumber.DEBUG, body: 7 });
  logger.emit({ ...base, severityNumber: SeverityNumber.FATAL, body: true, eventName: 'app.crash' } as never);
  logger.emit({
    ...base,
    severityNumber: SeverityNumber.INFO,
    body: 'inside a span',
    context: trace.setSpanContext(ROOT_CONTEXT, { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceFlags: 1 }),
  });
  await provider.forceFlush();
  const records = memory.getFinishedLogRecords();
  expect(records).toHaveLength(6);
  return records;
}

function checkLogs(sent: ReadableLogRecord[], received: LogsData[]) {
  const records = received.flatMap((d) => d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
  expect(records).toHaveLength(sent.length);
  const rl = received[0]!.resourceLogs[0]!;
  expect(plain(rl.resource.attributes)).toEqual(expectedAttributes(sent[0]!.resource.attributes));
  expect(rl.scopeLogs[0]!.scope).toMatchObject({ name: 'lookout-logs', version: '1.0.0' });
  sent.forEach((s, i) => {
    const r = records[i]!;
    expect(r.timeUnixNano).toBe(nanos(s.hrTime));
    expect(r.observedTimeUnixNano).toBe(nanos(s.hrTimeObserved));
    expect(r.severityNumber).toBe(s.severityNumber ?? 0);
    expect(r.severityText).toBe(s.severityText ?? '');
    expect(r.body).toEqual(s.body);
    expect(plain(r.attributes)).toEqual(expectedAttributes(s.attributes));
    expect(r.traceId).toBe(s.spanContext?.traceId ?? '');
    expect(r.spanId).toBe(s.spanContext?.spanId ?? '');
    expect(r.eventName).toBe((s as { eventName?: string }).eventName ?? '');
  });
}

describe('real OpenTelemetry JS exporters → collector', () => {
  let test: TestCollector;
  beforeAll(async () => {
    test = await startTestCollector();
  });
  afterAll(async () => {
    await test?.close();
  });

  const transports = [
    {
      name: 'http/protobuf',
      traces: (t: TestCollector) => new ProtoTraceExporter({ url: `${t.collector.httpUrl}/v1/traces` }),
      metrics: (t: TestCollector) => new ProtoMetricExporter({ url: `${t.collector.httpUrl}/v1/metrics` }),
      logs: (t: TestCollector) => new ProtoLogExporter({ url: `${t.collector.httpUrl}/v1/logs` }),
    },
    {
      name: 'http/json',
      traces: (t: TestCollector) => new JsonTraceExporter({ url: `${t.collector.httpUrl}/v1/traces` }),
      metrics: (t: TestCollector) => new JsonMetricExporter({ url: `${t.collector.httpUrl}/v1/metrics` }),
      logs: (t: TestCollector) => new JsonLogExporter({ url: `${t.collector.httpUrl}/v1/logs` }),
    },
    {
      name: 'grpc',
      traces: (t: TestCollector) => new GrpcTraceExporter({ url: `http://127.0.0.1:${t.collector.grpcPort}` }),
      metrics: (t: TestCollector) => new GrpcMetricExporter({ url: `http://127.0.0.1:${t.collector.grpcPort}` }),
      logs: (t: TestCollector) => new GrpcLogExporter({ url: `http://127.0.0.1:${t.collector.grpcPort}` }),
    },
  ];

  for (const transport of transports) {
    describe(transport.name, () => {
      it('delivers traces with every span field intact', async () => {
        test.clear();
        const spans = makeSpans();
        const exporter = transport.traces(test);
        await exportWith(exporter, spans);
        const batches = await test.waitForItems('traces', spans.length);
        expect(batches.reduce((n, b) => n + b.items, 0)).toBe(spans.length);
        expect(batches[0]!.receiver).toBe(transport.name === 'grpc' ? 'otlp-grpc' : 'otlp-http');
        checkSpans(spans, batches.map((b) => b.data as TracesData));
        await exporter.shutdown();
      });

      it('delivers metrics of every type', async () => {
        test.clear();
        const sent = await makeMetrics();
        const exporter = transport.metrics(test);
        await exportWith(exporter, sent);
        const points = sent.scopeMetrics[0]!.metrics.reduce((n, m) => n + m.dataPoints.length, 0);
        const batches = await test.waitForItems('metrics', points);
        checkMetrics(sent, batches.map((b) => b.data as MetricsData));
        await exporter.shutdown();
      });

      it('delivers logs with bodies of every type and trace context', async () => {
        test.clear();
        const sent = await makeLogs();
        const exporter = transport.logs(test);
        await exportWith(exporter, sent);
        const batches = await test.waitForItems('logs', sent.length);
        checkLogs(sent, batches.map((b) => b.data as LogsData));
        await exporter.shutdown();
      });
    });
  }

  it('counts what it received and accepted on /metrics', async () => {
    const text = await (await fetch(`${test.collector.httpUrl}/metrics`)).text();
    expect(text).toMatch(/lookout_receiver_accepted_items_total\{receiver="otlp-grpc",signal="traces",tenant="default"\} 5/);
    expect(text).toMatch(/lookout_receiver_requests_total\{receiver="otlp-http",signal="logs",code="200"\} 2/);
  });
});
