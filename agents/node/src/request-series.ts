/**
 * The request series the collector derives from spans (alerts/src/sli-series.ts).
 * The agent keeps a copy so it does not depend on the alerts workspace; a unit test
 * asserts the copy equals the original.
 */
export const REQUEST_DURATION_SECONDS = 'lookout_request_duration_seconds';
export const REQUEST_LABELS = ['service', 'route', 'method', 'status_class'] as const;
export const DEFAULT_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** '1xx'..'5xx' for an HTTP status code; 'error' for anything outside 100..599. */
export function statusClass(statusCode: number): string {
  const hundreds = Math.floor(statusCode / 100);
  return STATUS_CLASSES[hundreds - 1] ?? 'error';
}
