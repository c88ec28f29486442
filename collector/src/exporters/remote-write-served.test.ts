/**
 * Remote write and the write-ahead log's served mark (issue 13, /metrics never counting a
 * replayed batch twice): a reading of the collector's own series is marked before any
 * request holding it leaves the process, in reading order. The receiver is a local HTTP
 * endpoint that only records when each request arrived (the order is what is tested).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteWriteConfigSchema } from './remote-write-config.ts';
import { RemoteWriteExporter } from './remote-write-exporter.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('remote write: the served mark', () => {
  it('writes each reading\'s mark before a request holding it is sent, readings in order', async () => {
    const events: string[] = [];
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        events.push('request');
        response.writeHead(204).end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const registry = new Registry();
    const requests = new Counter({ name: 'lookout_requests_total', help: 'h', labelNames: ['service'], registers: [registry] });
    let captured = 0;
    const exporter = new RemoteWriteExporter({
      config: remoteWriteConfigSchema.parse({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`, selfSeries: ['lookout_requests_total'], shards: 1, batchWait: '10ms' }),
      registry,
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
      served: {
        capture: () => ({ reading: ++captured }),
        async mark(token) {
          await new Promise((r) => setTimeout(r, 20)); // a slow disk: the request must still wait for it
          events.push(`mark ${(token as { reading: number }).reading}`);
        },
      },
    });
    requests.inc({ service: 'a' }, 5);
    await exporter.sampleSelf();
    await exporter.flush();
    requests.inc({ service: 'a' }, 2);
    await exporter.sampleSelf();
    await exporter.flush();
    await exporter.close(1000);
    expect(captured).toBe(2);
    expect(events).toEqual(['mark 1', 'request', 'mark 2', 'request']);
  });
});
