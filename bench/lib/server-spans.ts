import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * Server spans as HTTP instrumentations make them (~10 attributes): 3 services, 20 routes,
 * half with http.route and half only a raw path (templated), 2 % errors, latencies spread
 * over the buckets.
 */
export function serverSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const spans: ReadableSpan[] = [];
  for (const service of ['checkout', 'catalog', 'users']) {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3', 'host.name': 'web-1', 'process.pid': 4242 }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
    const start = Date.now();
    for (let i = 0; i < count / 3; i++) {
      const route = `/api/r${i % 20}/:id`;
      const path = `/api/r${i % 20}/${10_000 + i}`;
      const span = tracer.startSpan(i % 2 ? `GET ${route}` : 'GET', {
        kind: SpanKind.SERVER,
        startTime: start,
        attributes: {
          'http.request.method': i % 7 === 0 ? 'POST' : 'GET',
          ...(i % 2 ? { 'http.route': route } : {}),
          'url.path': path,
          'url.scheme': 'http',
          'http.response.status_code': i % 50 === 0 ? 500 : 200,
          'server.address': `${service}.internal`,
          'server.port': 8080,
          'client.address': '10.1.2.3',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) bench',
          'network.protocol.version': '1.1',
        },
      });
      span.end(start + (i % 400));
    }
  }
  spans.push(...memory.getFinishedSpans());
  return spans.slice(0, count);
}
