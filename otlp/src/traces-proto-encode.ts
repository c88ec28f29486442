/** Model → ExportTraceServiceRequest protobuf (for forwarding exporters and the host agent). */
import { TRACES_ENVELOPE } from './envelope.ts';
import { writeNested } from './message-codec.ts';
import { protoRequestEncoder } from './proto-envelope-encode.ts';
import { SPAN_CODEC } from './span-part-codecs.ts';

export const encodeTracesProtobuf = protoRequestEncoder(TRACES_ENVELOPE, (w, field, span) => writeNested(w, field, SPAN_CODEC, span));
