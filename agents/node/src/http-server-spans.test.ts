import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LookoutContextManager } from './context-manager.ts';
import { instrumentHttpServer } from './http-server-spans.ts';
import { lightServerSpans } from './light-server-spans.ts';
import type { ServerSpan } from './server-span.ts';

/** A real node:http server on 127.0.0.1 under instrumentHttpServer; what ended, in order. */
async function serve(handler: Parameters<typeof createServer>[1]) {
  const ended: ServerSpan[] = [];
  const observed: Array<[string, string, number]> = [];
  let spanEnded: () => void = () => {};
  const stop = instrumentHttpServer({
    startSpan: lightServerSpans(resourceFromAttributes({}), { name: 'test' }, (span) => {
      ended.push(span);
      spanEnded();
    }),
    contextManager: new LookoutContextManager(),
    observe: (route, method, status) => observed.push([route, method, status]),
    alwaysExtract: false,
    ignoredServers: new WeakSet(),
  });
  const server: Server = createServer(handler!);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const waitForSpans = async (n: number) => {
    while (ended.length < n) await new Promise<void>((resolve) => (spanEnded = resolve));
  };
  cleanups.push(async () => {
    stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { ended, observed, port, waitForSpans };
}
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('instrumentHttpServer', () => {
  it('ends the span of a finished response with its status, not as aborted', async () => {
    const { ended, observed, port, waitForSpans } = await serve((_req, res) => res.writeHead(503).end('down'));
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/x?y=1' }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject).end();
    });
    expect(status).toBe(503);
    await waitForSpans(1);
    expect(ended[0]!.attributes).toMatchObject({ 'url.path': '/x', 'http.response.status_code': 503 });
    expect(ended[0]!.attributes['http.aborted']).toBeUndefined();
    expect(ended[0]!.status.code).toBe(2);
    expect(observed).toEqual([['', 'GET', 503]]);
  });

  it('ends pipelined requests on one connection each with its own span, in order', async () => {
    const { ended, port, waitForSpans } = await serve((req, res) => res.end(req.url));
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.resume();
    await waitForSpans(3);
    socket.destroy();
    expect(ended.map((s) => s.attributes['url.path'])).toEqual(['/a', '/b', '/c']);
    expect(ended.every((s) => s.attributes['http.aborted'] === undefined)).toBe(true);
  });

  it('ends the span as aborted when the client goes away before the response', async () => {
    let arrived: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { ended, observed, port, waitForSpans } = await serve(() => arrived()); // never answers
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await requestArrived;
    socket.destroy();
    await waitForSpans(1);
    expect(ended[0]!.attributes).toMatchObject({ 'url.path': '/slow', 'http.aborted': true });
    expect(observed).toHaveLength(1);
  });
});
