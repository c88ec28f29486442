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

/**
 * A signal's envelope from its model property names (resource level, scope level, items:
 * the OTLP/JSON list names too), typed against the model; the protobuf names are their
 * snake_case. Every signal's levels are built the same way: only the names differ.
 */
function envelope<Item, ScopeLevel extends AnyScopeLevel, ResourceLevel extends AnyResourceLevel, Data>(
  request: string,
  jsonNames: readonly [keyof Data & string, keyof ResourceLevel & string, keyof ScopeLevel & string],
): Envelope<Item, ScopeLevel, ResourceLevel, Data> {
  const [resourceList, scopeList, itemList] = jsonNames;
  const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return {
    request,
    protoNames: [snakeCase(resourceList), snakeCase(scopeList), snakeCase(itemList)],
    jsonNames,
    // one literal per level: every scope level of a signal gets the same hidden class
    scopeLevel: (scope, items, schemaUrl) => ({ scope, [itemList]: items, schemaUrl }) as unknown as ScopeLevel,
    resourceLevel: (resource, scopes, schemaUrl) => ({ resource, [scopeList]: scopes, schemaUrl }) as unknown as ResourceLevel,
    data: (resources) => ({ [resourceList]: resources }) as Data,
    resourcesOf: (data) => data[resourceList] as ResourceLevel[],
    scopesOf: (resource) => resource[scopeList] as ScopeLevel[],
    itemsOf: (scope) => scope[itemList] as Item[],
  };
}

export const TRACES_ENVELOPE = envelope<Span, ScopeSpans, ResourceSpans, TracesData>('ExportTraceServiceRequest', ['resourceSpans', 'scopeSpans', 'spans']);
export const METRICS_ENVELOPE = envelope<Metric, ScopeMetrics, ResourceMetrics, MetricsData>('ExportMetricsServiceRequest', ['resourceMetrics', 'scopeMetrics', 'metrics']);
export const LOGS_ENVELOPE = envelope<LogRecord, ScopeLogs, ResourceLogs, LogsData>('ExportLogsServiceRequest', ['resourceLogs', 'scopeLogs', 'logRecords']);

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
