export { systemClock, type Clock } from './clock.ts';
export { childLogger, silentLogger, type Logger } from './logger.ts';
export { backoffCeiling, fullJitterDelay, parseRetryAfter } from './backoff.ts';
export type { RequestSli, SliSink, SliCounts, SliMinute } from './sli.ts';
export { parseDuration, parseSize, durationSchema, sizeSchema, portSchema } from './units.ts';
export { registerComputedMetric, type MetricValue } from './computed-metric.ts';
export { disableAllocationSitePretenuring } from './v8-heap.ts';
export { DEFAULT_TENANT, ALL_TENANTS, tenantServiceKey, splitTenantServiceKey } from './tenant.ts';
export { stopSignalGate, RELAYED_SIGNAL_WINDOW_MS, type StopDecision } from './stop-signals.ts';
