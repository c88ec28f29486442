import { afterAll, describe, expect, it } from 'vitest';
import type { Batch, LogsData, TracesData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { eventually, startAgentApp, type AgentApp } from './fixtures/agent-apps/harness.ts';
import { freePort } from './helpers/server-process.ts';

/**
 * LOOKOUT_ENDPOINTS: a real fastify service under the agent sends to the first of two
 * real collectors; that collector is closed while requests keep coming, and the spans
 * (and logs, and metrics) of the requests that follow arrive at the second, with one
 * failover counted per signal and the agent's own line on stderr.
 */

function pathsOf(batches: Batch[], pid: number): Set<string> {
  const paths = new Set<string>();
  for (const b of batches)
    for (const rs of (b.data as TracesData).resourceSpans) {
      if (rs.resource.attributes['process.pid'] !== pid) continue;
      for (const ss of rs.scopeSpans) for (const span of ss.spans) paths.add(String(span.attributes['url.path']));
    }
  return paths;
}
function logUsersOf(batches: Batch[], pid: number): Set<string> {
  const users = new Set<string>();
  for (const b of batches)
    for (const rl of (b.data as LogsData).resourceLogs) {
      if (rl.resource.attributes['process.pid'] !== pid) continue;
      for (const sl of rl.scopeLogs) for (const r of sl.logRecords) if (r.attributes.user !== undefined) users.add(String(r.attributes.user));
    }
  return users;
}
function counter(exposition: string, name: string, labels: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

const open: Array<{ close(): Promise<void> }> = [];
let app: AgentApp | undefined;
afterAll(async () => {
  app?.kill();
  await Promise.allSettled(open.map((c) => c.close()));
});

describe('agent failover between collectors (LOOKOUT_ENDPOINTS)', () => {
  // six waits of at most 20 s each: the test's own bound is their sum, not a guess at a fast run
  it('keeps delivering spans, logs and metrics to the second collector when the first is closed mid-stream', { timeout: 150_000 }, async () => {
    const first: TestCollector = await startTestCollector();
    const second: TestCollector = await startTestCollector();
    open.push(second);
    let firstOpen = true;
    const metricsPort = await freePort();
    app = await startAgentApp('fastify-app.mjs', 'esm', {
      LOOKOUT_ENDPOINTS: `${first.collector.httpUrl},${second.collector.httpUrl}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      LOOKOUT_METRICS_PORT: String(metricsPort),
      LOOKOUT_METRICS_HOST: '127.0.0.1',
    });
    const pid = app.child.pid!;
    const url = app.url;

    // A steady stream of requests, each with its own path, until told to stop.
    let next = 0;
    let streaming = true;
    const sentAfterClose: string[] = [];
    const stream = (async () => {
      while (streaming) {
        const id = next++;
        const closedBefore = !firstOpen;
        const response = await fetch(`${url}/users/${id}`);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        if (closedBefore) sentAfterClose.push(`/users/${id}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // awaited below; a failure before that (the app gone at teardown) is not an unhandled rejection
    stream.catch(() => undefined);

    try {
      // Everything goes to the first collector while it answers.
      await eventually('spans at the first collector', () => (pathsOf(first.batches.traces, pid).size >= 20 ? true : undefined), 20_000);
      await eventually('logs at the first collector', () => (logUsersOf(first.batches.logs, pid).size > 0 ? true : undefined), 20_000);
      await eventually('metrics at the first collector', () => (first.batches.metrics.length > 0 ? true : undefined), 20_000);
      expect(second.batches.traces).toEqual([]);

      await first.close();
      firstOpen = false;
      await eventually('50 requests after the first collector closed', () => (sentAfterClose.length >= 50 ? true : undefined), 20_000);
      streaming = false;
      await stream;

      // Every request made after the close has its span at the second collector.
      const expected = [...sentAfterClose];
      await eventually(
        'the spans of every request after the close at the second collector',
        () => (expected.every((path) => pathsOf(second.batches.traces, pid).has(path)) ? true : undefined),
        20_000,
      );
      const lastUser = expected[expected.length - 1]!.split('/').pop()!;
      await eventually('logs of the last request at the second collector', () => (logUsersOf(second.batches.logs, pid).has(lastUser) ? true : undefined), 20_000);
      await eventually('metrics at the second collector', () => (second.batches.metrics.length > 0 ? true : undefined), 20_000);

      const exposition = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(counter(exposition, 'lookout_agent_failovers_total', 'signal="traces"')).toBe(1);
      expect(counter(exposition, 'lookout_agent_failovers_total', 'signal="logs"')).toBe(1);
      expect(counter(exposition, 'lookout_agent_failovers_total', 'signal="metrics"')).toBe(1);
      const said = app.stderrLines();
      expect(said.some((l) => l.startsWith('lookout-agent:') && l.includes(`traces: ${first.collector.httpUrl}/v1/traces is unavailable`) && l.includes(`sending to ${second.collector.httpUrl}/v1/traces`))).toBe(true);
      expect(said.filter((l) => !l.startsWith('lookout-agent:'))).toEqual([]);
      console.log(`failover: ${next} requests, ${expected.length} after the close, all at the second collector; agent said ${JSON.stringify(said)}`);
    } finally {
      streaming = false;
      await stream.catch(() => undefined);
    }
  });
});
