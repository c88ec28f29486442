import { Buffer } from 'node:buffer';

export interface MultilineOptions {
  /**
   * A line matching this starts a new entry; every other line continues the current
   * one. Without it, continuation lines are recognised by shape (see `isContinuation`).
   */
  startPattern?: string | RegExp;
  /** Most lines in one entry; more are split into a further entry. Default 500. */
  maxLines?: number;
  /** Most UTF-8 bytes in one entry (newlines included); more are split. Default 64 KiB. */
  maxBytes?: number;
  /** An entry with no new line for this long is complete. Default 1000 ms. */
  timeoutMs?: number;
}

export type SplitReason = 'max_lines' | 'max_bytes';

export interface JoinedEntry {
  /** the lines, joined with '\n' */
  text: string;
  lines: number;
  /** set when the entry was cut at a bound; the next entry continues it */
  split?: SplitReason;
  /** true when this entry continues one that was cut at a bound */
  continued: boolean;
}

export interface MultilineJoiner {
  /** Add a line received at `nowMs`; returns the entries this line completed. */
  push(line: string, nowMs: number): readonly JoinedEntry[];
  /** Entries completed because no line came for `timeoutMs`. */
  poll(nowMs: number): readonly JoinedEntry[];
  /** The entry in progress, if any (end of stream). */
  flush(): readonly JoinedEntry[];
  readonly hasPending: boolean;
}

const NONE: readonly JoinedEntry[] = Object.freeze([]);

/** Where we are in a Python traceback, which ends in an unindented `Type: message` line. */
const Traceback = {
  None: 0,
  /** inside `Traceback (most recent call last):` frames */
  Frames: 1,
  /** after the exception line: a chained traceback may follow after a blank line */
  After: 2,
} as const;
type Traceback = (typeof Traceback)[keyof typeof Traceback];

/** `java.lang.IllegalStateException: boom`, `Exception in thread "main" java.lang.Error`, `com.x.Outer$Inner` */
const JAVA_EXCEPTION_HEADER = /^(?:Exception in thread "[^"\n]*" )?[A-Za-z_$][\w$]*(?:\.[\w$]+)+(?::|$)/;

