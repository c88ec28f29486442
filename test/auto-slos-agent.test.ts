import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSpecFile } from '@lookout/alerts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { runExportAuto } from '../collector/src/slo/index.ts';
import { eventually, startAgentApp, type AgentApp } from './fixtures/agent-apps/harness.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * Issue 15 item 7, must show: a fastify service under the Lookout Node agent, with a
 * long-poll route and a normal route, gets two automatic SLOs (availability, latency)
 * with the long-poll route left out; an error burst on the normal route pages through
 * a webhook receiver. Short windows (a 5m/2m page pair); the collector's clock is real
 * time plus an offset the test moves forward so the burst's minute completes at once.
 */

const MINUTE = 60_000;

interface SloJson {
  name: string;
  service: string;
  sli: string;
  origin?: string;
  evaluable: boolean;
  reason?: string;
  auto?: { objective: string; threshold?: string; excludedRoutes: string[]; excludedRoutesFrom: string };
}

interface HookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe('automatic SLOs for a service under the agent', () => {
  let dir: string;
  let sink: WebhookSink;
  let collector: RunningCollector;
  let app: AgentApp;
  let offset = 0;
  const now = () => Date.now() + offset;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-auto-slo-'));
    sink = await startWebhookSink();
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        sli: { flushInterval: '100ms' },
        slos: {
          evaluationInterval: '100ms',
          auto: { enabled: true, policy: [{ severity: 'page', long: '5m', short: '2m', factor: 10 }] },
        },
        notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] } },
      }),
      'auto.yaml',
      {},
    );
    collector = await startCollector(config, { now });
    app = await startAgentApp('fastify-longpoll-app.mjs', 'esm', {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl,
      OTEL_SERVICE_NAME: 'shop',
      // set in the agent: the latency SLO needs no learning day
      OTEL_RESOURCE_ATTRIBUTES: 'lookout.slo.latency_threshold=250ms,deployment.environment=test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    });
  }, 30_000);

  afterAll(async () => {
    app?.kill();
    await collector?.close();
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function slos(): Promise<SloJson[]> {
    return ((await (await fetch(`${collector.httpUrl}/api/v1/slos`)).json()) as { slos: SloJson[] }).slos;
  }

  async function get(path: string, times: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < times; i++) statuses.push((await fetch(`${app.url}${path}`)).status);
    return statuses;
  }

  /** requests of one SLI in the last few minutes of the SLI store */
  function sliTotal(id: string): { good: number; total: number } {
    const minute = Math.floor(now() / MINUTE);
    return collector.sli!.store!.sum(id, minute - 10, minute + 1);
  }

  it('gets two SLOs, the long-poll route left out, and an error burst pages', { timeout: 50_000 }, async () => {
    // A service gets its SLOs with its first requests (one that only logs gets none).
    expect(await get('/api/items', 1)).toEqual([200]);
    let mine: SloJson[] = [];
    const deadline = Date.now() + 15_000;
    while (mine.length < 2) {
      if (Date.now() > deadline) throw new Error(`shop got ${mine.length} auto SLOs within 15 s`);
      await new Promise((r) => setTimeout(r, 100));
      mine = (await slos()).filter((s) => s.service === 'shop');
    }
    expect(mine.map((s) => [s.name, s.origin, s.evaluable, s.sli])).toEqual([
      ['shop-availability', 'auto', true, 'availability'],
      ['shop-latency', 'auto', true, 'latency <= 0.25s'],
    ]);
    expect(mine[0]!.auto).toMatchObject({ objective: 'default', excludedRoutesFrom: 'default' });
    expect(mine[1]!.auto).toMatchObject({ objective: 'default', threshold: 'resource attribute' });

    // The first request came before the SLOs; let it settle, then count from here.
    await new Promise((r) => setTimeout(r, 1000));
    const before = { availability: sliTotal('shop-availability'), latency: sliTotal('shop-latency') };
    const counted = (id: 'availability' | 'latency') => {
      const now = sliTotal(`shop-${id}`);
      return { good: now.good - before[id].good, total: now.total - before[id].total };
    };
    // Long polls first, then normal requests: only the normal ones count.
    expect(await Promise.all([get('/api/updates/poll', 1), get('/api/updates/poll', 1), get('/api/updates/poll', 1)])).toEqual([[200], [200], [200]]);
    expect(await get('/api/items', 20)).toEqual(new Array(20).fill(200));
    const series = collector.sli!.pipeline.series;
    const routeCount = (route: string) => {
      let n = 0;
      series.forEachSeries((service, r, cell) => {
        if (service === 'shop' && r === route) n += cell.count;
      });
      return n;
    };
    await eventually('the requests in the request series', () => (routeCount('/api/updates/poll') >= 3 && routeCount('/api/items') >= 21 ? true : undefined), 15_000);
    await eventually('the 20 requests in the SLI store', () => (counted('availability').total >= 20 ? true : undefined), 10_000);
    expect(routeCount('/api/updates/poll')).toBe(3); // seen by the request series…
    expect(counted('availability')).toEqual({ good: 20, total: 20 }); // …but not counted by the auto SLOs
    await eventually('the latency SLI', () => (counted('latency').total >= 20 ? true : undefined), 10_000);
    expect(counted('latency')).toEqual({ good: 20, total: 20 }); // fast requests, none of the 400 ms polls

    // Error burst on the normal route.
    expect(await get('/api/items?fail=1', 30)).toEqual(new Array(30).fill(500));
    await eventually('the burst in the SLI store', () => (counted('availability').total >= 50 ? true : undefined), 15_000);
    expect(counted('availability')).toEqual({ good: 20, total: 50 });
    offset += MINUTE + 5_000; // the burst's minute is complete
    const pages = () =>
      sink
        .on('/hook')
        .flatMap((r) => (r.json as { alerts: HookAlert[] }).alerts)
        .filter((a) => a.status === 'firing' && a.labels.severity === 'page');
    await sink.waitFor(() => pages().length >= 1, 10_000, 'the page');
    expect(pages()[0]!.labels).toMatchObject({ alertname: 'SLOErrorBudgetBurn', slo: 'shop-availability', service: 'shop', origin: 'auto', long_window: '5m', short_window: '2m' });

    // export-auto: the same SLOs as a spec file lookout slo check accepts
    const written: Record<string, string> = {};
    const outcome = await runExportAuto(['--url', collector.httpUrl, '--out', 'auto-slos.yaml'], { fetch, writeFile: (f, t) => (written[f] = t), env: {} });
    expect(outcome).toMatchObject({ code: 0, stderr: 'wrote auto-slos.yaml\n' });
    const spec = written['auto-slos.yaml']!;
    expect(checkSpecFile(spec, 'auto-slos.yaml').filter((i) => i.severity === 'error')).toEqual([]);
    expect(spec).toContain('service: "shop"');
    expect(spec).toContain('sli: { latency: 250ms }   # threshold: resource attribute');
    expect(spec).toMatch(/filters: \{ route: "!~.*poll/);
  });
});
