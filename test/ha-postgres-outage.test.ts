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
import { pagesAt, startWebhookSink, webhookAlerts, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * PostgreSQL stopped for two minutes and restarted under two collectors (issue 14,
 * graceful degradation: "PostgreSQL stopped for 2 minutes and restarted → no
 * acknowledged record lost, the SLI buckets equal what was sent, the alert decided on
 * the complete data"). Ingest goes on throughout at a modest rate (20 spans to each
 * collector every 2 s, a quarter of them errors: a burn that must page). While the
 * database is down: every export is acknowledged, /readyz answers 200 "degraded" with the
 * reason, /api/v1/cluster shows evaluation paused, nobody pages, the heartbeat (dead
 * man's switch) stops reaching the receiver, the SLI buckets waiting stay a handful (one
 * per SLI and minute, however many records; none dropped) and the failed pushes back off
 * (lookout_cluster_sli_pushes_total{outcome="error"} grows by far less than one per
 * flush). After the restart: the buckets in PostgreSQL equal exactly what was sent (good
 * and total), a leader evaluates again on the complete data and pages once, and the
 * heartbeat resumes. Figures printed: records sent, acknowledged and in the buckets; the
 * buckets waiting; push attempts; time to catch up after the restart.
 */

const OUTAGE_MS = 120_000;
const FLUSH_INTERVAL_MS = 200;
describe.skipIf(!postgresAvailable())('PostgreSQL stopped for two minutes and restarted under two collectors', () => {
  let dir: string;
  let postgres: RunningPostgres;
  let sink: WebhookSink;
  const collectors: TestCollector[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-pg-outage-'));
    writeFileSync(join(dir, 'checkout-slo.yaml'), CHECKOUT_SLO_SPEC);
    postgres = await startPostgres();
    sink = await startWebhookSink();
    for (const name of ['a', 'b']) {
      collectors.push(
        await startTestCollector(
          JSON.stringify({
            receivers: { otlp: { grpc: { enabled: false } } },
            storage: { dataDir: join(dir, name), backend: 'postgres', postgres: { url: postgres.url, replica: name, leaseTtl: '1500ms', connectTimeout: '500ms', statementTimeout: '1s' } },
            sli: { flushInterval: `${FLUSH_INTERVAL_MS}ms` },
            slos: { files: [join(dir, 'checkout-slo.yaml')], evaluationInterval: '200ms' },
            notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] }, heartbeat: { receiver: 'hook', interval: '300ms' } },
            log: { level: 'silent' },
          }),
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of collectors) await c.close();
    await sink?.close();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps acknowledging ingest, pauses evaluation and the heartbeat, and stores exactly what was sent once it is back', { timeout: OUTAGE_MS + 90_000 }, async () => {
    const cluster = async (c: TestCollector) => (await c.collector.http.inject({ method: 'GET', url: '/api/v1/cluster' })).json() as ClusterView;
    const metricsOf = async (c: TestCollector) => (await c.collector.http.inject({ method: 'GET', url: '/metrics' })).body;
    const metric = (text: string, pattern: RegExp) => Number(text.match(pattern)?.[1] ?? NaN);
    const pushErrors = async () => Promise.all(collectors.map(async (c) => metric(await metricsOf(c), /^lookout_cluster_sli_pushes_total\{outcome="error"\} (\d+)$/m)));
    const exporters = collectors.map((c) => new OTLPTraceExporter({ url: `${c.collector.httpUrl}/v1/traces` }));
    let good = 0;
    let total = 0;
    let sent = 0;
    const send = async (count: number, errors: number) => {
      for (const exporter of exporters) {
        sent += count;
        const result = await exportSpans(exporter, requestSpans('checkout', '/api/checkout', count, errors, Date.now() - 30_000));
        expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
        total += count;
        good += count - errors;
      }
    };
    const heartbeats = () => sink.on('/hook').filter((r) => JSON.stringify(r.json).includes('LookoutHeartbeat')).length;
    const pages = (status: string) => pagesAt(sink, status);

    await waitFor(async () => (await Promise.all(collectors.map(cluster))).some((v) => v.role === 'leader' && v.evaluation.running), 'a leader');
    // the follower learns the lease at its next round (every third of the TTL); the outage's
    // metrics below show the epoch each one last saw, so both must have seen it first
    await waitFor(async () => (await Promise.all(collectors.map(cluster))).every((v) => (v.epoch ?? 0) > 0), 'both collectors saw the lease');
    await sink.waitFor(() => heartbeats() > 0, 10_000, 'a heartbeat from the leader');
    await send(100, 3); // 3 % errors: below the page's burn rate

    // the outage
    await postgres.halt!();
    const downAt = Date.now();
    await waitFor(async () => (await Promise.all(collectors.map(cluster))).every((v) => !v.evaluation.running && !v.database.reachable), 'evaluation paused on both');
    const paused = await cluster(collectors[0]!);
    expect(paused.evaluation.reason).toMatch(/PostgreSQL is unreachable/);
    const readyz = await collectors[1]!.collector.http.inject({ method: 'GET', url: '/readyz' });
    expect(readyz.statusCode).toBe(200);
    expect(readyz.json()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/PostgreSQL is unreachable/) });
    const metrics = await metricsOf(collectors[0]!);
    expect(metrics).toMatch(/^lookout_cluster_database_up 0$/m);
    expect(metrics).toMatch(/^lookout_cluster_leader 0$/m);
    expect(metrics).toMatch(/^lookout_cluster_members \d+$/m);
    expect(metrics).toMatch(/^lookout_cluster_epoch [1-9]\d*$/m);
    await new Promise((r) => setTimeout(r, 1000)); // a beat already in flight may still land
    const beatsWhenDown = heartbeats();
    const errorsAtDown = await pushErrors();
    const sentAtDown = sent;
    let maxPending = 0;
    // two minutes of ingest into the outage: 20 spans to each collector every 2 s, a quarter of them errors
    while (Date.now() - downAt < OUTAGE_MS) {
      await send(20, 5);
      const views = await Promise.all(collectors.map(cluster));
      maxPending = Math.max(maxPending, ...views.map((v) => v.pendingSliBuckets));
      expect(views.every((v) => !v.evaluation.running)).toBe(true);
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(heartbeats()).toBe(beatsWhenDown); // the dead man's switch stopped: the receiver notices
    expect(pages('firing')).toEqual([]); // nobody evaluates: nobody pages
    const views = await Promise.all(collectors.map(cluster));
    expect(views.every((v) => v.pendingSliBuckets > 0)).toBe(true);
    // bounded: one bucket per (SLI, minute), not per record; nothing dropped
    expect(maxPending).toBeLessThanOrEqual(8);
    for (const c of collectors) {
      const text = await metricsOf(c);
      expect(metric(text, /^lookout_sli_store_dropped_events_total\{reason="pending_full"\} (\d+)$/m)).toBe(0);
      expect(metric(text, /^lookout_sli_store_pending_buckets (\d+)$/m)).toBeGreaterThan(0);
    }
    // backoff: a push every flush would be OUTAGE_MS / FLUSH_INTERVAL_MS = 600 attempts; capped at 5 s with full jitter it is tens
    const attempts = (await pushErrors()).map((n, i) => n - errorsAtDown[i]!);
    expect(Math.max(...attempts)).toBeLessThan(OUTAGE_MS / FLUSH_INTERVAL_MS / 4);

    // back
    await postgres.restart!();
    const upAt = Date.now();
    const downFor = upAt - downAt;
    await send(100, 0);
    await waitFor(async () => (await Promise.all(collectors.map(cluster))).every((v) => v.pendingSliBuckets === 0 && v.database.reachable), 'the buffers written', 30_000);
    const caughtUpMs = Date.now() - upAt;
    await waitFor(async () => (await Promise.all(collectors.map(cluster))).some((v) => v.role === 'leader' && v.evaluation.running), 'a leader again', 30_000);
    const leaderMs = Date.now() - upAt;
    const epochLeading = Math.max(...(await Promise.all(collectors.map(cluster))).map((v) => v.epoch ?? 0));
    await sink.waitFor(() => pages('firing').length > 0, 30_000, 'the page decided on the complete data');
    const pageMs = Date.now() - upAt;
    await sink.waitFor(() => heartbeats() > beatsWhenDown, 10_000, 'the heartbeat again');
    const leaders = await Promise.all(collectors.map(async (c) => (await metricsOf(c)).match(/^lookout_cluster_leader (\d)$/m)?.[1]));
    expect(leaders.sort()).toEqual(['0', '1']);

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ good: string; total: string }>("SELECT sum(good) AS good, sum(total) AS total FROM lookout_sli_minutes WHERE sli_id = 'checkout-availability'");
      console.log(
        `PostgreSQL down ${downFor} ms; sent ${sent} spans (${sent - sentAtDown} during the outage), acknowledged ${total} (${good} good); ` +
          `PostgreSQL holds ${rows[0]!.total} (${rows[0]!.good} good); at most ${maxPending} SLI buckets waiting per collector; ` +
          `failed push rounds during the outage ${attempts.join(' and ')} (a push per flush would be ${OUTAGE_MS / FLUSH_INTERVAL_MS}); ` +
          `after the restart: every buffer written within ${caughtUpMs} ms, a leader evaluating by ${leaderMs} ms, the page by ${pageMs} ms (polled one after the other)`,
      );
      expect(total).toBe(sent);
      expect({ good: Number(rows[0]!.good), total: Number(rows[0]!.total) }).toEqual({ good, total });
    } finally {
      await db.end();
    }
    await new Promise((r) => setTimeout(r, 2000));
    // one page, decided once the whole outage's data was in (as the receiver keeps it: one per Idempotency-Key)
    expect(webhookAlerts(sink.accepted('/hook')).filter((a) => a.labels.severity === 'page' && a.status === 'firing')).toHaveLength(1);
    // A repeat (same Idempotency-Key, dropped by the receiver) is allowed only where the
    // design says it can happen: the lease changed hands after a notification went out,
    // before its sender marked it delivered. Without a change of leader after the one the
    // restart brought, there is none.
    const epochAtEnd = Math.max(...(await Promise.all(collectors.map(cluster))).map((v) => v.epoch ?? 0));
    const repeats = sink.duplicates('/hook').map((r) => {
      const first = sink.on('/hook').find((f) => f.idempotencyKey === r.idempotencyKey)!;
      return `${r.idempotencyKey}: ${r.text.slice(0, 160)} at +${r.at - upAt} ms after the restart, first copy at +${first.at - upAt} ms`;
    });
    if (repeats.length > 0) console.log(`sent again with the same Idempotency-Key, the lease having moved from epoch ${epochLeading} to ${epochAtEnd}:\n${repeats.join('\n')}`);
    if (epochAtEnd === epochLeading) expect(repeats).toEqual([]);
    for (const exporter of exporters) await exporter.shutdown();
  });
});
