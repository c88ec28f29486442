/**
 * Log → metrics end to end: Apache combined access-log lines with %D (microseconds) in
 * through the raw-lines receiver; a real Prometheus scrapes the collector and PromQL
 * over the request series gives back exactly the traffic the lines describe (counts,
 * errors, templated routes, the latency histogram), plus record counts by severity.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';

const N = 300;
const ERRORS = 30;

/** Line i of the shop's traffic: 3 routes with ids, every 10th a 503, every 7th a 404, durations known. */
function shopLine(i: number, at: Date): { line: string; status: number; seconds: number } {
  const kind = i % 3;
  const request = kind === 0 ? `GET /users/${1000 + i} HTTP/1.1` : kind === 1 ? `POST /orders/${crypto.randomUUID()} HTTP/1.1` : 'GET /health HTTP/1.1';
  const status = i % 10 === 0 ? 503 : i % 7 === 0 ? 404 : 200;
  const micros = i % 5 === 0 ? 800_000 + i : 20_000 + i; // every 5th slow (0.8 s)
  const stamp = at.toISOString().replace(/^(\d+)-(\d+)-(\d+)T([\d:]+)\.\d+Z$/, (_m, y, mo, d, t) => `${d}/${MONTHS[Number(mo) - 1]}/${y}:${t} +0000`);
  return {
    line: `203.0.113.${i % 250} - - [${stamp}] "${request}" ${status} ${100 + i} "https://shop.example/" "Mozilla/5.0" ${micros}`,
    status,
    seconds: micros / 1e6,
  };
}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

describe('access logs → request series, scraped by Prometheus', () => {
  let test: TestCollector;
  let prometheus: RunningPrometheus | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lookout-logs-prom-'));
    test = await startTestCollector(
      JSON.stringify({
        storage: { dataDir },
        sli: {
          flushInterval: '200ms',
          definitions: [
            { id: 'shop-availability', service: 'shop', kind: 'availability' },
            { id: 'legacy-availability', service: 'legacy', kind: 'availability' },
            { id: 'legacy-latency', service: 'legacy', kind: 'latency', latencyThreshold: '300ms' },
          ],
        },
      }),
    );
    prometheus = await startPrometheus([{ job: 'lookout', target: test.collector.httpUrl.replace(/^https?:\/\//, '') }]);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await test?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const value = async (expr: string) => {
    const result = await prometheus!.query(expr);
    expect(result, expr).toHaveLength(1);
    return Number(result[0]!.value[1]);
  };

  it('gives the counts, errors, templated routes and latency histogram of the lines sent', async (ctx) => {
    if (!prometheus) return ctx.skip();
    const now = new Date();
    const lines = Array.from({ length: N }, (_, i) => shopLine(i, now));
    expect(lines.filter((l) => l.status >= 500)).toHaveLength(ERRORS);
    const warn = lines.filter((l) => l.status >= 400 && l.status < 500).length;
    // In three requests, as a shipper would send them.
    for (let part = 0; part < 3; part++) {
      const body = lines.slice(part * 100, part * 100 + 100).map((l) => l.line).join('\n') + '\n';
      const response = await fetch(`${test.collector.httpUrl}/v1/logs/raw?service=shop&format=access`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body,
      });
      expect(await response.json()).toEqual({ accepted: 100, unparsed: 0 });
    }
    // A service whose access log has no duration field (auto-detected format, labels in a header).
    // (Stamped now, like the shop's lines: the SLI store keeps recent minutes only.)
    const legacy = Array.from({ length: 20 }, (_, i) => shopLine(0, now).line.replace(/"GET .*$/, `"GET /items/${i} HTTP/1.0" ${i < 2 ? 500 : 200} 10`));
    const legacyResponse = await fetch(`${test.collector.httpUrl}/v1/logs/raw`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-lookout-labels': 'service=legacy' },
      body: legacy.join('\n'),
    });
    expect(await legacyResponse.json()).toEqual({ accepted: 20, unparsed: 0 });
    await test.collector.queue.idle();
    await prometheus.waitForScrape('lookout');

    expect(await value('sum(lookout_requests_total{service="shop"})')).toBe(N);
    expect(await value('sum(lookout_request_errors_total{service="shop"})')).toBe(ERRORS);
    expect(await value('sum(lookout_request_duration_seconds_count{service="shop"})')).toBe(N);
    const sumSeconds = lines.reduce((s, l) => s + l.seconds, 0);
    expect(await value('sum(lookout_request_duration_seconds_sum{service="shop"})')).toBeCloseTo(sumSeconds, 6);
    const slow = lines.filter((l) => l.seconds > 0.5).length;
    expect(
      await value('sum(lookout_request_duration_seconds_count{service="shop"}) - sum(lookout_request_duration_seconds_bucket{service="shop",le="0.5"})'),
    ).toBe(slow);

    // Routes are templates: no raw id reaches a label value.
    const routes = await prometheus.query('sum by (route, method, status_class) (lookout_requests_total{service="shop"})');
    const seen = routes.map((r) => `${r.metric.method} ${r.metric.route} ${r.metric.status_class}`).sort();
    expect([...new Set(routes.map((r) => r.metric.route))].sort()).toEqual(['/health', '/orders/:uuid', '/users/:id']);
    expect(seen).toContain('GET /users/:id 5xx');
    for (const r of routes) expect(r.metric.route).not.toMatch(/\d{3,}|[0-9a-f]{8}-/);

    // Every line is a record, by severity: 5xx ERROR, 4xx WARN, else INFO.
    const bySeverity = await prometheus.query('sum by (severity) (lookout_log_records_total{service="shop",source="raw"})');
    expect(Object.fromEntries(bySeverity.map((r) => [r.metric.severity, Number(r.value[1])]))).toEqual({
      info: N - ERRORS - warn,
      warn,
      error: ERRORS,
    });

    // Without a duration: counted with errors, but not in the histogram.
    expect(await value('sum(lookout_requests_total{service="legacy"})')).toBe(20);
    expect(await value('sum(lookout_request_errors_total{service="legacy"})')).toBe(2);
    expect(await prometheus.query('lookout_request_duration_seconds_count{service="legacy"} > 0')).toEqual([]);
    expect(await value('sum(lookout_log_requests_total{outcome="counted_without_latency"})')).toBe(20);
    expect(await value('sum(lookout_log_requests_total{outcome="counted"})')).toBe(N);
  });

  it('feeds availability SLIs from access logs, and latency SLIs only from lines with a duration', async (ctx) => {
    if (!prometheus) return ctx.skip();
    const scrape = async () => (await fetch(`${test.collector.httpUrl}/metrics`)).text();
    const sample = (text: string, slo: string, name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`slo="${slo}"`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const deadline = Date.now() + 10_000;
    let text = await scrape();
    while (sample(text, 'shop-availability', 'lookout_slo_events_total') !== N && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      text = await scrape();
    }
    expect(sample(text, 'shop-availability', 'lookout_slo_events_total')).toBe(N);
    expect(sample(text, 'shop-availability', 'lookout_slo_good_events_total')).toBe(N - ERRORS);
    expect(sample(text, 'legacy-availability', 'lookout_slo_events_total')).toBe(20);
    expect(sample(text, 'legacy-availability', 'lookout_slo_good_events_total')).toBe(18);
    expect(sample(text, 'legacy-latency', 'lookout_slo_events_total') ?? 0).toBe(0);
  });
});
