export { buildCollector, startCollector, PIPELINE, type BuiltCollector, type CollectorOptions, type RunningCollector } from './collector.ts';
export type { ComponentContext, ComponentFactory, Component, ComponentKind } from './component/component.ts';
export { PipelineGraph, PipelineGraphError, stopOrder, type PipelineEdge, type PipelineNode, type ComponentView } from './pipeline/graph.ts';
export { parseConfig, loadConfigFile, defaultConfig, ConfigError, interpolateEnv, type ConfigProblem } from './config/load.ts';
export { parseDuration, parseSize, durationSchema, sizeSchema } from './core/units.ts';
export { configSchema, type LookoutConfig } from './config/schema.ts';
export { BoundedQueue, type Consumer, type OfferResult } from './pipeline/bounded-queue.ts';
export { createSelfMetrics, type SelfMetrics } from './pipeline/self-metrics.ts';
export type {
  AnyValue,
  Attributes,
  Batch,
  LogRecord,
  LogsData,
  Metric,
  MetricsData,
  Signal,
  Span,
  TracesData,
} from './model/telemetry.ts';
export type { RequestObservation } from './model/request.ts';
export { newAttributes, AggregationTemporality } from './model/telemetry.ts';
export type {
  KeyValueList,
  Resource,
  InstrumentationScope,
  NumberDataPoint,
  MetricData,
  ResourceMetrics,
  ScopeMetrics,
  ResourceLogs,
  ScopeLogs,
} from './model/telemetry.ts';
export { encodeLogsProtobuf } from './otlp/logs-proto-encode.ts';
export { encodeMetricsProtobuf } from './otlp/metrics-proto-encode.ts';
