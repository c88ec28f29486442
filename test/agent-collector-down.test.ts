import { createServer, type Server, type Socket } from 'node:net';
import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgentApp, type AgentApp } from './fixtures/agent-apps/harness.ts';
import { freePort } from './helpers/server-process.ts';

/**
 * The agent never harms its service: with the collector down for the whole test (a
 * closed port, or a port that accepts connections and never answers) a fastify
 * service keeps answering correctly and fast, its memory stays bounded, dropped
 * data is counted, no error reaches the application, and SIGTERM ends it within the
 * shutdown deadline.
 *
 * Stated bounds (generous for a shared 2-core CI machine; typical values are far
 * lower): p99 latency < 250 ms, heap growth over the burst < 32 MB after GC,
 * exit < 4 s after SIGTERM with LOOKOUT_SHUTDOWN_TIMEOUT_MS=1000.
 */

const BURST = 4000;
const CONCURRENCY = 8;
const P99_BOUND_MS = 250;
const HEAP_GROWTH_BOUND = 32 * 1024 * 1024;
const EXIT_BOUND_MS = 4000;

/** A TCP server that accepts connections and never reads or answers. */
async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.pause();
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function get(agent: Agent, port: number, path: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function burst(port: number, total: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const id = next++;
      const response = await get(agent, port, `/users/${id}`);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ id: String(id) });
      latencies.push(response.ms);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}

async function heapAfterGc(app: AgentApp): Promise<{ heapUsed: number; rss: number }> {
  return (await (await fetch(`${app.url}/mem`)).json()) as { heapUsed: number; rss: number };
}

function counter(exposition: string, name: string, labels: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const apps: AgentApp[] = [];
afterAll(() => apps.forEach((a) => a.kill()));

describe.each([
  { collector: 'a closed port', start: async () => ({ port: await freePort(), close: async () => {} }) },
  { collector: 'a port that accepts but never answers', start: startBlackHole },
])('collector down: $collector', ({ start }) => {
  it('keeps the service correct, fast and bounded, counts what it drops, exits on SIGTERM', { timeout: 60_000 }, async () => {
    const down = await start();
    const metricsPort = await freePort();
    try {
      const app = await startAgentApp(
        'fastify-app.mjs',
        'esm',
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${down.port}`,
          OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
          OTEL_BSP_SCHEDULE_DELAY: '100',
          OTEL_BLRP_SCHEDULE_DELAY: '100',
          OTEL_METRIC_EXPORT_INTERVAL: '200',
          LOOKOUT_SHUTDOWN_TIMEOUT_MS: '1000',
          LOOKOUT_METRICS_PORT: String(metricsPort),
          LOOKOUT_METRICS_HOST: '127.0.0.1',
        },
        ['--expose-gc'],
      );
      apps.push(app);

      await burst(app.port, 300); // warm-up: JIT, pools, the agent's queues
      const before = await heapAfterGc(app);
      const latencies = await burst(app.port, BURST);
      const after = await heapAfterGc(app);

      const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
      expect(latencies).toHaveLength(BURST);
      expect(p99, `p99 ${p99.toFixed(1)} ms`).toBeLessThan(P99_BOUND_MS);
      expect(after.heapUsed - before.heapUsed, `heap ${before.heapUsed} -> ${after.heapUsed}`).toBeLessThan(HEAP_GROWTH_BOUND);

      // Dropped data is counted; the queues stay at their bound (2048).
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const droppedSpans =
        counter(metrics, 'lookout_agent_dropped_total', 'signal="traces",reason="queue_full"') +
        counter(metrics, 'lookout_agent_dropped_total', 'signal="traces",reason="export_failed"');
      const droppedLogs =
        counter(metrics, 'lookout_agent_dropped_total', 'signal="logs",reason="queue_full"') +
        counter(metrics, 'lookout_agent_dropped_total', 'signal="logs",reason="export_failed"');
      expect(droppedSpans).toBeGreaterThan(0);
      expect(droppedLogs).toBeGreaterThan(0);
      expect(counter(metrics, 'lookout_agent_exported_total', 'signal="traces"')).toBe(0);
      expect(counter(metrics, 'lookout_agent_queue_size', 'signal="traces"')).toBeLessThanOrEqual(2048);
      expect(counter(metrics, 'lookout_agent_queue_size', 'signal="logs"')).toBeLessThanOrEqual(2048);

      // SIGTERM: the flush gives up at the deadline and the process ends by the signal.
      const signalled = performance.now();
      app.child.kill('SIGTERM');
      const ended = await Promise.race([app.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), EXIT_BOUND_MS + 2000))]);
      const exitMs = performance.now() - signalled;
      expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
      expect(exitMs).toBeLessThan(EXIT_BOUND_MS);

      // No error reached the application; the agent said at most a few rate-limited lines.
      const stderr = app.stderrLines();
      expect(stderr.filter((l) => !l.startsWith('lookout-agent:'))).toEqual([]);
      expect(stderr.length).toBeLessThanOrEqual(10);
      expect(app.stdoutLines().filter((l) => l.includes('APP-ERROR'))).toEqual([]);
      console.log(`collector down: p99 ${p99.toFixed(1)} ms, heap growth ${((after.heapUsed - before.heapUsed) / 1048576).toFixed(1)} MB, dropped spans ${droppedSpans}, logs ${droppedLogs}, exit ${exitMs.toFixed(0)} ms; agent said: ${JSON.stringify(stderr)}`);
    } finally {
      await down.close();
    }
  });
});
