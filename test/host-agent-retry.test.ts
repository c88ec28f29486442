/**
 * The host agent's shipping against trouble: a collector that is not there yet (lines
 * wait in the files, then all arrive once, in order), and a scripted OTLP endpoint that
 * answers 503 with Retry-After, 429, 413 and 400, checked request by request.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeLogsProtobuf } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { receivedLines, sleep, startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';
import { freePort } from './helpers/server-process.ts';

function metricsUrl(agent: AgentProcess): string {
  const match = /"metrics":"([^"]+)"/.exec(agent.output());
  if (!match) throw new Error(`agent printed no metrics URL:\n${agent.output()}`);
  return match[1]!;
}

/** One sample of the Prometheus text, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function agentYaml(dir: string, endpoint: string, extra: string[] = []): string {
  return [
    'collector:',
    `  endpoint: ${endpoint}`,
    `dataDir: ${join(dir, 'data')}`,
    'files:',
    `  - glob: ${join(dir, 'logs')}/*.log`,
    'tail: { pollInterval: 30ms }',
    'retry: { initialBackoff: 20ms, maxBackoff: 200ms }',
    'resources: { enabled: false }',
    'metrics: { port: 0 }',
    'log: { level: info }',
    ...extra,
  ].join('\n');
}

describe('host agent shipping', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-host-agent-retry-'));
    mkdirSync(join(dir, 'logs'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const start = async (config: string) => {
    const agent = await startAgentProcess(config);
    cleanups.push(async () => {
      if (agent.child.exitCode === null && agent.child.signalCode === null) {
        agent.child.kill('SIGTERM');
        await agent.exited;
      }
    });
    return agent;
  };

  it('keeps lines in the files while the collector is down and delivers them once it is up', async () => {
    const dir = tempDir();
    const port = await freePort();
    const agent = await start(writeConfig(dir, agentYaml(dir, `http://127.0.0.1:${port}`)));
    const lines = Array.from({ length: 300 }, (_, i) => `request ${i} done`);
    for (const line of lines.slice(0, 150)) appendFileSync(join(dir, 'logs', 'app.log'), line + '\n');
    // retrying against nothing for a while
    await sleep(1200);
    let text = await (await fetch(metricsUrl(agent))).text();
    expect(sample(text, 'lookout_agent_send_retries_total{reason="network"}')).toBeGreaterThan(2);
    expect(sample(text, 'lookout_agent_lines_shipped_total')).toBe(0);
    expect(sample(text, 'lookout_agent_checkpoint_lag_bytes')).toBeGreaterThan(0);

    let collector: TestCollector | undefined;
    collector = await startTestCollector(`receivers:\n  otlp:\n    http: { port: ${port} }\n`);
    cleanups.push(() => collector?.close());
    for (const line of lines.slice(150)) appendFileSync(join(dir, 'logs', 'app.log'), line + '\n');
    await collector.waitForItems('logs', lines.length, 10_000);
    await sleep(200);
    expect(receivedLines(collector.batches.logs).map((l) => l.body)).toEqual(lines);

    text = await (await fetch(metricsUrl(agent))).text();
    expect(sample(text, 'lookout_agent_lines_shipped_total')).toBe(300);
    expect(sample(text, 'lookout_agent_lines_read_total')).toBe(300);
    expect(sample(text, 'lookout_agent_files_tracked')).toBe(1);
    expect(sample(text, 'lookout_agent_checkpoint_lag_bytes')).toBe(0);
    expect(sample(text, 'lookout_agent_buffer_lines')).toBe(0);
  }, 30_000);

  it('honours Retry-After, backs off on 429, halves batches on 413 and skips a batch refused with 400', async () => {
    const requests: Array<{ at: number; records: string[]; status: number }> = [];
    const accepted: string[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const decoded = decodeLogsProtobuf(body);
        const records = decoded.data.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => String(r.body))));
        const n = requests.length;
        const status = n === 0 ? 503 : n === 1 ? 429 : records.length > 5 ? 413 : records.includes('poison') ? 400 : 200;
        requests.push({ at: Date.now(), records, status });
        if (status === 200) accepted.push(...records);
        if (status === 503) res.setHeader('retry-after', '1');
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '{}' : JSON.stringify({ code: 3, message: `scripted ${status}` }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const dir = tempDir();
    const lines = Array.from({ length: 20 }, (_, i) => (i === 11 ? 'poison' : `line ${i}`));
    appendFileSync(join(dir, 'logs', 'app.log'), lines.map((l) => l + '\n').join(''));
    const agent = await start(writeConfig(dir, agentYaml(dir, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

    for (let waited = 0; accepted.length < 15 && waited < 10_000; waited += 20) await sleep(20);
    expect(requests.map((r) => [r.status, r.records.length])).toEqual([
      [503, 20],
      [429, 20],
      [413, 20],
      [413, 10],
      [200, 5],
      [200, 5],
      [400, 5],
      [200, 5],
    ]);
    // Retry-After: 1 was waited out; the 429 after it had no header and got a short jittered backoff
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(requests[2]!.at - requests[1]!.at).toBeLessThan(900);
    // the batch with the bad line is skipped as a whole, the rest arrives in order
    expect(accepted).toEqual([...lines.slice(0, 10), ...lines.slice(15)]);

    const text = await (await fetch(metricsUrl(agent))).text();
    expect(sample(text, 'lookout_agent_send_failures_total{reason="503"}')).toBe(1);
    expect(sample(text, 'lookout_agent_send_failures_total{reason="429"}')).toBe(1);
    expect(sample(text, 'lookout_agent_send_failures_total{reason="413"}')).toBe(2);
    expect(sample(text, 'lookout_agent_send_failures_total{reason="400"}')).toBe(1);
    expect(sample(text, 'lookout_agent_send_retries_total{reason="503"}')).toBe(1);
    expect(sample(text, 'lookout_agent_lines_rejected_total')).toBe(5);
    expect(sample(text, 'lookout_agent_lines_shipped_total')).toBe(15);
    expect(agent.output()).toContain('collector refused a batch as malformed; its lines are skipped');
  }, 30_000);
});
