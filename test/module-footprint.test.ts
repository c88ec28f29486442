/**
 * The host agent ships OTLP with @lookout/otlp alone: starting the real `lookout-agent`
 * bin, tailing a file and sending logs and host metrics must not load the collector's
 * server code (fastify, better-sqlite3, pg, grpc-js). A recorder preloaded with
 * `node --import` writes every module the child resolves; the second case runs the same
 * recorder over an import of the collector to show it does see those packages. A collector
 * started without `grafana:` or PostgreSQL loads neither the dashboard generator nor pg.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RECORDER = pathToFileURL(join(ROOT, 'test/fixtures/module-load-recorder/register.mjs')).href;
const AGENT_BIN = join(ROOT, 'agents/host/bin/lookout-agent.mjs');

/** Packages a host agent has no use for, by the folder their files resolve to. */
const SERVER_PACKAGES = ['fastify', 'better-sqlite3', 'pg', '@grpc/grpc-js'];

function loadedPackages(log: string): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

interface Run {
  code: number | null;
  output: string;
}

interface RecordedChild {
  stop(): void;
  /** what it printed so far */
  output(): string;
  done: Promise<Run>;
}

/** Runs node with the recorder preloaded; `done` resolves when it exits (killed after `timeoutMs`). */
function runRecorded(args: string[], log: string, timeoutMs: number): RecordedChild {
  const child = spawn(process.execPath, ['--import', RECORDER, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', LOOKOUT_MODULE_LOG: log },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Run>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
  return { stop: () => child.kill('SIGTERM'), output: () => output, done };
}

describe('lookout-agent footprint', () => {
  let dir: string;
  let server: Server;
  let endpoint: string;
  const posted = new Set<string>();
  let onPost: () => void = () => {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-agent-footprint-'));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posted.add(req.url ?? '');
        onPost();
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('tails, ships logs and metrics, and stops without loading fastify, better-sqlite3, pg or grpc-js', async () => {
    const logFile = join(dir, 'app.log');
    writeFileSync(logFile, 'first line\nsecond line\n');
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      [
        `collector: { endpoint: "${endpoint}" }`,
        `dataDir: ${join(dir, 'data')}`,
        `files: [{ glob: "${logFile}" }]`,
        'resources: { interval: 1s }',
        'metrics: { port: 0 }',
      ].join('\n'),
    );
    const log = join(dir, 'agent-modules.log');
    const agent = runRecorded([AGENT_BIN, '--config', config], log, 30_000);
    // stop it once it has shipped both signals: by then every path it runs has been loaded
    onPost = () => {
      if (posted.has('/v1/logs') && posted.has('/v1/metrics')) agent.stop();
    };
    const run = await agent.done;
    expect(run.output).toContain('lookout-agent started');
    expect([...posted].sort(), run.output).toEqual(expect.arrayContaining(['/v1/logs', '/v1/metrics']));
    expect(run.code, run.output).toBe(0);

    const loaded = loadedPackages(log);
    // the recorder saw what the agent does load
    expect(loaded).toContain('protobufjs');
    expect(loaded).toContain('yaml');
    expect(loaded).toContain('prom-client');
    for (const name of SERVER_PACKAGES) expect(loaded, `${name} was loaded`).not.toContain(name);
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(/\/otlp\/(src|dist)\/index\.(ts|js)/);
    expect(text).not.toMatch(/\/collector\/(src|dist)\//);
  });

  it('the recorder does see the server packages when the collector is loaded', async () => {
    const log = join(dir, 'collector-modules.log');
    const run = await runRecorded(
      ['--conditions=lookout-source', '--import', 'tsx', '--input-type=module', '-e', "await import('@lookout/collector');"],
      log,
      30_000,
    ).done;
    expect(run.code, run.output).toBe(0);
    const loaded = loadedPackages(log);
    // pg and grpc-js are loaded on demand (PostgreSQL probe or storage; a gRPC receiver or
    // exporter that starts), so importing the collector no longer brings them
    for (const name of SERVER_PACKAGES.filter((n) => n !== 'pg' && n !== '@grpc/grpc-js')) expect(loaded, `${name} was not seen`).toContain(name);
  });
});

describe('collector footprint', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-collector-footprint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `lookout collector` on `receivers` with a module recorder; stops it once it says it listens; the packages it loaded. */
  async function packagesOfCollector(name: string, receivers: string): Promise<{ loaded: Set<string>; log: string }> {
    const config = join(dir, `${name}.yaml`);
    writeFileSync(config, [receivers, `storage: { dataDir: ${join(dir, `data-${name}`)} }`, 'log: { level: info }'].join('\n'));
    const log = join(dir, `${name}-modules.log`);
    const collector = runRecorded([join(ROOT, 'collector/bin/lookout.mjs'), 'collector', '--config', config], log, 30_000);
    // started once it says it listens (every component built and started); then a clean stop
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 25_000);
      void collector.done.then(() => resolve(false));
      const poll = setInterval(() => {
        if (!collector.output().includes('collector listening')) return;
        clearInterval(poll);
        clearTimeout(timer);
        resolve(true);
      }, 50);
    });
    collector.stop();
    const run = await collector.done;
    expect(started, run.output).toBe(true);
    return { loaded: loadedPackages(log), log };
  }

  it('a collector without grafana: or PostgreSQL loads neither the dashboard generator nor pg (about 10 MiB of heap at idle)', async () => {
    const { loaded, log } = await packagesOfCollector('grpc-on', 'receivers: { otlp: { http: { port: 0 }, grpc: { port: 0 } } }');
    expect(loaded).toContain('fastify');
    expect(loaded).toContain('better-sqlite3');
    expect(loaded).toContain('@grpc/grpc-js'); // its gRPC receiver started
    for (const name of ['pg', '@grafana/grafana-foundation-sdk']) expect(loaded, `${name} was loaded`).not.toContain(name);
    expect(readFileSync(log, 'utf8')).not.toMatch(/\/dashboards\/(src|dist)\/index\.(ts|js)/);
  });

  it('a collector with gRPC turned off and no gRPC exporter does not load grpc-js', async () => {
    const { loaded } = await packagesOfCollector('grpc-off', 'receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } }');
    expect(loaded).toContain('fastify');
    expect(loaded, '@grpc/grpc-js was loaded').not.toContain('@grpc/grpc-js');
  });
});
