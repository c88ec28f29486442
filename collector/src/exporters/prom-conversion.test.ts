import { describe, expect, it } from 'vitest';
import { AggregationTemporality, newAttributes, type Attributes, type Metric, type MetricData, type MetricsData } from '@lookout/otlp';
import { convertMetrics, exponentialToExplicit, jobAndInstance, TARGET_INFO, type PromPoint } from './prom-conversion.ts';
import { promMetricName, sanitizeLabelName, sanitizeMetricName, unitSuffix } from './prom-naming.ts';
import { PromSeriesStore, samplesOf } from './prom-series-store.ts';

const attrs = (o: Record<string, string | number | boolean>): Attributes => Object.assign(newAttributes(), o);
const T = 1_700_000_000_000n * 1_000_000n; // ns

function request(metrics: Metric[], resource: Record<string, string | number | boolean> = { 'service.name': 'shop', 'service.instance.id': 'i-1' }, scope = { name: 'meter', version: '1.2' }): MetricsData {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs(resource), droppedAttributesCount: 0 },
        scopeMetrics: [{ scope: { ...scope, attributes: newAttributes(), droppedAttributesCount: 0 }, metrics, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}
const metric = (name: string, unit: string, data: MetricData, description = ''): Metric => ({ name, unit, description, metadata: newAttributes(), data });
const num = (value: number, a: Record<string, string | number | boolean> = {}, timeOffsetMs = 0, flags = 0) => ({
  attributes: attrs(a),
  startTimeUnixNano: T,
  timeUnixNano: T + BigInt(timeOffsetMs) * 1_000_000n,
  value,
  valueType: 'double' as const,
  exemplars: [],
  flags,
});
const labelsOf = (p: PromPoint) => Object.fromEntries(p.labels);

describe('OpenTelemetry → Prometheus names', () => {
  it('sanitises metric and label names: invalid characters to _, runs collapsed, no leading digit', () => {
    expect(sanitizeMetricName('http.server.request.duration')).toBe('http_server_request_duration');
    expect(sanitizeMetricName('a..b//c')).toBe('a_b_c');
    expect(sanitizeMetricName('2xx.count')).toBe('_2xx_count');
    expect(sanitizeMetricName('ns:metric')).toBe('ns:metric');
    expect(sanitizeLabelName('ns:key')).toBe('ns_key');
    expect(sanitizeLabelName('cpu.mode')).toBe('cpu_mode');
    expect(sanitizeLabelName('0day')).toBe('_0day');
  });

  it('turns units into words, drops {annotations}, writes a/b as a_per_b, 1 as ratio on gauges only', () => {
    expect(unitSuffix('s', 'counter')).toBe('seconds');
    expect(unitSuffix('ms', 'histogram')).toBe('milliseconds');
    expect(unitSuffix('By', 'gauge')).toBe('bytes');
    expect(unitSuffix('KiBy', 'gauge')).toBe('kibibytes');
    expect(unitSuffix('{packet}', 'counter')).toBe('');
    expect(unitSuffix('{request}/s', 'gauge')).toBe('per_second');
    expect(unitSuffix('By/s', 'gauge')).toBe('bytes_per_second');
    expect(unitSuffix('1', 'gauge')).toBe('ratio');
    expect(unitSuffix('1', 'counter')).toBe('');
    expect(unitSuffix('%', 'gauge')).toBe('percent');
    expect(unitSuffix('Cel', 'gauge')).toBe('celsius');
  });

  it('puts the unit before _total, never twice, and keeps an existing _total', () => {
    expect(promMetricName('system.cpu.time', 's', 'counter')).toBe('system_cpu_time_seconds_total');
    expect(promMetricName('system.memory.usage', 'By', 'gauge')).toBe('system_memory_usage_bytes');
    expect(promMetricName('system.cpu.utilization', '1', 'gauge')).toBe('system_cpu_utilization_ratio');
    expect(promMetricName('process_cpu_user_seconds_total', '', 'counter')).toBe('process_cpu_user_seconds_total');
    expect(promMetricName('process_cpu_seconds_total', 's', 'counter')).toBe('process_cpu_seconds_total');
    expect(promMetricName('requests', '{request}', 'counter')).toBe('requests_total');
    expect(promMetricName('http.server.request.duration', 's', 'histogram')).toBe('http_server_request_duration_seconds');
    expect(promMetricName('queue_seconds_waited', 's', 'gauge')).toBe('queue_seconds_waited');
  });
});

describe('OTLP metrics → Prometheus points', () => {
  it('maps resource to job and instance, the rest to target_info, and scope to otel_scope_* labels', () => {
    expect(jobAndInstance(attrs({ 'service.name': 'api', 'service.namespace': 'shop', 'service.instance.id': 'pod-7' }))).toEqual({ job: 'shop/api', instance: 'pod-7' });
    expect(jobAndInstance(attrs({ 'service.name': 'api' }))).toEqual({ job: 'api', instance: '' });
    const { points } = convertMetrics(
      request([metric('queue.depth', '{item}', { type: 'gauge', dataPoints: [num(3, { 'queue.name': 'a', 'job': 'overridden' })] }, 'Depth')], {
        'service.name': 'api',
        'service.namespace': 'shop',
        'service.instance.id': 'pod-7',
        'host.name': 'h1',
        'k8s.pod.uid': 42,
      }),
      { scopeLabels: true },
    );
    expect(points).toHaveLength(2);
    const [gauge, info] = points as [PromPoint, PromPoint];
    expect(gauge.family).toBe('queue_depth');
    expect(gauge.type).toBe('gauge');
    expect(gauge.help).toBe('Depth');
    expect(labelsOf(gauge)).toEqual({ job: 'shop/api', instance: 'pod-7', queue_name: 'a', otel_scope_name: 'meter', otel_scope_version: '1.2' });
    expect(gauge.labels.map(([n]) => n)).toEqual([...gauge.labels.map(([n]) => n)].sort());
    expect(gauge.value).toEqual({ kind: 'number', value: 3 });
    expect(gauge.timeMs).toBe(1_700_000_000_000);
    expect(info.family).toBe(TARGET_INFO);
    expect(labelsOf(info)).toEqual({ job: 'shop/api', instance: 'pod-7', host_name: 'h1', k8s_pod_uid: '42' });
    expect(info.value).toEqual({ kind: 'number', value: 1 });
    const noScope = convertMetrics(request([metric('g', '', { type: 'gauge', dataPoints: [num(1)] })]), { scopeLabels: false });
    expect(labelsOf(noScope.points[0]!)).toEqual({ job: 'shop', instance: 'i-1' });
  });

  it('joins the values of attribute keys that sanitise to the same label, in key order', () => {
    const { points } = convertMetrics(request([metric('g', '', { type: 'gauge', dataPoints: [num(1, { 'a.b': 'dot', 'a/b': 'slash', a_b: 'under' })] })]), { scopeLabels: false });
    expect(labelsOf(points[0]!).a_b).toBe('dot;slash;under');
  });

  it('converts sums by temporality and monotonicity; drops delta non-monotonic and unspecified ones, counted', () => {
    const { points, dropped } = convertMetrics(
      request([
        metric('cumulative.mono', 's', { type: 'sum', aggregationTemporality: AggregationTemporality.CUMULATIVE, isMonotonic: true, dataPoints: [num(5)] }),
        metric('cumulative.updown', 'By', { type: 'sum', aggregationTemporality: AggregationTemporality.CUMULATIVE, isMonotonic: false, dataPoints: [num(-2)] }),
        metric('delta.mono', '', { type: 'sum', aggregationTemporality: AggregationTemporality.DELTA, isMonotonic: true, dataPoints: [num(1)] }),
        metric('delta.updown', '', { type: 'sum', aggregationTemporality: AggregationTemporality.DELTA, isMonotonic: false, dataPoints: [num(1), num(2)] }),
        metric('unspecified', '', { type: 'sum', aggregationTemporality: AggregationTemporality.UNSPECIFIED, isMonotonic: true, dataPoints: [num(1)] }),
        metric('nothing', '', { type: 'empty' }),
      ]),
      { scopeLabels: false },
    );
    expect(points.map((p) => [p.family, p.type, p.delta])).toEqual([
      ['cumulative_mono_seconds_total', 'counter', false],
      ['cumulative_updown_bytes', 'gauge', false],
      ['delta_mono_total', 'counter', true],
    ]);
    expect(dropped).toEqual({ delta_non_monotonic: 2, unspecified_temporality: 1, empty_metric: 1 });
  });

  it('renders histograms as cumulative _bucket{le} with +Inf, _sum and _count', () => {
    const { points } = convertMetrics(
      request([
        metric('http.server.request.duration', 's', {
          type: 'histogram',
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPoints: [{ attributes: attrs({ route: '/a' }), startTimeUnixNano: T, timeUnixNano: T, count: 6, sum: 1.5, bucketCounts: [1, 2, 3], explicitBounds: [0.1, 0.5], exemplars: [], flags: 0 }],
        }),
      ]),
      { scopeLabels: false },
    );
    const p = points[0]!;
    expect(p.family).toBe('http_server_request_duration_seconds');
    const samples = samplesOf(p.family, p.labels, p.value).map((s) => [s.name, Object.fromEntries(s.labels).le, s.value]);
    expect(samples).toEqual([
      ['http_server_request_duration_seconds_bucket', '0.1', 1],
      ['http_server_request_duration_seconds_bucket', '0.5', 3],
      ['http_server_request_duration_seconds_bucket', '+Inf', 6],
      ['http_server_request_duration_seconds_sum', undefined, 1.5],
      ['http_server_request_duration_seconds_count', undefined, 6],
    ]);
  });

  it('turns exponential buckets into explicit bounds base^(i+1), negatives and the zero bucket below', () => {
    // scale 0: base 2. positive offset 1: buckets (2,4], (4,8]; negative offset 0: [-2,-1)
    const { bounds, counts } = exponentialToExplicit({
      attributes: newAttributes(),
      startTimeUnixNano: T,
      timeUnixNano: T,
      count: 10,
      sum: 20,
      scale: 0,
      zeroCount: 1,
      positive: { offset: 1, bucketCounts: [3, 4] },
      negative: { offset: 0, bucketCounts: [2] },
      flags: 0,
      exemplars: [],
      zeroThreshold: 0,
    });
    expect(bounds).toEqual([-1, 0, 4, 8]);
    expect(counts).toEqual([2, 1, 3, 4, 0]);
    // scale 1: base √2; bucket 2 is (2, 2√2]
    const fine = exponentialToExplicit({
      attributes: newAttributes(),
      startTimeUnixNano: T,
      timeUnixNano: T,
      count: 1,
      scale: 1,
      zeroCount: 0,
      positive: { offset: 2, bucketCounts: [1] },
      negative: { offset: 0, bucketCounts: [] },
      flags: 0,
      exemplars: [],
      zeroThreshold: 0,
    });
    expect(fine.bounds).toEqual([2 ** 1.5]);
    expect(fine.counts).toEqual([1, 0]);
  });

  it('renders summaries as {quantile} in ascending order, _sum and _count', () => {
    const { points } = convertMetrics(
      request([
        metric('rpc.latency', 'ms', {
          type: 'summary',
          dataPoints: [{ attributes: newAttributes(), startTimeUnixNano: T, timeUnixNano: T, count: 4, sum: 40, flags: 0, quantileValues: [{ quantile: 0.99, value: 30 }, { quantile: 0.5, value: 8 }] }],
        }),
      ]),
      { scopeLabels: false },
    );
    const p = points[0]!;
    expect(p.family).toBe('rpc_latency_milliseconds');
    expect(samplesOf(p.family, p.labels, p.value).map((s) => [s.name, Object.fromEntries(s.labels).quantile, s.value])).toEqual([
      ['rpc_latency_milliseconds', '0.5', 8],
      ['rpc_latency_milliseconds', '0.99', 30],
      ['rpc_latency_milliseconds_sum', undefined, 40],
      ['rpc_latency_milliseconds_count', undefined, 4],
    ]);
  });
});

describe('received series store', () => {
  const sum = (value: number, offsetMs: number, temporality: AggregationTemporality = AggregationTemporality.DELTA, flags = 0) =>
    convertMetrics(
      request([metric('jobs.done', '', { type: 'sum', aggregationTemporality: temporality, isMonotonic: true, dataPoints: [num(value, { queue: 'q' }, offsetMs, flags)] })]),
      { scopeLabels: false },
    ).points.filter((p) => p.family !== TARGET_INFO);

  it('accumulates delta sums into a cumulative counter and ignores a replayed delta', () => {
    const store = new PromSeriesStore({ maxSeries: 10, staleAfterMs: 60_000 });
    store.apply(sum(2, 0), 0);
    store.apply(sum(3, 1000), 1);
    const replay = store.apply(sum(3, 1000), 2);
    expect(replay.dropped).toEqual({ out_of_order: 1 });
    expect(store.exposition()).toBe('# TYPE jobs_done_total counter\njobs_done_total{instance="i-1",job="shop",queue="q"} 5\n');
    // OpenMetrics names the counter family without _total; the sample keeps it
    expect(store.exposition(true)).toBe('# TYPE jobs_done counter\njobs_done_total{instance="i-1",job="shop",queue="q"} 5\n');
  });

  it('keeps the newest cumulative value and refuses one from the past', () => {
    const store = new PromSeriesStore({ maxSeries: 10, staleAfterMs: 60_000 });
    store.apply(sum(10, 1000, AggregationTemporality.CUMULATIVE), 0);
    expect(store.apply(sum(7, 0, AggregationTemporality.CUMULATIVE), 0).dropped).toEqual({ out_of_order: 1 });
    store.apply(sum(12, 2000, AggregationTemporality.CUMULATIVE), 0);
    expect(store.exposition()).toContain('jobs_done_total{instance="i-1",job="shop",queue="q"} 12\n');
  });

  it('bounds the series count, counting the overflow, and expires series after staleAfter', () => {
    const store = new PromSeriesStore({ maxSeries: 2, staleAfterMs: 1000 });
    const points = convertMetrics(request([metric('g', '', { type: 'gauge', dataPoints: [num(1, { k: 'a' }), num(2, { k: 'b' }), num(3, { k: 'c' })] })]), { scopeLabels: false }).points;
    const result = store.apply(points.filter((p) => p.family === 'g'), 0);
    expect(result.dropped).toEqual({ series_limit: 1 });
    expect(store.seriesCount).toBe(2);
    expect(store.expire(500)).toHaveLength(0);
    store.apply([points[0]!].map((p) => ({ ...p, timeMs: p.timeMs + 1 })), 600);
    expect(store.expire(1000).map((p) => Object.fromEntries(p.labels).k)).toEqual(['b']);
    expect(store.seriesCount).toBe(1);
    expect(store.expire(1600)).toHaveLength(1);
    expect(store.exposition()).toBe('');
  });

  it('ends a series on NoRecordedValue and drops a type change or a reserved name, counted', () => {
    const store = new PromSeriesStore({ maxSeries: 10, staleAfterMs: 60_000, reservedName: (n) => n === 'lookout_requests_total' });
    store.apply(sum(1, 0, AggregationTemporality.CUMULATIVE), 0);
    const ended = store.apply(sum(0, 1000, AggregationTemporality.CUMULATIVE, 1), 0);
    expect(ended.updated.map((p) => p.stale)).toEqual([true]);
    expect(store.seriesCount).toBe(0);
    store.apply(sum(1, 0, AggregationTemporality.CUMULATIVE), 0);
    const asGauge = convertMetrics(request([metric('jobs.done.total', '', { type: 'gauge', dataPoints: [num(1)] })]), { scopeLabels: false }).points[0]!;
    expect(asGauge.family).toBe('jobs_done_total');
    expect(store.apply([asGauge], 0).dropped).toEqual({ type_conflict: 1 });
    const own = convertMetrics(request([metric('lookout.requests', '', { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [num(1)] })]), { scopeLabels: false }).points[0]!;
    expect(store.apply([own], 0).dropped).toEqual({ name_conflict: 1 });
  });

  it('escapes help text and label values in the exposition', () => {
    const store = new PromSeriesStore({ maxSeries: 10, staleAfterMs: 60_000 });
    const points = convertMetrics(request([metric('g', '', { type: 'gauge', dataPoints: [num(1, { path: 'C:\\x "y"\nz' })] }, 'line\\one\ntwo')]), { scopeLabels: false }).points;
    store.apply(points.filter((p) => p.family === 'g'), 0);
    expect(store.exposition()).toBe('# HELP g line\\\\one\\ntwo\n# TYPE g gauge\ng{instance="i-1",job="shop",path="C:\\\\x \\"y\\"\\nz"} 1\n');
  });
});
