import { newAttributes } from '@lookout/otlp';
import type { AnyValue, Attributes, LogRecord } from '@lookout/otlp';
import { setException } from './exception.ts';
import { newRecord, normaliseSpanId, normaliseTraceId, unparsed } from './record.ts';
import type { LineParser, ParsedLine, ParserOptions } from './record.ts';
import { levelFromWord, pinoLabel, pinoSeverityNumber } from './severity.ts';
import { epochToNanos, parseAnyTimestamp } from './timestamp.ts';
import { setMethod, splitTarget } from './http-attributes.ts';

export interface JsonParserOptions extends ParserOptions {
  /** key of the message (pino `messageKey`); `message` is also read when it is absent. Default `msg`. */
  messageKey?: string;
  /** key of the serialized error (pino `errorKey`). Default `err`. */
  errorKey?: string;
  /** pino `customLevels` (name → number), so that custom levels get their names back. */
  customLevels?: Record<string, number>;
}

/** JSON of arbitrary shape → AnyValue, objects as null-prototype kvlists. */
export function jsonToAnyValue(value: unknown): AnyValue {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
  }
  if (Array.isArray(value)) return value.map(jsonToAnyValue);
  const out = newAttributes();
  for (const key in value) out[key] = jsonToAnyValue((value as Record<string, unknown>)[key]);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON lines with pino's conventions (also bunyan, and the common `message`/`timestamp`
 * spellings): numeric or word `level`, `time` as epoch ms or ISO, `msg`, `err` with
 * type/message/stack → exception.*, `trace_id`/`span_id`/`trace_flags` → the record's
 * ids, `hostname`/`pid` → host.name/process.pid, pino-http `req`/`res`/`responseTime`
 * → HTTP attributes; every other field → an attribute of the same name.
 */
export function createJsonParser(options: JsonParserOptions = {}): LineParser {
  const offset = options.utcOffsetMinutes ?? 0;
  const messageKey = options.messageKey ?? 'msg';
  const errorKey = options.errorKey ?? 'err';
  const labelByNumber = new Map<number, string>();
  const numberByLabel = new Map<string, number>();
  for (const [name, level] of Object.entries(options.customLevels ?? {})) {
    labelByNumber.set(level, name);
    numberByLabel.set(name, level);
  }

  function setLevel(record: LogRecord, level: unknown): boolean {
    if (typeof level === 'number') {
      record.severityNumber = pinoSeverityNumber(level);
      record.severityText = labelByNumber.get(level) ?? pinoLabel(level) ?? String(level);
      return true;
    }
    if (typeof level === 'string') {
      const custom = numberByLabel.get(level);
      record.severityNumber = custom !== undefined ? pinoSeverityNumber(custom) : levelFromWord(level);
      record.severityText = level;
      return true;
    }
    return false;
  }

  function build(object: Record<string, unknown>, nowMs: number): LogRecord {
    const record = newRecord('', nowMs);
    const attributes = record.attributes;
    let message: string | undefined;
    let otherMessage: unknown;
    let hasOtherMessage = false;
    let timeSet = false;
    let req: Record<string, unknown> | undefined;
    let res: Record<string, unknown> | undefined;
    let responseTimeMs: number | undefined;
    for (const key in object) {
      const value = object[key];
      if (key === messageKey && typeof value === 'string') {
        message = value;
        continue;
      }
      switch (key) {
        case 'level':
        case 'severity':
        case 'lvl':
          if (record.severityNumber === 0 && setLevel(record, value)) continue;
          break;
        case 'time':
        case 'timestamp':
        case '@timestamp':
        case 'ts': {
          if (timeSet) break;
          const ns =
            typeof value === 'number'
              ? epochToNanos(value)
              : typeof value === 'string'
                ? parseAnyTimestamp(value, nowMs, offset)
                : undefined;
          if (ns !== undefined) {
            record.timeUnixNano = ns;
            timeSet = true;
            continue;
          }
          break;
        }
        case 'message':
          if (typeof value === 'string') {
            otherMessage = value;
            hasOtherMessage = true;
            continue;
          }
          break;
        case 'trace_id':
        case 'traceId':
        case 'traceid': {
          const id = normaliseTraceId(value);
          if (id !== '') {
            record.traceId = id;
            continue;
          }
          break;
        }
        case 'span_id':
        case 'spanId':
        case 'spanid': {
          const id = normaliseSpanId(value);
          if (id !== '') {
            record.spanId = id;
            continue;
          }
          break;
        }
        case 'trace_flags':
        case 'traceFlags': {
          const flags = typeof value === 'string' ? Number.parseInt(value, 16) : value;
          if (typeof flags === 'number' && Number.isInteger(flags) && flags >= 0 && flags <= 255) {
            record.flags = flags;
            continue;
          }
          break;
        }
        case 'hostname':
          if (typeof value === 'string') {
            attributes['host.name'] = value;
            continue;
          }
          break;
        case 'pid':
          if (typeof value === 'number') {
            attributes['process.pid'] = value;
            continue;
          }
          break;
        case 'req':
          if (isObject(value)) req = value;
          break;
        case 'res':
          if (isObject(value)) res = value;
          break;
        case 'responseTime':
          if (typeof value === 'number') responseTimeMs = value;
          break;
      }
      if (key === errorKey && isObject(value) && setError(attributes, key, value)) continue;
      attributes[key] = jsonToAnyValue(value);
    }
    if (message !== undefined) {
      record.body = message;
      if (hasOtherMessage) attributes['message'] = otherMessage as string;
    } else if (hasOtherMessage) {
      record.body = otherMessage as string;
    }
    if (req !== undefined || res !== undefined) setHttp(attributes, req, res, responseTimeMs);
    return record;
  }

  return function parseJsonLine(line: string, nowMs: number): ParsedLine {
    let i = 0;
    while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
    if (line.charCodeAt(i) !== 123 /* { */) return unparsed(line, nowMs);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return unparsed(line, nowMs);
    }
    if (!isObject(value)) return unparsed(line, nowMs);
    try {
      return { record: build(value, nowMs), parsed: true };
    } catch {
      // only reachable on pathological nesting (stack exhaustion while converting)
      return unparsed(line, nowMs);
    }
  };
}

