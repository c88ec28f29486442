/**
 * Issue 12, "must show": a slow-client test on loopback. The collector runs as its own
 * process; 500 connections trickle (250 their headers, a byte every 500 ms; 250 their
 * body after headers declaring 100 kB, 10 bytes every 500 ms) while a healthy client
 * sends ordinary requests. Asserted: every slow connection gets a clear answer (408 with
 * a reason) and is closed, before a cut-off a few seconds past the configured timeouts;
 * every healthy request is accepted; the collector's peak RSS stays under the bound its
 * configuration sets (collector/src/pipeline/memory-bound.ts). Close times are printed,
 * not asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { rssBoundBytes } from '../collector/src/pipeline/memory-bound.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MIB = 1024 * 1024;
const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 6000;
/** a slow connection not answered this long after it opened fails the test */
const CUT_OFF_MS = REQUEST_TIMEOUT_MS + 6000;

const LIMITS = { maxConnections: 2048, maxInFlightBytes: 64 * MIB, maxDecompressedBytes: 8 * MIB, queueMaxBytes: 8 * MIB };
const CONFIG = {
  receivers: {
    otlp: {
      http: {
        host: '127.0.0.1',
        port: 0,
        maxConnections: LIMITS.maxConnections,
        maxDecompressedBytes: LIMITS.maxDecompressedBytes,
        headersTimeout: `${HEADERS_TIMEOUT_MS}ms`,
        requestTimeout: `${REQUEST_TIMEOUT_MS}ms`,
        minBodyBytesPerSecond: '1KiB',
      },
      grpc: { enabled: false },
    },
  },
  pipeline: { queue: { maxBytes: LIMITS.queueMaxBytes }, admission: { maxInFlightBytes: LIMITS.maxInFlightBytes } },
  log: { level: 'error' },
};

const CHILD = `
const { startCollector } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'collector/src/collector.ts')).href)});
const { parseConfig } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'collector/src/config/load.ts')).href)});
const collector = await startCollector(parseConfig(process.env.LOOKOUT_TEST_CONFIG, 'slow.yaml', {}));
process.stdout.write('@@' + JSON.stringify({ url: collector.httpUrl }) + '\\n');
`;

function rssOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

interface Slow {
  kind: 'headers' | 'body';
  openedAt: number;
  answer: string;
  closedAt?: number;
}

/** Opens a connection that trickles its headers, or its body, until the collector answers and closes it. */
function slowConnection(port: number, kind: Slow['kind']): Promise<Slow> {
  return new Promise((resolve) => {
    const slow: Slow = { kind, openedAt: performance.now(), answer: '' };
    const socket: Socket = connect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (timer) clearInterval(timer);
      if (slow.closedAt === undefined) slow.closedAt = performance.now();
      resolve(slow);
    };
    socket.on('data', (chunk) => void (slow.answer += chunk.toString()));
    socket.on('close', finish);
    socket.on('error', () => {});
    const cutOff = setTimeout(() => {
      socket.destroy();
    }, CUT_OFF_MS);
    socket.on('close', () => clearTimeout(cutOff));
    socket.on('connect', () => {
      if (kind === 'headers') {
        socket.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ');
        timer = setInterval(() => socket.writable && socket.write('a'), 500);
      } else {
        socket.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"resourceSpans":[');
        timer = setInterval(() => socket.writable && socket.write('          '), 500);
      }
    });
  });
}

function spans(first: number) {
  const end = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'healthy' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: 10 }, (_, i) => ({
              traceId: (first + i).toString(16).padStart(32, '0'),
              spanId: (first + i).toString(16).padStart(16, '0'),
              name: 'GET /',
              kind: 2,
              startTimeUnixNano: String(end - 1_000_000n),
              endTimeUnixNano: String(end),
            })),
          },
        ],
      },
    ],
  });
}

describe('500 slow clients (collector in its own process, loopback)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers and closes every slow connection, serves healthy clients, and keeps RSS under its bound', { timeout: 90_000 }, async () => {
    child = spawn(process.execPath, ['--conditions=lookout-source', '--import', tsxLoader, '--input-type=module', '-e', CHILD], {
      cwd: ROOT,
      env: { ...process.env, LOOKOUT_TEST_CONFIG: JSON.stringify(CONFIG) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /@@(\{.*\})\n/.exec(text);
        if (match) resolve((JSON.parse(match[1]!) as { url: string }).url);
      });
      child!.once('exit', () => reject(new Error(`the collector exited:\n${output}`)));
      setTimeout(() => reject(new Error(`the collector did not start within 60 s:\n${output}`)), 60_000);
    });
    const pid = child.pid!;
    const port = Number(new URL(url).port);
    await new Promise((r) => setTimeout(r, 500));
    const idleRss = rssOf(pid, 'VmRSS');
    const bound = rssBoundBytes(LIMITS, idleRss);

    const slowOnes: Array<Promise<Slow>> = [];
    for (let i = 0; i < 500; i++) slowOnes.push(slowConnection(port, i % 2 === 0 ? 'headers' : 'body'));

    // A healthy client meanwhile: one request at a time until the slow ones are done.
    let done = false;
    const healthy: number[] = [];
    const healthyLoop = (async () => {
      let id = 1;
      while (!done) {
        const response = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: spans(id) });
        await response.arrayBuffer();
        healthy.push(response.status);
        id += 10;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const slow = await Promise.all(slowOnes);
    done = true;
    await healthyLoop;
    const peakRss = rssOf(pid, 'VmHWM');

    const closeMs = slow.map((s) => (s.closedAt ?? Infinity) - s.openedAt);
    const status = (s: Slow) => /^HTTP\/1\.1 (\d{3})/.exec(s.answer)?.[1] ?? 'none';
    const byKind = (kind: Slow['kind']) => slow.filter((s) => s.kind === kind);
    const figures = {
      slowConnections: slow.length,
      answers: Object.fromEntries(['headers', 'body'].map((kind) => [kind, byKind(kind as Slow['kind']).reduce<Record<string, number>>((m, s) => ({ ...m, [status(s)]: (m[status(s)] ?? 0) + 1 }), {})])),
      headersClosedMaxMs: Math.round(Math.max(...byKind('headers').map((s) => s.closedAt! - s.openedAt))),
      bodyClosedMaxMs: Math.round(Math.max(...byKind('body').map((s) => s.closedAt! - s.openedAt))),
      configured: { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS, minBodyBytesPerSecond: 1024 },
      healthyRequests: healthy.length,
      healthyOk: healthy.filter((s) => s === 200).length,
      idleRssMiB: +(idleRss / MIB).toFixed(1),
      peakRssMiB: +(peakRss / MIB).toFixed(1),
      boundMiB: +(bound / MIB).toFixed(1),
    };
    console.log(`slow-client figures: ${JSON.stringify(figures, null, 2)}`);

    for (const s of slow) {
      expect(status(s), `a slow ${s.kind} connection's answer: ${JSON.stringify(s.answer.slice(0, 200))}`).toBe('408');
      if (s.kind === 'body') expect(s.answer).toMatch(/request body arrived slower than 1024 bytes\/s \(receivers\.otlp\.http\.minBodyBytesPerSecond\)/);
    }
    expect(closeMs.every((ms) => ms < CUT_OFF_MS)).toBe(true);
    expect(healthy.length).toBeGreaterThan(0);
    expect(healthy.every((s) => s === 200)).toBe(true);
    expect(peakRss).toBeLessThan(bound);
  });
});
