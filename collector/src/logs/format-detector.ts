import { createFormatParser, DETECTABLE_FORMATS } from './formats.ts';
import type { FormatOptions, LogFormat } from './formats.ts';
import { unparsed } from './record.ts';
import type { LineParser, ParsedLine } from './record.ts';

export interface FormatDetectorOptions extends FormatOptions {
  /** Decide after at most this many non-blank lines. Default 20. */
  maxLines?: number;
  /** Decide early once this many lines in a row all parse in the leading format. Default 5. */
  settleAfter?: number;
  /** Below this share of lines parsed, the stream is `plain`. Default 0.5. */
  minConfidence?: number;
  /** Formats to consider, most specific first. Default `DETECTABLE_FORMATS`. */
  candidates?: readonly LogFormat[];
}

export interface FormatDetection {
  format: LogFormat;
  /** share of the lines seen that parse in `format` (for `plain`: that parse in no format) */
  confidence: number;
  linesSeen: number;
  /** true once the detector has decided; further lines do not change the answer */
  settled: boolean;
}

export interface FormatDetector {
  /**
   * Look at one more line. Returns the line parsed in the format leading so far, or in
   * the most specific format that can parse it, or unparsed when none can.
   */
  observe(line: string, nowMs: number): ParsedLine;
  /** The best answer so far (format `plain` with confidence 0 before any line). */
  readonly detection: FormatDetection;
  /** Decide now with what has been seen. */
  settle(): FormatDetection;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

/**
 * Detects a stream's format from its first lines by parsing each of them in every
 * candidate format and counting successes. Blank lines are not evidence.
 */
export function createFormatDetector(options: FormatDetectorOptions = {}): FormatDetector {
  const maxLines = Math.max(1, options.maxLines ?? 20);
  const settleAfter = Math.max(1, Math.min(options.settleAfter ?? 5, maxLines));
  const minConfidence = options.minConfidence ?? 0.5;
  const candidates = options.candidates ?? DETECTABLE_FORMATS;
  const parsers: LineParser[] = candidates.map((format) => createFormatParser(format, options));
  const counts = candidates.map(() => 0);
  let seen = 0;
  let parsedByNone = 0;
  let settled = false;
  let decision: FormatDetection = { format: 'plain', confidence: 0, linesSeen: 0, settled: false };

  function leader(): number {
    let best = -1;
    for (let k = 0; k < counts.length; k++) if (counts[k]! > 0 && (best < 0 || counts[k]! > counts[best]!)) best = k;
    return best;
  }

  function decide(settle: boolean): FormatDetection {
    const best = leader();
    const share = best < 0 || seen === 0 ? 0 : counts[best]! / seen;
    // A stream whose lines parse, but in several formats (services taking turns in one
    // file), is not `plain`: it takes the leading format and the stream parser reads each
    // other line in the format that fits it. `plain` is for lines that parse in none.
    const parsedShare = seen === 0 ? 0 : (seen - parsedByNone) / seen;
    decision =
      best >= 0 && (share >= minConfidence || parsedShare >= minConfidence)
        ? { format: candidates[best]!, confidence: share, linesSeen: seen, settled: settle }
        : { format: 'plain', confidence: seen === 0 ? 0 : parsedByNone / seen, linesSeen: seen, settled: settle };
    settled = settle;
    return decision;
  }

  return {
    observe(line: string, nowMs: number): ParsedLine {
      if (settled || isBlank(line)) {
        const k = candidates.indexOf(decision.format);
        if (!settled || k < 0) return unparsed(line, nowMs);
        const result = parsers[k]!(line, nowMs);
        if (result.parsed) result.format = candidates[k]!;
        return result;
      }
      const before = leader();
      seen++;
      let chosen: ParsedLine | undefined;
      for (let k = 0; k < parsers.length; k++) {
        const result = parsers[k]!(line, nowMs);
        if (!result.parsed) continue;
        counts[k]!++;
        if (chosen === undefined || k === before) {
          result.format = candidates[k]!;
          chosen = result;
        }
      }
      if (chosen === undefined) parsedByNone++;
      const best = leader();
      const settle = seen >= maxLines || (seen >= settleAfter && best >= 0 && counts[best] === seen);
      decide(settle);
      return chosen ?? unparsed(line, nowMs);
    },
    get detection() {
      return decision;
    },
    settle() {
      return settled ? decision : decide(true);
    },
  };
}
