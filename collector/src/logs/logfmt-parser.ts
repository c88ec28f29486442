import type { LogRecord } from '@lookout/otlp';
import { newRecord, normaliseSpanId, normaliseTraceId, stripCr, unparsed } from './record.ts';
import type { LineParser, ParsedLine, ParserOptions } from './record.ts';
import { levelFromWord } from './severity.ts';
import { parseAnyTimestamp } from './timestamp.ts';

/**
 * logfmt (`level=info ts=2023-10-11T22:14:15Z msg="hello world" user=42`): `level`/`lvl`
 * → severity, `msg`/`message` → body, `ts`/`time`/`timestamp` → time, `trace_id`/`span_id`
 * → the record's ids, every other pair → a string attribute; a bare key → `true`.
 *
 * The line must be made of pairs: at least one `key=value`, and at most one bare key for
 * every two pairs (so prose with a stray `a=b` is not taken for logfmt).
 */
export function createLogfmtParser(options: ParserOptions = {}): LineParser {
  const offset = options.utcOffsetMinutes ?? 0;

  function assign(record: LogRecord, key: string, value: string, nowMs: number): void {
    switch (key) {
      case 'msg':
      case 'message':
        if (record.body === '') {
          record.body = value;
          return;
        }
        break;
      case 'level':
      case 'lvl':
      case 'severity':
        if (record.severityText === '') {
          record.severityText = value;
          record.severityNumber = levelFromWord(value);
          return;
        }
        break;
      case 'ts':
      case 'time':
      case 'timestamp': {
        if (record.timeUnixNano !== 0n) break;
        const ns = parseAnyTimestamp(value, nowMs, offset);
        if (ns !== undefined) {
          record.timeUnixNano = ns;
          return;
        }
        break;
      }
      case 'trace_id':
      case 'traceID':
      case 'traceId': {
        const id = normaliseTraceId(value);
        if (id !== '') {
          record.traceId = id;
          return;
        }
        break;
      }
      case 'span_id':
      case 'spanID':
      case 'spanId': {
        const id = normaliseSpanId(value);
        if (id !== '') {
          record.spanId = id;
          return;
        }
        break;
      }
    }
    record.attributes[key] = value;
  }

  return function parseLogfmtLine(input: string, nowMs: number): ParsedLine {
    const line = stripCr(input);
    const n = line.length;
    const record = newRecord('', nowMs);
    let pairs = 0;
    let bare = 0;
    let i = 0;
    while (i < n) {
      let c = line.charCodeAt(i);
      if (c === 32 || c === 9) {
        i++;
        continue;
      }
      const keyStart = i;
      while (i < n && c > 32 && c !== 61 /* = */ && c !== 34 /* " */) c = line.charCodeAt(++i);
      if (i === keyStart) return unparsed(input, nowMs); // '=' or '"' where a key should be
      const key = line.slice(keyStart, i);
      if (i >= n || c === 32 || c === 9) {
        bare++;
        record.attributes[key] = true;
        continue;
      }
      if (c !== 61) return unparsed(input, nowMs); // a quote inside a key
      i++;
      let value: string;
      if (line.charCodeAt(i) === 34) {
        const end = quotedEnd(line, i + 1);
        if (end < 0) return unparsed(input, nowMs);
        value = unquote(line, i + 1, end);
        i = end + 1;
        const after = line.charCodeAt(i);
        if (i < n && after !== 32 && after !== 9) return unparsed(input, nowMs);
      } else {
        const valueStart = i;
        c = line.charCodeAt(i);
        while (i < n && c > 32) {
          if (c === 34) return unparsed(input, nowMs);
          c = line.charCodeAt(++i);
        }
        if (i < n && c !== 32 && c !== 9) return unparsed(input, nowMs); // control character
        value = line.slice(valueStart, i);
      }
      pairs++;
      assign(record, key, value, nowMs);
    }
    if (pairs === 0 || bare * 2 > pairs) return unparsed(input, nowMs);
    return { record, parsed: true };
  };
}

/** Index of the closing quote of a quoted value starting at `start`, or -1. */
function quotedEnd(s: string, start: number): number {
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34) return i;
  }
  return -1;
}

function unquote(s: string, start: number, end: number): string {
  const firstEscape = s.indexOf('\\', start);
  if (firstEscape < 0 || firstEscape >= end) return s.slice(start, end);
  let out = s.slice(start, firstEscape);
  for (let i = firstEscape; i < end; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[++i];
    switch (next) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
        } else {
          out += '\\u';
        }
        break;
      }
      case '"':
      case '\\':
      case '/':
        out += next;
        break;
      default:
        out += '\\' + (next ?? '');
    }
  }
  return out;
}

export const parseLogfmtLine: LineParser = createLogfmtParser();
