import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, migrate, postgresStorageConfigSchema, readCursor, SharedSliStore, sumBuckets } from '../collector/src/store/postgres/index.ts';
import { startTestCollector } from './helpers/collector.ts';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.ts';
import { postgresAvailable, startPostgres, type RunningPostgres } from './helpers/postgres.ts';

// The shared SLI store of a cluster member (storage.backend: postgres) against a real
// PostgreSQL: replicas' increments add up and each replica reads the sum; a read never
// counts an increment twice or misses it while pushes and refreshes go on; a push cut
// off half-open (answer lost) is settled by the replica's cursor, so after the link
// heals the database holds each increment exactly once.

const available = postgresAvailable();
let server: RunningPostgres;
const pools: pg.Pool[] = [];
const MINUTE = 29_000_000;

function poolFor(url: string): pg.Pool {
  const config = postgresStorageConfigSchema.parse({ url, connectTimeout: '500ms', statementTimeout: '1s' });
  const pool = createPool(config, () => {});
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  if (!available) return;
  server = await startPostgres();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await migrate(client);
  await client.end();
});

afterAll(async () => {
  for (const p of pools) await p.end().catch(() => {});
  await server?.stop();
});

const store = (pool: pg.Pool, replica: string) => {
  const s = new SharedSliStore({ pool, replica, retentionMinutes: 10_000_000_000, now: () => (MINUTE + 1) * 60_000 });
  s.activate();
  return s;
};

describe.skipIf(!available)('SharedSliStore (SLI buckets shared by the replicas of a cluster)', () => {
  it('adds up the replicas: each reads the sum of all, before and after its own push', async () => {
    const pool = poolFor(server.url);
    const a = store(pool, 'sum-a');
    const b = store(pool, 'sum-b');
    a.add('sum', MINUTE, 90, 100);
    b.add('sum', MINUTE, 5, 10);
    b.add('sum', MINUTE - 1, 1, 1);
    expect(a.sum('sum', MINUTE - 1, MINUTE)).toEqual({ good: 90, total: 100 }); // its own buffer, nothing shared yet
    await a.sync();
    await b.sync();
    await a.sync(); // refresh: sees b's push
    for (const s of [a, b]) {
      expect(s.sum('sum', MINUTE - 1, MINUTE)).toEqual({ good: 96, total: 111 });
      expect(s.buckets('sum', MINUTE - 1, MINUTE)).toEqual([
        { minute: MINUTE - 1, good: 1, total: 1 },
        { minute: MINUTE, good: 95, total: 110 },
      ]);
    }
    // only what this replica pushed is its own on /metrics
    expect(a.flushedTotalsBySli().get('sum')).toEqual({ good: 90, total: 100 });
    // a later add shows at once (buffer) and exactly once after the push
    a.add('sum', MINUTE, 0, 4);
    expect(a.sum('sum', MINUTE, MINUTE).total).toBe(114);
    await a.sync();
    expect(a.sum('sum', MINUTE, MINUTE).total).toBe(114);
    expect(a.pendingBucketCount).toBe(0);
  });

  it('tells which old minute another replica changed late (its push after an outage), once', async () => {
    const pool = poolFor(server.url);
    const a = store(pool, 'late-a');
    const b = store(pool, 'late-b');
    a.add('late', MINUTE, 1, 1);
    await a.sync();
    a.takeOldestChange();
    expect(a.takeOldestChange()).toBeUndefined();
    b.add('late', MINUTE - 30, 0, 2);
    b.add('late', MINUTE - 10, 0, 2);
    await b.sync();
    await a.sync();
    expect(a.takeOldestChange()).toBe(MINUTE - 30);
    expect(a.takeOldestChange()).toBeUndefined();
    await a.sync(); // seen again in the overlap of the next look, unchanged: nothing to report
    expect(a.takeOldestChange()).toBeUndefined();
  });

  it('settles a push whose answer was lost by the cursor: each increment stored once', async () => {
    const proxy: FaultProxy = await startFaultProxy({ port: Number(new URL(server.url).port) });
    try {
      const pool = poolFor(`postgres://postgres@127.0.0.1:${proxy.port}/postgres`);
      const s = store(pool, 'cut');
      // the write-ahead log's cursor follows whenCommitted: called back only once the increments are in the database
      const committed: string[] = [];
      s.whenCommitted(() => committed.push('nothing pending'));
      s.add('cut', MINUTE, 10, 10);
      s.whenCommitted(() => committed.push('first'));
      expect(committed).toEqual(['nothing pending']);
      await s.sync();
      expect(committed).toEqual(['nothing pending', 'first']);
      proxy.halfOpen(); // queries arrive, answers never come back
      s.add('cut', MINUTE, 3, 5);
      s.whenCommitted(() => committed.push('cut off'));
      await expect(s.sync()).rejects.toThrow();
      expect(committed).not.toContain('cut off'); // did it commit? not known yet: the cursor waits
      expect(() => s.flush((MINUTE + 1) * 60_000)).toThrow(); // the failure is reported to the flush loop
      expect(s.sum('cut', MINUTE, MINUTE)).toEqual({ good: 13, total: 15 }); // still counted while unsettled
      s.add('cut', MINUTE, 1, 1);
      proxy.heal();
      await s.sync();
      expect(committed).toEqual(['nothing pending', 'first', 'cut off']);
      const direct = new pg.Client({ connectionString: server.url });
      await direct.connect();
      try {
        expect(await sumBuckets(direct, 'cut', MINUTE, MINUTE + 1)).toEqual({ good: 14, total: 16 });
        expect(await readCursor(direct, 'cut', 'sli-push')).toBeGreaterThanOrEqual(2);
      } finally {
        await direct.end();
      }
      expect(s.sum('cut', MINUTE, MINUTE)).toEqual({ good: 14, total: 16 });
      expect(s.lastError).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('buffers while the database is unreachable, up to its bound, and counts what it drops', async () => {
    const pool = poolFor('postgres://postgres@127.0.0.1:1/postgres');
    const s = new SharedSliStore({ pool, replica: 'down', retentionMinutes: 10_000_000_000, maxPendingBuckets: 2, now: () => (MINUTE + 1) * 60_000 });
    s.activate();
    s.add('down', MINUTE, 1, 1);
    s.add('down', MINUTE - 1, 1, 1);
    s.add('down', MINUTE - 2, 0, 7); // a third bucket: over the bound
    s.add('down', MINUTE, 1, 1); // an existing bucket still takes increments
    await expect(s.sync()).rejects.toThrow();
    expect(s.pendingBucketCount).toBe(2);
    expect(s.dropped.pendingFull).toBe(7);
    let committed = false;
    s.whenCommitted(() => (committed = true));
    await expect(s.sync()).rejects.toThrow();
    expect(committed).toBe(false); // buffered, not committed: the log keeps the batches
    expect(s.sum('down', MINUTE - 2, MINUTE)).toEqual({ good: 3, total: 3 });
  });

  it('a collector refuses to start against a schema newer than it knows, saying how to fix it', async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE from_the_future');
    await admin.end();
    const url = new URL(server.url);
    url.pathname = '/from_the_future';
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await migrate(db);
    await db.query("INSERT INTO lookout_schema_version (version, description) VALUES (99, 'from a newer Lookout')");
    await db.end();
    const yaml = JSON.stringify({ storage: { dataDir: '/tmp/lookout-future-unused', backend: 'postgres', postgres: { url: url.toString(), replica: 'old' } }, log: { level: 'silent' } });
    await expect(startTestCollector(yaml)).rejects.toThrow(/schema is at version 99, newer than this collector knows.*Upgrade this collector/);
  });
});
