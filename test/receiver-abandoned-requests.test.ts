/**
 * Issue 12, defect 3, with raw sockets against a real collector: a request whose client
 * has gone before its batch is queued is not queued nor acknowledged (its exporter
 * retries it: ingesting it would count it twice), and header / request deadlines cut
 * off clients that stall.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogsData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { findSamples, scrape } from './helpers/exposition.ts';

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection. */
function readUntilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
  });
}

/** Blocks this process's event loop, as a collector under load lags (the issue saw 4.4 s). */
function lag(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const bodies = (test: TestCollector) =>
  test.batches.logs.flatMap((b) => (b.data as LogsData).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => String(r.body)))));

describe('abandoned and stalled requests (raw sockets, real collector)', () => {
  let test: TestCollector;
  let url: string;

  beforeAll(async () => {
    test = await startTestCollector(JSON.stringify({ receivers: { otlp: { http: { headersTimeout: '500ms', requestTimeout: '1s', minBodyBytesPerSecond: 0 } } } }));
    url = test.collector.httpUrl;
  });
  afterAll(async () => {
    await test?.close();
  });

  /** A request on its own connection that must be queued: orders the checks after what came before. */
  async function barrier(tag: string): Promise<void> {
    const response = await fetch(`${url}/v1/logs/raw?service=barrier`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `${tag}\n` });
    expect(response.status).toBe(200);
    await test.collector.queue.idle();
    expect(bodies(test)).toContain(tag);
  }

  it('does not queue a full body whose client closed before reading the answer while the collector lagged', async () => {
    const body = Buffer.from('abandoned line 1\nabandoned line 2\n');
    const socket = await open(url);
    socket.on('error', () => {});
    socket.write(
      `POST /v1/logs/raw?service=gone HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
    socket.destroy(); // the whole request is in the kernel, then the client gives up without reading the answer
    lag(200); // the collector is busy: by the time it reads the request, its client has left

    await barrier('after-full-body');
    expect(bodies(test).filter((b) => b.startsWith('abandoned'))).toEqual([]);
    const samples = await scrape(`${url}/metrics`);
    expect(findSamples(samples, 'lookout_receiver_refused_requests_total', { receiver: 'raw-lines', reason: 'client_gone' })[0]?.value).toBe(1);
    expect(findSamples(samples, 'lookout_receiver_requests_total', { receiver: 'raw-lines', code: '499' })[0]?.value).toBe(1);
    expect(findSamples(samples, 'lookout_receiver_accepted_items_total', { receiver: 'raw-lines' }).reduce((n, s) => n + s.value, 0)).toBe(1);
  });

  it('does not queue half a body whose client went away, and keeps serving', async () => {
    const socket = await open(url);
    socket.on('error', () => {});
    socket.write('POST /v1/logs/raw?service=half HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nhalf line\n');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await barrier('after-half-body');
    expect(bodies(test).filter((b) => b.startsWith('half'))).toEqual([]);
  });

  it('answers 408 and closes a connection whose body stalls past requestTimeout', async () => {
    const socket = await open(url);
    const answer = readUntilClosed(socket);
    socket.write('POST /v1/logs/raw?service=slow HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nslow line\n');
    const text = await answer; // the server closes it; the test's own timeout bounds the wait
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    await barrier('after-slow-body');
    expect(bodies(test).filter((b) => b.startsWith('slow'))).toEqual([]);
  });

  it('answers 408 and closes a connection whose headers stall past headersTimeout', async () => {
    const socket = await open(url);
    const answer = readUntilClosed(socket);
    socket.write('POST /v1/logs/raw HTTP/1.1\r\nHost: x\r\nX-Trickle: ');
    expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});

describe('slow bodies (minimum body rate, real collector)', () => {
  let test: TestCollector;

  beforeAll(async () => {
    test = await startTestCollector(
      JSON.stringify({ receivers: { otlp: { http: { headersTimeout: '300ms', requestTimeout: '20s', minBodyBytesPerSecond: 2000 } } } }),
    );
  });
  afterAll(async () => {
    await test?.close();
  });

  it('cuts off a body trickling below minBodyBytesPerSecond with a 408 that says why, while a healthy client is served', async () => {
    const socket = await open(test.collector.httpUrl);
    const answer = readUntilClosed(socket);
    socket.write('POST /v1/logs/raw?service=trickle HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n');
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write('trickle..\n');
    }, 100);
    try {
      const healthy = await fetch(`${test.collector.httpUrl}/v1/logs/raw?service=healthy`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'fine\n' });
      expect(healthy.status).toBe(200);
      const text = await answer; // closed by the server; the test's timeout bounds the wait
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(text).toContain('slower than 2000 bytes/s (receivers.otlp.http.minBodyBytesPerSecond)');
    } finally {
      clearInterval(trickle);
    }
    await test.collector.queue.idle();
    expect(bodies(test)).toEqual(['fine']);
    const samples = await scrape(`${test.collector.httpUrl}/metrics`);
    expect(findSamples(samples, 'lookout_receiver_refused_requests_total', { receiver: 'raw-lines', reason: 'slow_body' })[0]?.value).toBe(1);
    expect(findSamples(samples, 'lookout_receiver_inflight_bytes')[0]?.value).toBe(0);
  });
});
