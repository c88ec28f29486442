import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notifyConfigSchema, type NotifyConfigInput } from './config.ts';
import type { NotifyEvent } from './dispatcher.ts';
import { HEARTBEAT_ALERTNAME } from './heartbeat.ts';
import { dedupKeyOf } from './keys.ts';
import { ManualClock } from '../../../test/helpers/manual-clock.ts';
import { createNotifier, type Notifier } from './notifier.ts';
import type { SendOutcome, Transport } from './transport.ts';
import type { Logger } from '../core/logger.ts';
import type { AlertNotification, OutgoingRequest } from './types.ts';

const OK: SendOutcome = { ok: true, status: 200 };
const DOWN: SendOutcome = { ok: false, reason: 'network', detail: 'ECONNREFUSED' };

function alert(slo: string, status: 'firing' | 'resolved' = 'firing', severity = 'page'): AlertNotification {
  const labels = { alertname: 'SLOBurnRate', slo, service: 'checkout', severity };
  return {
    dedupKey: dedupKeyOf(labels),
    status,
    labels,
    annotations: { summary: `${slo} burning` },
    startsAt: '2024-05-01T11:58:00Z',
    ...(status === 'resolved' ? { endsAt: '2024-05-01T12:10:00Z' } : {}),
  };
}

interface Call {
  at: number;
  request: OutgoingRequest;
}