function isIndented(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Shape-based continuation test, for streams without a start pattern: indented lines,
 * `at …`, `Caused by:`, `Suppressed:`, `... N more`, a Java exception header line,
 * Python's `Traceback (most recent call last):` and the chained-traceback sentences.
 */
export function isContinuation(line: string): boolean {
  if (line.length === 0) return false;
  const c = line.charCodeAt(0);
  if (isIndented(c)) return true;
  switch (c) {
    case 97: // a
      return line.startsWith('at ');
    case 67: // C
      return line.startsWith('Caused by: ');
    case 83: // S
      return line.startsWith('Suppressed: ');
    case 46: // .
      return line.startsWith('... ') && line.endsWith(' more');
    case 84: // T
      return line.startsWith('Traceback (most recent call last):') || line.startsWith('The above exception was the direct cause');
    case 68: // D
      return line.startsWith('During handling of the above exception');
    default:
      return line.length < 1024 && JAVA_EXCEPTION_HEADER.test(line);
  }
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Cut `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
function chunkByBytes(text: string, maxBytes: number): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const pieces: string[] = [];
  let start = 0;
  while (bytes.length - start > maxBytes) {
    let end = start + maxBytes;
    while (end > start && (bytes[end]! & 0xc0) === 0x80) end--; // back off a continuation byte
    if (end === start) end = start + maxBytes; // maxBytes < one character: cut anyway
    pieces.push(bytes.toString('utf8', start, end));
    start = end;
  }
  pieces.push(bytes.toString('utf8', start));
  return pieces;
}

/**
 * Joins stack traces and other continuation lines to the line they belong to. Pure
 * state machine: time comes in as `nowMs`, nothing runs on its own; call `poll` from a
 * timer to flush an entry whose stream went quiet.
 */
export function createMultilineJoiner(options: MultilineOptions = {}): MultilineJoiner {
  const maxLines = Math.max(1, options.maxLines ?? 500);
  const maxBytes = Math.max(16, options.maxBytes ?? 64 * 1024);
  const timeoutMs = options.timeoutMs ?? 1000;
  const start = options.startPattern === undefined ? undefined : typeof options.startPattern === 'string' ? new RegExp(options.startPattern) : options.startPattern;
  // a /g or /y pattern keeps lastIndex between tests; a plain copy does not
  const startPattern = start && (start.global || start.sticky) ? new RegExp(start.source, start.flags.replace(/[gy]/g, '')) : start;

  let parts: string[] = [];
  let bytes = 0;
  let lastAt = 0;
  let continued = false;
  let traceback: Traceback = Traceback.None;

  function take(split?: SplitReason): JoinedEntry {
    const lines = parts.length === 1 ? parts : trimTrailingBlank(parts);
    const entry: JoinedEntry = { text: lines.length === 1 ? lines[0]! : lines.join('\n'), lines: lines.length, continued };
    if (split !== undefined) entry.split = split;
    parts = [];
    bytes = 0;
    continued = split !== undefined;
    return entry;
  }

  function continues(line: string): boolean {
    if (startPattern !== undefined) return !startPattern.test(line);
    if (traceback === Traceback.Frames) {
      if (line.length > 0 && !isIndented(line.charCodeAt(0))) traceback = Traceback.After; // the exception line
      return true;
    }
    if (line.length === 0) return traceback === Traceback.After;
    if (line.startsWith('Traceback (most recent call last):')) {
      traceback = Traceback.Frames;
      return true;
    }
    if (traceback === Traceback.After && (line.startsWith('During handling') || line.startsWith('The above exception'))) return true;
    traceback = Traceback.None;
    return isContinuation(line);
  }

  /** Add a line to the pending entry, cutting at the bounds; completed pieces go to `out`. */
  function append(line: string, out: JoinedEntry[]): void {
    let size = utf8Length(line) + (parts.length > 0 ? 1 : 0);
    if (parts.length > 0 && (parts.length + 1 > maxLines || bytes + size > maxBytes)) {
      out.push(take(parts.length + 1 > maxLines ? 'max_lines' : 'max_bytes'));
      size -= 1;
    }
    if (size > maxBytes) {
      const pieces = chunkByBytes(line, maxBytes);
      for (let k = 0; k < pieces.length - 1; k++) {
        parts.push(pieces[k]!);
        out.push(take('max_bytes'));
      }
      line = pieces[pieces.length - 1]!;
      size = utf8Length(line);
    }
    parts.push(line);
    bytes += size;
  }

  return {
    push(input: string, nowMs: number): readonly JoinedEntry[] {
      const line = input.length > 0 && input.charCodeAt(input.length - 1) === 13 ? input.slice(0, -1) : input;
      let out: JoinedEntry[] | undefined;
      if (parts.length > 0) {
        if (!continues(line)) out = [take()];
      } else {
        // a first line can open a Python traceback too (logged with no message before it)
        traceback = startPattern === undefined && line.startsWith('Traceback (most recent call last):') ? Traceback.Frames : Traceback.None;
      }
      const sink = out ?? [];
      append(line, sink);
      lastAt = nowMs;
      return sink.length === 0 ? NONE : sink;
    },
    poll(nowMs: number): readonly JoinedEntry[] {
      if (parts.length === 0 || nowMs - lastAt < timeoutMs) return NONE;
      traceback = Traceback.None;
      return [take()];
    },
    flush(): readonly JoinedEntry[] {
      if (parts.length === 0) return NONE;
      traceback = Traceback.None;
      return [take()];
    },
    get hasPending() {
      return parts.length > 0;
    },
  };
}

/** Blank lines held while a chained Python traceback might follow do not end an entry. */
function trimTrailingBlank(parts: string[]): string[] {
  let end = parts.length;
  while (end > 1 && parts[end - 1] === '') end--;
  return end === parts.length ? parts : parts.slice(0, end);
}
