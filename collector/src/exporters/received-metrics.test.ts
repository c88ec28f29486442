import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AggregationTemporality, newAttributes, type Batch, type MetricsData } from '@lookout/otlp';
import type { PromPoint } from './prom-conversion.ts';
import { ReceivedMetrics } from './received-metrics.ts';

const T0 = 1_700_000_000_000;

function batch(name: string, value: number, atMs: number, attrs: Record<string, string> = {}): Batch<'metrics'> {
  const data: MetricsData = {
    resourceMetrics: [
      {
        resource: { attributes: Object.assign(newAttributes(), { 'service.name': 'api' }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              {
                name,
                unit: 'By',
                description: 'bytes',
                metadata: newAttributes(),
                data: {
                  type: 'sum',
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  isMonotonic: true,
                  dataPoints: [{ attributes: Object.assign(newAttributes(), attrs), startTimeUnixNano: BigInt(T0) * 1_000_000n, timeUnixNano: BigInt(atMs) * 1_000_000n, value, valueType: 'double', exemplars: [], flags: 0 }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  return { signal: 'metrics', data, items: 1, bytes: 0, tenant: 'default', receiver: 'test', receivedAtMs: atMs };
}

describe('received metrics', () => {
  it('exposes converted series, expires them after staleAfter on the injected clock and tells listeners with stale markers', async () => {
    let now = T0;
    const registry = new Registry();
    const received = new ReceivedMetrics({ config: { enabled: true, maxSeries: 2, staleAfter: 60_000, scopeLabels: true }, registry, now: () => now });
    const updates: PromPoint[][] = [];
    received.onUpdate((points) => updates.push([...points]));

    received.consume(batch('net.io', 100, T0, { dir: 'rx' }));
    expect(received.exposition()).toBe('# HELP net_io_bytes_total bytes\n# TYPE net_io_bytes_total counter\nnet_io_bytes_total{dir="rx",job="api"} 100\n');
    expect(updates[0]!.map((p) => [p.family, p.stale])).toEqual([['net_io_bytes_total', false]]);

    // over maxSeries: counted as the overflow, not exposed
    received.consume(batch('net.io', 1, T0, { dir: 'tx' }));
    received.consume(batch('net.io', 1, T0, { dir: 'lo' }));
    const own = await registry.metrics();
    expect(own).toContain('lookout_received_metrics_dropped_points_total{reason="series_limit"} 1');
    expect(own).toContain('lookout_received_metrics_series 2');

    now += 30_000;
    received.consume(batch('net.io', 150, T0 + 30_000, { dir: 'rx' }));
    now += 45_000; // tx last updated 75 s ago, rx 45 s ago
    expect(received.exposition()).toBe('# HELP net_io_bytes_total bytes\n# TYPE net_io_bytes_total counter\nnet_io_bytes_total{dir="rx",job="api"} 150\n');
    const stale = updates.at(-1)!;
    expect(stale.map((p) => [Object.fromEntries(p.labels).dir, p.stale, p.timeMs])).toEqual([['tx', true, now]]);
    expect(await registry.metrics()).toContain('lookout_received_metrics_expired_series_total 1');
  });

  it('leaves names the collector exposes itself to the collector, counted as name_conflict', async () => {
    const registry = new Registry();
    new Counter({ name: 'lookout_requests_total', help: 'own', registers: [registry] });
    const received = new ReceivedMetrics({ config: { enabled: true, maxSeries: 10, staleAfter: 60_000, scopeLabels: false }, registry, now: () => T0 });
    const b = batch('lookout_requests_total', 5, T0);
    (b.data.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!).unit = '';
    received.consume(b);
    expect(received.exposition()).toBe('');
    expect(await registry.metrics()).toContain('lookout_received_metrics_dropped_points_total{reason="name_conflict"} 1');
  });
});
