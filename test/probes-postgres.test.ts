import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  probePostgres,
  probesConfigSchema,
  registerProbeMetrics,
  startProbes,
} from '../collector/src/probes/index.ts';
import { parseExposition, findSamples, sampleValue } from './helpers/exposition.ts';
import { postgresAvailable, startPostgres, type RunningPostgres } from './helpers/postgres.ts';
import { freePort } from './helpers/server-process.ts';

/** The database-size probe against a real PostgreSQL started by the helper. */

const SMALL = 'lookout_probe_small';
const BIG = 'lookout_probe_big';
const LOCKED = 'lookout_probe_locked';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function withUser(url: string, user: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  if (password !== undefined) parsed.password = password;
  return parsed.toString();
}

async function sql(url: string, statements: string[]): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const results: pg.QueryResult[] = [];
    for (const statement of statements) results.push(await client.query(statement));
    return results;
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgresAvailable())('PostgreSQL probe', () => {
  let server: RunningPostgres;

  beforeAll(async () => {
    server = await startPostgres();
    await sql(server.url, [
      `DROP DATABASE IF EXISTS ${SMALL}`,
      `DROP DATABASE IF EXISTS ${BIG}`,
      `DROP DATABASE IF EXISTS ${LOCKED}`,
      `CREATE DATABASE ${SMALL}`,
      `CREATE DATABASE ${BIG}`,
      `CREATE DATABASE ${LOCKED}`,
      `REVOKE CONNECT ON DATABASE ${LOCKED} FROM PUBLIC`,
      'DROP ROLE IF EXISTS lookout_probe',
      'CREATE ROLE lookout_probe LOGIN',
    ]);
    // about 8 MB more than an empty database
    await sql(withDatabase(server.url, BIG), [
      'CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 8) AS text FROM generate_series(1, 25000) AS g',
    ]);
  });

  afterAll(async () => {
    if (server?.external) {
      await sql(server.url, [`DROP DATABASE IF EXISTS ${SMALL}`, `DROP DATABASE IF EXISTS ${BIG}`, `DROP DATABASE IF EXISTS ${LOCKED}`, 'DROP ROLE IF EXISTS lookout_probe']).catch(() => {});
    }
    await server?.stop();
  });

  it("reports every connectable database's size, equal to pg_database_size", async () => {
    const result = await probePostgres({ name: 'main', url: server.url }, AbortSignal.timeout(10_000), 10_000);
    const [truth] = await sql(server.url, [
      'SELECT datname, pg_database_size(datname)::text AS bytes FROM pg_database WHERE NOT datistemplate AND datallowconn',
    ]);
    const expected = new Map(truth!.rows.map((row: { datname: string; bytes: string }) => [row.datname, Number(row.bytes)]));
    const reported = new Map(result.databases.map((d) => [d.database, d.bytes]));
    expect(reported).toEqual(expected);
    expect(result.serverVersion).toMatch(/^\d+(\.\d+)?/);
    expect(result.omitted).toBe(0);
    expect(reported.get(BIG)! - reported.get(SMALL)!).toBeGreaterThan(4_000_000);
    // largest first
    expect(result.databases[0]!.bytes).toBe(Math.max(...[...expected.values()]));
  });

  it('reports no size (instead of failing) for databases the role may not CONNECT to', async () => {
    const result = await probePostgres({ name: 'limited', url: withUser(server.url, 'lookout_probe') }, AbortSignal.timeout(10_000), 10_000);
    const locked = result.databases.find((d) => d.database === LOCKED);
    expect(locked).toEqual({ database: LOCKED, bytes: undefined });
    expect(result.databases.find((d) => d.database === BIG)?.bytes).toBeGreaterThan(0);
  });

  it('maxDatabases keeps the largest and counts the rest as omitted', async () => {
    const all = await probePostgres({ name: 'all', url: server.url }, AbortSignal.timeout(10_000), 10_000);
    const one = await probePostgres({ name: 'one', url: server.url, maxDatabases: 1 }, AbortSignal.timeout(10_000), 10_000);
    expect(one.databases.map((d) => d.database)).toEqual([all.databases[0]!.database]);
    expect(one.omitted).toBe(all.databases.length - 1);
  });

  it('exports sizes as lookout_postgres_database_size_bytes{target,database}', async () => {
    const result = await probePostgres({ name: 'main', url: server.url }, AbortSignal.timeout(10_000), 10_000);
    const registry = new Registry();
    const metrics = registerProbeMetrics(registry);
    metrics.postgres('main', { id: 'postgres/main', status: 'success', value: result, startedAt: Date.now(), durationMs: 5 });
    const samples = parseExposition(await registry.metrics());
    const big = result.databases.find((d) => d.database === BIG)!;
    expect(sampleValue(samples, 'lookout_postgres_database_size_bytes', { target: 'main', database: BIG })).toBe(big.bytes);
    expect(findSamples(samples, 'lookout_postgres_database_size_bytes', { target: 'main' })).toHaveLength(result.databases.length);
    expect(sampleValue(samples, 'lookout_probe_success', { kind: 'postgres', target: 'main' })).toBe(1);

    // a later failure removes the sizes and reports the probe down
    metrics.postgres('main', { id: 'postgres/main', status: 'failure', error: new Error('gone'), startedAt: Date.now(), durationMs: 5 });
    const after = parseExposition(await registry.metrics());
    expect(findSamples(after, 'lookout_postgres_database_size_bytes')).toHaveLength(0);
    expect(sampleValue(after, 'lookout_probe_success', { kind: 'postgres', target: 'main' })).toBe(0);
    expect(sampleValue(after, 'lookout_probe_runs_total', { kind: 'postgres', target: 'main', outcome: 'failure' })).toBe(1);
  });

  it('an unreachable server fails with where it tried, never the password', async () => {
    const port = await freePort();
    const url = `postgres://watcher:sekret-password@127.0.0.1:${port}/postgres`;
    const failure = probePostgres({ name: 'down', url }, AbortSignal.timeout(5000), 5000);
    await expect(failure).rejects.toThrow(`PostgreSQL probe 'down' (watcher@127.0.0.1:${port}/postgres): connect ECONNREFUSED`);
    await expect(failure.catch((e: Error) => e.message)).resolves.not.toContain('sekret');
  });

  it('a server that never answers is stopped by the signal', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
    try {
      const started = Date.now();
      await expect(
        probePostgres({ name: 'silent', url: `postgres://x@127.0.0.1:${port}/postgres` }, AbortSignal.timeout(300), 10_000),
      ).rejects.toThrow(`PostgreSQL probe 'silent' (x@127.0.0.1:${port}/postgres) was stopped: the probe timed out`);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('startProbes runs a configured postgres target on its interval and records it', async () => {
    const config = probesConfigSchema.parse({ jitter: 0, postgres: [{ name: 'scheduled', url: server.url, interval: '1s', timeout: '900ms' }] });
    expect(config.postgres[0]).toMatchObject({ interval: 1000, timeout: 900, maxDatabases: 100 });
    const registry = new Registry();
    const runner = startProbes(config, registerProbeMetrics(registry));
    try {
      expect(runner.jobs()).toEqual(['postgres/scheduled']);
      const deadline = Date.now() + 10_000;
      let runs = 0;
      // wait for at least two runs: the first, and one on the interval
      while (runs < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const samples = parseExposition(await registry.metrics());
        runs = findSamples(samples, 'lookout_probe_runs_total', { kind: 'postgres', target: 'scheduled' }).reduce((sum, s) => sum + s.value, 0);
      }
      expect(runs).toBeGreaterThanOrEqual(2);
      const samples = parseExposition(await registry.metrics());
      expect(sampleValue(samples, 'lookout_probe_success', { kind: 'postgres', target: 'scheduled' })).toBe(1);
      expect(findSamples(samples, 'lookout_postgres_database_size_bytes', { target: 'scheduled', database: BIG })).toHaveLength(1);
    } finally {
      await runner.stop();
    }
    // stopping forgets the target's series
    expect(findSamples(parseExposition(await registry.metrics()), 'lookout_probe_success')).toHaveLength(0);
  });
});

