/**
 * Request series end to end: a fastify service instrumented with the OpenTelemetry Node
 * SDK sends spans and http.server.request.duration to the collector; a real Prometheus
 * scrapes the collector; PromQL over the request series gives the rates, error ratios
 * and quantiles of the traffic that was sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';
import { inParallel, sampleOf, startSliService, waitFor, type SliService } from './fixtures/sli-service/harness.ts';

describe('request series from an OpenTelemetry-instrumented fastify service, scraped by Prometheus', () => {
  let test: TestCollector;
  let prometheus: RunningPrometheus | undefined;
  let dataDir: string;
  const services: SliService[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lookout-sli-prom-'));
    test = await startTestCollector(
      JSON.stringify({
        storage: { dataDir },
        requestSeries: { sources: { 'sli-metrics-service': 'metrics' } },
        sli: {
          flushInterval: '200ms',
          definitions: [
            { id: 'pay-availability', service: 'sli-service', route: '/pay', kind: 'availability' },
            { id: 'users-latency', service: 'sli-service', route: '/users/:id', method: 'GET', kind: 'latency', latencyThreshold: '300ms' },
          ],
        },
      }),
    );
    prometheus = await startPrometheus([{ job: 'lookout', target: test.collector.httpUrl.replace(/^https?:\/\//, '') }]);
  });
  afterAll(async () => {
    for (const service of services) await service.stop();
    await prometheus?.stop();
    await test?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const scrape = async () => (await fetch(`${test.collector.httpUrl}/metrics`)).text();
  const counted = async (source: string, outcome = 'counted') =>
    sampleOf(await scrape(), 'lookout_request_observations_total', { source, outcome }) ?? 0;
  /** the timestamp of the newest scrape, in seconds */
  const lastScrapeAt = async () => Number((await prometheus!.query('timestamp(up{job="lookout"})'))[0]!.value[1]);
  const value = async (expr: string, time?: number) => {
    const result = await prometheus!.query(expr, time);
    expect(result, expr).toHaveLength(1);
    return Number(result[0]!.value[1]);
  };

  it('gives the rates, error ratio and latency quantiles of the traffic sent, counting spans and metrics once', async (ctx) => {
    if (!prometheus) return ctx.skip();
    const service = await startSliService(test.collector.httpUrl);
    services.push(service);

    // Warm-up: one request per series, so every series exists before the measured window.
    expect(await service.get('/users/0')).toBe(200);
    expect(await service.post('/pay')).toBe(200);
    expect(await service.post('/pay?fail=1')).toBe(500);
    await waitFor('warm-up spans counted', () => counted('spans'), (n) => n >= 3);
    await service.flushMetrics(); // the SDK's own duration metric covers the same 3 requests
    await test.collector.queue.idle();
    expect(await counted('metrics', 'source_skipped')).toBe(3);
    await prometheus.waitForScrape('lookout');
    const start = await lastScrapeAt();
    expect(await value('sum(lookout_requests_total{service="sli-service"})', start)).toBe(3);

    // The measured traffic: 200 GET /users/:id, 1 in 10 slow (400 ms); 100 POST /pay, 1 in 10 failing.
    const statuses = await inParallel(
      [
        ...Array.from({ length: 200 }, (_, i) => () => service.get(`/users/${i + 1}${i % 10 === 0 ? '?sleepMs=400' : ''}`)),
        ...Array.from({ length: 100 }, (_, i) => () => service.post(i % 10 === 0 ? '/pay?fail=1' : '/pay')),
      ],
      10,
    );
    expect(statuses.filter((s) => s === 500)).toHaveLength(10);
    await waitFor('all spans counted', () => counted('spans'), (n) => n >= 303);
    await service.flushMetrics();
    await test.collector.queue.idle();
    expect(await counted('spans')).toBe(303);
    // The SDK exported the same requests as http.server.request.duration: seen, not counted again.
    expect(await counted('metrics', 'source_skipped')).toBe(303);
    expect(await counted('metrics')).toBe(0);
    await prometheus.waitForScrape('lookout');
    const end = await lastScrapeAt();

    // A window from one scrape to another holds exactly the measured traffic (no extrapolation).
    const window = `${Math.round((end - start) * 1000)}ms`;
    const seconds = Math.round((end - start) * 1000) / 1000;
    const at = (expr: string) => value(expr, end);
    expect(await at(`sum(increase(lookout_requests_total{service="sli-service"}[${window}]))`)).toBeCloseTo(300, 6);
    expect(await at(`sum(rate(lookout_requests_total{service="sli-service",route="/users/:id"}[${window}]))`)).toBeCloseTo(200 / seconds, 6);
    expect(await at(`sum(rate(lookout_requests_total{service="sli-service",route="/pay"}[${window}]))`)).toBeCloseTo(100 / seconds, 6);
    expect(
      await at(
        `sum(rate(lookout_request_errors_total{service="sli-service",route="/pay"}[${window}])) / sum(rate(lookout_requests_total{service="sli-service",route="/pay"}[${window}]))`,
      ),
    ).toBeCloseTo(0.1, 9);
    expect(await at(`sum(rate(lookout_requests_total{service="sli-service",route="/pay",status_class="5xx"}[${window}]))`)).toBeCloseTo(10 / seconds, 6);

    // Latency: 180 fast requests and 20 that slept 400 ms.
    const quantile = (q: number) =>
      at(`histogram_quantile(${q}, sum by (le) (rate(lookout_request_duration_seconds_bucket{service="sli-service",route="/users/:id"}[${window}])))`);
    expect(await quantile(0.5)).toBeLessThan(0.3);
    const p95 = await quantile(0.95);
    expect(p95).toBeGreaterThan(0.3);
    expect(p95).toBeLessThanOrEqual(1);
    const slow = await at(
      `sum(increase(lookout_request_duration_seconds_count{service="sli-service",route="/users/:id"}[${window}])) - sum(increase(lookout_request_duration_seconds_bucket{service="sli-service",route="/users/:id",le="0.3"}[${window}]))`,
    );
    expect(slow).toBeCloseTo(20, 6);
    // The latency SLI threshold is a bucket bound: le="0.3" exists for every series.
    expect(await at('count(lookout_request_duration_seconds_bucket{service="sli-service",le="0.3"})')).toBeGreaterThan(0);

    // Labels: route templates from the service, standard method and status class.
    const routes = await prometheus.query('sum by (route, method, status_class) (lookout_requests_total{service="sli-service"})', end);
    expect(routes.map((r) => `${r.metric.method} ${r.metric.route} ${r.metric.status_class} ${r.value[1]}`).sort()).toEqual([
      'GET /users/:id 2xx 201',
      'POST /pay 2xx 91',
      'POST /pay 5xx 11',
    ]);

    // The SLI store counted the same requests; its counters reach /metrics once flushed.
    const slo = async () => {
      const text = await scrape();
      return {
        payGood: sampleOf(text, 'lookout_slo_good_events_total', { slo: 'pay-availability' }),
        payTotal: sampleOf(text, 'lookout_slo_events_total', { slo: 'pay-availability' }),
        usersGood: sampleOf(text, 'lookout_slo_good_events_total', { slo: 'users-latency' }),
        usersTotal: sampleOf(text, 'lookout_slo_events_total', { slo: 'users-latency' }),
        usersUnder: sampleOf(text, 'lookout_request_duration_seconds_bucket', { route: '/users/:id', le: '0.3' }),
      };
    };
    const sli = await waitFor('SLI counters flushed', slo, (s) => s.payTotal === 102 && s.usersTotal === 201);
    expect(sli.payGood).toBe(91);
    expect(sli.usersGood).toBe(sli.usersUnder);
    expect(sli.usersGood).toBeLessThanOrEqual(181);
    expect(sli.usersGood).toBeGreaterThan(150);
    const minute = Math.floor(Date.now() / 60_000);
    expect(test.collector.sli!.store!.sum('pay-availability', minute - 5, minute + 1)).toEqual({ good: 91, total: 102 });

    // Sample trace ids of failed requests, for alert annotations.
    const traceIds = test.collector.sli!.pipeline.recentErrorTraceIds('sli-service', 5);
    expect(traceIds).toHaveLength(5);
    for (const id of traceIds) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('counts a service from its http.server.request.duration metrics when its source is metrics', async (ctx) => {
    if (!prometheus) return ctx.skip();
    const service = await startSliService(test.collector.httpUrl, 'sli-metrics-service');
    services.push(service);
    await inParallel(
      Array.from({ length: 40 }, (_, i) => () => (i % 4 === 0 ? service.post('/pay?fail=1') : service.get(`/users/${i}`))),
      8,
    );
    await service.flushMetrics();
    await test.collector.queue.idle();
    await waitFor('its spans seen', () => counted('spans', 'source_skipped'), (n) => n >= 40);
    const text = await scrape();
    expect(sampleOf(text, 'lookout_requests_total', { service: 'sli-metrics-service', route: '/users/:id', method: 'GET', status_class: '2xx' })).toBe(30);
    expect(sampleOf(text, 'lookout_request_errors_total', { service: 'sli-metrics-service', route: '/pay', status_class: '5xx' })).toBe(10);
    expect(sampleOf(text, 'lookout_request_observations_total', { source: 'spans', outcome: 'source_skipped' })).toBe(40);
    await prometheus.waitForScrape('lookout');
    expect(await value('sum(lookout_requests_total{service="sli-metrics-service"})')).toBe(40);
    expect(await value('sum(lookout_request_duration_seconds_count{service="sli-metrics-service"})')).toBe(40);
    expect(await value('sum(lookout_request_duration_seconds_bucket{service="sli-metrics-service",le="+Inf"})')).toBe(40);
  });
});
