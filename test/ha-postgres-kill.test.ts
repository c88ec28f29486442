import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT_SLO_SPEC, exportSpans, requestSpans, startClusterMember, waitFor, type ClusterMember } from './helpers/cluster.ts';
import { postgresAvailable, startPostgres, type RunningPostgres } from './helpers/postgres.ts';

/**
 * The write-ahead log under a collector on PostgreSQL (issues 13 and 14): while the
 * database is down, acknowledged spans wait as SLI increments in memory; a kill -9 then
 * would lose them. With durability disk the SLI consumer's cursor moves only once its
 * increments are committed in PostgreSQL, so the restarted collector replays what the
 * database never got, and the buckets hold exactly what was acknowledged.
 */

describe.skipIf(!postgresAvailable())('a collector on PostgreSQL killed while the database is down', () => {
  let dir: string;
  let postgres: RunningPostgres;
  const members: ClusterMember[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-pg-kill-'));
    writeFileSync(join(dir, 'checkout-slo.yaml'), CHECKOUT_SLO_SPEC);
    postgres = await startPostgres();
  }, 60_000);

  afterAll(async () => {
    for (const m of members) m.kill('SIGKILL');
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('replays the increments PostgreSQL never got: the buckets equal what was acknowledged', { timeout: 240_000 }, async () => {
    const config = {
      storage: {
        dataDir: join(dir, 'data'),
        backend: 'postgres',
        postgres: { url: postgres.url, replica: 'solo', leaseTtl: '1500ms', connectTimeout: '500ms', statementTimeout: '1s' },
      },
      pipeline: { durability: 'disk' },
      sli: { flushInterval: '200ms' },
      slos: { files: [join(dir, 'checkout-slo.yaml')], evaluationInterval: '500ms' },
      log: { level: 'warn' },
    };
    let acknowledged = { good: 0, total: 0 };
    const send = async (member: ClusterMember, count: number, errors: number) => {
      const exporter = new OTLPTraceExporter({ url: `${member.url}/v1/traces` });
      const result = await exportSpans(exporter, requestSpans('checkout', '/api/checkout', count, errors, Date.now() - 30_000));
      await exporter.shutdown();
      expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
      acknowledged = { good: acknowledged.good + count - errors, total: acknowledged.total + count };
    };

    const first = await startClusterMember(dir, 'first', config);
    members.push(first);
    await send(first, 100, 3);
    await waitFor(async () => (await first.cluster())?.pendingSliBuckets === 0 || undefined, 'the first spans in PostgreSQL');

    await postgres.halt!();
    await waitFor(async () => (await first.cluster())?.database.reachable === false || undefined, 'the database seen down');
    await send(first, 200, 10);
    await send(first, 150, 0);
    expect((await first.cluster())?.pendingSliBuckets).toBeGreaterThan(0); // acknowledged, only in memory and in the log
    first.kill('SIGKILL');
    await first.exited;

    await postgres.restart!();
    const second = await startClusterMember(dir, 'second', config);
    members.push(second);
    await waitFor(async () => {
      const view = await second.cluster();
      return (view?.database.reachable && view.pendingSliBuckets === 0) || undefined;
    }, 'the replayed increments in PostgreSQL', 60_000);

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ good: string; total: string }>("SELECT sum(good) AS good, sum(total) AS total FROM lookout_sli_minutes WHERE sli_id = 'checkout-availability'");
      console.log(`acknowledged ${acknowledged.total} spans (${acknowledged.good} good), 350 of them while PostgreSQL was down and then a kill -9; PostgreSQL holds ${rows[0]!.total} (${rows[0]!.good} good)`);
      expect({ good: Number(rows[0]!.good), total: Number(rows[0]!.total) }).toEqual(acknowledged);
    } finally {
      await db.end();
    }
  });
});
