import type { MinuteBucket, WindowSum, WindowSumsFn } from './window-sums.ts';

export interface WindowIndexOptions {
  /** windows up to this length are exact to the minute (the policy's longest window) */
  exactMinutes: number;
  /** longest window asked for at all (the period; a calendar month needs 31 days) */
  periodMinutes: number;
  /** windows (≤ exactMinutes) kept as running sums, answered in O(1): the policy's windows */
  windows?: readonly number[];
}

type CountArray = Float32Array | Float64Array;

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}

/**
 * In-memory window sums for one SLO, fed one bucket per minute.
 *
 * Memory: the last `exactMinutes` minutes are kept per minute (Float32 while every
 * count is exactly representable, i.e. integers below 2^24 per minute; Float64
 * after the first that is not) plus one presence byte; older minutes of the period
 * are folded into hourly totals. For the Workbook policy and 30 days that is about
 * 53 kB per SLO instead of 43,200 rows.
 *
 * Time: each tracked window keeps a running sum, updated as minutes enter and
 * leave it, so a query costs O(1) and an appended minute O(windows). Other
 * windows, queries into the past, and buckets spanning a gap (replayed counters)
 * are summed by scanning the ring.
 *
 * A window is exact while it lies within the last `exactMinutes` minutes (any
 * window up to that length, ending at or after the newest bucket). A longer window
 * (the period, used only
 * for budget figures, never for alert decisions) takes whole hours from the hourly
 * totals and prorates the one hour cut by the window's start, so it is exact to
 * within one hour's events.
 */
export class SliWindowIndex {
  readonly exactMinutes: number;
  readonly periodMinutes: number;
  private good: CountArray;
  private total: CountArray;
  private readonly present: Uint8Array;
  /** minute → coversFromMinute, and back, for the rare buckets that span a gap */
  private readonly spans = new Map<number, number>();
  private readonly spanByStart = new Map<number, number>();
  private newest: number | undefined;
  /** tracked windows, ascending, always including exactMinutes (the whole ring) */
  private readonly tracked: number[];
  private readonly runGood: Float64Array;
  private readonly runTotal: Float64Array;
  private readonly runCount: Float64Array;
  /** appends since the running sums were last recomputed (Float64 counts may drift) */
  private sinceRecompute = 0;
  private readonly hourSlots: number;
  private readonly hourTag: Int32Array;
  private readonly hourGood: Float64Array;
  private readonly hourTotal: Float64Array;
  private readonly hourBuckets: Uint16Array;
  /** sums over every stored hour block, and the newest hour evicted into one */
  private hoursGood = 0;
  private hoursTotal = 0;
  private hoursBuckets = 0;
  private lastHour: number | undefined;

  constructor(options: WindowIndexOptions) {
    if (!(Number.isInteger(options.exactMinutes) && options.exactMinutes > 0)) {
      throw new RangeError(`exactMinutes must be a positive integer, got ${options.exactMinutes}`);
    }
    this.exactMinutes = options.exactMinutes;
    this.periodMinutes = Math.max(options.periodMinutes, options.exactMinutes);
    this.good = new Float32Array(this.exactMinutes);
    this.total = new Float32Array(this.exactMinutes);
    this.present = new Uint8Array(this.exactMinutes);
    const tracked = new Set((options.windows ?? []).filter((w) => Number.isInteger(w) && w > 0 && w <= this.exactMinutes));
    tracked.add(this.exactMinutes);
    this.tracked = [...tracked].sort((a, b) => a - b);
    this.runGood = new Float64Array(this.tracked.length);
    this.runTotal = new Float64Array(this.tracked.length);
    this.runCount = new Float64Array(this.tracked.length);
    this.hourSlots = Math.ceil(this.periodMinutes / 60) + 2;
    this.hourTag = new Int32Array(this.hourSlots).fill(-1);
    this.hourGood = new Float64Array(this.hourSlots);
    this.hourTotal = new Float64Array(this.hourSlots);
    this.hourBuckets = new Uint16Array(this.hourSlots);
  }

