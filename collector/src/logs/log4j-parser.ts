import type { Attributes } from '@lookout/otlp';
import { setException, splitMessageAndStack } from './exception.ts';
import { newRecord, parseUint, stripCr, unparsed } from './record.ts';
import type { LineParser, ParsedLine, ParserOptions } from './record.ts';
import { levelFromWord } from './severity.ts';
import { scanIsoTimestamp, scanTimeOfDay, type ScanEnd } from './timestamp.ts';

/**
 * Lines of log4j/logback-style layouts: a timestamp, then in any order a level, a
 * `[thread]`, a logger (followed by ` - ` or ` : `), a pid and `---` (Spring Boot), then
 * the message. Covers, among others:
 *   `%d - %-5p [%t:%C{1}@%L] - %m`  2015-07-29 17:41:44,747 - INFO  [main:QuorumPeer@774] - msg
 *   `%d [%t] %-5p %c - %m`          2015-07-29 17:41:44,747 [main] INFO  com.x.Foo - msg
 *   `%d %-5p [%t] %c{1}:%L - %m`    2015-07-29 17:41:44,747 INFO  [main] Foo:42 - msg
 *   Spring Boot                     2023-10-11T14:32:52.123+02:00  INFO 12345 --- [main] c.x.Foo : msg
 *   Python `%(asctime)s - %(name)s - %(levelname)s - %(message)s`
 *   logback console `%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg`
 * → time, severity (text as written), thread.name, code.namespace (logger or class),
 * code.line.number, process.pid. A timestamp and a level are required. When the message
 * spans several lines (joined by the multiline joiner) and goes on with a Java stack or
 * a Python traceback, the body is its first line and the trace goes to exception.*.
 */
export function createLog4jParser(options: ParserOptions = {}): LineParser {
  const offset = options.utcOffsetMinutes ?? 0;
  return function parseLog4jLine(input: string, nowMs: number): ParsedLine {
    const line = stripCr(input);
    const n = line.length;
    let i = 0;
    const bracketed = line.charCodeAt(0) === 91; // `[2023-10-11 14:32:52,123] INFO ...` (Kafka)
    if (bracketed) i = 1;
    const c0 = line.charCodeAt(i);
    if (c0 < 48 || c0 > 57) return unparsed(input, nowMs);
    const at: ScanEnd = { end: 0 };
    const time = line.charCodeAt(i + 2) === 58 ? scanTimeOfDay(line, i, nowMs, offset, at) : scanIsoTimestamp(line, i, offset, at);
    if (time === undefined) return unparsed(input, nowMs);
    i = at.end;
    if (bracketed) {
      if (line.charCodeAt(i) !== 93) return unparsed(input, nowMs);
      i++;
    }
    if (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) return unparsed(input, nowMs);

    let severity = 0;
    let level = '';
    let thread: string | undefined;
    let logger: string | undefined;
    let codeLine = -1;
    let pid = -1;
    let spring = false;
    let messageStart = -1;
    for (let step = 0; step < 12 && messageStart < 0; step++) {
      while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
      if (i >= n) {
        messageStart = n;
        break;
      }
      const c = line.charCodeAt(i);
      const next = line.charCodeAt(i + 1);
      const separator = (c === 45 /* - */ || c === 58) /* : */ && (next === 32 || i + 1 === n);
      if (separator) {
        if (severity !== 0) messageStart = Math.min(i + 2, n);
        else i += 2;
        continue;
      }
      if (c === 91 /* [ */) {
        const close = closingBracket(line, i);
        if (close < 0) {
          if (severity === 0) return unparsed(input, nowMs);
          messageStart = i;
          break;
        }
        const content = line.slice(i + 1, close);
        const bracketLevel = severity === 0 ? levelFromWord(content) : 0;
        if (bracketLevel !== 0) {
          severity = bracketLevel;
          level = content;
        } else if (thread === undefined || (spring && logger === undefined)) {
          thread = content.trim();
        } else {
          messageStart = i;
          break;
        }
        i = close + 1;
        continue;
      }
      let end = i;
      while (end < n && line.charCodeAt(end) !== 32 && line.charCodeAt(end) !== 9) end++;
      const colonEnded = line.charCodeAt(end - 1) === 58;
      const word = line.slice(i, colonEnded ? end - 1 : end);
      if (severity === 0) {
        const wordLevel = levelFromWord(word);
        if (wordLevel !== 0) {
          severity = wordLevel;
          level = word;
          i = end;
          if (colonEnded) messageStart = Math.min(end + 1, n);
          continue;
        }
      }
      if (severity !== 0 && pid < 0 && logger === undefined && isDigits(word) && !colonEnded) {
        pid = Number(word);
        i = end;
        continue;
      }
      if (word === '---') {
        spring = true;
        i = end;
        continue;
      }
      if (logger === undefined && isLoggerName(word) && ((colonEnded && word.includes('.')) || separatorFollows(line, end))) {
        const colon = word.lastIndexOf(':');
        if (colon > 0 && isDigits(word.slice(colon + 1))) {
          logger = word.slice(0, colon);
          codeLine = Number(word.slice(colon + 1));
        } else {
          logger = word;
        }
        i = end;
        if (colonEnded && severity !== 0) messageStart = Math.min(end + 1, n);
        continue;
      }
      if (severity === 0) return unparsed(input, nowMs);
      messageStart = i;
    }
    if (severity === 0 || messageStart < 0) return unparsed(input, nowMs);

    const record = newRecord('', nowMs);
    record.timeUnixNano = time;
    record.severityNumber = severity;
    record.severityText = level;
    const attributes = record.attributes;
    if (thread !== undefined) setThread(attributes, thread);
    if (logger !== undefined) attributes['code.namespace'] = logger;
    if (codeLine >= 0) attributes['code.line.number'] = codeLine;
    if (pid >= 0) attributes['process.pid'] = pid;
    const message = line.slice(messageStart);
    const split = message.includes('\n') ? splitMessageAndStack(message) : undefined;
    if (split !== undefined) {
      record.body = split.message;
      setException(attributes, split.exception);
    } else {
      record.body = message;
    }
    return { record, parsed: true };
  };
}

