/**
 * The collector's internal model of OTLP data. It mirrors the OTLP protobuf messages
 * (opentelemetry/proto v1) closely so that nothing is lost between receive and export,
 * with a few representation choices made once, here:
 *
 * - trace and span ids are lowercase hex strings ('' when absent);
 * - timestamps are `bigint` nanoseconds since the Unix epoch (0n when absent), because
 *   a JS number cannot hold them exactly;
 * - 64-bit integers (attribute ints, counts, int data points) are `number` when they fit
 *   in Number.MAX_SAFE_INTEGER and `bigint` when they do not;
 * - attributes are a plain object keyed by attribute name (OTLP requires unique keys;
 *   on duplicates the last one wins).
 */

/** A kvlist value: nested attributes. Always created with `newAttributes()`. */
export interface KeyValueList {
  [key: string]: AnyValue;
}

/**
 * An OTLP AnyValue. string | bool | int (number or bigint) | double (number) |
 * bytes (Uint8Array) | array (AnyValue[]) | kvlist (KeyValueList) | empty (null).
 */
export type AnyValue =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | AnyValue[]
  | KeyValueList
  | null;

export type Attributes = KeyValueList;

/** A fresh attribute map with no prototype, so keys like `__proto__` are plain data. */
export function newAttributes(): Attributes {
  return Object.create(null) as Attributes;
}

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

// ---------------------------------------------------------------- traces

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

export interface SpanStatus {
  code: StatusCode;
  message: string;
}

export interface Span {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  flags: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: SpanStatus;
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

export interface TracesData {
  resourceSpans: ResourceSpans[];
}

// ---------------------------------------------------------------- metrics

export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;
export type AggregationTemporality =
  (typeof AggregationTemporality)[keyof typeof AggregationTemporality];

export interface Exemplar {
  filteredAttributes: Attributes;
  timeUnixNano: bigint;
  /** as_double or as_int */
  value: number | bigint;
  spanId: string;
  traceId: string;
}

export interface NumberDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** as_double (number) or as_int (number, or bigint beyond 2^53) */
  value: number | bigint;
  /** which oneof field carried the value */
  valueType: 'double' | 'int';
  exemplars: Exemplar[];
  flags: number;
}

export interface HistogramDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum?: number;
  bucketCounts: number[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  flags: number;
  min?: number;
  max?: number;
}

export interface ExponentialHistogramBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface ExponentialHistogramDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum?: number;
  scale: number;
  zeroCount: number;
  positive: ExponentialHistogramBuckets;
  negative: ExponentialHistogramBuckets;
  flags: number;
  exemplars: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold: number;
}

export interface ValueAtQuantile {
  quantile: number;
  value: number;
}

export interface SummaryDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number;
  quantileValues: ValueAtQuantile[];
  flags: number;
}

export type MetricData =
  | { type: 'gauge'; dataPoints: NumberDataPoint[] }
  | {
      type: 'sum';
      dataPoints: NumberDataPoint[];
      aggregationTemporality: AggregationTemporality;
      isMonotonic: boolean;
    }
  | {
      type: 'histogram';
      dataPoints: HistogramDataPoint[];
      aggregationTemporality: AggregationTemporality;
    }
  | {
      type: 'exponentialHistogram';
      dataPoints: ExponentialHistogramDataPoint[];
      aggregationTemporality: AggregationTemporality;
    }
  | { type: 'summary'; dataPoints: SummaryDataPoint[] }
  /** a metric with none of the data fields set (valid on the wire, carries no points) */
  | { type: 'empty' };

export interface Metric {
  name: string;
  description: string;
  unit: string;
  metadata: Attributes;
  data: MetricData;
}

export interface ScopeMetrics {
  scope: InstrumentationScope;
  metrics: Metric[];
  schemaUrl: string;
}

export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}

export interface MetricsData {
  resourceMetrics: ResourceMetrics[];
}

// ---------------------------------------------------------------- logs

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl: string;
}

export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}

export interface LogsData {
  resourceLogs: ResourceLogs[];
}

// ---------------------------------------------------------------- envelopes

export type Signal = 'traces' | 'metrics' | 'logs';

export interface SignalData {
  traces: TracesData;
  metrics: MetricsData;
  logs: LogsData;
}

/** What a receiver hands to the pipeline: one decoded export request. */
export interface Batch<S extends Signal = Signal> {
  signal: S;
  data: SignalData[S];
  /** spans, data points or log records in this batch */
  items: number;
  /** encoded size on the wire (after decompression), for the queue's byte bound */
  bytes: number;
  /** tenant from bearer-token auth; 'default' when auth is off */
  tenant: string;
  /** which receiver produced it, e.g. 'otlp-http', 'otlp-grpc', 'syslog' */
  receiver: string;
  receivedAtMs: number;
}
