import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/helpers/server-process.ts';
import { SharedSliStore } from './shared-sli-store.ts';

// The shared SLI store while PostgreSQL does not answer (a port nobody listens on:
// every connection is refused at once). Failed pushes are retried with exponential
// backoff and full jitter up to a cap, not at every flush; the buffer keeps one entry
// per (SLI, minute) however many increments arrive, bounded and counted.

const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end().catch(() => {});
});

async function unreachablePool(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, connectionTimeoutMillis: 1000 });
  pool.on('error', () => {});
  pools.push(pool);
  return pool;
}

describe('SharedSliStore with the database unreachable', () => {
  it('retries a failed push after a full-jitter delay that doubles up to the cap, not at every flush', async () => {
    let now = Date.parse('2024-05-01T12:00:00Z');
    const start = now;
    const store = new SharedSliStore({ pool: await unreachablePool(), replica: 'r1', retentionMinutes: 60, now: () => now, retryBaseMs: 100, retryCapMs: 1000, random: () => 0.999 });
    store.activate();
    store.add('checkout', now / 60_000, 9, 10);
    const attempts: number[] = [];
    // 20 s of flushes every 50 ms (the clock is ours; each round is awaited)
    for (; now < start + 20_000; now += 50) {
      const before = store.pushes.error;
      expect(() => store.flush(now)).not.toThrow(/closed/);
      await store.idle();
      if (store.pushes.error > before) attempts.push(now - start);
    }
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // delays ≈ 100, 200, 400, 800, then the cap of 1000 (0.999 of each ceiling, rounded up to the next 50 ms flush)
    expect(gaps.slice(0, 5)).toEqual([100, 200, 400, 800, 1000]);
    expect(Math.max(...gaps)).toBe(1000);
    expect(store.pushes).toEqual({ ok: 0, error: attempts.length });
    expect(attempts.length).toBeLessThan(30); // against 400 flushes
    expect(store.consecutiveFailures).toBe(attempts.length);
    expect(store.lastError?.message).toMatch(/ECONNREFUSED/);
    store.close();
  });

  it('holds one bucket per (SLI, minute) whatever the number of increments, drops beyond maxPendingBuckets and counts them', async () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    const store = new SharedSliStore({ pool: await unreachablePool(), replica: 'r1', retentionMinutes: 60, maxPendingBuckets: 3, now: () => now });
    const minute = now / 60_000;
    for (let i = 0; i < 10_000; i++) store.add('checkout', minute - (i % 2), 1, 1);
    expect(store.pendingBucketCount).toBe(2);
    expect(store.sum('checkout', minute - 1, minute)).toEqual({ good: 10_000, total: 10_000 });
    store.add('search', minute, 1, 1);
    store.add('search', minute - 1, 4, 5); // a fourth bucket: refused and counted
    store.add('search', minute, 1, 1); // an existing bucket still takes increments
    expect(store.pendingBucketCount).toBe(3);
    expect(store.dropped).toEqual({ tooOld: 0, pendingFull: 5 });
    store.close();
  });
});
