import { describe, expect, it } from 'vitest';
import { checkSpecFile, matchesSli } from '@lookout/alerts';
import { newAttributes, type Attributes } from '@lookout/otlp';
import { parseConfig } from '../config/load.ts';
import { AutoSloManager, type AutoSloRegistration } from './auto-slo-manager.ts';
import { autoSettings, autoSloName, autoSlos, autoSpecYaml, learnThreshold, roundUpToBound } from './auto-slos.ts';
import type { AutoSlosConfig } from './config.ts';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function autoConfig(yaml = ''): AutoSlosConfig {
  return parseConfig(`slos:\n  auto:\n    enabled: true\n${yaml}`, 'lookout.yaml', {}).slos.auto;
}

function attrs(entries: Record<string, unknown>): Attributes {
  const a = newAttributes();
  for (const [k, v] of Object.entries(entries)) a[k] = v as Attributes[string];
  return a;
}

describe('auto SLO settings', () => {
  it('defaults: 99.5 % availability, 99 % latency learned, long-poll/streaming/websocket routes excluded', () => {
    const s = autoSettings('api', newAttributes(), autoConfig(), BOUNDS);
    expect(s.objective).toEqual({ value: 99.5, from: 'default' });
    expect(s.latencyObjective).toEqual({ value: 99, from: 'default' });
    expect(s.latencyThresholdSeconds).toBeUndefined();
    expect(s.disabled.value).toBe(false);
    const slos = autoSlos(autoSpecYaml({ settings: s, latency: { value: 0.25, from: 'learned' }, config: autoConfig() }), 'api');
    const availability = slos.find((x) => x.sli.kind === 'availability')!;
    const excluded = ['/api/poll', '/updates/long-poll', '/events', '/api/events', '/ws', '/socket.io/', '/stream/:id', '/v1/subscribe', '/watch/pods', '/live'];
    const kept = ['/users/:id', '/api/checkout', '/', '/orders', '/health', '/streamline-not'];
    for (const route of excluded) expect(matchesSli(availability, { service: 'api', route, method: 'GET', status_class: '2xx' }), route).toBe(false);
    // '/streamline-not' contains "stream": the default patterns are broad on purpose (document; override per service)
    for (const route of kept.filter((r) => r !== '/streamline-not'))
      expect(matchesSli(availability, { service: 'api', route, method: 'GET', status_class: '2xx' }), route).toBe(true);
  });

  it('resource attributes lookout.slo.* override the defaults; the config wins over them', () => {
    const a = attrs({
      'lookout.slo.objective': '99.9',
      'lookout.slo.latency_objective': 95,
      'lookout.slo.latency_threshold': '300ms',
      'lookout.slo.exclude_routes': '/api/feed, .*/tail',
    });
    const s = autoSettings('api', a, autoConfig(), BOUNDS);
    expect(s.objective).toEqual({ value: 99.9, from: 'resource attribute' });
    expect(s.latencyObjective).toEqual({ value: 95, from: 'resource attribute' });
    expect(s.latencyThresholdSeconds).toEqual({ value: 0.5, from: 'resource attribute' }); // rounded up to a bound
    expect(s.excludeRoutes).toEqual({ value: ['/api/feed', '.*/tail'], from: 'resource attribute' });
    const configured = autoSettings('api', a, autoConfig('    services:\n      api: { objective: 99.95, latencyThreshold: 100ms, excludeRoutes: [] }\n'), BOUNDS);
    expect(configured.objective).toEqual({ value: 99.95, from: 'config' });
    expect(configured.latencyThresholdSeconds).toEqual({ value: 0.1, from: 'config' });
    expect(configured.excludeRoutes).toEqual({ value: [], from: 'config' });
  });

  it('lookout.slo.disabled turns a service off; the config can turn it back on', () => {
    expect(autoSettings('api', attrs({ 'lookout.slo.disabled': true }), autoConfig(), BOUNDS).disabled).toEqual({ value: true, from: 'resource attribute' });
    expect(autoSettings('api', attrs({ 'lookout.slo.disabled': 'true' }), autoConfig('    services:\n      api: { disabled: false }\n'), BOUNDS).disabled).toEqual({
      value: false,
      from: 'config',
    });
  });

  it('a bad attribute value is ignored with a message saying which and how to fix it', () => {
    const s = autoSettings(
      'api',
      attrs({ 'lookout.slo.objective': '150', 'lookout.slo.latency_threshold': 'fast', 'lookout.slo.disabled': 'yes', 'lookout.slo.exclude_routes': '([' }),
      autoConfig(),
      BOUNDS,
    );
    expect(s.objective.from).toBe('default');
    expect(s.latencyThresholdSeconds).toBeUndefined();
    expect(s.problems).toEqual([
      'service "api": resource attribute lookout.slo.disabled="yes" is ignored: write true or false',
      'service "api": resource attribute lookout.slo.objective="150" is ignored: write a percent between 0 and 100, e.g. 99.9',
      'service "api": resource attribute lookout.slo.latency_threshold="fast" is ignored: write a duration such as 300ms or 0.3s',
      'service "api": resource attribute lookout.slo.exclude_routes="([" is ignored: write comma-separated regular expressions of route templates, e.g. .*/stream.*,/api/poll',
    ]);
  });

  it('bad slos.auto config is refused with what and how', () => {
    const problems = (yaml: string) => {
      try {
        autoConfig(yaml);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems('    objective: 100\n')).toContain('objective is a percent below 100, e.g. 99.5 (100 leaves no error budget)');
    expect(problems('    excludeRoutes: ["(["]\n')).toContain('route pattern "([" is not a regular expression');
    expect(problems('    policy: [{ severity: urgent, long: 1h, short: 5m, factor: 14.4 }]\n')).toContain("severity is 'page' or 'ticket'");
    expect(problems('    services:\n      api: { objectiv: 99 }\n')).toContain("unknown key 'objectiv'");
  });
});

describe('per route overrides (slos.auto.services.<name>.routes)', () => {
  const config = () =>
    autoConfig(
      "    services:\n      shop:\n        routes:\n          /api/checkout: { objective: 99.9, latencyThreshold: 800ms }\n          /api/export.csv: { exclude: true }\n          /api/search: { objective: 99 }\n",
    );

  it('a route excluded or with SLOs of its own leaves the service-wide SLOs; its own SLOs filter on it exactly', () => {
    const settings = autoSettings('shop', newAttributes(), config(), BOUNDS);
    const text = autoSpecYaml({ settings, latency: { value: 0.25, from: 'learned' }, config: config() });
    expect(checkSpecFile(text, 'auto.yaml').filter((i) => i.severity === 'error')).toEqual([]);
    const slos = autoSlos(text, 'shop');
    expect(slos.map((s) => [s.name, s.objective, s.sli.kind === 'latency' ? s.sli.thresholdSeconds : null])).toEqual([
      ['shop-availability', 0.995, null],
      ['shop-latency', 0.99, 0.25],
      ['shop-api-checkout-availability', 0.999, null],
      ['shop-api-checkout-latency', 0.99, 1], // 800ms rounded up to the 1s bound
      ['shop-api-search-availability', 0.99, null],
      ['shop-api-search-latency', 0.99, 0.25], // the service's threshold
    ]);
    const service = slos[0]!;
    const labels = (route: string) => ({ service: 'shop', route, method: 'GET', status_class: '2xx' });
    for (const route of ['/api/checkout', '/api/export.csv', '/api/search', '/api/poll']) expect(matchesSli(service, labels(route)), route).toBe(false);
    expect(matchesSli(service, labels('/api/exportXcsv'))).toBe(true); // the dot is escaped
    expect(matchesSli(slos[2]!, labels('/api/checkout'))).toBe(true);
    expect(matchesSli(slos[2]!, labels('/api/search'))).toBe(false);
  });

  it('while the service learns, a route with its own threshold has its latency SLO; the others wait', () => {
    const registered: AutoSloRegistration[] = [];
    const counts = new Array(BOUNDS.length + 1).fill(0);
    counts[1] = 1000;
    const m = new AutoSloManager({
      config: config(),
      bounds: BOUNDS,
      specServices: new Set(),
      takenNames: new Set(),
      hasRequests: () => true,
      latencyCounts: () => counts,
      register: (r) => registered.push(r),
    });
    m.see('shop', newAttributes(), 0);
    expect(registered.map((r) => [r.slo.name, r.origin.route ?? '', r.origin.threshold ?? '', Boolean(r.learning)])).toEqual([
      ['shop-availability', '', '', false],
      ['shop-api-checkout-availability', '/api/checkout', '', false],
      ['shop-api-checkout-latency', '/api/checkout', 'config', false],
      ['shop-api-search-availability', '/api/search', '', false],
      ['shop-latency', '', 'learning', true],
    ]);
    registered.length = 0;
    m.tick(86_400_000);
    expect(registered.map((r) => [r.slo.name, r.origin.threshold, Boolean(r.learning)])).toEqual([
      ['shop-latency', 'learned', false],
      ['shop-api-search-latency', 'learned', false],
    ]);
  });
});

describe('learned latency threshold', () => {
  it('is the smallest bound under which the objective share of requests fell (integer comparison)', () => {
    const counts = new Array(BOUNDS.length + 1).fill(0);
    counts[2] = 9_800; // <= 25ms
    counts[5] = 100; // <= 100ms: 99 % exactly at 100ms
    counts[7] = 100; // <= 500ms
    expect(learnThreshold(counts, BOUNDS, 99, 100)).toEqual({ learned: true, seconds: 0.1, requests: 10_000 });
    expect(learnThreshold(counts, BOUNDS, 98, 100)).toEqual({ learned: true, seconds: 0.025, requests: 10_000 });
    expect(learnThreshold(counts, BOUNDS, 99.5, 100)).toEqual({ learned: true, seconds: 0.5, requests: 10_000 });
  });

  it('keeps learning below the minimum of requests; only +Inf reaching the share gives the largest bound', () => {
    const few = new Array(BOUNDS.length + 1).fill(0);
    few[0] = 99;
    expect(learnThreshold(few, BOUNDS, 99, 100)).toEqual({ learned: false, requests: 99 });
    const slow = new Array(BOUNDS.length + 1).fill(0);
    slow[BOUNDS.length] = 500;
    expect(learnThreshold(slow, BOUNDS, 99, 100)).toEqual({ learned: true, seconds: 10, requests: 500 });
  });

  it('roundUpToBound', () => {
    expect(roundUpToBound(0.3, BOUNDS)).toBe(0.5);
    expect(roundUpToBound(0.25, BOUNDS)).toBe(0.25);
    expect(roundUpToBound(60, BOUNDS)).toBe(10);
  });
});

describe('auto spec text', () => {
  it('is a native spec lookout slo check accepts, with a name valid for any service name', () => {
    const config = autoConfig('    policy: [{ severity: page, long: 5m, short: 1m, factor: 10 }]\n');
    const settings = autoSettings('billing api/v2', newAttributes(), config, BOUNDS);
    const text = autoSpecYaml({ settings, latency: { value: 0.075, from: 'learned' }, config });
    expect(checkSpecFile(text, 'auto.yaml').filter((i) => i.severity === 'error')).toEqual([]);
    const slos = autoSlos(text, 'billing api/v2');
    expect(slos.map((s) => [s.name, s.service, s.objective])).toEqual([
      ['billing-api-v2-availability', 'billing api/v2', 0.995],
      ['billing-api-v2-latency', 'billing api/v2', 0.99],
    ]);
    expect(slos[1]!.sli).toMatchObject({ kind: 'latency', thresholdSeconds: 0.075 });
    expect(slos[0]!.policy.pairs.map((p) => [p.longWindowMinutes, p.shortWindowMinutes, p.factor])).toEqual([[5, 1, 10]]);
    expect(text).toContain('sli: { latency: 75ms }   # threshold: learned');
    expect(autoSloName('--', 'latency')).toBe('service-latency');
  });

  it('while learning, the latency SLO is a comment saying until when', () => {
    const config = autoConfig();
    const text = autoSpecYaml({ settings: autoSettings('api', newAttributes(), config, BOUNDS), learnUntilMs: Date.UTC(2026, 0, 2), config });
    expect(text).toContain("# api-latency: its threshold is being learned from the service's first requests until 2026-01-02T00:00:00.000Z");
    expect(autoSlos(text, 'api').map((s) => s.name)).toEqual(['api-availability']);
  });
});

describe('AutoSloManager', () => {
  function manager(config: AutoSlosConfig, counts: number[] = []) {
    const registered: AutoSloRegistration[] = [];
    const m = new AutoSloManager({
      config,
      bounds: BOUNDS,
      specServices: new Set(['checkout']),
      takenNames: new Set(['taken-availability']),
      hasRequests: (service) => service !== 'quiet',
    latencyCounts: () => counts,
      register: (r) => registered.push(r),
    });
    return { m, registered };
  }

  it('gives a new service an availability SLO and a learning latency SLO, once', () => {
    const { m, registered } = manager(autoConfig());
    m.see('api', newAttributes(), 0);
    m.see('api', newAttributes(), 1000);
    expect(registered.map((r) => [r.slo.name, r.learning !== undefined, r.origin.threshold])).toEqual([
      ['api-availability', false, undefined],
      ['api-latency', true, 'learning'],
    ]);
    expect(registered[1]!.origin.learningUntil).toBe('1970-01-02T00:00:00.000Z');
  });

  it('learns the threshold after learnFor, then registers the latency SLO for real', () => {
    const counts = new Array(BOUNDS.length + 1).fill(0);
    counts[3] = 1000; // all <= 50ms
    const { m, registered } = manager(autoConfig('    learnFor: 1h\n'), counts);
    m.see('api', newAttributes(), 0);
    m.tick(3_599_999);
    expect(registered).toHaveLength(2);
    m.tick(3_600_000);
    expect(registered).toHaveLength(3);
    expect(registered[2]!.learning).toBeUndefined();
    expect(registered[2]!.slo.sli).toMatchObject({ kind: 'latency', thresholdSeconds: 0.05 });
    expect(registered[2]!.origin.threshold).toBe('learned');
    expect(m.specYaml()).toContain('sli: { latency: 50ms }');
  });

  it('a fixed threshold needs no learning; spec services, disabled services and taken names get none', () => {
    const { m, registered } = manager(autoConfig('    latencyThreshold: 200ms\n'));
    m.see('api', newAttributes(), 0);
    expect(registered.map((r) => [r.slo.name, r.learning, r.origin.threshold])).toEqual([
      ['api-availability', undefined, undefined],
      ['api-latency', undefined, 'config'],
    ]);
    m.see('checkout', newAttributes(), 0);
    m.see('off', attrs({ 'lookout.slo.disabled': true }), 0);
    m.see('taken', newAttributes(), 0);
    expect(registered).toHaveLength(2);
    expect(m.serviceCount).toBe(1);
  });

  it('a service without requests (logs or metrics only) waits; its SLOs come with its first requests', () => {
    const withRequests = new Set<string>();
    const registered: AutoSloRegistration[] = [];
    const m = new AutoSloManager({
      config: autoConfig(),
      bounds: BOUNDS,
      specServices: new Set(),
      takenNames: new Set(),
      hasRequests: (service) => withRequests.has(service),
      latencyCounts: () => [],
      register: (r) => registered.push(r),
    });
    m.see('cron', attrs({ 'lookout.slo.objective': 99 }), 0);
    m.tick(1000);
    expect(registered).toEqual([]);
    withRequests.add('cron');
    m.tick(2000);
    expect(registered.map((r) => [r.slo.name, r.slo.objective])).toEqual([
      ['cron-availability', 0.99], // the attributes of when it was first seen
      ['cron-latency', 0.99],
    ]);
  });

  it('stops at maxServices', () => {
    const { m } = manager(autoConfig('    maxServices: 1\n'));
    m.see('a', newAttributes(), 0);
    m.see('b', newAttributes(), 0);
    expect(m.serviceCount).toBe(1);
  });
});

describe('slos.auto at the start', () => {
  it('a period or policy no spec could hold stops the start, naming slos.auto', async () => {
    const { planSlos } = await import('./wiring.ts');
    const slos = (yaml: string) => parseConfig(`slos:\n  auto:\n    enabled: true\n${yaml}`, 'lookout.yaml', {}).slos;
    expect(() => planSlos(slos('    period: 30x\n'), [])).toThrow(/slos\.auto \(period, policy\): .*period/);
    expect(() => planSlos(slos("    period: 1d\n    policy: [{ severity: page, long: 2d, short: 1h, factor: 2 }]\n"), [])).toThrow(
      /slos\.auto \(period, policy\): .*window is longer than the 1d period/,
    );
    expect(planSlos(slos('    period: 28d\n'), []).adaptations).toEqual([]);
  });
});

describe('what auto SLOs learned, across restarts', () => {
  it('a learned threshold and the first sighting come back: no second day of learning', async () => {
    const { readAutoSloMemory } = await import('./auto-slo-manager.ts');
    const counts = new Array(BOUNDS.length + 1).fill(0);
    counts[4] = 1000; // <= 75ms
    const kept: unknown[] = [];
    const first = new AutoSloManager({
      config: autoConfig('    learnFor: 1h\n'),
      bounds: BOUNDS,
      specServices: new Set(),
      takenNames: new Set(),
      hasRequests: () => true,
      latencyCounts: () => counts,
      register: () => {},
      onLearned: (m) => kept.push(JSON.parse(JSON.stringify(m))),
    });
    first.see('api', newAttributes(), 1000);
    first.see('web', newAttributes(), 2000);
    first.tick(3_602_000);
    expect(kept.at(-1)).toEqual({ firstSeenMs: { api: 1000, web: 2000 }, thresholdSeconds: { api: 0.075, web: 0.075 } });

    const memory = readAutoSloMemory(kept.at(-1));
    if (typeof memory === 'string') throw new Error(memory);
    const registered: AutoSloRegistration[] = [];
    const second = new AutoSloManager({
      config: autoConfig('    learnFor: 1h\n'),
      bounds: BOUNDS,
      specServices: new Set(),
      takenNames: new Set(),
      hasRequests: () => true,
      latencyCounts: () => [],
      register: (r) => registered.push(r),
      memory,
    });
    second.see('api', newAttributes(), 9_000_000);
    expect(registered.map((r) => [r.slo.name, r.learning, r.origin.threshold])).toEqual([
      ['api-availability', undefined, undefined],
      ['api-latency', undefined, 'learned'],
    ]);
    expect(second.memory().firstSeenMs.api).toBe(1000);
  });

  it('a memory file that is not one is refused with what is wrong', async () => {
    const { readAutoSloMemory } = await import('./auto-slo-manager.ts');
    expect(readAutoSloMemory(null)).toBe('not a JSON object');
    expect(readAutoSloMemory({ firstSeenMs: { api: 'yesterday' }, thresholdSeconds: {} })).toBe(
      'firstSeenMs and thresholdSeconds must map service names to positive numbers',
    );
  });

  it('the data dir file: written whole, read back, a broken one ignored with a warning', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadAutoSloMemory, saveAutoSloMemory } = await import('./wiring.ts');
    const dir = mkdtempSync(join(tmpdir(), 'lookout-auto-memory-'));
    try {
      expect(loadAutoSloMemory(dir)).toBeUndefined();
      saveAutoSloMemory(dir, { firstSeenMs: { api: 5 }, thresholdSeconds: { api: 0.25 } });
      expect(loadAutoSloMemory(dir)).toEqual({ firstSeenMs: { api: 5 }, thresholdSeconds: { api: 0.25 } });
      writeFileSync(join(dir, 'auto-slos.json'), '{ not json');
      const warnings: string[] = [];
      const logger = { warn: (_: unknown, m: string) => void warnings.push(m), info() {}, error() {}, debug() {} } as never;
      expect(loadAutoSloMemory(dir, logger)).toBeUndefined();
      expect(warnings[0]).toMatch(/^ignoring .*auto-slos\.json: .*JSON.*; auto SLOs learn their latency thresholds again \(delete the file to silence this\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
