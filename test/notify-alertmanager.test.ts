import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNotifier,
  dedupKeyOf,
  labelsFingerprint,
  notifyConfigSchema,
  type AlertNotification,
  type Notifier,
  type NotifyEvent,
} from '../collector/src/notify/index.ts';
import { startAlertmanager, type RunningAlertmanager } from './helpers/alertmanager.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

interface AmWebhook {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: Array<{ status: string; labels: Record<string, string>; fingerprint: string; endsAt: string }>;
}

function burnAlert(longWindow: string, shortWindow: string): AlertNotification {
  const labels = {
    alertname: 'SLOBurnRate',
    slo: 'checkout-availability',
    service: 'checkout',
    severity: 'page',
    long_window: longWindow,
    short_window: shortWindow,
  };
  return {
    dedupKey: dedupKeyOf(labels),
    status: 'firing',
    labels,
    annotations: { summary: `checkout-availability burning over ${longWindow}/${shortWindow}`, burn_rate: '15.2' },
    // fresh, as the state machine emits it: Alertmanager flushes alerts older than group_wait at once
    startsAt: new Date().toISOString(),
    generatorURL: 'http://127.0.0.1/slo/checkout-availability',
  };
}

describe('notifications through a real Alertmanager', () => {
  let sink: WebhookSink;
  let am: RunningAlertmanager | undefined;
  let notifier: Notifier | undefined;
  let dir: string;
  const events: NotifyEvent[] = [];

  beforeAll(async () => {
    sink = await startWebhookSink();
    am = await startAlertmanager({ webhookUrl: `${sink.url}/am`, groupBy: ['alertname', 'slo'] });
    dir = mkdtempSync(join(tmpdir(), 'lookout-notify-am-'));
  });
  afterAll(async () => {
    await notifier?.stop();
    await am?.stop();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires, groups two alerts of one SLO into one webhook call, keeps them firing with re-sends, and resolves', async (context) => {
    if (!am) return context.skip('prometheus-alertmanager is not installed (see SKIP above)');
    notifier = createNotifier({
      config: notifyConfigSchema.parse({ receivers: { alertmanager: [{ name: 'am', url: am.url, resendInterval: '1s' }] } }),
      dataDir: dir,
      registry: new Registry(),
      onEvent: (e) => events.push(e),
    });
    notifier.start();
    const fast = burnAlert('1h', '5m');
    const slow = burnAlert('6h', '30m');
    notifier.notify(fast);
    notifier.notify(slow);

    const calls = () => sink.on('/am').map((r) => r.json as AmWebhook);
    await sink.waitFor(() => calls().some((c) => c.status === 'firing'), 10_000, 'a firing notification from Alertmanager');
    const firing = calls().filter((c) => c.status === 'firing');
    expect(firing).toHaveLength(1);
    expect(firing[0]!.groupLabels).toEqual({ alertname: 'SLOBurnRate', slo: 'checkout-availability' });
    expect(firing[0]!.alerts.map((a) => a.labels.long_window).sort()).toEqual(['1h', '6h']);

    // our fingerprint is Alertmanager's
    const active = await am.alerts();
    expect(active.map((a) => a.fingerprint).sort()).toEqual([labelsFingerprint(fast.labels), labelsFingerprint(slow.labels)].sort());
    expect(active.every((a) => a.status.state === 'active' && Date.parse(a.endsAt) > Date.now())).toBe(true);

    // re-sends every second keep the alerts alive, but Alertmanager does not notify again
    const resendsBefore = events.filter((e) => e.type === 'attempt' && e.mode === 'resend' && e.ok).length;
    await sink.waitFor(
      () => events.filter((e) => e.type === 'attempt' && e.mode === 'resend' && e.ok).length >= resendsBefore + 2,
      6000,
      'two re-sends of the firing alerts',
    );
    expect(calls().filter((c) => c.status === 'firing')).toHaveLength(1);

    const resolvedAt = new Date().toISOString();
    notifier.notify({ ...fast, status: 'resolved', endsAt: resolvedAt });
    notifier.notify({ ...slow, status: 'resolved', endsAt: resolvedAt });
    await sink.waitFor(() => calls().some((c) => c.status === 'resolved'), 10_000, 'a resolved notification from Alertmanager');
    const resolved = calls().find((c) => c.status === 'resolved')!;
    expect(resolved.alerts.map((a) => [a.labels.long_window, a.status]).sort()).toEqual([
      ['1h', 'resolved'],
      ['6h', 'resolved'],
    ]);
    expect(resolved.alerts.every((a) => a.endsAt.startsWith(resolvedAt.slice(0, 19)))).toBe(true);
    expect(await am.alerts()).toEqual([]);
    expect(notifier.outbox.rows().map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    // resolved alerts are no longer re-sent
    expect(notifier.outbox.rows().some((r) => r.resendActive)).toBe(false);
  });
});
