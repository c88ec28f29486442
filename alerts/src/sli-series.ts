/**
 * Names of the request series the collector derives from spans, OTLP metrics and
 * access logs, and exposes on /metrics. SLO rule export, dashboards and the node
 * agent's prom-client histogram all use these, so they are defined once, here.
 *
 * Labels on every request series: service, route, method, status_class
 * (status_class is '1xx'..'5xx', or 'error'/'ok' for non-HTTP spans).
 */
export const REQUESTS_TOTAL = 'lookout_requests_total';
/** requests that count as errors: status >= 500 by default, or span status ERROR */
export const REQUEST_ERRORS_TOTAL = 'lookout_request_errors_total';
/** histogram in seconds; its buckets include every SLO latency threshold */
export const REQUEST_DURATION_SECONDS = 'lookout_request_duration_seconds';

export const REQUEST_LABELS = ['service', 'route', 'method', 'status_class'] as const;

/** Default histogram buckets in seconds (SLO thresholds are merged in at run time). */
export const DEFAULT_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/**
 * Per-SLO event counters the collector exposes from its SLI store, so that
 * Prometheus rules can evaluate exactly the (good, total) the evaluator uses.
 * Labels: slo, service.
 */
export const SLO_EVENTS_TOTAL = 'lookout_slo_events_total';
export const SLO_GOOD_EVENTS_TOTAL = 'lookout_slo_good_events_total';
