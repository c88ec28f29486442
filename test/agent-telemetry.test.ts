import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch, HistogramDataPoint, LogRecord, LogsData, MetricsData, Span, TracesData } from '@lookout/otlp';
import { DEFAULT_DURATION_BUCKETS_SECONDS } from '../alerts/src/sli-series.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { eventually, startAgentApp, type AgentApp, type Loader } from './fixtures/agent-apps/harness.ts';
import { freePort } from './helpers/server-process.ts';

/**
 * Real fastify and node:http services, as ES modules and as CommonJS, under the agent
 * (`--import` / `-r @lookout/agent/register`), exporting to a real collector: spans,
 * metrics and logs arrive with the right attributes, pino lines carry their span's ids.
 */

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector?.close();
});

function spansOf(batches: Batch[]): Array<{ span: Span; resource: Record<string, unknown> }> {
  return batches.flatMap((b) =>
    (b.data as TracesData).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource.attributes })))),
  );
}
function logsOf(batches: Batch[]): Array<{ record: LogRecord; resource: Record<string, unknown> }> {
  return batches.flatMap((b) =>
    (b.data as LogsData).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((record) => ({ record, resource: rl.resource.attributes })))),
  );
}
function histogramPoints(batches: Batch[], name: string, pid: number): HistogramDataPoint[] {
  const points: HistogramDataPoint[] = [];
  for (const b of batches) {
    for (const rm of (b.data as MetricsData).resourceMetrics) {
      if (rm.resource.attributes['process.pid'] !== pid) continue;
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) if (m.name === name && m.data.type === 'histogram') points.push(...m.data.dataPoints);
    }
  }
  return points;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';

const CASES: Array<{ file: string; loader: Loader; kind: string }> = [
  { file: 'fastify-app.mjs', loader: 'esm', kind: 'fastify, ES module, with the plugin' },
  { file: 'fastify-app.cjs', loader: 'cjs', kind: 'fastify, CommonJS, no plugin' },
  { file: 'http-app.mjs', loader: 'esm', kind: 'node:http, ES module' },
  { file: 'http-app.cjs', loader: 'cjs', kind: 'node:http, CommonJS' },
];

