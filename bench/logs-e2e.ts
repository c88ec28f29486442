/**
 * Logs end to end, Lookout against a real peer in the same run (syslog-ng, Debian
 * `syslog-ng-core` + `syslog-ng-scl`):
 *
 *   access file  — a generated nginx combined log with request times:
 *                  Lookout: `lookout-agent` tails it and ships OTLP to the collector, which
 *                  parses it and derives the request series;
 *                  peer:    syslog-ng reads it (wildcard-file source), parses it with
 *                           apache-accesslog-parser() and writes each status to a counting
 *                           destination.
 *   mixed file   — pino JSON, logfmt, RFC 5424 syslog and access lines in blocks:
 *                  the same two paths; syslog-ng picks json-parser(), syslog-parser(),
 *                  apache-accesslog-parser() or kv-parser() per line.
 *   loggen TCP   — `loggen` (syslog-ng's load generator) sends RFC 5424 messages over
 *                  TCP to the collector's syslog receiver, and the same stream to
 *                  syslog-ng's network() source.
 *
 * Figure: lines per CPU-second of every process involved (agent + collector; syslog-ng),
 * measured from /proc between the moment the file appears (an atomic rename into the
 * watched directory, so start-up costs are left out) and the moment the last line was
 * counted; plus wall-clock lines per second. Both sides must count the same requests
 * (and 5xx) on the access file, or the bench says so and fails.
 *
 * The syslog-ng configurations are beside this file: bench/logs-e2e/syslog-ng-*.conf.
 *
 *   npx tsx bench/logs-e2e.ts [lines, default 1000000] [access|mixed|loggen …, default all]
 *
 * BENCH_CHILD_NODE_ARGS are given to the agent's and the collector's node (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordFigure } from './lib/figures.ts';
import { accessLine, mixedLine, prng } from './lib/log-lines.ts';
import { cpuSeconds, freePort, metricSum, startProcess, stop, waitFor, type Started } from './lib/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * LOGS_E2E_BASELINE=/path/to/another/checkout also runs that checkout's agent and
 * collector on the file cases, in the same run: a before/after ratio on the same input
 * and the same machine load.
 */
const BASELINE = process.env.LOGS_E2E_BASELINE;
const LINES = Number(process.argv[2] ?? 1_000_000);
/** Cases to run by their first word (access, mixed, loggen); all by default. */
const ONLY = process.argv.slice(3);
const DONE_TIMEOUT_MS = 600_000;

function need(binary: string, pkg: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin']) if (existsSync(join(dir, binary))) return join(dir, binary);
  throw new Error(`bench/logs-e2e needs ${binary}: apt-get install -y --no-install-recommends ${pkg}`);
}
const SYSLOG_NG = need('syslog-ng', 'syslog-ng-core');
const LOGGEN = need('loggen', 'syslog-ng-core');
if (!existsSync('/usr/share/syslog-ng/include/scl/apache/apache.conf')) {
  throw new Error('bench/logs-e2e needs the apache-accesslog-parser SCL: apt-get install -y --no-install-recommends syslog-ng-scl');
}

// ------------------------------------------------------------------ input files

interface Expected {
  lines: number;
  requests: number;
  errors: number;
}

