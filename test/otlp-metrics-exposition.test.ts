/**
 * Received OTLP metrics on the collector's /metrics, read by a real Prometheus: the host
 * agent's CPU, memory and filesystem figures and a Node service's prom-client metrics
 * (through the Node agent's prom bridge) come out with the OpenTelemetry → Prometheus
 * names (unit words, `_total`, `le` buckets), job/instance from the resource and a
 * target_info series, and the values the sources themselves report.
 */
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentApp, type AgentApp } from './fixtures/agent-apps/harness.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';
import { freePort } from './helpers/server-process.ts';

let collector: TestCollector;
let prometheus: RunningPrometheus | undefined;
let hostAgent: AgentProcess | undefined;
let app: AgentApp | undefined;
let dir: string;
let appMetricsPort: number;

beforeAll(async () => {
  collector = await startTestCollector();
  dir = mkdtempSync(join(tmpdir(), 'lookout-otlp-exposition-'));
  hostAgent = await startAgentProcess(
    writeConfig(
      dir,
      [
        `collector: { endpoint: "${collector.collector.httpUrl}" }`,
        `dataDir: ${join(dir, 'agent-data')}`,
        'resources: { interval: 1s }',
        `resource: { service.name: lookout-host-agent, service.instance.id: "${hostname()}", deployment.environment: test }`,
      ].join('\n'),
    ),
  );
  appMetricsPort = await freePort();
  app = await startAgentApp('http-app.mjs', 'esm', {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.httpUrl,
    OTEL_SERVICE_NAME: 'shop-api',
    OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=demo,service.instance.id=app-1',
    OTEL_METRIC_EXPORT_INTERVAL: '300',
    LOOKOUT_METRICS_PORT: String(appMetricsPort),
    LOOKOUT_METRICS_HOST: '127.0.0.1',
  });
  const target = new URL(collector.collector.httpUrl).host;
  prometheus = await startPrometheus([{ job: 'lookout', target, honorLabels: true }]);
}, 60_000);

afterAll(async () => {
  app?.kill();
  if (hostAgent && hostAgent.child.exitCode === null) {
    hostAgent.child.kill('SIGTERM');
    await hostAgent.exited;
  }
  await prometheus?.stop();
  await collector?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Polls an instant query until it has a result (Prometheus scrapes every second). */
async function queryOne(expr: string): Promise<{ metric: Record<string, string>; value: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const result = await prometheus!.query(expr);
    if (result.length > 0) return { metric: result[0]!.metric, value: Number(result[0]!.value[1]) };
    if (Date.now() > deadline) throw new Error(`Prometheus has no result for ${expr}; collector /metrics ends with:\n${(await scrape()).slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function scrape(): Promise<string> {
  return (await fetch(`${collector.collector.httpUrl}/metrics`)).text();
}

describe('received OTLP metrics on /metrics, scraped by Prometheus', () => {
  it('shows the host agent CPU, memory and filesystem figures with unit words, job/instance and target_info', async (context) => {
    if (!prometheus) return context.skip();
    const host = `job="lookout-host-agent",instance="${hostname()}"`;
    const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    expect((await queryOne(`system_memory_limit_bytes{${host}}`)).value).toBe(memTotal);
    const idle = await queryOne(`system_cpu_time_seconds_total{${host},cpu_mode="idle"}`);
    expect(idle.value).toBeGreaterThan(0);
    expect(idle.metric).toMatchObject({ otel_scope_name: expect.any(String) });
    const utilisation = await queryOne(`max(system_cpu_utilization_ratio{${host}})`);
    expect(utilisation.value).toBeGreaterThanOrEqual(0);
    expect(utilisation.value).toBeLessThanOrEqual(1);
    const st = statfsSync('/');
    const rootLimit = await queryOne(`system_filesystem_limit_bytes{${host},system_filesystem_mountpoint="/"}`);
    expect(rootLimit.value).toBe(st.blocks * st.bsize);
    const info = await queryOne(`target_info{${host}}`);
    expect(info.value).toBe(1);
    expect(info.metric).toMatchObject({ host_name: hostname(), deployment_environment: 'test', os_type: 'linux' });

    const text = await scrape();
    expect(text).toContain('# TYPE system_cpu_time_seconds_total counter\n');
    expect(text).toContain('# TYPE system_memory_limit_bytes gauge\n');
  }, 60_000);

  it("shows the application's prom-client metrics sent through the Node agent with the values the app exposes", async (context) => {
    if (!prometheus) return context.skip();
    const job = 'job="demo/shop-api",instance="app-1"';
    // a constant of the app's own registry: the same value on its endpoint and in Prometheus
    const own = await (await fetch(`http://127.0.0.1:${appMetricsPort}/metrics`)).text();
    const startTime = Number(/^process_start_time_seconds (\S+)$/m.exec(own)![1]);
    expect((await queryOne(`process_start_time_seconds{${job}}`)).value).toBe(startTime);
    const cpu = await queryOne(`process_cpu_user_seconds_total{${job}}`);
    expect(cpu.value).toBeGreaterThan(0);
    expect(cpu.metric).toMatchObject({ otel_scope_name: '@lookout/agent' });

    // a prom-client histogram comes back as _bucket{le} … +Inf, _sum, _count: big bodies make the app collect garbage
    const big = JSON.stringify({ pad: 'x'.repeat(2_000_000) });
    for (let i = 0; i < 5; i++) await (await fetch(`${app!.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })).arrayBuffer();
    const inf = await queryOne(`max(nodejs_gc_duration_seconds_bucket{${job},le="+Inf"})`);
    expect(inf.value).toBeGreaterThan(0);
    // +Inf bucket and _count of each series are the same number, evaluated at one instant
    const diff = await queryOne(`max(abs(nodejs_gc_duration_seconds_bucket{${job},le="+Inf"} - ignoring(le) nodejs_gc_duration_seconds_count{${job}}))`);
    expect(diff.value).toBe(0);
    const kind = (await queryOne(`nodejs_gc_duration_seconds_count{${job}}`)).metric.kind!;
    const buckets = await prometheus.query(`nodejs_gc_duration_seconds_bucket{${job},kind="${kind}"}`);
    const les = buckets.map((b) => b.metric.le!).sort((x, y) => (x === '+Inf' ? Infinity : Number(x)) - (y === '+Inf' ? Infinity : Number(y)));
    expect(les).toEqual(['0.001', '0.01', '0.1', '1', '2', '5', '+Inf']);

    // the agent's request histogram has the collector's own name: the collector's series win, the conflict is counted
    const conflict = /lookout_received_metrics_dropped_points_total\{reason="name_conflict"\} [1-9]/;
    let exposition = await scrape();
    const deadline = Date.now() + 10_000;
    while (!conflict.test(exposition) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      exposition = await scrape();
    }
    expect(exposition).toMatch(conflict);
    expect(exposition).toContain('# TYPE process_cpu_user_seconds_total counter\n');
    expect(exposition).toMatch(/^lookout_received_metrics_series [1-9]\d*$/m);
    expect(exposition.match(/^# TYPE lookout_request_duration_seconds /gm)).toHaveLength(1);
  }, 60_000);
});
