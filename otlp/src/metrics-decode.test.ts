import { describe, expect, it } from 'vitest';
import { ValueType } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality as SdkTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { ExponentialHistogram, Histogram, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { Metric } from './telemetry.ts';
import { decodeMetricsJson, decodeMetricsProtobuf } from './index.ts';

const ns = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const plain = (o: object): Record<string, unknown> => ({ ...o });

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Real SDK metrics: sums (monotonic, not, int, double), gauges, histograms, exponential histograms. */
async function makeMetrics(temporality: SdkTemporality): Promise<ResourceMetrics> {
  const reader = new TestReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.cores': 8 }),
    readers: [reader],
    views: [
      {
        instrumentName: 'rpc.server.duration',
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160, recordMinMax: true } },
      },
      {
        instrumentName: 'http.server.request.duration',
        aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.005, 0.05, 0.5, 5] } },
      },
    ],
  });
  const meter = provider.getMeter('lookout-test', '2.0.0', { schemaUrl: 'https://example.com/m' });
  const requests = meter.createCounter('http.server.requests', { unit: '{request}', description: 'Requests served', valueType: ValueType.INT });
  requests.add(5, { route: '/users/:id', code: 200 });
  requests.add(2, { route: '/users/:id', code: 500 });
  const bytes = meter.createCounter('net.bytes', { unit: 'By', valueType: ValueType.DOUBLE });
  bytes.add(1.5, { dir: 'in' });
  const inflight = meter.createUpDownCounter('http.server.active', { valueType: ValueType.INT });
  inflight.add(3);
  inflight.add(-5);
  const temp = meter.createGauge('room.temperature', { unit: 'Cel' });
  temp.record(-12.25, { room: 'cellar' });
  meter.createObservableGauge('process.heap', { valueType: ValueType.INT }).addCallback((r) => r.observe(123456789012, { kind: 'used' }));
  const latency = meter.createHistogram('http.server.request.duration', { unit: 's' });
  for (const v of [0.001, 0.02, 0.02, 0.7, 9]) latency.record(v, { route: '/a' });
  const rpc = meter.createHistogram('rpc.server.duration', { unit: 'ms' });
  // (the SDK drops negative histogram values, so negative buckets are covered by the encoder tests)
  for (const v of [0, 0, 1, 2, 4, 100, 1000]) rpc.record(v, { method: 'Get' });
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

type OurPoint = { startTimeUnixNano: bigint; timeUnixNano: bigint; attributes: object } & Record<string, unknown>;
type SdkPoint = MetricData['dataPoints'][number];

/** What each SDK data point type becomes in the model: its type, whether it keeps temporality and monotonicity, its value's fields. */
const KINDS: Record<DataPointType, { type: Metric['data']['type']; temporality: boolean; monotonic: boolean; value(p: SdkPoint, isInt: boolean): object }> = {
  [DataPointType.SUM]: { type: 'sum', temporality: true, monotonic: true, value: numberValue },
  [DataPointType.GAUGE]: { type: 'gauge', temporality: false, monotonic: false, value: numberValue },
  [DataPointType.HISTOGRAM]: { type: 'histogram', temporality: true, monotonic: false, value: histogramValue },
  [DataPointType.EXPONENTIAL_HISTOGRAM]: { type: 'exponentialHistogram', temporality: true, monotonic: false, value: exponentialValue },
};

function histogramValue(p: SdkPoint): object {
  const h = p.value as Histogram;
  return { count: h.count, sum: h.sum, min: h.min, max: h.max, explicitBounds: h.buckets.boundaries, bucketCounts: h.buckets.counts };
}

function exponentialValue(p: SdkPoint): object {
  const h = p.value as ExponentialHistogram;
  return {
    count: h.count, sum: h.sum, min: h.min, max: h.max, scale: h.scale, zeroCount: h.zeroCount,
    positive: { offset: h.positive.offset, bucketCounts: h.positive.bucketCounts },
    negative: { offset: h.negative.offset, bucketCounts: h.negative.bucketCounts },
  };
}

