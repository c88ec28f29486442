/** LogRecord (logs/v1) from both wire formats, and the rules a log record must meet. */
import { newAttributes } from './telemetry.ts';
import type { AnyValue, LogRecord } from './telemetry.ts';
import type { DecodePlace } from './envelope.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import { decodeAnyValueJson } from './json-common-decode.ts';
import { ATTRIBUTES, enumeration, FLAGS, ID, messageCodec, scalar, STRING, TIME, UINT32, type IdLengths } from './message-codec.ts';
import { decodeAnyValue } from './proto-common-decode.ts';
import { enterMessage, leaveMessage, type Reader } from './proto-read.ts';
import { LOG_RECORD } from './proto-schema.ts';
import { writeAnyValue } from './proto-common-encode.ts';
import type { ProtoWriter } from './proto-writer.ts';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED, SEVERITY_NUMBER_TRACE, _TRACE2 … SEVERITY_NUMBER_FATAL4 (index = value). */
const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...LEVELS.flatMap((l) => ['', '2', '3', '4'].map((n) => `SEVERITY_NUMBER_${l}${n}`)),
];

function readBody(r: Reader): AnyValue {
  const outer = enterMessage(r);
  const body = decodeAnyValue(r, 0);
  leaveMessage(r, outer);
  return body;
}

function writeBody(w: ProtoWriter, field: number, body: AnyValue): void {
  if (body === null) return;
  const start = w.begin(field);
  writeAnyValue(w, body);
  w.end(start);
}

export const LOG_RECORD_CODEC = messageCodec(
  LOG_RECORD,
  (): LogRecord => ({
    timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText: '', body: null, attributes: newAttributes(),
    droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '',
  }),
  {
    time_unix_nano: TIME, observed_time_unix_nano: TIME,
    severity_number: enumeration(SEVERITY_NUMBERS, 'SeverityNumber'), severity_text: STRING,
    body: scalar(readBody, (x) => decodeAnyValueJson(x, 0), writeBody), attributes: ATTRIBUTES,
    dropped_attributes_count: UINT32, flags: FLAGS, trace_id: ID, span_id: ID, event_name: STRING,
  },
);

const NAMES = {
  proto: { list: 'log_records', traceId: 'trace_id', spanId: 'span_id', severity: 'severity_number' },
  json: { list: 'logRecords', traceId: 'traceId', spanId: 'spanId', severity: 'severityNumber' },
};

/** The record, or null after `place.reject` when it breaks a rule (ids are optional on logs). */
export function checkLogRecord(rec: LogRecord, ids: IdLengths, place: DecodePlace, index: number, spelling: 'proto' | 'json'): LogRecord | null {
  // all zeros is how some SDKs say "no trace context"
  if (rec.traceId === ZERO_TRACE_ID) rec.traceId = '';
  if (rec.spanId === ZERO_SPAN_ID) rec.spanId = '';
  const names = NAMES[spelling];
  const problem =
    idProblem(names.traceId, rec.traceId, ids.traceId ?? 0, 16, false) ||
    idProblem(names.spanId, rec.spanId, ids.spanId ?? 0, 8, false) ||
    enumProblem(names.severity, rec.severityNumber, 24, 'SeverityNumber');
  if (problem !== '') {
    place.reject(`${names.list}[${index}].${problem} (log record dropped)`);
    return null;
  }
  place.accepted++;
  return rec;
}
