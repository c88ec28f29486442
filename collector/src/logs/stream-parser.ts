import { createFormatDetector } from './format-detector.ts';
import type { FormatDetection, FormatDetector, FormatDetectorOptions } from './format-detector.ts';
import { createFormatParser } from './formats.ts';
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
  /** how many times detection started again after a run of failures */
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
 * pattern, or detection from the first lines and then that format alone. While the
 * detector looks, each line is still parsed (by the best candidate) and returned at once.
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
  let redetectAfter = baseRedetect;
  let detector: FormatDetector = createFormatDetector(options);
  let detected: LogFormat | undefined;
  let previous: LogFormat | undefined;
  let parser: LineParser | undefined;
  let failuresInARow = 0;

  function adopt(detection: FormatDetection): void {
    detected = detection.format;
    if (previous === detected) redetectAfter = Math.min(redetectAfter * 2, baseRedetect * 100);
    else redetectAfter = baseRedetect;
    previous = detected;
    // auto-detected `plain` means no format fits: its lines count as unparsed
    parser = detected === 'plain' ? unparsed : createFormatParser(detected, options);
    failuresInARow = 0;
  }

  return {
    parse(line: string, nowMs: number): ParsedLine {
      if (parser === undefined) {
        const result = detector.observe(line, nowMs);
        if (detector.detection.settled) adopt(detector.detection);
        return count(result);
      }
      const result = parser(line, nowMs);
      if (result.parsed) {
        failuresInARow = 0;
      } else if (baseRedetect > 0 && ++failuresInARow >= redetectAfter) {
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
