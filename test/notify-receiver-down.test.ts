import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createNotifier,
  dedupKeyOf,
  notifyConfigSchema,
  type AlertNotification,
  type Notifier,
  type NotifyConfigInput,
  type NotifyEvent,
} from '../collector/src/notify/index.ts';
import { systemClock } from '../collector/src/core/clock.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

/** mulberry32: a seeded uniform [0, 1) so the jitter of a run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function alert(slo: string): AlertNotification {
  const labels = { alertname: 'SLOBurnRate', slo, service: 'checkout', severity: 'page' };
  return { dedupKey: dedupKeyOf(labels), status: 'firing', labels, annotations: { summary: `${slo} burning` }, startsAt: new Date().toISOString() };
}

type Attempt = Extract<NotifyEvent, { type: 'attempt' }>;

describe('a receiver that is down for a while', () => {
  let sink: WebhookSink;
  let dir: string;
  let notifier: Notifier | undefined;
  let registry: Registry;
  let events: NotifyEvent[];

  beforeEach(async () => {
    sink = await startWebhookSink();
    dir = mkdtempSync(join(tmpdir(), 'lookout-notify-down-'));
    registry = new Registry();
    events = [];
  });
  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(extra: Partial<NotifyConfigInput> = {}): Notifier {
    notifier = createNotifier({
      config: notifyConfigSchema.parse({
        receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] },
        retry: { baseDelay: '100ms', maxDelay: '1600ms', maxAge: '1m' },
        breaker: { failureThreshold: 4, coolDown: '700ms' },
        timeout: '1s',
        ...extra,
      }),
      dataDir: dir,
      registry,
      clock: { ...systemClock, random: seeded(20240501) },
      onEvent: (e) => events.push(e),
    });
    notifier.start();
    return notifier;
  }

  async function breakerGauge(): Promise<number> {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'lookout_notifier_breaker_state')!;
    return metric.values.find((v) => v.labels.receiver === 'hook')!.value;
  }

  async function counter(name: string, labels: Record<string, string>): Promise<number> {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)!;
    return metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
  }

  it('refusing connections for 3 s: backoff with jitter, the breaker opens and closes, then everything arrives once', async () => {
    await sink.refuse();
    const n = start({ breaker: { failureThreshold: 6, coolDown: '500ms' } });
    const t0 = Date.now();
    n.notify(alert('a'));

    const gaugeSeen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const value = await breakerGauge();
        if (gaugeSeen.at(-1) !== value) gaugeSeen.push(value);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // more alerts while the circuit is open: they wait in the outbox, nothing is sent for them
    await new Promise((r) => setTimeout(r, 2000));
    n.notify(alert('b'));
    n.notify(alert('c'));
    await new Promise((r) => setTimeout(r, 1000));
    const backAt = Date.now();
    await sink.accept();
    await sink.waitFor(() => n.pending().size === 0, 10_000, 'all notifications delivered after the receiver came back');
    const lastDelivery = Math.max(...sink.on('/hook').map((r) => r.at));
    watching = false;
    await watcher;

    // everything arrived, once each
    expect(sink.accepted('/hook')).toHaveLength(3);
    expect(sink.duplicates('/hook')).toHaveLength(0);
    expect(new Set(sink.on('/hook').map((r) => (r.json as { commonLabels: { slo: string } }).commonLabels.slo))).toEqual(new Set(['a', 'b', 'c']));

    // the attempts of the first row: each delay drawn under its ceiling, and the ceilings double
    const attempts = events.filter((e): e is Attempt => e.type === 'attempt' && e.rowIds[0] === 1);
    const failed = attempts.filter((a) => !a.ok);
    expect(failed.length).toBeGreaterThanOrEqual(4);
    const rows = failed.map((a, i) => ({
      attempt: a.attempt,
      atMs: a.at - t0,
      ceilingMs: a.ceilingMs!,
      delayMs: a.delayMs!,
      gapToNextMs: (attempts[i + 1]?.at ?? NaN) - a.at,
    }));
    console.table(rows);
    failed.forEach((a, i) => {
      expect(a.reason).toBe('network');
      expect(a.ceilingMs).toBe(Math.min(1600, 100 * 2 ** i));
      expect(a.delayMs).toBeGreaterThanOrEqual(0);
      expect(a.delayMs).toBeLessThan(a.ceilingMs!);
      // the next attempt never comes before the drawn delay (the breaker may hold it longer)
      if (attempts[i + 1]) expect(attempts[i + 1]!.at - a.at).toBeGreaterThanOrEqual(a.delayMs! - 2);
    });
    const ceilings = rows.map((r) => r.ceilingMs);
    expect(ceilings).toEqual([...ceilings].sort((x, y) => x - y));
    expect(ceilings.at(-1)!).toBeGreaterThan(ceilings[0]!);
    // full jitter: delays are spread below the ceilings, not pinned to them
    expect(rows.some((r) => r.delayMs < 0.8 * r.ceilingMs)).toBe(true);

    // the breaker opened while the receiver was down and closed once it was back
    console.log(`breaker gauge values seen: ${gaugeSeen.join(' → ')}; all delivered ${lastDelivery - backAt} ms after the receiver came back`);
    expect(gaugeSeen[0]).toBe(0);
    expect(gaugeSeen).toContain(2);
    expect(gaugeSeen.at(-1)).toBe(0);
    expect(gaugeSeen.lastIndexOf(0)).toBeGreaterThan(gaugeSeen.indexOf(2));
    const transitions = events.filter((e) => e.type === 'breaker').map((e) => (e.type === 'breaker' ? `${e.from}>${e.to}` : ''));
    expect(transitions[0]).toBe('closed>open');
    expect(transitions.at(-1)).toBe('half-open>closed');
    // while open, the receiver got one probe per cool-down, not one request per pending row and retry
    const whileDown = events.filter((e): e is Attempt => e.type === 'attempt' && !e.ok).length;
    expect(whileDown).toBeLessThan(6 + Math.ceil(3000 / 500) + 2);
    expect(await counter('lookout_notifications_failed_attempts_total', { receiver: 'hook', reason: 'network' })).toBe(whileDown);
    expect(await counter('lookout_notifications_delivered_total', { receiver: 'hook' })).toBe(3);
    expect(await counter('lookout_notifications_given_up_total', { receiver: 'hook' })).toBe(0);
  });

  it('answering 500 for a while: retried until accepted, failures counted by reason', async () => {
    sink.respondWith(500, 5);
    const n = start({ breaker: { failureThreshold: 10, coolDown: '500ms' } });
    n.notify(alert('a'));
    await sink.waitFor(() => n.pending().size === 0, 10_000, 'delivery after five 500s');
    expect(sink.on('/hook').map((r) => r.status)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(new Set(sink.on('/hook').map((r) => r.idempotencyKey)).size).toBe(1);
    expect(await counter('lookout_notifications_failed_attempts_total', { receiver: 'hook', reason: 'status_5xx' })).toBe(5);
    const failed = events.filter((e): e is Attempt => e.type === 'attempt' && !e.ok);
    expect(failed[0]!.detail).toBe('HTTP 500: sink told to answer 500');
  });

  it('answering too slowly counts as a timeout and is retried', async () => {
    sink.delayResponses(600);
    const n = start({ timeout: '200ms' });
    n.notify(alert('a'));
    await sink.waitFor(() => sink.on('/hook').length >= 2, 5000, 'a retry after a timeout');
    sink.delayResponses(0);
    await sink.waitFor(() => n.pending().size === 0, 10_000, 'delivery once the receiver is fast again');
    expect(await counter('lookout_notifications_failed_attempts_total', { receiver: 'hook', reason: 'timeout' })).toBeGreaterThanOrEqual(1);
    const timeouts = events.filter((e): e is Attempt => e.type === 'attempt' && e.reason === 'timeout');
    expect(timeouts[0]!.detail).toBe('no answer within 200 ms');
  });
});
