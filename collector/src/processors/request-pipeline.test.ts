import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { requestSeriesConfigSchema } from './config.ts';
import {
  AggregationTemporality,
  newAttributes,
  SpanKind,
  StatusCode,
  type AnyValue,
  type MetricsData,
  type Span,
  type TracesData,
} from '@lookout/otlp';
import { RequestPipeline } from './request-pipeline.ts';
import type { RequestSli } from './sli-matcher.ts';

const templateRoute = (path: string) => path.replace(/\/\d+(?=\/|$)/g, '/:id');
const NOW = 1_700_000_000_000;

function attrs(values: Record<string, AnyValue>) {
  return Object.assign(newAttributes(), values);
}

function traces(service: string, spans: Array<{ route: string; status: number; ms: number; traceId?: string; kind?: number }>): TracesData {
  const end = BigInt(NOW) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': service }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [
          {
            scope: { name: 'http', version: '', attributes: newAttributes(), droppedAttributesCount: 0 },
            schemaUrl: '',
            spans: spans.map(
              (s, i): Span => ({
                traceId: s.traceId ?? i.toString(16).padStart(32, '0'),
                spanId: '1'.repeat(16),
                traceState: '',
                parentSpanId: '',
                flags: 0,
                name: 'GET',
                kind: (s.kind ?? SpanKind.SERVER) as Span['kind'],
                startTimeUnixNano: end - BigInt(s.ms) * 1_000_000n,
                endTimeUnixNano: end,
                attributes: attrs({ 'http.request.method': 'GET', 'url.path': s.route, 'http.response.status_code': s.status }),
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: StatusCode.UNSET, message: '' },
              }),
            ),
          },
        ],
      },
    ],
  };
}

