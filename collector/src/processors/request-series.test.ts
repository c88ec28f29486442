import { describe, expect, it } from 'vitest';
import type { RequestObservation } from '../model/request.ts';
import { RequestSeries } from './request-series.ts';

const bounds = [0.1, 0.3, 1];

function request(fields: Partial<RequestObservation> = {}): RequestObservation {
  return { service: 'api', route: '/a', method: 'GET', statusCode: 200, error: false, durationSeconds: 0.05, endTimeMs: 0, ...fields };
}

function seriesOf(series: RequestSeries) {
  const out: Array<{ service: string; route: string; method: string; statusClass: string; count: number; errors: number; buckets: number[]; sum: number }> = [];
  series.forEachSeries((service, route, cell) =>
    out.push({ service, route, method: cell.method, statusClass: cell.statusClass, count: cell.count, errors: cell.errors, buckets: [...cell.buckets], sum: cell.sumSeconds }),
  );
  return out;
}

const options = { bounds, maxRoutesPerService: 3, routeIdleMs: 60_000, maxServices: 2 };

describe('RequestSeries', () => {
  it('counts requests, errors, buckets (le inclusive) and sum per series', () => {
    const series = new RequestSeries(options);
    series.observe(request({ durationSeconds: 0.1 }), 0);
    series.observe(request({ durationSeconds: 0.2, count: 2 }), 0);
    series.observe(request({ durationSeconds: 5, statusCode: 503, error: true }), 0);
    expect(seriesOf(series)).toEqual([
      { service: 'api', route: '/a', method: 'GET', statusClass: '2xx', count: 3, errors: 0, buckets: [1, 2, 0, 0], sum: 0.5 },
      { service: 'api', route: '/a', method: 'GET', statusClass: '5xx', count: 1, errors: 1, buckets: [0, 0, 0, 1], sum: 5 },
    ]);
  });

  it('adds whole histograms', () => {
    const series = new RequestSeries(options);
    series.observeHistogram(
      { service: 'api', route: '/h', method: 'POST', statusCode: 500, error: true, endTimeMs: 0, bucketCounts: [1, 2, 3, 4], count: 10, sumSeconds: 12 },
      0,
    );
    expect(seriesOf(series)).toEqual([
      { service: 'api', route: '/h', method: 'POST', statusClass: '5xx', count: 10, errors: 10, buckets: [1, 2, 3, 4], sum: 12 },
    ]);
  });

  it('keeps at most maxRoutesPerService routes and folds 100,000 distinct paths into route="other"', () => {
    const series = new RequestSeries({ ...options, maxRoutesPerService: 200 });
    for (let i = 0; i < 100_000; i++) series.observe(request({ route: `/static/${i.toString(36)}` }), 1000);
    const routes = new Set(seriesOf(series).map((s) => s.route));
    expect(routes.size).toBe(201);
    expect(routes.has('other')).toBe(true);
    expect(series.foldedCounts().get('api')).toBe(100_000 - 200);
    const other = seriesOf(series).find((s) => s.route === 'other')!;
    expect(other.count).toBe(100_000 - 200);
  });

  it('gives an idle route slot back after routeIdleMs, with its series', () => {
    const series = new RequestSeries(options);
    for (const route of ['/1', '/2', '/3']) series.observe(request({ route }), 0);
    series.observe(request({ route: '/4' }), 30_000);
    expect(seriesOf(series).map((s) => s.route)).toEqual(['/1', '/2', '/3', 'other']);
    series.observe(request({ route: '/2' }), 50_000);
    series.observe(request({ route: '/5' }), 61_000);
    expect(seriesOf(series).map((s) => s.route).sort()).toEqual(['/2', '/5', 'other']);
  });

  it('folds services beyond maxServices into service="other"', () => {
    const series = new RequestSeries(options);
    for (const service of ['a', 'b', 'c', 'd']) series.observe(request({ service }), 0);
    expect(seriesOf(series).map((s) => s.service)).toEqual(['a', 'b', 'other']);
    expect(series.foldedCounts().get('other')).toBe(2);
  });

  it("keeps tenants' series apart and bounds services per tenant: a noisy tenant folds into its own other (issue 12)", () => {
    const series = new RequestSeries(options);
    for (const service of ['a', 'b', 'c', 'd']) series.observe(request({ service, tenant: 'noisy' }), 0);
    series.observe(request({ service: 'a', tenant: 'quiet' }), 0);
    series.observe(request({ service: 'b', tenant: 'quiet', error: true, statusCode: 500, traceId: 'q1' }), 0);
    series.observe(request({ service: 'a' }), 0);
    const seen: string[] = [];
    series.forEachSeries((service, _route, cell, tenant) => seen.push(`${tenant ?? '-'}:${service}:${cell.count}`));
    expect(seen.sort()).toEqual(['-:a:1', 'noisy:a:1', 'noisy:b:1', 'noisy:other:2', 'quiet:a:1', 'quiet:b:1']);
    expect(series.recentErrorTraceIds('b', 5, 'quiet')).toEqual(['q1']);
    expect(series.recentErrorTraceIds('b', 5, 'noisy')).toEqual([]);
    expect(series.recentErrorTraceIds('b', 5)).toEqual([]);
  });

  it('remembers recent error trace ids per service, newest first and distinct', () => {
    const series = new RequestSeries({ ...options, recentErrorsPerService: 3 });
    for (const traceId of ['t1', 't2', 't2', 't3', 't4']) series.observe(request({ error: true, statusCode: 500, traceId }), 0);
    series.observe(request({ traceId: 'ok' }), 0);
    expect(series.recentErrorTraceIds('api', 10)).toEqual(['t4', 't3', 't2']);
    expect(series.recentErrorTraceIds('api', 1)).toEqual(['t4']);
    expect(series.recentErrorTraceIds('nobody', 5)).toEqual([]);
  });
});
