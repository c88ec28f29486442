import type { Attributes } from '@lookout/otlp';
import { newRecord, parseUint, stripCr, unparsed } from './record.ts';
import type { LineParser, ParsedLine, ParserOptions } from './record.ts';
import { apacheLevel } from './severity.ts';
import { scanCtimeTimestamp, type ScanEnd } from './timestamp.ts';

/**
 * Apache error log, 2.2 and 2.4 forms:
 *   `[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] msg`
 *   `[Wed Oct 11 14:32:52.123456 2023] [core:error] [pid 123:tid 456] [client 1.2.3.4:5678] AH00124: msg`
 * → time, severity (text = Apache's level word), apache.module, process.pid, thread.id,
 * client.address/client.port; the body is the message.
 */
export function createApacheErrorParser(options: ParserOptions = {}): LineParser {
  const offset = options.utcOffsetMinutes ?? 0;
  return function parseApacheErrorLine(input: string, nowMs: number): ParsedLine {
    const line = stripCr(input);
    if (line.charCodeAt(0) !== 91 /* [ */) return unparsed(input, nowMs);
    const at: ScanEnd = { end: 0 };
    const time = scanCtimeTimestamp(line, 1, offset, at);
    if (time === undefined) return unparsed(input, nowMs);
    let i = at.end;
    if (line.charCodeAt(i) !== 93 || line.charCodeAt(i + 1) !== 32 || line.charCodeAt(i + 2) !== 91) {
      return unparsed(input, nowMs);
    }
    const levelEnd = line.indexOf(']', i + 3);
    if (levelEnd < 0) return unparsed(input, nowMs);
    const levelField = line.slice(i + 3, levelEnd);
    const colon = levelField.lastIndexOf(':');
    const level = colon < 0 ? levelField : levelField.slice(colon + 1);
    const severity = apacheLevel(level);
    if (severity === 0) return unparsed(input, nowMs);
    // 2.4 writes sub-second times or module:level, and then always a client port
    const modern = line.charCodeAt(20) === 46 || colon > 0;

    const record = newRecord('', nowMs);
    record.timeUnixNano = time;
    record.severityNumber = severity;
    record.severityText = level;
    const attributes = record.attributes;
    if (colon > 0) attributes['apache.module'] = levelField.slice(0, colon);
    i = levelEnd + 1;
    // optional [pid N:tid M], [client addr], [remote addr] groups, in that order
    while (line.charCodeAt(i) === 32 && line.charCodeAt(i + 1) === 91) {
      const close = line.indexOf(']', i + 2);
      if (close < 0 || !bracketGroup(attributes, line, i + 2, close, modern)) break;
      i = close + 1;
    }
    if (line.charCodeAt(i) === 32) i++;
    record.body = line.slice(i);
    return { record, parsed: true };
  };
}

function bracketGroup(attributes: Attributes, s: string, start: number, end: number, modern: boolean): boolean {
  if (s.startsWith('pid ', start)) {
    const tid = s.indexOf(':tid ', start);
    const pidEnd = tid > 0 && tid < end ? tid : end;
    const pid = parseUint(s, start + 4, pidEnd);
    if (pid < 0) return false;
    attributes['process.pid'] = pid;
    if (pidEnd < end) {
      const threadId = parseUint(s, tid + 5, end);
      if (threadId >= 0) attributes['thread.id'] = threadId;
    }
    return true;
  }
  if (s.startsWith('client ', start)) {
    setPeer(attributes, s.slice(start + 7, end), modern);
    return true;
  }
  if (s.startsWith('remote ', start)) {
    // the peer of the connection when a proxy header set the client: keep it apart
    attributes['network.peer.address'] = stripPort(s.slice(start + 7, end), modern).address;
    return true;
  }
  return false;
}

function stripPort(peer: string, modern: boolean): { address: string; port: number } {
  const colon = peer.lastIndexOf(':');
  // 2.2 never writes a port, so a colon there belongs to an IPv6 address
  if (!modern || colon < 0) return { address: peer, port: -1 };
  const port = parseUint(peer, colon + 1, peer.length);
  if (port < 0 || port > 65535) return { address: peer, port: -1 };
  return { address: peer.slice(0, colon), port };
}

function setPeer(attributes: Attributes, peer: string, modern: boolean): void {
  const { address, port } = stripPort(peer, modern);
  attributes['client.address'] = address;
  if (port >= 0) attributes['client.port'] = port;
}

export const parseApacheErrorLine: LineParser = createApacheErrorParser();