describe.each(CASES)('$kind ($file under $loader register)', ({ file, loader }) => {
  let app: AgentApp;
  let metricsPort: number;
  afterAll(() => app?.kill());

  it('sends spans, metrics and logs to the collector and puts trace ids on pino lines', { timeout: 30_000 }, async () => {
    metricsPort = await freePort();
    app = await startAgentApp(file, loader, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.httpUrl,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      LOOKOUT_METRICS_PORT: String(metricsPort),
      LOOKOUT_METRICS_HOST: '127.0.0.1',
    });
    const pid = app.child.pid!;

    const user = await fetch(`${app.url}/users/42`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` } });
    expect(user.status).toBe(200);
    expect(await user.json()).toEqual({ id: '42' });
    const echo = await fetch(`${app.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await echo.json()).toEqual({ a: 1 });
    expect((await fetch(`${app.url}/fail`)).status).toBe(500);

    // Spans: the server span joins the caller's trace, has the route template and the resource.
    const mine = () => spansOf(collector.batches.traces).filter((s) => s.resource['process.pid'] === pid);
    const userSpan = await eventually('the /users/:id server span', () => mine().find((s) => s.span.attributes['http.route'] === '/users/:id'));
    expect(userSpan.span.traceId).toBe(TRACE_ID);
    expect(userSpan.span.parentSpanId).toBe(PARENT_SPAN_ID);
    expect(userSpan.span.kind).toBe(2); // SERVER
    expect(userSpan.span.name).toBe('GET /users/:id');
    expect(userSpan.span.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.path': '/users/42', 'http.response.status_code': 200 });
    expect(userSpan.span.endTimeUnixNano - userSpan.span.startTimeUnixNano).toBeGreaterThan(1_000_000n); // the handler waits 2 ms
    expect(userSpan.resource).toMatchObject({
      'service.name': 'agent-fixture-app', // from the fixture's package.json
      'service.version': '1.2.3',
      'telemetry.distro.name': '@lookout/agent',
      'process.runtime.name': 'nodejs',
    });
    expect(typeof userSpan.resource['host.name']).toBe('string');
    const failSpan = await eventually('the /fail span', () => mine().find((s) => s.span.attributes['http.route'] === '/fail'));
    expect(failSpan.span.status.code).toBe(2); // ERROR
    expect(failSpan.span.attributes['http.response.status_code']).toBe(500);
    const echoSpan = await eventually('the /echo span', () => mine().find((s) => s.span.attributes['http.route'] === '/echo'));
    expect(echoSpan.span.attributes['http.request.method']).toBe('POST');
    // the exporter's own requests are not traced
    expect(mine().every((s) => !String(s.span.attributes['url.path'] ?? '').startsWith('/v1/'))).toBe(true);

    // Logs over OTLP carry the span they were written in.
    const myLogs = () => logsOf(collector.batches.logs).filter((l) => l.resource['process.pid'] === pid);
    const userLog = await eventually('the "looked up user" log record', () => myLogs().find((l) => JSON.stringify(l.record.body).includes('looked up user')));
    expect(userLog.record.traceId).toBe(TRACE_ID);
    expect(userLog.record.spanId).toBe(userSpan.span.spanId);
    expect(userLog.resource['service.name']).toBe('agent-fixture-app');
    const echoLog = await eventually('the "echoing body" log record', () => myLogs().find((l) => JSON.stringify(l.record.body).includes('echoing body')));
    // written after the body was read: the context survives the request's 'data'/'end' events
    expect(echoLog.record.spanId).toBe(echoSpan.span.spanId);

    // pino's own lines (stdout) carry the same ids.
    const pinoLines = app.stdoutLines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const userLine = pinoLines.find((l) => l.msg === 'looked up user');
    expect(userLine).toMatchObject({ trace_id: TRACE_ID, span_id: userSpan.span.spanId });
    expect(pinoLines.find((l) => l.msg === 'echoing body')).toMatchObject({ trace_id: echoSpan.span.traceId, span_id: echoSpan.span.spanId });

    // Metrics: the request histogram with the collector's labels and buckets.
    const points = await eventually('lookout_request_duration_seconds for /users/:id', () => {
      const found = histogramPoints(collector.batches.metrics, 'lookout_request_duration_seconds', pid).filter((p) => p.attributes.route === '/users/:id');
      return found.length > 0 ? found : undefined;
    });
    const point = points[points.length - 1]!;
    expect(point.attributes).toEqual({ service: 'agent-fixture-app', route: '/users/:id', method: 'GET', status_class: '2xx' });
    expect(point.explicitBounds).toEqual([...DEFAULT_DURATION_BUCKETS_SECONDS]);
    expect(point.count).toBe(1);
    expect(point.bucketCounts.reduce((a, b) => a + b, 0)).toBe(1);
    const failPoint = await eventually('the 5xx series', () =>
      histogramPoints(collector.batches.metrics, 'lookout_request_duration_seconds', pid).find((p) => p.attributes.status_class === '5xx'),
    );
    expect(failPoint.attributes.route).toBe('/fail');

    // The same series on the Prometheus endpoint, with default process metrics.
    const exposition = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(exposition).toContain('lookout_request_duration_seconds_bucket{service="agent-fixture-app",route="/users/:id",method="GET",status_class="2xx",le="0.005"}');
    expect(exposition).toMatch(/lookout_request_duration_seconds_count\{service="agent-fixture-app",route="\/users\/:id",method="GET",status_class="2xx"\} 1/);
    expect(exposition).toContain('process_resident_memory_bytes');
    expect(exposition).toContain('lookout_agent_exported_total{signal="traces"}');

    // Nothing on stderr but (at most) the agent's own prefixed lines.
    expect(app.stderrLines().filter((l) => !l.startsWith('lookout-agent:'))).toEqual([]);

    // SIGTERM: flushes and exits the way it would without the agent.
    app.child.kill('SIGTERM');
    const ended = await Promise.race([app.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
