import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaleEpochError, writeAsLeader } from '../collector/src/store/postgres/index.ts';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.ts';
import { CHECKOUT_SLO_SPEC, exportSpans, requestSpans, startClusterMember, waitFor, type ClusterMember } from './helpers/cluster.ts';
import { postgresAvailable, startPostgres, type RunningPostgres } from './helpers/postgres.ts';
import { startWebhookSink, type WebhookSink, pagesAt } from './helpers/webhook-sink.ts';

/**
 * Partition drills of issue 14: three collectors (CLI child processes), each reaching
 * PostgreSQL through its own fault proxy. The leader is cut from the database while it
 * keeps running — first a blackhole (nothing passes), then, for the next leader, a
 * half-open link (its queries arrive and run, the answers never come back). Each time:
 * the cut leader steps down and says why on /readyz and /api/v1/cluster, another takes
 * the lease at a higher epoch, and the SLO pages once in all; a write at the old epoch
 * (what a paused or partitioned old leader would still send) is refused by the fence.
 */

const LEASE_TTL_MS = 2000;
const pages = pagesAt;

describe.skipIf(!postgresAvailable())('a leader cut from PostgreSQL by the fault proxy (blackhole, then half-open)', () => {
  let dir: string;
  let postgres: RunningPostgres;
  let sink: WebhookSink;
  const proxies = new Map<string, FaultProxy>();
  let members: ClusterMember[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-ha-partition-'));
    writeFileSync(join(dir, 'checkout-slo.yaml'), CHECKOUT_SLO_SPEC);
    postgres = await startPostgres();
    sink = await startWebhookSink();
    const pgPort = Number(new URL(postgres.url).port);
    for (const name of ['c0', 'c1', 'c2']) proxies.set(name, await startFaultProxy({ port: pgPort }));
    const config = (name: string) => ({
      log: { level: 'info' },
      storage: {
        dataDir: join(dir, `data-${name}`),
        backend: 'postgres',
        postgres: { url: `postgres://postgres@127.0.0.1:${proxies.get(name)!.port}/postgres`, replica: name, leaseTtl: LEASE_TTL_MS, connectTimeout: '500ms', statementTimeout: '1s' },
      },
      sli: { flushInterval: '200ms' },
      slos: { files: [join(dir, 'checkout-slo.yaml')], evaluationInterval: '200ms', lateData: '15m' },
      notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] } },
    });
    members = await Promise.all(['c0', 'c1', 'c2'].map((name) => startClusterMember(dir, name, config(name))));
  }, 240_000);

  afterAll(async () => {
    for (const m of members) m.kill('SIGTERM');
    await Promise.all(members.map((m) => Promise.race([m.exited, new Promise((r) => setTimeout(r, 10_000))])));
    for (const m of members) m.kill('SIGKILL');
    for (const proxy of proxies.values()) await proxy.close();
    await sink?.close();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('steps the cut leader down, pages once through two changes of leader, and refuses the old epoch', { timeout: 120_000 }, async () => {
    const view = (m: ClusterMember) => m.cluster();
    const leaderAmong = async (candidates: ClusterMember[], above: number) => {
      for (const m of candidates) {
        const v = await view(m);
        if (v && v.role === 'leader' && v.evaluation.running && v.epoch! > above) return { member: m, view: v };
      }
      return undefined;
    };
    const first = await waitFor(() => leaderAmong(members, 0), 'a first leader');

    // 1. blackhole between the leader and PostgreSQL; it keeps running and serving
    const cutAt = Date.now();
    proxies.get(first.member.name)!.blackhole();
    const others = members.filter((m) => m !== first.member);
    const second = await waitFor(() => leaderAmong(others, first.view.epoch!), 'a new leader after the blackhole');
    console.log(`blackhole: ${first.view.replica} cut at epoch ${first.view.epoch}; ${second.view.replica} leads at epoch ${second.view.epoch} after ${Date.now() - cutAt} ms`);
    const cut = await waitFor(async () => {
      const v = await view(first.member);
      return v && v.role !== 'leader' && !v.evaluation.running && !v.database.reachable ? v : undefined;
    }, 'the cut leader stepping down');
    expect(cut.evaluation.reason).toMatch(/PostgreSQL is unreachable/);
    const ready = await fetch(`${first.member.url}/readyz`);
    expect(ready.status).toBe(200); // it still takes ingest (buffered), and says why it is degraded
    expect(await ready.json()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/PostgreSQL is unreachable/) });

    // the burst, sent to the new leader and the other follower: the new leader pages
    const exporters = others.map((m) => new OTLPTraceExporter({ url: `${m.url}/v1/traces` }));
    const now = Date.now();
    for (let m = 1; m <= 4; m++) for (const exporter of exporters) expect((await exportSpans(exporter, requestSpans('checkout', '/api/checkout', 25, 25, now - m * 60_000))).code).toBe(ExportResultCode.SUCCESS);
    await sink.waitFor(() => pages(sink, 'firing').length > 0, 30_000, 'the page from the new leader');

    // a late write of the cut leader, at its old epoch, is refused by the fence
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const late = writeAsLeader(db, {
        lease: 'lookout-evaluator',
        holder: first.view.replica,
        epoch: first.view.epoch!,
        notifications: [{ dedupKey: 'late', status: 'firing', episode: new Date().toISOString(), notification: { late: true } }],
      });
      await expect(late).rejects.toBeInstanceOf(StaleEpochError);
      await expect(late).rejects.toThrow(new RegExp(`epoch ${first.view.epoch}.*epoch ${second.view.epoch} held by ${second.view.replica}`));
      expect((await db.query("SELECT 1 FROM lookout_outbox WHERE dedup_key = 'late'")).rowCount).toBe(0);
      await waitFor(async () => (await db.query("SELECT 1 FROM lookout_outbox WHERE status = 'firing' AND delivered_at IS NOT NULL")).rowCount! > 0, 'the page marked delivered');
      // every notification of record was written at the epoch of the leader that decided it, never the cut one's
      const epochs = (await db.query<{ epoch: string }>('SELECT DISTINCT epoch FROM lookout_outbox')).rows.map((r) => Number(r.epoch));
      expect(epochs).not.toContain(first.view.epoch);
    } finally {
      await db.end();
    }

    // 2. heal the first, then cut the second leader half-open: its queries run, answers never return
    proxies.get(first.member.name)!.heal();
    await waitFor(async () => (await view(first.member))?.database.reachable, 'the first leader reaching PostgreSQL again');
    const halfOpenAt = Date.now();
    proxies.get(second.member.name)!.halfOpen();
    const third = await waitFor(() => leaderAmong(members.filter((m) => m !== second.member), second.view.epoch!), 'a new leader after the half-open cut');
    console.log(`half-open: ${second.view.replica} cut at epoch ${second.view.epoch}; ${third.view.replica} leads at epoch ${third.view.epoch} after ${Date.now() - halfOpenAt} ms`);
    await waitFor(async () => {
      const v = await view(second.member);
      return v && v.role !== 'leader' && !v.evaluation.running;
    }, 'the half-open leader stepping down');

    // the burn goes on; the third leader continues the episode: still one page
    for (const exporter of exporters) expect((await exportSpans(exporter, requestSpans('checkout', '/api/checkout', 25, 25, Date.now() - 60_000))).code).toBe(ExportResultCode.SUCCESS);
    await new Promise((r) => setTimeout(r, 2000));
    for (const exporter of exporters) await exporter.shutdown();
    proxies.get(second.member.name)!.heal();
    expect(pages(sink, 'firing')).toHaveLength(1);
    expect(sink.duplicates('/hook')).toHaveLength(0);
  });
});
