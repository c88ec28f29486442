/**
 * The host agent with two collectors (issue 14: agents accept several endpoints and fail
 * over): lines go to the first while it answers; when it stops, the agent moves to the
 * fallback at once and every line still arrives — once, unless a batch was in flight
 * when the first collector died (then it may come twice, counted here).
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { receivedLines, sleep, startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';

describe('host agent: fallback endpoints', () => {
  let first: TestCollector;
  let second: TestCollector;
  let firstClosed = false;
  let dir: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    first = await startTestCollector();
    second = await startTestCollector();
    dir = mkdtempSync(join(tmpdir(), 'lookout-agent-failover-'));
  });

  afterAll(async () => {
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    if (!firstClosed) await first?.close();
    await second?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends to the first collector while it answers, then fails over without losing a line', async () => {
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const config = writeConfig(
      dir,
      [
        'collector:',
        `  endpoint: ${first.collector.httpUrl}`,
        `  fallbackEndpoints: [${second.collector.httpUrl}]`,
        '  failoverCoolDown: 60s',
        '  timeout: 2s',
        `dataDir: ${join(dir, 'data')}`,
        'files:',
        `  - glob: ${logs}/*.log`,
        '    labels: { service: checkout }',
        'tail: { pollInterval: 40ms }',
        'retry: { initialBackoff: 20ms, maxBackoff: 200ms }',
        'batch: { maxRecords: 20 }',
        'resources: { enabled: false }',
      ].join('\n'),
    );
    const file = join(logs, 'app.log');
    const written: string[] = [];
    const write = (from: number, to: number) => {
      for (let n = from; n <= to; n++) {
        const line = `line ${String(n).padStart(5, '0')}`;
        appendFileSync(file, line + '\n');
        written.push(line);
      }
    };
    agent = await startAgentProcess(config, 60_000);
    write(1, 100);
    await first.waitForItems('logs', 100, 15_000);
    expect(receivedLines(second.collector ? second.batches.logs : []).length).toBe(0);

    await first.close();
    firstClosed = true;
    write(101, 200);
    const deadline = Date.now() + 20_000;
    const arrived = () => new Set([...receivedLines(first.batches.logs), ...receivedLines(second.batches.logs)].map((l) => l.body));
    while (arrived().size < written.length && Date.now() < deadline) await sleep(50);

    expect([...arrived()].sort()).toEqual([...written].sort());
    const afterStop = receivedLines(second.batches.logs).map((l) => l.body);
    expect(afterStop).toContain('line 00200');
    const all = [...receivedLines(first.batches.logs), ...receivedLines(second.batches.logs)].map((l) => l.body);
    const twice = all.length - new Set(all).size;
    // only a batch in flight when the first collector stopped may arrive twice
    expect(twice).toBeLessThanOrEqual(20);
    expect(agent.output()).toContain('failing over');
  });
});
