import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCollector, type BuiltCollector } from '../collector.ts';
import { parseConfig } from '../config/load.ts';
import type { Batch } from '@lookout/otlp';
import type { ComponentView } from './graph.ts';

/** An OTLP/JSON export of one server span of `service`. */
function traceJson(service: string): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'GET /users/:id',
                kind: 2,
                startTimeUnixNano: '1714564800000000000',
                endTimeUnixNano: '1714564800120000000',
                attributes: [
                  { key: 'http.request.method', value: { stringValue: 'GET' } },
                  { key: 'http.route', value: { stringValue: '/users/:id' } },
                  { key: 'http.response.status_code', value: { intValue: '200' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('buildCollector', () => {
  let built: BuiltCollector | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await built?.close();
    built = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function build(yaml: string): Promise<{ built: BuiltCollector; traces: Batch[] }> {
    dataDir = mkdtempSync(join(tmpdir(), 'lookout-build-'));
    // port 1: nothing may bind it unprivileged, so a listen would fail the test
    const config = parseConfig(
      // the in-memory queue (durability disk needs start(): durable-collector.test.ts)
      `receivers:\n  otlp:\n    http: { port: 1 }\n    grpc: { enabled: false }\nstorage:\n  dataDir: ${dataDir}\npipeline:\n  durability: memory\n${yaml}`,
      'test.yaml',
      {},
    );
    const traces: Batch[] = [];
    built = await buildCollector(config, {
      logger: pino({ level: 'silent' }),
      consumers: [{ signal: 'traces', name: 'test-capture', consume: (batch) => void traces.push(batch) }],
    });
    return { built, traces };
  }

  it('answers an OTLP export through inject() without binding a port, and the queue delivers it', async () => {
    const { built, traces } = await build('');
    const response = await built.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json' },
      payload: traceJson('checkout'),
    });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({});
    expect(built.http.server.listening).toBe(false);
    await built.queue.close();
    expect(traces.map((b) => b.items)).toEqual([1]);
    const metrics = await built.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/lookout_requests_total\{[^}]*service="checkout"[^}]*\} 1/);
  });

  it('refuses bad input through the shared receiver context, as the listener would', async () => {
    const { built } = await build('');
    const response = await built.inject({ method: 'POST', url: '/v1/logs/raw', headers: { 'content-type': 'image/png' }, payload: 'x' });
    expect(response.statusCode).toBe(415);
    expect(JSON.parse(response.body)).toEqual({ error: expect.stringMatching(/unsupported content type 'image\/png'; send text\/plain/) });
  });

  it('shows the pipeline at GET /api/v1/pipeline: components in stop order, their state, whom they feed, items taken', async () => {
    const { built } = await build('exporters:\n  loki:\n    url: http://127.0.0.1:1\n');
    await built.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: traceJson('a') });
    await built.queue.close();
    const response = await built.inject({ method: 'GET', url: '/api/v1/pipeline' });
    expect(response.statusCode).toBe(200);
    const { components } = JSON.parse(response.body) as { components: ComponentView[] };
    const ids = components.map((c) => c.id);
    expect(ids.slice(0, 3)).toEqual(['otlp-http', 'raw-lines', 'loki-push']);
    expect(ids.indexOf('queue')).toBeGreaterThan(ids.indexOf('loki-push'));
    expect(ids.indexOf('alerting')).toBeLessThan(ids.indexOf('request-series'));
    // the status page reads the alerting and the request series: it stops before both
    expect(ids.indexOf('status-page')).toBeLessThan(ids.indexOf('alerting'));
    expect(new Set(ids)).toEqual(
      // received-metrics is on by default (exporters.prometheus.enabled)
      new Set(['otlp-http', 'raw-lines', 'loki-push', 'queue', 'log-metrics', 'loki-exporter', 'received-metrics', 'alerting', 'request-series', 'status-page']),
    );
    const byId = new Map(components.map((c) => [c.id, c]));
    expect(byId.get('queue')).toMatchObject({ kind: 'queue', state: 'created', feeds: ['request-series', 'log-metrics', 'loki-exporter', 'received-metrics', 'alerting', 'status-page'] });
    expect(byId.get('request-series')).toMatchObject({ kind: 'processor', consumes: ['traces', 'metrics'], itemsIn: 1 });
    expect(byId.get('loki-exporter')).toMatchObject({ kind: 'exporter', itemsIn: 0 });
    expect(byId.get('otlp-http')).toMatchObject({ kind: 'receiver', feeds: ['queue'], itemsIn: 1, itemsOut: 1 });
  });

  it('puts the notifier after the alerting when a receiver is configured: it starts first and stops last of the two', async () => {
    const { built } = await build('notify:\n  receivers:\n    webhook:\n      - { name: hook, url: "http://127.0.0.1:1/hook" }\n');
    const components = built.pipeline.describe();
    const ids = components.map((c) => c.id);
    expect(ids.indexOf('notifier')).toBeGreaterThan(ids.indexOf('alerting'));
    expect(components.find((c) => c.id === 'alerting')).toMatchObject({ feeds: ['notifier'] });
    expect(built.alerting.notifier).toBeDefined();
  });

  it('a collector that was only built closes its stores and stops nothing it did not start', async () => {
    const { built } = await build('sli:\n  definitions:\n    - { id: checkout-availability, service: checkout, kind: availability }\n');
    await built.close();
    const states = built.pipeline.describe().map((c) => `${c.id}:${c.state}`);
    expect(states).toContain('request-series:stopped');
    expect(states.every((s) => s.endsWith(':stopped'))).toBe(true);
  });
});
