/**
 * Every PromQL expression of every generated dashboard, run against a real Prometheus
 * (the Debian binary) that scrapes a collector fed with real traffic: spans and log
 * records from the OpenTelemetry JS SDK (OTLP/HTTP protobuf exporters), the host
 * agent's system.* metrics (the real agent process, resources every second), a Node
 * service under the Node agent (its prom-client process metrics over OTLP), two TLS
 * probes (one endpoint up, one down), a failing notifier and an unreachable Loki, and
 * the exported SLO rules loaded into Prometheus. The collector also remote-writes its
 * request series and SLO counters into the same Prometheus under another job, as the
 * compose stack does, so the queries run beside that copy. No query may fail; every
 * panel whose series this traffic produces must show data; the panels without data are
 * printed with why.
 *
 * The collector's clock is real time plus an offset the test moves forward one minute,
 * so the minute of traffic is complete and the SLO runtime judges it at once.
 */
import { createServer as createNetServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
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
import { COLLECTOR_JOB, buildAllDashboards, dashboardQueries, sloSource, substituteVariables } from '../dashboards/src/index.ts';
import type { BuiltDashboard, PanelQuery } from '../dashboards/src/index.ts';
import { createCertificateFactory, wholeSeconds, type CertificateFactory } from './helpers/certs.ts';
import { startAgentApp, type AgentApp } from './fixtures/agent-apps/harness.ts';
import { startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';
import { freePort } from './helpers/server-process.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MINUTE = 60_000;
/** the job of the remote-written copy of the collector's own series (compose: lookout.compose.yaml) */
const REMOTE_WRITE_JOB = 'lookout-remote-write';
/** the host agent's job and instance: service.name and service.instance.id of its resource */
const HOST_SERIES = `job="lookout-host-agent",instance="${hostname()}"`;
/** the Node service's job: service.namespace/service.name */
const NODE_APP_JOB = 'demo/shop-api';
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
  let hostAgent: AgentProcess | undefined;
  let nodeApp: AgentApp | undefined;
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

    // Prometheus first, so the collector can remote-write to it; it scrapes the collector's
    // port from the start (failed scrapes until it listens). honor_labels keeps the
    // received series' job and instance, as collector/deploy/prometheus.yml does.
    const collectorPort = await freePort();
    const rules = join(dir, 'slo-rules.yaml');
    writeFileSync(rules, renderRules(slos));
    // exemplar storage on: Prometheus negotiates OpenMetrics and keeps the trace-id exemplars
    prometheus = await startPrometheus([{ job: 'lookout', target: `127.0.0.1:${collectorPort}`, honorLabels: true }], {
      ruleFiles: [rules],
      features: ['exemplar-storage'],
    });
    if (!prometheus) return;

    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { host: '127.0.0.1', port: collectorPort }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        sli: { flushInterval: '200ms' },
        slos: { files: [join(ROOT, 'alerts', 'slos')], evaluationInterval: '200ms' },
        // nobody listens on either: the notifier and the Loki exporter fail and retry
        notify: { receivers: { webhook: [{ name: 'hook', url: `http://127.0.0.1:${downPort}/hook` }] } },
        exporters: {
          loki: { url: `http://127.0.0.1:${downPort}` },
          // the compose stack's remote write: the collector's own series only, under another job
          remoteWrite: { url: `${prometheus.url}/api/v1/write`, receivedMetrics: false, job: REMOTE_WRITE_JOB, selfInterval: '1s' },
        },
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
    // the real host agent: CPU, memory, load, filesystems and network every second
    hostAgent = await startAgentProcess(
      writeConfig(
        dir,
        [
          `collector: { endpoint: "${collector.httpUrl}" }`,
          `dataDir: ${join(dir, 'agent-data')}`,
          'resources: { interval: 1s }',
          `resource: { service.name: lookout-host-agent, service.instance.id: "${hostname()}" }`,
        ].join('\n'),
      ),
    );
    // a Node service under the Node agent: prom-client's process, event-loop and GC metrics over OTLP
    nodeApp = await startAgentApp('http-app.mjs', 'esm', {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl,
      OTEL_SERVICE_NAME: 'shop-api',
      OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=demo,service.instance.id=app-1',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    });
  }, 60_000);

  afterAll(async () => {
    nodeApp?.kill();
    if (hostAgent && hostAgent.child.exitCode === null && hostAgent.child.signalCode === null) {
      hostAgent.child.kill('SIGTERM');
      await hostAgent.exited;
    }
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
    // big bodies make the Node service collect garbage, so its GC histogram has series
    const big = JSON.stringify({ pad: 'x'.repeat(2_000_000) });
    for (let i = 0; i < 5; i++) await (await fetch(`${nodeApp!.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })).arrayBuffer();
    await waitFor(
      "the Node service's GC and memory series in Prometheus",
      () => prometheus!.query(`count_over_time(nodejs_gc_duration_seconds_sum{job="${NODE_APP_JOB}"}[1m]) and on (job) count_over_time(process_resident_memory_bytes{job="${NODE_APP_JOB}"}[1m]) >= 3`),
      (r) => r.length > 0 && r.every((series) => Number(series.value[1]) >= 3),
      30_000,
    );
    // the host agent's series under its own job and instance, scraped a few times, so the rate() panels have values
    await waitFor(
      'the host agent series in Prometheus',
      () => prometheus!.query(`count_over_time(system_cpu_time_seconds_total{cpu_mode="idle",${HOST_SERIES}}[1m])`),
      (r) => r.length === 1 && Number(r[0]!.value[1]) >= 3,
      30_000,
    );
    // The remote-written copy of the request series sits beside the scraped one (same values,
    // another job; its samples carry the collector's clock, so read at that time): summed
    // without the job matcher every dashboard uses (COLLECTOR_JOB), requests would count twice.
    const copies = await waitFor(
      'the remote-written request series beside the scraped one',
      () => prometheus!.query('sum by (job) (lookout_requests_total{service="search"})', now() / 1000),
      (r) => r.length === 2 && r[0]!.value[1] === r[1]!.value[1],
    );
    expect(copies.map((c) => c.metric.job).sort()).toEqual([COLLECTOR_JOB, REMOTE_WRITE_JOB]);
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
    // Every template variable's label_values() lists values, asked the way Grafana asks (the label values API with match[])
    const variableValues = new Map<string, string[]>();
    for (const dashboard of dashboards) {
      for (const variable of dashboard.json.templating.list ?? []) {
        const labelValues = /^label_values\((.+), (\w+)\)$/.exec(variable.definition ?? '');
        if (!labelValues) continue;
        const params = new URLSearchParams({ 'match[]': substituteVariables(labelValues[1]!, VARIABLES), start: String(end - 600), end: String(end) });
        const answer = (await (await fetch(`${prometheus.url}/api/v1/label/${labelValues[2]}/values?${params}`)).json()) as { status: string; error?: string; data?: string[] };
        const where = `${dashboard.uid} $${variable.name}: ${variable.definition}`;
        expect(answer.status, `${where}: ${answer.error}`).toBe('success');
        variableValues.set(where, answer.data ?? []);
      }
    }
    const emptyVariables = [...variableValues].filter(([, values]) => values.length === 0).map(([where]) => where);
    expect(emptyVariables, `variables without values:\n${emptyVariables.join('\n')}`).toEqual([]);
    const hostVariable = [...variableValues].find(([where]) => where.startsWith('lookout-resources $host'));
    expect(hostVariable?.[1]).toEqual([hostname()]);
    const jobVariable = [...variableValues].find(([where]) => where.startsWith('lookout-resources $job'));
    expect(jobVariable?.[1]).toEqual(expect.arrayContaining([COLLECTOR_JOB, NODE_APP_JOB]));
    // the Node.js panels show the service the Node agent reports, not only the collector itself
    const resources = dashboards.find((d) => d.uid === 'lookout-resources')!;
    const nodePanels = dashboardQueries(resources.json).filter((q) => /process_resident|eventloop|gc_duration/.test(q.expr));
    expect(nodePanels.map((q) => q.panelTitle)).toEqual(['Process memory (RSS)', 'Event-loop lag (p99)', 'Time in GC']);
    for (const query of nodePanels) {
      const outcome = await run({ ...query, expr: substituteVariables(query.expr, { ...VARIABLES, job: NODE_APP_JOB }) }, end);
      expect(outcome.error).toBeUndefined();
      expect(outcome.samples, `${query.panelTitle} of ${NODE_APP_JOB}: ${outcome.expr}`).toBeGreaterThan(0);
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
