import { newAttributes } from '@lookout/otlp';
import type { AnyValue, LogRecord } from '@lookout/otlp';
import { observedNanos } from './timestamp.ts';

/** What every parser returns: a record, and whether the line matched the format. */
export interface ParsedLine {
  record: LogRecord;
  /**
   * false when the line did not match the format: the record then carries the whole
   * line as its body and nothing else, so the line is kept, and callers count it.
   */
  parsed: boolean;
  /** how many raw lines a log stream joined into this record (a stack trace); 1 when absent */
  lines?: number;
  /**
   * The format that parsed the line, set by an auto-detecting stream parser (a stream
   * that switches formats parses each line in its own); absent from a single parser's result.
   */
  format?: string;
}

/**
 * A parser: a pure function of the line and the time it was received (observed time,
 * and the year of formats that omit it). Never throws.
 */
export type LineParser = (line: string, nowMs: number) => ParsedLine;

export interface ParserOptions {
  /**
   * Offset east of UTC, in minutes, of timestamps written without a zone (syslog RFC
   * 3164, Apache error log, most log4j layouts). Default 0 (UTC).
   */
  utcOffsetMinutes?: number;
}

export function newRecord(body: AnyValue, nowMs: number): LogRecord {
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: observedNanos(nowMs),
    severityNumber: 0,
    severityText: '',
    body,
    attributes: newAttributes(),
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
}

/** The line did not match: keep it whole as the body. */
export function unparsed(line: string, nowMs: number): ParsedLine {
  return { record: newRecord(line, nowMs), parsed: false };
}

/** Lines read from CRLF files keep their CR until here. */
export function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/**
 * Non-negative decimal integer of the whole slice, or -1 (also -1 beyond 15 digits, and
 * when the slice runs past the end of the string: a line cut inside a number is not that
 * number).
 */
export function parseUint(s: string, start: number, end: number): number {
  if (end <= start || end - start > 15 || end > s.length) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const HEX = /^[0-9a-f]+$/;

/** A W3C trace id: 32 lowercase hex digits, not all zero; '' otherwise. */
export function normaliseTraceId(value: unknown): string {
  return normaliseHexId(value, 32);
}

/** A W3C span id: 16 lowercase hex digits, not all zero; '' otherwise. */
export function normaliseSpanId(value: unknown): string {
  return normaliseHexId(value, 16);
}

function normaliseHexId(value: unknown, length: number): string {
  if (typeof value !== 'string' || value.length !== length) return '';
  const lower = value.toLowerCase();
  if (!HEX.test(lower) || /^0+$/.test(lower)) return '';
  return lower;
}
