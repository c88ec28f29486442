import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { SloFilesError } from '../collector/src/slo/index.ts';
import { firstAlert, startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * End to end: an SLO spec file, a collector with a short evaluation interval and a
 * webhook receiver, spans with 100 % errors for "checkout" over OTLP/HTTP. The
 * collector's clock is real time plus an offset the test moves forward, so the
 * minutes the 5m/1h windows need pass in milliseconds; the SLI store buckets spans
 * by their end time, stamped with the collector's clock.
 */

const SPEC = `service: checkout
runbook: https://runbooks.example.com/checkout
slos:
  - name: checkout-availability
    description: Checkout requests succeed
    objective: 99.9
    sli: availability
    filters: { route: /api/checkout }
`;
const SLOTH = `version: "prometheus/v1"
service: inventory
slos:
  - name: requests-availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting: { name: InventoryAvailability }
`;
const MINUTE = 60_000;

function hex(n: number, length: number): string {
  return n.toString(16).padStart(length, '0');
}

function spans(count: number, atMs: number, status: number, firstId: number) {
  const end = BigInt(atMs) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [
          {
            scope: { name: 'e2e' },
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: hex(firstId + i, 32),
              spanId: hex(firstId + i, 16),
              name: 'POST /api/checkout',
              kind: 2,
              startTimeUnixNano: String(end - 20_000_000n),
              endTimeUnixNano: String(end),
              attributes: [
                { key: 'http.request.method', value: { stringValue: 'POST' } },
                { key: 'http.route', value: { stringValue: '/api/checkout' } },
                { key: 'http.response.status_code', value: { intValue: status } },
              ],
              status: { code: status >= 500 ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}

function errorLog(atMs: number, text: string) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeLogs: [{ scope: { name: 'e2e' }, logRecords: [{ timeUnixNano: String(BigInt(atMs) * 1_000_000n), severityNumber: 17, severityText: 'ERROR', body: { stringValue: text } }] }],
      },
    ],
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, await response.text()).toBe(200);
}

async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}


const alertOf = firstAlert;

