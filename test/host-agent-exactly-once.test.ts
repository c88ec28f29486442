/**
 * The host agent as a process against a real collector: two files written line by
 * line, one rotated by rename (twice, once while the agent is dead), one by copytruncate
 * (twice), the agent killed with SIGKILL mid-stream and restarted. Every line must
 * arrive, each file's lines in the order they were written, and none twice. When the
 * kill falls between the collector's acknowledgement and the agent's checkpoint rename,
 * the agent sends that one batch again with the same log.record.uid values; the
 * collector remembers recent uids and delivers the batch once.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { receivedLines, sleep, startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';

describe('host agent: rotation, kill -9 and restart', () => {
  let collector: TestCollector;
  let dir: string;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    collector = await startTestCollector();
    dir = mkdtempSync(join(tmpdir(), 'lookout-host-agent-'));
  });

  afterAll(async () => {
    for (const agent of agents) if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await collector?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every line exactly once, in order per file, across rotations and a kill -9', async () => {
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const config = writeConfig(
      dir,
      [
        'collector:',
        `  endpoint: ${collector.collector.httpUrl}`,
        `dataDir: ${join(dir, 'data')}`,
        'files:',
        `  - glob: ${logs}/*.log`,
        '    labels: { service: checkout, team: payments }',
        'tail: { pollInterval: 40ms, rotateWait: 300ms }',
        'retry: { initialBackoff: 20ms, maxBackoff: 200ms }',
        'batch: { maxRecords: 50 }',
        'resources: { enabled: false }',
        // HOST_AGENT_LOG=debug shows each rotation decision when this test fails
        `log: { level: ${process.env.HOST_AGENT_LOG ?? 'info'} }`,
      ].join('\n'),
    );
    const a = join(logs, 'a.log');
    const b = join(logs, 'b.log');
    const written: Record<string, string[]> = { [a]: [], [b]: [] };
    // distinct lengths, so offsets and lines do not line up between the files
    const write = (path: string, n: number) => {
      const line = `${path.endsWith('a.log') ? 'alpha' : 'beta'} ${String(n).padStart(6, '0')} ${'x'.repeat(n % 37)}`;
      appendFileSync(path, line + '\n');
      written[path]!.push(line);
    };
    const writeRange = async (from: number, to: number, pauseEvery = 10) => {
      for (let n = from; n <= to; n++) {
        write(a, n);
        write(b, n);
        if (n % pauseEvery === 0) await sleep(3);
      }
    };

    agents.push(await startAgentProcess(config));
    await writeRange(1, 200);
    // the agent must know a file before a copytruncate, or the old content is only in a
    // copy it never heard of; it need not have read much of it
    const seen = (path: string) => receivedLines(collector.batches.logs).some((l) => l.path === path);
    for (let waited = 0; !(seen(a) && seen(b)) && waited < 5000; waited += 5) await sleep(5);

    // rename rotation: the old file is read to its end under its new name
    renameSync(a, join(logs, 'a.log.1'));
    // copytruncate: logrotate's copy, then the cut
    copyFileSync(b, join(logs, 'b.log.1'));
    truncateSync(b, 0);
    await writeRange(201, 400);

    // mid-stream: kill -9 while lines are being written and shipped
    const killAt = 500;
    for (let n = 401; n <= 600; n++) {
      write(a, n);
      write(b, n);
      if (n % 10 === 0) await sleep(3);
      if (n === killAt) {
        // the agent must have found the new a.log before it is renamed while the agent
        // is down (no agent can know a file created and rotated while it was not looking)
        const found = () => receivedLines(collector.batches.logs).some((l) => l.path === a && l.body >= 'alpha 000201');
        for (let waited = 0; !found() && waited < 5000; waited += 5) await sleep(5);
        // not right after an acknowledgement the test just saw: at a moment of its own
        await sleep(10 + Math.floor(Math.random() * 20));
        agents[0]!.child.kill('SIGKILL');
        expect(await agents[0]!.exited).toBe('SIGKILL');
        // the collector finishes what it took; nothing newer can come from the dead agent
        await sleep(100);
      }
    }
    // rotated while the agent is dead: found again by inode after the restart
    renameSync(a, join(logs, 'a.log.2'));
    await writeRange(601, 650);

    agents.push(await startAgentProcess(config));
    await writeRange(651, 800);
    copyFileSync(b, join(logs, 'b.log.2'));
    truncateSync(b, 0);
    await writeRange(801, 900);

    const expectedCount = written[a]!.length + written[b]!.length;
    const deadline = Date.now() + 12_000;
    let lines = receivedLines(collector.batches.logs);
    while (new Set(lines.map((l) => l.uid)).size < expectedCount && Date.now() < deadline) {
      await sleep(50);
      lines = receivedLines(collector.batches.logs);
    }
    // anything sent twice would have come by now
    await sleep(300);
    lines = receivedLines(collector.batches.logs);
    const agentOutput = () => agents.map((x) => x.output()).join('\n---\n');

    const first = new Map<string, (typeof lines)[number]>();
    const repeats: typeof lines = [];
    for (const line of lines) {
      const seen = first.get(line.uid);
      if (!seen) first.set(line.uid, line);
      else {
        // a line sent again is the same line from the same file, never another one under its id
        expect(line.body).toBe(seen.body);
        expect(line.path).toBe(seen.path);
        repeats.push(line);
      }
    }
    for (const path of [a, b]) {
      const got = [...first.values()].filter((l) => l.path === path).map((l) => l.body);
      const missing = written[path]!.filter((line) => !got.includes(line));
      expect(missing, `${path}: lines never arrived\n${agentOutput()}`).toEqual([]);
      // each line once, in the order written
      expect(got).toEqual(written[path]);
    }
    expect(first.size).toBe(expectedCount);
    // The one moment a kill can make the agent send lines twice: the collector has taken
    // a batch and the agent has not yet renamed its checkpoint. That batch comes again
    // with the same log.record.uid values, and the collector drops the repeats, so the
    // end consumer sees every line exactly once.
    expect(repeats, 'lines delivered twice past the collector').toEqual([]);
    expect(lines).toHaveLength(expectedCount);
    const sample = lines.find((l) => l.path === a)!;
    expect(sample.attributes).toMatchObject({ 'log.file.name': 'a.log', service: 'checkout', team: 'payments' });

    // a graceful stop saves the checkpoint and exits 0
    const last = agents[1]!;
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'data', 'checkpoint.json'), 'utf8'));
    expect(checkpoint.version).toBe(1);
    expect(checkpoint.files.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining([a, b]));
    expect(existsSync(join(dir, 'data', 'agent.lock'))).toBe(false);
  }, 30_000);
});
