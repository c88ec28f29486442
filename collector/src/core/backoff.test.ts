import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeiling, fullJitterDelay, parseRetryAfter } from './backoff.ts';

describe('full-jitter backoff', () => {
  it('doubles the ceiling per retry up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(n, 100, 2000))).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it('stays finite and at the cap for huge retry counts', () => {
    expect(backoffCeiling(5000, 1000, 300_000)).toBe(300_000);
    expect(fullJitterDelay(5000, 1000, 300_000, 0.999)).toBeLessThan(300_000);
  });

  it('picks a delay in [0, min(cap, base·2^n)) for any random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, base, extra, random) => {
          const cap = base + extra;
          const delay = fullJitterDelay(retry, base, cap, random);
          const ceiling = Math.min(cap, base * 2 ** retry);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(ceiling);
          if (ceiling >= 1) expect(delay).toBeLessThan(ceiling);
        },
      ),
    );
  });

  it('spreads delays over the whole range (full, not equal, jitter)', () => {
    expect(fullJitterDelay(3, 100, 10_000, 0)).toBe(0);
    expect(fullJitterDelay(3, 100, 10_000, 0.5)).toBe(400);
    expect(fullJitterDelay(3, 100, 10_000, 0.99)).toBe(792);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
