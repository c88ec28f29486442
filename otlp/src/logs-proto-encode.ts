/** Model → ExportLogsServiceRequest protobuf (for forwarding exporters and the host agent). */
import { LOGS_ENVELOPE } from './envelope.ts';
import { LOG_RECORD_CODEC } from './log-record-codec.ts';
import { writeNested } from './message-codec.ts';
import { protoRequestEncoder } from './proto-envelope-encode.ts';

export const encodeLogsProtobuf = protoRequestEncoder(LOGS_ENVELOPE, (w, field, record) => writeNested(w, field, LOG_RECORD_CODEC, record));
