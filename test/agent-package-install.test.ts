/**
 * The agent packages as a user gets them: `npm run pack` writes tarballs (each built by
 * its `prepack` step), they are installed into a fresh project outside this repository,
 * and a plain node:http service run with `node --import @lookout/agent/register` reports
 * to a real collector; the host agent's `lookout-agent` bin ships a tailed file's lines.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogsData, TracesData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;

let collector: TestCollector;
let work: string;
let project: string;
let tarballs: string[];
const children: ChildProcess[] = [];

/**
 * `npm install` of the tarballs from npm's cache only; with network once when the cache
 * lacks a package's metadata (a fresh CI cache holds the tarballs `npm ci` fetched, not
 * the registry documents `npm install` resolves ranges with).
 */
async function npmInstall(cwd: string, files: string[], extra: string[]): Promise<void> {
  const args = ['install', '--no-audit', '--no-fund', '--no-save', ...extra, ...files];
  const attempt = async (mode: string) => {
    try {
      await run('npm', [mode, ...args], { cwd, timeout: 240_000 });
      return undefined;
    } catch (error) {
      const e = error as { stderr?: string; killed?: boolean; signal?: string };
      if (e.killed) throw new Error(`npm ${mode} install did not finish within 240 s (${e.signal}); the machine is overloaded or npm hangs`);
      return e.stderr ?? String(error);
    }
  };
  const offline = await attempt('--offline');
  if (offline === undefined) return;
  if (!/ENOTCACHED/.test(offline)) throw new Error(`npm --offline install failed:\n${offline}`);
  const online = await attempt('--prefer-offline');
  if (online !== undefined) throw new Error(`npm --prefer-offline install failed:\n${online}`);
}

beforeAll(async () => {
  collector = await startTestCollector();
  work = mkdtempSync(join(tmpdir(), 'lookout-agent-install-'));
  const { stdout } = await run(process.execPath, ['scripts/pack-packages.mjs', '--json', '--out', join(work, 'packages')], { cwd: root, timeout: 150_000 });
  tarballs = JSON.parse(stdout) as string[];
  project = join(work, 'my-service');
  await run('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-service', version: '1.0.0', private: true, type: 'module' }));
  // While the host agent still depends on @lookout/collector, installing it would compile
  // better-sqlite3 (a minute), which neither agent ever loads: skip install scripts then.
  const names = tarballs.map((t) => t.replace(/.*\//, ''));
  const extra = names.some((n) => n.startsWith('lookout-collector-')) ? ['--ignore-scripts'] : [];
  await npmInstall(project, tarballs, extra);
}, 420_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await collector?.close();
  // Hundreds of installed packages take a while to delete on a busy disk: leave that to
  // a detached rm instead of holding the suite.
  if (work) spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
}, 30_000);

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpExecArray> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no line matching ${pattern} within ${timeoutMs} ms; output: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) first; output: ${output}`));
    });
  });
}

describe('agent packages installed from their tarballs', () => {
  it('packs the agents and the workspace packages they depend on, with compiled JS and types only', () => {
    const names = tarballs.map((t) => t.replace(/.*\//, ''));
    expect(names).toEqual(expect.arrayContaining(['lookout-agent-0.1.0.tgz', 'lookout-host-agent-0.1.0.tgz']));
    expect(relative(root, project).startsWith('..')).toBe(true);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/@lookout/agent/package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
      engines: { node: string };
    };
    expect(installed.engines.node).toBe('>=20.6');
    // Every target a user's node or TypeScript resolves exists; only the repository's own
    // `lookout-source` condition points at sources, which no user sets.
    for (const [subpath, target] of Object.entries(installed.exports)) {
      const conditions = typeof target === 'string' ? { default: target } : target;
      for (const [condition, file] of Object.entries(conditions)) {
        if (condition === 'lookout-source') continue;
        expect(existsSync(join(project, 'node_modules/@lookout/agent', file)), `${subpath} ${condition} -> ${file}`).toBe(true);
      }
    }
    expect(existsSync(join(project, 'node_modules/@lookout/agent/src'))).toBe(false);
  });

  it('a node:http service run with `node --import @lookout/agent/register` sends its spans to the collector', { timeout: 60_000 }, async () => {
    writeFileSync(
      join(project, 'app.js'),
      [
        "import { createServer } from 'node:http';",
        'const server = createServer((req, res) => {',
        "  res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'text/plain' });",
        "  res.end('hello\\n');",
        '});',
        "server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));",
        '',
      ].join('\n'),
    );
    const app = spawn(process.execPath, ['--import', '@lookout/agent/register', 'app.js'], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        OTEL_SERVICE_NAME: 'installed-service',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.httpUrl,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(app);
    const [, port] = await waitForLine(app, /listening (\d+)/, 'the service');
    for (const path of ['/', '/orders', '/fail']) await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.text());
    app.kill('SIGTERM');

    const deadline = Date.now() + 30_000;
    let spans: Array<{ service: unknown; status?: unknown; attributes: Record<string, unknown> }> = [];
    while (spans.length < 3 && Date.now() < deadline) {
      spans = collector.batches.traces.flatMap((batch) =>
        (batch.data as TracesData).resourceSpans
          .filter((rs) => rs.resource.attributes['service.name'] === 'installed-service')
          .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ service: rs.resource.attributes['service.name'], attributes: span.attributes })))),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    const statuses = spans.map((s) => s.attributes['http.response.status_code']).sort();
    expect(statuses).toEqual([200, 200, 500]);
  });

  it('the host agent bin from its tarball tails a file and ships the lines to the collector', { timeout: 60_000 }, async () => {
    const bin = join(project, 'node_modules/.bin/lookout-agent');
    const version = await run(bin, ['--version'], { cwd: project });
    expect(version.stdout).toMatch(/^lookout-agent 0\.1\.0/);

    const logFile = join(work, 'app.log');
    writeFileSync(logFile, 'first line from the installed host agent\n');
    writeFileSync(
      join(project, 'lookout-agent.yaml'),
      [
        'collector:',
        `  endpoint: ${collector.collector.httpUrl}`,
        `dataDir: ${join(work, 'agent-data')}`,
        'files:',
        `  - glob: ${logFile}`,
        '    labels: { service: tailed-by-host-agent }',
        '    startAt: beginning',
        'resources: { interval: 1h }',
        '',
      ].join('\n'),
    );
    const check = await run(bin, ['--check'], { cwd: project });
    expect(check.stdout + check.stderr).toMatch(/OK|valid/i);

    const agent = spawn(bin, [], { cwd: project, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(agent);
    appendFileSync(logFile, 'second line from the installed host agent\n');
    const deadline = Date.now() + 30_000;
    let bodies: unknown[] = [];
    while (bodies.length < 2 && Date.now() < deadline) {
      bodies = collector.batches.logs.flatMap((batch) =>
        (batch.data as LogsData).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((record) => record.body))),
      ).filter((body) => typeof body === 'string' && body.includes('installed host agent'));
      await new Promise((r) => setTimeout(r, 100));
    }
    agent.kill('SIGTERM');
    expect(bodies).toEqual(['first line from the installed host agent', 'second line from the installed host agent']);
  });
});
