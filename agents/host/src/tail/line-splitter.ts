/**
 * Bytes of a file → lines, with byte offsets. Pure: no I/O, the caller feeds chunks in
 * file order. A line is emitted only once its newline has been seen (a half-written
 * last line waits), except that a line longer than `maxLineBytes` is cut into parts so
 * memory stays bounded; the parts carry their number and whether more follow.
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface SplitLine {
  /** the line without its newline (and without a trailing \r) */
  text: string;
  /** file offset of its first byte */
  start: number;
  /** file offset just after it: after the newline, or at the cut for a part */
  end: number;
  /** 0 for a whole line; 1, 2, … for the parts of a line cut at maxLineBytes */
  part: number;
  /** true for a part that the next part continues */
  continues: boolean;
}

export interface LineSplitterOptions {
  /** file offset of the first byte that will be pushed */
  offset: number;
  maxLineBytes: number;
  /**
   * true when `offset` is in the middle of a line (a restart from a checkpoint taken
   * after a cut part): the first piece is then numbered as a later part.
   */
  midLine?: boolean;
}

/** Where to cut `bytes` at most `max` long without splitting a UTF-8 sequence. */
export function utf8CutPoint(bytes: Uint8Array, max: number): number {
  if (bytes.length <= max) return bytes.length;
  let cut = max;
  // step back over continuation bytes (10xxxxxx), at most 3 of them
  for (let i = 0; i < 3 && cut > 0 && (bytes[cut]! & 0xc0) === 0x80; i++) cut--;
  return cut === 0 ? max : cut;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** offset of the first pending byte */
  private lineStart: number;
  /** parts of the current line already emitted */
  private partsEmitted: number;
  private readonly maxLineBytes: number;

  constructor(options: LineSplitterOptions) {
    if (!(options.maxLineBytes >= 4)) throw new Error(`maxLineBytes must be at least 4, got ${options.maxLineBytes}`);
    this.lineStart = options.offset;
    this.maxLineBytes = options.maxLineBytes;
    this.partsEmitted = options.midLine ? 1 : 0;
  }

  /** offset of the first byte not yet emitted as (part of) a line */
  get emittedOffset(): number {
    return this.lineStart;
  }

  /** bytes held while their line is incomplete */
  get pendingLength(): number {
    return this.pendingBytes;
  }

  /** Feeds the next bytes of the file; returns the lines they complete. `chunk` may be reused by the caller afterwards. */
  push(chunk: Uint8Array): SplitLine[] {
    const lines: SplitLine[] = [];
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    for (;;) {
      const newline = buf.indexOf(NEWLINE, from);
      if (newline === -1) break;
      const pendingBefore = this.pendingBytes;
      const line = this.take(buf.subarray(from, newline));
      this.emit(line, pendingBefore + (newline - from) + 1, lines, true);
      from = newline + 1;
    }
    if (from < buf.length) {
      // keep a copy: the caller may reuse its buffer
      this.pending.push(Buffer.from(buf.subarray(from)));
      this.pendingBytes += buf.length - from;
      if (this.pendingBytes > this.maxLineBytes) this.cutParts(lines);
    }
    return lines;
  }

  /**
   * Emits whatever is pending as a last line: for a file that will not grow any more
   * (a rotated file after its wait, a copy). Returns [] when nothing is pending.
   */
  flush(): SplitLine[] {
    if (this.pendingBytes === 0) return [];
    const lines: SplitLine[] = [];
    const bytes = this.take(Buffer.alloc(0));
    this.emit(bytes, bytes.length, lines, false);
    return lines;
  }

  /** pending bytes + `tail` as one buffer; clears pending */
  private take(tail: Buffer): Buffer {
    const whole = this.pendingBytes === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    return whole;
  }

  /** Emits `bytes` (a complete line, or the rest of one) which spans `consumed` file bytes. */
  private emit(bytes: Buffer, consumed: number, out: SplitLine[], endsWithNewline: boolean): void {
    let rest = bytes;
    let restConsumed = consumed;
    while (rest.length > this.maxLineBytes) {
      const cut = utf8CutPoint(rest, this.maxLineBytes);
      this.partsEmitted++;
      out.push({ text: rest.toString('utf8', 0, cut), start: this.lineStart, end: this.lineStart + cut, part: this.partsEmitted, continues: true });
      this.lineStart += cut;
      rest = rest.subarray(cut);
      restConsumed -= cut;
    }
    let length = rest.length;
    if (endsWithNewline && length > 0 && rest[length - 1] === CARRIAGE_RETURN) length--;
    const part = this.partsEmitted > 0 ? this.partsEmitted + 1 : 0;
    out.push({ text: rest.toString('utf8', 0, length), start: this.lineStart, end: this.lineStart + restConsumed, part, continues: false });
    this.lineStart += restConsumed;
    this.partsEmitted = 0;
  }

  /** Cuts full parts off an over-long pending line so that at most maxLineBytes stay pending. */
  private cutParts(out: SplitLine[]): void {
    let bytes = this.take(Buffer.alloc(0));
    while (bytes.length > this.maxLineBytes) {
      const cut = utf8CutPoint(bytes, this.maxLineBytes);
      this.partsEmitted++;
      out.push({ text: bytes.toString('utf8', 0, cut), start: this.lineStart, end: this.lineStart + cut, part: this.partsEmitted, continues: true });
      this.lineStart += cut;
      bytes = bytes.subarray(cut);
    }
    this.pending = [Buffer.from(bytes)];
    this.pendingBytes = bytes.length;
  }
}
