import { newAttributes } from '@lookout/otlp';
import type { Attributes, LogRecord } from '@lookout/otlp';
import { newRecord, parseUint, stripCr, unparsed } from './record.ts';
import type { LineParser, ParsedLine, ParserOptions } from './record.ts';
import { levelFromWord, syslogSeverityNumber, syslogSeverityText } from './severity.ts';
import { scanBsdTimestamp, scanIsoTimestamp, type ScanEnd } from './timestamp.ts';

/**
 * Syslog messages, RFC 5424 and RFC 3164 (BSD), with or without the `<PRI>` (files
 * written by syslogd have none):
 *   `<165>1 2003-10-11T22:14:15.003Z host app 1234 ID47 [id@32473 k="v"] msg`
 *   `<34>Oct 11 22:14:15 host su[123]: 'su root' failed`
 *   `Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure`
 * → host.name, syslog.app_name, process.pid (syslog.procid when it is not a number),
 * syslog.msgid, syslog.structured_data ({sd-id: {param: value}}), syslog.facility,
 * syslog.version (5424 only); PRI severity → severity number and keyword. The body is
 * the MSG part (a leading UTF-8 BOM removed). A 3164 date has no year: it is the
 * latest year that does not put the date more than a day after `nowMs`.
 */
export function createSyslogParser(options: ParserOptions = {}): LineParser {
  const offset = options.utcOffsetMinutes ?? 0;
  return function parseSyslogLine(input: string, nowMs: number): ParsedLine {
    const line = stripCr(input);
    let i = 0;
    let pri = -1;
    if (line.charCodeAt(0) === 60 /* < */) {
      const close = line.indexOf('>', 1);
      if (close < 2 || close > 4) return unparsed(input, nowMs);
      pri = parseUint(line, 1, close);
      if (pri < 0 || pri > 191) return unparsed(input, nowMs);
      i = close + 1;
      const v = line.charCodeAt(i);
      if (v >= 49 && v <= 57) {
        const versionEnd = line.charCodeAt(i + 1) === 32 ? i + 1 : line.charCodeAt(i + 2) === 32 ? i + 2 : -1;
        if (versionEnd > 0) {
          const version = parseUint(line, i, versionEnd);
          if (version > 0) return parse5424(input, line, versionEnd + 1, pri, version, nowMs, offset);
        }
      }
    }
    return parse3164(input, line, i, pri, nowMs, offset);
  };
}

function setPriority(record: LogRecord, pri: number): void {
  if (pri < 0) return;
  const severity = pri & 7;
  record.severityNumber = syslogSeverityNumber(severity);
  record.severityText = syslogSeverityText(severity);
  record.attributes['syslog.facility'] = pri >> 3;
}

function setProcId(attributes: Attributes, procId: string): void {
  const pid = parseUint(procId, 0, procId.length);
  if (pid >= 0) attributes['process.pid'] = pid;
  else attributes['syslog.procid'] = procId;
}

/** Next space-delimited field from `start`: sets fieldEnd; '' for the NILVALUE '-'. */
let fieldEnd = 0;
function field(s: string, start: number): string | undefined {
  const end = s.indexOf(' ', start);
  if (end <= start) return undefined; // missing or empty field
  fieldEnd = end;
  return end === start + 1 && s.charCodeAt(start) === 45 ? '' : s.slice(start, end);
}

function parse5424(
  input: string,
  line: string,
  start: number,
  pri: number,
  version: number,
  nowMs: number,
  offset: number,
): ParsedLine {
  let i = start;
  let time = 0n;
  if (line.charCodeAt(i) === 45 /* - */) {
    i++;
  } else {
    const at: ScanEnd = { end: 0 };
    const ns = scanIsoTimestamp(line, i, offset, at);
    if (ns === undefined) return unparsed(input, nowMs);
    time = ns;
    i = at.end;
  }
  if (line.charCodeAt(i) !== 32) return unparsed(input, nowMs);
  const host = field(line, i + 1);
  if (host === undefined) return unparsed(input, nowMs);
  const app = field(line, fieldEnd + 1);
  if (app === undefined) return unparsed(input, nowMs);
  const procId = field(line, fieldEnd + 1);
  if (procId === undefined) return unparsed(input, nowMs);
  const msgId = field(line, fieldEnd + 1);
  let sdStart: number;
  if (msgId === undefined) {
    // MSGID may be the last header field only when SD follows; the line may end in '-'
    return unparsed(input, nowMs);
  } else {
    sdStart = fieldEnd + 1;
  }
  const record = newRecord('', nowMs);
  record.timeUnixNano = time;
  const attributes = record.attributes;
  setPriority(record, pri);
  attributes['syslog.version'] = version;
  if (host !== '') attributes['host.name'] = host;
  if (app !== '') attributes['syslog.app_name'] = app;
  if (procId !== '') setProcId(attributes, procId);
  if (msgId !== '') attributes['syslog.msgid'] = msgId;

  let j = sdStart;
  if (line.charCodeAt(j) === 45) {
    j++;
  } else if (line.charCodeAt(j) === 91 /* [ */) {
    const sd = newAttributes();
    while (line.charCodeAt(j) === 91) {
      j = parseSdElement(line, j + 1, sd);
      if (j < 0) return unparsed(input, nowMs);
    }
    attributes['syslog.structured_data'] = sd;
  } else {
    return unparsed(input, nowMs);
  }
  if (j < line.length) {
    if (line.charCodeAt(j) !== 32) return unparsed(input, nowMs);
    j++;
  }
  if (line.charCodeAt(j) === 0xfeff) j++;
  record.body = line.slice(j);
  return { record, parsed: true };
}

