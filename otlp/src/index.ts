/**
 * @lookout/otlp: the telemetry model, the OTLP codec (OTLP/protobuf and OTLP/JSON export
 * requests → the model, export responses and google.rpc.Status, model → OTLP/protobuf),
 * the size/duration parsers and `${ENV}` interpolation. Shared by the collector and both
 * agents; it depends on protobufjs only, so an agent that imports it loads no server code.
 */
export type {
  AnyValue,
  Attributes,
  Batch,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValueList,
  LogRecord,
  LogsData,
  Metric,
  MetricData,
  MetricsData,
  NumberDataPoint,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Signal,
  SignalData,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
  SummaryDataPoint,
  TracesData,
  ValueAtQuantile,
} from './telemetry.ts';
export { AggregationTemporality, newAttributes, SpanKind, StatusCode } from './telemetry.ts';

export { DecodeFault, OtlpDecodeError } from './decode-error.ts';
export type { DecodeResult } from './decode-error.ts';
export { decodeTracesProtobuf } from './traces-proto-decode.ts';
export { decodeMetricsProtobuf } from './metrics-proto-decode.ts';
export { decodeLogsProtobuf } from './logs-proto-decode.ts';
export { decodeTracesJson } from './traces-json-decode.ts';
export { decodeMetricsJson } from './metrics-json-decode.ts';
export { decodeLogsJson } from './logs-json-decode.ts';
export {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from './export-response.ts';
export type { PartialSuccess } from './export-response.ts';
export { encodeTracesProtobuf } from './traces-proto-encode.ts';
export { encodeMetricsProtobuf } from './metrics-proto-encode.ts';
export { encodeLogsProtobuf } from './logs-proto-encode.ts';

// low-level protobuf reading and writing, for other protobuf formats (Loki push) and the
// node agent's span encoder
export { enterMessage, leaveMessage, newReader, readInt64, readTag, within, type Reader } from './proto-read.ts';
export { ProtoWriter } from './proto-writer.ts';

export { parseDuration, parseSize } from './units.ts';
export { interpolateEnv } from './env.ts';
