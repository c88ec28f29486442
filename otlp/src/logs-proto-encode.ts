/** Model → ExportLogsServiceRequest protobuf (for forwarding exporters and the host agent). */
import type { LogRecord } from './telemetry.ts';
import { LOGS_ENVELOPE } from './envelope.ts';
import { writeAnyValue, writeFlags, writeIdField, writeKeyValues, writeStringField, writeTimeField, writeUint32Field } from './proto-common-encode.ts';
import { protoRequestEncoder } from './proto-envelope-encode.ts';
import { LOG_RECORD } from './proto-schema.ts';
import type { ProtoWriter } from './proto-writer.ts';

export const encodeLogsProtobuf = protoRequestEncoder(LOGS_ENVELOPE, writeLogRecord);

function writeLogRecord(w: ProtoWriter, field: number, rec: LogRecord): void {
  const F = LOG_RECORD.field;
  const start = w.begin(field);
  writeTimeField(w, F.time_unix_nano, rec.timeUnixNano);
  if (rec.severityNumber !== 0) {
    w.varint(LOG_RECORD.tag.severity_number);
    w.int32(rec.severityNumber);
  }
  writeStringField(w, F.severity_text, rec.severityText);
  if (rec.body !== null) {
    const bs = w.begin(F.body);
    writeAnyValue(w, rec.body);
    w.end(bs);
  }
  writeKeyValues(w, F.attributes, rec.attributes);
  writeUint32Field(w, F.dropped_attributes_count, rec.droppedAttributesCount);
  writeFlags(w, F.flags, rec.flags);
  writeIdField(w, F.trace_id, rec.traceId);
  writeIdField(w, F.span_id, rec.spanId);
  writeTimeField(w, F.observed_time_unix_nano, rec.observedTimeUnixNano);
  writeStringField(w, F.event_name, rec.eventName);
  w.end(start);
}
