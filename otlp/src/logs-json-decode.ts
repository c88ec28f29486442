/** OTLP/JSON ExportLogsServiceRequest → model. */
import { newAttributes } from './telemetry.ts';
import type { LogRecord, LogsData, ResourceLogs, ScopeLogs } from './telemetry.ts';
import { Rejections, addSegment } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import {
  asArray,
  asElement,
  asEnum,
  asFixed64,
  asHexId,
  asInt32,
  asString,
  decodeAnyValueJson,
  decodeKeyValuesJson,
  decodeResourceJson,
  decodeScopeJson,
  parseJsonBody,
  toJsonDecodeError,
} from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { emptyResource, emptyScope } from './proto-common-decode.ts';

const MESSAGE = 'ExportLogsServiceRequest';
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED, SEVERITY_NUMBER_TRACE, _TRACE2 … SEVERITY_NUMBER_FATAL4 (index = value). */
const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...LEVELS.flatMap((l) => ['', '2', '3', '4'].map((n) => `SEVERITY_NUMBER_${l}${n}`)),
];

interface LogsCtx {
  rejections: Rejections;
  resourceIndex: number;
  scopeIndex: number;
  accepted: number;
}

export function decodeLogsJson(body: string | Uint8Array): DecodeResult<LogsData> {
  const root = parseJsonBody(body, MESSAGE);
  const ctx: LogsCtx = { rejections: new Rejections(), resourceIndex: 0, scopeIndex: 0, accepted: 0 };
  const resourceLogs: ResourceLogs[] = [];
  let key = '';
  try {
    for (key in root) {
      if (key !== 'resourceLogs' && key !== 'resource_logs') continue;
      const list = asArray(root[key]);
      for (let i = 0; i < list.length; i++) {
        ctx.resourceIndex = i;
        try {
          resourceLogs.push(decodeResourceLogs(asElement(list[i]), ctx));
        } catch (e) {
          throw addSegment(e, `[${i}]`);
        }
      }
    }
  } catch (e) {
    throw toJsonDecodeError(addSegment(e, key), MESSAGE);
  }
  return {
    data: { resourceLogs },
    items: ctx.accepted,
    rejected: ctx.rejections.count,
    rejectedMessage: ctx.rejections.message(),
  };
}

function decodeResourceLogs(o: JsonObject, ctx: LogsCtx): ResourceLogs {
  const rl: ResourceLogs = { resource: emptyResource(), scopeLogs: [], schemaUrl: '' };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'resource':
          rl.resource = decodeResourceJson(x);
          break;
        case 'scopeLogs':
        case 'scope_logs': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            ctx.scopeIndex = i;
            try {
              rl.scopeLogs.push(decodeScopeLogs(asElement(list[i]), ctx));
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
          }
          break;
        }
        case 'schemaUrl':
        case 'schema_url':
          rl.schemaUrl = asString(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return rl;
}

function decodeScopeLogs(o: JsonObject, ctx: LogsCtx): ScopeLogs {
  const sl: ScopeLogs = { scope: emptyScope(), logRecords: [], schemaUrl: '' };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'scope':
          sl.scope = decodeScopeJson(x);
          break;
        case 'logRecords':
        case 'log_records': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            let rec: LogRecord | null;
            try {
              rec = decodeLogRecord(asElement(list[i]), ctx, i);
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
            if (rec !== null) {
              sl.logRecords.push(rec);
              ctx.accepted++;
            }
          }
          break;
        }
        case 'schemaUrl':
        case 'schema_url':
          sl.schemaUrl = asString(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return sl;
}

function decodeLogRecord(o: JsonObject, ctx: LogsCtx, index: number): LogRecord | null {
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
    ctx.rejections.add(
      `resourceLogs[${ctx.resourceIndex}].scopeLogs[${ctx.scopeIndex}].logRecords[${index}].${problem} (log record dropped)`,
    );
    return null;
  }
  return rec;
}
