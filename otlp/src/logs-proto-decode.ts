/**
 * ExportLogsServiceRequest (opentelemetry/proto/collector/logs/v1) protobuf → model.
 * Field numbers are from opentelemetry/proto/logs/v1/logs.proto.
 */
import { newAttributes } from './telemetry.ts';
import type { LogRecord, LogsData, ResourceLogs, ScopeLogs } from './telemetry.ts';
import { Rejections } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import {
  decodeAnyValue,
  decodeKeyValueInto,
  decodeResourceLevel,
  decodeScope,
  emptyScope,
} from './proto-common-decode.ts';
import {
  enterMessage,
  idBytes,
  leaveMessage,
  newReader,
  otherField,
  readFixed32,
  readFixed64,
  readId,
  readString,
  readTag,
  schema,
  segmentOf,
  toDecodeError,
  within,
} from './proto-read.ts';
import type { Reader } from './proto-read.ts';

const REQUEST = schema({ 1: ['resource_logs', 2] });
const RESOURCE_LOGS = schema({ 1: ['resource', 2], 2: ['scope_logs', 2], 3: ['schema_url', 2] });
const SCOPE_LOGS = schema({ 1: ['scope', 2], 2: ['log_records', 2], 3: ['schema_url', 2] });
const LOG_RECORD = schema({
  1: ['time_unix_nano', 1],
  11: ['observed_time_unix_nano', 1],
  2: ['severity_number', 0],
  3: ['severity_text', 2],
  5: ['body', 2],
  6: ['attributes', 2],
  7: ['dropped_attributes_count', 0],
  8: ['flags', 5],
  9: ['trace_id', 2],
  10: ['span_id', 2],
  12: ['event_name', 2],
});

interface LogsCtx {
  rejections: Rejections;
  resourceIndex: number;
  scopeIndex: number;
  accepted: number;
}

export function decodeLogsProtobuf(buf: Uint8Array): DecodeResult<LogsData> {
  const r = newReader(buf);
  const ctx: LogsCtx = { rejections: new Rejections(), resourceIndex: 0, scopeIndex: 0, accepted: 0 };
  const resourceLogs: ResourceLogs[] = [];
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 10) {
        ctx.resourceIndex = resourceLogs.length;
        const outer = enterMessage(r);
        resourceLogs.push(decodeResourceLogs(r, ctx));
        leaveMessage(r, outer);
      } else otherField(r, tag, REQUEST);
    }
  } catch (e) {
    throw toDecodeError(within(e, r, segmentOf(REQUEST, field, resourceLogs.length)), r, 'ExportLogsServiceRequest');
  }
  return {
    data: { resourceLogs },
    items: ctx.accepted,
    rejected: ctx.rejections.count,
    rejectedMessage: ctx.rejections.message(),
  };
}

function decodeResourceLogs(r: Reader, ctx: LogsCtx): ResourceLogs {
  const { resource, scoped, schemaUrl } = decodeResourceLevel(r, RESOURCE_LOGS, ctx, (reader) => decodeScopeLogs(reader, ctx));
  return { resource, scopeLogs: scoped, schemaUrl };
}

function decodeScopeLogs(r: Reader, ctx: LogsCtx): ScopeLogs {
  const sl: ScopeLogs = { scope: emptyScope(), logRecords: [], schemaUrl: '' };
  let field = 0;
  let recordIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 18: {
          const outer = enterMessage(r);
          const record = decodeLogRecord(r, ctx, recordIndex);
          leaveMessage(r, outer);
          if (record !== null) {
            sl.logRecords.push(record);
            ctx.accepted++;
          }
          recordIndex++;
          break;
        }
        case 10: {
          const outer = enterMessage(r);
          sl.scope = decodeScope(r);
          leaveMessage(r, outer);
          break;
        }
        case 26:
          sl.schemaUrl = readString(r);
          break;
        default:
          otherField(r, tag, SCOPE_LOGS);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(SCOPE_LOGS, field, field === 2 ? recordIndex : -1));
  }
  return sl;
}

function decodeLogRecord(r: Reader, ctx: LogsCtx, index: number): LogRecord | null {
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
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 50: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, rec.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 9:
          rec.timeUnixNano = readFixed64(r);
          break;
        case 89:
          rec.observedTimeUnixNano = readFixed64(r);
          break;
        case 16:
          rec.severityNumber = r.int32();
          break;
        case 26:
          rec.severityText = readString(r);
          break;
        case 42: {
          const outer = enterMessage(r);
          rec.body = decodeAnyValue(r, 0);
          leaveMessage(r, outer);
          break;
        }
        case 56:
          rec.droppedAttributesCount = r.uint32();
          break;
        case 69:
          rec.flags = readFixed32(r);
          break;
        case 74:
          rec.traceId = readId(r);
          traceIdBytes = idBytes;
          break;
        case 82:
          rec.spanId = readId(r);
          spanIdBytes = idBytes;
          break;
        case 98:
          rec.eventName = readString(r);
          break;
        default:
          otherField(r, tag, LOG_RECORD);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(LOG_RECORD, field, field === 6 ? attrIndex : -1));
  }
  // ids are optional on logs; all zeros is how some SDKs say "no trace context"
  if (rec.traceId === ZERO_TRACE_ID) rec.traceId = '';
  if (rec.spanId === ZERO_SPAN_ID) rec.spanId = '';
  if ((traceIdBytes !== 0 && traceIdBytes !== 16) || (spanIdBytes !== 0 && spanIdBytes !== 8) || rec.severityNumber < 0 || rec.severityNumber > 24) {
    const problem =
      idProblem('trace_id', rec.traceId, traceIdBytes, 16, false) ||
      idProblem('span_id', rec.spanId, spanIdBytes, 8, false) ||
      enumProblem('severity_number', rec.severityNumber, 24, 'SeverityNumber');
    ctx.rejections.add(
      `resource_logs[${ctx.resourceIndex}].scope_logs[${ctx.scopeIndex}].log_records[${index}].${problem} (log record dropped)`,
    );
    return null;
  }
  return rec;
}
