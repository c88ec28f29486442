import { describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  newAttributes,
  type AnyValue,
  type HistogramDataPoint,
  type Metric,
  type MetricsData,
} from '@lookout/otlp';
import { CumulativeTracker } from './cumulative-tracker.ts';
import { DurationMetricReader, type PointOutcome } from './duration-metric.ts';
import { explicitBucketMap } from './rebucket.ts';
import type { HistogramObservation } from './request-series.ts';

const bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const SEC = 1_000_000_000n;
const startedAt = 1_000n * SEC;

function attrs(values: Record<string, AnyValue>) {
  return Object.assign(newAttributes(), values);
}

function point(fields: Partial<HistogramDataPoint>): HistogramDataPoint {
  return {
    attributes: attrs({ 'http.route': '/users/:id', 'http.request.method': 'GET', 'http.response.status_code': 200 }),
    startTimeUnixNano: startedAt + SEC,
    timeUnixNano: startedAt + 60n * SEC,
    count: 0,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
    ...fields,
  };
}

function metricsData(metric: Metric, service = 'api', resource: Record<string, AnyValue> = {}): MetricsData {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': service, ...resource }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 'http', version: '', attributes: newAttributes(), droppedAttributesCount: 0 }, schemaUrl: '', metrics: [metric] }],
      },
    ],
  };
}

function histogram(points: HistogramDataPoint[], temporality: AggregationTemporality, name = 'http.server.request.duration', unit = 's'): Metric {
  return { name, description: '', unit, metadata: newAttributes(), data: { type: 'histogram', dataPoints: points, aggregationTemporality: temporality } };
}

function read(reader: DurationMetricReader, data: MetricsData, nowMs = 2_000_000) {
  const observations: HistogramObservation[] = [];
  const outcomes: PointOutcome[] = [];
  reader.read(data, nowMs, (o) => observations.push(o), (o) => outcomes.push(o));
  return { observations, outcomes };
}

function newReader() {
  return new DurationMetricReader({ bounds, tracker: new CumulativeTracker({ startedAtUnixNano: startedAt }) });
}

/** the OTel SDK's default bounds for http.server.request.duration */
const OTEL_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

