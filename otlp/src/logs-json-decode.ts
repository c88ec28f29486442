/** OTLP/JSON ExportLogsServiceRequest → model. */
import { newAttributes } from './telemetry.ts';
import type { LogRecord } from './telemetry.ts';
import { addSegment } from './decode-error.ts';
import { LOGS_ENVELOPE, type DecodePlace } from './envelope.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import { asEnum, asFixed64, asHexId, asInt32, asString, decodeAnyValueJson, decodeKeyValuesJson } from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { jsonRequestDecoder } from './json-envelope-decode.ts';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED, SEVERITY_NUMBER_TRACE, _TRACE2 … SEVERITY_NUMBER_FATAL4 (index = value). */
const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...LEVELS.flatMap((l) => ['', '2', '3', '4'].map((n) => `SEVERITY_NUMBER_${l}${n}`)),
];

export const decodeLogsJson = jsonRequestDecoder(LOGS_ENVELOPE, decodeLogRecord);

/** Decodes one log record; returns null (and records why) when it is invalid. */
function decodeLogRecord(o: JsonObject, place: DecodePlace, index: number): LogRecord | null {
  const rec: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: newAttributes(),
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'timeUnixNano':
        case 'time_unix_nano':
          rec.timeUnixNano = asFixed64(x);
          break;
        case 'observedTimeUnixNano':
        case 'observed_time_unix_nano':
          rec.observedTimeUnixNano = asFixed64(x);
          break;
        case 'severityNumber':
        case 'severity_number':
          rec.severityNumber = asEnum(x, SEVERITY_NUMBERS, 'SeverityNumber');
          break;
        case 'severityText':
        case 'severity_text':
          rec.severityText = asString(x);
          break;
        case 'body':
          rec.body = decodeAnyValueJson(x, 0);
          break;
        case 'attributes':
          decodeKeyValuesJson(x, rec.attributes, 0);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          rec.droppedAttributesCount = asInt32(x, true);
          break;
        case 'flags':
          rec.flags = asInt32(x, true);
          break;
        case 'traceId':
        case 'trace_id':
          rec.traceId = asHexId(x);
          break;
        case 'spanId':
        case 'span_id':
          rec.spanId = asHexId(x);
          break;
        case 'eventName':
        case 'event_name':
          rec.eventName = asString(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  if (rec.traceId === ZERO_TRACE_ID) rec.traceId = '';
  if (rec.spanId === ZERO_SPAN_ID) rec.spanId = '';
  const problem =
    idProblem('traceId', rec.traceId, rec.traceId.length >>> 1, 16, false) ||
    idProblem('spanId', rec.spanId, rec.spanId.length >>> 1, 8, false) ||
    enumProblem('severityNumber', rec.severityNumber, 24, 'SeverityNumber');
  if (problem !== '') {
    place.reject(`logRecords[${index}].${problem} (log record dropped)`);
    return null;
  }
  place.accepted++;
  return rec;
}
