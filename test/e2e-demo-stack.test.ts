import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type RunningAlertmanager } from './helpers/alertmanager.ts';
import { ARTIFACTS, launchChromium } from './helpers/browser.ts';
import { startWebhookSink, webhookAlerts, type WebhookAlert, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * The demo stack as a new user starts it: `npm start` (lookout up) with the demo's
 * clock shortened (LOOKOUT_DEMO_FAST=1: incident 5 s after start for 30 s, minute-scale
 * SLO windows), notifications to a real Alertmanager and a webhook receiver. The
 * incident pages, the 5-day certificate opens a TLS ticket, both resolve when due
 * (the page once its 1m window is clean, the ticket once the certificate is renewed),
 * the status page in Chromium shows the firing page and a trace reached from it, and
 * Ctrl-C (SIGINT to the process group) stops everything with exit code 0.
 * Minute-bound by nature: about three minutes.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));


const alertsOf = webhookAlerts;

/** Resolves once no process of the group is left (a leftover child would keep a port). */
async function waitUntilGone(group: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      process.kill(-group, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`processes of group ${group} are still running 15 s after Ctrl-C`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isPage = (a: WebhookAlert) => a.labels.slo === 'checkout-availability' && a.labels.severity === 'page';
const isTlsTicket = (a: WebhookAlert) => a.labels.alertname === 'TLSCertificateExpiring' && a.labels.severity === 'ticket';

describe('npm start: the demo stack end to end', () => {
  let dir: string;
  let sink: WebhookSink;
  let alertmanager: RunningAlertmanager | undefined;
  let stack: ChildProcess;
  let output = '';
  let browser: Browser;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-demo-stack-'));
    sink = await startWebhookSink();
    alertmanager = await startAlertmanager({ webhookUrl: `${sink.url}/am` });
    stack = spawn('npm', ['start', '--', '--data-dir', join(dir, 'data'), '--port', '0', '--grpc-port', '0'], {
      cwd: ROOT,
      detached: true, // its own process group, so SIGINT reaches it as Ctrl-C would
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LOOKOUT_DEMO_FAST: '1',
        LOOKOUT_WEBHOOK_URL: `${sink.url}/hook`,
        ...(alertmanager ? { ALERTMANAGER_URL: alertmanager.url } : {}),
        DATABASE_URL: 'postgres://lookout-test@127.0.0.1:1/none', // nothing listens: the probe is skipped, said in the banner
      },
    });
    stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => stack.once('exit', (code, signal) => resolve({ code, signal })));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    if (stack && stack.exitCode === null && stack.signalCode === null) {
      try {
        process.kill(-stack.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await browser?.close();
    await alertmanager?.stop();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages on the incident and tickets the certificate, both reach Alertmanager and the webhook, resolve when due; the status page shows it', async () => {
    const deadline = Date.now() + 200_000; // startup under tsx can take a minute on a loaded machine
    const waitFor = async (predicate: () => boolean | Promise<boolean>, what: string) => {
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen in time; stack output:\n${output.slice(-4000)}`);
        if (stack.exitCode !== null) throw new Error(`the stack exited (${stack.exitCode}) while waiting for ${what}:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };

    await waitFor(() => /Status page\s+(http:\/\/127\.0\.0\.1:\d+)\//.test(output), 'the banner');
    const statusUrl = /Status page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)![1]!;
    expect(output).toContain('What happens next');
    expect(output).toContain('not probed: postgres://lookout-test@127.0.0.1:1/none did not answer');
    expect(output).not.toMatch(/^\{"level"/m); // a human banner, not JSON log lines

    const hook = () => alertsOf(sink.on('/hook'));
    await waitFor(() => hook().some((a) => isTlsTicket(a) && a.status === 'firing'), 'the TLS ticket at the webhook');
    await waitFor(() => hook().some((a) => isPage(a) && a.status === 'firing'), 'the page at the webhook');
    const page = hook().find((a) => isPage(a) && a.status === 'firing')!;
    expect(page.labels).toMatchObject({ alertname: 'SLOErrorBudgetBurn', service: 'shop', long_window: '5m', short_window: '1m' });
    expect(output).toMatch(/\[notification\] FIRING\s+PAGE\s+shop\/checkout-availability/);
    if (alertmanager) {
      await waitFor(async () => (await alertmanager!.alerts()).some((a) => a.labels.slo === 'checkout-availability' && a.labels.severity === 'page' && a.status.state === 'active'), 'the page in Alertmanager');
      await waitFor(() => alertsOf(sink.on('/am')).some((a) => isPage(a) && a.status === 'firing'), "Alertmanager's own notification of the page");
    }

    // The status page while it pages: the firing alert, a budget chart, a trace from the alert.
    const tab = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    await tab.goto(`${statusUrl}/`);
    const alert = tab.locator('.alert[data-state="firing"][data-severity="page"]', { hasText: 'shop/checkout-availability' }).first();
    expect(await alert.count()).toBe(1);
    expect(await tab.locator('.slo[data-slo="shop/checkout-availability"] svg.chart').count()).toBe(1);
    await tab.screenshot({ path: join(ARTIFACTS, 'demo-status.png'), fullPage: true });
    await alert.locator('a.trace-link').first().click();
    await tab.waitForURL(/\/traces\/[0-9a-f]{32}$/);
    expect(await tab.locator('.waterfall .wf-row').count()).toBeGreaterThan(0);
    expect(await tab.locator('.waterfall').textContent()).toContain('/api/checkout');
    await tab.screenshot({ path: join(ARTIFACTS, 'demo-trace.png'), fullPage: true });
    await tab.goto(`${statusUrl}/slos/shop/checkout-availability`);
    await tab.screenshot({ path: join(ARTIFACTS, 'demo-slo.png'), fullPage: true });

    // Both resolve when due: the page once its 1m window is clean, the ticket after the renewal.
    await waitFor(() => hook().some((a) => isTlsTicket(a) && a.status === 'resolved'), 'the TLS ticket resolving');
    expect(output).toContain('certificate renewed for 90 days');
    await waitFor(() => hook().some((a) => isPage(a) && a.status === 'resolved'), 'the page resolving');
    const resolved = hook().find((a) => isPage(a) && a.status === 'resolved')!;
    expect(resolved.startsAt).toBe(page.startsAt);
    expect(Date.parse(resolved.endsAt)).toBeGreaterThan(Date.parse(page.startsAt));
    if (alertmanager) await waitFor(() => alertsOf(sink.on('/am')).some((a) => isPage(a) && a.status === 'resolved'), 'Alertmanager resolving the page');

    // Ctrl-C: everything stops cleanly. npm ends by the signal itself (as in a terminal);
    // lookout up says it stopped, and no process of the group is left behind.
    process.kill(-stack.pid!, 'SIGINT');
    const ended = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    expect(ended).not.toBe('hung');
    expect(ended === 'hung' ? undefined : ended.code === 0 || ended.signal === 'SIGINT').toBe(true);
    await waitUntilGone(stack.pid!);
    expect(output).toContain('stopped.');
    expect(output).not.toContain('stopping failed');
  }, 240_000);
});