async function writeLines(path: string, count: number, make: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += make(i) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

async function accessFile(path: string, count: number): Promise<Expected> {
  const random = prng(42);
  const start = Date.UTC(2026, 11, 1);
  let errors = 0;
  await writeLines(path, count, (i) => {
    const { line, status } = accessLine(random, start + i * 10);
    if (status >= 500) errors++;
    return line;
  });
  return { lines: count, requests: count, errors };
}

/** Blocks of 1,000 lines of one format each, as several services would write them. */
async function mixedFile(path: string, count: number): Promise<Expected> {
  const random = prng(7);
  const start = Date.UTC(2026, 11, 1);
  let requests = 0;
  let errors = 0;
  await writeLines(path, count, (i) => {
    const { line, status } = mixedLine(random, i, start);
    if (status !== undefined) {
      requests++;
      if (status >= 500) errors++;
    }
    return line;
  });
  return { lines: count, requests, errors };
}

// ------------------------------------------------------------------ processes

// ------------------------------------------------------------------ the two sides

interface Outcome {
  /** CPU seconds per process, when several took part */
  split?: Record<string, number>;
  lines: number;
  cpu: number;
  wall: number;
  requests?: number;
  errors?: number;
}

/**
 * Log records the log-metrics consumer took (it counts them synchronously as it takes
 * them), from /api/v1/pipeline: polled every 100 ms, the full /metrics exposition (a
 * few hundred request series) would be a sizeable share of the collector's CPU here.
 */
async function logRecordsCounted(url: string): Promise<number> {
  const pipeline = (await (await fetch(`${url}/api/v1/pipeline`)).json()) as { components: Array<{ id: string; itemsIn: number }> };
  return pipeline.components.find((c) => c.id === 'log-metrics')?.itemsIn ?? 0;
}

async function startCollector(dir: string, root = ROOT): Promise<{ process: Started; url: string; syslogPort: number }> {
  const httpPort = await freePort();
  const syslogPort = await freePort();
  const config = join(dir, 'lookout.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      `  otlp: { http: { port: ${httpPort} }, grpc: { enabled: false } }`,
      'logs:',
      `  syslog: { tcp: { enabled: true, port: ${syslogPort} } }`,
      `storage: { dataDir: ${JSON.stringify(join(dir, 'data'))} }`,
      'pipeline: { queue: { maxItems: 200000 } }',
      'log: { level: warn }',
      '',
    ].join('\n'),
  );
  const process = startProcess(globalThis.process.execPath, [join(root, 'collector/bin/lookout.mjs'), 'collector', '--config', config]);
  const url = `http://127.0.0.1:${httpPort}`;
  await waitFor('collector ready', async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok ? true : undefined), 60_000, [process]);
  return { process, url, syslogPort };
}

async function lookoutFile(name: string, source: string, expected: Expected, root = ROOT): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), `lookout-e2e-${name}-`));
  const collector = await startCollector(dir, root);
  const watched = join(dir, 'logs');
  mkdirSync(watched);
  const agentConfig = join(dir, 'agent.yaml');
  writeFileSync(
    agentConfig,
    [
      `collector: { endpoint: ${JSON.stringify(collector.url)}, compression: none }`,
      `dataDir: ${JSON.stringify(join(dir, 'agent'))}`,
      'files:',
      `  - { glob: ${JSON.stringify(join(watched, '*.log'))}, labels: { service: shop } }`,
      'tail: { pollInterval: 100ms, readChunkBytes: 1MiB }',
      'batch: { maxRecords: 5000, maxBytes: 4MiB }',
      'buffer: { maxLines: 50000, maxBytes: 64MiB }',
      '',
    ].join('\n'),
  );
  const agent = startProcess(process.execPath, [join(root, 'agents/host/bin/lookout-agent.mjs'), '--config', agentConfig]);
  try {
    await waitFor('agent started', () => (agent.output().includes('lookout-agent started') ? true : undefined), 60_000, [agent]);
    const agentBefore = cpuSeconds(agent.child.pid!);
    const collectorBefore = cpuSeconds(collector.process.child.pid!);
    const wallStart = performance.now();
    renameSync(source, join(watched, 'app.log'));
    await waitFor(
      `${name}: Lookout counted ${expected.lines} lines`,
      async () => ((await logRecordsCounted(collector.url)) >= expected.lines ? true : undefined),
      DONE_TIMEOUT_MS,
      [agent, collector.process],
    );
    const wall = (performance.now() - wallStart) / 1000;
    const split = { agent: cpuSeconds(agent.child.pid!) - agentBefore, collector: cpuSeconds(collector.process.child.pid!) - collectorBefore };
    const cpu = split.agent + split.collector;
    const requests = await metricSum(collector.url, 'lookout_requests_total');
    const errors = await metricSum(collector.url, 'lookout_request_errors_total');
    renameSync(join(watched, 'app.log'), source); // hand the file back for the peer
    return { lines: expected.lines, cpu, wall, requests, errors, split };
  } finally {
    await stop(agent);
    await stop(collector.process);
    rmSync(dir, { recursive: true, force: true });
  }
}

function syslogNgConfig(dir: string, mode: 'access' | 'mixed' | 'network', port = 0): string {
  const template = readFileSync(join(ROOT, `bench/logs-e2e/syslog-ng-${mode}.conf`), 'utf8');
  const path = join(dir, 'syslog-ng.conf');
  writeFileSync(
    path,
    template
      .replaceAll('@IN_DIR@', join(dir, 'in'))
      .replaceAll('@OUT@', join(dir, 'out.txt'))
      .replaceAll('@PORT@', String(port)),
  );
  return path;
}

