import { SliWindowIndex, policyWindows } from '@lookout/alerts';
import type { MinuteBucket, SloDefinition, WindowSum, WindowSumsFn } from '@lookout/alerts';

/**
 * Window sums of one SLO for the runtime: alerts' SliWindowIndex (O(1) per tracked
 * window) holds the settled minutes, and the last `lateMinutes` minutes — which late
 * spans and log lines may still change in the SLI store — are re-read every cycle
 * and added on top. A window of W minutes ending at E is then
 *   index(W − lag minutes ending at S) + tail minutes in (E − W, E],  S = E − lag,
 * so the index tracks the policy's windows shortened by the lag. Events that arrive
 * after their minute settled stay in the store (and count after a restart) but not
 * in the running index.
 */
export class SettledWindowIndex {
  readonly lateMinutes: number;
  private readonly index: SliWindowIndex;
  /** minutes up to this one were read from the store and appended (when settled) */
  private readThrough: number | undefined;
  private settledThrough: number | undefined;
  private tail: MinuteBucket[] = [];

  constructor(slo: SloDefinition, lateMinutes: number) {
    this.lateMinutes = Math.max(0, Math.floor(lateMinutes));
    const windows = policyWindows(slo.policy);
    const exactMinutes = Math.max(1, ...windows);
    this.index = new SliWindowIndex({
      exactMinutes,
      periodMinutes: slo.period.kind === 'rolling' ? slo.period.minutes : 31 * 1440,
      windows: windows.map((w) => w - this.lateMinutes).filter((w) => w > 0),
    });
  }

  /** First minute the store must be read from for an evaluation ending with `endMinute`. */
  readFrom(endMinute: number): number {
    if (this.settledThrough === undefined) return endMinute - this.index.periodMinutes + 1;
    return Math.min(this.settledThrough + 1, endMinute + 1);
  }

  /**
   * Takes the store's buckets for readFrom(endMinute)…endMinute (ascending, minutes
   * with events): settled ones go into the index, the rest are the tail.
   */
  update(buckets: readonly MinuteBucket[], endMinute: number): void {
    const settle = endMinute - this.lateMinutes;
    const tail: MinuteBucket[] = [];
    for (const bucket of buckets) {
      if (bucket.minute > endMinute) continue;
      if (bucket.minute <= settle) {
        const newest = this.index.newestMinute;
        if (newest === undefined || bucket.minute > newest) this.index.append(bucket);
      } else tail.push(bucket);
    }
    this.tail = tail;
    this.readThrough = endMinute;
    if (this.settledThrough === undefined || settle > this.settledThrough) this.settledThrough = settle;
  }

  /** Sums of windows ending with `endMinute` (the last complete minute), after update(…, endMinute). */
  sums(endMinute: number): WindowSumsFn {
    // (a clock that went back ends before the settled minutes: the index scans those)
    const settled = Math.min(this.settledThrough ?? endMinute - this.lateMinutes, endMinute);
    const lag = endMinute - settled;
    const cache = new Map<number, WindowSum>();
    return (windowMinutes) => {
      let sum = cache.get(windowMinutes);
      if (sum) return sum;
      sum = windowMinutes > lag ? { ...this.index.sum(settled, windowMinutes - lag) } : { good: 0, total: 0, minutesWithData: 0 };
      const start = endMinute - windowMinutes; // exclusive
      for (const bucket of this.tail) {
        if (bucket.minute <= start || bucket.minute > endMinute) continue;
        sum.good += bucket.good;
        sum.total += bucket.total;
        sum.minutesWithData += 1;
      }
      cache.set(windowMinutes, sum);
      return sum;
    };
  }

  /** Bytes of the index's arrays (what grows with the number of SLOs). */
  memoryBytes(): number {
    return this.index.memoryBytes();
  }

  get lastReadMinute(): number | undefined {
    return this.readThrough;
  }
}
