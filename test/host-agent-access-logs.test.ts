/**
 * Issue 11, item 1: the real lookout-agent tails a file of nginx combined lines into a
 * real collector. The lines are parsed there like lines posted to /v1/logs/raw: request
 * series under the file's `service` label (not the agent's unknown_service), 5xx as
 * errors, and the SLI store's per-minute (good, total) for an availability SLI of that
 * service. The same lines posted to /v1/logs/raw?format=access give the same series.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogsData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { findSamples, scrape, type Sample } from './helpers/exposition.ts';
import { sleep, startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';

const N = 60;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** nginx `combined`: 4 routes with ids, every 6th a 502, every 5th a 404. */
function nginxLine(i: number, at: Date): { line: string; status: number } {
  const paths = [`/api/users/${100 + i}`, `/api/orders/${crypto.randomUUID()}`, '/health', `/static/app.${i}.js`];
  const status = i % 6 === 0 ? 502 : i % 5 === 0 ? 404 : 200;
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
  const method = i % 4 === 1 ? 'POST' : 'GET';
  return { line: `198.51.100.${i % 200} - - [${stamp}] "${method} ${paths[i % 4]} HTTP/1.1" ${status} ${512 + i} "-" "curl/8.5.0"`, status };
}

/** lookout_requests_total by "route method status_class" for one service. */
function series(samples: Sample[], service: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of findSamples(samples, 'lookout_requests_total', { service })) out[`${s.labels.route} ${s.labels.method} ${s.labels.status_class}`] = s.value;
  return out;
}

describe('host agent: tailed nginx access lines become request series and SLIs', () => {
  let test: TestCollector;
  let dir: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-host-agent-access-'));
    test = await startTestCollector(
      JSON.stringify({
        storage: { dataDir: join(dir, 'collector') },
        sli: { flushInterval: '1h', definitions: [{ id: 'edge-availability', service: 'edge', kind: 'availability' }] },
      }),
    );
  });
  afterAll(async () => {
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) {
      agent.child.kill('SIGTERM');
      await Promise.race([agent.exited, sleep(5000)]);
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
    await test?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the request series of the file under its service label, and SLI buckets', async () => {
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const file = join(logs, 'access.log');
    const now = new Date();
    const lines = Array.from({ length: N }, (_, i) => nginxLine(i, now));
    appendFileSync(file, lines.map((l) => l.line).join('\n') + '\n');

    agent = await startAgentProcess(
      writeConfig(
        dir,
        [
          'collector:',
          `  endpoint: ${test.collector.httpUrl}`,
          `dataDir: ${join(dir, 'agent')}`,
          'files:',
          `  - glob: ${logs}/*.log`,
          '    labels: { service: edge, team: web }',
          '    startAt: beginning',
          'tail: { pollInterval: 40ms }',
          'batch: { maxRecords: 25 }',
          'resources: { enabled: false }',
          'log: { level: info }',
        ].join('\n'),
      ),
      45_000, // tsx compiles the agent at start: slow on a loaded CI machine
    );
    await test.waitForItems('logs', N, 20_000);
    await test.collector.queue.idle();

    const samples = await scrape(`${test.collector.httpUrl}/metrics`);
    const fromAgent = series(samples, 'edge');
    const errors = lines.filter((l) => l.status >= 500).length;
    expect(Object.values(fromAgent).reduce((a, b) => a + b, 0)).toBe(N);
    expect(fromAgent['/health GET 5xx']).toBeGreaterThan(0);
    expect(Object.keys(fromAgent)).toContain('/api/users/:id GET 2xx');
    expect(Object.keys(fromAgent)).toContain('/api/orders/:uuid POST 2xx');
    const edgeErrors = Object.entries(fromAgent).filter(([key]) => key.endsWith(' 5xx')).reduce((n, [, v]) => n + v, 0);
    expect(edgeErrors).toBe(errors);
    // Nothing counted as the agent's own (unknown) service, every line a parsed access record.
    expect(series(samples, 'unknown_service')).toEqual({});
    expect(findSamples(samples, 'lookout_log_records_total', { service: 'edge', source: 'file' }).reduce((n, s) => n + s.value, 0)).toBe(N);
    expect(findSamples(samples, 'lookout_log_lines_unparsed_total').reduce((n, s) => n + s.value, 0)).toBe(0);

    // The SLI store has the file's traffic: good = not 5xx.
    expect(test.collector.sli!.flush()).toBe(true);
    const minute = Math.floor(now.getTime() / 60_000);
    expect(test.collector.sli!.store!.sum('edge-availability', minute - 2, minute + 2)).toEqual({ good: N - errors, total: N });

    // The records keep what the agent sent: the file's labels, path and uid.
    const record = test.batches.logs
      .flatMap((b) => (b.data as LogsData).resourceLogs)
      .find((rl) => rl.resource.attributes['service.name'] === 'edge')!.scopeLogs[0]!.logRecords[0]!;
    expect(record.attributes).toMatchObject({ team: 'web', 'log.file.path': file, 'lookout.log.format': 'access', 'http.request.method': expect.any(String) });
    expect(typeof record.attributes['log.record.uid']).toBe('string');

    // Same lines, same series through /v1/logs/raw.
    const response = await fetch(`${test.collector.httpUrl}/v1/logs/raw?service=edge-raw&format=access`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: lines.map((l) => l.line).join('\n') + '\n',
    });
    expect(await response.json()).toEqual({ accepted: N, unparsed: 0 });
    await test.collector.queue.idle();
    expect(series(await scrape(`${test.collector.httpUrl}/metrics`), 'edge-raw')).toEqual(fromAgent);
  }, 60_000);
});
