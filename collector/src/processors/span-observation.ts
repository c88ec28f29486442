import type { RequestObservation } from '../model/request.ts';
import { SpanKind, StatusCode, type Attributes, type Span } from '@lookout/otlp';
import { boundedRoute, httpMethodOf, httpStatusOf, normaliseMethod, requestPathOf, stringAttribute } from './http-semantics.ts';

/** Turns a raw request path into a route template (`/users/123` → `/users/:id`). */
export type RouteTemplater = (path: string) => string;

export const UNKNOWN_SERVICE = 'unknown_service';

/** resource service.name, or `unknown_service` as the conventions say when it is missing */
export function serviceNameOf(resourceAttributes: Attributes): string {
  return stringAttribute(resourceAttributes, 'service.name') ?? UNKNOWN_SERVICE;
}

/**
 * One served request from a span, or undefined when the span is not one: only SERVER
 * and CONSUMER spans stand for requests a service handled (CLIENT/PRODUCER/INTERNAL
 * spans are work it did on the way).
 *
 * - route: http.route, else the templated request path, else (non-HTTP) the span name;
 * - method: the normalised HTTP method, '' for non-HTTP spans;
 * - error: span status ERROR, or an HTTP status >= 500 (a 4xx is the caller's fault);
 * - duration: end − start, in seconds.
 */
export function spanToObservation(span: Span, service: string, templateRoute: RouteTemplater): RequestObservation | undefined {
  if (span.kind !== SpanKind.SERVER && span.kind !== SpanKind.CONSUMER) return undefined;
  const attributes = span.attributes;
  const rawMethod = httpMethodOf(attributes);
  const statusCode = httpStatusOf(attributes);
  let route = stringAttribute(attributes, 'http.route');
  if (route === undefined) {
    const path = rawMethod !== undefined || statusCode !== undefined ? requestPathOf(attributes) : undefined;
    route = path !== undefined ? templateRoute(path) : span.name;
  }
  const error = span.status.code === StatusCode.ERROR || (statusCode !== undefined && statusCode >= 500);
  const end = span.endTimeUnixNano;
  const start = span.startTimeUnixNano;
  // The difference in BigInt, so a duration is exact (a float of ns since the epoch is
  // off by up to 256 ns, enough to move a request across a threshold bucket).
  const elapsed = end > start && start > 0n ? Number(end - start) : 0;
  return {
    service,
    route: boundedRoute(route),
    method: rawMethod !== undefined ? normaliseMethod(rawMethod) : '',
    statusCode,
    error,
    durationSeconds: elapsed / 1e9,
    endTimeMs: Math.round(Number(end) / 1e6),
    traceId: span.traceId || undefined,
    spanId: span.spanId || undefined,
  };
}
