import { createServer, request, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.ts';

// The drills' fault proxy, checked against a real HTTP server: every fault does what it
// says, in the direction it says, and heal() restores the path.

let server: Server;
let port: number;
let received: number;
let proxy: FaultProxy;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      const body = Buffer.concat(chunks);
      res.setHeader('content-type', 'application/octet-stream');
      res.end(body.length > 0 ? body : Buffer.from('pong'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  proxy = await startFaultProxy({ port });
});

afterEach(() => proxy.heal());

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Answer {
  status?: number;
  body?: Buffer;
  error?: string;
  ms: number;
}

function call(body?: Buffer, timeoutMs = 3000): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: proxy.port, path: '/', method: body ? 'POST' : 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - started }));
        res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message, ms: performance.now() - started }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message, ms: performance.now() - started }));
    req.end(body);
  });
}

describe('fault proxy', () => {
  it('passes bytes both ways when healthy', async () => {
    const payload = Buffer.alloc(200_000, 7);
    const answer = await call(payload);
    expect(answer.status).toBe(200);
    expect(answer.body?.equals(payload)).toBe(true);
    const stats = proxy.stats();
    expect(stats.upstreamBytes).toBeGreaterThan(200_000);
    expect(stats.downstreamBytes).toBeGreaterThan(200_000);
  });

  it('adds latency in the direction asked (answers arrive no sooner than the latency)', async () => {
    proxy.set({ downstream: { latencyMs: 300, jitterMs: 50 } });
    const answer = await call();
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeGreaterThanOrEqual(300);
  });

  it('limits bandwidth: 128 KiB at 256 KiB/s upstream takes at least half a second', async () => {
    proxy.set({ upstream: { bytesPerSecond: 256 * 1024 } });
    const answer = await call(Buffer.alloc(128 * 1024, 1));
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeGreaterThanOrEqual(480);
  });

  it('blackhole: the request never reaches the server and the client times out', async () => {
    const before = received;
    proxy.blackhole();
    const answer = await call(Buffer.from('lost'), 500);
    expect(answer.error).toBe('TIMEOUT');
    expect(received).toBe(before);
    expect(proxy.stats().droppedBytes).toBeGreaterThan(0);
  });

  it('half-open: the server takes the request, the answer never comes back', async () => {
    const before = received;
    proxy.halfOpen();
    const answer = await call(Buffer.from('one way'), 500);
    expect(answer.error).toBe('TIMEOUT');
    expect(received).toBe(before + 1);
  });

  it('reset: open connections get a TCP RST, and refuse resets new ones', async () => {
    proxy.set({ downstream: { latencyMs: 2000 } });
    const pending = call(Buffer.from('slow'));
    await new Promise((r) => setTimeout(r, 200));
    proxy.resetAll();
    expect((await pending).error).toBe('ECONNRESET');

    proxy.set({ refuse: true });
    expect((await call()).error).toBe('ECONNRESET');
    expect(proxy.stats().resets).toBeGreaterThanOrEqual(2);
  });

  it('heal() restores the path after every fault', async () => {
    proxy.blackhole();
    proxy.heal();
    const answer = await call(Buffer.from('back'));
    expect(answer.status).toBe(200);
    expect(answer.body?.toString()).toBe('back');
  });
});