/** ZooKeeper's `%t:%C{1}@%L` packs thread, class and line into the brackets. */
function setThread(attributes: Attributes, content: string): void {
  const at = content.lastIndexOf('@');
  if (at > 0) {
    const colon = content.lastIndexOf(':', at);
    const codeLine = parseUint(content, at + 1, content.length);
    if (colon > 0 && codeLine >= 0 && isLoggerName(content.slice(colon + 1, at))) {
      attributes['thread.name'] = content.slice(0, colon);
      attributes['code.namespace'] = content.slice(colon + 1, at);
      attributes['code.line.number'] = codeLine;
      return;
    }
  }
  attributes['thread.name'] = content;
}

/** Index of the ']' that closes the '[' at `open`, counting nested brackets; -1 if none. */
function closingBracket(s: string, open: number): number {
  let depth = 0;
  const limit = Math.min(s.length, open + 512);
  for (let i = open; i < limit; i++) {
    const c = s.charCodeAt(i);
    if (c === 91) depth++;
    else if (c === 93 && --depth === 0) return i;
    else if (c === 10) return -1;
  }
  return -1;
}

/** After `end`, optional spaces then ` - ` / ` : ` (or the end of the line after ':'). */
function separatorFollows(s: string, end: number): boolean {
  let i = end;
  while (s.charCodeAt(i) === 32) i++;
  if (i === end) return false;
  const c = s.charCodeAt(i);
  if (c !== 45 && c !== 58) return false;
  const next = s.charCodeAt(i + 1);
  return next === 32 || i + 1 === s.length;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 10) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Java/Python logger or class name, optionally `:line`: letters, digits, `_ $ . -` and `:`. */
function isLoggerName(s: string): boolean {
  if (s.length === 0 || s.length > 256) return false;
  const first = s.charCodeAt(0);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95 || first === 36)) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c === 46 || c === 45 || c === 58;
    if (!ok) return false;
  }
  return true;
}

export const parseLog4jLine: LineParser = createLog4jParser();
