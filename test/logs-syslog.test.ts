/**
 * The syslog receiver against a real client: util-linux `logger` sending RFC 5424 and
 * RFC 3164 over UDP and TCP (LF framing and RFC 6587 octet counting); back-pressure on
 * TCP and counted drops on UDP when the queue is full; bad frames and idle connections.
 */
import { execFile, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch, LogRecord, LogsData } from '@lookout/otlp';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

const LOGGER = spawnSync('logger', ['--version'], { encoding: 'utf8' }).status === 0 ? 'logger' : undefined;
if (!LOGGER) {
  if (process.env.CI) throw new Error('logger (util-linux) is required in CI: apt-get install -y bsdutils');
  console.log('SKIP logs-syslog: `logger` (util-linux bsdutils) is not installed; apt-get install bsdutils');
}

function logger(args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(LOGGER!, args, { timeout: 10_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`logger ${args.join(' ')} failed: ${error.message} ${stderr}`)) : resolve(),
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

function records(batches: Batch[]): Array<{ resource: Record<string, unknown>; record: LogRecord }> {
  return batches.flatMap((b) =>
    (b.data as LogsData).resourceLogs.flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) => sl.logRecords.map((record) => ({ resource: rl.resource.attributes, record }))),
    ),
  );
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
    await new Promise((r) => setTimeout(r, 50));
  }
}

const syslogConfig = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    logs: { syslog: { udp: { enabled: true, port: 0 }, tcp: { enabled: true, port: 0 }, flushInterval: '50ms', ...extra } },
  });

describe.skipIf(!LOGGER)('syslog from util-linux logger', () => {
  let test: TestCollector;
  let udpPort: string;
  let tcpPort: string;
  beforeAll(async () => {
    test = await startTestCollector(syslogConfig());
    udpPort = String(test.collector.syslog!.udpPort);
    tcpPort = String(test.collector.syslog!.tcpPort);
  });
  afterAll(async () => test?.close());

  it('RFC 5424 over UDP: app, severity, msgid and structured data', async () => {
    test.clear();
    await logger([
      '--rfc5424', '-n', '127.0.0.1', '-P', udpPort, '-d',
      '-t', 'billing', '-p', 'local0.err', '--msgid', 'PAY1',
      '--sd-id', 'order@32473', '--sd-param', 'id="42"',
      'payment declined for order 42',
    ]);
    const [got] = records(await test.waitForItems('logs', 1));
    expect(got!.resource['service.name']).toBe('billing');
    expect(got!.record.body).toBe('payment declined for order 42');
    expect(got!.record.severityNumber).toBe(17);
    expect(got!.record.attributes).toMatchObject({
      'syslog.app_name': 'billing',
      'syslog.msgid': 'PAY1',
      'syslog.version': 1,
      'syslog.facility': 16,
      'network.transport': 'udp',
      'network.peer.address': '127.0.0.1',
      'lookout.log.format': 'syslog',
    });
    expect(got!.record.attributes['syslog.structured_data']).toMatchObject({ 'order@32473': { id: '42' } });
    expect(got!.record.timeUnixNano).toBeGreaterThan(0n);
  });

  it('RFC 3164 over UDP', async () => {
    test.clear();
    await logger(['--rfc3164', '-n', '127.0.0.1', '-P', udpPort, '-d', '-t', 'cron', '-p', 'cron.warning', 'job took too long']);
    const [got] = records(await test.waitForItems('logs', 1));
    expect(got!.resource['service.name']).toBe('cron');
    expect(got!.record.body).toBe('job took too long');
    expect(got!.record.severityNumber).toBe(13);
    expect(got!.record.attributes['syslog.version']).toBeUndefined();
  });

  it('RFC 5424 and 3164 over TCP with LF framing, several lines per connection', async () => {
    test.clear();
    await logger(['--rfc5424', '-n', '127.0.0.1', '-P', tcpPort, '-T', '-t', 'api', '-p', 'user.info'], 'first line\nsecond line\nthird line\n');
    await logger(['--rfc3164', '-n', '127.0.0.1', '-P', tcpPort, '-T', '-t', 'sshd', '-p', 'auth.notice'], 'accepted publickey\n');
    const got = records(await test.waitForItems('logs', 4));
    expect(got.map((g) => g.record.body).sort()).toEqual(['accepted publickey', 'first line', 'second line', 'third line']);
    const sshd = got.find((g) => g.resource['service.name'] === 'sshd')!;
    expect(sshd.record.severityNumber).toBe(10); // notice → INFO2
    expect(sshd.record.attributes['network.transport']).toBe('tcp');
  });

  it('RFC 5424 over TCP with octet counting (RFC 6587), including a message with a newline inside', async () => {
    test.clear();
    await logger(['--rfc5424', '--octet-count', '-n', '127.0.0.1', '-P', tcpPort, '-T', '-t', 'worker'], 'one\ntwo\n');
    // logger sends one frame per stdin line; a raw octet-counted frame may carry a newline
    const socket = connect(Number(tcpPort), '127.0.0.1');
    const message = '<14>1 2025-10-10T13:55:36.123Z host worker 77 - - line one\nline two';
    await new Promise<void>((resolve) => socket.end(`${Buffer.byteLength(message)} ${message}`, resolve));
    const got = records(await test.waitForItems('logs', 3));
    expect(got.map((g) => g.record.body).sort()).toEqual(['line one\nline two', 'one', 'two']);
    expect(got.find((g) => g.record.body === 'line one\nline two')!.record.attributes['process.pid']).toBe(77);
  });
});

