import { connect, type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createSelfMetrics } from '../pipeline/self-metrics.ts';
import { Admission } from './admission.ts';
import { installAdmission } from './admission-hook.ts';


/** A listener whose queue is full: every ingest request is refused by admission. */
function withFullQueue(app: FastifyInstance, bodyLimit: number, extra: Partial<Parameters<typeof installAdmission>[1]> = {}) {
  const metrics = createSelfMetrics({ defaultMetrics: false });
  const hook = installAdmission(app, {
    admission: new Admission({ maxInFlightBytes: 1000, queueMaxItems: 10, queueMaxBytes: 1000 }),
    queueDepth: () => ({ items: 10, bytes: 10 }), // the queue is full
    routes: new Map([['/v1/traces', { receiver: 'otlp-http', signal: 'traces', bodyLimit, otlp: true }]]),
    metrics,
    registry: metrics.registry,
    minBodyBytesPerSecond: 0,
    slowBodyGraceMs: 1000,
    now: () => 0,
    ...extra,
  });
  return { metrics, hook };
}

describe('installAdmission', () => {
  it("counts an admission refusal under the tenant of the request's token (issue 12: per-tenant refusals)", async () => {
    const app = Fastify();
    const { metrics, hook } = withFullQueue(app, 1000, {
      tenantOf: (authorization) => (authorization === 'Bearer alpha-token' ? 'alpha' : undefined),
    });
    app.post('/v1/traces', async () => ({}));
    try {
      const refused = await app.inject({ method: 'POST', url: '/v1/traces', headers: { authorization: 'Bearer alpha-token', 'content-type': 'application/json' }, payload: '{}' });
      expect(refused.statusCode).toBe(429);
      const anonymous = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect(anonymous.statusCode).toBe(429);
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/lookout_tenant_refused_requests_total\{tenant="alpha",reason="queue_full"\} 1/);
      expect(text).not.toMatch(/lookout_tenant_refused_requests_total\{tenant="(?!alpha)/);
    } finally {
      hook.close();
      await app.close();
    }
  });

  it('refuses in the listener\'s own request callback: a refused request never reaches fastify (no hook, no route); other paths pass', async () => {
    const app = Fastify();
    // a hook added before admission: under fastify hooks it would see the refused requests
    const seen: string[] = [];
    app.addHook('onRequest', async (request) => void seen.push(request.url));
    const { metrics, hook } = withFullQueue(app, 1_000_000);
    app.post('/v1/traces', async () => ({}));
    app.get('/healthz', async () => ({ status: 'ok' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    try {
      const small = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(small.status).toBe(429);
      expect(small.headers.get('retry-after')).toMatch(/^[1-5]$/);
      expect(small.headers.get('connection')).toBe('keep-alive'); // its small body read and dropped
      expect(JSON.parse(await small.text())).toMatchObject({ code: 8, message: expect.stringMatching(/pipeline queue is full/) });
      const large = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(100_000) });
      expect(large.status).toBe(429);
      expect(large.headers.get('connection')).toBe('close'); // not worth reading
      await large.text();
      expect(seen).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(seen).toEqual(['/healthz']);
      expect(await metrics.registry.metrics()).toMatch(/lookout_receiver_refused_requests_total\{receiver="otlp-http",signal="traces",reason="queue_full"\} 2/);
    } finally {
      hook.close();
      await app.close();
    }
  });

  it("keeps a refused request's connection when its drained body was read late (a loop running late), and serves the next request on it", async () => {
    const app = Fastify();
    const { metrics, hook } = withFullQueue(app, 1_000_000);
    app.post('/v1/traces', async () => ({}));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => void (received += chunk.toString()));
    socket.on('close', () => void (closed = true));
    socket.on('error', () => {});
    const answers = () => received.split('HTTP/1.1 429').length - 1;
    const until = async (condition: () => boolean) => {
      for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const request = (body: string) => `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      socket.write(request('{"resourceSpans":[]}'));
      await until(() => answers() === 1); // refused from its headers
      socket.write('{"resourceSpans":[]}');
      // the loop (this process's, the server's) is held past the drain deadline while the body waits in the socket
      const heldUntil = Date.now() + 1300;
      while (Date.now() < heldUntil) {
        // busy
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(closed).toBe(false);
      socket.write(request('{}') + '{}');
      await until(() => answers() === 2 || closed);
      expect(answers()).toBe(2);
    } finally {
      socket.destroy();
      hook.close();
      await app.close();
    }
  });
});

/** A listener with an empty queue and a concurrency limit: only that limit refuses. */
function withConcurrencyLimit(maxConcurrentRequests: number) {
  const app = Fastify();
  const metrics = createSelfMetrics({ defaultMetrics: false });
  const admission = new Admission({ maxInFlightBytes: 1_000_000, queueMaxItems: 1000, queueMaxBytes: 1_000_000, maxConcurrentRequests });
  const hook = installAdmission(app, {
    admission,
    queueDepth: () => ({ items: 0, bytes: 0 }),
    routes: new Map([['/v1/traces', { receiver: 'otlp-http', signal: 'traces', bodyLimit: 1_000_000, otlp: true }]]),
    metrics,
    registry: metrics.registry,
    minBodyBytesPerSecond: 0,
    slowBodyGraceMs: 1000,
    now: () => Date.now(),
  });
  return { app, metrics, admission, hook };
}

describe('installAdmission: concurrency counts requests whose bodies have arrived', () => {
  it('clients trickling their bodies take no concurrency slot: a whole request is still answered, and a fast flood is still refused', async () => {
    const { app, metrics, admission, hook } = withConcurrencyLimit(2);
    // an answer held until released: the fast requests stay in flight with their bodies arrived
    let releaseHeld: () => void = () => {};
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    app.post('/v1/traces', async (request) => {
      if ((request.headers['x-hold'] ?? '') === '1') await held;
      return {};
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/v1/traces`;
    const slow = Array.from({ length: 5 }, () => connect({ host: '127.0.0.1', port }));
    try {
      for (const socket of slow) {
        socket.on('error', () => {});
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        // headers and half a body: the rest never comes in this test
        socket.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"resourceSpans":');
      }
      for (let i = 0; i < 50 && admission.requestsOn('http') < 5; i++) await new Promise((r) => setTimeout(r, 10));
      expect(admission.requestsOn('http')).toBe(5);
      // five slow senders and a limit of 2: a whole request still gets its 200
      const whole = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(whole.status).toBe(200);
      // two whole requests held in the handler fill the limit: the next one is refused for concurrency
      const first = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hold': '1' }, body: '{}' });
      const second = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hold': '1' }, body: '{}' });
      for (let i = 0; i < 50 && admission.requestsOn('http') < 7; i++) await new Promise((r) => setTimeout(r, 10));
      const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(refused.status).toBe(429);
      expect(JSON.parse(await refused.text())).toMatchObject({ message: expect.stringMatching(/maxConcurrentRequests = 2/) });
      releaseHeld();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      // the slow senders leave: every count returns to zero
      for (const socket of slow) socket.destroy();
      for (let i = 0; i < 100 && admission.requestsOn('http') > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(admission.requestsOn('http')).toBe(0);
      expect(admission.overloaded({ items: 0, bytes: 0 }, 0)).toBe(false);
    } finally {
      releaseHeld();
      for (const socket of slow) socket.destroy();
      hook.close();
      await app.close();
    }
  });

  it('refuses a request whose body arrives when the limit has filled since its headers, before its handler decodes it', async () => {
    const { app, metrics, admission, hook } = withConcurrencyLimit(1);
    let handled = 0;
    let releaseHeld: () => void = () => {};
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    app.post('/v1/traces', async (request) => {
      handled++;
      if ((request.headers['x-hold'] ?? '') === '1') await held;
      return {};
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/v1/traces`;
    const late = connect({ host: '127.0.0.1', port });
    let answer = '';
    late.on('data', (chunk: Buffer) => void (answer += chunk.toString()));
    late.on('error', () => {});
    try {
      await new Promise<void>((resolve) => late.once('connect', () => resolve()));
      // its headers come while nothing is in flight: admitted, its body still to come
      const rest = '"resourceSpans":[]}';
      late.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1 + rest.length}\r\n\r\n{`);
      for (let i = 0; i < 50 && admission.requestsOn('http') < 1; i++) await new Promise((r) => setTimeout(r, 10));
      // a whole request takes the one slot meanwhile
      const first = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hold': '1' }, body: '{}' });
      for (let i = 0; i < 50 && handled < 1; i++) await new Promise((r) => setTimeout(r, 10));
      expect(handled).toBe(1);
      // the body arrives with the limit reached: 429 before the handler runs
      late.write(rest);
      for (let i = 0; i < 100 && !answer.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(answer).toMatch(/^HTTP\/1\.1 429 /);
      expect(answer).toMatch(/retry-after: 1/i);
      expect(answer).toMatch(/maxConcurrentRequests = 1/);
      expect(handled).toBe(1);
      expect(await metrics.registry.metrics()).toMatch(/lookout_receiver_refused_requests_total\{receiver="otlp-http",signal="traces",reason="concurrency"\} 1/);
      releaseHeld();
      expect((await first).status).toBe(200);
      // its connection stays usable, and with the slot free the next request is served
      answer = '';
      late.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      for (let i = 0; i < 100 && !answer.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      late.destroy();
      for (let i = 0; i < 100 && admission.requestsOn('http') > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(admission.requestsOn('http')).toBe(0);
      expect(admission.overloaded({ items: 0, bytes: 0 }, 0)).toBe(false);
    } finally {
      releaseHeld();
      late.destroy();
      hook.close();
      await app.close();
    }
  });
});
