/**
 * Issue 12, defects 2 and 4, against a real collector with raw sockets: a request is
 * refused from its headers (429 + Retry-After; a small body is then read and dropped
 * on its kept connection, a large one's connection closed) before any byte of its body is sent, when the in-flight memory budget or the queue is full; /readyz
 * says overloaded (503) so a load balancer can steer, while /healthz and /metrics keep
 * answering; and admitted requests complete.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { findSamples, scrape } from './helpers/exposition.ts';

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The first answer the server sends on a socket (its status line and headers), or a failure after `ms`. */
function firstAnswer(socket: Socket, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms; got ${JSON.stringify(text)}`)), ms);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\r\n\r\n')) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('admission before work (real collector, raw sockets)', () => {
  let collector: RunningCollector;
  let url: string;
  let releaseQueue: () => void = () => {};
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        pipeline: { queue: { maxItems: 10 }, admission: { maxInFlightBytes: 1000 } },
        log: { level: 'warn' },
      }),
      'test.yaml',
      {},
    );
    // A consumer that holds its batch until the test lets go: a slow pipeline.
    let gate = Promise.resolve();
    collector = await startCollector(config, {
      consumers: [{ signal: 'logs', name: 'slow', consume: () => gate }],
    });
    url = collector.httpUrl;
    gate = new Promise<void>((resolve) => (releaseQueue = resolve));
  });
  afterAll(async () => {
    releaseQueue();
    for (const socket of sockets) socket.destroy();
    await collector?.close();
  });

  const post = (path: string, body: string) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body, signal: AbortSignal.timeout(10_000) });

  it('refuses from the headers when the in-flight budget is spent, and admits again once it is free', async () => {
    // A: admitted, sends 800 declared bytes slowly (half now).
    const a = await open(url);
    sockets.push(a);
    const aAnswer = firstAnswer(a);
    a.write(`POST /v1/logs/raw?service=a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 800\r\n\r\n`);
    a.write(`${'a'.repeat(399)}\n`);
    // Wait until A is admitted (counted in flight) before B arrives.
    for (let i = 0; i < 200; i++) {
      const inFlight = findSamples(await scrape(`${url}/metrics`), 'lookout_receiver_inflight_bytes')[0]?.value;
      if (inFlight === 800) break;
      await new Promise((r) => setTimeout(r, 10));
    }

    // B: 500 more would pass the 1000-byte budget: 429 before it sends a single body byte.
    const b = await open(url);
    sockets.push(b);
    b.write(`POST /v1/logs/raw?service=b HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 500\r\n\r\n`);
    const bAnswer = await firstAnswer(b);
    expect(bAnswer).toMatch(/^HTTP\/1\.1 429 /);
    expect(bAnswer).toMatch(/\r\nretry-after: [1-5]\r\n/i);
    // a small body is read and dropped after a refusal, keeping the connection; B never
    // sends it, so its connection is closed soon after (within a second)
    expect(bAnswer).toMatch(/\r\nconnection: keep-alive\r\n/i);
    await closed(b);
    // a large body is not worth reading: the refusal closes the connection
    const big = await open(url);
    sockets.push(big);
    big.write(`POST /v1/logs/raw?service=big HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`);
    const bigAnswer = await firstAnswer(big);
    expect(bigAnswer).toMatch(/^HTTP\/1\.1 429 /);
    expect(bigAnswer).toMatch(/\r\nconnection: close\r\n/i);
    await closed(big);

    // Overloaded: readiness says so; health and metrics still answer.
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'overloaded', inFlightBytes: 800 });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const samples = await scrape(`${url}/metrics`);
    expect(findSamples(samples, 'lookout_receiver_refused_requests_total', { receiver: 'raw-lines', reason: 'memory_budget' })[0]?.value).toBe(2);

    // A finishes: answered 200, its charge released; a request of 500 bytes is admitted.
    a.write(`${'a'.repeat(399)}\n`);
    expect(await aAnswer).toMatch(/^HTTP\/1\.1 200 /);
    a.destroy();
    await closed(a);
    const c = await post('/v1/logs/raw?service=c', 'c'.repeat(499) + '\n');
    expect(c.status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('refuses from the headers while the queue is full, then admits once it drains', async () => {
    // The slow consumer holds the first batch; the queue (10 items) fills behind it.
    let refused = false;
    for (let i = 0; i < 20 && !refused; i++) refused = (await post('/v1/logs/raw?service=fill', 'x\n')).status === 429;
    expect(refused).toBe(true);
    const socket = await open(url);
    sockets.push(socket);
    socket.write(`POST /v1/logs/raw?service=late HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n`);
    const answer = await firstAnswer(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 429 /);
    expect(answer).toMatch(/\r\nretry-after: [1-5]\r\n/i);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    const samples = await scrape(`${url}/metrics`);
    expect(findSamples(samples, 'lookout_receiver_refused_requests_total', { receiver: 'raw-lines', reason: 'queue_full' })[0]?.value).toBeGreaterThanOrEqual(1);

    releaseQueue();
    await collector.queue.idle();
    expect((await post('/v1/logs/raw?service=after', 'y\n')).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
