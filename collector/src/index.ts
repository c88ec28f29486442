export { buildCollector, startCollector, PIPELINE, type BuiltCollector, type CollectorOptions, type RunningCollector } from './collector.ts';
export type { ComponentContext, ComponentFactory, Component, ComponentKind } from './component/component.ts';
export { PipelineGraph, PipelineGraphError, stopOrder, type PipelineEdge, type PipelineNode, type ComponentView } from './pipeline/graph.ts';
export { parseConfig, loadConfigFile, defaultConfig, ConfigError, type ConfigProblem } from './config/load.ts';
export { durationSchema, sizeSchema } from './core/units.ts';

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
} from '@lookout/otlp';
export type { RequestObservation } from './model/request.ts';
export { newAttributes, AggregationTemporality } from '@lookout/otlp';
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
} from '@lookout/otlp';
// the model, codec and config helpers live in @lookout/otlp; re-exported for the
// collector's embedders
export { encodeLogsProtobuf, encodeMetricsProtobuf, interpolateEnv, parseDuration, parseSize } from '@lookout/otlp';