function startSyslogNg(dir: string, config: string): Started {
  return startProcess(SYSLOG_NG, ['-F', '--no-caps', '-f', config, '-R', join(dir, 'persist'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl')]);
}

/** The counting destination writes one line per message: the status, or 'x'. */
function countOutput(path: string): { lines: number; requests: number; errors: number } {
  const text = readFileSync(path, 'utf8');
  let lines = 0;
  let requests = 0;
  let errors = 0;
  let start = 0;
  for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
    lines++;
    if (end - start === 3) {
      requests++;
      if (text.charCodeAt(start) === 53 /* 5 */) errors++;
    }
  }
  return { lines, requests, errors };
}

async function peerFile(name: string, source: string, expected: Expected, mode: 'access' | 'mixed'): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), `syslog-ng-e2e-${name}-`));
  mkdirSync(join(dir, 'in'));
  const peer = startSyslogNg(dir, syslogNgConfig(dir, mode));
  try {
    await waitFor('syslog-ng started', () => (existsSync(join(dir, 'pid')) ? true : undefined), 30_000, [peer]);
    await new Promise((r) => setTimeout(r, 300));
    const out = join(dir, 'out.txt');
    const before = cpuSeconds(peer.child.pid!);
    const wallStart = performance.now();
    renameSync(source, join(dir, 'in', 'app.log'));
    // every message writes one line; the output is complete when it holds them all
    const minBytes = expected.lines * 2;
    let lastSize = -1;
    await waitFor(
      `${name}: syslog-ng wrote ${expected.lines} lines`,
      () => {
        const size = existsSync(out) ? statSync(out).size : 0;
        const settled = size >= minBytes && size === lastSize;
        lastSize = size;
        return settled && countOutput(out).lines >= expected.lines ? true : undefined;
      },
      DONE_TIMEOUT_MS,
      [peer],
    );
    const wall = (performance.now() - wallStart) / 1000;
    const cpu = cpuSeconds(peer.child.pid!) - before;
    const counted = countOutput(out);
    renameSync(join(dir, 'in', 'app.log'), source);
    return { lines: counted.lines, cpu, wall, requests: counted.requests, errors: counted.errors };
  } finally {
    await stop(peer);
    rmSync(dir, { recursive: true, force: true });
  }
}

// loggen stops after --interval seconds (10 by default) even short of --number: on a busy
// machine it sent a fifth of the messages and the bench waited for the rest.
function loggen(port: number, count: number): void {
  const result = spawnSync(LOGGEN, ['--inet', '--stream', '--syslog-proto', '--size', '200', '--rate', '10000000', '--interval', '600', '--number', String(count), '--quiet', '127.0.0.1', String(port)], {
    encoding: 'utf8',
    timeout: DONE_TIMEOUT_MS,
  });
  if (result.status !== 0) throw new Error(`loggen failed (${result.status}): ${result.stderr}`);
}

