/**
 * ExportLogsServiceRequest (opentelemetry/proto/collector/logs/v1) protobuf → model:
 * the log record decoder, under the shared envelope decoder. Field numbers are from
 * opentelemetry/proto/logs/v1/logs.proto.
 */
import { newAttributes } from './telemetry.ts';
import type { LogRecord } from './telemetry.ts';
import { LOGS_ENVELOPE, type DecodePlace } from './envelope.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import { decodeAnyValue, readKeyValue } from './proto-common-decode.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';
import { enterMessage, isField, leaveMessage, otherField, readFixed32, readFixed64, readId, readLen, readString, readTag, schema, segmentOf, within } from './proto-read.ts';
import type { Reader } from './proto-read.ts';
import { LOG_RECORD } from './proto-schema.ts';


export const decodeLogsProtobuf = protoRequestDecoder(LOGS_ENVELOPE, decodeLogRecord);

/** Decodes one LogRecord; returns null (and records why) when it is invalid. */
function decodeLogRecord(r: Reader, place: DecodePlace, index: number): LogRecord | null {
  // the tags as locals: the switch compares registers, not property loads
  const { attributes, time_unix_nano, observed_time_unix_nano, severity_number, severity_text, body } = LOG_RECORD.tag;
  const { dropped_attributes_count, flags, trace_id, span_id, event_name } = LOG_RECORD.tag;
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
  let traceIdBytes = 0;
  let spanIdBytes = 0;
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      switch (tag) {
        case attributes:
          readKeyValue(r, rec.attributes);
          attrIndex++;
          break;
        case time_unix_nano:
          rec.timeUnixNano = readFixed64(r);
          break;
        case observed_time_unix_nano:
          rec.observedTimeUnixNano = readFixed64(r);
          break;
        case severity_number:
          rec.severityNumber = r.int32();
          break;
        case severity_text:
          rec.severityText = readString(r);
          break;
        case body: {
          const outer = enterMessage(r);
          rec.body = decodeAnyValue(r, 0);
          leaveMessage(r, outer);
          break;
        }
        case dropped_attributes_count:
          rec.droppedAttributesCount = r.uint32();
          break;
        case flags:
          rec.flags = readFixed32(r);
          break;
        case trace_id:
          traceIdBytes = readLen(r);
          rec.traceId = readId(r, traceIdBytes);
          break;
        case span_id:
          spanIdBytes = readLen(r);
          rec.spanId = readId(r, spanIdBytes);
          break;
        case event_name:
          rec.eventName = readString(r);
          break;
        default:
          otherField(r, tag, LOG_RECORD);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(LOG_RECORD, tag, isField(tag, attributes) ? attrIndex : -1));
  }
  // ids are optional on logs; all zeros is how some SDKs say "no trace context"
  if (rec.traceId === ZERO_TRACE_ID) rec.traceId = '';
  if (rec.spanId === ZERO_SPAN_ID) rec.spanId = '';
  if ((traceIdBytes !== 0 && traceIdBytes !== 16) || (spanIdBytes !== 0 && spanIdBytes !== 8) || rec.severityNumber < 0 || rec.severityNumber > 24) {
    const problem =
      idProblem('trace_id', rec.traceId, traceIdBytes, 16, false) ||
      idProblem('span_id', rec.spanId, spanIdBytes, 8, false) ||
      enumProblem('severity_number', rec.severityNumber, 24, 'SeverityNumber');
    place.reject(`log_records[${index}].${problem} (log record dropped)`);
    return null;
  }
  place.accepted++;
  return rec;
}
