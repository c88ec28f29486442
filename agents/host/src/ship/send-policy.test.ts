import { describe, expect, it } from 'vitest';
import { fullJitterDelay, parseRetryAfter } from './backoff.ts';
import { MAX_RETRY_AFTER_MS, nextStep } from './send-policy.ts';

const policy = { initialMs: 100, maxMs: 2000 };
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('fullJitterDelay', () => {
  it('is uniform below an exponential ceiling capped at maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => fullJitterDelay(a, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 1599, 1999, 1999]);
    expect(fullJitterDelay(7, policy, () => 0)).toBe(0);
    expect(fullJitterDelay(3, policy, () => 0.5)).toBe(400);
  });

  it('does not overflow on huge attempt numbers', () => {
    expect(fullJitterDelay(10_000, policy, () => 0.5)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 12:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-1', NOW)).toBeUndefined();
    expect(parseRetryAfter('1.5', NOW)).toBeUndefined();
  });
});

describe('nextStep', () => {
  const half = () => 0.5;

  it('is done on 2xx', () => {
    expect(nextStep({ status: 200 }, 0, policy, half, NOW)).toEqual({ kind: 'done' });
  });

  it('honours Retry-After on 429 and 503, capped', () => {
    expect(nextStep({ status: 429, retryAfter: '2' }, 0, policy, half, NOW)).toMatchObject({ kind: 'retry', delayMs: 2000 });
    expect(nextStep({ status: 503, retryAfter: '1' }, 5, policy, half, NOW)).toMatchObject({ kind: 'retry', delayMs: 1000 });
    expect(nextStep({ status: 503, retryAfter: '86400' }, 0, policy, half, NOW)).toMatchObject({ delayMs: MAX_RETRY_AFTER_MS });
  });

  it('backs off with jitter on network errors, 5xx, 401 and 404: the files keep the lines meanwhile', () => {
    expect(nextStep({ error: 'ECONNREFUSED' }, 2, policy, half, NOW)).toEqual({ kind: 'retry', delayMs: 200, reason: 'ECONNREFUSED' });
    expect(nextStep({ status: 429 }, 1, policy, half, NOW)).toMatchObject({ kind: 'retry', delayMs: 100 });
    expect(nextStep({ status: 500, error: 'boom' }, 0, policy, half, NOW)).toEqual({ kind: 'retry', delayMs: 50, reason: 'HTTP 500: boom' });
    expect(nextStep({ status: 401 }, 0, policy, half, NOW)).toMatchObject({ kind: 'retry', reason: 'HTTP 401' });
    expect(nextStep({ status: 404 }, 0, policy, half, NOW)).toMatchObject({ kind: 'retry' });
  });

  it('splits on 413 and gives up on 400 (malformed data cannot get better)', () => {
    expect(nextStep({ status: 413 }, 0, policy, half, NOW)).toEqual({ kind: 'split' });
    expect(nextStep({ status: 400, error: 'bad varint' }, 0, policy, half, NOW)).toEqual({ kind: 'reject', reason: 'collector answered 400: bad varint' });
  });
});
