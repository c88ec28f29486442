import { parseSpecText } from '@lookout/alerts';
import { describe, expect, it } from 'vitest';
import { SliMatcher } from '../processors/sli-matcher.ts';
import type { RequestObservation } from '../model/request.ts';
import { adaptSlos } from './sli-adapter.ts';

const NATIVE = `service: search
slos:
  - name: search-availability
    objective: 99.5
    sli: availability
    filters: { route: "~/api/search.*", method: "!OPTIONS" }
  - name: search-latency
    objective: 99
    sli: { latency: 300ms }
    filters: { route: /api/search, method: GET }
`;
const SLOTH = `version: "prometheus/v1"
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

function request(route: string, method: string, statusCode: number, durationSeconds = 0.1): RequestObservation {
  return { service: 'search', route, method, statusCode, error: statusCode >= 500, durationSeconds, endTimeMs: 60_000 * 100 };
}

describe('adaptSlos', () => {
  it('turns equality filters into route/method and the rest into a PromQL-style filter', () => {
    const { definitions, adaptations, problems } = adaptSlos(parseSpecText(NATIVE, 'search.yaml'));
    expect(problems).toEqual([]);
    expect(adaptations.every((a) => a.evaluable)).toBe(true);
    const [availability, latency] = definitions;
    expect(availability).toMatchObject({ id: 'search-availability', service: 'search', kind: 'availability' });
    expect(availability!.route).toBeUndefined();
    expect(typeof availability!.filter).toBe('function');
    expect(latency).toEqual({ id: 'search-latency', service: 'search', route: '/api/search', method: 'GET', kind: 'latency', latencyThresholdSeconds: 0.3 });

    // through the collector's matcher: what counts, and as good or bad
    const counted: string[] = [];
    const matcher = new SliMatcher(definitions, [0.1, 0.3, 1]);
    const sink = (id: string, _minute: number, good: number, total: number) => void counted.push(`${id} ${good}/${total}`);
    matcher.matchObservation(request('/api/search/v2', 'GET', 200), 60_000 * 101, sink);
    matcher.matchObservation(request('/api/search', 'OPTIONS', 503), 60_000 * 101, sink);
    matcher.matchObservation(request('/health', 'GET', 200), 60_000 * 101, sink);
    matcher.matchObservation(request('/api/search', 'GET', 500, 0.5), 60_000 * 101, sink);
    expect(counted).toEqual(['search-availability 1/1', 'search-availability 0/1', 'search-latency 0/1']);
    // histogram points go through the same filter
    counted.length = 0;
    matcher.matchHistogram(
      { service: 'search', route: '/api/search', method: 'OPTIONS', statusCode: 200, error: false, endTimeMs: 6_000_000, bucketCounts: [1, 1, 0, 0], count: 2, sumSeconds: 0.2 },
      6_000_000,
      sink,
    );
    expect(counted).toEqual([]);
  });

  it('leaves PromQL SLIs out, with the reason', () => {
    const { definitions, adaptations } = adaptSlos(parseSpecText(SLOTH, 'inventory.yaml'));
    expect(definitions).toEqual([]);
    expect(adaptations[0]).toMatchObject({ evaluable: false });
    expect(adaptations[0]!.evaluable === false && adaptations[0]!.reason).toContain('PromQL');
  });

  it('refuses an SLO name used by another service or by a config SLI, saying where', () => {
    const a = parseSpecText('service: a\nname: availability\nobjective: 99\nsli: availability\n', 'a.yaml');
    const b = parseSpecText('service: b\nname: availability\nobjective: 99\nsli: availability\n', 'b.yaml');
    const { problems, definitions } = adaptSlos([...a, ...b], ['checkout-latency']);
    expect(definitions.map((d) => d.service)).toEqual(['a']);
    expect(problems).toEqual([
      "b.yaml:1: SLO name 'availability' of service 'b' is also used by service 'a' (a.yaml:1); the collector's per-SLO counters and exported rules are keyed by the name, so give it a unique name",
    ]);
    const clash = adaptSlos(parseSpecText('service: c\nname: checkout-latency\nobjective: 99\nsli: availability\n', 'c.yaml'), ['checkout-latency']);
    expect(clash.problems[0]).toContain('is also used by sli.definitions in the config');
  });
});