/** `id k="v" k2="v2"]` from `start` (just past '['); returns the index after ']' or -1. */
function parseSdElement(s: string, start: number, sd: Attributes): number {
  let i = start;
  while (i < s.length && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 93) i++;
  if (i === start || i >= s.length) return -1;
  const id = s.slice(start, i);
  const params = newAttributes();
  while (s.charCodeAt(i) === 32) {
    const eq = s.indexOf('="', i + 1);
    if (eq <= i + 1) return -1;
    const name = s.slice(i + 1, eq);
    if (name.includes(' ') || name.includes(']')) return -1;
    let value = '';
    let j = eq + 2;
    let runStart = j;
    for (;;) {
      if (j >= s.length) return -1;
      const c = s.charCodeAt(j);
      if (c === 34) break;
      if (c === 92 /* \ */) {
        const next = s.charCodeAt(j + 1);
        // RFC 5424 6.3.3: only \" \\ \] are escapes; any other backslash is literal
        if (next === 34 || next === 92 || next === 93) {
          value += s.slice(runStart, j);
          runStart = j + 1;
          j += 2;
          continue;
        }
      }
      j++;
    }
    value += s.slice(runStart, j);
    params[name] = value;
    i = j + 1;
  }
  if (s.charCodeAt(i) !== 93) return -1;
  sd[id] = params;
  return i + 1;
}

function isTagChar(c: number): boolean {
  return c > 32 && c !== 58 /* : */ && c !== 91 /* [ */;
}

function parse3164(input: string, line: string, start: number, pri: number, nowMs: number, offset: number): ParsedLine {
  const first = line.charCodeAt(start);
  // an RFC 3339 stamp (rsyslog's file format) always has its 'T'; a space there is a log4j-style line
  const at: ScanEnd = { end: 0 };
  const time =
    first >= 48 && first <= 57
      ? line.charCodeAt(start + 10) === 84
        ? scanIsoTimestamp(line, start, offset, at)
        : undefined
      : scanBsdTimestamp(line, start, nowMs, offset, at);
  if (time === undefined || line.charCodeAt(at.end) !== 32 || line.charCodeAt(at.end + 1) === 32) {
    if (pri < 0) return unparsed(input, nowMs);
    // RFC 3164 4.3.2: a PRI without a valid timestamp: the rest is all content
    const record = newRecord(line.slice(start), nowMs);
    setPriority(record, pri);
    return { record, parsed: true };
  }
  const record = newRecord('', nowMs);
  record.timeUnixNano = time;
  setPriority(record, pri);
  const attributes = record.attributes;
  const n = line.length;
  let i = at.end + 1;
  // HOSTNAME, unless the next word is already the tag (`app:` or `app[pid]`)
  let wordEnd = i;
  while (wordEnd < n && line.charCodeAt(wordEnd) !== 32) wordEnd++;
  const last = line.charCodeAt(wordEnd - 1);
  let looksLikeTag = last === 58;
  if (!looksLikeTag && last === 93) {
    const bracket = line.indexOf('[', i);
    looksLikeTag = bracket > i && bracket < wordEnd;
  }
  if (!looksLikeTag && pri < 0 && levelFromWord(line.slice(i, wordEnd)) !== 0) {
    // `<time> INFO ...` is an application log line, not syslog without a PRI
    return unparsed(input, nowMs);
  }
  if (!looksLikeTag && wordEnd > i) {
    attributes['host.name'] = line.slice(i, wordEnd);
    i = wordEnd;
    while (line.charCodeAt(i) === 32) i++;
  }
  // TAG[PID]: — the tag ends at '[', ':' or a space
  const tagStart = i;
  while (i < n && i - tagStart < 128 && isTagChar(line.charCodeAt(i))) i++;
  if (i > tagStart && (i === n || line.charCodeAt(i) === 32 || line.charCodeAt(i) === 58 || line.charCodeAt(i) === 91)) {
    attributes['syslog.app_name'] = line.slice(tagStart, i);
    if (line.charCodeAt(i) === 91) {
      const close = line.indexOf(']', i + 1);
      if (close > i + 1 && close - i < 130) {
        setProcId(attributes, line.slice(i + 1, close));
        i = close + 1;
      }
    }
    if (line.charCodeAt(i) === 58) i++;
    if (line.charCodeAt(i) === 32) i++;
  } else {
    i = tagStart;
  }
  record.body = line.slice(i);
  return { record, parsed: true };
}

export const parseSyslogLine: LineParser = createSyslogParser();
