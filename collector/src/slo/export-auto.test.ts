import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSpecFile } from '@lookout/alerts';
import { newAttributes } from '@lookout/otlp';
import { buildCollector, type BuiltCollector } from '../collector.ts';
import { parseConfig } from '../config/load.ts';
import { runExportAuto, runSloCommand, type ExportAutoIo } from './cli-commands.ts';

const open: Array<{ collector: BuiltCollector; dir: string }> = [];
afterEach(async () => {
  for (const { collector, dir } of open.splice(0)) {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function collectorWith(auto: Record<string, unknown>): Promise<BuiltCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-export-auto-'));
  const config = parseConfig(JSON.stringify({ log: { level: 'error' }, storage: { dataDir: dir }, slos: { auto } }), 'lookout.yaml', {});
  const collector = await buildCollector(config);
  open.push({ collector, dir });
  return collector;
}

/** `fetch` answered by the collector's own routes (fastify inject: the real handlers, no socket). */
function io(collector: BuiltCollector, written: Record<string, string> = {}): ExportAutoIo {
  const fetchVia = (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    const response = await collector.inject({ method: 'GET', url: url.pathname, headers: (init?.headers ?? {}) as Record<string, string> });
    return new Response(response.body, { status: response.statusCode, headers: { 'content-type': String(response.headers['content-type'] ?? '') } });
  }) as typeof fetch;
  return { fetch: fetchVia, writeFile: (file, text) => void (written[file] = text), env: {} };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('lookout slo export-auto', () => {
  it('prints the auto SLOs of the services the collector saw as a spec lookout slo check accepts', async () => {
    const collector = await collectorWith({ enabled: true, latencyThreshold: '300ms' });
    const attributes = newAttributes();
    attributes['service.name'] = 'catalog';
    attributes['lookout.slo.objective'] = '99.9';
    // seen with requests (a service without any gets no SLOs)
    collector.sli!.pipeline.observeRequest({ service: 'catalog', route: '/items', method: 'GET', statusCode: 200, error: false, durationSeconds: 0.01, endTimeMs: Date.now() }, Date.now());
    collector.alerting.sightings.see('catalog', Date.now(), attributes);
    const outcome = await runExportAuto([], io(collector));
    expect(outcome.code).toBe(0);
    expect(checkSpecFile(outcome.stdout, 'auto.yaml').filter((i) => i.severity === 'error')).toEqual([]);
    expect(outcome.stdout).toContain('objective: 99.9   # resource attribute');
    expect(outcome.stdout).toContain('sli: { latency: 500ms }   # threshold: config'); // 300ms rounded up to a bucket bound
    const written: Record<string, string> = {};
    expect(await runExportAuto(['--out', 'slos/auto.yaml'], io(collector, written))).toEqual({ code: 0, stdout: '', stderr: 'wrote slos/auto.yaml\n' });
    expect(written['slos/auto.yaml']).toBe(outcome.stdout);
  });

  it('with no service seen yet: a comment, exit 0', async () => {
    const collector = await collectorWith({ enabled: true });
    expect(await runExportAuto([], io(collector))).toEqual({ code: 0, stdout: '# slos.auto: no service seen yet\n', stderr: '' });
  });

  it('says how to turn automatic SLOs on when they are off (exit 2)', async () => {
    const collector = await collectorWith({ enabled: false });
    const outcome = await runExportAuto([], io(collector));
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe('lookout slo: http://127.0.0.1:4318/api/v1/auto-slos answered 404: automatic SLOs are off; turn them on with slos.auto.enabled: true\n');
  });

  it('bad arguments and an unreachable collector are usage errors that say what to pass', async () => {
    const bad = await runExportAuto(['--url', 'ftp://x'], { fetch, writeFile: () => {}, env: {} });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--url must be the collector's http(s) URL, e.g. http://127.0.0.1:4318, not 'ftp://x'");
    const positional = await runExportAuto(['auto.yaml'], { fetch, writeFile: () => {}, env: {} });
    expect(positional.stderr).toContain('export-auto takes no file arguments (got auto.yaml); write --out FILE');
    const unknown = await runExportAuto(['--since', '1d'], { fetch, writeFile: () => {}, env: {} });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--since'");
    const port = await closedPort();
    const down = await runExportAuto(['--url', `http://127.0.0.1:${port}`], { fetch, writeFile: () => {}, env: {} });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(new RegExp(`^lookout slo: cannot reach the collector at http://127\\.0\\.0\\.1:${port} \\(.+\\); pass --url with its HTTP listener\\n$`));
    // runSloCommand (synchronous) points at the lookout command
    expect(runSloCommand(['export-auto']).code).toBe(2);
  });

  it('a file that cannot be written is reported', async () => {
    const collector = await collectorWith({ enabled: true });
    const failing = { ...io(collector), writeFile: () => { throw new Error('EACCES: permission denied'); } };
    expect(await runExportAuto(['--out', '/root/auto.yaml'], failing)).toEqual({ code: 2, stdout: '', stderr: 'lookout slo: cannot write /root/auto.yaml: EACCES: permission denied\n' });
  });
});
