export { requestSeriesConfigSchema, type RequestSeriesConfig, type RequestSeriesConfigInput, type RequestSource } from './config.ts';
export { spanToObservation, serviceNameOf, UNKNOWN_SERVICE, type RouteTemplater } from './span-observation.ts';
export { normaliseMethod, statusClassOf, requestPathOf, MAX_ROUTE_LENGTH } from './http-semantics.ts';
export { mergeDurationBounds, bucketIndex, formatBound } from './duration-bounds.ts';
export { RequestSeries, SeriesCell, OTHER, type HistogramObservation, type RequestSeriesOptions } from './request-series.ts';
export { explicitBucketMap, addExplicitPoint, addExponentialPoint } from './rebucket.ts';
export {
  CumulativeTracker,
  type CumulativePoint,
  type CumulativeTrackerOptions,
  type DeltaOutcome,
  type DeltaResult,
} from './cumulative-tracker.ts';
export {
  DurationMetricReader,
  DURATION_METRICS,
  UNKNOWN_ROUTE,
  canonicalAttributes,
  type PointOutcome,
  type DurationMetricReaderOptions,
} from './duration-metric.ts';
export { SourcePolicy } from './source-policy.ts';
export {
  SliMatcher,
  eventMinute,
  latencyThresholds,
  sliDefinitionProblems,
  type RequestSli,
  type SliSink,
} from './sli-matcher.ts';
export { registerComputedMetric, type MetricValue } from '../core/computed-metric.ts';
export { registerRequestSeriesMetrics, type RequestPipelineMetrics } from './request-series-metrics.ts';
export { RequestPipeline, type RequestPipelineOptions } from './request-pipeline.ts';
export { startSliPipeline, sliStoreFile, type SliPipeline, type SliPipelineOptions } from './sli-pipeline.ts';
export { LogMetrics, logSourceOf, isRequestRecord, type LogMetricsOptions, type LogRequestTarget } from './log-metrics.ts';
