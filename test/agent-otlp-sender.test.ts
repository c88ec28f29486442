import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpHttpSender, otlpTarget } from '../agents/node/src/otlp-http-sender.ts';

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
