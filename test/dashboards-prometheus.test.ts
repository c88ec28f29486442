/**
 * Every PromQL expression of every generated dashboard, run against a real Prometheus
 * (the Debian binary) that scrapes a collector fed with real traffic: spans and log
 * records from the OpenTelemetry JS SDK (OTLP/HTTP protobuf exporters), two TLS probes
 * (one endpoint up, one down), a failing notifier and an unreachable Loki, and the
 * exported SLO rules loaded into Prometheus. No query may fail; every panel whose series
 * this traffic produces must show data; the panels without data are printed with why.
 *
 * The collector's clock is real time plus an offset the test moves forward one minute,
 * so the minute of traffic is complete and the SLO runtime judges it at once.
 */
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadSpecs, renderRules } from '../alerts/src/index.ts';
import type { SloDefinition } from '../alerts/src/index.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { buildAllDashboards, dashboardQueries, sloSource, substituteVariables } from '../dashboards/src/index.ts';
import type { BuiltDashboard, PanelQuery } from '../dashboards/src/index.ts';
import { createCertificateFactory, wholeSeconds, type CertificateFactory } from './helpers/certs.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Grafana's variables as a user with everything selected would send them. */
const VARIABLES = {
  datasource: 'prometheus',
  service: '.*',
  route: '.*',
  host: '.*',
  job: '.*',
  __rate_interval: '30s',
  __interval: '15s',
  __range: '10m',
};

/** The traffic: [service, method, route, requests, of which failing]. */
const TRAFFIC = [
  ['checkout', 'POST', '/api/checkout', 60, 6],
  ['payments', 'POST', '/api/pay', 40, 1],
  ['search', 'GET', '/api/search', 30, 0],
] as const;

