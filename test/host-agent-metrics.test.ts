/**
 * The host agent's host metrics reach a real collector as OTLP with the semantic
 * conventions' names, agreeing with what this test reads from /proc and statfs itself;
 * and the CLI refuses bad configs with a located message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric, MetricsData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { sleep, startAgentProcess, writeConfig, type AgentProcess } from './helpers/host-agent.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function allMetrics(collector: TestCollector): Array<{ metric: Metric; resource: Record<string, unknown> }> {
  return collector.batches.metrics.flatMap((b) =>
    (b.data as MetricsData).resourceMetrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => ({ metric, resource: { ...rm.resource.attributes } }))),
    ),
  );
}

const pointsOf = (m: Metric) => ('dataPoints' in m.data ? m.data.dataPoints : []);

describe('host agent metrics', () => {
  let collector: TestCollector;
  let dir: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    collector = await startTestCollector();
    dir = mkdtempSync(join(tmpdir(), 'lookout-host-agent-metrics-'));
  });
  afterAll(async () => {
    if (agent && agent.child.exitCode === null) {
      agent.child.kill('SIGTERM');
      await agent.exited;
    }
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships CPU, memory, filesystem and network metrics on an interval, with its own counters', async () => {
    const config = writeConfig(
      dir,
      [
        `collector: { endpoint: "${collector.collector.httpUrl}" }`,
        `dataDir: ${join(dir, 'data')}`,
        'resources: { interval: 1s }',
        'resource: { deployment.environment: test }',
      ].join('\n'),
    );
    agent = await startAgentProcess(config);
    const deadline = Date.now() + 10_000;
    while (collector.batches.metrics.length < 2 && Date.now() < deadline) await sleep(50);
    expect(collector.batches.metrics.length, agent.output()).toBeGreaterThanOrEqual(2);

    const received = allMetrics(collector);
    const names = new Set(received.map((r) => r.metric.name));
    for (const name of [
      'system.cpu.time',
      'system.cpu.utilization',
      'system.memory.usage',
      'system.memory.limit',
      'system.filesystem.usage',
      'system.filesystem.utilization',
      'system.network.io',
      'lookout_agent_lines_read_total',
      'lookout_agent_files_tracked',
    ]) {
      expect(names, `missing ${name}`).toContain(name);
    }
    expect(received[0]!.resource).toMatchObject({ 'host.name': hostname(), 'deployment.environment': 'test' });

    // the same figures this test reads from the kernel
    const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    const limit = received.find((r) => r.metric.name === 'system.memory.limit')!.metric;
    expect(pointsOf(limit)[0]!.value).toBe(memTotal);
    const fsLimit = received.find((r) => r.metric.name === 'system.filesystem.limit')!.metric;
    const root = pointsOf(fsLimit).find((p) => p.attributes['system.filesystem.mountpoint'] === '/');
    if (root) {
      const st = statfsSync('/');
      expect(root.value).toBe(st.blocks * st.bsize);
    }
    const io = received.find((r) => r.metric.name === 'system.network.io')!.metric;
    expect(io.data).toMatchObject({ type: 'sum', isMonotonic: true });
    expect(pointsOf(io).some((p) => p.attributes['network.interface.name'] === 'lo' && p.attributes['network.io.direction'] === 'receive')).toBe(true);
    const cpu = received.find((r) => r.metric.name === 'system.cpu.time')!.metric;
    expect(pointsOf(cpu).map((p) => p.attributes['cpu.mode'])).toContain('idle');
  }, 30_000);

  it('refuses a bad config with file, line, key and fix, and exits 2', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'collector:\n  endpoint: http://127.0.0.1:4318\ndataDir: /tmp/x\ntail:\n  pollInterval: often\n');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--conditions=lookout-source', '--import', 'tsx', join(ROOT, 'agents/host/src/cli.ts'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 20_000,
      });
    const refused = run(['--config', bad]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`${bad}:5:17: tail.pollInterval: tail.pollInterval: 'often' is not a duration; write e.g. 250ms, 5s, 1m`);

    const good = join(dir, 'good.yaml');
    writeFileSync(good, `collector: { endpoint: "http://127.0.0.1:4318" }\ndataDir: ${join(dir, 'd')}\nfiles: [{ glob: "${dir}/*.log" }]\n`);
    const checked = run(['--config', good, '--check']);
    expect(checked.stdout).toBe(`${good}: ok (1 file globs, resources on)\n`);
    expect(checked.status).toBe(0);

    const unknown = run(['--conf', good]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe("lookout-agent: unknown argument '--conf'; run lookout-agent --help\n");
  }, 30_000);
});
