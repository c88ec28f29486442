/**
 * ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) protobuf → model:
 * the span decoder, under the shared envelope decoder. Field numbers are from
 * opentelemetry/proto/trace/v1/trace.proto.
 */
import type { Span, SpanKind, StatusCode } from './telemetry.ts';
import { TRACES_ENVELOPE, type DecodePlace } from './envelope.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import { readKeyValue } from './proto-common-decode.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';
import { isField, otherField, readFixed32, readFixed64, readId, readLen, readString, readTag, schema, segmentOf, within } from './proto-read.ts';
import type { Reader } from './proto-read.ts';
import { readNested, type IdLengths } from './message-codec.ts';
import { addLink, emptySpan, EVENT_CODEC, LINK_CODEC, STATUS_CODEC } from './span-part-codecs.ts';
import { SPAN } from './proto-schema.ts';


const PROTO_ID_NAMES = { traceId: 'trace_id', spanId: 'span_id' };

export const decodeTracesProtobuf = protoRequestDecoder(TRACES_ENVELOPE, decodeSpan);

/** Decodes one Span; returns null (and records why) when the span is invalid. */
function decodeSpan(r: Reader, place: DecodePlace, index: number): Span | null {
  // the tags as locals: the switch compares registers, not property loads
  const { attributes, trace_id, span_id, trace_state, parent_span_id, name, kind, start_time_unix_nano } = SPAN.tag;
  const { end_time_unix_nano, dropped_attributes_count, events, dropped_events_count, links, dropped_links_count } = SPAN.tag;
  const { status, flags } = SPAN.tag;
  const span = emptySpan();
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
          span.events.push(readNested(r, EVENT_CODEC));
          break;
        case dropped_events_count:
          span.droppedEventsCount = r.uint32();
          break;
        case links: {
          const ids: IdLengths = {};
          linkProblem = addLink(span, readNested(r, LINK_CODEC, ids), ids, linkProblem, PROTO_ID_NAMES);
          break;
        }
        case dropped_links_count:
          span.droppedLinksCount = r.uint32();
          break;
        case status:
          span.status = readNested(r, STATUS_CODEC);
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
