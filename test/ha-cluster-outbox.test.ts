import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT_SLO_SPEC, exportSpans, requestSpans, waitFor, type ClusterView } from './helpers/cluster.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { postgresAvailable, startPostgres, type RunningPostgres } from './helpers/postgres.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * The outbox of record across a change of leader (issue 14): the receiver refuses
 * (503) while the leader decides a page, so the page sits undelivered in PostgreSQL; the
 * leader shuts down; the follower takes the lease, finds the undelivered page and sends
 * it once the receiver accepts. Exactly one page is accepted, marked delivered in
 * PostgreSQL, and every row of record carries the epoch of the leader that decided it.
 * Meanwhile the follower's /api/v1/slos shows the page firing from its own reading of
 * the shared buckets, without sending anything.
 */

describe.skipIf(!postgresAvailable())('an undelivered notification of record is sent by the next leader', () => {
  let dir: string;
  let postgres: RunningPostgres;
  let sink: WebhookSink;
  const collectors = new Map<string, TestCollector>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-ha-outbox-'));
    writeFileSync(join(dir, 'checkout-slo.yaml'), CHECKOUT_SLO_SPEC);
    postgres = await startPostgres();
    sink = await startWebhookSink();
    for (const name of ['a', 'b']) {
      collectors.set(
        name,
        await startTestCollector(
          JSON.stringify({
            receivers: { otlp: { grpc: { enabled: false } } },
            storage: { dataDir: join(dir, name), backend: 'postgres', postgres: { url: postgres.url, replica: name, leaseTtl: '1500ms' } },
            sli: { flushInterval: '200ms' },
            slos: { files: [join(dir, 'checkout-slo.yaml')], evaluationInterval: '200ms', lateData: '15m' },
            notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] }, retry: { baseDelay: '100ms', maxDelay: '300ms' } },
            log: { level: 'silent' },
          }),
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of collectors.values()) await c.close().catch(() => {});
    await sink?.close();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('survives the leader leaving before any receiver took the page: sent once by the next', { timeout: 60_000 }, async () => {
    const view = async (c: TestCollector) => (await c.collector.http.inject({ method: 'GET', url: '/api/v1/cluster' })).json() as ClusterView;
    const leaderName = await waitFor(async () => {
      for (const [name, c] of collectors) if ((await view(c)).role === 'leader' && (await view(c)).evaluation.running) return name;
      return undefined;
    }, 'a leader');
    const leader = collectors.get(leaderName)!;
    const follower = [...collectors.entries()].find(([name]) => name !== leaderName)![1];
    const firstEpoch = (await view(leader)).epoch!;

    sink.respondWith(503);
    const exporter = new OTLPTraceExporter({ url: `${follower.collector.httpUrl}/v1/traces` }); // ingest on the follower: the buckets are shared
    const now = Date.now();
    for (let m = 1; m <= 3; m++) expect((await exportSpans(exporter, requestSpans('checkout', '/api/checkout', 40, 40, now - m * 60_000))).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      await waitFor(async () => (await db.query("SELECT 1 FROM lookout_outbox WHERE status = 'firing' AND delivered_at IS NULL")).rowCount! > 0, 'the page of record, undelivered');
      await sink.waitFor(() => sink.on('/hook').length > 0, 10_000, 'a refused attempt');
      // the follower serves the read APIs from its own reading of the shared buckets (it notifies nothing)
      type Slos = { slos: Array<{ evaluatedAt?: string; alerts: Array<{ severity: string; state: string }> }> };
      await waitFor(async () => {
        const [slo] = ((await follower.collector.http.inject({ method: 'GET', url: '/api/v1/slos' })).json() as Slos).slos;
        return slo?.evaluatedAt !== undefined && slo.alerts.some((a) => a.severity === 'page' && a.state === 'firing');
      }, 'the follower showing the page firing');
      await leader.close(); // its lease is released; the follower takes over
      collectors.delete(leaderName);
      await waitFor(async () => (await view(follower)).role === 'leader' && (await view(follower)).evaluation.running, 'the follower leading');
      sink.respondWith(200);
      const accepted = () => sink.on('/hook').filter((r) => r.status === 200 && JSON.stringify(r.json).includes('"severity":"page"'));
      await sink.waitFor(() => accepted().length > 0, 15_000, 'the page accepted');
      await waitFor(async () => (await db.query("SELECT 1 FROM lookout_outbox WHERE status = 'firing' AND delivered_at IS NOT NULL")).rowCount! > 0, 'the page marked delivered');
      await new Promise((r) => setTimeout(r, 1000));
      expect(accepted()).toHaveLength(1);
      const { rows } = await db.query<{ epoch: string; holder: string }>("SELECT epoch, holder FROM lookout_outbox WHERE status = 'firing'");
      expect(rows).toEqual([{ epoch: String(firstEpoch), holder: leaderName }]); // decided by the first leader, at its epoch
      const state = await db.query<{ epoch: string }>('SELECT DISTINCT epoch FROM lookout_alert_state');
      expect(state.rows.length).toBeGreaterThan(0); // the firing alert continues, rewritten by whoever leads
    } finally {
      await db.end();
    }
  });
});
