import { SpanKind, StatusCode, type AnyValue, type Attributes, type Span, type TracesData } from '@lookout/otlp';
import { serviceNameOf, spanToObservation, type RouteTemplater } from '../processors/span-observation.ts';

/**
 * The pure half of the recent-traces store: spans of a batch turned into plain records
 * grouped by trace, what a trace is (error? slow? which route?), which slow slot it may
 * take, and which stored traces go when the store is over its bounds. No I/O, no clock.
 */

/** A span as the status page shows it: JSON-safe (ids hex, times as decimal ns strings). */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  name: string;
  kind: string;
  startNs: string;
  endNs: string;
  durationMs: number;
  /** span status ERROR or an HTTP status >= 500 */
  error: boolean;
  statusMessage: string;
  /** http.route (or the templated path) of a SERVER/CONSUMER span */
  route?: string;
  attributes: Record<string, string>;
  events: Array<{ name: string; timeNs: string; attributes: Record<string, string> }>;
}

export interface TraceGroup {
  traceId: string;
  spans: StoredSpan[];
}

export interface RejectedSpan {
  traceId: string;
  spanId: string;
  reason: string;
}

const KIND_NAMES: Record<number, string> = {
  [SpanKind.UNSPECIFIED]: 'unspecified',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** Longest attribute value kept; a trace is for reading, not for archiving payloads. */
const MAX_VALUE_LENGTH = 1000;

function valueText(value: AnyValue): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === null) text = '';
  else if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (value instanceof Uint8Array) text = `<${value.length} bytes>`;
  else text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v));
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

function attributeTexts(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(attributes)) out[key] = valueText(attributes[key] ?? null);
  return out;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);

/** Why a span cannot be kept, or undefined when it can. */
export function spanProblem(span: Span): string | undefined {
  if (!TRACE_ID.test(span.traceId) || span.traceId === ZERO_TRACE_ID) return `trace id '${span.traceId}' is not 32 hex digits (or is all zero)`;
  if (!SPAN_ID.test(span.spanId)) return `span id '${span.spanId}' is not 16 hex digits`;
  if (span.startTimeUnixNano <= 0n || span.endTimeUnixNano < span.startTimeUnixNano) return `span times are unusable (start ${span.startTimeUnixNano}, end ${span.endTimeUnixNano})`;
  return undefined;
}

/** One span as a record; throws with the reason when it cannot be one. */
export function spanRecord(span: Span, service: string, templateRoute: RouteTemplater): StoredSpan {
  const problem = spanProblem(span);
  if (problem) throw new Error(problem);
  const observation = spanToObservation(span, service, templateRoute);
  const record: StoredSpan = {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service,
    name: span.name,
    kind: KIND_NAMES[span.kind] ?? String(span.kind),
    startNs: span.startTimeUnixNano.toString(),
    endNs: span.endTimeUnixNano.toString(),
    durationMs: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
    error: observation ? observation.error : span.status.code === StatusCode.ERROR,
    statusMessage: span.status.message,
    attributes: attributeTexts(span.attributes),
    events: span.events.map((e) => ({ name: e.name, timeNs: e.timeUnixNano.toString(), attributes: attributeTexts(e.attributes) })),
  };
  if (observation) record.route = observation.route;
  return record;
}

/** A decoded span with its resource's service, before it is turned into a record. */
export interface RawSpan {
  span: Span;
  service: string;
}

/** Spans of a batch grouped by trace, unconverted; a span that cannot be kept is rejected alone. */
export function groupRawSpans(data: TracesData): { groups: Map<string, RawSpan[]>; rejected: RejectedSpan[] } {
  const groups = new Map<string, RawSpan[]>();
  const rejected: RejectedSpan[] = [];
  for (const resourceSpans of data.resourceSpans) {
    const service = serviceNameOf(resourceSpans.resource.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const problem = spanProblem(span);
        if (problem) {
          rejected.push({ traceId: String(span.traceId), spanId: String(span.spanId), reason: problem });
          continue;
        }
        let group = groups.get(span.traceId);
        if (!group) groups.set(span.traceId, (group = []));
        group.push({ span, service });
      }
    }
  }
  return { groups, rejected };
}

/**
 * What a trace's spans of one batch say without converting them: whether any is an
 * error, and, when its root is among them, the root's service and route and the
 * trace's duration. Lets the store drop a complete, good, fast trace cheaply.
 */
