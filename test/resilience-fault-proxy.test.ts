/**
 * Resilience suite (issue 14): the fault proxy (test/helpers/fault-proxy.ts) between
 * the parts of a running stack, each drill printing its figures.
 *
 * 1. host agent → collector through 500 ms of latency, connection resets and a
 *    blackhole: records lost 0, records delivered twice to the pipeline 0 (the agent
 *    retries; the collector drops a repeated log.record.uid), time to recover after the
 *    link heals.
 * 2. notifier → webhook and → Alertmanager while the links flap (resets, blackholes,
 *    half-open, refused connections): every notification arrives, pages duplicated at
 *    the end receivers 0 (the webhook receiver keeps the first request per
 *    Idempotency-Key, as a careful receiver does; Alertmanager merges re-sends of an
 *    alert), time to recover after the last flap.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, notifyConfigSchema, type Notifier } from '../collector/src/notify/index.ts';
import { startAlertmanager, type RunningAlertmanager } from './helpers/alertmanager.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.ts';
import { receivedLines, sleep, startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';
import { sloPage } from './helpers/notifications.ts';

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
  return Date.now();
}

describe('resilience: host agent → collector through a faulty link', () => {
  let collector: TestCollector;
  let proxy: FaultProxy;
  let agent: AgentProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    collector = await startTestCollector();
    const port = Number(new URL(collector.collector.httpUrl).port);
    proxy = await startFaultProxy({ port });
    dir = mkdtempSync(join(tmpdir(), 'lookout-resilience-agent-'));
  });
  afterAll(async () => {
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await proxy?.close();
    await collector?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('latency, resets and a blackhole lose no line and deliver none twice', async () => {
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const config = writeConfig(
      dir,
      [
        `collector: { endpoint: "${proxy.url}", timeout: 1500ms }`,
        `dataDir: ${join(dir, 'data')}`,
        'files:',
        `  - glob: ${logs}/*.log`,
        '    labels: { service: checkout }',
        'tail: { pollInterval: 40ms }',
        'retry: { initialBackoff: 50ms, maxBackoff: 500ms }',
        'batch: { maxRecords: 50 }',
        'resources: { enabled: false }',
      ].join('\n'),
    );
    const file = join(logs, 'app.log');
    const written: string[] = [];
    const write = (count: number) => {
      for (let i = 0; i < count; i++) {
        const line = `request ${String(written.length + 1).padStart(6, '0')} GET /cart 200`;
        appendFileSync(file, line + '\n');
        written.push(line);
      }
    };
    const arrived = () => receivedLines(collector.batches.logs).map((l) => l.body);
    agent = await startAgentProcess(config, 60_000);

    // phase 1: 500 ms each way on a working link
    proxy.set({ upstream: { latencyMs: 250, jitterMs: 50 }, downstream: { latencyMs: 250, jitterMs: 50 } });
    for (let i = 0; i < 6; i++) {
      write(50);
      await sleep(200);
    }
    // phase 2: resets in the middle of requests
    for (let i = 0; i < 4; i++) {
      write(50);
      await sleep(150);
      proxy.resetAll();
    }
    // phase 3: blackhole both ways for 3 s (requests time out, the agent backs off), then heal
    proxy.blackhole();
    write(200);
    await sleep(3000);
    const healedAt = Date.now();
    proxy.heal();
    write(100);
    const recoveredAt = await until('every line at the collector', () => new Set(arrived()).size >= written.length, 60_000);

    const all = arrived();
    const distinct = new Set(all);
    const lost = written.filter((line) => !distinct.has(line)).length;
    const twice = all.length - distinct.size;
    const stats = proxy.stats();
    console.log(
      `resilience agent→collector: ${written.length} lines written, lost ${lost}, delivered twice ${twice}, ` +
        `${stats.resets} connections reset, ${stats.droppedBytes} bytes blackholed, recovered ${recoveredAt - healedAt} ms after the link healed`,
    );
    expect(lost).toBe(0);
    expect(twice).toBe(0);
    expect(stats.resets).toBeGreaterThan(0);
    expect(stats.droppedBytes).toBeGreaterThan(0);
  });
});

describe('resilience: notifications through flapping links', () => {
  let sink: WebhookSink;
  let am: RunningAlertmanager | undefined;
  let hookProxy: FaultProxy;
  let amProxy: FaultProxy | undefined;
  let notifier: Notifier | undefined;
  let dir: string;

  beforeAll(async () => {
    sink = await startWebhookSink();
    hookProxy = await startFaultProxy({ port: sink.port });
    am = await startAlertmanager({ webhookUrl: `${sink.url}/am`, groupBy: ['...'], repeatInterval: '1h' });
    if (am) amProxy = await startFaultProxy({ port: Number(new URL(am.url).port) });
    dir = mkdtempSync(join(tmpdir(), 'lookout-resilience-notify-'));
  });
  afterAll(async () => {
    await notifier?.stop();
    await amProxy?.close();
    await hookProxy?.close();
    await am?.stop();
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const page = (slo: string, status: 'firing' | 'resolved', startsAt: string) => sloPage(slo, status, startsAt, new Date().toISOString());

  it('every page and resolve arrives, none twice at the end receivers', async () => {
    const receivers: Record<string, unknown> = { webhook: [{ name: 'hook', url: `${hookProxy.url}/hook` }] };
    if (amProxy) receivers.alertmanager = [{ name: 'am', url: amProxy.url, resendInterval: '1s' }];
    notifier = createNotifier({
      config: notifyConfigSchema.parse({
        receivers,
        retry: { baseDelay: '50ms', maxDelay: '400ms', maxAge: '5m' },
        breaker: { failureThreshold: 3, coolDown: '300ms' },
        timeout: '700ms',
      }),
      dataDir: dir,
      registry: new Registry(),
    });
    notifier.start();

    const proxies = [hookProxy, ...(amProxy ? [amProxy] : [])];
    const faults: Array<(p: FaultProxy) => void> = [
      (p) => p.resetAll(),
      (p) => p.blackhole(),
      (p) => p.halfOpen(),
      (p) => p.set({ refuse: true }),
      (p) => p.set({ upstream: { latencyMs: 300 }, downstream: { latencyMs: 300 } }),
    ];
    const slos = ['checkout-availability', 'cart-latency', 'search-availability', 'pay-availability', 'login-latency'];
    const startedAt = new Map<string, string>();
    // flap for about 5 s: a fault, a heal, a fault…, while pages fire and resolve
    for (let round = 0; round < 10; round++) {
      const slo = slos[round % slos.length]!;
      if (round < slos.length) {
        startedAt.set(slo, new Date().toISOString());
        notifier.notify(page(slo, 'firing', startedAt.get(slo)!));
      } else notifier.notify(page(slo, 'resolved', startedAt.get(slo)!));
      for (const p of proxies) faults[(round + proxies.indexOf(p)) % faults.length]!(p);
      await sleep(300);
      for (const p of proxies) p.heal();
      await sleep(200);
    }
    // the last fault lasts: both links blackholed for 1.5 s while one more page fires
    const last = 'final-availability';
    for (const p of proxies) p.blackhole();
    startedAt.set(last, new Date().toISOString());
    notifier.notify(page(last, 'firing', startedAt.get(last)!));
    await sleep(1500);
    for (const p of proxies) p.heal();
    const healedAt = Date.now();
    const outbox = notifier;
    const recoveredAt = await until('the outbox to empty', () => outbox.pending().size === 0, 60_000);

    // webhook: what a receiver that keeps the first request per Idempotency-Key sees
    const hookAccepted = sink.accepted('/hook');
    const hookDuplicates = sink.duplicates('/hook');
    const hookSeen = hookAccepted.map((r) => {
      const body = r.json as { status: string; commonLabels: { slo: string } };
      return `${body.commonLabels.slo}:${body.status}`;
    });
    console.log(
      `resilience notifier→webhook: ${sink.on('/hook').length} requests for 11 notifications, ${hookAccepted.length} kept, ` +
        `${hookDuplicates.length} repeats of an accepted key (a retry after a lost answer, dropped by the key), recovered ${recoveredAt - healedAt} ms after the last flap`,
    );
    expect(new Set(hookSeen)).toEqual(new Set([...slos.flatMap((slo) => [`${slo}:firing`, `${slo}:resolved`]), `${last}:firing`]));
    expect(hookSeen).toHaveLength(11); // once each: pages duplicated 0

    if (am) {
      // Alertmanager sends each alert's group once when it fires and once when it resolves
      const amCalls = () => sink.on('/am').map((r) => r.json as { status: string; commonLabels: { slo: string } });
      const sloOf = (status: string) => amCalls().filter((c) => c.status === status).map((c) => c.commonLabels.slo);
      await until('Alertmanager to notify every resolve and the last page', () => new Set(sloOf('resolved')).size === slos.length && sloOf('firing').includes(last), 30_000);
      const firing = sloOf('firing');
      const resolved = sloOf('resolved');
      console.log(`resilience notifier→Alertmanager: ${firing.length} firing and ${resolved.length} resolved notifications from Alertmanager for ${slos.length + 1} alerts`);
      expect(new Set(firing)).toEqual(new Set([...slos, last]));
      expect(firing.length - new Set(firing).size).toBe(0);
      expect(resolved.length - new Set(resolved).size).toBe(0);
    }
  });
});
