import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SliWindowIndex } from './window-index.ts';
import { bucketInWindow, lastCompleteMinute, sumBuckets } from './window-sums.ts';
import type { MinuteBucket } from './window-sums.ts';

const bucket = (minute: number, good: number, total: number, coversFromMinute?: number): MinuteBucket =>
  coversFromMinute === undefined ? { minute, good, total } : { minute, good, total, coversFromMinute };

describe('window semantics (Prometheus 2.42, 1-minute samples)', () => {
  it('uses the last complete minute at an evaluation time', () => {
    expect(lastCompleteMinute(10 * 60_000)).toBe(9);
    expect(lastCompleteMinute(10 * 60_000 + 59_999)).toBe(9);
  });

  it('sums W buckets ending with the end minute: the W increases between samples t−W … t', () => {
    const buckets = Array.from({ length: 20 }, (_, m) => bucket(m, m, 10 * m));
    // end minute 9 (evaluation at 10m), 5-minute window: buckets 5..9
    expect(sumBuckets(buckets, 9, 5)).toEqual({ good: 5 + 6 + 7 + 8 + 9, total: 350, minutesWithData: 5 });
    expect(sumBuckets(buckets, 9, 1)).toEqual({ good: 9, total: 90, minutesWithData: 1 });
    expect(sumBuckets(buckets, -1, 5)).toEqual({ good: 0, total: 0, minutesWithData: 0 });
  });

  it('counts a bucket spanning a gap only when the window holds its whole span', () => {
    // samples at minutes 0..4 and 10..: the increase 4→10 lands in bucket 9, covering from 4
    const gap = bucket(9, 6, 60, 4);
    expect(bucketInWindow(gap, 9, 5)).toBe(false); // window 5..9 starts after sample 4
    expect(bucketInWindow(gap, 9, 6)).toBe(true); // window 4..9 (range [t−6m, t] holds sample 4)
    expect(bucketInWindow(gap, 8, 10)).toBe(false); // bucket after the window's end
  });
});

