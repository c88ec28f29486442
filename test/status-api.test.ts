import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { defaultConfig, parseConfig } from '../collector/src/config/load.ts';
import { templateRoute } from '../collector/src/logs/index.ts';
import { createSelfMetrics } from '../collector/src/pipeline/self-metrics.ts';
import { createAlerting, planSlos } from '../collector/src/slo/index.ts';
import { createStatusPage } from '../collector/src/status/index.ts';

/**
 * The status page's JSON API on a running collector: overview, SLO detail, traces kept
 * from OTLP spans with their log lines, logs by trace id, and the answers to bad input
 * (a malformed trace id, an unknown SLO or trace); and the read-token hook.
 */

const SPEC = `service: checkout
slos:
  - name: checkout-availability
    objective: 99.9
    sli: availability
    filters: { route: /api/checkout }
`;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function traces(atMs: number) {
  const end = BigInt(atMs) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [
          {
            scope: { name: 'api-test' },
            spans: [
              {
                traceId: TRACE,
                spanId: '00f067aa0ba902b7',
                name: 'POST /api/checkout',
                kind: 2,
                startTimeUnixNano: String(end - 30_000_000n),
                endTimeUnixNano: String(end),
                attributes: [
                  { key: 'http.route', value: { stringValue: '/api/checkout' } },
                  { key: 'http.response.status_code', value: { intValue: 502 } },
                ],
                status: { code: 2 },
              },
              {
                traceId: TRACE,
                spanId: '00f067aa0ba902b8',
                parentSpanId: '00f067aa0ba902b7',
                name: 'charge card',
                kind: 3,
                startTimeUnixNano: String(end - 20_000_000n),
                endTimeUnixNano: String(end - 10_000_000n),
              },
            ],
          },
        ],
      },
    ],
  };
}

function logs(atMs: number) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeLogs: [
          {
            scope: { name: 't' },
            logRecords: [
              { timeUnixNano: String(BigInt(atMs) * 1_000_000n), severityNumber: 17, severityText: 'ERROR', traceId: TRACE, body: { stringValue: 'card processor answered 502' } },
              { timeUnixNano: String(BigInt(atMs) * 1_000_000n), severityNumber: 13, severityText: 'WARN', body: { stringValue: 'retrying' } },
              { timeUnixNano: String(BigInt(atMs) * 1_000_000n), severityNumber: 9, severityText: 'INFO', body: { stringValue: 'not kept' } },
            ],
          },
        ],
      },
    ],
  };
}

