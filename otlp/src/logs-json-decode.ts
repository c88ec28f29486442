/** OTLP/JSON ExportLogsServiceRequest → model: the shared envelope decoder with the log record codec. */
import { LOGS_ENVELOPE } from './envelope.ts';
import { jsonRequestDecoder } from './json-envelope-decode.ts';
import { checkLogRecord, LOG_RECORD_CODEC } from './log-record-codec.ts';
import type { IdLengths } from './message-codec.ts';

export const decodeLogsJson = jsonRequestDecoder(LOGS_ENVELOPE, (o, place, index) => {
  const ids: IdLengths = {};
  return checkLogRecord(LOG_RECORD_CODEC.decodeJson(o, ids), ids, place, index, 'json');
});
