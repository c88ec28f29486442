/**
 * One served request, as seen by any source: a server span, an access-log line, or a
 * data point of an `http.server.request.duration` metric. The request-series processor
 * turns these into lookout_requests_total / _errors_total / _duration_seconds.
 */
export interface RequestObservation {
  service: string;
  /** route template (`/users/:id`), never a raw path with ids in it */
  route: string;
  method: string;
  /** HTTP status code, or undefined for non-HTTP requests (RPC, consumer spans) */
  statusCode?: number;
  /** true when the request failed: status >= 500, or span status ERROR */
  error: boolean;
  durationSeconds: number;
  /** when the request ended, ms since the epoch */
  endTimeMs: number;
  /** for exemplars and for the sample trace ids on alerts */
  traceId?: string;
  spanId?: string;
  /** how many requests this observation stands for (1 for spans and log lines) */
  count?: number;
  /** the tenant whose token sent it; absent for the default tenant (no tenants configured) */
  tenant?: string;
}
