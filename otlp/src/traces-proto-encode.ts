/** Model → ExportTraceServiceRequest protobuf (for forwarding exporters and the host agent). */
import type { Span, TracesData } from './telemetry.ts';
import {
  writeIdField,
  writeKeyValues,
  writeResource,
  writeScope,
  writeStringField,
  writeTimeField,
  writeUint32Field,
} from './proto-common-encode.ts';
import { ProtoWriter } from './proto-writer.ts';

export function encodeTracesProtobuf(d: TracesData): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const rs of d.resourceSpans) {
    const rsStart = w.begin(1);
    writeResource(w, 1, rs.resource);
    for (const ss of rs.scopeSpans) {
      const ssStart = w.begin(2);
      writeScope(w, 1, ss.scope);
      for (const span of ss.spans) writeSpan(w, span);
      writeStringField(w, 3, ss.schemaUrl);
      w.end(ssStart);
    }
    writeStringField(w, 3, rs.schemaUrl);
    w.end(rsStart);
  }
  return w.finish();
}

function writeSpan(w: ProtoWriter, s: Span): void {
  const start = w.begin(2);
  writeIdField(w, 1, s.traceId);
  writeIdField(w, 2, s.spanId);
  writeStringField(w, 3, s.traceState);
  writeIdField(w, 4, s.parentSpanId);
  writeStringField(w, 5, s.name);
  if (s.kind !== 0) {
    w.tag(6, 0);
    w.int32(s.kind);
  }
  writeTimeField(w, 7, s.startTimeUnixNano);
  writeTimeField(w, 8, s.endTimeUnixNano);
  writeKeyValues(w, 9, s.attributes);
  writeUint32Field(w, 10, s.droppedAttributesCount);
  for (const ev of s.events) {
    const es = w.begin(11);
    writeTimeField(w, 1, ev.timeUnixNano);
    writeStringField(w, 2, ev.name);
    writeKeyValues(w, 3, ev.attributes);
    writeUint32Field(w, 4, ev.droppedAttributesCount);
    w.end(es);
  }
  writeUint32Field(w, 12, s.droppedEventsCount);
  for (const link of s.links) {
    const ls = w.begin(13);
    writeIdField(w, 1, link.traceId);
    writeIdField(w, 2, link.spanId);
    writeStringField(w, 3, link.traceState);
    writeKeyValues(w, 4, link.attributes);
    writeUint32Field(w, 5, link.droppedAttributesCount);
    if (link.flags !== 0) {
      w.tag(6, 5);
      w.fixed32(link.flags);
    }
    w.end(ls);
  }
  writeUint32Field(w, 14, s.droppedLinksCount);
  if (s.status.code !== 0 || s.status.message !== '') {
    const st = w.begin(15);
    writeStringField(w, 2, s.status.message);
    if (s.status.code !== 0) {
      w.tag(3, 0);
      w.int32(s.status.code);
    }
    w.end(st);
  }
  if (s.flags !== 0) {
    w.tag(16, 5);
    w.fixed32(s.flags);
  }
  w.end(start);
}