/** pino's serialized error → exception.*; its other fields stay under the error key. */
function setError(attributes: Attributes, key: string, error: Record<string, unknown>): boolean {
  const { type, message, stack } = error;
  if (typeof message !== 'string' && typeof stack !== 'string') return false;
  setException(attributes, {
    type: typeof type === 'string' ? type : '',
    message: typeof message === 'string' ? message : '',
    stacktrace: typeof stack === 'string' ? stack : '',
  });
  let rest: Attributes | undefined;
  for (const field in error) {
    if (field === 'type' || field === 'message' || field === 'stack') continue;
    rest ??= newAttributes();
    rest[field] = jsonToAnyValue(error[field]);
  }
  if (rest !== undefined) attributes[key] = rest;
  return true;
}

/** pino-http's `req`/`res`/`responseTime` → semantic-convention HTTP attributes (originals kept). */
function setHttp(
  attributes: Attributes,
  req: Record<string, unknown> | undefined,
  res: Record<string, unknown> | undefined,
  responseTimeMs: number | undefined,
): void {
  if (req !== undefined) {
    if (typeof req['method'] === 'string') setMethod(attributes, req['method']);
    if (typeof req['url'] === 'string') splitTarget(attributes, req['url']);
    if (typeof req['remoteAddress'] === 'string') attributes['client.address'] = req['remoteAddress'];
    if (typeof req['remotePort'] === 'number') attributes['client.port'] = req['remotePort'];
    const headers = req['headers'];
    if (isObject(headers) && typeof headers['user-agent'] === 'string') attributes['user_agent.original'] = headers['user-agent'];
  }
  if (res !== undefined && typeof res['statusCode'] === 'number') attributes['http.response.status_code'] = res['statusCode'];
  if (responseTimeMs !== undefined && responseTimeMs >= 0) attributes['http.server.request.duration'] = responseTimeMs / 1000;
}

/** The parser with pino's defaults. */
export const parseJsonLine: LineParser = createJsonParser();
