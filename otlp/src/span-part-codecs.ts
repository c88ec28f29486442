/** Span (trace/v1) and its parts (events, links, status), from both wire formats, and the rules a span must meet. */
import { newAttributes } from './telemetry.ts';
import type { Span, SpanEvent, SpanLink, SpanStatus } from './telemetry.ts';
import type { DecodePlace } from './envelope.ts';
import { forEachElement } from './json-common-decode.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import {
  ATTRIBUTES,
  enumeration,
  FLAGS,
  ID,
  message,
  messageCodec,
  readNested,
  STRING,
  TIME,
  UINT32,
  type FieldReader,
  type IdLengths,
} from './message-codec.ts';
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

/** The id fields as each wire format spells them, for the problems of a dropped span. */
export interface SpanIdNames {
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

export const PROTO_SPAN_NAMES: SpanIdNames = { traceId: 'trace_id', spanId: 'span_id', parentSpanId: 'parent_span_id' };
export const JSON_SPAN_NAMES: SpanIdNames = { traceId: 'traceId', spanId: 'spanId', parentSpanId: 'parentSpanId' };

/**
 * What decoding one span learns besides the span (the ctx of SPAN_CODEC): the byte
 * lengths of its ids, which ID records by property, and its first bad link.
 */
export class SpanReading {
  traceId = 0;
  spanId = 0;
  parentSpanId = 0;
  linkProblem = '';
  constructor(readonly names: SpanIdNames) {}
}

/** Appends a decoded link to the span, noting the span's first link problem in `reading`. */
function addLink(span: Span, link: SpanLink, ids: IdLengths, reading: SpanReading): void {
  const i = span.links.length;
  span.links.push(link);
  if (reading.linkProblem !== '') return;
  reading.linkProblem =
    idProblem(`links[${i}].${reading.names.traceId}`, link.traceId, ids.traceId ?? 0, 16, true) ||
    idProblem(`links[${i}].${reading.names.spanId}`, link.spanId, ids.spanId ?? 0, 8, true);
}

/** Span.links: each link's ids checked with its own lengths (a bad link drops its span). */
const LINKS: FieldReader = {
  ...message(LINK_CODEC, true),
  proto: (r, into, _prop, _tag, ctx) => {
    const ids: IdLengths = {};
    addLink(into as unknown as Span, readNested(r, LINK_CODEC, ids), ids, ctx as SpanReading);
  },
  json: (x, into, _prop, ctx) =>
    forEachElement(x, (element) => {
      const ids: IdLengths = {};
      addLink(into as unknown as Span, LINK_CODEC.decodeJson(element, ids), ids, ctx as SpanReading);
    }),
};

/**
 * The whole Span as one table, for the encoder and both decoders (decoding takes a
 * SpanReading as ctx; `checkSpan` then applies the span rules).
 */
export const SPAN_CODEC = messageCodec(SPAN, emptySpan, {
  trace_id: ID, span_id: ID, trace_state: STRING, parent_span_id: ID, name: STRING, kind: enumeration(SPAN_KINDS, 'SpanKind'),
  start_time_unix_nano: TIME, end_time_unix_nano: TIME, attributes: ATTRIBUTES, dropped_attributes_count: UINT32,
  events: message(EVENT_CODEC, true), dropped_events_count: UINT32, links: LINKS,
  dropped_links_count: UINT32, status: message(STATUS_CODEC), flags: FLAGS,
});

/** The span, or null after `place.reject` when it breaks a rule (ids, links, kind, status code). */
export function checkSpan(span: Span, reading: SpanReading, place: DecodePlace, index: number): Span | null {
  // an all-zero parent is how some SDKs say "root span"
  if (span.parentSpanId === ZERO_SPAN_ID) {
    span.parentSpanId = '';
    reading.parentSpanId = 0;
  }
  // the usual span passes these cheap tests; only a failing one has its problem spelled out
  const parentBytes = reading.parentSpanId;
  if (
    reading.traceId !== 16 || reading.spanId !== 8 || (parentBytes !== 0 && parentBytes !== 8) || reading.linkProblem !== '' ||
    span.kind > 5 || span.kind < 0 || span.status.code > 2 || span.status.code < 0 ||
    span.traceId === ZERO_TRACE_ID || span.spanId === ZERO_SPAN_ID
  ) {
    const names = reading.names;
    const problem =
      idProblem(names.traceId, span.traceId, reading.traceId, 16, true) ||
      idProblem(names.spanId, span.spanId, reading.spanId, 8, true) ||
      idProblem(names.parentSpanId, span.parentSpanId, parentBytes, 8, false) ||
      reading.linkProblem ||
      enumProblem('kind', span.kind, 5, 'SpanKind') ||
      enumProblem('status.code', span.status.code, 2, 'StatusCode');
    place.reject(`spans[${index}].${problem} (span dropped)`);
    return null;
  }
  place.accepted++;
  return span;
}
