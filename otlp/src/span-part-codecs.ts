/** The parts of a Span that are plain messages (events, links, status), from both wire formats, and an empty Span. */
import { newAttributes } from './telemetry.ts';
import type { Span, SpanEvent, SpanLink, SpanStatus } from './telemetry.ts';
import { idProblem } from './item-checks.ts';
import { ATTRIBUTES, enumeration, FLAGS, ID, messageCodec, STRING, TIME, UINT32, type IdLengths } from './message-codec.ts';
import { EVENT, LINK, STATUS } from './proto-schema.ts';

export function emptySpan(): Span {
  // one literal (called once per span): every span gets the same hidden class
  return {
    traceId: '', spanId: '', traceState: '', parentSpanId: '', flags: 0, name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: newAttributes(), droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}

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
