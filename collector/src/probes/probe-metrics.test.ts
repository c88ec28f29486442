import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { HttpProbeResult } from './http-probe.ts';
import { registerProbeMetrics } from './probe-metrics.ts';
import type { TlsProbeResult } from './tls-probe.ts';

const DAY = 86_400_000;

async function values(registry: Registry, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

function tlsResult(notAfters: number[], verified = true, reason = 'ok'): TlsProbeResult {
  const chain = notAfters.map((notAfter, i) => ({
    subject: `CN=c${i}`,
    issuer: `CN=c${i + 1}`,
    notBefore: 0,
    notAfter,
    fingerprint256: `F${i}`,
    selfSigned: false,
  }));
  const earliest = chain.reduce((a, b) => (b.notAfter < a.notAfter ? b : a));
  return { chain, earliest, verification: { verified, reason }, protocol: 'TLSv1.3' };
}

describe('registerProbeMetrics', () => {
  it('computes days left at scrape time from the injected clock', async () => {
    let now = Date.UTC(2030, 0, 1);
    const registry = new Registry();
    const metrics = registerProbeMetrics(registry, { now: () => now });
    metrics.tls('api', { id: 'tls/api', status: 'success', value: tlsResult([now + 10 * DAY, now + 5 * DAY]), startedAt: now, durationMs: 40 });
    expect(await values(registry, 'lookout_tls_cert_days_left')).toEqual([{ labels: { target: 'api', subject: 'CN=c1', issuer: 'CN=c2' }, value: 5 }]);
    now += DAY / 2;
    expect((await values(registry, 'lookout_tls_cert_days_left'))[0]!.value).toBe(4.5);
    expect(await values(registry, 'lookout_tls_cert_not_after_seconds')).toEqual([
      { labels: { target: 'api', position: '0', subject: 'CN=c0', issuer: 'CN=c1' }, value: (Date.UTC(2030, 0, 1) + 10 * DAY) / 1000 },
      { labels: { target: 'api', position: '1', subject: 'CN=c1', issuer: 'CN=c2' }, value: (Date.UTC(2030, 0, 1) + 5 * DAY) / 1000 },
    ]);
    expect(await values(registry, 'lookout_probe_duration_seconds')).toEqual([{ labels: { kind: 'tls', target: 'api' }, value: 0.04 }]);
  });

  it('a changed verification reason replaces the old series instead of adding one', async () => {
    const registry = new Registry();
    const metrics = registerProbeMetrics(registry, { now: () => 0 });
    metrics.tls('api', { id: 'tls/api', status: 'success', value: tlsResult([DAY]), startedAt: 0, durationMs: 1 });
    metrics.tls('api', { id: 'tls/api', status: 'success', value: tlsResult([DAY], false, 'CERT_HAS_EXPIRED'), startedAt: 1, durationMs: 1 });
    expect(await values(registry, 'lookout_tls_cert_verified')).toEqual([{ labels: { target: 'api', reason: 'CERT_HAS_EXPIRED' }, value: 0 }]);
  });

  it('a failed run drops certificate series and sets success 0; skipped runs only count', async () => {
    const registry = new Registry();
    const metrics = registerProbeMetrics(registry, { now: () => 0 });
    metrics.tls('api', { id: 'tls/api', status: 'success', value: tlsResult([DAY]), startedAt: 0, durationMs: 1 });
    metrics.tls('api', { id: 'tls/api', status: 'timeout', startedAt: 60_000, durationMs: 10_000 });
    metrics.tls('api', { id: 'tls/api', status: 'skipped', at: 120_000 });
    expect(await values(registry, 'lookout_tls_cert_days_left')).toEqual([]);
    expect(await values(registry, 'lookout_probe_success')).toEqual([{ labels: { kind: 'tls', target: 'api' }, value: 0 }]);
    expect(await values(registry, 'lookout_probe_last_run_timestamp_seconds')).toEqual([{ labels: { kind: 'tls', target: 'api' }, value: 60 }]);
    const runs = await values(registry, 'lookout_probe_runs_total');
    expect(runs.map((r) => [r.labels.outcome, r.value]).sort()).toEqual([
      ['skipped', 1],
      ['success', 1],
      ['timeout', 1],
    ]);
  });

  it('an HTTP response that misses expectations is success 0 and counted as a failure, with its status', async () => {
    const registry = new Registry();
    const metrics = registerProbeMetrics(registry);
    const value: HttpProbeResult = { success: false, reason: 'status 503, expected a 2xx status', statusCode: 503, durationMs: 3, bodyBytes: 0 };
    metrics.http('web', { id: 'http/web', status: 'success', value, startedAt: 0, durationMs: 3 });
    expect(await values(registry, 'lookout_probe_success')).toEqual([{ labels: { kind: 'http', target: 'web' }, value: 0 }]);
    expect(await values(registry, 'lookout_http_probe_status_code')).toEqual([{ labels: { target: 'web' }, value: 503 }]);
    expect((await values(registry, 'lookout_probe_runs_total'))[0]!.labels.outcome).toBe('failure');
  });

  it('forget removes every series of a target', async () => {
    const registry = new Registry();
    const metrics = registerProbeMetrics(registry, { now: () => 0 });
    metrics.tls('api', { id: 'tls/api', status: 'success', value: tlsResult([DAY]), startedAt: 0, durationMs: 1 });
    metrics.tls('other', { id: 'tls/other', status: 'success', value: tlsResult([DAY]), startedAt: 0, durationMs: 1 });
    metrics.forget('tls', 'api');
    const text = await registry.metrics();
    expect(text).not.toMatch(/target="api"/);
    expect(text).toMatch(/target="other"/);
  });
});
