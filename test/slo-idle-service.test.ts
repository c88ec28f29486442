import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * Issue 15 item 4, end to end: a service stops receiving requests but keeps sending
 * logs and metrics — idle, no SLODataMissing; then it stops sending anything — no
 * data, SLODataMissing fires. The no-data window is shortened to 2m (for: 0m) and the
 * collector's clock is real time plus an offset the test moves forward.
 */

const SPEC = `service: batch
name: batch-availability
objective: 99.9
sli: availability
noData: { window: 2m, for: 0m, severity: ticket }
`;
const MINUTE = 60_000;
const SERVICE = [{ key: 'service.name', value: { stringValue: 'batch' } }];

function nanos(ms: number): string {
  return String(BigInt(ms) * 1_000_000n);
}

function requests(count: number, atMs: number) {
  return {
    resourceSpans: [
      {
        resource: { attributes: SERVICE },
        scopeSpans: [
          {
            scope: { name: 'idle-test' },
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: (i + 1).toString(16).padStart(32, '0'),
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: 'GET /jobs',
              kind: 2,
              startTimeUnixNano: nanos(atMs - 10),
              endTimeUnixNano: nanos(atMs),
              attributes: [
                { key: 'http.request.method', value: { stringValue: 'GET' } },
                { key: 'http.route', value: { stringValue: '/jobs' } },
                { key: 'http.response.status_code', value: { intValue: 200 } },
              ],
              status: { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}

function log(atMs: number) {
  return {
    resourceLogs: [
      {
        resource: { attributes: SERVICE },
        scopeLogs: [{ scope: { name: 'idle-test' }, logRecords: [{ timeUnixNano: nanos(atMs), severityNumber: 9, severityText: 'INFO', body: { stringValue: 'no jobs queued' } }] }],
      },
    ],
  };
}

function processMetric(atMs: number) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: SERVICE },
        scopeMetrics: [
          {
            scope: { name: 'idle-test' },
            metrics: [{ name: 'process.memory.usage', unit: 'By', gauge: { dataPoints: [{ asInt: '52428800', timeUnixNano: nanos(atMs) }] } }],
          },
        ],
      },
    ],
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, await response.text()).toBe(200);
}

interface SloJson {
  name: string;
  evaluatedAt?: string;
  serviceLastSeen?: string | null;
  windows?: Array<{ window: string; status: string }>;
  alerts: Array<{ labels: Record<string, string> }>;
}

describe('an idle service is not an incident', () => {
  let dir: string;
  let sink: WebhookSink;
  let collector: RunningCollector;
  let offset = 0;
  const now = () => Date.now() + offset;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-idle-'));
    writeFileSync(join(dir, 'batch.yaml'), SPEC);
    sink = await startWebhookSink();
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        sli: { flushInterval: '100ms' },
        slos: { files: [join(dir, 'batch.yaml')], evaluationInterval: '100ms' },
        notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] } },
      }),
      'idle.yaml',
      {},
    );
    collector = await startCollector(config, { now });
  });

  afterAll(async () => {
    await collector?.close();
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The SLO as /api/v1/slos shows it once an evaluation at or after `atMs` ran. */
  async function evaluatedAfter(atMs: number): Promise<SloJson> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const body = (await (await fetch(`${collector.httpUrl}/api/v1/slos`)).json()) as { slos: SloJson[] };
      const slo = body.slos.find((s) => s.name === 'batch-availability')!;
      if (slo.evaluatedAt && Date.parse(slo.evaluatedAt) >= atMs) return slo;
      if (Date.now() > deadline) throw new Error('no evaluation after the clock moved');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  interface HookAlert {
    status: string;
    startsAt: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }
  /**
   * SLODataMissing firings that started at or after `sinceMs`. (At the collector's start
   * nothing of the service was ever seen: that one fires and resolves once requests come.)
   */
  const dataMissing = (sinceMs: number): HookAlert[] =>
    sink
      .on('/hook')
      .flatMap((r) => (r.json as { alerts: HookAlert[] }).alerts)
      .filter((a) => a.labels.alertname === 'SLODataMissing' && a.status === 'firing' && Date.parse(a.startsAt) >= sinceMs);

  it('stays quiet while the service sends logs and metrics without requests, fires once nothing arrives', { timeout: 40_000 }, async () => {
    const base = collector.httpUrl;
    offset += MINUTE - ((Date.now() + offset) % MINUTE) + 1000; // one second into a minute
    const m0 = Math.floor(now() / MINUTE);
    await post(`${base}/v1/traces`, requests(20, now()));
    const store = collector.sli!.store!;
    const deadline = Date.now() + 10_000;
    while (store.sum('batch-availability', m0, m0).total < 20) {
      if (Date.now() > deadline) throw new Error('the requests did not reach the SLI store');
      await new Promise((r) => setTimeout(r, 20));
    }

    // Requests stop; a log line arrives a minute later, then the clock moves on 2 minutes:
    // the 2m no-data window holds no request but a sign of life.
    offset += MINUTE;
    await post(`${base}/v1/logs`, log(now()));
    const logAt = now();
    offset += 2 * MINUTE;
    let slo = await evaluatedAfter(now());
    slo = await evaluatedAfter(now() + 300); // a few cycles
    expect(slo.windows!.find((w) => w.window === '2m')!.status).toBe('no-traffic');
    expect(Date.parse(slo.serviceLastSeen!)).toBeGreaterThanOrEqual(logAt - 1000);
    expect(slo.alerts.filter((a) => a.labels.alertname === 'SLODataMissing')).toEqual([]);

    // Only its process metrics now; still alive, still idle.
    await post(`${base}/v1/metrics`, processMetric(now()));
    offset += 2 * MINUTE;
    slo = await evaluatedAfter(now() + 300);
    expect(slo.alerts.filter((a) => a.labels.alertname === 'SLODataMissing')).toEqual([]);
    expect(dataMissing(m0 * MINUTE)).toEqual([]);

    // Nothing at all for 3 minutes: no data.
    offset += 3 * MINUTE;
    const silentFrom = now();
    await sink.waitFor(() => dataMissing(m0 * MINUTE).length >= 1, 10_000, 'SLODataMissing');
    const [alert] = dataMissing(m0 * MINUTE);
    expect(Date.parse(alert!.startsAt)).toBeGreaterThanOrEqual(silentFrom);
    expect(alert!.labels).toMatchObject({ alertname: 'SLODataMissing', service: 'batch', slo: 'batch-availability' });
    expect(alert!.annotations.description).toContain('No SLI data in the last 2m.');
    slo = await evaluatedAfter(now());
    expect(slo.windows!.find((w) => w.window === '2m')!.status).toBe('no-data');
  });
});