function numberValue(p: SdkPoint, isInt: boolean): object {
  return { value: p.value, valueType: isInt ? 'int' : 'double' };
}

function expectMetricMatches(got: Metric, want: MetricData): void {
  expect(got.name).toBe(want.descriptor.name);
  expect(got.description).toBe(want.descriptor.description);
  expect(got.unit).toBe(want.descriptor.unit);
  const isInt = want.descriptor.valueType === ValueType.INT;
  const kind = KINDS[want.dataPointType];
  const data = got.data as unknown as { type: string; dataPoints: OurPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  expect(data.type).toBe(kind.type);
  if (kind.temporality) {
    expect(data.aggregationTemporality).toBe(want.aggregationTemporality === SdkTemporality.DELTA ? 1 : 2);
  }
  if (kind.monotonic) expect(data.isMonotonic).toBe((want as { isMonotonic: boolean }).isMonotonic);
  expect(data.dataPoints).toHaveLength(want.dataPoints.length);
  want.dataPoints.forEach((p: SdkPoint, i: number) => {
    const g = data.dataPoints[i];
    const value = kind.value(p, isInt);
    expect(Object.fromEntries(Object.keys(value).map((k) => [k, g[k]]))).toEqual(value);
    expect(g.startTimeUnixNano).toBe(ns(p.startTime));
    expect(g.timeUnixNano).toBe(ns(p.endTime));
    expect(plain(g.attributes)).toEqual(p.attributes);
  });
}

for (const temporality of [SdkTemporality.CUMULATIVE, SdkTemporality.DELTA]) {
  const label = temporality === SdkTemporality.DELTA ? 'delta' : 'cumulative';
  describe(`metrics (${label}) against the OpenTelemetry JS serializers`, () => {
    it('protobuf: decodes every metric type and data point field', async () => {
      const rm = await makeMetrics(temporality);
      const result = decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(rm)!);
      const wantMetrics = rm.scopeMetrics[0].metrics;
      const points = wantMetrics.reduce((n, m) => n + m.dataPoints.length, 0);
      expect(result.items).toBe(points);
      expect(result.rejected).toBe(0);
      const rmGot = result.data.resourceMetrics[0];
      expect(plain(rmGot.resource.attributes)).toEqual({ 'service.name': 'checkout', 'host.cores': 8 });
      const sm = rmGot.scopeMetrics[0];
      expect(sm.scope.name).toBe('lookout-test');
      expect(sm.scope.version).toBe('2.0.0');
      expect(sm.schemaUrl).toBe('https://example.com/m');
      expect(sm.metrics.map((m) => m.data.type).sort()).toEqual(
        ['exponentialHistogram', 'gauge', 'gauge', 'histogram', 'sum', 'sum', 'sum'],
      );
      wantMetrics.forEach((want, i) => expectMetricMatches(sm.metrics[i], want));
      const heap = sm.metrics.find((m) => m.name === 'process.heap')!;
      expect(heap.data.type === 'gauge' && heap.data.dataPoints[0].value).toBe(123456789012);
      const rpc = sm.metrics.find((m) => m.name === 'rpc.server.duration')!;
      expect(rpc.data.type === 'exponentialHistogram' && rpc.data.dataPoints[0].positive.bucketCounts.length).toBeGreaterThan(3);
      expect(rpc.data.type === 'exponentialHistogram' && rpc.data.dataPoints[0].zeroCount).toBe(2);
    });

    it('JSON: same model as protobuf', async () => {
      const rm = await makeMetrics(temporality);
      const fromProto = decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(rm)!);
      const fromJson = decodeMetricsJson(JsonMetricsSerializer.serializeRequest(rm)!);
      expect(fromJson.items).toBe(fromProto.items);
      expect(fromJson.data).toEqual(fromProto.data);
      fromJson.data.resourceMetrics[0].scopeMetrics[0].metrics.forEach((m, i) =>
        expectMetricMatches(m, rm.scopeMetrics[0].metrics[i]),
      );
    });
  });
}
