import { describe, expect, it } from 'vitest';
import { TenantQuotas, TokenBucket } from './tenant-quota.ts';

describe('TokenBucket', () => {
  it('starts full, refills at its rate up to its capacity, and says how long to wait', () => {
    const bucket = new TokenBucket(10, 20, 0);
    expect(bucket.waitSeconds(20, 0)).toBe(0);
    bucket.take(20, 0);
    expect(bucket.waitSeconds(1, 0)).toBe(1);
    expect(bucket.waitSeconds(15, 0)).toBe(2);
    expect(bucket.available(500)).toBe(5);
    expect(bucket.available(60_000)).toBe(20);
  });

  it('lets one take larger than the capacity through when full, leaving a debt', () => {
    const bucket = new TokenBucket(10, 20, 0);
    expect(bucket.waitSeconds(50, 0)).toBe(0);
    bucket.take(50, 0);
    expect(bucket.available(0)).toBe(-30);
    expect(bucket.waitSeconds(50, 0)).toBe(5);
  });

  it('refuses a rate or capacity that is not above 0', () => {
    expect(() => new TokenBucket(0, 10, 0)).toThrow(/rate and a capacity above 0/);
  });
});

describe('TenantQuotas', () => {
  const quotas = () =>
    new TenantQuotas(
      [
        { tenant: 'noisy', quota: { itemsPerSecond: 100, bytesPerSecond: 10_000, burstSeconds: 1 } },
        { tenant: 'bytes-only', quota: { bytesPerSecond: 1000, burstSeconds: 2 } },
      ],
      0,
    );

  it('never limits a tenant without a quota', () => {
    const q = quotas();
    for (let i = 0; i < 1000; i++) expect(q.take('quiet', 1000, 1_000_000, 0)).toEqual({ ok: true });
  });

  it('refuses a tenant over its items per second with a Retry-After, and takes it again once refilled', () => {
    const q = quotas();
    expect(q.take('noisy', 100, 100, 0)).toEqual({ ok: true });
    expect(q.take('noisy', 10, 100, 0)).toEqual({ ok: false, retryAfterSeconds: 1, limit: 'items', perSecond: 100 });
    expect(q.check('noisy', 10, 0)).toMatchObject({ ok: false, limit: 'items' });
    expect(q.take('noisy', 10, 100, 100)).toEqual({ ok: true });
  });

  it('refuses on bytes from the declared length before the body is read', () => {
    const q = quotas();
    expect(q.check('bytes-only', 2000, 0)).toEqual({ ok: true });
    expect(q.take('bytes-only', 1, 2000, 0)).toEqual({ ok: true });
    expect(q.check('bytes-only', 500, 0)).toEqual({ ok: false, retryAfterSeconds: 1, limit: 'bytes', perSecond: 1000 });
    expect(q.check('bytes-only', 500, 600)).toEqual({ ok: true });
  });

  it('a refused take charges nothing', () => {
    const q = quotas();
    expect(q.take('noisy', 50, 10_001, 0)).toMatchObject({ ok: true }); // over the byte burst when full: debt
    expect(q.take('noisy', 50, 1, 0)).toMatchObject({ ok: false, limit: 'bytes' });
    expect(q.take('noisy', 50, 0, 1010)).toMatchObject({ ok: true }); // items untouched by the refusal
  });
});
