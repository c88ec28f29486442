/**
 * Cardinality guard: 100,000 requests with distinct raw paths (most of them words that
 * no route templating can collapse) give a bounded number of series on /metrics, with
 * the overflow counted under route="other" and in lookout_request_series_folded_total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { sampleOf } from './fixtures/sli-service/harness.ts';

const TOTAL = 100_000;
const BATCH = 5_000;

/** a lowercase word from a seeded generator: not an id, a hex string or a token, so it stays a route segment */
function word(seed: number): string {
  let x = seed * 2654435761 + 12345;
  let out = '';
  for (let i = 0; i < 7; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += String.fromCharCode(103 + (x % 20)); // g..z: never a hex digit
  }
  return out + seed.toString(26).replace(/[0-9]/g, (d) => String.fromCharCode(113 + Number(d)));
}

/** Raw paths: 1 in 3 templatable (/users/<n>), the rest distinct words under /static. */
function rawPath(i: number): string {
  return i % 3 === 0 ? `/users/${i}` : `/static/${word(i)}`;
}

function batchBody(from: number, count: number): Buffer {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'cardinality' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http');
  for (let i = from; i < from + count; i++) {
    // no http.route: the route must come from the path
    tracer
      .startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': rawPath(i), 'http.response.status_code': 200 } })
      .end();
  }
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
}

describe('request series cardinality', () => {
  let test: TestCollector;
  beforeAll(async () => {
    test = await startTestCollector();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('keeps 100,000 distinct raw paths to a bounded number of series', async () => {
    const distinct = new Set<string>();
    for (let i = 0; i < TOTAL; i++) distinct.add(rawPath(i));
    expect(distinct.size).toBe(TOTAL);

    for (let from = 0; from < TOTAL; from += BATCH) {
      const response = await fetch(`${test.collector.httpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: batchBody(from, BATCH),
      });
      expect(response.status).toBe(200);
    }
    await test.collector.queue.idle();

    const text = await (await fetch(`${test.collector.httpUrl}/metrics`)).text();
    const lines = text.split('\n').filter((l) => /^lookout_request(s_total|_errors_total|_duration_seconds_(bucket|sum|count))\{/.test(l) && l.includes('service="cardinality"'));
    const routes = new Set(lines.map((l) => /route="([^"]*)"/.exec(l)![1]!));
    const maxRoutes = test.collector.config.requestSeries.maxRoutesPerService;
    expect(maxRoutes).toBe(200);
    expect(routes.size).toBe(maxRoutes + 1);
    expect(routes.has('other')).toBe(true);
    expect(routes.has('/users/:id')).toBe(true);
    const bucketsPerSeries = test.collector.sli!.pipeline.bounds.length + 1;
    // one series per route here (all GET 2xx): requests, errors, buckets, sum, count
    expect(lines.length).toBe((maxRoutes + 1) * (2 + bucketsPerSeries + 2));
    console.log(`cardinality: ${TOTAL} distinct raw paths → ${routes.size} routes, ${lines.length} request-series lines on /metrics`);

    // Nothing is lost: every request is counted, the overflow under route="other".
    let total = 0;
    for (const line of lines.filter((l) => l.startsWith('lookout_requests_total{'))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    expect(total).toBe(TOTAL);
    const other = sampleOf(text, 'lookout_requests_total', { service: 'cardinality', route: 'other' })!;
    expect(sampleOf(text, 'lookout_request_series_folded_total', { service: 'cardinality' })).toBe(other);
    const users = sampleOf(text, 'lookout_requests_total', { service: 'cardinality', route: '/users/:id' })!;
    expect(users).toBe(Math.ceil(TOTAL / 3));
    expect(other).toBe(TOTAL - users - (maxRoutes - 1));
    expect(sampleOf(text, 'lookout_request_series')).toBeLessThanOrEqual(maxRoutes + 1);
  });
});
