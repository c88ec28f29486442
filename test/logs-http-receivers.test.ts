/**
 * The raw-lines and Loki push receivers on a running collector, over real HTTP: what
 * arrives in the queue, the answers to bad input (status and a message that says what
 * to fix), auth, 429 when the queue is full, and the self-metrics.
 */
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs/minimal.js';
import { compress } from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch, LogRecord, LogsData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

const TOKEN = 'tenant-token-0123456789abcdef';

function records(batches: Batch[]): Array<{ resource: Record<string, unknown>; record: LogRecord }> {
  return batches.flatMap((b) =>
    (b.data as LogsData).resourceLogs.flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) => sl.logRecords.map((record) => ({ resource: rl.resource.attributes, record }))),
    ),
  );
}

async function metricValue(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && line.split(' ')[0] !== name) continue;
    if (want.every((w) => line.includes(w))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Writes a logproto.PushRequest the way Promtail does (field numbers of Loki's push.proto), snappy block-compressed. */
function promtailBody(streams: Array<{ labels: string; entries: Array<{ ms: number; line: string; metadata?: Record<string, string> }> }>): Uint8Array {
  const w = protobuf.Writer.create();
  for (const stream of streams) {
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(stream.labels);
    for (const entry of stream.entries) {
      w.uint32((2 << 3) | 2).fork();
      w.uint32((1 << 3) | 2).fork();
      w.uint32((1 << 3) | 0).int64(Math.floor(entry.ms / 1000));
      w.uint32((2 << 3) | 0).int32((entry.ms % 1000) * 1_000_000);
      w.ldelim();
      w.uint32((2 << 3) | 2).string(entry.line);
      for (const [name, value] of Object.entries(entry.metadata ?? {})) {
        w.uint32((3 << 3) | 2).fork();
        w.uint32((1 << 3) | 2).string(name);
        w.uint32((2 << 3) | 2).string(value);
        w.ldelim();
      }
      w.ldelim();
    }
    w.uint32((3 << 3) | 0).uint64(12345); // hash, which receivers ignore
    w.ldelim();
  }
  return compress(w.finish());
}

const ACCESS = (path: string, status: number, micros: number) =>
  `10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET ${path} HTTP/1.1" ${status} 512 "-" "curl/8.5" ${micros}`;

describe('raw lines over HTTP', () => {
  let test: TestCollector;
  let url: string;
  beforeAll(async () => {
    test = await startTestCollector();
    url = test.collector.httpUrl;
  });
  afterAll(async () => test?.close());

  it('parses text/plain access lines into one stream with labels from the query and X-Lookout-Labels', async () => {
    test.clear();
    const lines = [ACCESS('/users/1', 200, 1500), ACCESS('/users/2', 503, 250000), 'not an access line at all'];
    const response = await fetch(`${url}/v1/logs/raw?service=shop&format=access`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-lookout-labels': 'env=prod, service=ignored' },
      body: lines.join('\n') + '\n',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 3, unparsed: 1 });
    const got = records(await test.waitForItems('logs', 3));
    expect(got).toHaveLength(3);
    expect(got[0]!.resource).toMatchObject({ 'service.name': 'shop', service: 'shop', env: 'prod' });
    expect(got[0]!.record.attributes).toMatchObject({
      'http.response.status_code': 200,
      'url.path': '/users/1',
      'http.server.request.duration': 0.0015,
      'lookout.log.format': 'access',
    });
    expect(got[1]!.record.severityNumber).toBe(17); // 5xx → ERROR
    expect(got[2]!.record.body).toBe('not an access line at all');
    expect(got[2]!.record.attributes['lookout.log.format']).toBeUndefined();
    expect(await metricValue(url, 'lookout_log_lines_unparsed_total', { receiver: 'raw-lines', format: 'access' })).toBe(1);
    expect(await metricValue(url, 'lookout_receiver_accepted_items_total', { receiver: 'raw-lines' })).toBe(3);
  });

  it('parses NDJSON bodies with the JSON parser, gzip too, and joins a stack trace in text', async () => {
    test.clear();
    const ndjson = [
      JSON.stringify({ level: 30, time: 1760000000000, msg: 'hello', reqId: 7 }),
      JSON.stringify({ level: 50, time: 1760000000001, msg: 'boom' }),
    ].join('\n');
    const response = await fetch(`${url}/v1/logs/raw?app=api`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: gzipSync(ndjson),
    });
    expect(response.status).toBe(200);
    const text = ['2025-10-10 13:55:36,123 ERROR [main] com.shop.Api - failed', '\tat com.shop.Api.run(Api.java:10)', '\tat java.lang.Thread.run(Thread.java:833)'].join('\n');
    const second = await fetch(`${url}/v1/logs/raw`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-lookout-labels': 'service=java' },
      body: text,
    });
    expect(await second.json()).toEqual({ accepted: 1, unparsed: 0 });
    const got = records(await test.waitForItems('logs', 3));
    expect(got[0]!.resource['service.name']).toBe('api');
    expect(got[0]!.record.body).toBe('hello');
    expect(got[0]!.record.attributes['reqId']).toBe(7);
    expect(got[1]!.record.severityNumber).toBe(17);
    expect(got[2]!.record.attributes['exception.stacktrace'] ?? got[2]!.record.body).toContain('Thread.java:833');
  });

  it.each([
    ['an unknown format', '/v1/logs/raw?format=xml', { 'content-type': 'text/plain' }, 'x', 400, /unknown log format 'xml'.*use auto or one of json/],
    ['a bad label header', '/v1/logs/raw', { 'content-type': 'text/plain', 'x-lookout-labels': 'service' }, 'x', 400, /X-Lookout-Labels: 'service' is not name=value/],
    ['a bad label name', '/v1/logs/raw?1bad=x', { 'content-type': 'text/plain' }, 'x', 400, /label name '1bad' is not valid/],
    ['a wrong content type', '/v1/logs/raw', { 'content-type': 'application/json' }, '{}', 415, /send text\/plain .* or application\/x-ndjson/],
    ['NDJSON with a non-JSON format', '/v1/logs/raw?format=access', { 'content-type': 'application/x-ndjson' }, '{}', 400, /drop format=access or send text\/plain/],
    ['invalid UTF-8', '/v1/logs/raw', { 'content-type': 'text/plain' }, Buffer.from([0x6f, 0x6b, 0x0a, 0xff, 0xfe]), 400, /line 2 of the body is not valid UTF-8/],
    ['a broken gzip body', '/v1/logs/raw', { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, 'not gzip', 400, /not valid gzip data.*check Content-Encoding/],
    ['an unknown encoding', '/v1/logs/raw', { 'content-type': 'text/plain', 'content-encoding': 'br' }, 'x', 415, /Content-Encoding 'br' is not supported/],
  ])('refuses %s with a message that says what to fix', async (_what, path, headers, body, status, message) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    expect(response.status).toBe(status);
    const answer = (await response.json()) as { error: string };
    expect(answer.error).toMatch(message);
  });

  it('refuses a body over maxBodyBytes with 413 naming the setting, and keeps serving', async () => {
    const small = await startTestCollector('logs:\n  raw:\n    maxBodyBytes: 1024\n');
    try {
      const response = await fetch(`${small.collector.httpUrl}/v1/logs/raw`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5000) });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: string }).error).toMatch(/larger than 1024 bytes \(logs.raw.maxBodyBytes\)/);
      const ok = await fetch(`${small.collector.httpUrl}/v1/logs/raw`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'fine' });
      expect(ok.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('Loki push API', () => {
  let test: TestCollector;
  let url: string;
  beforeAll(async () => {
    test = await startTestCollector();
    url = test.collector.httpUrl;
  });
  afterAll(async () => test?.close());

  it('takes snappy protobuf exactly as Promtail sends it and answers 204', async () => {
    test.clear();
    const at = Date.UTC(2025, 9, 10, 13, 55, 36, 250);
    const body = promtailBody([
      {
        labels: '{job="varlogs", filename="/var/log/app.log", service_name="checkout"}',
        entries: [
          { ms: at, line: 'level=info msg="order placed" order=42' },
          { ms: at + 1, line: 'level=error msg="payment failed"', metadata: { trace_id: 'abc', pod: 'checkout-1' } },
        ],
      },
      { labels: '{job="nginx"}', entries: [{ ms: at + 2, line: ACCESS('/cart/9', 200, 900) }] },
    ]);
    const response = await fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'user-agent': 'promtail/2.9.4' },
      body: body,
    });
    expect(response.status).toBe(204);
    const got = records(await test.waitForItems('logs', 3));
    expect(got[0]!.resource).toMatchObject({ 'service.name': 'checkout', job: 'varlogs', filename: '/var/log/app.log' });
    expect(got[0]!.record.body).toBe('order placed');
    expect(got[0]!.record.attributes['order']).toBe('42');
    expect(got[0]!.record.timeUnixNano).toBe(BigInt(at) * 1_000_000n);
    expect(got[1]!.record.severityNumber).toBe(17);
    expect(got[1]!.record.attributes).toMatchObject({ trace_id: 'abc', pod: 'checkout-1' });
    expect(got[2]!.resource['service.name']).toBe('nginx');
    expect(got[2]!.record.attributes['url.path']).toBe('/cart/9');
  });

  it('takes JSON pushes (plain and gzip) with structured metadata', async () => {
    test.clear();
    const push = {
      streams: [
        { stream: { app: 'web', env: 'prod' }, values: [['1760000000000000001', 'plain text line', { user: 'u1' }], ['1760000000000000002', 'second']] },
      ],
    };
    const plain = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(push) });
    expect(plain.status).toBe(204);
    const gzip = await fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(push)),
    });
    expect(gzip.status).toBe(204);
    const got = records(await test.waitForItems('logs', 4));
    expect(got).toHaveLength(4);
    expect(got[0]!.resource).toMatchObject({ 'service.name': 'web', env: 'prod' });
    expect(got[0]!.record.body).toBe('plain text line');
    expect(got[0]!.record.timeUnixNano).toBe(1760000000000000001n);
    expect(got[0]!.record.attributes['user']).toBe('u1');
  });

  it.each([
    ['JSON that does not parse', 'application/json', '{"streams": [', 400, /body is not valid JSON .*send \{"streams"/],
    ['a number timestamp', 'application/json', JSON.stringify({ streams: [{ stream: {}, values: [[1, 'x']] }] }), 400, /at streams\[0\]\.values\[0\]\[0\]: the timestamp must be a string of nanoseconds/],
    ['a line that is not a string', 'application/json', JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [['1', 5]] }] }), 400, /streams\[0\]\.values\[0\]\[1\]: the log line must be a string/],
    ['a non-string label', 'application/json', JSON.stringify({ streams: [{ stream: { a: 1 }, values: [] }] }), 400, /streams\[0\]\.stream\.a: a label value must be a string/],
    ['protobuf that is not snappy', 'application/x-protobuf', 'plainly not snappy', 400, /not snappy block-format data.*as Promtail sends them/],
    ['snappy of garbage protobuf', 'application/x-protobuf', compress(new Uint8Array([0x0a, 0xff, 0x01, 0x02])), 400, /invalid Loki push protobuf at streams\[0\], byte offset \d+: .*truncated|runs past/],
    ['bad labels in protobuf', 'application/x-protobuf', promtailBody([{ labels: 'job=x', entries: [] }]), 400, /streams\[0\]\.labels.*expected '\{'.*write labels as \{name="value"/],
    ['another content type', 'text/plain', 'x', 415, /send application\/x-protobuf \(snappy-compressed logproto.PushRequest\) or application\/json/],
  ])('refuses %s with a plain-text message that says what to fix', async (_what, type, body, status, message) => {
    const response = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': type }, body });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(message);
  });

  it('refuses a snappy body that announces more than maxDecompressedBytes before inflating it', async () => {
    const small = await startTestCollector('logs:\n  loki:\n    maxDecompressedBytes: 1000\n');
    try {
      const body = promtailBody([{ labels: '{job="x"}', entries: [{ ms: 1, line: 'y'.repeat(5000) }] }]);
      const response = await fetch(`${small.collector.httpUrl}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      expect(response.status).toBe(413);
      expect(await response.text()).toMatch(/more than 1000 \(logs.loki.maxDecompressedBytes\)/);
    } finally {
      await small.close();
    }
  });
});

describe('log receivers with auth and a full queue', () => {
  let test: TestCollector;
  let release: () => void = () => {};
  beforeAll(async () => {
    test = await startTestCollector(
      JSON.stringify({
        receivers: { otlp: { auth: { tenants: [{ name: 'shop-team', token: TOKEN }] } } },
        pipeline: { queue: { maxItems: 5 } },
      }),
    );
    // a slow consumer holds the first batch so the queue stays full
    let hold: Promise<void> | undefined = new Promise<void>((resolve) => (release = resolve));
    test.collector.queue.register('logs', 'slow', async () => {
      const waiting = hold;
      hold = undefined;
      await waiting;
    });
  });
  afterAll(async () => {
    release();
    await test?.close();
  });

  it('needs the tenant bearer token on both receivers and records the tenant', async () => {
    const raw = await fetch(`${test.collector.httpUrl}/v1/logs/raw`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: string }).error).toMatch(/missing Authorization header; send "Authorization: Bearer/);
    const loki = await fetch(`${test.collector.httpUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-000000000' },
      body: '{}',
    });
    expect(loki.status).toBe(401);
    expect(await loki.text()).toMatch(/invalid bearer token/);
    const ok = await fetch(`${test.collector.httpUrl}/v1/logs/raw?service=a`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${TOKEN}` },
      body: 'one\ntwo\nthree\nfour\nfive\nsix',
    });
    expect(ok.status).toBe(200);
    expect(await metricValue(test.collector.httpUrl, 'lookout_receiver_accepted_items_total', { receiver: 'raw-lines', tenant: 'shop-team' })).toBe(6);
  });

  it('answers 429 with Retry-After while the queue is full, and 200 again once it drains', async () => {
    const send = () =>
      fetch(`${test.collector.httpUrl}/v1/logs/raw?service=a`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${TOKEN}` },
        body: 'a\nb\nc',
      });
    const full = await send();
    expect(full.status).toBe(429);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await full.json()) as { error: string }).error).toMatch(/pipeline queue is full; retry after/);
    const loki = await fetch(`${test.collector.httpUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ streams: [{ stream: { job: 'x' }, values: [['1', 'a']] }] }),
    });
    expect(loki.status).toBe(429);
    release();
    await test.collector.queue.idle();
    expect((await send()).status).toBe(200);
  });
});