/** A transport answering from `answer`; records every request with the clock's time. */
function scripted(clock: ManualClock) {
  const calls: Call[] = [];
  let answer: (request: OutgoingRequest, signal: AbortSignal) => SendOutcome | Promise<SendOutcome> = () => OK;
  const transport: Transport = async (request, { signal }) => {
    calls.push({ at: clock.now(), request });
    return answer(request, signal);
  };
  return {
    transport,
    calls,
    answer(fn: typeof answer) {
      answer = fn;
    },
  };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Moves the clock forward timer by timer, letting sends settle between timers. */
async function run(clock: ManualClock, ms: number): Promise<void> {
  const end = clock.now() + ms;
  await flush();
  for (;;) {
    const next = clock.nextTimerAt();
    if (next === undefined || next > end) break;
    clock.advance(Math.max(0, next - clock.now()));
    await flush();
  }
  clock.advance(end - clock.now());
  await flush();
}

function capturingLogger() {
  const lines: string[] = [];
  const log = (level: string) => (object: object, message: string) => void lines.push(`${level} ${message} ${JSON.stringify(object)}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { logger, lines };
}

describe('notifier with a manual clock', () => {
  let dir: string;
  let clock: ManualClock;
  let notifiers: Notifier[];
  let registry: Registry;
  let events: NotifyEvent[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-notifier-'));
    clock = new ManualClock(Date.parse('2024-05-01T12:00:00Z'), [0.5]);
    notifiers = [];
    events = [];
    registry = new Registry();
  });
  afterEach(async () => {
    for (const n of notifiers) await n.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function make(config: NotifyConfigInput, transport: Transport, logger?: Logger): Notifier {
    const notifier = createNotifier({
      config: notifyConfigSchema.parse(config),
      dataDir: dir,
      registry,
      clock,
      transport,
      onEvent: (e) => events.push(e),
      ...(logger ? { logger } : {}),
    });
    notifiers.push(notifier);
    return notifier;
  }

  const hookOnly: NotifyConfigInput = {
    receivers: { webhook: [{ name: 'hook', url: 'http://127.0.0.1:9/hook' }] },
    retry: { baseDelay: 1000, maxDelay: 8000, maxAge: '1h' },
    breaker: { failureThreshold: 3, coolDown: '10s' },
  };

  async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
    const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    const value = found?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return value?.value;
  }

  it('sends as soon as it is enqueued and marks the row delivered', async () => {
    const t = scripted(clock);
    const n = make(hookOnly, t.transport);
    n.start();
    expect(n.notify(alert('a'))).toEqual({ receivers: ['hook'], created: 1 });
    await run(clock, 0);
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]!.request.headers['idempotency-key']).toBe(n.outbox.rows()[0]!.deliveryKey);
    expect(n.outbox.rows()[0]).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(await metric('lookout_notifications_delivered_total', { receiver: 'hook' })).toBe(1);
    expect(await metric('lookout_notifications_pending', { receiver: 'hook' })).toBe(0);
  });

  it('retries with full-jitter backoff: each delay is random·min(cap, base·2^n)', async () => {
    const t = scripted(clock);
    t.answer(() => ({ ok: false, reason: 'status_4xx', status: 400, detail: 'HTTP 400: bad' }));
    clock.pushRandom(0.5, 0.25, 0.75, 0.9, 0.1, 0.99);
    const n = make(hookOnly, t.transport);
    n.start();
    n.notify(alert('a'));
    await run(clock, 30_000);
    const gaps = t.calls.slice(1).map((c, i) => c.at - t.calls[i]!.at);
    // ceilings 1000, 2000, 4000, 8000, 8000 (cap), 8000
    expect(gaps.slice(0, 6)).toEqual([500, 500, 3000, 7200, 800, 7920]);
    const failures = events.filter((e) => e.type === 'attempt' && !e.ok);
    expect(failures.slice(0, 6).map((e) => e.type === 'attempt' && e.ceilingMs)).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(await metric('lookout_notifications_failed_attempts_total', { receiver: 'hook', reason: 'status_4xx' })).toBe(t.calls.length);
    // a 400 means the receiver is up: the circuit stays closed
    expect(n.dispatcher.breakerState('hook')!.kind).toBe('closed');
  });

  it('opens the circuit after repeated failures, probes after the cool-down, closes and drains the backlog', async () => {
    const t = scripted(clock);
    t.answer(() => DOWN);
    clock.pushRandom(0); // every retry immediately: only the breaker holds requests back
    const n = make(hookOnly, t.transport);
    n.start();
    n.notify(alert('a'));
    n.notify(alert('b'));
    n.notify(alert('c'));
    await run(clock, 1000);
    expect(t.calls).toHaveLength(3);
    expect(n.dispatcher.breakerState('hook')).toEqual({ kind: 'open', openedAt: clock.now() - 1000 });
    expect(await metric('lookout_notifier_breaker_state', { receiver: 'hook' })).toBe(2);

    await run(clock, 8000); // cool-down 10 s not over: nothing sent
    expect(t.calls).toHaveLength(3);
    await run(clock, 1000); // probe, fails: open again
    expect(t.calls).toHaveLength(4);
    expect(n.dispatcher.breakerState('hook')!.kind).toBe('open');

    t.answer(() => OK);
    await run(clock, 10_000); // second probe succeeds; the rest go at once
    expect(t.calls).toHaveLength(4 + 3);
    expect(t.calls.slice(4).every((c) => c.at === t.calls[4]!.at)).toBe(true);
    expect(n.pending().get('hook')).toBeUndefined();
    const transitions = events.filter((e) => e.type === 'breaker').map((e) => (e.type === 'breaker' ? `${e.from}>${e.to}` : ''));
    expect(transitions).toEqual(['closed>open', 'open>half-open', 'half-open>open', 'open>half-open', 'half-open>closed']);
    expect(await metric('lookout_notifier_breaker_state', { receiver: 'hook' })).toBe(0);
  });

  it('after a successful probe, sends the backlog at once instead of after each row’s backoff', async () => {
    const t = scripted(clock);
    let down = true;
    t.answer(() => (down ? DOWN : OK));
    clock.pushRandom(0.99);
    const n = make({ ...hookOnly, retry: { baseDelay: '10s', maxDelay: '1m' }, breaker: { failureThreshold: 2, coolDown: '1s' } }, t.transport);
    n.start();
    n.notify(alert('a'));
    n.notify(alert('b'));
    n.notify(alert('c'));
    await run(clock, 0);
    // a and b failed (retry in 9.9 s each); the circuit is open, c waits
    expect(t.calls).toHaveLength(2);
    down = false;
    await run(clock, 1000);
    const sentAt = t.calls.map((c) => c.at - t.calls[0]!.at);
    expect(sentAt).toEqual([0, 0, 1000, 1000, 1000]);
    expect(n.pending().size).toBe(0);
  });

  it('waits at least as long as a Retry-After asks (up to maxDelay)', async () => {
    const t = scripted(clock);
    let first = true;
    t.answer(() => {
      if (!first) return OK;
      first = false;
      return { ok: false, reason: 'status_429', status: 429, detail: 'HTTP 429', retryAfterMs: 6000 };
    });
    const n = make(hookOnly, t.transport);
    n.start();
    n.notify(alert('a'));
    await run(clock, 20_000);
    expect(t.calls.map((c) => c.at - t.calls[0]!.at)).toEqual([0, 6000]);
  });

  it('gives up after maxAge, counts it, and then sends the resolve that waited behind', async () => {
    const t = scripted(clock);
    t.answer((request) => (JSON.parse(request.body).status === 'resolved' ? OK : { ok: false, reason: 'status_4xx', status: 422, detail: 'HTTP 422' }));
    const { logger, lines } = capturingLogger();
    const n = make({ ...hookOnly, retry: { baseDelay: 1000, maxDelay: 8000, maxAge: '30s' } }, t.transport, logger);
    n.start();
    n.notify(alert('a'));
    n.notify(alert('a', 'resolved'));
    await run(clock, 29_000);
    expect(t.calls.every((c) => JSON.parse(c.request.body).status === 'firing')).toBe(true);
    await run(clock, 2000);
    const rows = n.outbox.rows();
    expect(rows.map((r) => r.state)).toEqual(['given_up', 'given_up']);
    expect(await metric('lookout_notifications_given_up_total', { receiver: 'hook' })).toBe(2);
    expect(lines.some((l) => l.startsWith('error notification given up: not delivered within retry.maxAge'))).toBe(true);
  });

  it('sends a resolve only after its firing was delivered', async () => {
    const t = scripted(clock);
    let failures = 2;
    t.answer(() => (failures-- > 0 ? DOWN : OK));
    const n = make(hookOnly, t.transport);
    n.start();
    n.notify(alert('a'));
    n.notify(alert('a', 'resolved'));
    await run(clock, 10_000);
    expect(t.calls.map((c) => JSON.parse(c.request.body).status)).toEqual(['firing', 'firing', 'firing', 'resolved']);
  });

  it('re-sends firing alerts to Alertmanager every resendInterval, in one request, until resolved', async () => {
    const t = scripted(clock);
    const n = make({ receivers: { alertmanager: [{ name: 'am', url: 'http://127.0.0.1:9', resendInterval: '1m' }] } }, t.transport);
    n.start();
    n.notify(alert('a'));
    n.notify(alert('b'));
    await run(clock, 0);
    expect(t.calls).toHaveLength(2);
    await run(clock, 60_000);
    expect(t.calls).toHaveLength(3);
    const resent = JSON.parse(t.calls[2]!.request.body) as Array<{ labels: { slo: string }; endsAt: string }>;
    expect(t.calls[2]!.request.url).toBe('http://127.0.0.1:9/api/v2/alerts');
    expect(resent.map((a) => a.labels.slo).sort()).toEqual(['a', 'b']);
    expect(resent[0]!.endsAt).toBe(new Date(clock.now() + 4 * 60_000).toISOString());
    n.notify(alert('a', 'resolved'));
    await run(clock, 0);
    await run(clock, 60_000);
    const last = JSON.parse(t.calls.at(-1)!.request.body) as Array<{ labels: { slo: string } }>;
    expect(last.map((a) => a.labels.slo)).toEqual(['b']);
    expect(n.outbox.rows().filter((r) => r.state === 'delivered')).toHaveLength(3);
  });

  it('resumes undelivered rows in a new notifier on the same outbox (after a stop or a crash)', async () => {
    const t = scripted(clock);
    t.answer((_request, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, reason: 'aborted', detail: 'stopping' }))));
    const first = make(hookOnly, t.transport);
    first.start();
    first.notify(alert('a'));
    first.notify(alert('b'));
    await run(clock, 0);
    expect(t.calls).toHaveLength(1);
    await first.stop();
    expect(first.outbox).toBeDefined();

    registry = new Registry();
    const t2 = scripted(clock);
    const second = make(hookOnly, t2.transport);
    second.start();
    await run(clock, 0);
    const keys = t2.calls.map((c) => c.request.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(t.calls[0]!.request.headers['idempotency-key']);
    expect(second.pending().size).toBe(0);
  });

  it('pause() (a leader stepping down) lets a send in flight end and records it delivered, starting nothing more; stop() aborts', async () => {
    const t = scripted(clock);
    let answerNow: ((outcome: SendOutcome) => void) | undefined;
    let aborted = 0;
    t.answer(
      (_request, signal) =>
        new Promise((resolve) => {
          answerNow = resolve;
          signal.addEventListener('abort', () => {
            aborted++;
            resolve({ ok: false, reason: 'aborted', detail: 'stopping' });
          });
        }),
    );
    const n = make(hookOnly, t.transport);
    n.start();
    n.notify(alert('a'));
    n.notify(alert('b'));
    await run(clock, 0);
    expect(t.calls).toHaveLength(1);
    let paused = false;
    const pausing = n.pause().then(() => (paused = true));
    await flush();
    expect(paused).toBe(false); // waits for the receiver's answer
    answerNow!(OK);
    await pausing;
    expect(aborted).toBe(0);
    const states = Object.fromEntries(n.outbox.rows().map((r) => [r.notification.labels.slo, r.state]));
    expect(states).toEqual({ a: 'delivered', b: 'pending' }); // b was not started: the next leader owes it
    expect(events.filter((e) => e.type === 'attempt' && e.ok)).toHaveLength(1);
    await run(clock, 60_000);
    expect(t.calls).toHaveLength(1);

    n.resume();
    await run(clock, 0);
    expect(t.calls).toHaveLength(2); // b goes out once sending resumes…
    await n.stop(); // …and a stop does not wait for it: aborted, still pending
    expect(aborted).toBe(1);
    registry = new Registry();
    const reopened = make(hookOnly, scripted(clock).transport); // not started: only reads the outbox
    expect(reopened.outbox.rows().find((r) => r.notification.labels.slo === 'b')!.state).toBe('pending');
  });

  it('sends a heartbeat every interval, each with its own idempotency key; a stale one expires', async () => {
    const t = scripted(clock);
    const n = make({ ...hookOnly, heartbeat: { receiver: 'hook', interval: '30s', labels: { cluster: 'prod' } } }, t.transport);
    n.start();
    await run(clock, 60_000);
    expect(t.calls).toHaveLength(3);
    const bodies = t.calls.map((c) => JSON.parse(c.request.body));
    expect(bodies[0].commonLabels).toEqual({ cluster: 'prod', alertname: HEARTBEAT_ALERTNAME, severity: 'none' });
    expect(new Set(t.calls.map((c) => c.request.headers['idempotency-key'])).size).toBe(3);
    t.answer(() => ({ ok: false, reason: 'status_4xx', status: 404, detail: 'HTTP 404' }));
    await run(clock, 30_000);
    await run(clock, 30_000);
    expect(n.outbox.rows().filter((r) => r.state === 'given_up').length).toBeGreaterThanOrEqual(1);
  });

  it('routes by `match`: pages to PagerDuty, everything to the webhook', async () => {
    const t = scripted(clock);
    const n = make(
      {
        receivers: {
          webhook: [{ name: 'hook', url: 'http://127.0.0.1:9/hook' }],
          pagerduty: [{ name: 'pd', routingKey: 'R0UT1NGKEY', url: 'http://127.0.0.1:9/pd', match: { severity: 'page' } }],
        },
      },
      t.transport,
    );
    expect(n.notify(alert('a', 'firing', 'page')).receivers).toEqual(['hook', 'pd']);
    expect(n.notify(alert('b', 'firing', 'ticket')).receivers).toEqual(['hook']);
  });

  it('rejects a malformed notification, naming the field and the fix', () => {
    const n = make(hookOnly, scripted(clock).transport);
    const bad = { ...alert('a'), status: 'resolved', startsAt: 'yesterday', labels: { slo: 'a', 'bad-name': 'x' } } as unknown as AlertNotification;
    expect(() => n.notify(bad)).toThrow(
      /invalid alert notification: .*labels: labels.alertname is missing; every alert needs a name; labels.bad-name: label name 'bad-name' is not valid for Alertmanager.*startsAt: startsAt must be an RFC 3339 time such as 2024-05-01T12:00:00Z.*endsAt: a resolved notification needs endsAt/,
    );
    expect(n.outbox.rows()).toEqual([]);
  });

  it('never logs a Slack URL or a PagerDuty routing key', async () => {
    const t = scripted(clock);
    t.answer(() => ({ ok: false, reason: 'status_5xx', status: 500, detail: 'HTTP 500: oops' }));
    const { logger, lines } = capturingLogger();
    const n = make(
      {
        receivers: {
          slack: [{ name: 'slack', url: 'http://127.0.0.1:9/services/T000/B000/SLACKSECRET' }],
          pagerduty: [{ name: 'pd', routingKey: 'PDROUTINGSECRET', url: 'http://127.0.0.1:9/pd' }],
        },
        breaker: { failureThreshold: 2, coolDown: '1s' },
      },
      t.transport,
      logger,
    );
    n.start();
    n.notify(alert('a'));
    await run(clock, 10_000);
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.join('\n')).not.toMatch(/SLACKSECRET|PDROUTINGSECRET|\/services\//);
  });

  it('refuses notify() after stop()', async () => {
    const n = make(hookOnly, scripted(clock).transport);
    await n.stop();
    expect(() => n.notify(alert('a'))).toThrow('notify() after stop(): the notifier is closed; create a new one');
  });
});
