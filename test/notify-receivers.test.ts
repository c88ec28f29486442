import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNotifier,
  dedupKeyOf,
  HEARTBEAT_ALERTNAME,
  labelsFingerprint,
  notifyConfigSchema,
  type AlertNotification,
  type Notifier,
} from '../collector/src/notify/index.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

const labels = { alertname: 'SLOBurnRate', slo: 'checkout-latency', service: 'checkout', severity: 'page', long_window: '1h', short_window: '5m' };
const firing: AlertNotification = {
  dedupKey: dedupKeyOf(labels),
  status: 'firing',
  labels,
  annotations: {
    summary: 'checkout-latency burning 14.4x',
    burn_rate: '16.3',
    budget_remaining: '71%',
    time_to_exhaustion: '4h 10m',
    runbook_url: 'https://runbooks.example/checkout-latency',
    dashboard_url: 'https://grafana.example/d/checkout',
    sample_errors: 'GET /cart took 2.3 s',
    sample_trace_ids: '0af7651916cd43dd8448eb211c80319c',
  },
  startsAt: new Date().toISOString(),
};

describe('webhook, Slack and PagerDuty receivers over HTTP, and the heartbeat', () => {
  let sink: WebhookSink;
  let dir: string;
  let notifier: Notifier;
  const registry = new Registry();

  beforeAll(async () => {
    sink = await startWebhookSink();
    dir = mkdtempSync(join(tmpdir(), 'lookout-notify-receivers-'));
    notifier = createNotifier({
      config: notifyConfigSchema.parse({
        receivers: {
          webhook: [
            { name: 'hook', url: `${sink.url}/hook`, headers: { authorization: 'Bearer hook-token' } },
            { name: 'dms', url: `${sink.url}/dms`, match: { alertname: 'never-matches' } },
          ],
          slack: [{ name: 'slack', url: `${sink.url}/services/T0/B0/slack-secret` }],
          pagerduty: [{ name: 'pd', routingKey: 'pd-routing-secret', url: `${sink.url}/v2/enqueue`, match: { severity: 'page' } }],
        },
        heartbeat: { receiver: 'dms', interval: '400ms', labels: { cluster: 'test' } },
        externalURL: 'http://lookout.test',
      }),
      dataDir: dir,
      registry,
    });
    notifier.start();
  });
  afterAll(async () => {
    await notifier?.stop();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a firing and a resolved alert to each receiver, resolve after firing', async () => {
    notifier.notify(firing);
    notifier.notify({ ...firing, status: 'resolved', endsAt: new Date().toISOString() });
    const done = () => ['/hook', '/services/T0/B0/slack-secret', '/v2/enqueue'].every((path) => sink.on(path).length >= 2);
    await sink.waitFor(done, 5000, 'two deliveries to each receiver');

    const hook = sink.on('/hook');
    expect(hook.map((r) => (r.json as { status: string }).status)).toEqual(['firing', 'resolved']);
    expect(hook[0]!.headers.authorization).toBe('Bearer hook-token');
    expect(hook[0]!.headers['content-type']).toBe('application/json');
    expect(hook[0]!.idempotencyKey).toMatch(/^[0-9a-f]{40}$/);
    expect(hook[0]!.idempotencyKey).not.toBe(hook[1]!.idempotencyKey);
    const payload = hook[0]!.json as { version: string; receiver: string; externalURL: string; alerts: Array<{ fingerprint: string }> };
    expect(payload).toMatchObject({ version: '4', receiver: 'hook', externalURL: 'http://lookout.test' });
    expect(payload.alerts[0]!.fingerprint).toBe(labelsFingerprint(labels));

    const slack = sink.on('/services/T0/B0/slack-secret').map((r) => r.json as { text: string; blocks: unknown[] });
    expect(slack[0]!.text).toBe('🔴 FIRING: checkout-latency burning 14.4x (checkout / checkout-latency)');
    expect(JSON.stringify(slack[0]!.blocks)).toContain('<https://runbooks.example/checkout-latency|Runbook>');
    expect(slack[1]!.text.startsWith('✅ RESOLVED')).toBe(true);

    const pd = sink.on('/v2/enqueue').map((r) => r.json as { routing_key: string; event_action: string; dedup_key: string; payload?: { severity: string } });
    expect(pd.map((e) => [e.event_action, e.dedup_key, e.routing_key])).toEqual([
      ['trigger', firing.dedupKey, 'pd-routing-secret'],
      ['resolve', firing.dedupKey, 'pd-routing-secret'],
    ]);
    expect(pd[0]!.payload!.severity).toBe('critical');
  });

  it('sends the dead man’s switch heartbeat every interval, each beat its own delivery', async () => {
    await sink.waitFor(() => sink.on('/dms').length >= 3, 5000, 'three heartbeats');
    const beats = sink.on('/dms');
    const first = beats[0]!.json as { status: string; commonLabels: Record<string, string> };
    expect(first.status).toBe('firing');
    expect(first.commonLabels).toEqual({ cluster: 'test', alertname: HEARTBEAT_ALERTNAME, severity: 'none' });
    expect(new Set(beats.map((b) => b.idempotencyKey)).size).toBe(beats.length);
    // Arrival gaps are not asserted: on a loaded machine a late beat shortens the next
    // gap. Distinct keys show each beat is its own delivery, not a retry.
  });

  it('exposes its self-metrics', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/lookout_notifications_enqueued_total\{receiver="pd"\} 2/);
    expect(text).toMatch(/lookout_notifications_delivered_total\{receiver="slack"\} 2/);
    expect(text).toMatch(/lookout_notifications_pending\{receiver="hook"\} 0/);
    expect(text).toMatch(/lookout_notifier_breaker_state\{receiver="pd"\} 0/);
    expect(text).toMatch(/lookout_notifications_given_up_total\{receiver="hook"\} 0/);
    expect(text).toContain('# HELP lookout_notifications_failed_attempts_total');
  });
});
