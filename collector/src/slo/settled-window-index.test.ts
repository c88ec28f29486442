import { bucketArraySums, parseSpecText } from '@lookout/alerts';
import type { MinuteBucket } from '@lookout/alerts';
import { describe, expect, it } from 'vitest';
import { SettledWindowIndex } from './settled-window-index.ts';

const [SLO] = parseSpecText(
  `service: s
name: a
objective: 99
period: 7d
sli: availability
policy:
  - { severity: page, long: 1h, short: 5m, factor: 14.4 }
  - { severity: ticket, long: 6h, short: 30m, factor: 3 }
noData: { window: 10m, for: 5m, severity: ticket }
`,
  'a.yaml',
);

/** A tiny deterministic PRNG so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('SettledWindowIndex', () => {
  it('gives the same sums as a full scan of the store, with events arriving up to lateData minutes late', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed);
      const lag = 5;
      const index = new SettledWindowIndex(SLO!, lag);
      const store = new Map<number, MinuteBucket>();
      const start = 28_000_000;
      // events of minute m arrive at minute m + delay, delay ≤ lag
      const arrivals: Array<{ at: number; minute: number; good: number; total: number }> = [];
      for (let m = start; m < start + 600; m++) {
        if (rnd() < 0.2) continue; // minutes without events
        const total = 1 + Math.floor(rnd() * 50);
        const good = total - Math.floor(rnd() * rnd() * total);
        const parts = 1 + Math.floor(rnd() * 3);
        for (let p = 0; p < parts; p++) {
          const t = p === parts - 1 ? total - Math.floor(total / parts) * (parts - 1) : Math.floor(total / parts);
          const g = p === parts - 1 ? good - Math.floor(good / parts) * (parts - 1) : Math.floor(good / parts);
          arrivals.push({ at: m + Math.floor(rnd() * (lag + 1)), minute: m, good: Math.min(g, t), total: t });
        }
      }
      for (let end = start; end < start + 600; end++) {
        // what has arrived by the end of minute `end` is in the store
        for (const a of arrivals) {
          if (a.at !== end) continue;
          const b = store.get(a.minute) ?? { minute: a.minute, good: 0, total: 0 };
          b.good += a.good;
          b.total += a.total;
          store.set(a.minute, b);
        }
        const from = index.readFrom(end);
        const rows = [...store.values()].filter((b) => b.minute >= from && b.minute <= end).sort((x, y) => x.minute - y.minute);
        index.update(rows.map((b) => ({ ...b })), end);
        const sums = index.sums(end);
        const reference = bucketArraySums(
          [...store.values()].sort((x, y) => x.minute - y.minute),
          end,
        );
        for (const w of [5, 10, 30, 60, 360, 3, 7]) expect(sums(w), `seed ${seed}, end ${end - start}, window ${w}`).toEqual(reference(w));
      }
    }
  });

  it('reads the whole period from the store first, then only the unsettled minutes', () => {
    const index = new SettledWindowIndex(SLO!, 5);
    expect(index.readFrom(1_000_000)).toBe(1_000_000 - 7 * 1440 + 1);
    index.update([{ minute: 999_000, good: 1, total: 2 }], 1_000_000);
    expect(index.readFrom(1_000_001)).toBe(1_000_000 - 5 + 1);
    expect(index.lastReadMinute).toBe(1_000_000);
  });

  it('ignores buckets after the end and survives a clock that goes back', () => {
    const index = new SettledWindowIndex(SLO!, 2);
    const buckets = [
      { minute: 100, good: 9, total: 10 },
      { minute: 101, good: 10, total: 10 },
      { minute: 102, good: 0, total: 10 },
    ];
    const read = (end: number) => buckets.filter((b) => b.minute >= index.readFrom(end));
    index.update([...read(101), { minute: 103, good: 5, total: 5 }], 101);
    expect(index.sums(101)(5)).toEqual({ good: 19, total: 20, minutesWithData: 2 });
    index.update(read(102), 102);
    expect(index.sums(102)(2)).toEqual({ good: 10, total: 20, minutesWithData: 2 });
    // the clock went back a minute: the settled minutes are scanned, nothing counts twice
    expect(index.sums(100)(5)).toEqual({ good: 9, total: 10, minutesWithData: 1 });
  });
});
