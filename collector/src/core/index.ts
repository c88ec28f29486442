export { systemClock, type Clock } from './clock.ts';
export { childLogger, silentLogger, type Logger } from './logger.ts';
export { backoffCeiling, fullJitterDelay, parseRetryAfter } from './backoff.ts';
export type { RequestSli, SliSink, SliCounts, SliMinute } from './sli.ts';
export { parseDuration, parseSize, durationSchema, sizeSchema, portSchema } from './units.ts';
export { registerComputedMetric, type MetricValue } from './computed-metric.ts';