describe('SliWindowIndex', () => {
  it('agrees with the reference sums on random data with gaps, spans and long silences', () => {
    const arbBuckets = fc
      .array(
        fc.record({
          step: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 400 })),
          good: fc.integer({ min: 0, max: 50 }),
          bad: fc.integer({ min: 0, max: 50 }),
          spans: fc.boolean(),
        }),
        { minLength: 1, maxLength: 300 },
      )
      .map((rows) => {
        let minute = -1;
        return rows.map((r) => {
          const previous = minute;
          minute += r.step;
          const b = bucket(minute, r.good, r.good + r.bad);
          if (r.spans && r.step > 1 && previous >= 0) b.coversFromMinute = previous;
          return b;
        });
      });
    // Running sums (tracked windows), scans (7 and 45 are not tracked) and spans, checked
    // after every append, at the newest minute, later (no bucket since) and earlier.
    fc.assert(
      fc.property(arbBuckets, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 30 }), (buckets, later, earlier) => {
        // Exact while the window lies within the last 150 minutes (the ring).
        const windows = [1, 5, 30, 60, 120];
        const index = new SliWindowIndex({ exactMinutes: 150, periodMinutes: 150, windows });
        buckets.forEach((b, i) => {
          index.append(b);
          const seen = buckets.slice(0, i + 1);
          for (const end of [b.minute, b.minute + later, b.minute - earlier]) {
            const asked = [...windows, 7, 45, ...(end >= b.minute ? [150] : [])];
            const sums = index.sums(end, asked);
            for (const w of asked) expect(sums(w)).toEqual(sumBuckets(seen, end, w));
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('keeps minutes older than the exact windows as hourly totals, exact on whole hours', () => {
    const index = new SliWindowIndex({ exactMinutes: 60, periodMinutes: 600 });
    const buckets: MinuteBucket[] = [];
    for (let m = 0; m < 600; m++) buckets.push(bucket(m, m % 7, 10));
    for (const b of buckets) index.append(b);
    // window 0..599: all of it, exact
    expect(index.sum(599, 600)).toEqual(sumBuckets(buckets, 599, 600));
    // window ending at 599 of 570 minutes starts mid-hour (minute 30): prorated
    const approx = index.sum(599, 570);
    const exact = sumBuckets(buckets, 599, 570);
    expect(approx.total).toBeCloseTo(exact.total, 9); // totals are uniform: proration is exact
    expect(Math.abs(approx.good - exact.good)).toBeLessThan(60 * 7); // within one hour of events
    expect(approx.minutesWithData).toBe(exact.minutesWithData);
  });

  it('sums periods longer than the ring from hourly totals: exact on hour boundaries, within an hour otherwise', () => {
    const arb = fc.array(
      fc.record({ step: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 200 })), total: fc.integer({ min: 0, max: 30 }) }),
      { minLength: 1, maxLength: 1500 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 90 }), (rows, later) => {
        const index = new SliWindowIndex({ exactMinutes: 120, periodMinutes: 600, windows: [5, 60] });
        const buckets: MinuteBucket[] = [];
        let minute = -1;
        for (const r of rows) {
          minute += r.step;
          const b = bucket(minute, r.total >> 1, r.total);
          buckets.push(b);
          index.append(b);
        }
        const end = minute + later;
        for (const period of [600, 599, 540]) {
          const got = index.sum(end, period);
          const want = sumBuckets(buckets, end, period);
          if ((end - period + 1) % 60 === 0) {
            expect(got).toEqual(want);
          } else {
            expect(Math.abs(got.total - want.total)).toBeLessThanOrEqual(60 * 30);
            expect(Math.abs(got.minutesWithData - want.minutesWithData)).toBeLessThanOrEqual(60);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps running sums of fractional counts close to the reference over many minutes', () => {
    const index = new SliWindowIndex({ exactMinutes: 60, periodMinutes: 60, windows: [5, 60] });
    const buckets: MinuteBucket[] = [];
    for (let m = 0; m < 1000; m++) {
      const b = bucket(m, 0.1 * (m % 7), 0.3 + 0.1 * (m % 11));
      buckets.push(b);
      index.append(b);
    }
    for (const w of [5, 60]) {
      const got = index.sum(999, w);
      const want = sumBuckets(buckets, 999, w);
      expect(got.good).toBeCloseTo(want.good, 9);
      expect(got.total).toBeCloseTo(want.total, 9);
      expect(got.minutesWithData).toBe(want.minutesWithData);
    }
  });

  it('switches to Float64 when a count is not exact in Float32', () => {
    const index = new SliWindowIndex({ exactMinutes: 10, periodMinutes: 10 });
    index.append(bucket(0, 1, 2));
    const before = index.memoryBytes();
    index.append(bucket(1, 16_777_217, 16_777_219)); // 2^24 + 1
    expect(index.memoryBytes()).toBeGreaterThan(before);
    expect(index.sum(1, 2)).toEqual({ good: 16_777_218, total: 16_777_221, minutesWithData: 2 });
    index.append(bucket(2, 0.5, 1.25));
    expect(index.sum(2, 1)).toEqual({ good: 0.5, total: 1.25, minutesWithData: 1 });
  });

  it('holds 30 days for the Workbook policy in about 55 kB', () => {
    const index = new SliWindowIndex({ exactMinutes: 3 * 1440, periodMinutes: 30 * 1440 });
    expect(index.memoryBytes()).toBeLessThan(60_000);
  });

  it('refuses buckets out of order and bad counts, saying what was wrong', () => {
    const index = new SliWindowIndex({ exactMinutes: 10, periodMinutes: 10 });
    index.append(bucket(5, 1, 1));
    expect(() => index.append(bucket(5, 1, 1))).toThrow('buckets must come in minute order: got minute 5 after 5');
    expect(() => index.append(bucket(6, -1, 1))).toThrow('finite and non-negative, got good=-1 total=1 at minute 6');
    expect(() => index.append(bucket(6.5, 1, 1))).toThrow('bucket minute must be an integer, got 6.5');
    expect(() => new SliWindowIndex({ exactMinutes: 0, periodMinutes: 1 })).toThrow('exactMinutes must be a positive integer');
  });

  it('answers with no data before the first bucket', () => {
    const index = new SliWindowIndex({ exactMinutes: 10, periodMinutes: 10 });
    expect(index.sum(100, 5)).toEqual({ good: 0, total: 0, minutesWithData: 0 });
    expect(index.sums(100, [5])(5)).toEqual({ good: 0, total: 0, minutesWithData: 0 });
  });
});