describe.skipIf(!LOGGER)('syslog when the queue is full', () => {
  let test: TestCollector;
  let release: () => void = () => {};
  let delivered = 0;
  beforeAll(async () => {
    test = await startTestCollector(JSON.stringify({ ...JSON.parse(syslogConfig({ flushRecords: 20 })), pipeline: { queue: { maxItems: 20 } } }));
    test.collector.queue.register('logs', 'slow', async (batch) => {
      delivered += batch.items;
      await new Promise<void>((resolve) => {
        const previous = release;
        release = () => {
          previous();
          resolve();
        };
      });
    });
  });
  afterAll(async () => {
    release();
    await test?.close();
  });

  it('TCP stops reading (back-pressure) and loses nothing; UDP drops and counts', async () => {
    const url = test.collector.httpUrl;
    const lines = Array.from({ length: 300 }, (_, i) => `message ${i}`).join('\n') + '\n';
    // A first message that the slow consumer holds, so the queue is not empty.
    await logger(['--rfc5424', '-n', '127.0.0.1', '-P', String(test.collector.syslog!.tcpPort), '-T', '-t', 'hold'], 'hold\n');
    await until('the first batch held by the consumer', () => delivered, (n) => n === 1);
    const tcpSent = logger(['--rfc5424', '-n', '127.0.0.1', '-P', String(test.collector.syslog!.tcpPort), '-T', '-t', 'bp'], lines);
    await until('a TCP pause', () => metricValue(url, 'lookout_syslog_tcp_paused_total'), (n) => n >= 1);

    // While the queue is still full, UDP has nowhere to put its messages.
    await logger(['--rfc5424', '-n', '127.0.0.1', '-P', String(test.collector.syslog!.udpPort), '-d', '-t', 'udp'], Array.from({ length: 50 }, (_, i) => `udp ${i}`).join('\n') + '\n');
    const dropped = await until('UDP drops', () => metricValue(url, 'lookout_syslog_dropped_messages_total', { transport: 'udp', reason: 'queue_full' }), (n) => n > 0);
    expect(dropped).toBeLessThanOrEqual(50);

    // Let the consumer go: every TCP message arrives, exactly once.
    const releaser = setInterval(() => release(), 20);
    try {
      await tcpSent;
      await until('all TCP messages delivered', () => records(test.batches.logs).filter((r) => r.resource['service.name'] === 'bp').length, (n) => n >= 300);
      await test.collector.queue.idle();
    } finally {
      clearInterval(releaser);
    }
    const bp = records(test.batches.logs).filter((r) => r.resource['service.name'] === 'bp').map((r) => r.record.body);
    expect(bp).toHaveLength(300);
    expect(new Set(bp).size).toBe(300);
    const udpDelivered = records(test.batches.logs).filter((r) => r.resource['service.name'] === 'udp').length;
    const droppedInTheEnd = await metricValue(url, 'lookout_syslog_dropped_messages_total', { transport: 'udp', reason: 'queue_full' });
    expect(udpDelivered + droppedInTheEnd).toBe(50);
    expect(delivered).toBe(1 + 300 + udpDelivered);
  });
});

describe('syslog bad frames and idle connections (no client needed)', () => {
  let test: TestCollector;
  beforeAll(async () => {
    test = await startTestCollector(syslogConfig({ maxMessageBytes: 100, idleTimeout: '300ms', udp: { enabled: false } }));
  });
  afterAll(async () => test?.close());

  const open = () => connect(test.collector.syslog!.tcpPort!, '127.0.0.1');

  it('closes a connection whose octet count is not a number, keeping the frames before it', async () => {
    test.clear();
    const socket = open();
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    const ok = '<14>1 - - app - - - ok';
    socket.write(`${ok.length} ${ok}3x <14>1 - - app - - - never`);
    await closed;
    const got = records(await test.waitForItems('logs', 1));
    expect(got.map((g) => g.record.body)).toEqual(['ok']);
    expect(await metricValue(test.collector.httpUrl, 'lookout_syslog_dropped_messages_total', { transport: 'tcp', reason: 'bad_frame' })).toBe(1);
  });

  it('drops a message over maxMessageBytes, counts it and goes on with the next one', async () => {
    test.clear();
    const socket = open();
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.end(`<14>1 - - app - - - ${'x'.repeat(200)}\n<14>1 - - app - - - after\n`, resolve));
    const got = records(await test.waitForItems('logs', 1));
    expect(got.map((g) => g.record.body)).toEqual(['after']);
    expect(await metricValue(test.collector.httpUrl, 'lookout_syslog_dropped_messages_total', { transport: 'tcp', reason: 'too_large' })).toBe(1);
  });

  it('keeps an unparseable message as a plain body and counts it', async () => {
    test.clear();
    const socket = open();
    await new Promise<void>((resolve) => socket.end('this is not syslog\n', resolve));
    const [got] = records(await test.waitForItems('logs', 1));
    expect(got!.record.body).toBe('this is not syslog');
    expect(await metricValue(test.collector.httpUrl, 'lookout_log_lines_unparsed_total', { receiver: 'syslog' })).toBe(1);
  });

  it('closes a connection that stays silent for idleTimeout', async () => {
    const socket = open();
    const started = Date.now();
    await new Promise<void>((resolve) => socket.on('close', () => resolve()).on('error', () => {}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('refuses to start on a port in use, naming the setting', async () => {
    const port = test.collector.syslog!.tcpPort!;
    await expect(startTestCollector(JSON.stringify({ logs: { syslog: { tcp: { enabled: true, port } } } }))).rejects.toThrow(
      new RegExp(`cannot listen for syslog on tcp 127.0.0.1:${port}: the port is in use; set logs.syslog.tcp.port`),
    );
  });
});
