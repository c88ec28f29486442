import type { TailLine } from '../tail/tail-line.ts';

export interface LineBufferLimits {
  maxLines: number;
  maxBytes: number;
}

/** Bytes a line counts for in the buffer: its file bytes plus a share for attributes. */
export function lineCost(line: TailLine): number {
  return line.end - line.start + 64;
}

/**
 * The lines between the files and the collector, oldest first. Bounded: readers ask
 * `hasRoom()` before reading and stop while it is false, so a slow or absent collector
 * leaves the lines in the files (which are the real buffer), never drops them. A read
 * may overshoot the bound by one chunk.
 */
export class LineBuffer {
  private lines: TailLine[] = [];
  private head = 0;
  private bytes = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly limits: LineBufferLimits) {}

  get length(): number {
    return this.lines.length - this.head;
  }

  get byteSize(): number {
    return this.bytes;
  }

  hasRoom(): boolean {
    return this.length < this.limits.maxLines && this.bytes < this.limits.maxBytes;
  }

  push(line: TailLine): void {
    this.lines.push(line);
    this.bytes += lineCost(line);
    if (this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** The oldest lines, at most `maxLines` of them and about `maxBytes`; at least one when any. */
  peek(maxLines: number, maxBytes: number): TailLine[] {
    const out: TailLine[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.lines.length && out.length < maxLines; i++) {
      const line = this.lines[i]!;
      const cost = lineCost(line);
      if (out.length > 0 && bytes + cost > maxBytes) break;
      out.push(line);
      bytes += cost;
    }
    return out;
  }

  /** Removes the `count` oldest lines (after they were acknowledged). */
  drop(count: number): void {
    const end = Math.min(this.head + count, this.lines.length);
    for (let i = this.head; i < end; i++) this.bytes -= lineCost(this.lines[i]!);
    this.head = end;
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }

  /** Resolves when the buffer is not empty. */
  waitForLines(): Promise<void> {
    if (this.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes anyone waiting, e.g. on shutdown. */
  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
