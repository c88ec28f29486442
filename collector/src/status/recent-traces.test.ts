import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newAttributes, SpanKind, StatusCode, type Span, type TracesData } from '@lookout/otlp';
import { evictionOrder, groupRawSpans, groupSpans, rawVerdict, slowDecision, summarise } from './recent-trace-selection.ts';
import { RecentTraces } from './recent-traces.ts';

const templateRoute = (path: string) => path.replace(/\/\d+/g, '/:id');
const T0 = 1_700_000_000_000n * 1_000_000n;

function hex(n: number, len: number): string {
  return n.toString(16).padStart(len, '0');
}

function span(trace: number, id: number, parent: number | 0, options: { ms?: number; startMs?: number; status?: number; route?: string; kind?: number } = {}): Span {
  const attributes = newAttributes();
  if (options.route) {
    attributes['http.route'] = options.route;
    attributes['http.request.method'] = 'GET';
    attributes['http.response.status_code'] = options.status ?? 200;
  }
  const start = T0 + BigInt(options.startMs ?? 0) * 1_000_000n;
  return {
    traceId: hex(trace, 32),
    spanId: hex(id, 16),
    traceState: '',
    parentSpanId: parent ? hex(parent, 16) : '',
    flags: 0,
    name: options.route ? `GET ${options.route}` : `work-${id}`,
    kind: (options.kind ?? (options.route ? SpanKind.SERVER : SpanKind.INTERNAL)) as Span['kind'],
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(options.ms ?? 10) * 1_000_000n,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: (options.status ?? 200) >= 500 ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
  };
}

function batch(service: string, spans: Span[]): TracesData {
  const attributes = newAttributes();
  attributes['service.name'] = service;
  return { resourceSpans: [{ resource: { attributes, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: { name: 't', version: '', attributes: newAttributes(), droppedAttributesCount: 0 }, schemaUrl: '', spans }] }] };
}

describe('recent trace selection (pure)', () => {
  it('groups spans by trace and rejects an unreadable span alone', () => {
    const bad = span(1, 9, 0);
    bad.traceId = 'not-hex';
    const worse = span(2, 8, 0);
    worse.endTimeUnixNano = 1n;
    const { groups, rejected } = groupSpans(batch('api', [span(1, 1, 0, { route: '/a' }), bad, span(1, 2, 1), worse, span(3, 3, 0)]), templateRoute);
    expect(groups.map((g) => [g.traceId, g.spans.length])).toEqual([
      [hex(1, 32), 2],
      [hex(3, 32), 1],
    ]);
    expect(rejected.map((r) => r.reason)).toEqual([expect.stringContaining('not 32 hex digits'), expect.stringContaining('span times are unusable')]);
  });

  it('summarises a trace from its root: route, service, duration from first start to last end, error of any span', () => {
    const { groups } = groupSpans(batch('api', [span(1, 2, 1, { startMs: 5, ms: 50, status: 500 }), span(1, 1, 0, { route: '/users/:id', ms: 40 })]), templateRoute);
    const s = summarise(groups[0]!.traceId, groups[0]!.spans);
    expect(s).toMatchObject({ service: 'api', route: '/users/:id', rootName: 'GET /users/:id', durationMs: 55, error: true, spanCount: 2, hasRoot: true });
  });

  it('judges a trace from its unconverted spans: error anywhere, root route and duration when the root is there', () => {
    const { groups } = groupRawSpans(batch('api', [span(1, 1, 0, { route: '/a', ms: 40 }), span(1, 2, 1, { startMs: 5, ms: 50 }), span(2, 3, 9, { status: 500, route: '/b' })]));
    expect(rawVerdict(groups.get(hex(1, 32))!, templateRoute)).toEqual({ error: false, root: { service: 'api', route: '/a', durationMs: 55 } });
    expect(rawVerdict(groups.get(hex(2, 32))!, templateRoute)).toEqual({ error: true });
  });

  it('slow slots: free slot, else a stale one, else the fastest when slower, else none', () => {
    const policy = { perRoute: 2, refreshAfterMs: 1000 };
    expect(slowDecision([{ traceId: 'a', durationMs: 5, storedAtMs: 0 }], 1, 10, policy)).toEqual({ keep: true });
    const kept = [
      { traceId: 'a', durationMs: 50, storedAtMs: 100 },
      { traceId: 'b', durationMs: 20, storedAtMs: 200 },
    ];
    expect(slowDecision(kept, 10, 500, policy)).toEqual({ keep: false });
    expect(slowDecision(kept, 30, 500, policy)).toEqual({ keep: true, evict: 'b' });
    expect(slowDecision(kept, 1, 1150, policy)).toEqual({ keep: true, evict: 'a' });
    expect(slowDecision([], 1, 0, { perRoute: 0, refreshAfterMs: 1 })).toEqual({ keep: false });
  });

  it('evicts oldest stored first until within traces and bytes', () => {
    const stored = [
      { traceId: 'c', storedAtMs: 3, bytes: 10 },
      { traceId: 'a', storedAtMs: 1, bytes: 100 },
      { traceId: 'b', storedAtMs: 2, bytes: 10 },
    ];
    expect(evictionOrder(stored, { maxTraces: 10, maxBytes: 1000 })).toEqual([]);
    expect(evictionOrder(stored, { maxTraces: 2, maxBytes: 1000 })).toEqual(['a']);
    expect(evictionOrder(stored, { maxTraces: 10, maxBytes: 15 })).toEqual(['a', 'b']);
  });
});

