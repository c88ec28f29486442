/**
 * OTLP/JSON ExportTraceServiceRequest → model: the shared envelope decoder with the span
 * codec (span-part-codecs.ts).
 */
import { TRACES_ENVELOPE } from './envelope.ts';
import { jsonRequestDecoder } from './json-envelope-decode.ts';
import { checkSpan, JSON_SPAN_NAMES, SPAN_CODEC, SpanReading } from './span-part-codecs.ts';

export const decodeTracesJson = jsonRequestDecoder(TRACES_ENVELOPE, (o, place, index) => {
  const reading = new SpanReading(JSON_SPAN_NAMES);
  return checkSpan(SPAN_CODEC.decodeJson(o, reading), reading, place, index);
});
