import type { LogRecord } from '@lookout/otlp';
import { REQUEST_DURATION_ATTRIBUTE } from './access-log-parser.ts';
import { setMethod, splitTarget } from './http-attributes.ts';
import { newRecord, normaliseSpanId, normaliseTraceId, parseUint, stripCr, unparsed } from './record.ts';
import type { LineParser, ParsedLine, ParserOptions } from './record.ts';
import { levelFromWord, Severity } from './severity.ts';
import { parseAnyTimestamp } from './timestamp.ts';

/** A user pattern that cannot be compiled; the message says where and how to fix it. */
export class LogPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly column: number,
    problem: string,
  ) {
    super(`invalid log pattern ${JSON.stringify(pattern)} at column ${column}: ${problem}`);
    this.name = 'LogPatternError';
  }
}

type Element = { kind: 'literal'; text: string } | { kind: 'capture'; name: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Split a pattern into literals and `<name>` captures, or throw LogPatternError. */
function tokenize(pattern: string): Element[] {
  if (pattern.length === 0) {
    throw new LogPatternError(pattern, 1, 'the pattern is empty; write the line with <name> where fields go, e.g. `<ip> - - [<_>] "<method> <path> <_>" <status>`');
  }
  const elements: Element[] = [];
  const names = new Set<string>();
  let literal = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '<' || pattern[i + 1] === '\\')) {
      literal += pattern[i + 1];
      i += 2;
      continue;
    }
    if (c !== '<') {
      literal += c;
      i++;
      continue;
    }
    const close = pattern.indexOf('>', i + 1);
    if (close < 0) {
      throw new LogPatternError(pattern, i + 1, "'<' opens a placeholder that is never closed with '>'; write \\< for a literal '<'");
    }
    const name = pattern.slice(i + 1, close);
    if (name === '') throw new LogPatternError(pattern, i + 1, "empty placeholder '<>'; name it (<status>) or skip the text with <_>");
    if (!NAME.test(name)) {
      throw new LogPatternError(
        pattern,
        i + 1,
        `placeholder name ${JSON.stringify(name)} must start with a letter or '_' and hold only letters, digits, '_' and '.'; write \\< for a literal '<'`,
      );
    }
    if (name !== '_' && names.has(name)) {
      throw new LogPatternError(pattern, i + 1, `placeholder <${name}> appears twice; give each field its own name, or use <_> to skip text`);
    }
    if (literal !== '') {
      elements.push({ kind: 'literal', text: literal });
      literal = '';
    } else if (elements.length > 0 && elements[elements.length - 1]!.kind === 'capture') {
      const previous = (elements[elements.length - 1] as { name: string }).name;
      throw new LogPatternError(
        pattern,
        i + 1,
        `placeholders <${previous}> and <${name}> touch, so where one ends is ambiguous; put literal text (e.g. a space) between them`,
      );
    }
    names.add(name);
    elements.push({ kind: 'capture', name });
    i = close + 1;
  }
  if (literal !== '') elements.push({ kind: 'literal', text: literal });
  if (![...names].some((name) => name !== '_')) {
    throw new LogPatternError(pattern, 1, 'the pattern names no field; add at least one <name> placeholder (<_> only skips text)');
  }
  return elements;
}

/**
 * Where a named field goes. Well-known names map to semantic-convention attributes
 * (`<ip>` → client.address, `<status>` → http.response.status_code …); any other name,
 * dotted semantic-convention names included, becomes a string attribute of that name.
 */
type Setter = (record: LogRecord, value: string, nowMs: number, offset: number) => boolean;

function setInt(attribute: string): Setter {
  return (record, value) => {
    const n = parseUint(value, 0, value.length);
    if (n < 0) return false;
    record.attributes[attribute] = n;
    return true;
  };
}

function setString(attribute: string): Setter {
  return (record, value) => {
    if (value !== '-') record.attributes[attribute] = value;
    return true;
  };
}

function setDuration(scale: number): Setter {
  return (record, value) => {
    const n = Number(value);
    if (value === '' || !Number.isFinite(n) || n < 0) return false;
    record.attributes[REQUEST_DURATION_ATTRIBUTE] = n * scale;
    return true;
  };
}

