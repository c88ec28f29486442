import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import { Counter, Gauge, Registry, Summary, type Metric } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { promToOtelMetrics, type PromMetricJson } from './prom-bridge.ts';
import { RequestHistogram } from './request-histogram.ts';

describe('promToOtelMetrics', () => {
  it('turns counters, gauges and histograms into cumulative OTel metric data', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'jobs_total', help: 'jobs', labelNames: ['kind'], registers: [registry] });
    counter.inc({ kind: 'a' }, 3);
    new Gauge({ name: 'temperature', help: 't', registers: [registry] }).set(21.5);
    new Summary({ name: 'ignored_summary', help: 's', registers: [registry] }).observe(1);
    const histogram = new RequestHistogram('svc', 10, [0.1, 1]);
    registry.registerMetric(histogram as unknown as Metric);
    histogram.observe('/a', 'GET', 200, 0.05);
    histogram.observe('/a', 'GET', 200, 0.5);
    histogram.observe('/a', 'GET', 200, 5);

    const start: [number, number] = [100, 0];
    const end: [number, number] = [160, 5];
    const metrics = promToOtelMetrics((await registry.getMetricsAsJSON()) as unknown as PromMetricJson[], start, end);
    expect(metrics.map((m) => m.descriptor.name)).toEqual(['jobs_total', 'temperature', 'lookout_request_duration_seconds']);

    const [jobs, temperature, requests] = metrics;
    expect(jobs).toMatchObject({ dataPointType: DataPointType.SUM, isMonotonic: true, aggregationTemporality: AggregationTemporality.CUMULATIVE });
    expect(jobs!.dataPoints).toEqual([{ startTime: start, endTime: end, attributes: { kind: 'a' }, value: 3 }]);
    expect(temperature).toMatchObject({ dataPointType: DataPointType.GAUGE });
    expect(temperature!.dataPoints[0]!.value).toBe(21.5);
    expect(requests).toMatchObject({ dataPointType: DataPointType.HISTOGRAM, aggregationTemporality: AggregationTemporality.CUMULATIVE });
    expect(requests!.dataPoints).toEqual([
      {
        startTime: start,
        endTime: end,
        attributes: { service: 'svc', route: '/a', method: 'GET', status_class: '2xx' },
        // per-bucket counts: (-inf,0.1] 1, (0.1,1] 1, (1,+inf) 1
        value: { buckets: { boundaries: [0.1, 1], counts: [1, 1, 1] }, sum: 5.55, count: 3 },
      },
    ]);
  });
});
