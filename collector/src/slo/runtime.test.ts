import { parseSpecText } from '@lookout/alerts';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/helpers/manual-clock.ts';
import type { AlertNotification } from '../notify/types.ts';
import { SliStore } from '../store/sli-store.ts';
import { SloRuntime, type SloRuntimeOptions } from './runtime.ts';
import { adaptSlos } from './sli-adapter.ts';
import { registerSloMetrics } from './slo-metrics.ts';

const SPEC = `
service: checkout
runbook: https://runbooks.example.com/checkout
slos:
  - { name: checkout-availability, objective: 99.9, sli: availability }
`;
const SLI = 'checkout-availability';
const START = Date.parse('2024-05-01T12:00:00Z');
const MINUTE = 60_000;
const m0 = START / MINUTE;

const stores: SliStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function setup(overrides: Partial<SloRuntimeOptions> = {}, spec = SPEC) {
  const clock = new ManualClock(START);
  const store = new SliStore({ file: ':memory:', retentionMinutes: 40 * 1440 });
  stores.push(store);
  const sent: AlertNotification[] = [];
  const { adaptations } = adaptSlos(parseSpecText(spec, 'slos/checkout.yaml'));
  const runtime = new SloRuntime({
    adaptations,
    store,
    clock,
    intervalMs: 30_000,
    lateDataMinutes: 5,
    notify: (n) => void sent.push(n),
    samples: {
      traceIds: (service, limit) => (service === 'checkout' ? ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7a3ce929d0e0e4736'].slice(0, limit) : []),
      errorLines: (service, limit) => (service === 'checkout' ? ['POST /api/checkout 503 upstream timeout'].slice(0, limit) : []),
    },
    dashboardUrl: 'https://grafana.example.com/d/slo?var-service={service}&var-slo={slo}',
    externalURL: 'https://lookout.example.com',
    ...overrides,
  });
  return { clock, store, runtime, sent };
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no sample ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

/** `count` minutes of traffic from minute `from`, `errors` of `total` failing in each. */
function traffic(store: SliStore, from: number, count: number, total: number, errors: number): void {
  for (let m = from; m < from + count; m++) store.add(SLI, m, total - errors, total);
}

describe('SloRuntime', () => {
  it('pages once on a full outage, keeps tickets muted while it pages, resolves after recovery and then opens the ticket', () => {
    const { clock, store, runtime, sent } = setup();
    traffic(store, m0 - 60, 60, 100, 0); // an hour of good traffic
    runtime.start();
    expect(sent).toEqual([]);
    expect(runtime.activeAlerts()).toEqual([]);

    // Full outage in minute m0: judged once the minute is complete.
    traffic(store, m0, 1, 100, 100);
    clock.advance(30_000);
    expect(sent).toEqual([]);
    clock.advance(30_000);
    expect(sent).toHaveLength(1);
    const page = sent[0]!;
    expect(page.status).toBe('firing');
    expect(page.labels).toEqual({
      alertname: 'SLOErrorBudgetBurn',
      slo: 'checkout-availability',
      service: 'checkout',
      severity: 'page',
      long_window: '1h',
      short_window: '5m',
    });
    expect(page.startsAt).toBe('2024-05-01T12:01:00.000Z');
    expect(page.annotations).toMatchObject({
      burn_rate: '16.7',
      runbook_url: 'https://runbooks.example.com/checkout',
      dashboard_url: 'https://grafana.example.com/d/slo?var-service=checkout&var-slo=checkout-availability',
      sample_trace_ids: '4bf92f3577b34da6a3ce929d0e0e4736, 00f067aa0ba902b7a3ce929d0e0e4736',
      sample_errors: 'POST /api/checkout 503 upstream timeout',
      firing_windows: '1h/5m, 6h/30m',
    });
    expect(page.annotations.summary).toContain('checkout/checkout-availability: error budget burning 16.7× over 1h');
    expect(page.annotations.budget_remaining).toBe('none (exhausted: 16.4× the budget spent)');
    expect(page.generatorURL).toBe('https://lookout.example.com/api/v1/slos');

    // Ticket pairs fire too, but are inhibited while the page fires: no ticket notification.
    const tickets = runtime.activeAlerts().filter((a) => a.severity === 'ticket');
    expect(tickets.map((a) => `${a.labels.long_window}/${a.labels.short_window}`).sort()).toEqual(['1d/2h', '3d/6h']);
    expect(tickets.every((a) => a.inhibited && a.state === 'firing')).toBe(true);

    // Good traffic again, minute by minute, evaluated every 30 s.
    for (let minute = 1; minute <= 40 && sent.length === 1; minute++) {
      traffic(store, m0 + minute, 1, 100, 0);
      clock.advance(MINUTE);
    }
    // The 30m window must be clean of minute m0 before the 6h/30m page stops: m0 + 31.
    expect(clock.now()).toBe(START + 31 * MINUTE);
    expect(sent).toHaveLength(3);
    const [, resolved, ticket] = sent;
    expect(resolved).toMatchObject({ status: 'resolved', dedupKey: page.dedupKey, labels: page.labels, startsAt: page.startsAt, endsAt: '2024-05-01T12:31:00.000Z' });
    expect(resolved!.annotations.current_burn_rate).toBeDefined();
    expect(ticket).toMatchObject({ status: 'firing', labels: { severity: 'ticket', long_window: '1d', short_window: '2h' } });
    expect(ticket!.annotations.firing_windows).toBe('1d/2h, 3d/6h');

    // Nothing more while the ticket keeps firing: one notification per transition.
    clock.advance(10 * MINUTE);
    expect(sent).toHaveLength(3);
    runtime.stop();
    clock.advance(10 * MINUTE);
    expect(runtime.lastCycle.atMs).toBe(START + 41 * MINUTE);
  });

  it('counts events that arrive late for minutes already judged, within lateData', () => {
    const { clock, store, runtime, sent } = setup();
    traffic(store, m0 - 60, 60, 100, 0);
    runtime.evaluate(clock.now());
    clock.advance(3 * MINUTE);
    runtime.evaluate(clock.now());
    expect(sent).toEqual([]);
    // Errors for minute m0 arrive 3 minutes late (a batch of old spans).
    traffic(store, m0, 1, 1000, 1000);
    clock.advance(30_000);
    runtime.evaluate(clock.now());
    expect(sent.map((n) => n.labels.severity)).toEqual(['page']);
  });

  it('keeps a notification the outbox refused and enqueues it next cycle', () => {
    let refuse = true;
    const accepted: AlertNotification[] = [];
    const { clock, store, runtime } = setup({
      notify: (n) => {
        if (refuse) throw new Error('SQLITE_BUSY: database is locked');
        accepted.push(n);
      },
    });
    traffic(store, m0 - 10, 11, 100, 100);
    clock.advance(MINUTE);
    runtime.evaluate(clock.now());
    expect(runtime.unsentCount).toBe(1);
    refuse = false;
    clock.advance(30_000);
    runtime.evaluate(clock.now());
    expect(runtime.unsentCount).toBe(0);
    expect(accepted.map((n) => `${n.status} ${n.labels.severity}`)).toEqual(['firing page']);
  });

  it('raises the no-data ticket when the SLI has no events, and exposes gauges and status', async () => {
    const { clock, runtime, sent } = setup();
    const registry = new Registry();
    registerSloMetrics(registry, runtime);
    runtime.start();
    clock.advance(16 * MINUTE);
    expect(sent.map((n) => n.labels.alertname)).toEqual(['SLODataMissing']);
    expect(sent[0]!.labels.severity).toBe('ticket');
    const text = await registry.metrics();
    expect(text).toContain('lookout_slo_alert_firing{slo="checkout-availability",service="checkout",severity="ticket"} 1');
    expect(text).toContain('lookout_slo_alert_firing{slo="checkout-availability",service="checkout",severity="page"} 0');
    expect(text).not.toContain('lookout_slo_error_budget_remaining{'); // no data: unknown, not 100 %
    const [status] = runtime.status();
    expect(status).toMatchObject({ service: 'checkout', name: 'checkout-availability', evaluable: true, objective: 0.999, period: '30d', source: 'slos/checkout.yaml:5' });
    expect(status!.alerts.map((a) => a.labels.alertname)).toEqual(['SLODataMissing']);
  });

  it('publishes burn rate per window and budget remaining', async () => {
    const { clock, store, runtime } = setup();
    const registry = new Registry();
    registerSloMetrics(registry, runtime);
    traffic(store, m0 - 60, 60, 1000, 2); // 0.2 % errors: 2× burn
    runtime.evaluate(clock.now());
    const text = await registry.metrics();
    const labels = 'slo="checkout-availability",service="checkout"';
    expect(sample(text, `lookout_slo_burn_rate{${labels},window="1h"}`)).toBeCloseTo(2, 9);
    expect(sample(text, `lookout_slo_burn_rate{${labels},window="5m"}`)).toBeCloseTo(2, 9);
    // 120 errors where 0.1 % of 60,000 = 60 are allowed: the budget is spent twice over
    expect(sample(text, `lookout_slo_error_budget_remaining{${labels}}`)).toBeCloseTo(-1, 9);
    const [status] = runtime.status();
    expect(status!.windows!.find((w) => w.window === '1h')!.status).toBe('burning');
    expect(status!.budget!.text).toBe('none (exhausted: 2× the budget spent)');
    expect(status!.timeToExhaustion).toBe('already exhausted');
  });

  it("API window status: a window where every event failed is 'all-failing', never 'ok'", () => {
    const { clock, store, runtime } = setup();
    traffic(store, m0 - 60, 55, 1000, 0);
    traffic(store, m0 - 5, 5, 1000, 1000);
    runtime.evaluate(clock.now());
    const windows = Object.fromEntries(runtime.status()[0]!.windows!.map((w) => [w.window, w.status]));
    expect(windows['5m']).toBe('all-failing');
    expect(windows['1h']).toBe('burning');
    expect(windows['3d']).toBe('burning');
  });

  it('lists PromQL SLOs as not evaluated, with the reason, and never reads the store for them', () => {
    const spec = `version: "prometheus/v1"
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
    const { clock, runtime } = setup({ store: { buckets: () => { throw new Error('must not be read'); } } }, spec);
    runtime.evaluate(clock.now());
    const [status] = runtime.status();
    expect(status).toMatchObject({ evaluable: false, name: 'requests-availability' });
    expect(status!.reason).toContain('PromQL');
    expect(runtime.lastCycle).toMatchObject({ evaluated: 0, failed: 0 });
  });

  it('reads the history of SLOs in slices after a start, evaluating each once it is read', () => {
    const spec = `service: checkout\nslos:\n${['a', 'b', 'c'].map((n) => `  - { name: ${n}, objective: 99.9, sli: availability }`).join('\n')}\n`;
    const { clock, store, runtime } = setup({ historyBudgetMs: 0 }, spec);
    for (const id of ['a', 'b', 'c']) for (let m = m0 - 120; m < m0; m++) store.add(id, m, 100, 100);
    runtime.start();
    expect(runtime.historyPending).toBe(2);
    expect(runtime.status().map((s) => s.historyLoaded)).toEqual([true, false, false]);
    expect(runtime.status()[1]!.evaluatedAt).toBeUndefined();
    clock.advance(0); // the catch-up slices run as soon as the event loop is free
    expect(runtime.historyPending).toBe(0);
    expect(runtime.status().map((s) => s.budget?.total)).toEqual([12_000, 12_000, 12_000]);
    runtime.stop();
  });

  it('logs a failing store once, keeps going, and says when it works again', () => {
    let broken = true;
    const logs: string[] = [];
    const store = new SliStore({ file: ':memory:', retentionMinutes: 60 });
    stores.push(store);
    const { clock, runtime } = setup({
      store: { buckets: (id, from, to) => (broken ? (() => { throw new Error('SQLITE_IOERR'); })() : store.buckets(id, from, to)) },
      logger: { info: (_d, m) => void logs.push(`info ${m}`), warn: (_d, m) => void logs.push(`warn ${m}`), error: (_d, m) => void logs.push(`error ${m}`) },
    });
    runtime.evaluate(clock.now());
    runtime.evaluate(clock.now() + 30_000);
    expect(runtime.lastCycle.failed).toBe(1);
    expect(logs).toEqual(['error SLO evaluation failed (SLI store unreadable?); alerts keep their state and are evaluated again next cycle']);
    broken = false;
    runtime.evaluate(clock.now() + 60_000);
    expect(logs.at(-1)).toBe('info SLO evaluation works again');
  });
});

describe('what-if (GET /api/v1/slos/{name}?objective=&period=)', () => {
  it('recomputes budget, burn rates, factors and detection times from the store without changing the spec or the alerts', async () => {
    const { clock, store, runtime } = setup();
    traffic(store, m0 - 60, 60, 1000, 1); // 0.1 % errors: 1× at 99.9 %, 2× at 99.95 %
    runtime.evaluate(clock.now());
    const { default: Fastify } = await import('fastify');
    const { registerSloApi } = await import('./http-api.ts');
    const http = Fastify();
    registerSloApi(http, { slos: runtime, now: () => clock.now() });
    try {
      const plain = (await http.inject('/api/v1/slos/checkout-availability')).json();
      expect(plain.whatIf).toBeUndefined();
      expect(plain.status.objective).toBe(0.999);
      expect(plain.status.windows.find((w: { window: string }) => w.window === '1h').burnRate).toBe(1);

      const answer = await http.inject('/api/v1/slos/checkout-availability?objective=99.95&period=28d');
      expect(answer.statusCode).toBe(200);
      const { status, whatIf } = answer.json();
      expect(status.objective).toBe(0.999); // the spec's
      expect(whatIf).toMatchObject({ objective: 0.9995, period: '28d', errorBudget: 0.0005, currentBurnRate: 2 });
      // 60 errors of 60,000 where 0.05 % = 30 are allowed: spent twice over
      expect(whatIf.budget).toMatchObject({ remaining: -1, text: 'none (exhausted: 2× the budget spent)', good: 59_940, total: 60_000 });
      expect(whatIf.pairs.map((p: { factor: number }) => p.factor)).toEqual([13.44, 5.6, 2.8, 1]);
      expect(whatIf.pairs.map((p: { met: boolean }) => p.met)).toEqual([false, false, false, true]);
      expect(whatIf.windows.find((w: { window: string }) => w.window === '1h')).toMatchObject({ burnRate: 2, status: 'burning' });
      const outage = whatIf.detection.find((d: { label: string }) => d.label === 'full outage');
      expect(outage.page).toBeCloseTo((13.44 * 0.0005 * 60) / 1, 9); // 0.4032 min
      expect(whatIf.detection.find((d: { label: string }) => d.label === '1× burn')).toMatchObject({ page: null, ticket: null });

      expect((await http.inject('/api/v1/slos/nope')).statusCode).toBe(404);
      const bad = await http.inject('/api/v1/slos/checkout-availability?objective=0.999');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toContain('looks like a fraction');
      const short = await http.inject('/api/v1/slos/checkout-availability?period=2d');
      expect(short.statusCode).toBe(400);
      expect(short.json().error).toContain("the policy's 3d window is longer than a 2d period");
      const period = await http.inject('/api/v1/slos/checkout-availability?period=fortnight');
      expect(period.statusCode).toBe(400);
      expect(period.json().error).toContain('whole days');
    } finally {
      await http.close();
    }
    // the running alerts saw nothing of it
    expect(runtime.status()[0]!.objective).toBe(0.999);
  });
});

describe('availability report (GET /api/v1/report)', () => {
  it('reports from the SLI store as JSON, CSV and text; bad parameters are 400 with the fix', async () => {
    const { clock, store, runtime } = setup();
    traffic(store, m0 - 1440, 1380, 1000, 0);
    traffic(store, m0 - 60, 10, 1000, 1000); // a 10-minute full outage an hour ago
    traffic(store, m0 - 50, 50, 1000, 0);
    const { default: Fastify } = await import('fastify');
    const { registerSloApi } = await import('./http-api.ts');
    const http = Fastify();
    registerSloApi(http, { slos: runtime, now: () => clock.now() });
    try {
      const json = (await http.inject('/api/v1/report?since=1d')).json();
      expect(json.since).toBe('1d');
      const [report] = json.slos;
      // 1,440 minutes × 1,000 events; 10,000 errors against a budget of 1,440: 694 % spent
      expect(report).toMatchObject({ slo: 'checkout-availability', total: 1_440_000, good: 1_430_000, met: false });
      expect(report.budgetSpent).toBeCloseTo(10_000 / 1_440, 9);
      expect(report.incidents).toHaveLength(1);
      expect(report.incidents[0]).toMatchObject({ startMinute: m0 - 60, detectedMinute: m0 - 59, timeToDetectMinutes: 1, errors: 10_000 });
      expect(json.services).toEqual([{ service: 'checkout', slos: 1, met: 0, incidents: 1, worstAchieved: 1_430_000 / 1_440_000 }]);
      const csv = await http.inject('/api/v1/report?since=1d&format=csv');
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body.split('\n')[1]).toMatch(/^checkout,checkout-availability,0\.999,/);
      const text = await http.inject('/api/v1/report?since=1d&format=text');
      expect(text.body).toContain('checkout/checkout-availability: 99.306 % achieved, objective 99.9 % — MISSED');
      const bad = await http.inject('/api/v1/report?since=forever');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toContain('must be a duration like 7d');
      expect((await http.inject('/api/v1/report?format=xml')).json().error).toBe('format "xml" must be json, csv or text');
    } finally {
      await http.close();
    }
  });
});
