import { describe, expect, it } from 'vitest';
import type { RequestObservation } from '../model/request.ts';
import { eventMinute, SliMatcher, sliDefinitionProblems, type RequestSli } from './sli-matcher.ts';

const bounds = [0.1, 0.3, 1];
const definitions: RequestSli[] = [
  { id: 'api-availability', service: 'api', kind: 'availability' },
  { id: 'api-pay-latency', service: 'api', route: '/pay', method: 'POST', kind: 'latency', latencyThresholdSeconds: 0.3 },
  { id: 'web-availability', service: 'web', kind: 'availability' },
];

function request(fields: Partial<RequestObservation> = {}): RequestObservation {
  return { service: 'api', route: '/pay', method: 'POST', statusCode: 200, error: false, durationSeconds: 0.2, endTimeMs: 600_000, ...fields };
}

function collect(run: (sink: (id: string, minute: number, good: number, total: number) => void) => void) {
  const out: Array<[string, number, number, number]> = [];
  run((id, minute, good, total) => out.push([id, minute, good, total]));
  return out;
}

describe('SliMatcher', () => {
  const matcher = new SliMatcher(definitions, bounds);

  it('gives every matching SLI of the service its (good, total) in the minute the request ended', () => {
    expect(collect((sink) => matcher.matchObservation(request(), 700_000, sink))).toEqual([
      ['api-availability', 10, 1, 1],
      ['api-pay-latency', 10, 1, 1],
    ]);
    expect(collect((sink) => matcher.matchObservation(request({ error: true, statusCode: 500, durationSeconds: 0.31, count: 3 }), 700_000, sink))).toEqual([
      ['api-availability', 10, 0, 3],
      ['api-pay-latency', 10, 0, 3],
    ]);
  });

  it("counts a tenant's SLI only from that tenant's requests; an SLI without a tenant from every tenant's (issue 12)", () => {
    const scoped = new SliMatcher(
      [
        { id: 'alpha/api', service: 'api', kind: 'availability', tenant: 'alpha' },
        { id: 'beta/api', service: 'api', kind: 'availability', tenant: 'beta' },
        { id: 'all-api', service: 'api', kind: 'availability' },
      ],
      bounds,
    );
    const ids = (fields: Partial<RequestObservation>) => collect((sink) => scoped.matchObservation(request(fields), 700_000, sink)).map((r) => r[0]);
    expect(ids({ tenant: 'alpha' })).toEqual(['alpha/api', 'all-api']);
    expect(ids({ tenant: 'beta', error: true })).toEqual(['beta/api', 'all-api']);
    expect(ids({})).toEqual(['all-api']);
    const histogram = { service: 'api', route: '/pay', method: 'POST', error: false, endTimeMs: 600_000, bucketCounts: [1, 0, 0, 0], count: 1, sumSeconds: 0.05, tenant: 'beta' };
    expect(collect((sink) => scoped.matchHistogram(histogram, 700_000, sink)).map((r) => r[0])).toEqual(['beta/api', 'all-api']);
  });

  it('takes SLIs while running (slos.auto) and replaces one by id; a bad one is refused', () => {
    const live = new SliMatcher([], bounds);
    expect(live.empty).toBe(true);
    live.add({ id: 'shop-latency', service: 'shop', kind: 'latency', latencyThresholdSeconds: 1 });
    live.add({ id: 'shop-availability', service: 'shop', kind: 'availability' });
    expect(collect((sink) => live.matchObservation(request({ service: 'shop', durationSeconds: 0.5 }), 700_000, sink))).toEqual([
      ['shop-latency', 10, 1, 1],
      ['shop-availability', 10, 1, 1],
    ]);
    live.add({ id: 'shop-latency', service: 'shop', kind: 'latency', latencyThresholdSeconds: 0.3 }); // learned: replaces
    expect(live.definitions.map((d) => d.id)).toEqual(['shop-availability', 'shop-latency']);
    expect(collect((sink) => live.matchObservation(request({ service: 'shop', durationSeconds: 0.5 }), 700_000, sink))).toEqual([
      ['shop-availability', 10, 1, 1],
      ['shop-latency', 10, 0, 1],
    ]);
    expect(() => live.add({ id: '', service: 'shop', kind: 'availability' })).toThrow('id is empty');
  });

  it('matches route and method exactly', () => {
    expect(collect((sink) => matcher.matchObservation(request({ route: '/users/:id' }), 700_000, sink)).map((r) => r[0])).toEqual(['api-availability']);
    expect(collect((sink) => matcher.matchObservation(request({ method: 'GET' }), 700_000, sink)).map((r) => r[0])).toEqual(['api-availability']);
    expect(collect((sink) => matcher.matchObservation(request({ service: 'other' }), 700_000, sink))).toEqual([]);
  });

  it('counts histogram buckets at or under the threshold as good', () => {
    const rows = collect((sink) =>
      matcher.matchHistogram(
        { service: 'api', route: '/pay', method: 'POST', statusCode: 200, error: false, endTimeMs: 600_000, bucketCounts: [5, 3, 2, 1], count: 11, sumSeconds: 3 },
        700_000,
        sink,
      ),
    );
    expect(rows).toEqual([
      ['api-availability', 10, 11, 11],
      ['api-pay-latency', 10, 8, 11],
    ]);
  });

  it('puts events stamped in the future, or not at all, in the current minute', () => {
    expect(eventMinute(600_000, 700_000)).toBe(10);
    expect(eventMinute(10_000_000, 700_000)).toBe(11);
    expect(eventMinute(0, 700_000)).toBe(11);
  });

  it('refuses bad definitions, saying which and how to fix them', () => {
    expect(() => new SliMatcher([{ id: 'x', service: 'api', kind: 'latency' }], bounds)).toThrow(
      'SLI #1 (x): a latency SLI needs latencyThresholdSeconds > 0, e.g. 0.3 for 300 ms',
    );
    expect(sliDefinitionProblems([...definitions, { id: 'web-availability', service: '', kind: 'availability' }])).toEqual([
      "SLI #4 (web-availability): id 'web-availability' is used twice; ids must be unique",
      'SLI #4 (web-availability): service is empty; write the service.name of the service it measures',
    ]);
  });
});