async function lookoutLoggen(count: number): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-e2e-loggen-'));
  const collector = await startCollector(dir);
  try {
    const before = cpuSeconds(collector.process.child.pid!);
    const wallStart = performance.now();
    loggen(collector.syslogPort, count);
    await waitFor(
      'Lookout counted the loggen messages',
      async () => ((await logRecordsCounted(collector.url)) >= count ? true : undefined),
      DONE_TIMEOUT_MS,
      [collector.process],
    );
    return { lines: count, cpu: cpuSeconds(collector.process.child.pid!) - before, wall: (performance.now() - wallStart) / 1000 };
  } finally {
    await stop(collector.process);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function peerLoggen(count: number): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'syslog-ng-e2e-loggen-'));
  mkdirSync(join(dir, 'in'));
  const port = await freePort();
  const peer = startSyslogNg(dir, syslogNgConfig(dir, 'network', port));
  try {
    await waitFor('syslog-ng started', () => (existsSync(join(dir, 'pid')) ? true : undefined), 30_000, [peer]);
    await new Promise((r) => setTimeout(r, 300));
    const out = join(dir, 'out.txt');
    const before = cpuSeconds(peer.child.pid!);
    const wallStart = performance.now();
    loggen(port, count);
    await waitFor('syslog-ng wrote the loggen messages', () => (existsSync(out) && statSync(out).size >= count * 2 ? true : undefined), DONE_TIMEOUT_MS, [peer]);
    return { lines: count, cpu: cpuSeconds(peer.child.pid!) - before, wall: (performance.now() - wallStart) / 1000 };
  } finally {
    await stop(peer);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ run

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const work = mkdtempSync(join(tmpdir(), 'lookout-e2e-input-'));
let mismatch = false;
try {
  console.log(`logs-e2e: ${fmt(LINES)} lines per file; CPU of every process involved, from the file's appearance to the last line counted (Node ${process.version}, ${spawnSync(SYSLOG_NG, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]})`);
  const accessPath = join(work, 'access.log');
  const mixedPath = join(work, 'mixed.log');
  const access = await accessFile(accessPath, LINES);
  const mixed = await mixedFile(mixedPath, LINES);
  console.log(`generated: access ${(statSync(accessPath).size / 2 ** 20).toFixed(0)} MiB (${fmt(access.errors)} 5xx), mixed ${(statSync(mixedPath).size / 2 ** 20).toFixed(0)} MiB (${fmt(mixed.requests)} access lines)`);
  console.log('');
  console.log(`${'case'.padEnd(30)}${'lines/CPU-s'.padStart(13)}${'lines/s wall'.padStart(14)}${'CPU s'.padStart(8)}   requests / 5xx counted`);
  const row = (label: string, o: Outcome) =>
    console.log(
      `${label.padEnd(30)}${fmt(o.lines / o.cpu).padStart(13)}${fmt(o.lines / o.wall).padStart(14)}${o.cpu.toFixed(1).padStart(8)}   ${o.requests === undefined ? '' : `${fmt(o.requests)} / ${fmt(o.errors ?? 0)}`}${
        o.split ? `   (CPU s: ${Object.entries(o.split).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})` : ''
      }`,
    );
  const cases: Array<{ name: string; lookout: () => Promise<Outcome>; peer: () => Promise<Outcome>; baseline?: (root: string) => Promise<Outcome>; expected?: Expected; goal?: boolean }> = [
    {
      name: 'access file',
      lookout: () => lookoutFile('access', accessPath, access),
      peer: () => peerFile('access', accessPath, access, 'access'),
      baseline: (root) => lookoutFile('access', accessPath, access, root),
      expected: access,
      goal: true,
    },
    {
      name: 'mixed file',
      lookout: () => lookoutFile('mixed', mixedPath, mixed),
      peer: () => peerFile('mixed', mixedPath, mixed, 'mixed'),
      baseline: (root) => lookoutFile('mixed', mixedPath, mixed, root),
      expected: mixed,
    },
    { name: 'loggen TCP syslog', lookout: () => lookoutLoggen(LINES), peer: () => peerLoggen(LINES) },
  ];
  for (const c of cases) {
    if (ONLY.length > 0 && !ONLY.includes(c.name.split(' ')[0]!)) continue;
    const before = BASELINE && c.baseline ? await c.baseline(BASELINE) : undefined;
    if (before) row(`${c.name}: Lookout, baseline`, before);
    const lookout = await c.lookout();
    row(`${c.name}: Lookout`, lookout);
    if (before) console.log(`${c.name}: Lookout ÷ baseline checkout (LOGS_E2E_BASELINE) lines per CPU-second ${(lookout.lines / lookout.cpu / (before.lines / before.cpu)).toFixed(2)}`);
    const peer = await c.peer();
    row(`${c.name}: syslog-ng`, peer);
    const ratio = lookout.lines / lookout.cpu / (peer.lines / peer.cpu);
    console.log(`${c.name}: Lookout ÷ syslog-ng lines per CPU-second ${ratio.toFixed(2)}; wall ${(lookout.lines / lookout.wall / (peer.lines / peer.wall)).toFixed(2)}`);
    if (c.expected) {
      const same = lookout.requests === c.expected.requests && lookout.errors === c.expected.errors && peer.requests === c.expected.requests && peer.errors === c.expected.errors;
      console.log(`  requests / 5xx expected ${fmt(c.expected.requests)} / ${fmt(c.expected.errors)}: ${same ? 'both counted exactly these' : 'MISMATCH'}`);
      if (!same) mismatch = true;
    }
    recordFigure({
      bench: 'logs-e2e',
      name: `${c.name}, ${fmt(LINES)} lines`,
      value: lookout.lines / lookout.cpu,
      unit: 'lines per CPU-second (all processes)',
      baselineName: 'syslog-ng 3.38 on the same input',
      baseline: peer.lines / peer.cpu,
      ...(c.goal ? { goal: 'ahead of syslog-ng (ratio > 1)', goalMet: ratio > 1 } : {}),
    });
    recordFigure({
      bench: 'logs-e2e',
      name: `${c.name}, wall clock`,
      value: lookout.lines / lookout.wall,
      unit: 'lines/s',
      baselineName: 'syslog-ng 3.38',
      baseline: peer.lines / peer.wall,
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (mismatch) {
  console.log('FAILED: the two sides did not count the same requests');
  process.exitCode = 1;
}