function durationMetric(service: string, count: number, status = 200): MetricsData {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': service }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 'http', version: '', attributes: newAttributes(), droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              {
                name: 'http.server.request.duration',
                description: '',
                unit: 's',
                metadata: newAttributes(),
                data: {
                  type: 'histogram',
                  aggregationTemporality: AggregationTemporality.DELTA,
                  dataPoints: [
                    {
                      attributes: attrs({ 'http.route': '/users/:id', 'http.request.method': 'GET', 'http.response.status_code': status }),
                      startTimeUnixNano: BigInt(NOW - 60_000) * 1_000_000n,
                      timeUnixNano: BigInt(NOW) * 1_000_000n,
                      count,
                      sum: count * 0.2,
                      bucketCounts: [0, count, 0],
                      explicitBounds: [0.1, 0.3],
                      exemplars: [],
                      flags: 0,
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const definitions: RequestSli[] = [
  { id: 'api-availability', service: 'api', kind: 'availability' },
  { id: 'api-latency', service: 'api', kind: 'latency', latencyThresholdSeconds: 0.3 },
];

function pipeline(config: Record<string, unknown> = {}) {
  const registry = new Registry();
  const increments: Array<[string, number, number, number]> = [];
  const p = new RequestPipeline({
    config: requestSeriesConfigSchema.parse({ durationBuckets: [0.1, 0.5], ...config }),
    definitions,
    templateRoute,
    registry,
    sink: (id, minute, good, total) => increments.push([id, minute, good, total]),
    startedAtMs: NOW - 3_600_000,
  });
  return { p, registry, increments };
}

async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await registry.metrics();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const labelText = line.slice(name.length, line.lastIndexOf(' '));
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('RequestPipeline', () => {
  it('exposes the request series in the Prometheus text format, buckets including SLI thresholds', async () => {
    const { p, registry, increments } = pipeline();
    p.consumeTraces(
      traces('api', [
        { route: '/users/1', status: 200, ms: 50 },
        { route: '/users/2', status: 200, ms: 250 },
        { route: '/users/3', status: 503, ms: 2000, traceId: 'e'.repeat(32) },
      ]),
      NOW,
    );
    expect(p.bounds).toEqual([0.1, 0.3, 0.5]);
    const text = await registry.metrics();
    const bucketLines = text.split('\n').filter((l) => l.startsWith('lookout_request_duration_seconds_bucket') && l.includes('status_class="2xx"'));
    expect(bucketLines.map((l) => l.replace(/\{.*\}/, '{…}') + ' ' + (/le="([^"]+)"/.exec(l)?.[1] ?? ''))).toEqual([
      'lookout_request_duration_seconds_bucket{…} 1 0.1',
      'lookout_request_duration_seconds_bucket{…} 2 0.3',
      'lookout_request_duration_seconds_bucket{…} 2 0.5',
      'lookout_request_duration_seconds_bucket{…} 2 +Inf',
    ]);
    expect(text).toContain('# TYPE lookout_request_duration_seconds histogram');
    expect(text).toContain('# TYPE lookout_requests_total counter');
    for (const name of ['service', 'route', 'method', 'status_class']) expect(bucketLines[0]).toContain(name + '=');
    expect(await sample(registry, 'lookout_requests_total', { status_class: '2xx' })).toBe(2);
    expect(await sample(registry, 'lookout_requests_total', { status_class: '5xx' })).toBe(1);
    expect(await sample(registry, 'lookout_request_errors_total', { status_class: '5xx' })).toBe(1);
    expect(await sample(registry, 'lookout_request_errors_total', { status_class: '2xx' })).toBe(0);
    expect(await sample(registry, 'lookout_request_duration_seconds_sum', { status_class: '2xx' })).toBeCloseTo(0.3);
    expect(await sample(registry, 'lookout_request_duration_seconds_count', { status_class: '5xx' })).toBe(1);
    const minute = Math.floor(NOW / 60_000);
    expect(increments).toEqual([
      ['api-availability', minute, 1, 1],
      ['api-latency', minute, 1, 1],
      ['api-availability', minute, 1, 1],
      ['api-latency', minute, 1, 1],
      ['api-availability', minute, 0, 1],
      ['api-latency', minute, 0, 1],
    ]);
    expect(p.recentErrorTraceIds('api', 3)).toEqual(['e'.repeat(32)]);
  });

  it('with source auto, counts a service that sends spans and metrics once (from spans)', async () => {
    const { p, registry, increments } = pipeline();
    p.consumeTraces(traces('api', [{ route: '/users/1', status: 200, ms: 50 }]), NOW);
    p.consumeMetrics(durationMetric('api', 10), NOW + 1000);
    expect(await sample(registry, 'lookout_requests_total', { service: 'api' })).toBe(1);
    expect(increments.filter((r) => r[0] === 'api-availability')).toHaveLength(1);
    expect(await sample(registry, 'lookout_request_observations_total', { source: 'metrics', outcome: 'source_skipped' })).toBe(10);
    // a service that only exports metrics is counted from them
    p.consumeMetrics(durationMetric('billing', 7, 500), NOW + 1000);
    expect(await sample(registry, 'lookout_requests_total', { service: 'billing', status_class: '5xx' })).toBe(7);
    expect(await sample(registry, 'lookout_request_errors_total', { service: 'billing' })).toBe(7);
  });

  it('with source auto, goes back to metrics once spans stopped for the window', async () => {
    const { p, registry } = pipeline({ autoSourceWindow: '1m' });
    p.consumeTraces(traces('api', [{ route: '/users/1', status: 200, ms: 50 }]), NOW);
    p.consumeMetrics(durationMetric('api', 10), NOW + 30_000);
    p.consumeMetrics(durationMetric('api', 5), NOW + 61_000);
    expect(await sample(registry, 'lookout_requests_total', { service: 'api' })).toBe(6);
  });

  it('follows a per-service source: metrics only, spans only', async () => {
    const { p, registry } = pipeline({ sources: { api: 'metrics' }, source: 'spans' });
    p.consumeTraces(traces('api', [{ route: '/users/1', status: 500, ms: 50, traceId: 'f'.repeat(32) }]), NOW);
    p.consumeMetrics(durationMetric('api', 10), NOW);
    p.consumeMetrics(durationMetric('web', 4), NOW);
    expect(await sample(registry, 'lookout_requests_total', { service: 'api' })).toBe(10);
    expect(await sample(registry, 'lookout_requests_total', { service: 'web' })).toBeUndefined();
    // the skipped error span still gives a sample trace id
    expect(p.recentErrorTraceIds('api', 5)).toEqual(['f'.repeat(32)]);
  });

  it('counts requests from other sources, leaving unknown latencies out of the histogram and latency SLIs', async () => {
    const { p, registry, increments } = pipeline();
    const line = { service: 'api', route: '/login', method: 'POST', statusCode: 502, error: true, durationSeconds: 0, endTimeMs: NOW };
    p.observeRequest({ ...line }, NOW, false);
    p.observeRequest({ ...line, statusCode: 200, error: false, durationSeconds: 0.05 }, NOW);
    expect(await sample(registry, 'lookout_requests_total', { route: '/login', status_class: '5xx' })).toBe(1);
    expect(await sample(registry, 'lookout_request_errors_total', { route: '/login', status_class: '5xx' })).toBe(1);
    expect(await sample(registry, 'lookout_request_duration_seconds_count', { route: '/login', status_class: '5xx' })).toBe(0);
    expect(await sample(registry, 'lookout_request_duration_seconds_count', { route: '/login', status_class: '2xx' })).toBe(1);
    const minute = Math.floor(NOW / 60_000);
    expect(increments).toEqual([
      ['api-availability', minute, 0, 1],
      ['api-availability', minute, 1, 1],
      ['api-latency', minute, 1, 1],
    ]);
  });

  it('counts only server and consumer spans', async () => {
    const { p, registry } = pipeline();
    p.consumeTraces(traces('api', [{ route: '/x', status: 200, ms: 1, kind: SpanKind.CLIENT }, { route: '/x', status: 200, ms: 1, kind: SpanKind.INTERNAL }]), NOW);
    expect(await sample(registry, 'lookout_requests_total', { service: 'api' })).toBeUndefined();
    expect(await sample(registry, 'lookout_request_spans_ignored_total', {})).toBe(2);
  });
});
