/**
 * Issue 12, defect 5, through a real collector on loopback: two tenants, alpha and beta,
 * each with a service called `payments` and an SLO called `availability`.
 * - beta's failing traffic pages beta's SLO only; alpha's SLO (same service, same name)
 *   stays quiet, and its request series are apart on /metrics (a `tenant` label);
 * - each tenant's token reads only its own SLOs and alerts; the read token reads all
 *   and cannot ingest;
 * - alpha over its quota gets 429 + Retry-After (gRPC RESOURCE_EXHAUSTED) while beta's
 *   requests are all accepted as before; the refusals are counted per tenant on /metrics.
 *
 * The collector's clock is real time plus an offset the test moves, so the minute the
 * 5m/1h windows need passes at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { decodeTracesJson, encodeTracesProtobuf } from '@lookout/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { startWebhookSink, type WebhookSink, webhookAlerts } from './helpers/webhook-sink.ts';

const MINUTE = 60_000;
const ALPHA = 'alpha-token-0123456789abcdef';
const BETA = 'beta-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function hex(n: number, length: number): string {
  return n.toString(16).padStart(length, '0');
}

let nextId = 1;
function spans(count: number, atMs: number, status: number) {
  const end = BigInt(atMs) * 1_000_000n;
  const first = nextId;
  nextId += count;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'payments' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: hex(first + i, 32),
              spanId: hex(first + i, 16),
              name: 'POST /pay',
              kind: 2,
              startTimeUnixNano: String(end - 20_000_000n),
              endTimeUnixNano: String(end),
              attributes: [
                { key: 'http.request.method', value: { stringValue: 'POST' } },
                { key: 'http.route', value: { stringValue: '/pay' } },
                { key: 'http.response.status_code', value: { intValue: status } },
              ],
              status: { code: status >= 500 ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}


describe('tenant isolation (real collector, two tenants with the same service and SLO names)', () => {
  let dir: string;
  let sink: WebhookSink;
  let collector: RunningCollector;
  const clock = { offset: 0 };
  const now = () => Date.now() + clock.offset;
  const pages = () => webhookAlerts(sink.on('/hook')).filter((a) => a.labels.severity === 'page');

  const post = (token: string, body: unknown) =>
    fetch(`${collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(body) });
  const get = async (path: string, token: string) => {
    const response = await fetch(`${collector.httpUrl}${path}`, { headers: bearer(token) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const metrics = async () => (await fetch(`${collector.httpUrl}/metrics`)).text();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-tenants-'));
    const spec = (tenant: string) => `service: payments\ntenant: ${tenant}\nslos:\n  - name: availability\n    objective: 99.9\n    sli: availability\n`;
    writeFileSync(join(dir, 'alpha.yaml'), spec('alpha'));
    writeFileSync(join(dir, 'beta.yaml'), spec('beta'));
    sink = await startWebhookSink();
    clock.offset = MINUTE - (Date.now() % MINUTE) + 1000; // one second into a minute
    const config = parseConfig(
      JSON.stringify({
        receivers: {
          otlp: {
            http: { port: 0 },
            grpc: { port: 0 },
            auth: {
              tenants: [
                // 100 items at once, then 1 a second: the test sends well within 20 s
                { name: 'alpha', token: ALPHA, quota: { itemsPerSecond: 1, burstSeconds: 100 } },
                { name: 'beta', token: BETA },
              ],
            },
            readAuth: { token: READ },
          },
        },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        sli: { flushInterval: '100ms' },
        slos: { files: [join(dir, 'alpha.yaml'), join(dir, 'beta.yaml')], evaluationInterval: '200ms' },
        notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] }, retry: { baseDelay: '100ms', maxDelay: '1s' } },
      }),
      'tenants.yaml',
      {},
    );
    collector = await startCollector(config, { now });
  }, 60_000);

  afterAll(async () => {
    await collector?.close();
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("pages only the SLO of the tenant whose traffic failed, though both tenants' SLOs watch 'payments'", { timeout: 30_000 }, async () => {
    const t0 = now();
    expect((await post(BETA, spans(50, t0, 503))).status).toBe(200);
    expect((await post(ALPHA, spans(50, t0, 200))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400)); // SLI store flushes
    clock.offset += MINUTE;
    await sink.waitFor(() => pages().length >= 1, 15_000, "beta's page");
    await new Promise((r) => setTimeout(r, 1000)); // several more evaluation cycles
    const paged = pages();
    expect(paged.map((a) => [a.status, a.labels.slo, a.labels.tenant, a.labels.service])).toEqual([['firing', 'beta/availability', 'beta', 'payments']]);

    const exposition = await metrics();
    expect(exposition).toMatch(/lookout_requests_total\{tenant="alpha",service="payments",route="\/pay",method="POST",status_class="2xx"\} 50/);
    expect(exposition).toMatch(/lookout_requests_total\{tenant="beta",service="payments",route="\/pay",method="POST",status_class="5xx"\} 50/);
    expect(exposition).not.toMatch(/lookout_requests_total\{tenant="alpha",[^}]*status_class="5xx"/);
  });

  it('lets each tenant token read only its own SLOs and alerts; the read token reads all', async () => {
    const names = (body: Record<string, unknown>) => (body.slos as Array<{ name: string; tenant?: string }>).map((s) => `${s.tenant}:${s.name}`).sort();
    const alertSlos = (body: Record<string, unknown>) => (body.alerts as Array<{ labels: Record<string, string> }>).map((a) => a.labels.slo);

    const alpha = await get('/api/v1/slos', ALPHA);
    expect(alpha.status).toBe(200);
    expect(names(alpha.body)).toEqual(['alpha:alpha/availability']);
    const beta = await get('/api/v1/slos', BETA);
    expect(names(beta.body)).toEqual(['beta:beta/availability']);
    expect(names((await get('/api/v1/slos', READ)).body)).toEqual(['alpha:alpha/availability', 'beta:beta/availability']);

    expect(alertSlos((await get('/api/v1/alerts', ALPHA)).body)).toEqual([]);
    expect(new Set(alertSlos((await get('/api/v1/alerts', BETA)).body))).toEqual(new Set(['beta/availability']));
    expect(alertSlos((await get('/api/v1/alerts', READ)).body)).toContain('beta/availability');

    // one SLO: by its spec name for its own tenant; another tenant's is not found
    const own = await get('/api/v1/slos/availability', ALPHA);
    expect(own.status).toBe(200);
    expect((own.body.status as { name: string }).name).toBe('alpha/availability');
    expect((await get(`/api/v1/slos/${encodeURIComponent('beta/availability')}`, ALPHA)).status).toBe(404);
    // the read token names a tenant's SLO by its qualified name
    const qualified = await get(`/api/v1/slos/${encodeURIComponent('beta/availability')}`, READ);
    expect(qualified.status).toBe(200);
    expect((qualified.body.status as { tenant: string }).tenant).toBe('beta');
    // nothing else is readable with a tenant token
    const pipeline = await get('/api/v1/pipeline', ALPHA);
    expect(pipeline.status).toBe(403);
    expect(String(pipeline.body.error)).toMatch(/reads only its own SLOs and alerts/);
  });

  it('does not let the read token ingest', async () => {
    const response = await post(READ, spans(1, now(), 200));
    expect(response.status).toBe(401);
  });

  it("refuses alpha over its quota (429 + Retry-After, gRPC RESOURCE_EXHAUSTED) while beta's requests are all accepted", { timeout: 30_000 }, async () => {
    const at = now();
    const alphaCodes: number[] = [];
    const betaCodes: number[] = [];
    let retryAfter: string | null = null;
    let message = '';
    for (let i = 0; i < 10; i++) {
      const a = await post(ALPHA, spans(20, at, 200));
      alphaCodes.push(a.status);
      if (a.status === 429) {
        retryAfter = a.headers.get('retry-after');
        message = ((await a.json()) as { message: string }).message;
      } else await a.text();
      const b = await post(BETA, spans(20, at, 200));
      betaCodes.push(b.status);
      await b.text();
    }
    // 100 items of burst (the bucket refilled while the clock moved a minute): 5 batches of 20
    expect(alphaCodes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(alphaCodes.slice(5)).toEqual([429, 429, 429, 429, 429]);
    expect(betaCodes).toEqual(Array(10).fill(200));
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(message).toMatch(/tenant 'alpha' is over its ingest quota of 1 items per second/);

    // gRPC: RESOURCE_EXHAUSTED with retry-after, for alpha only
    const body = Buffer.from(encodeTracesProtobuf(decodeTracesJson(new TextEncoder().encode(JSON.stringify(spans(5, at, 200)))).data));
    const client = new Client(`127.0.0.1:${collector.grpcPort}`, credentials.createInsecure());
    const call = (token: string) =>
      new Promise<{ code: number; metadata?: Metadata }>((resolve) => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (value: Buffer) => value,
          (value: Buffer) => value,
          body,
          metadata,
          (error: ServiceError | null) => resolve(error ? { code: error.code, metadata: error.metadata } : { code: GrpcStatus.OK }),
        );
      });
    try {
      const refused = await call(ALPHA);
      expect(refused.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(Number(refused.metadata?.get('retry-after')[0])).toBeGreaterThanOrEqual(1);
      expect((await call(BETA)).code).toBe(GrpcStatus.OK);
    } finally {
      client.close();
    }

    const exposition = await metrics();
    expect(exposition).toMatch(/lookout_tenant_refused_requests_total\{tenant="alpha",reason="tenant_quota"\} 6/);
    expect(exposition).not.toMatch(/lookout_tenant_refused_requests_total\{tenant="beta"/);
    expect(exposition).toMatch(/lookout_receiver_accepted_items_total\{receiver="otlp-http",signal="traces",tenant="beta"\} 250/);

    // time passing refills the bucket: alpha is accepted again
    clock.offset += 30_000;
    expect((await post(ALPHA, spans(20, now(), 200))).status).toBe(200);
  });
});
