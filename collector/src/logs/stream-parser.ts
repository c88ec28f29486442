import { createFormatDetector } from './format-detector.ts';
import type { FormatDetection, FormatDetector, FormatDetectorOptions } from './format-detector.ts';
import { createFormatParser, DETECTABLE_FORMATS } from './formats.ts';
import type { LogFormat } from './formats.ts';
import { compileLogPattern } from './pattern-parser.ts';
import { unparsed } from './record.ts';
import type { LineParser, ParsedLine } from './record.ts';

export interface StreamParserOptions extends FormatDetectorOptions {
  /** The stream's format; 'auto' (default) detects it from the first lines. */
  format?: LogFormat | 'auto';
  /** A user pattern (`<ip> - - [<_>] "<method> <path> <_>" <status>`); wins over `format`. */
  pattern?: string;
  /**
   * After this many lines in a row fail to parse in the detected format, detect again
   * (a restarted service may log differently). Doubles each time detection lands on the
   * same format again, up to 100 times the start. Default 100; 0 never re-detects.
   */
  redetectAfter?: number;
}

export interface StreamParserStats {
  lines: number;
  /** lines kept as plain bodies because they did not parse */
  unparsed: number;
  /** how many times the stream changed format: a run of lines in another one, or detection again after a run of failures */
  redetections: number;
}

export interface StreamParser {
  parse(line: string, nowMs: number): ParsedLine;
  /** The format in use: configured, or detected (undefined while detecting); 'pattern' for a user pattern. */
  readonly format: LogFormat | 'pattern' | undefined;
  /** The detector's answer for an auto stream; undefined for a configured one. */
  readonly detection: FormatDetection | undefined;
  readonly stats: Readonly<StreamParserStats>;
}

/**
 * Parsing for one stream (a file, a socket peer, a Loki stream): the configured format or
 * pattern, or detection from the first lines and then that format. While the detector
 * looks, each line is still parsed (by the best candidate) and returned at once. In an
 * auto stream no line is lost to a change of format: a line the detected format cannot
 * parse is tried in the other candidates (most specific first) and returned parsed in
 * the first that fits, its `format` saying which; after `settleAfter` such lines in a row
 * in one format the stream adopts it. Only a line no candidate parses stays unparsed.
 * Throws LogPatternError for an invalid pattern — at construction, never per line.
 */
export function createStreamParser(options: StreamParserOptions = {}): StreamParser {
  const stats: StreamParserStats = { lines: 0, unparsed: 0, redetections: 0 };
  const count = (result: ParsedLine): ParsedLine => {
    stats.lines++;
    if (!result.parsed) stats.unparsed++;
    return result;
  };

  if (options.pattern !== undefined || (options.format !== undefined && options.format !== 'auto')) {
    const parser: LineParser =
      options.pattern !== undefined ? compileLogPattern(options.pattern, options) : createFormatParser(options.format as LogFormat, options);
    const format = options.pattern !== undefined ? 'pattern' : (options.format as LogFormat);
    return {
      parse: (line, nowMs) => count(parser(line, nowMs)),
      format,
      detection: undefined,
      stats,
    };
  }

  const baseRedetect = options.redetectAfter ?? 100;
  const settleAfter = Math.max(1, options.settleAfter ?? 5);
  // One parser per candidate format, built once: a line the stream's format cannot parse
  // is tried in the others, so a block of another format loses no line.
  const candidates = options.candidates ?? DETECTABLE_FORMATS;
  const parsers: LineParser[] = candidates.map((format) => createFormatParser(format, options));
  let redetectAfter = baseRedetect;
  let detector: FormatDetector = createFormatDetector(options);
  let detected: LogFormat | undefined;
  let previous: LogFormat | undefined;
  let parser: LineParser | undefined;
  let failuresInARow = 0;
  /** the candidate that parsed the last lines the stream's format could not, and how many in a row */
  let otherFormat = -1;
  let otherInARow = 0;

  function adopt(format: LogFormat): void {
    detected = format;
    if (previous === detected) redetectAfter = Math.min(redetectAfter * 2, baseRedetect * 100);
    else redetectAfter = baseRedetect;
    previous = detected;
    // auto-detected `plain` means no format fits: its lines count as unparsed
    const k = candidates.indexOf(format);
    parser = detected === 'plain' ? unparsed : k >= 0 ? parsers[k]! : createFormatParser(detected, options);
    failuresInARow = 0;
    otherFormat = -1;
    otherInARow = 0;
  }

  /** The line in the first other candidate that parses it, or undefined. */
  function parseInAnother(line: string, nowMs: number): ParsedLine | undefined {
    for (let k = 0; k < parsers.length; k++) {
      if (candidates[k] === detected) continue;
      const result = parsers[k]!(line, nowMs);
      if (!result.parsed) continue;
      result.format = candidates[k]!;
      if (otherFormat === k) otherInARow++;
      else {
        otherFormat = k;
        otherInARow = 1;
      }
      return result;
    }
    return undefined;
  }

  return {
    parse(line: string, nowMs: number): ParsedLine {
      if (parser === undefined) {
        const result = detector.observe(line, nowMs);
        if (detector.detection.settled) adopt(detector.detection.format);
        return count(result);
      }
      const result = parser(line, nowMs);
      if (result.parsed) {
        failuresInARow = 0;
        otherInARow = 0;
        if (detected !== 'plain') result.format = detected;
        return count(result);
      }
      // A stream detected as `plain` writes no format: trying every candidate on each of
      // its lines would cost ~30× its parse (131k against 3.8M lines/s); it re-detects after
      // a run of failures instead, as before.
      const other = detected === 'plain' ? undefined : parseInAnother(line, nowMs);
      if (other !== undefined) {
        failuresInARow = 0;
        // A run of lines in another format: the stream now writes that format.
        if (otherInARow >= settleAfter) {
          stats.redetections++;
          adopt(candidates[otherFormat]!);
        }
        return count(other);
      }
      otherInARow = 0;
      if (baseRedetect > 0 && ++failuresInARow >= redetectAfter) {
        stats.redetections++;
        detector = createFormatDetector(options);
        parser = undefined;
        detected = undefined;
      }
      return count(result);
    },
    get format() {
      return detected;
    },
    get detection() {
      return detector.detection;
    },
    stats,
  };
}