  /** Minute of the newest bucket, or undefined before the first. */
  get newestMinute(): number | undefined {
    return this.newest;
  }

  /** Bytes held by the typed arrays (what grows with the number of SLOs). */
  memoryBytes(): number {
    return (
      this.good.byteLength +
      this.total.byteLength +
      this.present.byteLength +
      this.runGood.byteLength * 3 +
      this.hourTag.byteLength +
      this.hourGood.byteLength +
      this.hourTotal.byteLength +
      this.hourBuckets.byteLength
    );
  }

  /** Adds the bucket of a minute later than every bucket so far. */
  append(bucket: MinuteBucket): void {
    const { minute, good, total } = bucket;
    if (!Number.isInteger(minute)) throw new RangeError(`bucket minute must be an integer, got ${minute}`);
    if (this.newest !== undefined && minute <= this.newest) {
      throw new RangeError(`buckets must come in minute order: got minute ${minute} after ${this.newest}`);
    }
    if (!(Number.isFinite(good) && Number.isFinite(total) && good >= 0 && total >= 0)) {
      throw new RangeError(`bucket counts must be finite and non-negative, got good=${good} total=${total} at minute ${minute}`);
    }
    const coversFrom = bucket.coversFromMinute ?? minute;
    if (!(Number.isInteger(coversFrom) && coversFrom <= minute)) {
      throw new RangeError(`coversFromMinute must be an integer at most the bucket's minute, got ${coversFrom} for minute ${minute}`);
    }
    if (this.good instanceof Float32Array && (Math.fround(good) !== good || Math.fround(total) !== total)) {
      this.good = Float64Array.from(this.good);
      this.total = Float64Array.from(this.total);
    }
    this.advanceTo(minute);
    const slot = mod(minute, this.exactMinutes);
    this.good[slot] = good;
    this.total[slot] = total;
    this.present[slot] = 1;
    if (coversFrom < minute) {
      this.spans.set(minute, coversFrom);
      this.spanByStart.set(coversFrom, minute);
    }
    for (let k = 0; k < this.tracked.length; k++) {
      // A gap-spanning bucket counts only in windows holding its whole span.
      if (coversFrom > minute - this.tracked[k]) {
        this.runGood[k] += good;
        this.runTotal[k] += total;
        this.runCount[k] += 1;
      }
    }
    // Integer counts add and subtract exactly; fractional ones (Float64 mode) are
    // re-summed now and then so rounding cannot build up.
    if (this.good instanceof Float64Array && ++this.sinceRecompute >= this.exactMinutes) this.recomputeRunning();
  }

  /** Moves the ring's newest minute to `minute`: minutes leave the running sums and the ring. */
  private advanceTo(minute: number): void {
    const cap = this.exactMinutes;
    if (this.newest === undefined) {
      this.newest = minute;
      return;
    }
    if (minute - this.newest >= cap) {
      for (let x = this.newest - cap + 1; x <= this.newest; x++) this.evict(x);
      this.runGood.fill(0);
      this.runTotal.fill(0);
      this.runCount.fill(0);
      this.newest = minute;
      return;
    }
    const tracked = this.tracked;
    const present = this.present;
    const good = this.good;
    const total = this.total;
    for (let x = this.newest + 1; x <= minute; x++) {
      // Anchored at x, each window loses the minute x − W …
      const xs = mod(x, cap);
      for (let k = 0; k < tracked.length; k++) {
        const leaving = x - tracked[k];
        if (this.spans.size > 0) {
          // … or, for a gap-spanning bucket, the bucket whose span starts there.
          const spanning = this.spanByStart.get(leaving);
          if (spanning !== undefined && spanning < x && spanning - leaving < tracked[k]) this.subtract(k, mod(spanning, cap));
          if (this.spans.has(leaving)) continue;
        }
        let slot = xs - tracked[k];
        if (slot < 0) slot += cap;
        if (present[slot] !== 0) {
          this.runGood[k] -= good[slot];
          this.runTotal[k] -= total[slot];
          this.runCount[k] -= 1;
        }
      }
      if (present[xs] !== 0) this.evict(x - cap);
    }
    this.newest = minute;
  }

