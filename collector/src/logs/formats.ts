import { parseAccessLogLine } from './access-log-parser.ts';
import { createApacheErrorParser } from './apache-error-parser.ts';
import { createJsonParser } from './json-parser.ts';
import type { JsonParserOptions } from './json-parser.ts';
import { createLog4jParser } from './log4j-parser.ts';
import { createLogfmtParser } from './logfmt-parser.ts';
import { newRecord, stripCr } from './record.ts';
import type { LineParser, ParsedLine } from './record.ts';
import { createSyslogParser } from './syslog-parser.ts';

/** The built-in formats a stream can name (or have detected). */
export const LOG_FORMATS = ['json', 'logfmt', 'access', 'apache-error', 'syslog', 'log4j', 'plain'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Formats the detector tries, most specific first: when a line parses in two formats
 * the earlier one wins (a syslog line with `k=v` pairs in its message is syslog).
 */
export const DETECTABLE_FORMATS: readonly LogFormat[] = ['json', 'syslog', 'access', 'apache-error', 'log4j', 'logfmt'];

/** Other names people use for the same formats. */
const ALIASES: Record<string, LogFormat> = {
  pino: 'json',
  bunyan: 'json',
  ndjson: 'json',
  clf: 'access',
  common: 'access',
  combined: 'access',
  nginx: 'access',
  apache: 'access',
  'apache-access': 'access',
  'nginx-access': 'access',
  rfc5424: 'syslog',
  rfc3164: 'syslog',
  logback: 'log4j',
  java: 'log4j',
  text: 'plain',
  raw: 'plain',
};

/** A format name or alias → the format, or undefined (see `LOG_FORMATS` for the names). */
export function resolveLogFormat(name: string): LogFormat | undefined {
  const lower = name.toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(lower)) return lower as LogFormat;
  return Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : undefined;
}

export type FormatOptions = JsonParserOptions;

/** `plain` takes the line as it is: nothing to fail, so every line counts as parsed. */
export function parsePlainLine(line: string, nowMs: number): ParsedLine {
  return { record: newRecord(stripCr(line), nowMs), parsed: true };
}

export function createFormatParser(format: LogFormat, options: FormatOptions = {}): LineParser {
  switch (format) {
    case 'json':
      return createJsonParser(options);
    case 'logfmt':
      return createLogfmtParser(options);
    case 'access':
      return parseAccessLogLine;
    case 'apache-error':
      return createApacheErrorParser(options);
    case 'syslog':
      return createSyslogParser(options);
    case 'log4j':
      return createLog4jParser(options);
    case 'plain':
      return parsePlainLine;
  }
}