const SETTERS: Record<string, Setter> = {
  ip: setString('client.address'),
  client: setString('client.address'),
  client_ip: setString('client.address'),
  clientip: setString('client.address'),
  remote_addr: setString('client.address'),
  method: (record, value) => {
    setMethod(record.attributes, value);
    return true;
  },
  path: (record, value) => {
    splitTarget(record.attributes, value);
    return true;
  },
  uri: (record, value) => {
    splitTarget(record.attributes, value);
    return true;
  },
  url: (record, value) => {
    splitTarget(record.attributes, value);
    return true;
  },
  request_uri: (record, value) => {
    splitTarget(record.attributes, value);
    return true;
  },
  route: setString('http.route'),
  status: setInt('http.response.status_code'),
  status_code: setInt('http.response.status_code'),
  size: setInt('http.response.body.size'),
  bytes: setInt('http.response.body.size'),
  body_bytes_sent: setInt('http.response.body.size'),
  ua: setString('user_agent.original'),
  user_agent: setString('user_agent.original'),
  agent: setString('user_agent.original'),
  http_user_agent: setString('user_agent.original'),
  referer: (record, value) => {
    if (value !== '-') record.attributes['http.request.header.referer'] = [value];
    return true;
  },
  protocol: (record, value) => {
    const slash = value.indexOf('/');
    if (slash <= 0) return false;
    record.attributes['network.protocol.name'] = value.slice(0, slash).toLowerCase();
    record.attributes['network.protocol.version'] = value.slice(slash + 1);
    return true;
  },
  duration: setDuration(1),
  request_time: setDuration(1),
  duration_s: setDuration(1),
  duration_ms: setDuration(1e-3),
  duration_us: setDuration(1e-6),
  time: setTime,
  timestamp: setTime,
  ts: setTime,
  level: setLevel,
  severity: setLevel,
  lvl: setLevel,
  msg: setBody,
  message: setBody,
  host: setString('host.name'),
  hostname: setString('host.name'),
  pid: setInt('process.pid'),
  thread: setString('thread.name'),
  logger: setString('code.namespace'),
  trace_id: (record, value) => {
    record.traceId = normaliseTraceId(value);
    return record.traceId !== '';
  },
  span_id: (record, value) => {
    record.spanId = normaliseSpanId(value);
    return record.spanId !== '';
  },
};
Object.setPrototypeOf(SETTERS, null);

function setTime(record: LogRecord, value: string, nowMs: number, offset: number): boolean {
  const ns = parseAnyTimestamp(value, nowMs, offset);
  if (ns === undefined) return false;
  record.timeUnixNano = ns;
  return true;
}

function setLevel(record: LogRecord, value: string): boolean {
  record.severityText = value;
  record.severityNumber = levelFromWord(value);
  return true;
}

function setBody(record: LogRecord, value: string): boolean {
  record.body = value;
  return true;
}

/**
 * Compile a user pattern once into a parser. `<name>` captures text up to the literal
 * text that follows it (the last placeholder takes the rest of the line); `<_>` skips;
 * `\<` is a literal '<'. The line must match from start to end (trailing spaces aside).
 * A value that does not fit its well-known field (a non-number `<status>`, an
 * unreadable `<time>`) is kept as a string attribute under the placeholder's name.
 * Without a `<msg>`, the body is the whole line. Throws LogPatternError for a pattern
 * that cannot work; the parser it returns never throws.
 */
export function compileLogPattern(pattern: string, options: ParserOptions = {}): LineParser {
  const elements = tokenize(pattern);
  const offset = options.utcOffsetMinutes ?? 0;
  const count = elements.length;
  const literals: string[] = elements.map((e) => (e.kind === 'literal' ? e.text : ''));
  const names: string[] = elements.map((e) => (e.kind === 'capture' ? e.name : ''));
  const setters: (Setter | undefined)[] = names.map((name) => (name === '' || name === '_' ? undefined : SETTERS[name]));

  return function parsePatternLine(input: string, nowMs: number): ParsedLine {
    const line = stripCr(input);
    const n = line.length;
    const values: string[] = [];
    let p = 0;
    for (let k = 0; k < count; k++) {
      const literal = literals[k]!;
      if (literal !== '') {
        if (!line.startsWith(literal, p)) return unparsed(input, nowMs);
        p += literal.length;
        continue;
      }
      if (k + 1 < count) {
        const end = line.indexOf(literals[k + 1]!, p);
        if (end < 0) return unparsed(input, nowMs);
        values.push(line.slice(p, end));
        p = end;
      } else {
        values.push(line.slice(p));
        p = n;
      }
    }
    while (p < n && (line.charCodeAt(p) === 32 || line.charCodeAt(p) === 9)) p++;
    if (p !== n) return unparsed(input, nowMs);

    const record = newRecord(line, nowMs);
    let v = 0;
    for (let k = 0; k < count; k++) {
      const name = names[k]!;
      if (name === '') continue;
      const value = values[v++]!;
      if (name === '_') continue;
      const setter = setters[k];
      if (setter === undefined || !setter(record, value, nowMs, offset)) record.attributes[name] = value;
    }
    if (record.severityNumber === 0) {
      const status = record.attributes['http.response.status_code'];
      if (typeof status === 'number') record.severityNumber = status >= 500 ? Severity.ERROR : status >= 400 ? Severity.WARN : Severity.INFO;
    }
    return { record, parsed: true };
  };
}
