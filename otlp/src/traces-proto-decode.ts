/**
 * ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) protobuf → model:
 * the span decoder, under the shared envelope decoder. Field numbers are from
 * opentelemetry/proto/trace/v1/trace.proto.
 */
import { newAttributes } from './telemetry.ts';
import type { Span, SpanKind, StatusCode } from './telemetry.ts';
import { TRACES_ENVELOPE, type DecodePlace } from './envelope.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import { readKeyValue } from './proto-common-decode.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';
import { enterMessage, isField, leaveMessage, otherField, readFixed32, readFixed64, readId, readLen, readString, readTag, schema, segmentOf, within } from './proto-read.ts';
import type { Reader } from './proto-read.ts';
import { EVENT, LINK, SPAN, STATUS } from './proto-schema.ts';


export const decodeTracesProtobuf = protoRequestDecoder(TRACES_ENVELOPE, decodeSpan);

/** Decodes one Span; returns null (and records why) when the span is invalid. */
function decodeSpan(r: Reader, place: DecodePlace, index: number): Span | null {
  // the tags as locals: the switch compares registers, not property loads
  const { attributes, trace_id, span_id, trace_state, parent_span_id, name, kind, start_time_unix_nano } = SPAN.tag;
  const { end_time_unix_nano, dropped_attributes_count, events, dropped_events_count, links, dropped_links_count } = SPAN.tag;
  const { status, flags } = SPAN.tag;
  const span: Span = {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: newAttributes(),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
  let traceIdBytes = 0;
  let spanIdBytes = 0;
  let parentBytes = 0;
  let linkProblem = '';
  let attrIndex = 0;
  let tag = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      switch (tag) {
        case attributes:
          readKeyValue(r, span.attributes);
          attrIndex++;
          break;
        case trace_id:
          traceIdBytes = readLen(r);
          span.traceId = readId(r, traceIdBytes);
          break;
        case span_id:
          spanIdBytes = readLen(r);
          span.spanId = readId(r, spanIdBytes);
          break;
        case trace_state:
          span.traceState = readString(r);
          break;
        case parent_span_id:
          parentBytes = readLen(r);
          span.parentSpanId = readId(r, parentBytes);
          break;
        case name:
          span.name = readString(r);
          break;
        case kind:
          span.kind = r.int32() as SpanKind;
          break;
        case start_time_unix_nano:
          span.startTimeUnixNano = readFixed64(r);
          break;
        case end_time_unix_nano:
          span.endTimeUnixNano = readFixed64(r);
          break;
        case dropped_attributes_count:
          span.droppedAttributesCount = r.uint32();
          break;
        case events:
          readEvent(r, span);
          break;
        case dropped_events_count:
          span.droppedEventsCount = r.uint32();
          break;
        case links:
          linkProblem = readLink(r, span, linkProblem);
          break;
        case dropped_links_count:
          span.droppedLinksCount = r.uint32();
          break;
        case status:
          readStatus(r, span);
          break;
        case flags:
          span.flags = readFixed32(r);
          break;
        default:
          otherField(r, tag, SPAN);
      }
    }
  } catch (e) {
    const i = isField(tag, attributes) ? attrIndex : isField(tag, events) ? span.events.length : isField(tag, links) ? span.links.length : -1;
    throw within(e, r, segmentOf(SPAN, tag, i));
  }
  // an all-zero parent is how some SDKs say "root span"
  if (parentBytes === 8 && span.parentSpanId === ZERO_SPAN_ID) span.parentSpanId = '';
  if (traceIdBytes !== 16 || spanIdBytes !== 8 || (parentBytes !== 0 && parentBytes !== 8) || linkProblem !== '' || span.kind > 5 || span.kind < 0 || span.status.code > 2 || span.status.code < 0) {
    const problem =
      idProblem('trace_id', span.traceId, traceIdBytes, 16, true) ||
      idProblem('span_id', span.spanId, spanIdBytes, 8, true) ||
      idProblem('parent_span_id', span.parentSpanId, parentBytes, 8, false) ||
      linkProblem ||
      enumProblem('kind', span.kind, 5, 'SpanKind') ||
      enumProblem('status.code', span.status.code, 2, 'StatusCode');
    place.reject(`spans[${index}].${problem} (span dropped)`);
    return null;
  }
  if (span.traceId === ZERO_TRACE_ID || span.spanId === ZERO_SPAN_ID) {
    const problem = idProblem('trace_id', span.traceId, 16, 16, true) || idProblem('span_id', span.spanId, 8, 8, true);
    place.reject(`spans[${index}].${problem} (span dropped)`);
    return null;
  }
  place.accepted++;
  return span;
}

/** Decodes the Event that starts here into `span.events`. */
function readEvent(r: Reader, span: Span): void {
  const { time_unix_nano, name, attributes, dropped_attributes_count } = EVENT.tag;
  const outer = enterMessage(r);
  const ev = { timeUnixNano: 0n, name: '', attributes: newAttributes(), droppedAttributesCount: 0 };
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === attributes) {
        readKeyValue(r, ev.attributes);
        attrIndex++;
      } else if (tag === time_unix_nano) ev.timeUnixNano = readFixed64(r);
      else if (tag === name) ev.name = readString(r);
      else if (tag === dropped_attributes_count) ev.droppedAttributesCount = r.uint32();
      else otherField(r, tag, EVENT);
    }
  } catch (e) {
    throw within(e, r, segmentOf(EVENT, tag, isField(tag, attributes) ? attrIndex : -1));
  }
  leaveMessage(r, outer);
  span.events.push(ev);
}

/**
 * Decodes the Link that starts here into `span.links`; returns the span's first link
 * problem (`problem` if there was one already).
 */
function readLink(r: Reader, span: Span, problem: string): string {
  const { trace_id, span_id, trace_state, attributes, dropped_attributes_count, flags } = LINK.tag;
  const outer = enterMessage(r);
  const link = { traceId: '', spanId: '', traceState: '', attributes: newAttributes(), droppedAttributesCount: 0, flags: 0 };
  let traceIdBytes = 0;
  let spanIdBytes = 0;
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === trace_id) {
        traceIdBytes = readLen(r);
        link.traceId = readId(r, traceIdBytes);
      } else if (tag === span_id) {
        spanIdBytes = readLen(r);
        link.spanId = readId(r, spanIdBytes);
      } else if (tag === trace_state) link.traceState = readString(r);
      else if (tag === attributes) {
        readKeyValue(r, link.attributes);
        attrIndex++;
      } else if (tag === dropped_attributes_count) link.droppedAttributesCount = r.uint32();
      else if (tag === flags) link.flags = readFixed32(r);
      else otherField(r, tag, LINK);
    }
  } catch (e) {
    throw within(e, r, segmentOf(LINK, tag, isField(tag, attributes) ? attrIndex : -1));
  }
  leaveMessage(r, outer);
  const i = span.links.length;
  span.links.push(link);
  return (
    problem ||
    idProblem(`links[${i}].trace_id`, link.traceId, traceIdBytes, 16, true) ||
    idProblem(`links[${i}].span_id`, link.spanId, spanIdBytes, 8, true)
  );
}

function readStatus(r: Reader, span: Span): void {
  const { message, code } = STATUS.tag;
  const outer = enterMessage(r);
  let tag = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === message) span.status.message = readString(r);
      else if (tag === code) span.status.code = r.int32() as StatusCode;
      else otherField(r, tag, STATUS);
    }
  } catch (e) {
    throw within(e, r, segmentOf(STATUS, tag, -1));
  }
  leaveMessage(r, outer);
}
