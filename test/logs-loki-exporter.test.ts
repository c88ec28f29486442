/**
 * The Loki exporter against a local HTTP server that speaks the Loki push API (Loki
 * itself is not installable here): the payload shape (three labels, structured
 * metadata, nanosecond strings), retries with backoff on 5xx/429/connection errors,
 * no retry on other 4xx, the bounded buffer, and that ingest never waits for Loki.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

interface Push {
  headers: IncomingMessage['headers'];
  body: { streams: Array<{ stream: Record<string, string>; values: Array<[string, string, Record<string, string>?]> }> };
  at: number;
}

/** A Loki stand-in: answers each push with the next scripted status (then 204), and keeps what it got. */
async function startFakeLoki(script: Array<number | { status: number; retryAfter?: string; hang?: boolean }> = []) {
  const pushes: Push[] = [];
  const attempts: number[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      attempts.push(Date.now());
      if (request.url !== '/loki/api/v1/push' || request.method !== 'POST') {
        response.writeHead(404).end('404 page not found\n');
        return;
      }
      const step = script.shift() ?? 204;
      const { status, retryAfter, hang } = typeof step === 'number' ? { status: step, retryAfter: undefined, hang: false } : step;
      if (hang) return; // never answers: the exporter's timeout must fire
      if (status === 204) pushes.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now() });
      if (retryAfter) response.setHeader('retry-after', retryAfter);
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 204 ? '' : `error ${status}: entry too far behind\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pushes,
    attempts,
    entries: () => pushes.flatMap((p) => p.body.streams.flatMap((s) => s.values.map((v) => ({ labels: s.stream, value: v })))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function metricValue(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && line.split(' ')[0] !== name) continue;
    if (want.every((w) => line.includes(w))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exporterConfig = (url: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    exporters: { loki: { url, tenant: 'team-a', headers: { authorization: 'Bearer loki-secret' }, batchWait: '50ms', minBackoff: '20ms', maxBackoff: '100ms', ...extra } },
  });

const sendRaw = (test: TestCollector, query: string, body: string) =>
  fetch(`${test.collector.httpUrl}/v1/logs/raw?${query}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });

