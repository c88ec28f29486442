/** The parts of a Span that are plain messages (events, links, status), from both wire formats, and an empty Span. */
import { newAttributes } from './telemetry.ts';
import type { Span, SpanEvent, SpanLink, SpanStatus } from './telemetry.ts';
import { idProblem } from './item-checks.ts';
import { ATTRIBUTES, enumeration, FLAGS, ID, message, messageCodec, STRING, TIME, UINT32, type IdLengths } from './message-codec.ts';
import { EVENT, LINK, SPAN, STATUS } from './proto-schema.ts';

export function emptySpan(): Span {
  // one literal (called once per span): every span gets the same hidden class
  return {
    traceId: '', spanId: '', traceState: '', parentSpanId: '', flags: 0, name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: newAttributes(), droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}

export const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];

export const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

export const EVENT_CODEC = messageCodec(
  EVENT,
  (): SpanEvent => ({ timeUnixNano: 0n, name: '', attributes: newAttributes(), droppedAttributesCount: 0 }),
  {
    time_unix_nano: TIME, name: STRING, attributes: ATTRIBUTES, dropped_attributes_count: UINT32,
  },
);

export const LINK_CODEC = messageCodec(
  LINK,
  (): SpanLink => ({ traceId: '', spanId: '', traceState: '', attributes: newAttributes(), droppedAttributesCount: 0, flags: 0 }),
  {
    trace_id: ID, span_id: ID, trace_state: STRING, attributes: ATTRIBUTES, dropped_attributes_count: UINT32,
    flags: FLAGS,
  },
);

export const STATUS_CODEC = messageCodec(STATUS, (): SpanStatus => ({ code: 0, message: '' }), {
  message: STRING, code: enumeration(STATUS_CODES, 'StatusCode'),
});

/** Appends a decoded link to the span; returns the span's first link problem ('' when none). */
export function addLink(span: Span, link: SpanLink, ids: IdLengths, problem: string, names: { traceId: string; spanId: string }): string {
  const i = span.links.length;
  span.links.push(link);
  return (
    problem ||
    idProblem(`links[${i}].${names.traceId}`, link.traceId, ids.traceId ?? 0, 16, true) ||
    idProblem(`links[${i}].${names.spanId}`, link.spanId, ids.spanId ?? 0, 8, true)
  );
}

/**
 * The whole Span as a table: what the encoder writes. (Spans are decoded by the
 * hand-written loops of traces-proto-decode.ts and traces-json-decode.ts: the hot path.)
 */
export const SPAN_CODEC = messageCodec(SPAN, emptySpan, {
  trace_id: ID, span_id: ID, trace_state: STRING, parent_span_id: ID, name: STRING, kind: enumeration(SPAN_KINDS, 'SpanKind'),
  start_time_unix_nano: TIME, end_time_unix_nano: TIME, attributes: ATTRIBUTES, dropped_attributes_count: UINT32,
  events: message(EVENT_CODEC, true), dropped_events_count: UINT32, links: message(LINK_CODEC, true),
  dropped_links_count: UINT32, status: message(STATUS_CODEC), flags: FLAGS,
});