  private subtract(k: number, slot: number): void {
    this.runGood[k] -= this.good[slot];
    this.runTotal[k] -= this.total[slot];
    this.runCount[k] -= 1;
  }

  private recomputeRunning(): void {
    this.sinceRecompute = 0;
    const newest = this.newest as number;
    for (let k = 0; k < this.tracked.length; k++) {
      const s = this.scan(newest, this.tracked[k]);
      this.runGood[k] = s.good;
      this.runTotal[k] = s.total;
      this.runCount[k] = s.minutesWithData;
    }
  }

  private evict(minute: number): void {
    const slot = mod(minute, this.exactMinutes);
    if (this.present[slot] === 0) return;
    const hour = Math.floor(minute / 60);
    if (this.lastHour === undefined || hour > this.lastHour) {
      // Clear the blocks of the hours since the last one (they hold hours a whole
      // period older), so stored blocks are always the last `hourSlots` hours.
      const from = this.lastHour === undefined ? hour : Math.max(this.lastHour + 1, hour - this.hourSlots + 1);
      for (let h = from; h <= hour; h++) this.resetHour(h);
      this.lastHour = hour;
    }
    const hs = mod(hour, this.hourSlots);
    this.hourGood[hs] += this.good[slot];
    this.hourTotal[hs] += this.total[slot];
    this.hourBuckets[hs] += 1;
    this.hoursGood += this.good[slot];
    this.hoursTotal += this.total[slot];
    this.hoursBuckets += 1;
    this.present[slot] = 0;
    this.good[slot] = 0;
    this.total[slot] = 0;
    if (this.spans.size > 0) {
      const coversFrom = this.spans.get(minute);
      if (coversFrom !== undefined) {
        this.spans.delete(minute);
        this.spanByStart.delete(coversFrom);
      }
    }
  }

  private resetHour(hour: number): void {
    const hs = mod(hour, this.hourSlots);
    if (this.hourTag[hs] !== -1) {
      this.hoursGood -= this.hourGood[hs];
      this.hoursTotal -= this.hourTotal[hs];
      this.hoursBuckets -= this.hourBuckets[hs];
    }
    this.hourTag[hs] = hour;
    this.hourGood[hs] = 0;
    this.hourTotal[hs] = 0;
    this.hourBuckets[hs] = 0;
  }

  /** Sum of the ring's minutes in (endMinute − windowMinutes, endMinute], honouring spans. */
  private scan(endMinute: number, windowMinutes: number): WindowSum {
    const result: WindowSum = { good: 0, total: 0, minutesWithData: 0 };
    const newest = this.newest as number;
    const start = endMinute - windowMinutes; // exclusive
    const from = Math.max(start, newest - this.exactMinutes) + 1;
    const to = Math.min(endMinute, newest);
    const cap = this.exactMinutes;
    for (let x = from; x <= to; x++) {
      const slot = mod(x, cap);
      if (this.present[slot] === 0) continue;
      if (this.spans.size > 0) {
        const coversFrom = this.spans.get(x);
        if (coversFrom !== undefined && coversFrom <= start) continue;
      }
      result.good += this.good[slot];
      result.total += this.total[slot];
      result.minutesWithData += 1;
    }
    return result;
  }

  /** Sum of one window of `windowMinutes` ending with `endMinute` (inclusive). */
  sum(endMinute: number, windowMinutes: number): WindowSum {
    if (this.newest === undefined) return { good: 0, total: 0, minutesWithData: 0 };
    const result = this.fastSum(endMinute, windowMinutes) ?? this.scan(endMinute, windowMinutes);
    const start = endMinute - windowMinutes;
    const ringStart = this.newest - this.exactMinutes;
    if (start < ringStart) this.addHours(result, start, Math.min(ringStart, endMinute), ringStart);
    return result;
  }

