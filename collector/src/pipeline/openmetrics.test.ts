import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerComputedMetric } from '../core/computed-metric.ts';
import { formatFamily, formatNumber, prefersOpenMetrics, renderOpenMetrics } from './openmetrics.ts';

/** What Prometheus 2.x sends when it scrapes. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('content negotiation', () => {
  it.each([
    [PROMETHEUS_ACCEPT, true],
    ['application/openmetrics-text; version=1.0.0', true],
    ['text/plain;version=0.0.4;q=0.5,application/openmetrics-text;q=0.9', true],
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['text/plain', false],
    ['text/plain, application/openmetrics-text', false],
    ['application/openmetrics-text;q=0', false],
    ['application/json', false],
  ])('Accept %j → OpenMetrics %s', (accept, expected) => {
    expect(prefersOpenMetrics(accept)).toBe(expected);
  });
});

describe('OpenMetrics rendering', () => {
  function registry() {
    const r = new Registry();
    new Counter({ name: 'demo_requests_total', help: 'Requests "served"\nby code', labelNames: ['code'], registers: [r] }).inc({ code: '200' }, 3);
    new Gauge({ name: 'demo_queue_items', help: 'Items', registers: [r] }).set(Number.POSITIVE_INFINITY);
    const h = new Histogram({ name: 'demo_duration_seconds', help: 'Duration', buckets: [0.1, 1], labelNames: ['route'], registers: [r] });
    h.observe({ route: '/a\\b"c' }, 0.05);
    registerComputedMetric(r, 'demo_latency_seconds', 'Computed histogram', 'histogram', () => [
      {
        metricName: 'demo_latency_seconds_bucket',
        labels: { le: '0.3' },
        sharedLabels: { service: 'checkout' },
        value: 2,
        exemplar: { labelSet: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }, value: 0.21, timestamp: 1_700_000_000.5 },
      },
      { metricName: 'demo_latency_seconds_bucket', labels: { le: '+Inf' }, sharedLabels: { service: 'checkout' }, value: 3 },
      { metricName: 'demo_latency_seconds_sum', labels: { service: 'checkout' }, value: 1.5 },
      { metricName: 'demo_latency_seconds_count', labels: { service: 'checkout' }, value: 3 },
    ]);
    return r;
  }

  it('writes families, counters without _total in TYPE, escaped labels and help, exemplars on buckets, and # EOF', async () => {
    const text = await renderOpenMetrics(registry());
    expect(text.split('\n')).toEqual([
      '# TYPE demo_requests counter',
      '# HELP demo_requests Requests \\"served\\"\\nby code',
      'demo_requests_total{code="200"} 3',
      '# TYPE demo_queue_items gauge',
      '# HELP demo_queue_items Items',
      'demo_queue_items +Inf',
      '# TYPE demo_duration_seconds histogram',
      '# HELP demo_duration_seconds Duration',
      'demo_duration_seconds_bucket{route="/a\\\\b\\"c",le="0.1"} 1',
      'demo_duration_seconds_bucket{route="/a\\\\b\\"c",le="1"} 1',
      'demo_duration_seconds_bucket{route="/a\\\\b\\"c",le="+Inf"} 1',
      'demo_duration_seconds_sum{route="/a\\\\b\\"c"} 0.05',
      'demo_duration_seconds_count{route="/a\\\\b\\"c"} 1',
      '# TYPE demo_latency_seconds histogram',
      '# HELP demo_latency_seconds Computed histogram',
      'demo_latency_seconds_bucket{service="checkout",le="0.3"} 2 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 0.21 1700000000.5',
      'demo_latency_seconds_bucket{service="checkout",le="+Inf"} 3',
      'demo_latency_seconds_sum{service="checkout"} 1.5',
      'demo_latency_seconds_count{service="checkout"} 3',
      '# EOF',
      '',
    ]);
  });

  it('leaves the registry as it was: the text format still has _total and no exemplars', async () => {
    const r = registry();
    await renderOpenMetrics(r);
    const text = await r.metrics();
    expect(text).toContain('demo_requests_total{code="200"} 3');
    expect(text).not.toContain('trace_id');
    expect(text).not.toContain('# EOF');
  });

  it('puts exemplars only where OpenMetrics allows them', () => {
    const exemplar = { labelSet: { trace_id: 'ab' }, value: 1 };
    expect(formatFamily({ name: 'g', help: 'h', type: 'gauge', values: [{ value: 1, exemplar }] })).toBe('# TYPE g gauge\n# HELP g h\ng 1');
    expect(formatFamily({ name: 'c_total', help: 'h', type: 'counter', values: [{ value: 1, exemplar }] })).toBe('# TYPE c counter\n# HELP c h\nc_total 1 # {trace_id="ab"} 1');
    expect(formatFamily({ name: 'x', help: 'h', type: 'untyped', values: [{ value: Number.NaN }] })).toBe('# TYPE x unknown\n# HELP x h\nx NaN');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-Inf');
  });
});
