import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverOtlpSender, OtlpHttpSender, otlpTarget } from '../agents/node/src/otlp-http-sender.ts';

/** The agent's OTLP/HTTP sender against a real local HTTP server. */

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(handler: (req: IncomingMessage, body: Buffer) => [number, number?]): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [status, delayMs] = handler(req, Buffer.concat(chunks));
      setTimeout(() => res.writeHead(status).end(), delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('OtlpHttpSender', () => {
  it('POSTs protobuf with the configured headers and resolves on 2xx', async () => {
    let seen: { path?: string; type?: string; auth?: string; body?: Buffer } = {};
    const endpoint = await listen((req, body) => {
      seen = { path: req.url, type: req.headers['content-type'], auth: req.headers.authorization, body };
      return [200];
    });
    const sender = new OtlpHttpSender(otlpTarget({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t' }, 'traces', endpoint));
    await sender.post(Buffer.from([1, 2, 3]));
    sender.close();
    expect(seen).toEqual({ path: '/v1/traces', type: 'application/x-protobuf', auth: 'Bearer t', body: Buffer.from([1, 2, 3]) });
  });

  it('gzips when asked', async () => {
    let body = Buffer.alloc(0);
    let encoding: string | undefined;
    const endpoint = await listen((req, b) => ((body = b), (encoding = req.headers['content-encoding']), [200]));
    const sender = new OtlpHttpSender({ ...otlpTarget({}, 'traces', endpoint), gzip: true });
    await sender.post(Buffer.from('hello'));
    sender.close();
    expect(encoding).toBe('gzip');
    expect(gunzipSync(body).toString()).toBe('hello');
  });

  it('rejects on a non-2xx status and on the timeout, saying which URL', async () => {
    const endpoint = await listen((req) => (req.url === '/v1/traces' ? [503] : [200, 5000]));
    const sender = new OtlpHttpSender(otlpTarget({}, 'traces', endpoint));
    await expect(sender.post(Buffer.from([1]))).rejects.toThrow(`${endpoint}/v1/traces answered HTTP 503`);
    const slow = new OtlpHttpSender({ ...otlpTarget({}, 'logs', endpoint), timeoutMs: 100 });
    await expect(slow.post(Buffer.from([1]))).rejects.toThrow(`${endpoint}/v1/logs did not answer within 100 ms`);
    sender.close();
    slow.close();
  });
});

describe('FailoverOtlpSender', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  /** A collector stand-in answering the given statuses in turn (the last one repeats); counts the bodies it got. */
  async function collectorAnswering(...statuses: number[]): Promise<{ url: string; bodies: Buffer[]; close(): Promise<void> }> {
    const bodies: Buffer[] = [];
    const s = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        res.writeHead(statuses.length > 1 ? statuses.shift()! : statuses[0]!).end();
      });
    });
    servers.push(s);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const close = () => new Promise<void>((resolve) => (servers.splice(servers.indexOf(s), 1), s.close(() => resolve())));
    return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, bodies, close };
  }

  it('sends the same body to the next collector at once on 502/503/504 or no answer, and sticks to it', async () => {
    for (const status of [502, 503, 504]) {
      const a = await collectorAnswering(status);
      const b = await collectorAnswering(200);
      const moves: string[] = [];
      const sender = new FailoverOtlpSender([otlpTarget({}, 'traces', a.url), otlpTarget({}, 'traces', b.url)], {
        coolDownMs: 60_000,
        events: { failedOver: (from, to, reason) => moves.push(`${from} -> ${to}: ${reason}`) },
      });
      await sender.post(Buffer.from([1]));
      await sender.post(Buffer.from([2]));
      sender.close();
      expect(a.bodies).toEqual([Buffer.from([1])]);
      expect(b.bodies).toEqual([Buffer.from([1]), Buffer.from([2])]);
      expect(moves).toEqual([`${a.url}/v1/traces -> ${b.url}/v1/traces: ${a.url}/v1/traces answered HTTP ${status}`]);
    }
    const closedPort = await collectorAnswering(200);
    const b = await collectorAnswering(200);
    await closedPort.close();
    const sender = new FailoverOtlpSender([otlpTarget({}, 'traces', closedPort.url), otlpTarget({}, 'traces', b.url)], { coolDownMs: 60_000 });
    await sender.post(Buffer.from([3]));
    sender.close();
    expect(b.bodies).toEqual([Buffer.from([3])]);
  });

  it('does not move on 429 (back-pressure) nor on 400: the caller gets the error and the first collector stays current', async () => {
    const a = await collectorAnswering(429, 400, 200);
    const b = await collectorAnswering(200);
    const sender = new FailoverOtlpSender([otlpTarget({}, 'traces', a.url), otlpTarget({}, 'traces', b.url)], { coolDownMs: 60_000 });
    await expect(sender.post(Buffer.from([1]))).rejects.toThrow('answered HTTP 429');
    await expect(sender.post(Buffer.from([2]))).rejects.toThrow('answered HTTP 400');
    await sender.post(Buffer.from([3]));
    sender.close();
    expect(a.bodies).toHaveLength(3);
    expect(b.bodies).toEqual([]);
    expect(sender.failover.current).toBe(`${a.url}/v1/traces`);
  });

  it('rejects with the last collector\'s error when none answers', async () => {
    const a = await collectorAnswering(503);
    const b = await collectorAnswering(502);
    const sender = new FailoverOtlpSender([otlpTarget({}, 'logs', a.url), otlpTarget({}, 'logs', b.url)], { coolDownMs: 60_000 });
    await expect(sender.post(Buffer.from([1]))).rejects.toThrow(`${b.url}/v1/logs answered HTTP 502`);
    sender.close();
  });
});
