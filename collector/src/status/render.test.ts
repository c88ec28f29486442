import { describe, expect, it } from 'vitest';
import type { StoredSpan } from './recent-trace-selection.ts';
import { renderLogsPage, renderOverview, renderSloPage, renderTracePage, waterfallRows } from './render.ts';
import { sortByBudget, type AlertView, type OverviewView, type SloDetailView, type SloView } from './view.ts';

const AT = '2026-12-06T04:00:00.000Z';
const NOW = Date.parse(AT);
const TRACE = 'ab'.repeat(16);

function slo(overrides: Partial<SloView> = {}): SloView {
  return {
    service: 'shop',
    name: 'checkout-availability',
    description: 'Checkout <works>',
    objective: 0.999,
    period: '30d',
    sli: 'availability',
    source: 'slos/shop.yaml:3',
    state: 'ok',
    sliNow: 0.9995,
    sliWindow: '1h',
    budgetRemaining: 0.8,
    budgetWindow: '30d',
    timeToExhaustion: 'never at the current burn rate',
    currentBurnRate: 0.5,
    burnRates: [{ severity: 'page', long: '1h', short: '5m', factor: 14.4, longBurnRate: 0.5, shortBurnRate: 0.2, longEvents: 1000, shortEvents: 80, met: false, heldBack: false, reason: '' }],
    minEvents: 0,
    budgetSeries: [
      { atMs: NOW - 60_000, remaining: 0.9 },
      { atMs: NOW, remaining: 0.8 },
    ],
    alerts: [],
    ...overrides,
  };
}

const firing: AlertView = {
  source: 'slo',
  labels: { alertname: 'SLOErrorBudgetBurn', slo: 'checkout-availability', service: 'shop', severity: 'page' },
  annotations: { summary: 'shop/checkout-availability: burning 500×', runbook_url: 'https://runbooks.example.com/x', sample_trace_ids: TRACE, sample_errors: '<b>payment failed</b>' },
  state: 'firing',
  severity: 'page',
  inhibited: false,
  activeAt: AT,
  firedAt: AT,
  traceIds: [TRACE],
  errorLines: ['<b>payment failed</b>'],
};

function overview(slos: SloView[], alerts: AlertView[] = []): OverviewView {
  return {
    at: AT,
    slos,
    alerts,
    certificates: [{ target: 'localhost:8443', subject: 'CN=demo', notAfter: AT, daysLeft: 3.5, verified: false, reason: 'SELF_SIGNED' }],
    probes: [{ kind: 'tls', target: 'localhost:8443', ok: true, consecutiveFailures: 0, lastError: '' }],
    hosts: [{ host: 'box', cpu: 0.42, memory: 0.5, disks: [{ mountpoint: '/', utilization: 0.95 }], seenAt: AT }],
    databases: [],
    ingest: { ratePerSecond: { traces: 12.5 }, accepted: { traces: 100 }, refusedItems: [], refusedRequests: [{ receiver: 'otlp-http', signal: 'traces', reason: 'malformed', count: 2 }], queue: { items: 0, bytes: 0 } },
    outbox: { configured: false, pending: [], recent: [] },
    traces: { stored: 3, bytes: 2048 },
  };
}

