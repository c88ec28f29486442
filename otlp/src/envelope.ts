/**
 * The part every OTLP export request shares, whatever the signal and wire format:
 * request → resource level (ResourceSpans, ResourceMetrics, ResourceLogs) → scope level
 * (ScopeSpans…) → items (spans, metrics, log records). A signal describes its envelope
 * once here; the protobuf and JSON envelope decoders walk it and call the signal's item
 * decoder, the only part a signal writes itself.
 */
import { Rejections } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import type { InstrumentationScope, LogRecord, LogsData, Metric, MetricsData, Resource, ResourceLogs, ResourceMetrics, ResourceSpans, ScopeLogs, ScopeMetrics, ScopeSpans, Span, TracesData } from './telemetry.ts';

/** What every scope level (ScopeSpans…) of the model holds besides its list. */
export interface AnyScopeLevel {
  scope: InstrumentationScope;
  schemaUrl: string;
}

/** What every resource level (ResourceSpans…) of the model holds besides its list. */
export interface AnyResourceLevel {
  resource: Resource;
  schemaUrl: string;
}

export interface Envelope<Item, ScopeLevel extends AnyScopeLevel, ResourceLevel extends AnyResourceLevel, Data> {
  /** the request message's name, for error messages */
  readonly request: string;
  /** the three list fields (resource level, scope level, items) as protobuf names them */
  readonly protoNames: readonly [string, string, string];
  /** … and as OTLP/JSON does (lowerCamelCase; the protobuf names are accepted too) */
  readonly jsonNames: readonly [string, string, string];
  scopeLevel(scope: InstrumentationScope, items: Item[], schemaUrl: string): ScopeLevel;
  resourceLevel(resource: Resource, scopes: ScopeLevel[], schemaUrl: string): ResourceLevel;
  data(resources: ResourceLevel[]): Data;
  /** the same three lists read back, for the encoders */
  resourcesOf(data: Data): ResourceLevel[];
  scopesOf(resource: ResourceLevel): ScopeLevel[];
  itemsOf(scope: ScopeLevel): Item[];
}

export const TRACES_ENVELOPE: Envelope<Span, ScopeSpans, ResourceSpans, TracesData> = {
  request: 'ExportTraceServiceRequest',
  protoNames: ['resource_spans', 'scope_spans', 'spans'],
  jsonNames: ['resourceSpans', 'scopeSpans', 'spans'],
  scopeLevel: (scope, spans, schemaUrl) => ({ scope, spans, schemaUrl }),
  resourceLevel: (resource, scopeSpans, schemaUrl) => ({ resource, scopeSpans, schemaUrl }),
  data: (resourceSpans) => ({ resourceSpans }),
  resourcesOf: (d) => d.resourceSpans, scopesOf: (rs) => rs.scopeSpans, itemsOf: (ss) => ss.spans,
};

export const METRICS_ENVELOPE: Envelope<Metric, ScopeMetrics, ResourceMetrics, MetricsData> = {
  request: 'ExportMetricsServiceRequest',
  protoNames: ['resource_metrics', 'scope_metrics', 'metrics'],
  jsonNames: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  scopeLevel: (scope, metrics, schemaUrl) => ({ scope, metrics, schemaUrl }),
  resourceLevel: (resource, scopeMetrics, schemaUrl) => ({ resource, scopeMetrics, schemaUrl }),
  data: (resourceMetrics) => ({ resourceMetrics }),
  resourcesOf: (d) => d.resourceMetrics, scopesOf: (rm) => rm.scopeMetrics, itemsOf: (sm) => sm.metrics,
};

export const LOGS_ENVELOPE: Envelope<LogRecord, ScopeLogs, ResourceLogs, LogsData> = {
  request: 'ExportLogsServiceRequest',
  protoNames: ['resource_logs', 'scope_logs', 'log_records'],
  jsonNames: ['resourceLogs', 'scopeLogs', 'logRecords'],
  scopeLevel: (scope, logRecords, schemaUrl) => ({ scope, logRecords, schemaUrl }),
  resourceLevel: (resource, scopeLogs, schemaUrl) => ({ resource, scopeLogs, schemaUrl }),
  data: (resourceLogs) => ({ resourceLogs }),
  resourcesOf: (d) => d.resourceLogs, scopesOf: (rl) => rl.scopeLogs, itemsOf: (sl) => sl.logRecords,
};

/**
 * Where an envelope decoder is, for the paths of rejected items, and what it has taken:
 * one per request, handed to the item decoder.
 */
export class DecodePlace {
  readonly rejections = new Rejections();
  /** spans, data points or log records accepted so far */
  accepted = 0;
  resourceIndex = 0;
  scopeIndex = 0;

  constructor(
    private readonly resourceList: string,
    private readonly scopeList: string,
  ) {}

  /** Records a dropped item; `itemPath` is its path below the scope level and why. */
  reject(itemPath: string): void {
    this.rejections.add(`${this.resourceList}[${this.resourceIndex}].${this.scopeList}[${this.scopeIndex}].${itemPath}`);
  }

  result<Data>(data: Data): DecodeResult<Data> {
    return { data, items: this.accepted, rejected: this.rejections.count, rejectedMessage: this.rejections.message() };
  }
}
