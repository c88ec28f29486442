import type { Attributes } from '@lookout/otlp';
import { newRecord, parseUint, stripCr, unparsed } from './record.ts';
import type { LineParser, ParsedLine } from './record.ts';
import { Severity } from './severity.ts';
import { scanClfTimestamp, type ScanEnd } from './timestamp.ts';
import { setMethod, splitTarget } from './http-attributes.ts';

/** Attribute that carries the request duration, in seconds, when the line has one. */
export const REQUEST_DURATION_ATTRIBUTE = 'http.server.request.duration';

/**
 * Set on a line whose request, status and size are intact but whose trailing quoted field
 * (referer, user agent) was cut off: the attribute name of the damaged field. The request
 * still counts; the damaged value is kept as far as it goes.
 */
export const DAMAGED_FIELD_ATTRIBUTE = 'lookout.log.damaged_field';

/**
 * Apache/nginx access logs: Common Log Format
 *   `host ident authuser [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326`
 * and combined (`... "referer" "user agent"`), optionally followed by more fields, of
 * which the first bare number is the request duration: with a decimal point it is
 * seconds (nginx `$request_time`), without one microseconds (Apache `%D`).
 *
 * The body is the whole line; severity follows the status (5xx ERROR, 4xx WARN, else
 * INFO) so that a severity filter finds failed requests.
 *
 * Lenient where it is safe: a line cut inside the referer or user agent (loggers that cap
 * line length, a truncated copy) still counts as a request, with the damaged field named
 * in DAMAGED_FIELD_ATTRIBUTE. A line cut anywhere before the size field ends is not
 * parsed: the request and status could be wrong.
 */
export function parseAccessLogLine(input: string, nowMs: number): ParsedLine {
  const line = stripCr(input);
  const n = line.length;
  // host ident authuser
  const hostEnd = line.indexOf(' ');
  if (hostEnd <= 0) return unparsed(input, nowMs);
  const identEnd = line.indexOf(' ', hostEnd + 1);
  if (identEnd < 0) return unparsed(input, nowMs);
  const userEnd = line.indexOf(' [', identEnd + 1);
  if (userEnd < 0) return unparsed(input, nowMs);
  // authuser may hold spaces only when quoted; keep the scan linear by trusting ' [' here
  const at: ScanEnd = { end: 0 };
  const time = scanClfTimestamp(line, userEnd + 2, at);
  if (time === undefined) return unparsed(input, nowMs);
  let i = at.end;
  if (line.charCodeAt(i) !== 93 /* ] */ || line.charCodeAt(i + 1) !== 32 || line.charCodeAt(i + 2) !== 34 /* " */) {
    return unparsed(input, nowMs);
  }
  const requestEnd = quotedEnd(line, i + 3);
  if (requestEnd < 0 || line.charCodeAt(requestEnd + 1) !== 32) return unparsed(input, nowMs);
  const request = unescapeQuoted(line, i + 3, requestEnd);
  i = requestEnd + 2;
  const status = parseUint(line, i, i + 3);
  if (status < 100 || (i + 3 < n && line.charCodeAt(i + 3) !== 32)) return unparsed(input, nowMs);
  i += 4;
  let size = -1;
  if (i < n) {
    let sizeEnd = line.indexOf(' ', i);
    if (sizeEnd < 0) sizeEnd = n;
    if (!(sizeEnd === i + 1 && line.charCodeAt(i) === 45 /* - */)) {
      size = parseUint(line, i, sizeEnd);
      if (size < 0) return unparsed(input, nowMs);
    }
    i = sizeEnd + 1;
  }

  const record = newRecord(line, nowMs);
  record.timeUnixNano = time;
  const attributes = record.attributes;
  attributes['client.address'] = line.slice(0, hostEnd);
  if (!(userEnd === identEnd + 2 && line.charCodeAt(identEnd + 1) === 45)) {
    attributes['user.name'] = line.slice(identEnd + 1, userEnd);
  }
  setRequest(attributes, request);
  attributes['http.response.status_code'] = status;
  if (size >= 0) attributes['http.response.body.size'] = size;
  record.severityNumber = status >= 500 ? Severity.ERROR : status >= 400 ? Severity.WARN : Severity.INFO;

  // referer, user agent, then anything else: quoted fields and bare tokens
  let quoted = 0;
  let durationSet = false;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (c === 34) {
      const closed = quotedEnd(line, i + 1);
      const end = closed < 0 ? n : closed;
      const name = quoted === 0 ? 'http.request.header.referer' : quoted === 1 ? 'user_agent.original' : undefined;
      if (name !== undefined && !(end === i + 2 && line.charCodeAt(i + 1) === 45)) {
        const value = unescapeQuoted(line, i + 1, end);
        if (quoted === 0) attributes[name] = [value];
        else attributes[name] = value;
      }
      if (closed < 0) {
        attributes[DAMAGED_FIELD_ATTRIBUTE] = name ?? 'access_log.extra';
        break;
      }
      quoted++;
      i = end + 1;
      continue;
    }
    let end = line.indexOf(' ', i);
    if (end < 0) end = n;
    if (!durationSet) {
      const seconds = durationSeconds(line, i, end);
      if (seconds >= 0) {
        attributes[REQUEST_DURATION_ATTRIBUTE] = seconds;
        durationSet = true;
      }
    }
    i = end;
  }
  return { record, parsed: true };
}

/** `0.123` → 0.123 s; `1234` → 0.001234 s (microseconds); -1 when not a number. */
function durationSeconds(s: string, start: number, end: number): number {
  if (end - start > 24) return -1;
  let sawDot = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 && !sawDot && i > start && i < end - 1) sawDot = true;
    else if (c < 48 || c > 57) return -1;
  }
  if (end === start) return -1;
  const value = Number(s.slice(start, end));
  return sawDot ? value : value / 1e6;
}

/** `GET /a?b HTTP/1.1` → method, url.path, url.query, protocol; anything else is left out. */
function setRequest(attributes: Attributes, request: string): void {
  const methodEnd = request.indexOf(' ');
  if (methodEnd <= 0) return; // "-" (no request line) or a probe with garbage
  const method = request.slice(0, methodEnd);
  if (!isToken(method)) return;
  setMethod(attributes, method);
  const targetEnd = request.indexOf(' ', methodEnd + 1);
  const target = targetEnd < 0 ? request.slice(methodEnd + 1) : request.slice(methodEnd + 1, targetEnd);
  if (target !== '') splitTarget(attributes, target);
  if (targetEnd > 0) {
    const protocol = request.slice(targetEnd + 1);
    const slash = protocol.indexOf('/');
    if (slash > 0) {
      attributes['network.protocol.name'] = protocol.slice(0, slash).toLowerCase();
      attributes['network.protocol.version'] = protocol.slice(slash + 1);
    }
  }
}

/** An HTTP method token: upper-case letters, digits, '-' or '_' (RFC 9110 allows more; logs hold these). */
function isToken(s: string): boolean {
  if (s.length > 24) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || c === 45 || c === 95 || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

/** Index of the closing quote; Apache writes `\"` for a quote and `\\` for a backslash. */
function quotedEnd(s: string, start: number): number {
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
  }
  return -1;
}

function unescapeQuoted(s: string, start: number, end: number): string {
  const slash = s.indexOf('\\', start);
  if (slash < 0 || slash >= end) return s.slice(start, end);
  let out = s.slice(start, slash);
  for (let i = slash; i < end; i++) {
    const c = s[i]!;
    if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) {
      out += s[i + 1];
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

export function createAccessLogParser(): LineParser {
  return parseAccessLogLine;
}
