import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireLease,
  addBuckets,
  createPool,
  postgresStorageConfigSchema,
  fenced,
  LeaderElector,
  migrate,
  MIGRATIONS,
  readBuckets,
  readCursor,
  readLease,
  releaseLease,
  SCHEMA_VERSION,
  SchemaTooNewError,
  StaleEpochError,
  sumBuckets,
  type LeaseState,
} from '../collector/src/store/postgres/index.ts';
import { postgresPerFile } from './helpers/postgres.ts';

// The PostgreSQL storage backend's ground (issue 14) against a real PostgreSQL started by
// the helper: migrations under a lock with a refusal of newer schemas, the leader lease
// with fencing by epoch, and SLI buckets that replicas add up, committed with each
// replica's ingest cursor.

const postgres = postgresPerFile();
const available = postgres.available;
const pools: pg.Pool[] = [];

/** A fresh database per test group, so each starts from an empty schema. */
const database = (name: string): Promise<string> => postgres.freshDatabase(name);

async function withClient<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

function pool(url: string): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
  p.on('error', () => {});
  pools.push(p);
  return p;
}

afterAll(async () => {
  for (const p of pools) await p.end().catch(() => {});
});

describe.skipIf(!available)('PostgreSQL storage backend', () => {
  describe('migrations', () => {
    it('apply once when several collectors start at the same moment', async () => {
      const db = pool(await database('lookout_migrate'));
      const clients = await Promise.all([db.connect(), db.connect(), db.connect()]);
      const results = await Promise.all(clients.map((c) => migrate(c)));
      for (const c of clients) c.release();
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
      expect(results.every((r) => r.to === SCHEMA_VERSION)).toBe(true);
      const { rows } = await db.query('SELECT version FROM lookout_schema_version ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      // and again later: nothing to do
      expect((await withClient(db, (c) => migrate(c))).applied).toEqual([]);
    });

    it('refuse a schema newer than this collector knows, with what to do', async () => {
      const db = pool(await database('lookout_newer'));
      const client = await db.connect();
      try {
        await migrate(client);
        await client.query("INSERT INTO lookout_schema_version (version, description) VALUES (99, 'from the future')");
        const refusal = await migrate(client).catch((e: unknown) => e);
        expect(refusal).toBeInstanceOf(SchemaTooNewError);
        expect((refusal as Error).message).toMatch(/version 99, newer than this collector knows \(\d+\).*Upgrade this collector/);
      } finally {
        client.release();
      }
    });

    it('roll back a failed migration whole', async () => {
      const db = pool(await database('lookout_broken'));
      const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'broken', sql: 'CREATE TABLE lookout_x (a INT); SELECT no_such_function();' }];
      const client = await db.connect();
      try {
        await expect(migrate(client, broken)).rejects.toThrow(/no_such_function/);
        const { rows } = await client.query("SELECT to_regclass('lookout_sli_minutes') AS t, to_regclass('lookout_x') AS x");
        expect(rows[0]).toEqual({ t: null, x: null });
      } finally {
        client.release();
      }
    });
  });

  describe('leader lease', () => {
    let db: pg.Pool;
    beforeAll(async () => {
      db = pool(await database('lookout_lease'));
      const c = await db.connect();
      await migrate(c);
      c.release();
    });

    it('one holder at a time; renewal keeps the epoch; a lapsed lease is taken with the next epoch', async () => {
      const first = await withClient(db, (c) => acquireLease(c, 'eval-a', 'collector-1', 400));
      expect(first.leader).toBe(true);
      expect(first.lease.epoch).toBe(1);
      const contender = await withClient(db, (c) => acquireLease(c, 'eval-a', 'collector-2', 400));
      expect(contender.leader).toBe(false);
      expect(contender.lease.holder).toBe('collector-1');
      const renewed = await withClient(db, (c) => acquireLease(c, 'eval-a', 'collector-1', 400));
      expect(renewed).toMatchObject({ leader: true, lease: { epoch: 1, holder: 'collector-1' } });
      await new Promise((r) => setTimeout(r, 500));
      const takeover = await withClient(db, (c) => acquireLease(c, 'eval-a', 'collector-2', 400));
      expect(takeover).toMatchObject({ leader: true, lease: { epoch: 2, holder: 'collector-2' } });
      // the old holder coming back cannot renew
      expect((await withClient(db, (c) => acquireLease(c, 'eval-a', 'collector-1', 400))).leader).toBe(false);
    });

    it('exactly one of many simultaneous contenders wins', async () => {
      const attempts = await Promise.all(Array.from({ length: 8 }, (_, i) => withClient(db, (c) => acquireLease(c, 'eval-race', `collector-${i}`, 5000))));
      expect(attempts.filter((a) => a.leader)).toHaveLength(1);
      const epochs = new Set(attempts.map((a) => a.lease.epoch));
      expect(epochs).toEqual(new Set([1]));
    });

    it('fencing refuses the writes of a leader whose epoch has passed, and rolls them back', async () => {
      await db.query('CREATE TABLE IF NOT EXISTS pages (id SERIAL PRIMARY KEY, by TEXT, epoch INT)');
      const old = await withClient(db, (c) => acquireLease(c, 'eval-fence', 'collector-old', 300));
      const page = (holder: string, epoch: number) => async (client: pg.ClientBase) => {
        await client.query('INSERT INTO pages (by, epoch) VALUES ($1, $2)', [holder, epoch]);
      };
      const oldClient = await db.connect();
      try {
        await fenced(oldClient, 'eval-fence', 'collector-old', old.lease.epoch, page('collector-old', old.lease.epoch));
        // the old leader pauses past its TTL; another takes over
        await new Promise((r) => setTimeout(r, 400));
        const next = await withClient(db, (c) => acquireLease(c, 'eval-fence', 'collector-new', 5000));
        expect(next.lease.epoch).toBe(old.lease.epoch + 1);
        // the old leader wakes up and tries to page again: refused, nothing written
        const late = await fenced(oldClient, 'eval-fence', 'collector-old', old.lease.epoch, page('collector-old', old.lease.epoch)).catch((e: unknown) => e);
        expect(late).toBeInstanceOf(StaleEpochError);
        expect((late as StaleEpochError).current?.holder).toBe('collector-new');
        await fenced(oldClient, 'eval-fence', 'collector-new', next.lease.epoch, page('collector-new', next.lease.epoch));
      } finally {
        oldClient.release();
      }
      const { rows } = await db.query('SELECT by, epoch FROM pages ORDER BY id');
      expect(rows).toEqual([
        { by: 'collector-old', epoch: 1 },
        { by: 'collector-new', epoch: 2 },
      ]);
    });

    it('fencing also refuses an expired lease that nobody took over (a paused leader must step down)', async () => {
      const lease = await withClient(db, (c) => acquireLease(c, 'eval-expired', 'collector-1', 200));
      await new Promise((r) => setTimeout(r, 300));
      await expect(withClient(db, (c) => fenced(c, 'eval-expired', 'collector-1', lease.lease.epoch, async () => 1))).rejects.toBeInstanceOf(StaleEpochError);
    });

    it('a leader frozen inside a fenced write cannot hold the lease: the server ends its idle transaction, another takes over, nothing of it commits', async () => {
      await db.query('CREATE TABLE IF NOT EXISTS frozen_pages (by TEXT)');
      const url = new URL(postgres.server().url);
      url.pathname = '/lookout_lease';
      // the collector's own pool: statementTimeout 500 ms also bounds a transaction left idle
      const frozen = createPool(postgresStorageConfigSchema.parse({ url: url.toString(), statementTimeout: '500ms' }), () => {});
      try {
        const lease = await withClient(frozen, (c) => acquireLease(c, 'eval-frozen', 'collector-old', 300));
        let tookOverWhileFrozen = false;
        let wokeUp = false;
        const client = await frozen.connect();
        const write = fenced(client, 'eval-frozen', 'collector-old', lease.lease.epoch, async (c) => {
          // frozen (SIGSTOP, a long pause) after the fence check, holding the lease row's share lock
          await new Promise((r) => setTimeout(r, 3000));
          wokeUp = true;
          await c.query("INSERT INTO frozen_pages VALUES ('collector-old')");
        }).finally(() => client.release(true));
        const outcome = write.then(() => 'committed', (e: Error) => e.message);
        await new Promise((r) => setTimeout(r, 400)); // the lease has run out
        const next = await withClient(db, (c) => acquireLease(c, 'eval-frozen', 'collector-new', 5000));
        tookOverWhileFrozen = !wokeUp;
        expect(next).toMatchObject({ leader: true, lease: { holder: 'collector-new', epoch: lease.lease.epoch + 1 } });
        expect(tookOverWhileFrozen).toBe(true);
        expect(await outcome).toMatch(/idle-in-transaction timeout|terminat|Connection/i);
        expect((await db.query('SELECT by FROM frozen_pages')).rows).toEqual([]);
      } finally {
        await frozen.end();
      }
    });

    it('a clean release hands over at once', async () => {
      const lease = await withClient(db, (c) => acquireLease(c, 'eval-release', 'collector-1', 60_000));
      expect(await withClient(db, (c) => releaseLease(c, 'eval-release', 'collector-1', lease.lease.epoch))).toBe(true);
      expect(await withClient(db, (c) => acquireLease(c, 'eval-release', 'collector-2', 60_000))).toMatchObject({ leader: true, lease: { epoch: 2 } });
      expect((await withClient(db, (c) => readLease(c, 'eval-release')))?.holder).toBe('collector-2');
    });

    it('electors: one leads; when it stops renewing another takes over within two TTLs; a stop hands over', async () => {
      const events: string[] = [];
      const elector = (holder: string) =>
        new LeaderElector({
          pool: db,
          name: 'eval-loop',
          holder,
          ttlMs: 600,
          onElected: (lease: LeaseState) => events.push(`${holder} elected ${lease.epoch}`),
          onDemoted: (reason) => events.push(`${holder} demoted: ${reason}`),
        });
      const a = elector('a');
      const b = elector('b');
      a.start();
      await new Promise((r) => setTimeout(r, 150));
      b.start();
      await new Promise((r) => setTimeout(r, 400));
      expect(a.leader).toBe(true);
      expect(b.leader).toBe(false);
      // a freezes (its loop stops without releasing): b leads within 2 × TTL
      const frozenAt = Date.now();
      (a as unknown as { stopped: boolean }).stopped = true;
      while (!b.leader && Date.now() - frozenAt < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(b.leader).toBe(true);
      // a figure, not an assertion (shared machines are noisy); the goal is within 2 × TTL
      console.log(`failover: b led ${Date.now() - frozenAt} ms after a froze (TTL 600 ms, renewal every 200 ms)`);
      expect(b.epoch).toBe(2);
      await b.stop();
      expect(b.leader).toBe(false);
      expect((await withClient(db, (c) => readLease(c, 'eval-loop')))!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 50);
      await a.stop();
      expect(events).toEqual(['a elected 1', 'b elected 2', 'b demoted: stopping', 'a demoted: stopping']);
    });
  });

  describe('SLI buckets', () => {
    let db: pg.Pool;
    beforeAll(async () => {
      db = pool(await database('lookout_buckets'));
      const c = await db.connect();
      await migrate(c);
      c.release();
    });

    it('replicas add their shares: the buckets hold the sum of what each counted', async () => {
      const replicas = Array.from({ length: 3 }, (_, r) =>
        Array.from({ length: 10 }, (_, minute) => ({ sliId: 'checkout-availability', minute: 29_000_000 + minute, good: 90 + r, total: 100 })),
      );
      await Promise.all(replicas.map((increments) => withClient(db, (c) => addBuckets(c, increments))));
      const sum = await withClient(db, (c) => sumBuckets(c, 'checkout-availability', 29_000_000, 29_000_010));
      expect(sum).toEqual({ good: 10 * (90 + 91 + 92), total: 3000 });
      const buckets = await withClient(db, (c) => readBuckets(c, 'checkout-availability', 29_000_000, 29_000_002));
      expect(buckets).toEqual([
        { minute: 29_000_000, good: 273, total: 300 },
        { minute: 29_000_001, good: 273, total: 300 },
      ]);
    });

    it('the cursor moves only with its buckets: a failed transaction leaves both as they were', async () => {
      const client = await db.connect();
      try {
        await addBuckets(client, [{ sliId: 'cursor-sli', minute: 1, good: 1, total: 1 }], { replica: 'r1', log: 'traces', nextSequence: 10 });
        expect(await readCursor(client, 'r1', 'traces')).toBe(10);
        await expect(
          addBuckets(client, [{ sliId: 'cursor-sli', minute: 2, good: 1, total: 1 }, { sliId: 'x'.repeat(3), minute: 2, good: 5, total: 3 }], {
            replica: 'r1',
            log: 'traces',
            nextSequence: 20,
          }),
        ).rejects.toThrow(/need 0 ≤ good ≤ total/);
        expect(await readCursor(client, 'r1', 'traces')).toBe(10);
        expect(await sumBuckets(client, 'cursor-sli', 0, 10)).toEqual({ good: 1, total: 1 });
        expect(await readCursor(client, 'r2', 'traces')).toBe(0);
      } finally {
        client.release();
      }
    });

    it('refuses increments that are not whole non-negative counts, naming the bucket', async () => {
      await expect(withClient(db, (c) => addBuckets(c, [{ sliId: 'bad', minute: 1.5, good: 1, total: 1 }]))).rejects.toThrow(
        /bucket bad@1.5: minute, good and total must be integers/,
      );
      await expect(withClient(db, (c) => addBuckets(c, [{ sliId: 'bad', minute: 1, good: -1, total: 1 }]))).rejects.toThrow(/need 0 ≤ good ≤ total/);
    });
  });
});
