/** Model → ExportTraceServiceRequest protobuf (for forwarding exporters and the host agent). */
import type { Span } from './telemetry.ts';
import { TRACES_ENVELOPE } from './envelope.ts';
import { writeFlags, writeIdField, writeKeyValues, writeStringField, writeTimeField, writeUint32Field } from './proto-common-encode.ts';
import { protoRequestEncoder } from './proto-envelope-encode.ts';
import { EVENT, LINK, SPAN, STATUS } from './proto-schema.ts';
import type { ProtoWriter } from './proto-writer.ts';

export const encodeTracesProtobuf = protoRequestEncoder(TRACES_ENVELOPE, writeSpan);

function writeSpan(w: ProtoWriter, field: number, s: Span): void {
  const F = SPAN.field;
  const start = w.begin(field);
  writeIdField(w, F.trace_id, s.traceId);
  writeIdField(w, F.span_id, s.spanId);
  writeStringField(w, F.trace_state, s.traceState);
  writeIdField(w, F.parent_span_id, s.parentSpanId);
  writeStringField(w, F.name, s.name);
  if (s.kind !== 0) {
    w.varint(SPAN.tag.kind);
    w.int32(s.kind);
  }
  writeTimeField(w, F.start_time_unix_nano, s.startTimeUnixNano);
  writeTimeField(w, F.end_time_unix_nano, s.endTimeUnixNano);
  writeKeyValues(w, F.attributes, s.attributes);
  writeUint32Field(w, F.dropped_attributes_count, s.droppedAttributesCount);
  for (const ev of s.events) {
    const es = w.begin(F.events);
    writeTimeField(w, EVENT.field.time_unix_nano, ev.timeUnixNano);
    writeStringField(w, EVENT.field.name, ev.name);
    writeKeyValues(w, EVENT.field.attributes, ev.attributes);
    writeUint32Field(w, EVENT.field.dropped_attributes_count, ev.droppedAttributesCount);
    w.end(es);
  }
  writeUint32Field(w, F.dropped_events_count, s.droppedEventsCount);
  for (const link of s.links) {
    const ls = w.begin(F.links);
    writeIdField(w, LINK.field.trace_id, link.traceId);
    writeIdField(w, LINK.field.span_id, link.spanId);
    writeStringField(w, LINK.field.trace_state, link.traceState);
    writeKeyValues(w, LINK.field.attributes, link.attributes);
    writeUint32Field(w, LINK.field.dropped_attributes_count, link.droppedAttributesCount);
    writeFlags(w, LINK.field.flags, link.flags);
    w.end(ls);
  }
  writeUint32Field(w, F.dropped_links_count, s.droppedLinksCount);
  if (s.status.code !== 0 || s.status.message !== '') {
    const st = w.begin(F.status);
    writeStringField(w, STATUS.field.message, s.status.message);
    if (s.status.code !== 0) {
      w.varint(STATUS.tag.code);
      w.int32(s.status.code);
    }
    w.end(st);
  }
  writeFlags(w, F.flags, s.flags);
  w.end(start);
}
