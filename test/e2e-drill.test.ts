import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { drillCommand } from '../collector/src/drill/index.ts';
import { startWebhookSink, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * `lookout drill` end to end against a running collector with a drill SLO and a webhook
 * receiver. The collector and the drill share one clock that runs 100× faster than real
 * time while the drill waits between polls (each 100 ms poll is 10 s of drill time), so
 * the minutes the 1h/5m windows need pass in seconds and the measured time to page can
 * be compared with the spec's detection table in drill time.
 */

const SPEC = `service: lookout-drill
runbook: https://runbooks.example.com/drill
filters: { route: /lookout-drill }
slos:
  - name: pager-drill
    description: synthetic SLO the weekly drill burns
    objective: 99.9%
    sli: availability
    # one page pair: the drill resolves 5 minutes after its burn ends (the Workbook's 6h/30m
    # pair would hold the page for 30 minutes)
    policy:
      - { severity: page, long: 1h, short: 5m, factor: 14.4 }
`;

let dir: string;
let sink: WebhookSink;
let collector: RunningCollector;
let offset = 0;
const now = () => Date.now() + offset;
const acceleratedSleep = async (ms: number) => {
  offset += ms * 100 - ms / 10;
  await new Promise((r) => setTimeout(r, ms / 10));
};

function io() {
  let out = '';
  let err = '';
  return {
    io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t), env: {}, deps: { now, sleep: acceleratedSleep } },
    out: () => out,
    err: () => err,
  };
}

async function collectorWith(notify: unknown): Promise<RunningCollector> {
  const config = parseConfig(
    JSON.stringify({
      receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
      log: { level: 'error' },
      storage: { dataDir: join(dir, `data-${Math.random().toString(36).slice(2)}`) },
      slos: { files: [join(dir, 'drill.yaml')], evaluationInterval: '100ms' },
      ...(notify ? { notify } : {}),
    }),
    'drill-e2e.yaml',
    {},
  );
  return startCollector(config, { now });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-drill-'));
  writeFileSync(join(dir, 'drill.yaml'), SPEC);
  sink = await startWebhookSink();
  collector = await collectorWith({ receivers: { webhook: [{ name: 'oncall', url: `${sink.url}/hook` }] } });
});

afterAll(async () => {
  await collector?.close();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lookout drill', () => {
  it('burns the drill SLO, sees the page delivered to the webhook, recovers and sees the resolve delivered', async () => {
    const run = io();
    const code = await drillCommand(
      ['--url', collector.httpUrl, '--slo', 'pager-drill', '--spec', join(dir, 'drill.yaml'), '--route', '/lookout-drill', '--poll-interval', '1s', '--timeout', '30m'],
      run.io,
    );
    expect(run.out(), run.err()).toContain('drill of SLO pager-drill (service lookout-drill): PASSED');
    expect(code).toBe(0);
    // measured in drill time, against the spec's 52 s for a full outage (+ up to a minute of buckets and polling)
    const timeToPage = Number(/time to page\s+([\d.]+) s/.exec(run.out())![1]);
    expect(timeToPage).toBeGreaterThanOrEqual(14.4 * 0.001 * 3600 - 1);
    expect(timeToPage).toBeLessThanOrEqual(14.4 * 0.001 * 3600 + 130);
    expect(run.out()).toMatch(/→ oncall: delivered/);
    expect(run.out()).toMatch(/→ oncall: resolve delivered/);
    // what the on-call receiver saw: one page and one resolve for the drill SLO
    const alerts = sink.on('/hook').map((r) => (r.json as { alerts: Array<{ status: string; labels: Record<string, string> }> }).alerts[0]!);
    const drill = alerts.filter((a) => a.labels.slo === 'pager-drill' && a.labels.severity === 'page');
    expect(drill.map((a) => a.status)).toEqual(['firing', 'resolved']);
  });

  it('fails (exit 1) when the collector has no receiver to page', async () => {
    const lonely = await collectorWith(undefined);
    try {
      const run = io();
      const code = await drillCommand(['--url', lonely.httpUrl, '--slo', 'pager-drill', '--no-resolve', '--timeout', '30m'], run.io);
      expect(code).toBe(1);
      expect(run.out()).toContain('FAILED');
      expect(run.out()).toContain('PROBLEM: the page reached no receiver');
    } finally {
      await lonely.close();
    }
  });

  it('cannot run (exit 2) against an unknown SLO, naming the SLOs there are, or an unreachable collector', async () => {
    const unknown = io();
    expect(await drillCommand(['--url', collector.httpUrl, '--slo', 'nope'], unknown.io)).toBe(2);
    expect(unknown.err()).toContain('has no SLO named nope; it has: lookout-drill/pager-drill');
    const down = io();
    expect(await drillCommand(['--url', 'http://127.0.0.1:9', '--slo', 'pager-drill'], down.io)).toBe(2);
    expect(down.err()).toMatch(/cannot reach the collector at http:\/\/127\.0\.0\.1:9\/api\/v1\/slos/);
    const usage = io();
    expect(await drillCommand(['--rate', 'fast', '--slo', 'x'], usage.io)).toBe(2);
    expect(usage.err()).toContain('--rate fast is not a rate');
  });
});