function loadExampleSlos(): SloDefinition[] {
  const dir = join(ROOT, 'alerts', 'slos');
  return loadSpecs(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') })),
  ).slos;
}

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${JSON.stringify(value).slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface QueryOutcome {
  query: PanelQuery;
  expr: string;
  error?: string;
  samples: number;
}

describe('every dashboard query on a real Prometheus scraping a collector with real traffic', () => {
  let dir: string;
  let certs: CertificateFactory;
  let tls: TlsServer;
  let collector: RunningCollector | undefined;
  let prometheus: RunningPrometheus | undefined;
  let offset = 0;
  const now = () => Date.now() + offset;
  const slos = loadExampleSlos();
  const dashboards: BuiltDashboard[] = buildAllDashboards(slos);
  /** trace ids of the spans sent, to recognise the exemplars */
  const sentTraceIds = new Set<string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-dashboards-prom-'));
    certs = createCertificateFactory();
    const cert = certs.make({
      name: 'shop',
      commonName: 'shop.lookout.test',
      dnsNames: ['shop.lookout.test'],
      notBefore: wholeSeconds(Date.now() - DAY),
      notAfter: wholeSeconds(Date.now() + 10 * DAY),
    });
    tls = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => socket.end());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const tlsPort = (tls.address() as { port: number }).port;
    const downPort = await closedPort();

    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        sli: { flushInterval: '200ms' },
        slos: { files: [join(ROOT, 'alerts', 'slos')], evaluationInterval: '200ms' },
        // nobody listens on either: the notifier and the Loki exporter fail and retry
        notify: { receivers: { webhook: [{ name: 'hook', url: `http://127.0.0.1:${downPort}/hook` }] } },
        exporters: { loki: { url: `http://127.0.0.1:${downPort}` } },
        probes: {
          tls: [
            { name: 'shop', host: '127.0.0.1', port: tlsPort, servername: 'shop.lookout.test', caFile: cert.certPath, interval: '1s', timeout: '1s' },
            { name: 'down', host: '127.0.0.1', port: downPort, interval: '1s', timeout: '1s' },
          ],
        },
      }),
      'dashboards-prometheus.yaml',
      {},
    );
    collector = await startCollector(config, { now });
    const rules = join(dir, 'slo-rules.yaml');
    writeFileSync(rules, renderRules(slos));
    // exemplar storage on: Prometheus negotiates OpenMetrics and keeps the trace-id exemplars
    prometheus = await startPrometheus([{ job: 'lookout', target: collector.httpUrl.replace(/^https?:\/\//, '') }], {
      ruleFiles: [rules],
      features: ['exemplar-storage'],
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.close();
    await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()));
    certs?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Spans and logs through the OpenTelemetry SDK's OTLP/HTTP protobuf exporters. */
  async function sendTraffic(base: string, atMs: number, share: number): Promise<void> {
    for (const [service, method, route, requests, failing] of TRAFFIC) {
      const resource = resourceFromAttributes({ 'service.name': service });
      const tracer = new BasicTracerProvider({
        resource,
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }), { maxExportBatchSize: 512 })],
      });
      const logs = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${base}/v1/logs` }) })] });
      const count = Math.ceil(requests * share);
      const failures = Math.ceil(failing * share);
      for (let i = 0; i < count; i++) {
        const fails = i < failures;
        const span = tracer.getTracer('dashboards-test').startSpan(`${method} ${route}`, {
          kind: SpanKind.SERVER,
          startTime: atMs - 20 - (i % 5) * 30,
          attributes: { 'http.request.method': method, 'http.route': route, 'http.response.status_code': fails ? 503 : 200 },
        });
        sentTraceIds.add(span.spanContext().traceId);
        if (fails) span.setStatus({ code: SpanStatusCode.ERROR });
        logs.getLogger('dashboards-test').emit({
          timestamp: atMs,
          severityNumber: fails ? SeverityNumber.ERROR : SeverityNumber.INFO,
          severityText: fails ? 'ERROR' : 'INFO',
          body: fails ? `${route} failed: upstream timeout` : `${route} served`,
        });
        span.end(atMs);
      }
      await tracer.forceFlush();
      await logs.forceFlush();
      await tracer.shutdown();
      await logs.shutdown();
    }
  }

  const metricsText = async () => (await fetch(`${collector!.httpUrl}/metrics`)).text();

  async function run(query: PanelQuery, endSeconds: number): Promise<QueryOutcome> {
    const expr = substituteVariables(query.expr, VARIABLES);
    const params = new URLSearchParams({ query: expr });
    let path = '/api/v1/query';
    if (query.instant) params.set('time', String(endSeconds));
    else {
      path = '/api/v1/query_range';
      params.set('start', String(endSeconds - 60));
      params.set('end', String(endSeconds));
      params.set('step', '5');
    }
    const response = await fetch(`${prometheus!.url}${path}?${params}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: Array<{ value?: [number, string]; values?: Array<[number, string]> }> };
    };
    if (body.status !== 'success') return { query, expr, error: body.error ?? `HTTP ${response.status}`, samples: 0 };
    const values = (body.data?.result ?? []).flatMap((series) => (series.values ?? (series.value ? [series.value] : [])).map((v) => v[1]));
    return { query, expr, samples: values.filter((v) => v !== 'NaN').length };
  }

  /** Why a panel may have no data with this traffic; undefined = it must have data. */
  function noDataReason(dashboard: BuiltDashboard, exprs: string[]): string | undefined {
    const all = exprs.join(' ');
    if (/\bsystem_/.test(all)) return 'host metrics are not exposed on /metrics yet';
    if (all.includes('lookout_postgres_')) return 'no PostgreSQL probe in this test';
    if (all.includes('lookout_http_probe_status_code')) return 'no HTTP probe in this test';
    if (all.includes('lookout_sli_store_dropped_events_total')) return 'no SLI event was dropped';
    if (all.includes('lookout_request_series_folded_total')) return 'no route was folded by the cardinality guard';
    const slo = slos.find((s) => dashboard.uid === `lookout-slo-${s.name}`);
    if (slo && sloSource(slo) === 'rules') return `PromQL SLI over ${slo.service}'s own metrics, which this traffic does not produce`;
    return undefined;
  }

  it('runs without error and shows data wherever the traffic produces series', async (ctx) => {
    if (!prometheus || !collector) return ctx.skip();
    const base = collector.httpUrl;
    // Start one second into a minute, so all the traffic lands in one minute of the collector's clock.
    offset += MINUTE - (now() % MINUTE) + 1000;
    // A warm-up tenth first, scraped before the rest, so every counter has a sample
    // before the increase that the panels measure.
    await sendTraffic(base, now(), 0.1);
    const bad = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0xff, 0xff, 0xff]) });
    expect(bad.status).toBe(400);
    await prometheus.waitForScrape('lookout');
    await sendTraffic(base, now(), 0.9);
    await waitFor('the spans in the request series', metricsText, (text) => /lookout_requests_total\{[^}]*service="search"[^}]*\} (\d+)/.test(text));
    await waitFor(
      'the SLI store holding every span',
      metricsText,
      (text) => [...text.matchAll(/^lookout_slo_events_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0) > 0,
    );
    // Complete the minute: the runtime judges it and exposes burn rates and budgets.
    offset += MINUTE;
    await waitFor('SLO burn rates on /metrics', metricsText, (text) => text.includes('lookout_slo_burn_rate{slo="checkout-availability"'));
    await waitFor('the failing probe and notifier', metricsText, (text) => text.includes('outcome="failure"') && text.includes('lookout_notifications_failed_attempts_total{'));
    await prometheus.waitForScrape('lookout');
    // let the rules evaluate on the new samples (evaluation interval 1 s)
    await waitFor('recorded SLO series', () => prometheus!.query('slo:period_error_budget_remaining:ratio{slo="checkout-availability"}'), (r) => r.length > 0);
    await prometheus.waitForScrape('lookout');
    const end = Number((await prometheus.query('timestamp(up{job="lookout"})'))[0]!.value[1]);

    const failures: string[] = [];
    const withoutData: string[] = [];
    const missing: string[] = [];
    let queries = 0;
    for (const dashboard of dashboards) {
      const byPanel = new Map<number, QueryOutcome[]>();
      for (const query of dashboardQueries(dashboard.json)) {
        if (query.datasourceType !== 'prometheus') continue;
        queries++;
        const outcome = await run(query, end);
        if (outcome.error) failures.push(`${dashboard.uid} "${query.panelTitle}" ${query.refId}: ${outcome.error}\n    ${outcome.expr}`);
        byPanel.set(query.panelId, [...(byPanel.get(query.panelId) ?? []), outcome]);
      }
      for (const outcomes of byPanel.values()) {
        if (outcomes.some((o) => o.samples > 0)) continue;
        const title = outcomes[0]!.query.panelTitle;
        const reason = noDataReason(dashboard, outcomes.map((o) => o.expr));
        const line = `${dashboard.uid} "${title}": ${reason ?? 'NO DATA, but its series should exist'}`;
        withoutData.push(line);
        if (!reason) missing.push(`${line}\n    ${outcomes.map((o) => o.expr).join('\n    ')}`);
      }
    }
    console.log(`dashboard queries run: ${queries}; panels without data (${withoutData.length}):\n  ${withoutData.join('\n  ')}`);
    expect(queries).toBeGreaterThan(100);
    expect(failures, failures.join('\n')).toEqual([]);
    expect(missing, missing.join('\n')).toEqual([]);

    // Exemplars: Prometheus scraped OpenMetrics and stored the buckets' trace ids, so the
    // latency panels (exemplar: true) link to traces that were really sent.
    // exemplar timestamps are the collector's clock, minutes ahead of Prometheus's here
    const params = new URLSearchParams({ query: 'lookout_request_duration_seconds_bucket{service="checkout"}', start: String(end - 600), end: String(end + 600) });
    const exemplarAnswer = (await (await fetch(`${prometheus.url}/api/v1/query_exemplars?${params}`)).json()) as {
      status: string;
      data: Array<{ seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string>; value: string }> }>;
    };
    expect(exemplarAnswer.status).toBe('success');
    const exemplars = exemplarAnswer.data.flatMap((series) => series.exemplars);
    expect(exemplars.length).toBeGreaterThan(0);
    for (const exemplar of exemplars) expect(sentTraceIds.has(exemplar.labels.trace_id!), exemplar.labels.trace_id).toBe(true);
  }, 90_000);
});