describe('status page rendering', () => {
  it('lists SLOs least budget first, with chart, burn table, state, and escapes every value', () => {
    const sorted = sortByBudget([slo({ name: 'b', budgetRemaining: 0.9 }), slo({ name: 'none', budgetRemaining: null }), slo({ name: 'a', budgetRemaining: -0.2, state: 'page' })]);
    expect(sorted.map((s) => s.name)).toEqual(['a', 'b', 'none']);
    const page = renderOverview(overview(sorted, [firing]));
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<meta http-equiv="refresh" content="15">');
    expect(page).toContain('name="viewport"');
    expect(page).toContain('"Segoe UI"'); // the style sheet is not escaped
    expect(page.indexOf('shop/a')).toBeLessThan(page.indexOf('shop/b'));
    expect(page).toContain('Checkout &lt;works&gt;');
    expect(page).not.toContain('<works>');
    expect(page).toContain('&lt;b&gt;payment failed&lt;/b&gt;');
    expect(page).toContain(`href="/traces/${TRACE}"`);
    expect(page).toContain('<svg class="chart"');
    expect(page).toContain('14.4×');
    expect(page).toContain('href="https://runbooks.example.com/x"');
    expect(page).toContain('localhost:8443');
    expect(page).toContain('SELF_SIGNED');
    expect(page).toContain('malformed');
    expect(page).not.toMatch(/<script|https?:\/\/[^"]*\.(css|js)/);
  });

  it('shows the too-little-traffic hint and the SLO page tables', () => {
    const detail: SloDetailView = {
      ...slo({ lowTraffic: 'too little traffic: held back', state: 'pending' }),
      detection: [{ label: 'full outage', errorRatio: 1, burnRate: 1000, page: '52 s (1h/5m)', ticket: 'never' }],
      episodes: [{ key: 'k', source: 'slo', labels: firing.labels, annotations: {}, severity: 'page', startMs: NOW - 120_000, detectedMs: NOW - 60_000, resolvedMs: NOW, budgetAtStart: 0.9, budgetAtEnd: 0.7 }],
      availability: 0.9991,
      episodeStats: { episodes: 1, downMs: 120_000, timeAvailability: 0.99, mttrMs: 120_000, mttfMs: 3_600_000 },
      recentErrorTraces: [{ traceId: TRACE, service: 'shop', route: '/checkout', rootName: 'POST /checkout', startMs: NOW, durationMs: 12, error: true, spanCount: 2, hasRoot: true, reasons: ['error'], storedAtMs: NOW, bytes: 100 }],
    };
    const page = renderSloPage(detail, NOW);
    expect(page).toContain('too little traffic: held back');
    expect(page).toContain('52 s (1h/5m)');
    expect(page).toContain('MTTR 2 min');
    expect(page).toContain('MTTF 60 min');
    expect(page).toContain('20 %'); // budget spent in the episode
    expect(page).toContain(`/traces/${TRACE}`);
  });

  it('draws a trace as a waterfall in tree order, errors marked, and says when a trace is not kept', () => {
    const span = (id: string, parent: string, startMs: number, ms: number, error = false): StoredSpan => ({
      traceId: TRACE,
      spanId: id,
      parentSpanId: parent,
      service: 'shop',
      name: `op-${id}<x>`,
      kind: 'server',
      startNs: String(BigInt(NOW + startMs) * 1_000_000n),
      endNs: String(BigInt(NOW + startMs + ms) * 1_000_000n),
      durationMs: ms,
      error,
      statusMessage: '',
      attributes: { 'http.route': '/checkout' },
      events: [],
    });
    const spans = [span('c', 'b', 20, 10, true), span('a', '', 0, 100), span('b', 'a', 10, 50), span('d', 'a', 5, 5), span('e', 'zz', 1, 1)];
    expect(waterfallRows(spans).map((r) => `${r.span.spanId}${r.depth}`)).toEqual(['a0', 'd1', 'b1', 'c2', 'e0']);
    const page = renderTracePage(TRACE, {
      summary: { traceId: TRACE, service: 'shop', route: '/checkout', rootName: 'x', startMs: NOW, durationMs: 100, error: true, spanCount: 5, hasRoot: true, reasons: ['error'], storedAtMs: NOW, bytes: 1 },
      spans,
      logs: [{ atMs: NOW, service: 'shop', level: 'error', severityText: 'ERROR', body: 'card declined', traceId: TRACE, spanId: 'c' }],
    });
    expect(page.match(/class="wf-row"/g)?.length).toBe(5);
    expect(page).toContain('wf-bar err');
    expect(page).toContain('op-a&lt;x&gt;');
    expect(page).toContain('card declined');
    expect(page).toContain('left:20.00%;width:10.00%');
    expect(renderTracePage(TRACE, undefined)).toContain('not (or no longer) among the recent traces');
  });

  it('logs page keeps the search in its form, escaped', () => {
    const page = renderLogsPage({ at: AT, lines: [], filter: { traceId: '"><script>' }, services: ['shop'] });
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(page).toContain('No warning or error line kept');
  });
});
