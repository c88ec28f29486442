import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { ARTIFACTS, launchChromium } from './helpers/browser.ts';

/**
 * The status page in headless Chromium: a collector with one SLO is driven into a
 * page (100 % errors; its clock is real time plus an offset the test moves a minute
 * forward, as in e2e-slo-alerting), then the browser sees the firing alert and the
 * budget chart on /, follows the alert's trace link to the waterfall, and opens the
 * SLO page. Screenshots go to test-artifacts/.
 */

const SPEC = `service: checkout
slos:
  - name: checkout-availability
    description: Checkout requests succeed
    objective: 99.9
    sli: availability
    filters: { route: /api/checkout }
`;
const MINUTE = 60_000;

function hex(n: number, length: number): string {
  return n.toString(16).padStart(length, '0');
}

/** A request span and a failing database call under it, per trace. */
function traces(count: number, atMs: number) {
  const end = BigInt(atMs) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => [
    {
      traceId: hex(1000 + i, 32),
      spanId: hex(1000 + i, 16),
      name: 'POST /api/checkout',
      kind: 2,
      startTimeUnixNano: String(end - 40_000_000n),
      endTimeUnixNano: String(end),
      attributes: [
        { key: 'http.request.method', value: { stringValue: 'POST' } },
        { key: 'http.route', value: { stringValue: '/api/checkout' } },
        { key: 'http.response.status_code', value: { intValue: 503 } },
      ],
      status: { code: 2 },
    },
    {
      traceId: hex(1000 + i, 32),
      spanId: hex(5000 + i, 16),
      parentSpanId: hex(1000 + i, 16),
      name: 'SELECT orders',
      kind: 3,
      startTimeUnixNano: String(end - 30_000_000n),
      endTimeUnixNano: String(end - 5_000_000n),
      attributes: [{ key: 'db.system', value: { stringValue: 'postgresql' } }],
      status: { code: 2, message: 'connection refused' },
    },
  ]).flat();
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ scope: { name: 'browser-test' }, spans }] }] };
}

function errorLog(atMs: number, traceId: string) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeLogs: [{ scope: { name: 't' }, logRecords: [{ timeUnixNano: String(BigInt(atMs) * 1_000_000n), severityNumber: 17, severityText: 'ERROR', traceId, body: { stringValue: 'payment <gateway> timeout' } }] }],
      },
    ],
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, await response.text()).toBe(200);
}

async function waitUntil(predicate: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('status page in headless Chromium', () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;
  let offset = 0;
  const now = () => Date.now() + offset;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-status-browser-'));
    writeFileSync(join(dir, 'checkout.yaml'), SPEC);
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { host: '127.0.0.1', port: 0 }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        slos: { files: [join(dir, '*.yaml')], evaluationInterval: '200ms' },
      }),
      'browser.yaml',
      {},
    );
    collector = await startCollector(config, { now });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the firing page with its budget chart, and the alert leads to a trace waterfall', async () => {
    const base = collector.httpUrl;
    offset += MINUTE - ((Date.now() + offset) % MINUTE) + 1000;
    const t0 = now();
    await post(`${base}/v1/logs`, errorLog(t0, hex(1000, 32)));
    await post(`${base}/v1/traces`, traces(40, t0));
    offset += MINUTE; // the minute of errors is complete: the 1h/5m pair pages
    await waitUntil(async () => {
      const body = (await (await fetch(`${base}/api/v1/alerts`)).json()) as { alerts: Array<{ state: string; severity: string }> };
      return body.alerts.some((a) => a.state === 'firing' && a.severity === 'page');
    }, 'the page firing');

    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    await page.goto(`${base}/`);
    const alert = page.locator('.alert[data-state="firing"][data-severity="page"]').first();
    await expect(alert.textContent()).resolves.toContain('checkout/checkout-availability');
    await expect(alert.textContent()).resolves.toContain('payment <gateway> timeout');
    const card = page.locator('.slo[data-slo="checkout/checkout-availability"]');
    expect(await card.locator('svg.chart polyline').count()).toBeGreaterThan(0);
    expect(await card.locator('.badge').first().textContent()).toBe('page');
    await page.screenshot({ path: join(ARTIFACTS, 'status-slo-list.png'), fullPage: true });

    // From the alert to the trace: its sample trace id links to the waterfall.
    await alert.locator('a.trace-link').first().click();
    await page.waitForURL(/\/traces\/[0-9a-f]{32}$/);
    const rows = page.locator('.waterfall .wf-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('POST /api/checkout');
    expect(await rows.nth(1).textContent()).toContain('SELECT orders');
    expect(await page.locator('.wf-bar.err').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'status-trace.png'), fullPage: true });

    await page.goto(`${base}/slos/checkout/checkout-availability`);
    expect(await page.locator('h1').textContent()).toContain('checkout/checkout-availability');
    expect(await page.locator('table.detection tr').count()).toBeGreaterThan(3);
    expect(await page.locator('svg.chart').count()).toBe(1);
    expect(await page.locator('svg.chart circle').count()).toBe(1); // the newest budget point
    expect(await page.locator('.alert[data-state="firing"] a.trace-link').count()).toBeGreaterThan(0);
    expect(await page.locator('table.traces a').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'status-slo-page.png'), fullPage: true });

    // Readable on a phone: nothing wider than the screen but scrollable tables.
    const phone = await browser.newPage({ viewport: { width: 375, height: 800 } });
    await phone.goto(`${base}/`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'status-phone.png'), fullPage: true });
  }, 60_000);
});
