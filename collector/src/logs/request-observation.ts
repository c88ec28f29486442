import type { LogRecord } from '@lookout/otlp';
import type { RequestObservation } from '../model/request.ts';
import { REQUEST_DURATION_ATTRIBUTE } from './access-log-parser.ts';
import { INVALID_ROUTE, templateRoute } from './route-template.ts';

/** A request seen in a log line. Access logs without a duration field carry no latency. */
export interface LogRequestObservation extends RequestObservation {
  /** false when the line had no duration: durationSeconds is then 0 and must not feed latency SLIs */
  latencyKnown: boolean;
}

/** Labels of the stream a record came from (Loki stream labels, file config, syslog peer …). */
export type StreamLabels = Readonly<Record<string, string>>;

/** The OpenTelemetry default when no service is named. */
export const UNKNOWN_SERVICE = 'unknown_service';

/**
 * Longest duration taken as a request's latency (7 days): a bigger value is a broken
 * field, and one such line would make the histogram's _sum useless forever.
 */
export const MAX_REQUEST_SECONDS = 7 * 86_400;

/** An HTTP status a request series can use: an integer in 100..599. */
export function isHttpStatusCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599;
}

const SERVICE_LABELS = ['service.name', 'service_name', 'service', 'app', 'job'] as const;

/** The service a stream belongs to: the first of service.name, service_name, service, app, job. */
export function serviceFromLabels(labels: StreamLabels): string {
  for (const key of SERVICE_LABELS) {
    const value = labels[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return UNKNOWN_SERVICE;
}

/**
 * A log record that describes a served HTTP request (access logs, pino-http, user
 * patterns with `<status>`) → a request observation; undefined for any other record.
 * The route is `http.route` when the line has one, else the templated `url.path`.
 * The end time is the record's time (the observed time when it has none): access
 * logs write one timestamp per request and that is what a per-minute SLI needs.
 * A status that is not an integer in 100..599 (`200.5`, `-1`, `1e12`) gives undefined:
 * the caller counts the record as rejected (`invalid_status_code`) and goes on.
 */
export function requestFromLogRecord(record: LogRecord, labels: StreamLabels): LogRequestObservation | undefined {
  const attributes = record.attributes;
  const status = attributes['http.response.status_code'];
  if (!isHttpStatusCode(status)) return undefined;
  const method = attributes['http.request.method'];
  const explicitRoute = attributes['http.route'];
  const path = attributes['url.path'];
  const route =
    typeof explicitRoute === 'string' && explicitRoute !== ''
      ? explicitRoute
      : typeof path === 'string' && path !== ''
        ? templateRoute(path)
        : INVALID_ROUTE;
  const duration = attributes[REQUEST_DURATION_ATTRIBUTE];
  const latencyKnown = typeof duration === 'number' && Number.isFinite(duration) && duration >= 0 && duration <= MAX_REQUEST_SECONDS;
  const timeNs = record.timeUnixNano !== 0n ? record.timeUnixNano : record.observedTimeUnixNano;
  const observation: LogRequestObservation = {
    service: serviceFromLabels(labels),
    route,
    method: typeof method === 'string' ? method : '_OTHER',
    statusCode: status,
    error: status >= 500,
    durationSeconds: latencyKnown ? duration : 0,
    endTimeMs: Number(timeNs / 1_000_000n),
    latencyKnown,
    count: 1,
  };
  if (record.traceId !== '') observation.traceId = record.traceId;
  if (record.spanId !== '') observation.spanId = record.spanId;
  return observation;
}
