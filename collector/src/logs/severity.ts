/**
 * Severity numbers of the OpenTelemetry log data model (TRACE 1-4, DEBUG 5-8, INFO 9-12,
 * WARN 13-16, ERROR 17-20, FATAL 21-24; 0 = unspecified) and the mappings from the level
 * vocabularies of the formats we parse.
 */

export const Severity = {
  UNSPECIFIED: 0,
  TRACE: 1,
  TRACE2: 2,
  TRACE3: 3,
  TRACE4: 4,
  DEBUG: 5,
  DEBUG2: 6,
  DEBUG3: 7,
  DEBUG4: 8,
  INFO: 9,
  INFO2: 10,
  INFO3: 11,
  INFO4: 12,
  WARN: 13,
  WARN2: 14,
  WARN3: 15,
  WARN4: 16,
  ERROR: 17,
  ERROR2: 18,
  ERROR3: 19,
  ERROR4: 20,
  FATAL: 21,
  FATAL2: 22,
  FATAL3: 23,
  FATAL4: 24,
} as const;

export type SeverityBucket = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'unspecified';

const BUCKETS: readonly SeverityBucket[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The range a severity number falls in, for per-stream counters. */
export function severityBucket(severityNumber: number): SeverityBucket {
  if (!(severityNumber >= 1 && severityNumber <= 24) || (severityNumber | 0) !== severityNumber) return 'unspecified';
  return BUCKETS[((severityNumber - 1) / 4) | 0]!;
}

/**
 * Level words as written by common loggers (log4j, logback, JUL, Python, Go, syslog
 * keywords, Apache) → severity number. Keys are lowercase; look up with `levelFromWord`.
 */
const LEVEL_WORDS: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  trace: Severity.TRACE,
  finest: Severity.TRACE,
  finer: Severity.TRACE2,
  debug: Severity.DEBUG,
  dbug: Severity.DEBUG,
  fine: Severity.DEBUG,
  config: Severity.DEBUG3,
  info: Severity.INFO,
  information: Severity.INFO,
  informational: Severity.INFO,
  notice: Severity.INFO2,
  warn: Severity.WARN,
  warning: Severity.WARN,
  error: Severity.ERROR,
  err: Severity.ERROR,
  eror: Severity.ERROR,
  severe: Severity.ERROR,
  crit: Severity.ERROR2,
  critical: Severity.ERROR2,
  alert: Severity.ERROR3,
  fatal: Severity.FATAL,
  emerg: Severity.FATAL,
  emergency: Severity.FATAL,
  panic: Severity.FATAL,
  dpanic: Severity.FATAL,
});

// upper-case spellings too, so the usual `INFO`/`WARN` need no toLowerCase() per line
for (const word of Object.keys(LEVEL_WORDS)) LEVEL_WORDS[word.toUpperCase()] = LEVEL_WORDS[word]!;

/** Severity number of a level word (any case), or 0 when the word is not a level. */
export function levelFromWord(word: string): number {
  if (word.length < 3 || word.length > 13) return 0;
  const exact = LEVEL_WORDS[word];
  if (exact !== undefined) return exact;
  return LEVEL_WORDS[word.toLowerCase()] ?? 0;
}

/** Apache 2.4 `trace1`..`trace8` and the plain words above. */
export function apacheLevel(word: string): number {
  if (word.length === 6 && word.startsWith('trace')) return Severity.TRACE;
  return levelFromWord(word);
}

/**
 * RFC 5424 severity code (0 emerg … 7 debug) → severity number, per the syslog mapping
 * of the OpenTelemetry log data model appendix.
 */
const SYSLOG_SEVERITY_NUMBERS = [
  Severity.FATAL, // 0 emergency
  Severity.ERROR3, // 1 alert
  Severity.ERROR2, // 2 critical
  Severity.ERROR, // 3 error
  Severity.WARN, // 4 warning
  Severity.INFO2, // 5 notice
  Severity.INFO, // 6 informational
  Severity.DEBUG, // 7 debug
] as const;

/** The syslog keywords (RFC 5424 table 2 / syslog.conf), used as severity text. */
const SYSLOG_SEVERITY_TEXT = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

export function syslogSeverityNumber(code: number): number {
  return SYSLOG_SEVERITY_NUMBERS[code & 7];
}

export function syslogSeverityText(code: number): string {
  return SYSLOG_SEVERITY_TEXT[code & 7];
}

const PINO_LABELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * pino numeric level → severity number. The six standard levels land on the first
 * number of their range (30 → INFO 9); custom levels in between keep their order
 * inside the range below the next standard level (35 → INFO3 11, 39 → INFO4 12).
 */
export function pinoSeverityNumber(level: number): number {
  if (!Number.isFinite(level)) return Severity.UNSPECIFIED;
  if (level <= 10) return Severity.TRACE;
  const bucket = Math.min(Math.floor(level / 10), 6); // 1 trace … 6 fatal
  const offset = Math.min(Math.floor(((level - bucket * 10) * 4) / 10), 3);
  return (bucket - 1) * 4 + 1 + offset;
}

/** pino's label for a standard numeric level, or undefined for a custom one. */
export function pinoLabel(level: number): string | undefined {
  return PINO_LABELS[level];
}
