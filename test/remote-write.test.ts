/**
 * Remote write to a real Prometheus (--web.enable-remote-write-receiver): metrics sent
 * by the OpenTelemetry JS SDK arrive converted (names, `_total`, delta sums accumulated,
 * histogram buckets, external labels), the collector's own request series arrive, and an
 * outage on the path (the port closed, then open again) delivers every sample afterwards,
 * in timestamp order per series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';
import { freePort } from './helpers/server-process.ts';
import { Forwarder } from './helpers/forwarder.ts';

const resource = resourceFromAttributes({ 'service.name': 'rw-test', 'service.instance.id': 'i-1', 'host.name': 'box' });

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function exportWith<T>(exporter: { export(items: T, done: (r: ExportResult) => void): void }, items: T): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(items, (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed')))),
  );
}


let prometheus: RunningPrometheus | undefined;
let collector: TestCollector;
let forwarder: Forwarder;
let metricExporter: OTLPMetricExporter;

async function rangeOf(expr: string): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>> {
  return (await prometheus!.query(`${expr}[1h]`)) as unknown as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
}

async function waitFor<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function instant(expr: string): Promise<number | undefined> {
  const result = await prometheus!.query(expr);
  return result.length > 0 ? Number(result[0]!.value[1]) : undefined;
}

async function selfMetric(name: string): Promise<number> {
  const text = await (await fetch(`${collector.collector.httpUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

beforeAll(async () => {
  prometheus = await startPrometheus([]);
  if (!prometheus) return;
  forwarder = new Forwarder(await freePort(), prometheus.port);
  await forwarder.open();
  collector = await startTestCollector(
    [
      'exporters:',
      '  remoteWrite:',
      `    url: "http://127.0.0.1:${forwarder.port}/api/v1/write"`,
      '    externalLabels: { cluster: test }',
      '    selfInterval: 300ms',
      '    shards: 2',
      '    batchWait: 100ms',
      '    minBackoff: 50ms',
      '    maxBackoff: 400ms',
      '    breaker: { failureThreshold: 3, coolDown: 300ms }',
    ].join('\n'),
  );
  metricExporter = new OTLPMetricExporter({ url: `${collector.collector.httpUrl}/v1/metrics` });
}, 60_000);

afterAll(async () => {
  await collector?.close();
  await forwarder?.close();
  await prometheus?.stop();
});

describe('remote write to Prometheus', () => {
  it('delivers converted OTLP metrics and the collector request series with external labels', async (context) => {
    if (!prometheus) return context.skip();
    // delta counter: two exports of 3 and 4 become one cumulative counter at 7
    const deltaReader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
    const deltaMeter = new MeterProvider({ resource, readers: [deltaReader] }).getMeter('rw-meter', '1.0');
    const orders = deltaMeter.createCounter('orders.placed', { unit: '{order}' });
    orders.add(3, { shop: 'north' });
    await exportWith(metricExporter, (await deltaReader.collect()).resourceMetrics);
    await new Promise((r) => setTimeout(r, 5));
    orders.add(4, { shop: 'north' });
    await exportWith(metricExporter, (await deltaReader.collect()).resourceMetrics);
    // cumulative histogram in seconds
    const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    const meter = new MeterProvider({ resource, readers: [reader] }).getMeter('rw-meter', '1.0');
    const duration = meter.createHistogram('job.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.5, 1] } });
    for (const v of [0.1, 0.7, 3]) duration.record(v);
    await exportWith(metricExporter, (await reader.collect()).resourceMetrics);
    // server spans feed the collector's own request series
    const memory = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('rw');
    for (let i = 0; i < 5; i++) {
      tracer
        .startSpan('GET /items/:id', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/items/:id', 'http.response.status_code': i === 0 ? 500 : 200 } })
        .end();
    }
    await exportWith(new OTLPTraceExporter({ url: `${collector.collector.httpUrl}/v1/traces` }), memory.getFinishedSpans());

    const series = 'job="rw-test",instance="i-1",cluster="test"';
    expect(await waitFor('orders_placed_total = 7', async () => ((await instant(`orders_placed_total{${series},shop="north"}`)) === 7 ? 7 : undefined))).toBe(7);
    expect(await instant(`job_duration_seconds_bucket{${series},le="0.5"}`)).toBe(1);
    expect(await instant(`job_duration_seconds_bucket{${series},le="1"}`)).toBe(2);
    expect(await instant(`job_duration_seconds_bucket{${series},le="+Inf"}`)).toBe(3);
    expect(await instant(`job_duration_seconds_count{${series}}`)).toBe(3);
    expect(await instant(`job_duration_seconds_sum{${series}}`)).toBeCloseTo(3.8, 10);
    const info = await prometheus.query(`target_info{${series}}`);
    expect(info[0]?.metric).toMatchObject({ host_name: 'box' });
    const requests = await waitFor('the request series', async () => ((await instant('sum(lookout_requests_total{job="lookout",cluster="test",service="rw-test"})')) === 5 ? 5 : undefined));
    expect(requests).toBe(5);
    expect(await instant('sum(lookout_request_errors_total{job="lookout",cluster="test",service="rw-test"})')).toBe(1);
  }, 60_000);

  it('delivers everything in timestamp order after the path was down', async (context) => {
    if (!prometheus) return context.skip();
    await forwarder.close();
    const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    const meter = new MeterProvider({ resource, readers: [reader] }).getMeter('rw-meter', '1.0');
    const depth = meter.createGauge('queue.depth', { unit: '{item}' });
    const values = [10, 20, 30, 40, 50, 60];
    for (const v of values) {
      depth.record(v, { queue: 'outage' });
      await exportWith(metricExporter, (await reader.collect()).resourceMetrics); // acknowledged while the target is unreachable
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor('retries during the outage', async () => ((await selfMetric('lookout_remote_write_exporter_retries_total')) > 0 ? true : undefined));
    // the breaker opens after its failure threshold: wait for it rather than race it
    expect(await waitFor('the breaker to open', async () => ((await selfMetric('lookout_remote_write_exporter_breaker_state')) > 0 ? true : undefined))).toBe(true);

    await forwarder.open();
    const delivered = await waitFor('all six samples', async () => {
      const got = await rangeOf('queue_depth{job="rw-test",queue="outage"}');
      return got[0] && got[0].values.length === values.length ? got[0] : undefined;
    });
    expect(delivered.values.map(([, v]) => Number(v))).toEqual(values);
    const times = delivered.values.map(([t]) => t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(await selfMetric('lookout_remote_write_exporter_dropped_samples_total')).toBe(0);
  }, 60_000);
});
