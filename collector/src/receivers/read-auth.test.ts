import { describe, expect, it } from 'vitest';
import { accessOfPath, tenantMayRead } from './read-auth.ts';

describe('accessOfPath', () => {
  it.each<[string, boolean, 'open' | 'ingest' | 'read']>([
    ['/healthz', true, 'open'],
    ['/readyz?verbose=1', true, 'open'],
    ['/metrics', false, 'open'],
    ['/metrics', true, 'read'],
    ['/api/v1/slos', false, 'read'],
    ['/api/v1/alerts?state=firing', false, 'read'],
    ['/', false, 'read'],
    ['/slos/checkout-availability', false, 'read'],
    ['/v1/traces', true, 'ingest'],
    ['/v1/logs/raw?service=x', true, 'ingest'],
    ['/loki/api/v1/push', true, 'ingest'],
    ['/healthz/../api/v1/slos', false, 'read'],
  ])('%s (protectMetrics %s) → %s', (url, protectMetrics, expected) => {
    expect(accessOfPath(url, protectMetrics)).toBe(expected);
  });
});

describe('tenantMayRead (issue 12: a tenant token reads its own SLOs and alerts, nothing else)', () => {
  it.each<[string, boolean]>([
    ['/api/v1/slos', true],
    ['/api/v1/slos?x=1', true],
    ['/api/v1/slos/availability?objective=99.5', true],
    ['/api/v1/alerts', true],
    ['/api/v1/slos/', false],
    ['/api/v1/report', false],
    ['/api/v1/pipeline', false],
    ['/metrics', false],
    ['/', false],
  ])('%s → %s', (url, expected) => {
    expect(tenantMayRead(url)).toBe(expected);
  });
});