describe('DurationMetricReader', () => {
  it('takes a delta point as is, on the same bounds', () => {
    const counts = [1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1];
    const { observations, outcomes } = read(
      newReader(),
      metricsData(histogram([point({ count: 7, sum: 12.5, bucketCounts: counts, explicitBounds: OTEL_BOUNDS })], AggregationTemporality.DELTA)),
    );
    expect(outcomes).toEqual(['delta']);
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({ service: 'api', route: '/users/:id', method: 'GET', statusCode: 200, error: false, count: 7, sumSeconds: 12.5 });
    expect([...observations[0]!.bucketCounts]).toEqual(counts);
  });

  it('converts the old http.server.duration in milliseconds', () => {
    const { observations } = read(
      newReader(),
      metricsData(
        histogram(
          [point({ count: 3, sum: 1500, bucketCounts: [1, 1, 1], explicitBounds: [10, 500], attributes: attrs({ 'http.method': 'GET', 'http.status_code': 502 }) })],
          AggregationTemporality.DELTA,
          'http.server.duration',
          'ms',
        ),
      ),
    );
    expect(observations[0]).toMatchObject({ route: 'unknown', method: 'GET', statusCode: 502, error: true, count: 3, sumSeconds: 1.5 });
    // 10 ms → le 0.01, 500 ms → le 0.5, +Inf → +Inf
    const expected = new Array(bounds.length + 1).fill(0);
    expected[1] = 1;
    expected[7] = 1;
    expected[bounds.length] = 1;
    expect([...observations[0]!.bucketCounts]).toEqual(expected);
  });

  it('maps a source bucket to the target bucket holding its upper bound', () => {
    // 0.2 lies between 0.1 and 0.25: requests up to 0.2 s are not known to be under 0.1 s
    expect([...explicitBucketMap([0.1, 0.2, 20], [0.1, 0.25, 1])]).toEqual([0, 1, 3, 3]);
  });

  it('uses the first cumulative point of a series that started before the collector as a baseline, then counts deltas', () => {
    const reader = newReader();
    const early = startedAt - 100n * SEC;
    const first = point({ startTimeUnixNano: early, timeUnixNano: startedAt + 10n * SEC, count: 100, sum: 10, bucketCounts: [100], explicitBounds: [] });
    expect(read(reader, metricsData(histogram([first], AggregationTemporality.CUMULATIVE))).outcomes).toEqual(['baseline']);
    const second = point({ startTimeUnixNano: early, timeUnixNano: startedAt + 20n * SEC, count: 104, sum: 10.4, bucketCounts: [], explicitBounds: [] });
    const { observations, outcomes } = read(reader, metricsData(histogram([second], AggregationTemporality.CUMULATIVE)));
    expect(outcomes).toEqual(['delta']);
    expect(observations[0]!.count).toBe(4);
    expect(observations[0]!.sumSeconds).toBeCloseTo(0.4);
  });

  it('counts the first point in full when the series started after the collector', () => {
    const reader = newReader();
    const { observations, outcomes } = read(
      reader,
      metricsData(histogram([point({ count: 5, sum: 1, bucketCounts: [5], explicitBounds: [] })], AggregationTemporality.CUMULATIVE)),
    );
    expect(outcomes).toEqual(['first']);
    expect(observations[0]!.count).toBe(5);
  });

  it('ignores a repeated cumulative point and detects a restart of the sender', () => {
    const reader = newReader();
    const p1 = point({ count: 5, sum: 1, bucketCounts: [5], explicitBounds: [] });
    read(reader, metricsData(histogram([p1], AggregationTemporality.CUMULATIVE)));
    expect(read(reader, metricsData(histogram([p1], AggregationTemporality.CUMULATIVE))).outcomes).toEqual(['stale']);
    const restarted = point({ startTimeUnixNano: startedAt + 100n * SEC, timeUnixNano: startedAt + 110n * SEC, count: 2, sum: 0.5, bucketCounts: [2], explicitBounds: [] });
    const { observations, outcomes } = read(reader, metricsData(histogram([restarted], AggregationTemporality.CUMULATIVE)));
    expect(outcomes).toEqual(['reset']);
    expect(observations[0]!.count).toBe(2);
  });

  it('keeps series of different instances apart (resource attributes are part of the key)', () => {
    const reader = newReader();
    const p = point({ count: 5, sum: 1, bucketCounts: [5], explicitBounds: [] });
    const a = read(reader, metricsData(histogram([p], AggregationTemporality.CUMULATIVE), 'api', { 'service.instance.id': 'a' }));
    const b = read(reader, metricsData(histogram([p], AggregationTemporality.CUMULATIVE), 'api', { 'service.instance.id': 'b' }));
    expect([...a.outcomes, ...b.outcomes]).toEqual(['first', 'first']);
  });

  it('reads exponential histograms onto the bounds', () => {
    // scale 0: bucket i covers (2^i, 2^(i+1)]; offset -4 → (1/16, 1/8], (1/8, 1/4], (1/4, 1/2]
    const metric: Metric = {
      name: 'http.server.request.duration',
      description: '',
      unit: 's',
      metadata: newAttributes(),
      data: {
        type: 'exponentialHistogram',
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPoints: [
          {
            attributes: attrs({ 'http.route': '/e', 'http.request.method': 'GET', 'error.type': 'ECONNRESET' }),
            startTimeUnixNano: 0n,
            timeUnixNano: startedAt,
            count: 7,
            sum: 1,
            scale: 0,
            zeroCount: 1,
            zeroThreshold: 0,
            positive: { offset: -4, bucketCounts: [1, 2, 3] },
            negative: { offset: 0, bucketCounts: [] },
            flags: 0,
            exemplars: [],
          },
        ],
      },
    };
    const { observations } = read(newReader(), metricsData(metric));
    const expected = new Array(bounds.length + 1).fill(0);
    expected[0] = 1; // zero bucket
    expected[6] = 1 + 2; // 0.125 and 0.25 → le 0.25
    expected[7] = 3; // 0.5 → le 0.5
    expect([...observations[0]!.bucketCounts]).toEqual(expected);
    expect(observations[0]).toMatchObject({ route: '/e', statusCode: undefined, error: true });
  });

  it('reports points it cannot use and ignores other metrics', () => {
    const gauge: Metric = {
      name: 'http.server.request.duration',
      description: '',
      unit: 's',
      metadata: newAttributes(),
      data: { type: 'gauge', dataPoints: [{ attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, value: 1, valueType: 'double', exemplars: [], flags: 0 }] },
    };
    expect(read(newReader(), metricsData(gauge)).outcomes).toEqual(['unsupported_type']);
    const minutes = histogram([point({ count: 1, bucketCounts: [1], explicitBounds: [] })], AggregationTemporality.DELTA, 'http.server.request.duration', 'min');
    expect(read(newReader(), metricsData(minutes)).outcomes).toEqual(['unsupported_unit']);
    const other = histogram([point({ count: 1, bucketCounts: [1], explicitBounds: [] })], AggregationTemporality.DELTA, 'db.client.operation.duration');
    expect(read(newReader(), metricsData(other))).toEqual({ observations: [], outcomes: [] });
  });
});
