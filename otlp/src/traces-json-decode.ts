/** OTLP/JSON ExportTraceServiceRequest → model. */
import type { Span, SpanKind, StatusCode } from './telemetry.ts';
import { addSegment } from './decode-error.ts';
import { TRACES_ENVELOPE, type DecodePlace } from './envelope.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID } from './item-checks.ts';
import { asEnum, asFixed64, asHexId, asInt32, asString, decodeKeyValuesJson, forEachElement } from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { jsonRequestDecoder } from './json-envelope-decode.ts';
import type { IdLengths } from './message-codec.ts';
import { addLink, emptySpan, SPAN_KINDS, EVENT_CODEC, LINK_CODEC, STATUS_CODEC } from './span-part-codecs.ts';


const JSON_ID_NAMES = { traceId: 'traceId', spanId: 'spanId' };

export const decodeTracesJson = jsonRequestDecoder(TRACES_ENVELOPE, decodeSpan);

/** Decodes one span; returns null (and records why) when the span is invalid. */
function decodeSpan(o: JsonObject, place: DecodePlace, index: number): Span | null {
  const span = emptySpan();
  let linkProblem = '';
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'traceId':
        case 'trace_id':
          span.traceId = asHexId(x);
          break;
        case 'spanId':
        case 'span_id':
          span.spanId = asHexId(x);
          break;
        case 'traceState':
        case 'trace_state':
          span.traceState = asString(x);
          break;
        case 'parentSpanId':
        case 'parent_span_id':
          span.parentSpanId = asHexId(x);
          break;
        case 'flags':
          span.flags = asInt32(x, true);
          break;
        case 'name':
          span.name = asString(x);
          break;
        case 'kind':
          span.kind = asEnum(x, SPAN_KINDS, 'SpanKind') as SpanKind;
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          span.startTimeUnixNano = asFixed64(x);
          break;
        case 'endTimeUnixNano':
        case 'end_time_unix_nano':
          span.endTimeUnixNano = asFixed64(x);
          break;
        case 'attributes':
          decodeKeyValuesJson(x, span.attributes, 0);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          span.droppedAttributesCount = asInt32(x, true);
          break;
        case 'events':
          forEachElement(x, (element) => span.events.push(EVENT_CODEC.decodeJson(element)));
          break;
        case 'droppedEventsCount':
        case 'dropped_events_count':
          span.droppedEventsCount = asInt32(x, true);
          break;
        case 'links':
          forEachElement(x, (element) => {
            const ids: IdLengths = {};
            linkProblem = addLink(span, LINK_CODEC.decodeJson(element, ids), ids, linkProblem, JSON_ID_NAMES);
          });
          break;
        case 'droppedLinksCount':
        case 'dropped_links_count':
          span.droppedLinksCount = asInt32(x, true);
          break;
        case 'status':
          span.status = STATUS_CODEC.decodeJson(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  if (span.parentSpanId === ZERO_SPAN_ID) span.parentSpanId = '';
  const problem =
    idProblem('traceId', span.traceId, span.traceId.length >>> 1, 16, true) ||
    idProblem('spanId', span.spanId, span.spanId.length >>> 1, 8, true) ||
    idProblem('parentSpanId', span.parentSpanId, span.parentSpanId.length >>> 1, 8, false) ||
    linkProblem ||
    enumProblem('kind', span.kind, 5, 'SpanKind') ||
    enumProblem('status.code', span.status.code, 2, 'StatusCode');
  if (problem !== '') {
    place.reject(`spans[${index}].${problem} (span dropped)`);
    return null;
  }
  place.accepted++;
  return span;
}
