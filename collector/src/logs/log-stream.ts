import { createMultilineJoiner } from './multiline.ts';
import type { JoinedEntry, MultilineJoiner, MultilineOptions } from './multiline.ts';
import type { ParsedLine } from './record.ts';
import { createStreamParser } from './stream-parser.ts';
import type { StreamParser, StreamParserOptions } from './stream-parser.ts';

export interface LogStreamOptions extends StreamParserOptions {
  /**
   * Join continuation lines (stack traces) into one record before parsing. `false` for
   * sources that frame each message themselves (syslog, Loki push). Default: joining
   * by line shape with the default bounds.
   */
  multiline?: false | MultilineOptions;
}

/** Attribute on a record that was cut at a multiline bound: 'max_lines' or 'max_bytes'. */
export const MULTILINE_SPLIT_ATTRIBUTE = 'log.multiline.split';
/** Attribute on a record that continues one cut at a multiline bound. */
export const MULTILINE_CONTINUED_ATTRIBUTE = 'log.multiline.continued';

export interface LogStream {
  /** One raw line in; the records it completed out (none while an entry is still open). */
  push(line: string, nowMs: number): ParsedLine[];
  /** Records completed because the stream was quiet for the multiline timeout. */
  poll(nowMs: number): ParsedLine[];
  /** Everything pending (the stream ended). */
  flush(nowMs: number): ParsedLine[];
  readonly parser: StreamParser;
}

/**
 * One stream's whole line handling: multiline joining, then format detection and
 * parsing. Pure: time comes in as `nowMs`; call `poll` from a timer.
 */
export function createLogStream(options: LogStreamOptions = {}): LogStream {
  const parser = createStreamParser(options);
  const joiner: MultilineJoiner | undefined = options.multiline === false ? undefined : createMultilineJoiner(options.multiline ?? {});

  function parseEntries(entries: readonly JoinedEntry[], nowMs: number): ParsedLine[] {
    if (entries.length === 0) return [];
    const out: ParsedLine[] = new Array(entries.length);
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k]!;
      const result = parser.parse(entry.text, nowMs);
      if (entry.split !== undefined) result.record.attributes[MULTILINE_SPLIT_ATTRIBUTE] = entry.split;
      if (entry.continued) result.record.attributes[MULTILINE_CONTINUED_ATTRIBUTE] = true;
      // Callers that keep per-line data (the OTLP line path: log.record.uid) map records back to lines.
      if (entry.lines > 1) result.lines = entry.lines;
      out[k] = result;
    }
    return out;
  }

  return {
    push(line, nowMs) {
      if (joiner === undefined) return [parser.parse(line, nowMs)];
      return parseEntries(joiner.push(line, nowMs), nowMs);
    },
    poll(nowMs) {
      return joiner === undefined ? [] : parseEntries(joiner.poll(nowMs), nowMs);
    },
    flush(nowMs) {
      return joiner === undefined ? [] : parseEntries(joiner.flush(), nowMs);
    },
    parser,
  };
}