async function json(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('status API on a running collector', () => {
  let dir: string;
  let collector: RunningCollector;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-status-api-'));
    writeFileSync(join(dir, 'checkout.yaml'), SPEC);
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { host: '127.0.0.1', port: 0 }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        slos: { files: [join(dir, '*.yaml')], evaluationInterval: '200ms' },
      }),
      'api.yaml',
      {},
    );
    collector = await startCollector(config);
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${collector.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
    };
    await post('/v1/traces', traces(Date.now()));
    await post('/v1/logs', logs(Date.now()));
    const deadline = Date.now() + 10_000;
    while (collector.statusPage.traces.traceCount === 0 || collector.statusPage.logs.search().length < 2) {
      if (Date.now() > deadline) throw new Error('the trace and log lines did not reach the status page');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  afterAll(async () => {
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the overview, the SLO detail, the trace with its log lines, and logs by trace id', async () => {
    const overview = await json(`${collector.httpUrl}/api/v1/overview`);
    expect(overview.status).toBe(200);
    expect(overview.body.slos.map((s: { name: string }) => s.name)).toEqual(['checkout-availability']);
    expect(overview.body.traces.stored).toBe(1);
    expect(overview.body.ingest.accepted).toMatchObject({ traces: 2, logs: 3 });

    const detail = await json(`${collector.httpUrl}/api/v1/slos/checkout/checkout-availability`);
    expect(detail.status).toBe(200);
    expect(detail.body.detection[0]).toMatchObject({ label: 'full outage', page: expect.stringContaining('(1h/5m)') });
    expect(detail.body.recentErrorTraces.map((t: { traceId: string }) => t.traceId)).toEqual([TRACE]);

    const list = await json(`${collector.httpUrl}/api/v1/traces?service=checkout&reason=error`);
    expect(list.body.traces).toHaveLength(1);
    const trace = await json(`${collector.httpUrl}/api/v1/traces/${TRACE.toUpperCase()}`);
    expect(trace.status).toBe(200);
    expect(trace.body.spans.map((s: { name: string }) => s.name)).toEqual(['POST /api/checkout', 'charge card']);
    expect(trace.body.logs.map((l: { body: string }) => l.body)).toEqual(['card processor answered 502']);

    const byTrace = await json(`${collector.httpUrl}/api/v1/logs?trace_id=${TRACE}`);
    expect(byTrace.body.lines).toHaveLength(1);
    const warnings = await json(`${collector.httpUrl}/api/v1/logs?service=checkout&level=warn`);
    expect(warnings.body.lines.map((l: { body: string }) => l.body)).toEqual(['retrying']);

    const html = await fetch(`${collector.httpUrl}/traces/${TRACE}`);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('charge card');
  });

  it('answers bad input with what is wrong and how to fix it', async () => {
    const bad = await json(`${collector.httpUrl}/api/v1/traces/not-a-trace`);
    expect(bad).toEqual({ status: 400, body: { error: expect.stringContaining("'not-a-trace' is not a trace id: expected 32 hex digits") } });
    const missing = await json(`${collector.httpUrl}/api/v1/traces/${'0'.repeat(31)}1`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('not among the recent traces kept');
    const slo = await json(`${collector.httpUrl}/api/v1/slos/checkout/nope`);
    expect(slo).toEqual({ status: 404, body: { error: 'no SLO checkout/nope is configured; GET /api/v1/slos lists them' } });
    const page = await fetch(`${collector.httpUrl}/slos/checkout/nope`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('No SLO checkout/nope is configured.');
    const badHtml = await fetch(`${collector.httpUrl}/traces/%3Cscript%3E`);
    expect(badHtml.status).toBe(400);
    expect(await badHtml.text()).toContain('&#39;&lt;script&gt;&#39; is not a trace id');
  });
});

describe('status page read-token hook', () => {
  it('answers 401 without the token on every page and API route, and serves with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-status-auth-'));
    const config = defaultConfig();
    const http = Fastify();
    const metrics = createSelfMetrics({ queueDepth: () => ({ items: 0, bytes: 0 }), defaultMetrics: false });
    const logger = pino({ level: 'silent' });
    const plan = planSlos(config.slos, []);
    const alerting = createAlerting({ plan, slos: config.slos, thresholds: config.thresholdAlerts, notify: config.notify, dataDir: dir, sli: undefined, registry: metrics.registry, http, logger, now: Date.now });
    const status = createStatusPage({
      http,
      register: () => {},
      alerting,
      plan,
      sliStore: undefined,
      metrics,
      queueDepth: () => ({ items: 0, bytes: 0 }),
      dataDir: dir,
      templateRoute,
      now: Date.now,
      logger,
      authorize: (request) => request.headers.authorization === 'Bearer read-token',
    });
    try {
      for (const url of ['/', '/api/v1/overview', '/alerts', '/traces', `/api/v1/traces/${TRACE}`, '/logs', '/api/v1/logs']) {
        const denied = await http.inject({ url });
        expect(denied.statusCode, url).toBe(401);
        expect(denied.json().error).toContain('Authorization: Bearer');
      }
      const allowed = await http.inject({ url: '/api/v1/overview', headers: { authorization: 'Bearer read-token' } });
      expect(allowed.statusCode).toBe(200);
      expect(allowed.json().slos).toEqual([]);
    } finally {
      status.close();
      await alerting.stop();
      await http.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