export function rawVerdict(spans: readonly RawSpan[], templateRoute: RouteTemplater): { error: boolean; root?: { service: string; route: string; durationMs: number } } {
  let error = false;
  let start = 0n;
  let end = 0n;
  let root: RawSpan | undefined;
  for (const raw of spans) {
    const { span } = raw;
    if (span.status.code === StatusCode.ERROR) error = true;
    if (span.parentSpanId === '') root = raw;
    if (start === 0n || span.startTimeUnixNano < start) start = span.startTimeUnixNano;
    if (span.endTimeUnixNano > end) end = span.endTimeUnixNano;
  }
  for (const raw of spans) {
    if (error) break;
    const observation = spanToObservation(raw.span, raw.service, templateRoute);
    if (observation?.error) error = true;
  }
  if (!root) return { error };
  const observation = spanToObservation(root.span, root.service, templateRoute);
  if (!observation) return { error };
  return { error, root: { service: root.service, route: observation.route, durationMs: Number(end - start) / 1e6 } };
}

/** Spans of a batch as records, grouped by trace; a span that cannot be read is rejected alone. */
export function groupSpans(data: TracesData, templateRoute: RouteTemplater): { groups: TraceGroup[]; rejected: RejectedSpan[] } {
  const { groups, rejected } = groupRawSpans(data);
  return { groups: [...groups].map(([traceId, raw]) => ({ traceId, spans: raw.map((r) => spanRecord(r.span, r.service, templateRoute)) })), rejected };
}

export interface TraceSummary {
  traceId: string;
  /** service of the root span (or of the earliest span while the root is missing) */
  service: string;
  /** route of the root request; '' when no span of the trace is a request */
  route: string;
  rootName: string;
  /** earliest start, ms since the epoch */
  startMs: number;
  /** earliest start to latest end */
  durationMs: number;
  error: boolean;
  spanCount: number;
  /** whether the trace's root (a span without parent) is among the spans */
  hasRoot: boolean;
}

/** What a set of spans of one trace amounts to. */
export function summarise(traceId: string, spans: readonly StoredSpan[]): TraceSummary {
  let start = 0n;
  let end = 0n;
  for (const s of spans) {
    const a = BigInt(s.startNs);
    const b = BigInt(s.endNs);
    if (start === 0n || a < start) start = a;
    if (b > end) end = b;
  }
  const root = spans.find((s) => s.parentSpanId === '');
  const firstRequest = [...spans].filter((s) => s.route !== undefined).sort((a, b) => (BigInt(a.startNs) < BigInt(b.startNs) ? -1 : 1))[0];
  const head = root ?? firstRequest ?? [...spans].sort((a, b) => (BigInt(a.startNs) < BigInt(b.startNs) ? -1 : 1))[0];
  return {
    traceId,
    service: head?.service ?? '',
    route: root?.route ?? firstRequest?.route ?? '',
    rootName: head?.name ?? '',
    startMs: Number(start / 1_000_000n),
    durationMs: Number(end - start) / 1e6,
    error: spans.some((s) => s.error),
    spanCount: spans.length,
    hasRoot: root !== undefined,
  };
}

export interface SlowSlot {
  traceId: string;
  durationMs: number;
  storedAtMs: number;
}

export interface SlowPolicy {
  /** slowest traces kept per (service, route) */
  perRoute: number;
  /** a kept slow trace older than this gives its slot to any newer one, so the list stays recent */
  refreshAfterMs: number;
}

/**
 * Whether a request trace takes a slow slot of its route, and whose slot: a free slot;
 * else the slot of a trace kept longer than refreshAfterMs (the oldest); else the
 * fastest kept trace's when this one is slower.
 */
export function slowDecision(kept: readonly SlowSlot[], durationMs: number, nowMs: number, policy: SlowPolicy): { keep: boolean; evict?: string } {
  if (policy.perRoute <= 0) return { keep: false };
  if (kept.length < policy.perRoute) return { keep: true };
  const stale = kept.filter((k) => nowMs - k.storedAtMs > policy.refreshAfterMs).sort((a, b) => a.storedAtMs - b.storedAtMs)[0];
  if (stale) return { keep: true, evict: stale.traceId };
  const fastest = [...kept].sort((a, b) => a.durationMs - b.durationMs || a.storedAtMs - b.storedAtMs)[0]!;
  return durationMs > fastest.durationMs ? { keep: true, evict: fastest.traceId } : { keep: false };
}

export interface StoredTraceSize {
  traceId: string;
  storedAtMs: number;
  bytes: number;
}

/** Traces to delete, oldest stored first, until at most maxTraces and maxBytes remain. */
export function evictionOrder(stored: readonly StoredTraceSize[], limits: { maxTraces: number; maxBytes: number }): string[] {
  let count = stored.length;
  let bytes = stored.reduce((sum, t) => sum + t.bytes, 0);
  const out: string[] = [];
  for (const t of [...stored].sort((a, b) => a.storedAtMs - b.storedAtMs)) {
    if (count <= limits.maxTraces && bytes <= limits.maxBytes) break;
    out.push(t.traceId);
    count--;
    bytes -= t.bytes;
  }
  return out;
}
