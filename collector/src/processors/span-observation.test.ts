import { describe, expect, it } from 'vitest';
import { newAttributes, SpanKind, StatusCode, type AnyValue, type Span } from '@lookout/otlp';
import { serviceNameOf, spanToObservation } from './span-observation.ts';

/** Stand-in for the log parsers' templateRoute: digits become :id. */
const templateRoute = (path: string) => path.replace(/\/\d+(?=\/|$)/g, '/:id');

function span(fields: Partial<Span> & { attrs?: Record<string, AnyValue> } = {}): Span {
  const attributes = newAttributes();
  Object.assign(attributes, fields.attrs ?? {});
  return {
    traceId: 'aa'.repeat(16),
    spanId: 'bb'.repeat(8),
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: 'GET',
    kind: SpanKind.SERVER,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_250_000_000n,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.UNSET, message: '' },
    ...fields,
  };
}

describe('spanToObservation', () => {
  it('reads a stable-semconv HTTP server span', () => {
    const observation = spanToObservation(
      span({ attrs: { 'http.request.method': 'GET', 'http.route': '/users/:id', 'url.path': '/users/7', 'http.response.status_code': 200 } }),
      'checkout',
      templateRoute,
    );
    expect(observation).toEqual({
      service: 'checkout',
      route: '/users/:id',
      method: 'GET',
      statusCode: 200,
      error: false,
      durationSeconds: 0.25,
      endTimeMs: 1_700_000_000_250,
      traceId: 'aa'.repeat(16),
      spanId: 'bb'.repeat(8),
    });
  });

  it('templates the path of an old-semconv span without http.route and drops the query', () => {
    const observation = spanToObservation(
      span({ attrs: { 'http.method': 'post', 'http.target': '/orders/42/items?x=1', 'http.status_code': 503 } }),
      'shop',
      templateRoute,
    );
    expect(observation).toMatchObject({ route: '/orders/:id/items', method: 'POST', statusCode: 503, error: true });
  });

  it('takes the path of url.full when nothing else names it', () => {
    const observation = spanToObservation(span({ attrs: { 'http.method': 'GET', 'http.url': 'http://h:8080/a/12?q' } }), 's', templateRoute);
    expect(observation?.route).toBe('/a/:id');
  });

  it('counts span status ERROR as an error even with a 2xx, and a 4xx as no error', () => {
    const failed = spanToObservation(
      span({ status: { code: StatusCode.ERROR, message: 'boom' }, attrs: { 'http.request.method': 'GET', 'http.response.status_code': 200 } }),
      's',
      templateRoute,
    );
    expect(failed).toMatchObject({ error: true, statusCode: 200 });
    const notFound = spanToObservation(span({ attrs: { 'http.request.method': 'GET', 'http.response.status_code': 404 } }), 's', templateRoute);
    expect(notFound?.error).toBe(false);
  });

  it('names a non-HTTP consumer span by its span name, without method or status', () => {
    const observation = spanToObservation(span({ kind: SpanKind.CONSUMER, name: 'orders process' }), 'worker', templateRoute);
    expect(observation).toMatchObject({ route: 'orders process', method: '', statusCode: undefined, error: false });
  });

  it('ignores client, producer and internal spans', () => {
    for (const kind of [SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.INTERNAL, SpanKind.UNSPECIFIED])
      expect(spanToObservation(span({ kind }), 's', templateRoute)).toBeUndefined();
  });

  it('folds unknown methods into _OTHER and cuts very long routes', () => {
    const observation = spanToObservation(
      span({ attrs: { 'http.request.method': 'PURGE', 'http.route': '/x'.repeat(500) } }),
      's',
      templateRoute,
    );
    expect(observation?.method).toBe('_OTHER');
    expect(observation?.route.length).toBe(200);
  });

  it('gives duration 0 when the start time is missing or after the end', () => {
    expect(spanToObservation(span({ startTimeUnixNano: 0n }), 's', templateRoute)?.durationSeconds).toBe(0);
    expect(spanToObservation(span({ startTimeUnixNano: 1_800_000_000_000_000_000n }), 's', templateRoute)?.durationSeconds).toBe(0);
  });

  it('names the service from the resource, unknown_service when it has none', () => {
    const attributes = newAttributes();
    expect(serviceNameOf(attributes)).toBe('unknown_service');
    attributes['service.name'] = 'api';
    expect(serviceNameOf(attributes)).toBe('api');
  });
});
