import { SpanKind, StatusCode, type AnyValue, type Attributes, type Span, type TracesData } from '../model/telemetry.ts';
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

const HEX_ID = /^[0-9a-f]+$/;

/** One span as a record; throws with the reason when it cannot be one. */
export function spanRecord(span: Span, service: string, templateRoute: RouteTemplater): StoredSpan {
  if (span.traceId.length !== 32 || !HEX_ID.test(span.traceId) || /^0+$/.test(span.traceId)) {
    throw new Error(`trace id '${span.traceId}' is not 32 hex digits (or is all zero)`);
  }
  if (span.spanId.length !== 16 || !HEX_ID.test(span.spanId)) throw new Error(`span id '${span.spanId}' is not 16 hex digits`);
  if (span.startTimeUnixNano <= 0n || span.endTimeUnixNano < span.startTimeUnixNano) {
    throw new Error(`span times are unusable (start ${span.startTimeUnixNano}, end ${span.endTimeUnixNano})`);
  }
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

/** Spans of a batch as records, grouped by trace; a span that cannot be read is rejected alone. */
export function groupSpans(data: TracesData, templateRoute: RouteTemplater): { groups: TraceGroup[]; rejected: RejectedSpan[] } {
  const byTrace = new Map<string, TraceGroup>();
  const rejected: RejectedSpan[] = [];
  for (const resourceSpans of data.resourceSpans) {
    const service = serviceNameOf(resourceSpans.resource.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        let record: StoredSpan;
        try {
          record = spanRecord(span, service, templateRoute);
        } catch (error) {
          rejected.push({ traceId: String(span.traceId), spanId: String(span.spanId), reason: (error as Error).message });
          continue;
        }
        let group = byTrace.get(record.traceId);
        if (!group) byTrace.set(record.traceId, (group = { traceId: record.traceId, spans: [] }));
        group.spans.push(record);
      }
    }
  }
  return { groups: [...byTrace.values()], rejected };
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
