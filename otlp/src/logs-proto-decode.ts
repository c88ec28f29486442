/**
 * ExportLogsServiceRequest (opentelemetry/proto/collector/logs/v1) protobuf → model: the
 * shared envelope decoder with the log record codec.
 */
import { LOGS_ENVELOPE } from './envelope.ts';
import { checkLogRecord, LOG_RECORD_CODEC } from './log-record-codec.ts';
import type { IdLengths } from './message-codec.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';

export const decodeLogsProtobuf = protoRequestDecoder(LOGS_ENVELOPE, (r, place, index) => {
  const ids: IdLengths = {};
  return checkLogRecord(LOG_RECORD_CODEC.decodeProto(r, ids), ids, place, index, 'proto');
});
