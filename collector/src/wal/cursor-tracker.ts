/**
 * Pure bookkeeping of one consumer's cursor on one log: which sequences were handed to
 * it and not yet settled (its work not yet durable, e.g. an exporter's batch not yet
 * delivered). The cursor that may be committed is the lowest sequence still unsettled,
 * or the next one to hand out when nothing is: everything before it is done, so a
 * replay from it never repeats finished work and never skips unfinished work.
 */
export class CursorTracker {
  /** unsettled sequences, in the order handed out (ascending) */
  private readonly open: number[] = [];
  private openHead = 0;
  private readonly settled = new Set<number>();
  private nextToHand: number;
  private inFlight = 0;
  /** sequences before this were given up by skipTo: their settles only release in-flight items */
  private floor: number;
  private readonly orphans = new Set<number>();

  constructor(start: number) {
    this.nextToHand = start;
    this.floor = start;
  }

  /** the next sequence to hand to the consumer */
  get next(): number {
    return this.nextToHand;
  }

  /** items handed out and not settled */
  get inFlightItems(): number {
    return this.inFlight;
  }

  /** Records that `sequence` (the next one) was handed out with `items` items. */
  handed(sequence: number, items: number): void {
    if (sequence !== this.nextToHand) throw new Error(`cursor: handed ${sequence}, expected ${this.nextToHand}`);
    this.open.push(sequence);
    this.nextToHand = sequence + 1;
    this.inFlight += items;
  }

  /** Records that the work on `sequence` is durable (or given up for good). */
  settle(sequence: number, items: number): void {
    if (sequence < this.floor) {
      // handed out before a skipTo: no longer part of the cursor, but the consumer held it until now
      if (this.orphans.delete(sequence)) this.inFlight -= items;
      return;
    }
    if (sequence >= this.nextToHand || this.settled.has(sequence)) return;
    this.settled.add(sequence);
    this.inFlight -= items;
    while (this.openHead < this.open.length && this.settled.has(this.open[this.openHead]!)) {
      this.settled.delete(this.open[this.openHead]!);
      this.openHead++;
    }
    if (this.openHead > 1024 && this.openHead * 2 > this.open.length) {
      this.open.splice(0, this.openHead);
      this.openHead = 0;
    }
  }

  /** the sequence a restart resumes from: nothing before it needs doing again */
  get committable(): number {
    return this.openHead < this.open.length ? this.open[this.openHead]! : this.nextToHand;
  }

  /**
   * Moves the cursor to `sequence` (ahead only): what was open before it is given up
   * (its items stay in flight until the consumer settles them).
   * Returns how many sequences were skipped that had not been handed out.
   */
  skipTo(sequence: number): number {
    if (sequence <= this.nextToHand) return 0;
    const skipped = sequence - this.nextToHand;
    // what the consumer still holds stays in flight (it bounds what is handed next) until settled
    for (let i = this.openHead; i < this.open.length; i++) if (!this.settled.has(this.open[i]!)) this.orphans.add(this.open[i]!);
    this.open.length = 0;
    this.openHead = 0;
    this.settled.clear();
    this.nextToHand = sequence;
    this.floor = sequence;
    return skipped;
  }
}

/**
 * Item and byte counts and arrival times of the entries on disk, by sequence, as prefix
 * sums: a cursor's lag in items and bytes is one subtraction.
 */
export class EntryIndex {
  private base: number;
  /** cumulative items / bytes before base + i */
  private cumItems: number[] = [0];
  private cumBytes: number[] = [0];
  private arrived: number[] = [];

  constructor(firstSequence: number) {
    this.base = firstSequence;
  }

  get first(): number {
    return this.base;
  }

  get end(): number {
    return this.base + this.arrived.length;
  }

  add(sequence: number, items: number, bytes: number, receivedAtMs: number): void {
    if (sequence !== this.end) throw new Error(`entry index: got ${sequence}, expected ${this.end}`);
    this.cumItems.push(this.cumItems[this.cumItems.length - 1]! + items);
    this.cumBytes.push(this.cumBytes[this.cumBytes.length - 1]! + bytes);
    this.arrived.push(receivedAtMs);
  }

  /** items and bytes of the entries from `from` to the end */
  lag(from: number): { items: number; bytes: number } {
    const i = Math.min(Math.max(from - this.base, 0), this.arrived.length);
    const n = this.arrived.length;
    return { items: this.cumItems[n]! - this.cumItems[i]!, bytes: this.cumBytes[n]! - this.cumBytes[i]! };
  }

  /** items of the entries from `from` up to (not including) `to` */
  itemsBetween(from: number, to: number): number {
    const clamp = (s: number) => Math.min(Math.max(s - this.base, 0), this.arrived.length);
    return this.cumItems[clamp(to)]! - this.cumItems[clamp(from)]!;
  }

  /** the first sequence from which the entries to the end hold at most `bytes` */
  firstWithLagAtMost(bytes: number): number {
    const n = this.arrived.length;
    const want = this.cumBytes[n]! - bytes;
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.cumBytes[mid]! >= want) high = mid;
      else low = mid + 1;
    }
    return this.base + low;
  }

  /** when the entry at `sequence` arrived; undefined past the end */
  arrivedAt(sequence: number): number | undefined {
    return this.arrived[sequence - this.base];
  }

  /** Forgets the entries before `sequence` (released from disk). */
  dropBefore(sequence: number): void {
    const k = Math.min(Math.max(sequence - this.base, 0), this.arrived.length);
    if (k === 0) return;
    const items0 = this.cumItems[k]!;
    const bytes0 = this.cumBytes[k]!;
    this.cumItems = this.cumItems.slice(k).map((v) => v - items0);
    this.cumBytes = this.cumBytes.slice(k).map((v) => v - bytes0);
    this.arrived = this.arrived.slice(k);
    this.base += k;
  }
}
