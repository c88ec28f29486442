import type { MinuteBucket, WindowSum, WindowSumsFn } from './window-sums.ts';

export interface WindowIndexOptions {
  /** windows up to this length are exact to the minute (the policy's longest window) */
  exactMinutes: number;
  /** longest window asked for at all (the period; a calendar month needs 31 days) */
  periodMinutes: number;
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
 * are folded into hourly totals. For the Workbook policy and 30 days that is
 * 4,320 × 9 + 722 × 22 bytes ≈ 55 kB per SLO instead of 43,200 rows.
 *
 * Windows up to `exactMinutes` are exact. A longer window (the period, used only
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
  /** minute → coversFromMinute for the rare buckets that span a gap */
  private readonly spans = new Map<number, number>();
  private newest: number | undefined;
  private readonly hourSlots: number;
  private readonly hourTag: Int32Array;
  private readonly hourGood: Float64Array;
  private readonly hourTotal: Float64Array;
  private readonly hourBuckets: Uint16Array;

  constructor(options: WindowIndexOptions) {
    if (!(Number.isInteger(options.exactMinutes) && options.exactMinutes > 0)) {
      throw new RangeError(`exactMinutes must be a positive integer, got ${options.exactMinutes}`);
    }
    this.exactMinutes = options.exactMinutes;
    this.periodMinutes = Math.max(options.periodMinutes, options.exactMinutes);
    this.good = new Float32Array(this.exactMinutes);
    this.total = new Float32Array(this.exactMinutes);
    this.present = new Uint8Array(this.exactMinutes);
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
    if (this.good instanceof Float32Array && (Math.fround(good) !== good || Math.fround(total) !== total)) {
      this.good = Float64Array.from(this.good);
      this.total = Float64Array.from(this.total);
    }
    this.advanceTo(minute);
    const slot = mod(minute, this.exactMinutes);
    this.good[slot] = good;
    this.total[slot] = total;
    this.present[slot] = 1;
    const coversFrom = bucket.coversFromMinute ?? minute;
    if (coversFrom < minute) this.spans.set(minute, coversFrom);
  }

  /** Moves the ring's newest minute to `minute`, folding minutes that leave it into hours. */
  private advanceTo(minute: number): void {
    const cap = this.exactMinutes;
    if (this.newest === undefined) {
      this.newest = minute;
      return;
    }
    const steps = minute - this.newest;
    if (steps >= cap) {
      // Everything in the ring leaves it.
      for (let x = this.newest - cap + 1; x <= this.newest; x++) this.evict(x);
    } else {
      for (let x = this.newest + 1; x <= minute; x++) this.evict(x - cap);
    }
    this.newest = minute;
  }

  private evict(minute: number): void {
    const slot = mod(minute, this.exactMinutes);
    if (this.present[slot] === 0) return;
    const hour = Math.floor(minute / 60);
    const hs = mod(hour, this.hourSlots);
    if (this.hourTag[hs] !== hour) {
      this.hourTag[hs] = hour;
      this.hourGood[hs] = 0;
      this.hourTotal[hs] = 0;
      this.hourBuckets[hs] = 0;
    }
    this.hourGood[hs] += this.good[slot];
    this.hourTotal[hs] += this.total[slot];
    this.hourBuckets[hs] += 1;
    this.present[slot] = 0;
    this.good[slot] = 0;
    this.total[slot] = 0;
    if (this.spans.size > 0) this.spans.delete(minute);
  }

  /** Sum of one window of `windowMinutes` ending with `endMinute` (inclusive). */
  sum(endMinute: number, windowMinutes: number): WindowSum {
    const result: WindowSum = { good: 0, total: 0, minutesWithData: 0 };
    if (this.newest === undefined) return result;
    const start = endMinute - windowMinutes; // exclusive
    const ringStart = this.newest - this.exactMinutes; // exclusive: older minutes are in hours
    const from = Math.max(start, ringStart) + 1;
    const to = Math.min(endMinute, this.newest);
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
    if (start < ringStart) this.addHours(result, start, Math.min(ringStart, endMinute), ringStart);
    return result;
  }

  /**
   * Sums for several windows ending with `endMinute`, in one backward pass over
   * the ring. Windows asked for later and not in the list are summed on demand.
   */
  sums(endMinute: number, windows: readonly number[]): WindowSumsFn {
    const cache = new Map<number, WindowSum>();
    const sorted = [...new Set(windows)].filter((w) => w > 0).sort((a, b) => a - b);
    if (this.newest === undefined) {
      return () => ({ good: 0, total: 0, minutesWithData: 0 });
    }
    const cap = this.exactMinutes;
    const ringStart = this.newest - cap;
    let good = 0;
    let total = 0;
    let count = 0;
    // Gap-spanning buckets count from their first covered minute on.
    let deferred: { coversFrom: number; good: number; total: number }[] | undefined;
    let x = Math.min(endMinute, this.newest);
    for (const w of sorted) {
      const start = endMinute - w;
      const stop = Math.max(start, ringStart);
      for (; x > stop; x--) {
        const slot = mod(x, cap);
        if (this.present[slot] === 0) continue;
        const coversFrom = this.spans.size > 0 ? this.spans.get(x) : undefined;
        if (coversFrom !== undefined) {
          (deferred ??= []).push({ coversFrom, good: this.good[slot], total: this.total[slot] });
          continue;
        }
        good += this.good[slot];
        total += this.total[slot];
        count += 1;
      }
      const sum: WindowSum = { good, total, minutesWithData: count };
      if (deferred) {
        for (const d of deferred) {
          if (d.coversFrom > start) {
            sum.good += d.good;
            sum.total += d.total;
            sum.minutesWithData += 1;
          }
        }
      }
      if (start < ringStart) this.addHours(sum, start, Math.min(ringStart, endMinute), ringStart);
      cache.set(w, sum);
    }
    return (windowMinutes) => cache.get(windowMinutes) ?? this.sum(endMinute, windowMinutes);
  }

  /** Adds the hourly totals for minutes (start, end], all at or before `ringStart`. */
  private addHours(into: WindowSum, start: number, end: number, ringStart: number): void {
    if (end <= start) return;
    const firstHour = Math.floor((start + 1) / 60);
    const lastHour = Math.floor(end / 60);
    for (let hour = firstHour; hour <= lastHour; hour++) {
      const hs = mod(hour, this.hourSlots);
      if (this.hourTag[hs] !== hour) continue;
      const spanFrom = hour * 60;
      const spanTo = Math.min(hour * 60 + 59, ringStart);
      const partFrom = Math.max(spanFrom, start + 1);
      const partTo = Math.min(spanTo, end);
      if (partTo < partFrom) continue;
      const share = (partTo - partFrom + 1) / (spanTo - spanFrom + 1);
      into.good += this.hourGood[hs] * share;
      into.total += this.hourTotal[hs] * share;
      into.minutesWithData += Math.round(this.hourBuckets[hs] * share);
    }
  }
}