  /** Sums for several windows ending with `endMinute`. */
  sums(endMinute: number, windows: readonly number[]): WindowSumsFn {
    const cache = new Map<number, WindowSum>();
    for (const w of windows) if (w > 0 && !cache.has(w)) cache.set(w, this.sum(endMinute, w));
    return (windowMinutes) => cache.get(windowMinutes) ?? this.sum(endMinute, windowMinutes);
  }

  /**
   * The ring part of a window from the running sums, when that is possible: no
   * spans, a window not ending before the newest minute, and a tracked length (or
   * one reaching past the ring, whose ring part is the whole ring).
   */
  private fastSum(endMinute: number, windowMinutes: number): WindowSum | undefined {
    const newest = this.newest as number;
    if (this.spans.size > 0 || endMinute < newest) return undefined;
    const cap = this.exactMinutes;
    let k: number;
    let length: number;
    if (windowMinutes >= cap) {
      if (endMinute - windowMinutes > newest - cap) return undefined;
      k = this.tracked.length - 1;
      length = cap;
      endMinute = newest; // the whole ring is inside the window
    } else {
      k = this.tracked.indexOf(windowMinutes);
      if (k < 0) return undefined;
      length = windowMinutes;
    }
    const result: WindowSum = { good: this.runGood[k], total: this.runTotal[k], minutesWithData: this.runCount[k] };
    // Minutes that left the window since the newest bucket (time passed without one).
    const leftTo = Math.min(endMinute - length, newest);
    for (let x = newest - length + 1; x <= leftTo; x++) {
      const slot = mod(x, cap);
      if (this.present[slot] === 0) continue;
      result.good -= this.good[slot];
      result.total -= this.total[slot];
      result.minutesWithData -= 1;
    }
    return result;
  }

  /** Adds the hourly totals for minutes (start, end], all at or before `ringStart`. */
  private addHours(into: WindowSum, start: number, end: number, ringStart: number): void {
    if (end <= start || this.lastHour === undefined) return;
    const firstHour = Math.floor((start + 1) / 60);
    if (end === ringStart && firstHour > this.lastHour - this.hourSlots) {
      // Every block up to the ring: the running totals, less the few blocks older
      // than the window and the part of its first hour before the window's start.
      into.good += this.hoursGood;
      into.total += this.hoursTotal;
      into.minutesWithData += this.hoursBuckets;
      for (let hour = this.lastHour - this.hourSlots + 1; hour <= firstHour; hour++) {
        const hs = mod(hour, this.hourSlots);
        if (this.hourTag[hs] !== hour) continue;
        const kept: WindowSum = { good: 0, total: 0, minutesWithData: 0 };
        if (hour === firstHour) this.addHourPart(kept, hs, hour, start, end, ringStart);
        into.good -= this.hourGood[hs] - kept.good;
        into.total -= this.hourTotal[hs] - kept.total;
        into.minutesWithData -= this.hourBuckets[hs] - kept.minutesWithData;
      }
      return;
    }
    const lastHour = Math.floor(end / 60);
    for (let hour = firstHour; hour <= lastHour; hour++) {
      const hs = mod(hour, this.hourSlots);
      if (this.hourTag[hs] !== hour) continue;
      this.addHourPart(into, hs, hour, start, end, ringStart);
    }
  }

  /** The part of one hour block inside (start, end], prorated when the window cuts it. */
  private addHourPart(into: WindowSum, hs: number, hour: number, start: number, end: number, ringStart: number): void {
    const spanFrom = hour * 60;
    const spanTo = Math.min(hour * 60 + 59, ringStart);
    const partFrom = Math.max(spanFrom, start + 1);
    const partTo = Math.min(spanTo, end);
    if (partTo < partFrom) return;
    if (partFrom === spanFrom && partTo === spanTo) {
      into.good += this.hourGood[hs];
      into.total += this.hourTotal[hs];
      into.minutesWithData += this.hourBuckets[hs];
      return;
    }
    const share = (partTo - partFrom + 1) / (spanTo - spanFrom + 1);
    into.good += this.hourGood[hs] * share;
    into.total += this.hourTotal[hs] * share;
    into.minutesWithData += Math.round(this.hourBuckets[hs] * share);
  }
}
