/**
 * ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) protobuf → model:
 * the shared envelope decoder with the span codec (span-part-codecs.ts).
 */
import { TRACES_ENVELOPE } from './envelope.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';
import { checkSpan, PROTO_SPAN_NAMES, SPAN_CODEC, SpanReading } from './span-part-codecs.ts';

export const decodeTracesProtobuf = protoRequestDecoder(TRACES_ENVELOPE, (r, place, index) => {
  const reading = new SpanReading(PROTO_SPAN_NAMES);
  return checkSpan(SPAN_CODEC.decodeProto(r, reading), reading, place, index);
});
