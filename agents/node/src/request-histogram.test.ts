import { Registry, type Metric } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OVERFLOW_ROUTE, RequestHistogram } from './request-histogram.ts';

describe('RequestHistogram', () => {
  it('exposes the collector request series through a prom-client registry', async () => {
    const histogram = new RequestHistogram('checkout', 100);
    const registry = new Registry();
    registry.registerMetric(histogram as unknown as Metric);
    histogram.observe('/users/:id', 'GET', 200, 0.003);
    histogram.observe('/users/:id', 'GET', 204, 0.02);
    histogram.observe('/users/:id', 'GET', 503, 20);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE lookout_request_duration_seconds histogram');
    const ok = 'service="checkout",route="/users/:id",method="GET",status_class="2xx"';
    expect(text).toContain(`lookout_request_duration_seconds_bucket{${ok},le="0.005"} 1\n`);
    expect(text).toContain(`lookout_request_duration_seconds_bucket{${ok},le="0.01"} 1\n`);
    expect(text).toContain(`lookout_request_duration_seconds_bucket{${ok},le="0.025"} 2\n`);
    expect(text).toContain(`lookout_request_duration_seconds_bucket{${ok},le="+Inf"} 2\n`);
    expect(text).toContain(`lookout_request_duration_seconds_sum{${ok}} 0.023\n`);
    expect(text).toContain(`lookout_request_duration_seconds_count{${ok}} 2\n`);
    const failed = 'service="checkout",route="/users/:id",method="GET",status_class="5xx"';
    expect(text).toContain(`lookout_request_duration_seconds_bucket{${failed},le="10"} 0\n`);
    expect(text).toContain(`lookout_request_duration_seconds_bucket{${failed},le="+Inf"} 1\n`);
  });

  it('counts a duration equal to a bound in that bucket (le is inclusive)', async () => {
    const histogram = new RequestHistogram('s', 10, [0.1, 1]);
    histogram.observe('/', 'GET', 200, 0.1);
    const { values } = await histogram.get();
    expect(values.find((v) => v.labels.le === 0.1)?.value).toBe(1);
  });

  it('bounds distinct series: past the bound new routes share the overflow series', async () => {
    const histogram = new RequestHistogram('s', 3);
    for (let i = 0; i < 50; i++) histogram.observe(`/raw/${i}`, 'GET', 200, 0.001);
    expect(histogram.size).toBe(4); // 3 routes + 1 overflow series
    const { values } = await histogram.get();
    const overflow = values.find((v) => v.metricName.endsWith('_count') && v.labels.route === OVERFLOW_ROUTE);
    expect(overflow?.value).toBe(47);
  });

  it('ignores negative and NaN durations', async () => {
    const histogram = new RequestHistogram('s', 10);
    histogram.observe('/', 'GET', 200, -1);
    histogram.observe('/', 'GET', 200, Number.NaN);
    expect(histogram.size).toBe(0);
  });

  it('keeps counting into the right series on repeated requests (cached path), overflowed routes and odd methods included', async () => {
    const histogram = new RequestHistogram('s', 2, [1]);
    for (let i = 0; i < 3; i++) {
      histogram.observe('/a', 'GET', 200, 0.5);
      histogram.observe('/a', 'GET', 500, 0.5);
      histogram.observe('/b', 'GET', 200, 2); // over the bound of 2 series: overflow
      histogram.observe('/a', 'BREW', 999, 0.5); // not a normalized method, odd status
    }
    const { values } = await histogram.get();
    const count = (route: string, method: string, cls: string) =>
      values.find((v) => v.metricName.endsWith('_count') && v.labels.route === route && v.labels.method === method && v.labels.status_class === cls)?.value;
    expect(count('/a', 'GET', '2xx')).toBe(3);
    expect(count('/a', 'GET', '5xx')).toBe(3);
    expect(count(OVERFLOW_ROUTE, 'GET', '2xx')).toBe(3);
    expect(count(OVERFLOW_ROUTE, 'BREW', 'error')).toBe(3);
    expect(count('/b', 'GET', '2xx')).toBeUndefined();
  });
});
