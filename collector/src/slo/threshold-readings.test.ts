import { describe, expect, it } from 'vitest';
import type { Attributes, Metric, MetricsData, NumberDataPoint } from '@lookout/otlp';
import type { ProbeMetrics } from '../probes/probe-metrics.ts';
import type { RunOutcome } from '../probes/scheduler.ts';
import type { TlsProbeResult } from '../probes/tls-probe.ts';
import { ThresholdReadings } from './threshold-readings.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function attrs(values: Record<string, string>): Attributes {
  return Object.assign(Object.create(null) as Attributes, values);
}

function point(value: number, attributes: Record<string, string> = {}, atMs = NOW): NumberDataPoint {
  return { attributes: attrs(attributes), startTimeUnixNano: 0n, timeUnixNano: BigInt(atMs) * 1_000_000n, value, valueType: 'double', exemplars: [], flags: 0 };
}

function gauge(name: string, points: NumberDataPoint[]): Metric {
  return { name, description: '', unit: '1', metadata: attrs({}), data: { type: 'gauge', dataPoints: points } };
}

function sum(name: string, points: NumberDataPoint[]): Metric {
  return { name, description: '', unit: 'By', metadata: attrs({}), data: { type: 'sum', dataPoints: points, aggregationTemporality: 2, isMonotonic: false } };
}

function metrics(resource: Record<string, string>, list: Metric[]): MetricsData {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs(resource), droppedAttributesCount: 0 },
        scopeMetrics: [{ scope: { name: 'host', version: '', attributes: attrs({}), droppedAttributesCount: 0 }, metrics: list, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

const tlsValue: TlsProbeResult = {
  chain: [],
  earliest: { subject: 'CN=api', issuer: 'CN=ca', notBefore: 0, notAfter: NOW + 86_400_000, fingerprint256: '', selfSigned: false },
  verification: { verified: false, reason: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  protocol: 'TLSv1.3',
};

describe('ThresholdReadings', () => {
  it('tees probe outcomes: counts failures in a row, keeps the last certificate, thins database sizes', () => {
    const recorded: string[] = [];
    const inner: ProbeMetrics = {
      tls: (t, o) => void recorded.push(`tls ${t} ${o.status}`),
      http: (t, o) => void recorded.push(`http ${t} ${o.status}`),
      postgres: (t, o) => void recorded.push(`postgres ${t} ${o.status}`),
      forget: (k, t) => void recorded.push(`forget ${k} ${t}`),
    };
    const readings = new ThresholdReadings({ databaseSampleEvery: 300_000 });
    const metrics = readings.tee(inner);
    const fail = { id: 'http/health', status: 'failure', error: new Error('connect ECONNREFUSED'), startedAt: NOW, durationMs: 3 } as const;
    metrics.http('health', fail);
    metrics.http('health', { id: 'http/health', status: 'timeout', startedAt: NOW, durationMs: 10_000 });
    metrics.http('health', { id: 'http/health', status: 'skipped', at: NOW });
    metrics.http('health', { id: 'http/health', status: 'success', value: { success: false, reason: 'status 503, expected 2xx', statusCode: 503, durationMs: 1, bodyBytes: 0 }, startedAt: NOW, durationMs: 1 });
    expect(readings.snapshot().probes).toEqual([{ kind: 'http', target: 'health', consecutiveFailures: 3, lastError: 'status 503, expected 2xx' }]);
    metrics.http('health', { id: 'http/health', status: 'success', value: { success: true, reason: 'ok', statusCode: 200, durationMs: 1, bodyBytes: 0 }, startedAt: NOW, durationMs: 1 });
    expect(readings.snapshot().probes).toEqual([]);

    metrics.tls('api', { id: 'tls/api', status: 'success', value: tlsValue, startedAt: NOW, durationMs: 5 } as RunOutcome<TlsProbeResult>);
    expect(readings.snapshot().tls).toEqual([{ target: 'api', notAfterMs: NOW + 86_400_000, subject: 'CN=api', verified: false, reason: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }]);

    for (let i = 0; i < 30; i++) {
      metrics.postgres('main', {
        id: 'postgres/main',
        status: 'success',
        value: { serverVersion: '15', databases: [{ database: 'orders', bytes: 1000 + i }, { database: 'secret', bytes: undefined }], omitted: 0 },
        startedAt: NOW + i * 60_000,
        durationMs: 1,
      });
    }
    const [db] = readings.snapshot().databases;
    expect(db!.database).toBe('orders');
    // one sample per 5 minutes, plus the newest
    expect(db!.samples.map((s) => (s.atMs - NOW) / 60_000)).toEqual([0, 5, 10, 15, 20, 25, 29]);
    expect(db!.samples.at(-1)!.bytes).toBe(1029);
    expect(readings.snapshot().databases).toHaveLength(1);

    metrics.forget('tls', 'api');
    expect(readings.snapshot().tls).toEqual([]);
    expect(recorded).toContain('forget tls api');
    expect(recorded.filter((r) => r.startsWith('http'))).toHaveLength(5); // every outcome still reaches the metrics
  });

  it('reads disk and memory use from OTLP host metrics', () => {
    const readings = new ThresholdReadings();
    readings.hostMetrics(
      metrics({ 'host.name': 'web-1' }, [
        gauge('system.filesystem.utilization', [point(0.5, { 'system.filesystem.mountpoint': '/' }), point(0.97, { 'system.filesystem.mountpoint': '/data' })]),
        sum('system.memory.limit', [point(1000)]),
        sum('system.memory.linux.available', [point(80)]),
        gauge('system.memory.utilization', [point(0.5, { 'system.memory.state': 'used' })]),
        gauge('system.cpu.utilization', [point(1)]),
      ]),
      NOW,
    );
    // the OTel host-metrics package: only system.memory.utilization, service.name as the host
    readings.hostMetrics(metrics({ 'service.name': 'worker' }, [gauge('system.memory.utilization', [point(0.7, { state: 'used' }), point(0.3, { state: 'free' })])]), NOW);
    const snapshot = readings.snapshot();
    expect(snapshot.disks).toEqual([
      { host: 'web-1', mountpoint: '/', utilization: 0.5, atMs: NOW },
      { host: 'web-1', mountpoint: '/data', utilization: 0.97, atMs: NOW },
    ]);
    expect(snapshot.memory).toEqual([
      { host: 'web-1', utilization: 0.92, atMs: NOW },
      { host: 'worker', utilization: 0.7, atMs: NOW },
    ]);
  });

  it('bounds hosts and mounts per host', () => {
    const readings = new ThresholdReadings({ maxHosts: 2, maxMountsPerHost: 1 });
    for (const host of ['a', 'b', 'c'])
      readings.hostMetrics(
        metrics({ 'host.name': host }, [
          gauge('system.filesystem.utilization', [point(0.1, { 'system.filesystem.mountpoint': '/' }), point(0.2, { 'system.filesystem.mountpoint': '/x' })]),
        ]),
        NOW,
      );
    expect(readings.snapshot().disks.map((d) => `${d.host}:${d.mountpoint}`)).toEqual(['a:/', 'b:/']);
  });
});
