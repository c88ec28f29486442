/** Model → ExportLogsServiceRequest protobuf (for forwarding exporters and the host agent). */
import type { LogRecord, LogsData } from './telemetry.ts';
import {
  writeAnyValue,
  writeIdField,
  writeKeyValues,
  writeResource,
  writeScope,
  writeStringField,
  writeTimeField,
  writeUint32Field,
} from './proto-common-encode.ts';
import { ProtoWriter } from './proto-writer.ts';

export function encodeLogsProtobuf(d: LogsData): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const rl of d.resourceLogs) {
    const rlStart = w.begin(1);
    writeResource(w, 1, rl.resource);
    for (const sl of rl.scopeLogs) {
      const slStart = w.begin(2);
      writeScope(w, 1, sl.scope);
      for (const rec of sl.logRecords) writeLogRecord(w, rec);
      writeStringField(w, 3, sl.schemaUrl);
      w.end(slStart);
    }
    writeStringField(w, 3, rl.schemaUrl);
    w.end(rlStart);
  }
  return w.finish();
}

function writeLogRecord(w: ProtoWriter, rec: LogRecord): void {
  const start = w.begin(2);
  writeTimeField(w, 1, rec.timeUnixNano);
  if (rec.severityNumber !== 0) {
    w.tag(2, 0);
    w.int32(rec.severityNumber);
  }
  writeStringField(w, 3, rec.severityText);
  if (rec.body !== null) {
    const bs = w.begin(5);
    writeAnyValue(w, rec.body);
    w.end(bs);
  }
  writeKeyValues(w, 6, rec.attributes);
  writeUint32Field(w, 7, rec.droppedAttributesCount);
  if (rec.flags !== 0) {
    w.tag(8, 5);
    w.fixed32(rec.flags);
  }
  writeIdField(w, 9, rec.traceId);
  writeIdField(w, 10, rec.spanId);
  writeTimeField(w, 11, rec.observedTimeUnixNano);
  writeStringField(w, 12, rec.eventName);
  w.end(start);
}
