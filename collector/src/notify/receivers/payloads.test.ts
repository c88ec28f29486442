import { describe, expect, it } from 'vitest';
import { dedupKeyOf } from '../keys.ts';
import type { AlertNotification } from '../types.ts';
import { alertmanagerAlertsUrl, alertmanagerRequest } from './alertmanager.ts';
import { pagerdutyEvent, pagerdutySeverity } from './pagerduty.ts';
import { escapeSlack, slackMessage } from './slack.ts';
import { webhookPayload, webhookRequest } from './webhook.ts';

const labels = { alertname: 'SLOBurnRate', slo: 'checkout-availability', service: 'checkout', severity: 'page', long_window: '1h', short_window: '5m' };
const firing: AlertNotification = {
  dedupKey: dedupKeyOf(labels),
  status: 'firing',
  labels,
  annotations: {
    summary: 'checkout-availability is burning its error budget 14.4x too fast',
    description: 'Error ratio 2.1% over 1h & 5m <script>',
    burn_rate: '21.0',
    budget_remaining: '83%',
    time_to_exhaustion: '1d 3h',
    runbook_url: 'https://runbooks.example/slo?a=1|2',
    dashboard_url: 'https://grafana.example/d/slo',
    sample_errors: 'POST /pay 503 upstream timeout',
    sample_trace_ids: '4bf92f3577b34da6a3ce929d0e0e4736',
  },
  startsAt: '2024-05-01T11:58:00Z',
  generatorURL: 'https://lookout.example/slo/checkout-availability',
};
const resolved: AlertNotification = { ...firing, status: 'resolved', endsAt: '2024-05-01T12:30:00Z' };
const NOW = Date.parse('2024-05-01T12:00:00Z');

describe('Alertmanager API v2', () => {
  it('posts postable alerts to /api/v2/alerts with endsAt four resend intervals ahead while firing', () => {
    const request = alertmanagerRequest('http://am:9093/', [firing], NOW, 60_000);
    expect(request.url).toBe('http://am:9093/api/v2/alerts');
    expect(JSON.parse(request.body)).toEqual([
      { labels, annotations: firing.annotations, startsAt: firing.startsAt, endsAt: '2024-05-01T12:04:00.000Z', generatorURL: firing.generatorURL },
    ]);
  });
  it('sends the resolve time as endsAt', () => {
    expect(JSON.parse(alertmanagerRequest('http://am:9093', [resolved], NOW, 60_000).body)[0].endsAt).toBe('2024-05-01T12:30:00Z');
  });
  it('accepts a base URL that already names the endpoint', () => {
    expect(alertmanagerAlertsUrl('http://am:9093/api/v2/alerts')).toBe('http://am:9093/api/v2/alerts');
  });
});

describe('generic webhook', () => {
  it('builds the Alertmanager webhook payload (version 4) for one alert', () => {
    const payload = webhookPayload(firing, 'hook', 'https://lookout.example');
    expect(payload).toMatchObject({
      version: '4',
      groupKey: '{}:{alertname="SLOBurnRate", slo="checkout-availability"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'hook',
      groupLabels: { alertname: 'SLOBurnRate', slo: 'checkout-availability' },
      commonLabels: labels,
      commonAnnotations: firing.annotations,
      externalURL: 'https://lookout.example',
    });
    expect(payload.alerts).toEqual([
      {
        status: 'firing',
        labels,
        annotations: firing.annotations,
        startsAt: firing.startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: firing.generatorURL,
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
    expect(webhookPayload(resolved, 'hook', '').alerts[0]!.endsAt).toBe('2024-05-01T12:30:00Z');
  });
  it('adds the Idempotency-Key and configured headers; the content type cannot be overridden', () => {
    const request = webhookRequest('https://h.example/x', { authorization: 'Bearer t', 'content-type': 'text/plain' }, firing, 'hook', '', 'k1');
    expect(request.headers).toEqual({ authorization: 'Bearer t', 'content-type': 'application/json', 'idempotency-key': 'k1' });
  });
});

describe('Slack incoming webhook', () => {
  it('has a notification line, the SLO facts, sample errors and links', () => {
    const message = slackMessage(firing, 'https://lookout.example');
    expect(message.text).toBe('🔴 FIRING: checkout-availability is burning its error budget 14.4x too fast (checkout / checkout-availability)');
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('*Burn rate*\\n21.0');
    expect(text).toContain('*Budget remaining*\\n83%');
    expect(text).toContain('*Time to exhaustion*\\n1d 3h');
    expect(text).toContain('&lt;script&gt;');
    expect(text).toContain('POST /pay 503 upstream timeout');
    expect(text).toContain('<https://runbooks.example/slo?a=1%7C2|Runbook>');
    expect(text).toContain('<https://grafana.example/d/slo|Dashboard>');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: expect.any(String), emoji: true } });
  });
  it('says RESOLVED and drops the samples when resolved', () => {
    const message = slackMessage(resolved, '');
    expect(message.text.startsWith('✅ RESOLVED: ')).toBe(true);
    expect(JSON.stringify(message.blocks)).not.toContain('Sample errors');
    expect(JSON.stringify(message.blocks)).toContain('*Resolved*\\n2024-05-01T12:30:00Z');
  });
  it('keeps within Slack limits', () => {
    const long = { ...firing, annotations: { ...firing.annotations, summary: 'x'.repeat(500), description: 'y'.repeat(5000) } };
    const message = slackMessage(long, '');
    const header = message.blocks[0] as { text: { text: string } };
    const description = message.blocks[1] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    expect(description.text.text.length).toBeLessThanOrEqual(3000);
  });
  it('escapes mrkdwn control characters', () => {
    expect(escapeSlack('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
  });
});

describe('PagerDuty Events API v2', () => {
  it('triggers with the dedup key, a summary, source, severity, details and links', () => {
    expect(pagerdutyEvent(firing, 'RK', 'https://lookout.example')).toEqual({
      routing_key: 'RK',
      event_action: 'trigger',
      dedup_key: firing.dedupKey,
      payload: {
        summary: firing.annotations.summary,
        source: 'checkout',
        severity: 'critical',
        timestamp: firing.startsAt,
        component: 'checkout-availability',
        group: 'checkout',
        class: 'SLOBurnRate',
        custom_details: { ...labels, ...firing.annotations },
      },
      links: [
        { href: firing.annotations.runbook_url, text: 'Runbook' },
        { href: firing.annotations.dashboard_url, text: 'Dashboard' },
      ],
      client: 'Lookout',
      client_url: firing.generatorURL,
    });
  });
  it('resolves by the same dedup key', () => {
    expect(pagerdutyEvent(resolved, 'RK', '')).toEqual({ routing_key: 'RK', event_action: 'resolve', dedup_key: firing.dedupKey });
  });
  it('maps severities to the four PagerDuty accepts', () => {
    expect(['page', 'ticket', 'critical', 'warning', 'info', 'none', 'major', undefined].map(pagerdutySeverity)).toEqual([
      'critical',
      'warning',
      'critical',
      'warning',
      'info',
      'info',
      'error',
      'error',
    ]);
  });
  it('clips the summary to 1024 characters', () => {
    const long = { ...firing, annotations: { summary: 's'.repeat(2000) } };
    expect(pagerdutyEvent(long, 'RK', '').payload!.summary).toHaveLength(1024);
  });
});