describe('Loki exporter', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('pushes records with only service/severity/source as labels and the rest as structured metadata', async () => {
    const loki = await startFakeLoki();
    cleanups.push(loki.close);
    const test = await startTestCollector(exporterConfig(loki.url));
    cleanups.push(() => test.close());
    const lines = [
      JSON.stringify({ level: 30, time: 1760000000123, msg: 'order placed', orderId: 42, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' }),
      JSON.stringify({ level: 50, time: 1760000000124, msg: 'payment failed', err: { type: 'Error', message: 'declined' } }),
    ];
    expect((await sendRaw(test, 'service=checkout&env=prod&pod=checkout-7f9', lines.join('\n'))).status).toBe(200);
    const entries = await until('entries at Loki', () => loki.entries(), (e) => e.length === 2);

    const push = loki.pushes[0]!;
    expect(push.headers['content-type']).toBe('application/json');
    expect(push.headers['x-scope-orgid']).toBe('team-a');
    expect(push.headers['authorization']).toBe('Bearer loki-secret');
    const info = entries.find((e) => e.labels.severity === 'info')!;
    expect(info.labels).toEqual({ service: 'checkout', severity: 'info', source: 'raw' });
    expect(info.value[0]).toBe('1760000000123000000');
    expect(info.value[1]).toBe('order placed');
    expect(info.value[2]).toMatchObject({ orderId: '42', trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', lookout_log_format: 'json' });
    const error = entries.find((e) => e.labels.severity === 'error')!;
    expect(error.labels).toEqual({ service: 'checkout', severity: 'error', source: 'raw' });
    expect(error.value[2]!['exception_message']).toBe('declined');
    // env/pod labels of the stream are not Loki labels (they would multiply streams)
    for (const pushed of loki.pushes) for (const stream of pushed.body.streams) expect(Object.keys(stream.stream).sort()).toEqual(['service', 'severity', 'source']);
    expect(await metricValue(test.collector.httpUrl, 'lookout_loki_exporter_sent_records_total')).toBe(2);
  });

  it('retries 5xx, 429 (honouring Retry-After) and timeouts with backoff, then delivers once', async () => {
    const loki = await startFakeLoki([503, { status: 429, retryAfter: '0' }, { status: 0, hang: true }, 500]);
    cleanups.push(loki.close);
    const test = await startTestCollector(exporterConfig(loki.url, { timeout: '300ms' }));
    cleanups.push(() => test.close());
    expect((await sendRaw(test, 'service=api', 'one\ntwo\nthree')).status).toBe(200);
    await until('delivered after retries', () => loki.entries().length, (n) => n === 3);
    expect(loki.attempts).toHaveLength(5);
    expect(loki.pushes).toHaveLength(1);
    const url = test.collector.httpUrl;
    expect(await metricValue(url, 'lookout_loki_exporter_retries_total', { reason: 'status_5xx' })).toBe(2);
    expect(await metricValue(url, 'lookout_loki_exporter_retries_total', { reason: 'status_429' })).toBe(1);
    expect(await metricValue(url, 'lookout_loki_exporter_retries_total', { reason: 'timeout' })).toBe(1);
    expect(await metricValue(url, 'lookout_loki_exporter_sent_records_total')).toBe(3);
    expect(await metricValue(url, 'lookout_loki_exporter_dropped_records_total')).toBe(0);
  });

  it('drops (and counts) a batch Loki refuses with a 4xx, without retrying, and goes on', async () => {
    const loki = await startFakeLoki([400]);
    cleanups.push(loki.close);
    const test = await startTestCollector(exporterConfig(loki.url));
    cleanups.push(() => test.close());
    await sendRaw(test, 'service=api', 'refused line');
    await until('dropped', () => metricValue(test.collector.httpUrl, 'lookout_loki_exporter_dropped_records_total', { reason: 'rejected' }), (n) => n === 1);
    await sendRaw(test, 'service=api', 'accepted line');
    await until('the next batch delivered', () => loki.entries().length, (n) => n === 1);
    expect(loki.attempts).toHaveLength(2);
    expect(loki.entries()[0]!.value[1]).toBe('accepted line');
  });

  it('gives up after maxRetries when Loki stays down, and never makes ingest wait', async () => {
    // Loki is down: every connection is reset (a closed port could be reused by a parallel test).
    const down = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => down.close(() => resolve())));
    const lokiUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
    const test = await startTestCollector(exporterConfig(lokiUrl, { maxRetries: 2, maxBufferRecords: 50, batchRecords: 10 }));
    cleanups.push(() => test.close());
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const body = Array.from({ length: 10 }, (_, j) => `line ${i}-${j}`).join('\n');
      expect((await sendRaw(test, 'service=api', body)).status).toBe(200);
    }
    await test.collector.queue.idle();
    expect(Date.now() - started).toBeLessThan(5000); // ingest went on while Loki was down
    const url = test.collector.httpUrl;
    // 100 records: at most 50 buffered at once, the rest dropped as buffer_full; the
    // buffered ones dropped after 1 + 2 attempts each.
    await until(
      'every record accounted for',
      async () =>
        (await metricValue(url, 'lookout_loki_exporter_dropped_records_total', { reason: 'buffer_full' })) +
        (await metricValue(url, 'lookout_loki_exporter_dropped_records_total', { reason: 'retries_exhausted' })),
      (n) => n === 100,
    );
    expect(await metricValue(url, 'lookout_loki_exporter_dropped_records_total', { reason: 'buffer_full' })).toBeGreaterThan(0);
    expect(await metricValue(url, 'lookout_loki_exporter_retries_total', { reason: 'network' })).toBeGreaterThan(0);
    expect(await metricValue(url, 'lookout_loki_exporter_sent_records_total')).toBe(0);
  });

  it('with durability disk, reads the log at its cursor: records Loki never took are pushed after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lookout-loki-wal-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const down = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => down.close(() => resolve())));
    const disk = (url: string) =>
      JSON.stringify({ ...JSON.parse(exporterConfig(url, { maxRetries: 1000 })), storage: { dataDir }, pipeline: { durability: 'disk' } });
    // Loki is down: the records are acknowledged (on disk), retried, then the collector stops
    const first = await startTestCollector(disk(`http://127.0.0.1:${(down.address() as AddressInfo).port}`));
    for (let i = 0; i < 5; i++) expect((await sendRaw(first, 'service=api', `line ${i}`)).status).toBe(200);
    await until('retries while Loki is down', () => metricValue(first.collector.httpUrl, 'lookout_loki_exporter_retries_total'), (n) => n > 0);
    await first.close(); // the buffered records are dropped as shutdown, their cursor stays

    const loki = await startFakeLoki();
    cleanups.push(loki.close);
    const second = await startTestCollector(disk(loki.url));
    cleanups.push(() => second.close());
    const entries = await until('the records at Loki after the restart', () => loki.entries(), (e) => e.length >= 5);
    expect(entries.map((e) => e.value[1]).sort()).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    await until('the cursor committed', () => metricValue(second.collector.httpUrl, 'lookout_wal_cursor_lag_items', { consumer: 'loki-exporter' }), (n) => n === 0);
  });

  it('refuses a config whose url is not http(s), naming the key', async () => {
    await expect(startTestCollector(JSON.stringify({ exporters: { loki: { url: 'loki:3100' } } }))).rejects.toThrow(
      /exporters\.loki\.url: url must be an http\(s\) URL of Loki, e\.g\. http:\/\/loki:3100/,
    );
  });
});