describe('RecentTraces store (SQLite)', () => {
  function store(options: Partial<ConstructorParameters<typeof RecentTraces>[0]> = {}, clock = { now: 1000 }) {
    return new RecentTraces({ file: ':memory:', templateRoute, now: () => clock.now, ...options });
  }

  it('keeps an error trace whole, including spans that arrive before and after the error', () => {
    const traces = store();
    traces.consume(batch('api', [span(1, 2, 1, { startMs: 1 })])); // child first, not qualified yet
    traces.consume(batch('db', [span(1, 3, 2, { startMs: 2, status: 500, kind: SpanKind.CLIENT })]));
    traces.consume(batch('api', [span(1, 1, 0, { route: '/a', ms: 30 })]));
    const got = traces.get(hex(1, 32))!;
    expect(got.spans.map((s) => s.spanId)).toEqual([hex(1, 16), hex(2, 16), hex(3, 16)]);
    expect(got.summary).toMatchObject({ error: true, hasRoot: true, route: '/a', service: 'api', reasons: ['error'] });
  });

  it('keeps the slowest traces per route and lets a slower one replace the fastest', () => {
    const traces = store({ slow: { perRoute: 2 } });
    traces.consume(batch('api', [span(1, 1, 0, { route: '/a', ms: 10 }), span(2, 2, 0, { route: '/a', ms: 30 })]));
    traces.consume(batch('api', [span(3, 3, 0, { route: '/a', ms: 5 })]));
    expect(traces.list({ reason: 'slow' }).map((t) => t.traceId).sort()).toEqual([hex(1, 32), hex(2, 32)]);
    traces.consume(batch('api', [span(4, 4, 0, { route: '/a', ms: 50 }), span(5, 5, 0, { route: '/b', ms: 1 })]));
    expect(traces.list({ route: '/a' }).map((t) => t.traceId).sort()).toEqual([hex(2, 32), hex(4, 32)]);
    expect(traces.list({ route: '/b' }).length).toBe(1);
  });

  it('past its scan budget it still keeps every error trace, skips the slow search, and refills with time', () => {
    const clock = { now: 1000 };
    const traces = store({ slowScanSpansPerSecond: 10 }, clock);
    const healthy = (from: number, count: number, ms: number) => Array.from({ length: count }, (_, i) => span(from + i, from + i, 0, { route: '/a', ms }));
    // 50 healthy spans and one error: over the budget of 10 spans per second
    traces.consume(batch('api', [...healthy(100, 50, 40), span(999, 999, 0, { route: '/a', status: 500 })]));
    expect(traces.list({ reason: 'error' }).map((t) => t.traceId)).toEqual([hex(999, 32)]);
    // none of the healthy traces was looked at for the slow slots (only the error trace took one)
    expect(traces.list({ reason: 'slow' }).map((t) => t.traceId)).toEqual([hex(999, 32)]);
    // a second later the budget has refilled: a small batch is searched for slow traces again
    clock.now += 1000;
    traces.consume(batch('api', healthy(200, 3, 80)));
    expect(traces.list({ reason: 'slow' }).map((t) => t.traceId)).toContain(hex(200, 32));
  });

  it('past its scan budget a repeated span costs nothing, and a late child of a kept trace is still added', () => {
    const clock = { now: 1000 };
    const traces = store({ slowScanSpansPerSecond: 10 }, clock);
    const healthy = (from: number, count: number) => Array.from({ length: count }, (_, i) => span(from + i, from + i, 0, { route: '/a' }));
    const failed = span(999, 999, 0, { route: '/a', status: 500 });
    traces.consume(batch('api', [...healthy(100, 50), failed]));
    const bytes = traces.storedBytes;
    // the same body again (a sender's retry): nothing new is written
    traces.consume(batch('api', [...healthy(100, 50), failed]));
    expect(traces.storedBytes).toBe(bytes);
    // a child of the kept error trace arrives later among healthy spans: it joins its trace
    traces.consume(batch('api', [...healthy(300, 50), span(999, 1000, 999)]));
    expect(traces.storedBytes).toBeGreaterThan(bytes);
    expect(traces.list().map((t) => t.traceId)).toEqual([hex(999, 32)]);
  });

  it('stays within maxTraces and maxBytes, oldest out first', () => {
    const clock = { now: 0 };
    const traces = store({ maxTraces: 3 }, clock);
    for (let i = 1; i <= 5; i++) {
      clock.now = i;
      traces.consume(batch('api', [span(i, i, 0, { route: `/r${i}`, status: 500, startMs: i })]));
    }
    expect(traces.traceCount).toBe(3);
    expect(traces.list().map((t) => t.traceId)).toEqual([hex(5, 32), hex(4, 32), hex(3, 32)]);
    const small = store({ maxBytes: 1500 }, clock);
    for (let i = 1; i <= 5; i++) small.consume(batch('api', [span(i, i, 0, { route: `/r${i}`, status: 500 })]));
    expect(small.storedBytes).toBeLessThanOrEqual(1500);
    expect(small.traceCount).toBeGreaterThan(0);
    expect(small.traceCount).toBeLessThan(5);
  });

  it('one bad span costs no other span of its batch, and is reported', () => {
    const rejected: string[] = [];
    const traces = store({ onRejected: (r) => rejected.push(...r.map((x) => x.reason)) });
    const bad = span(7, 7, 0, { route: '/a', status: 500 });
    bad.spanId = 'xyz';
    traces.consume(batch('api', [bad, span(8, 8, 0, { route: '/a', status: 500 })]));
    expect(traces.get(hex(8, 32))).toBeDefined();
    expect(rejected).toEqual([expect.stringContaining("span id 'xyz'")]);
  });

  it('caps spans per trace', () => {
    const traces = store({ maxSpansPerTrace: 2 });
    traces.consume(batch('api', [span(1, 1, 0, { route: '/a', status: 500 }), span(1, 2, 1), span(1, 3, 1)]));
    traces.consume(batch('api', [span(1, 4, 1)]));
    expect(traces.get(hex(1, 32))!.spans.length).toBe(2);
  });

  it('keeps its traces across a restart on the same file, with its bounds counted from them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-recent-traces-'));
    try {
      const file = join(dir, 'recent-traces.sqlite');
      const first = store({ file });
      first.consume(batch('api', [span(1, 1, 0, { route: '/a', status: 500 }), span(2, 2, 0, { route: '/b', status: 503 })]));
      const bytes = first.storedBytes;
      first.close();
      const second = store({ file, maxTraces: 2 });
      expect(second.traceCount).toBe(2);
      expect(second.storedBytes).toBe(bytes);
      expect(second.get(hex(1, 32))!.spans).toHaveLength(1);
      second.consume(batch('api', [span(3, 3, 0, { route: '/c', status: 500 })]));
      expect(second.traceCount).toBe(2); // the oldest went
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