describe('SLO alerting end to end: spans → SLI store → runtime → outbox → webhook', () => {
  let dir: string;
  let sink: WebhookSink;
  let collector: RunningCollector;
  let offset = 0;
  const now = () => Date.now() + offset;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-e2e-slo-'));
    writeFileSync(join(dir, 'checkout.yaml'), SPEC);
    writeFileSync(join(dir, 'inventory.yaml'), SLOTH);
    sink = await startWebhookSink();
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        slos: {
          files: [join(dir, '*.yaml')],
          evaluationInterval: '200ms',
          dashboardUrl: 'https://grafana.example.com/d/lookout-slo?var-service={service}&var-slo={slo}',
        },
        notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] }, externalURL: 'http://lookout.test' },
      }),
      'e2e.yaml',
      {},
    );
    collector = await startCollector(config, { now });
  });

  afterAll(async () => {
    await collector?.close();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages with labels and annotations on a full outage, and resolves once the short windows are clean', async () => {
    const base = collector.httpUrl;
    // Start one second into a minute, so real time cannot finish the minute under the test.
    offset += MINUTE - ((Date.now() + offset) % MINUTE) + 1000;
    const t0 = now();
    const m0 = Math.floor(t0 / MINUTE);
    await post(`${base}/v1/logs`, errorLog(t0, 'payment gateway timeout after 3000 ms'));
    await post(`${base}/v1/traces`, spans(50, t0, 503, 1));
    const store = collector.sli!.store!;
    await waitUntil(() => store.sum('checkout-availability', m0, m0).total === 50, 'the 50 spans reaching the SLI store');
    expect(store.sum('checkout-availability', m0, m0)).toEqual({ good: 0, total: 50 });
    // Not judged while the minute is still running.
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.on('/hook')).toEqual([]);

    offset += MINUTE; // minute m0 is complete
    await sink.waitFor(() => sink.on('/hook').length >= 1, 10_000, 'the page');
    const [request] = sink.on('/hook');
    expect(request!.idempotencyKey).toMatch(/^[0-9a-f]{40}$/);
    const page = alertOf(request!);
    expect(page.status).toBe('firing');
    expect(page.labels).toEqual({
      alertname: 'SLOErrorBudgetBurn',
      slo: 'checkout-availability',
      service: 'checkout',
      severity: 'page',
      long_window: '1h',
      short_window: '5m',
    });
    expect(page.annotations).toMatchObject({
      burn_rate: '1000',
      budget_remaining: expect.stringMatching(/^none \(exhausted: [\d.]+× the budget spent\)$/),
      runbook_url: 'https://runbooks.example.com/checkout',
      dashboard_url: 'https://grafana.example.com/d/lookout-slo?var-service=checkout&var-slo=checkout-availability',
      sample_errors: 'payment gateway timeout after 3000 ms',
      firing_windows: '1h/5m, 6h/30m',
    });
    expect(page.annotations.summary).toBe('checkout/checkout-availability: every event failed over 1h (1000× burn) (page above 14.4×)');
    expect(page.annotations.time_to_exhaustion).toBeDefined();
    const traceIds = page.annotations.sample_trace_ids!.split(', ');
    expect(traceIds.length).toBe(5);
    for (const id of traceIds) expect(Number.parseInt(id, 16)).toBeGreaterThanOrEqual(1);
    expect(page.generatorURL).toBe('http://lookout.test/api/v1/slos');
    expect(new Date(page.startsAt).getTime()).toBeGreaterThanOrEqual((m0 + 1) * MINUTE);

    // Status API and gauges while it pages; the Sloth SLO is listed as not evaluated.
    const status = (await (await fetch(`${base}/api/v1/slos`)).json()) as { slos: Array<Record<string, unknown>> };
    const checkout = status.slos.find((s) => s.name === 'checkout-availability')!;
    expect(checkout).toMatchObject({ evaluable: true, service: 'checkout' });
    expect((checkout.alerts as Array<{ severity: string; state: string; inhibited: boolean }>).filter((a) => a.severity === 'ticket').every((a) => a.inhibited)).toBe(true);
    const sloth = status.slos.find((s) => s.name === 'requests-availability')!;
    expect(sloth).toMatchObject({ evaluable: false, service: 'inventory' });
    expect(String(sloth.reason)).toContain('PromQL');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('lookout_slo_alert_firing{slo="checkout-availability",service="checkout",severity="page"} 1');
    const burn5m = metrics.split('\n').find((l) => l.startsWith('lookout_slo_burn_rate{slo="checkout-availability",service="checkout",window="5m"} '));
    expect(Number(burn5m?.split(' ')[1])).toBeCloseTo(1000, 6);
    expect(metrics).toContain('lookout_slo_events_total{slo="checkout-availability",service="checkout"}');

    // One page for the problem: a few more cycles add nothing.
    await new Promise((r) => setTimeout(r, 600));
    expect(sink.on('/hook')).toHaveLength(1);

    // Good traffic again (some before the jump, so no evaluation between the jump and the
    // next post can see the outage alone in the 1h window); 31 minutes on, minute m0 has
    // left the 30m window.
    await post(`${base}/v1/traces`, spans(200, now(), 200, 2000));
    offset += 30 * MINUTE;
    await post(`${base}/v1/traces`, spans(200, now(), 200, 1000));
    offset += MINUTE;
    await sink.waitFor(() => sink.on('/hook').some((r) => alertOf(r).status === 'resolved'), 10_000, 'the resolve');
    const resolved = sink.on('/hook').map(alertOf).find((a) => a.status === 'resolved')!;
    expect(resolved.labels).toEqual(page.labels);
    expect(resolved.startsAt).toBe(page.startsAt);
    // a resolve says what the windows show now, not the burn of when it fired
    expect(resolved.annotations.summary).toMatch(/^checkout\/checkout-availability: resolved; now /);
    expect(resolved.annotations.summary).not.toContain('1000×');
    expect(new Date(resolved.endsAt).getTime()).toBeGreaterThan(new Date(page.startsAt).getTime() + 30 * MINUTE);
    // The ticket pairs (2h and 6h windows still hold the outage) were muted by the page; now they notify.
    await sink.waitFor(() => sink.on('/hook').some((r) => alertOf(r).labels.severity === 'ticket'), 10_000, 'the ticket');
    const ticket = sink.on('/hook').map(alertOf).find((a) => a.labels.severity === 'ticket')!;
    expect(ticket).toMatchObject({ status: 'firing', labels: { long_window: '1d', short_window: '2h' } });
    const statuses = sink.on('/hook').map((r) => `${alertOf(r).status} ${alertOf(r).labels.severity}`);
    expect(statuses).toEqual(['firing page', 'resolved page', 'firing ticket']);
  });
});

describe('SLO specs at start', () => {
  it('a broken spec stops the start with file:line and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-e2e-slo-bad-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'service: checkout\nname: availability\nobjective: 0.999\nsli: availability\n');
      const config = parseConfig(
        JSON.stringify({
          receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
          log: { level: 'silent' },
          storage: { dataDir: join(dir, 'data') },
          slos: { files: [join(dir, 'bad.yaml'), join(dir, 'missing.yaml')] },
        }),
        'e2e.yaml',
        {},
      );
      const start = startCollector(config);
      await expect(start).rejects.toBeInstanceOf(SloFilesError);
      await expect(start).rejects.toThrow(`${join(dir, 'bad.yaml')}:3:1: objective: 0.999 looks like a fraction (fix: write the objective as a percent, e.g. 99.9 or '99.9%')`);
      await expect(start).rejects.toThrow(`${join(dir, 'missing.yaml')}: no such file or directory`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
