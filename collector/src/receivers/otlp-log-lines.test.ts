import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { newAttributes, type AnyValue, type LogRecord, type LogsData } from '@lookout/otlp';
import { registerLogReceiverMetrics } from './log-receiver-metrics.ts';
import { LogStreams } from './log-streams.ts';
import { isUnparsedLine, otlpLogLinesHook, parseOtlpLogLines } from './otlp-log-lines.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const ACCESS = '203.0.113.9 - - [01/Jan/2026:12:00:00 +0000] "GET /users/42 HTTP/1.1" 503 12 "-" "curl/8"';

function line(body: AnyValue, attributes: Record<string, AnyValue> = {}, extra: Partial<LogRecord> = {}): LogRecord {
  const attrs = newAttributes();
  Object.assign(attrs, { 'lookout.log.unparsed': true, 'log.file.path': '/var/log/nginx/access.log', service: 'edge' }, attributes);
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: BigInt(NOW) * 1_000_000n,
    severityNumber: 0,
    severityText: '',
    body,
    attributes: attrs,
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    ...extra,
  };
}

function request(records: LogRecord[], resource: Record<string, AnyValue> = { 'host.name': 'web-1', 'service.name': 'lookout-agent' }): LogsData {
  const attributes = newAttributes();
  Object.assign(attributes, resource);
  return {
    resourceLogs: [
      {
        resource: { attributes, droppedAttributesCount: 0 },
        scopeLogs: [{ scope: { name: 'agent', version: '', attributes: newAttributes(), droppedAttributesCount: 0 }, logRecords: records, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

function setUp() {
  const registry = new Registry();
  const metrics = registerLogReceiverMetrics(registry);
  const streams = new LogStreams({ defaults: {}, maxStreams: 100 });
  return { registry, options: { streams, metrics } };
}

const flat = (data: LogsData) =>
  data.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((record) => ({ service: rl.resource.attributes['service.name'], record }))));

describe('isUnparsedLine', () => {
  it.each<[string, LogRecord, boolean]>([
    ['a marked line', line('x'), true],
    ['a line of a tailed file without the marker', line('x', { 'lookout.log.unparsed': false }), true],
    ['a record of an app SDK (no file, no marker)', line('x', { 'lookout.log.unparsed': undefined as never, 'log.file.path': undefined as never }), false],
    ['a record with a severity', line('x', {}, { severityNumber: 9 }), false],
    ['a record with a severity text', line('x', {}, { severityText: 'INFO' }), false],
    ['a structured body', line(newAttributes()), false],
    ['an empty body', line(''), false],
    ['a record parsed already', line('x', { 'lookout.log.format': 'json' }), false],
    ['a part of a line the agent cut', line('x', { 'lookout.log.part': 1 }), false],
  ])('%s: %s', (_name, record, expected) => {
    for (const key of Object.keys(record.attributes)) if (record.attributes[key] === undefined) delete record.attributes[key];
    expect(isUnparsedLine(record)).toBe(expected);
  });
});

describe('parseOtlpLogLines', () => {
  it('parses access lines under the file service, keeping the file attributes and uid', () => {
    const { options } = setUp();
    const data = request([line(ACCESS, { 'log.record.uid': 'f.1.0.0' })]);
    expect(parseOtlpLogLines(data, 'otlp-http', 'default', NOW, options)).toBe(1);
    const [only] = flat(data);
    expect(only!.service).toBe('edge');
    expect(only!.record.attributes).toMatchObject({
      'http.response.status_code': 503,
      'url.path': '/users/42',
      'lookout.log.format': 'access',
      'log.file.path': '/var/log/nginx/access.log',
      'log.record.uid': 'f.1.0.0',
      service: 'edge',
    });
    expect(only!.record.attributes['lookout.log.unparsed']).toBeUndefined();
    expect(only!.record.severityNumber).toBe(17);
    expect(data.resourceLogs[0]!.resource.attributes['host.name']).toBe('web-1');
  });

  it('keeps the resource service when the file has no service label, and leaves other records where they were', () => {
    const { options } = setUp();
    const sdk = line('hello', { 'lookout.log.unparsed': undefined as never, 'log.file.path': undefined as never }, { severityNumber: 9 });
    delete sdk.attributes['lookout.log.unparsed'];
    delete sdk.attributes['log.file.path'];
    const data = request([sdk, line('plain text', { service: undefined as never })]);
    delete data.resourceLogs[0]!.scopeLogs[0]!.logRecords[1]!.attributes['service'];
    expect(parseOtlpLogLines(data, 'otlp-grpc', 'default', NOW, options)).toBe(2);
    const records = flat(data);
    expect(records.map((r) => r.service)).toEqual(['lookout-agent', 'lookout-agent']);
    expect(records[0]!.record).toBe(sdk);
    expect(records[1]!.record.body).toBe('plain text');
  });

  it('joins a stack trace into one record, with the first line uid, and counts the records', () => {
    const { options } = setUp();
    const lines = ['2026-01-01 12:00:00,123 ERROR [main] com.shop.Api - failed', '\tat com.shop.Api.run(Api.java:10)', '\tat java.lang.Thread.run(Thread.java:833)', '2026-01-01 12:00:01,000 INFO [main] com.shop.Api - ok'];
    const data = request(lines.map((text, i) => line(text, { 'log.record.uid': `u${i}`, service: 'java' })));
    expect(parseOtlpLogLines(data, 'otlp-http', 'default', NOW, options)).toBe(2);
    const records = flat(data).map((r) => r.record);
    expect(records.map((r) => r.attributes['log.record.uid'])).toEqual(['u0', 'u3']);
    expect(String(records[0]!.attributes['exception.stacktrace'] ?? records[0]!.body)).toContain('Thread.java:833');
  });

  it('keeps detection state per file across requests, and a `format` label pins the format', () => {
    const { options } = setUp();
    const first = request([line('{"level":30,"msg":"a"}', { 'log.file.path': '/a.log', format: 'plain' })]);
    parseOtlpLogLines(first, 'otlp-http', 'default', NOW, options);
    expect(flat(first)[0]!.record.body).toBe('{"level":30,"msg":"a"}');
    for (let i = 0; i < 3; i++) parseOtlpLogLines(request([line(ACCESS, { 'log.file.path': '/b.log' })]), 'otlp-http', 'default', NOW, options);
    expect(options.streams.size).toBe(2);
    const later = request([line(ACCESS, { 'log.file.path': '/b.log' })]);
    parseOtlpLogLines(later, 'otlp-http', 'default', NOW, options);
    expect(flat(later)[0]!.record.attributes['lookout.log.format']).toBe('access');
  });

  it('counts lines that match no format', async () => {
    const { options, registry } = setUp();
    const data = request([line('not an access line at all', { format: 'access' })]);
    parseOtlpLogLines(data, 'otlp-http', 'default', NOW, options);
    expect(flat(data)[0]!.record.body).toBe('not an access line at all');
    const values = (await registry.getSingleMetric('lookout_log_lines_unparsed_total')!.get()).values;
    expect(values).toEqual([expect.objectContaining({ labels: { receiver: 'otlp-http', format: 'access' }, value: 1 })]);
  });

  it('the ingest hook leaves the log receivers alone (they parse their own lines)', () => {
    const { options } = setUp();
    const hook = otlpLogLinesHook({ ...options, now: () => NOW });
    const data = request([line(ACCESS)]);
    expect(hook(data, 'raw-lines', 'default')).toBeUndefined();
    expect(flat(data)[0]!.record.body).toBe(ACCESS);
    expect(hook(data, 'otlp-http', 'default')).toBe(1);
    expect(flat(data)[0]!.record.attributes['lookout.log.format']).toBe('access');
  });
});

describe('a tailed file whose services take turns writing (blocks of pino JSON, logfmt, syslog, access)', () => {
  const make = {
    json: (i: number) => JSON.stringify({ level: i % 20 === 0 ? 50 : 30, time: 1764547200000 + i, pid: 4242, hostname: 'web-1', msg: `order ${i} placed`, orderId: i }),
    logfmt: (i: number) => `time=2026-12-01T00:00:${String(i % 60).padStart(2, '0')}Z level=info msg="cache refresh" keys=${i} took=${i % 90}ms`,
    syslog: (i: number) => `<165>1 2026-12-01T00:00:00.${String(i % 1000).padStart(3, '0')}Z web-1 billing 4242 ID47 - invoice ${i} sent`,
    access: (i: number) => `10.0.${i % 255}.9 - - [01/Dec/2026:00:00:00 +0000] "GET /api/cart/items/${i}?q=a=b HTTP/1.1" ${i % 7 === 0 ? 503 : 200} ${i} "-" "curl/8.5.0" 0.0${i % 10}`,
  };
  type Kind = keyof typeof make;
  const block = fc.record({ kind: fc.constantFrom<Kind>('json', 'logfmt', 'syslog', 'access'), lines: fc.integer({ min: 1, max: 250 }) });

  it('counts a request for every access line, whatever the blocks and however the agent batches them', () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 700 }), (blocks, perRequest) => {
        const { options } = setUp();
        const lines: string[] = [];
        let accessLines = 0;
        for (const { kind, lines: n } of blocks) {
          for (let k = 0; k < n; k++) lines.push(make[kind](lines.length));
          if (kind === 'access') accessLines += n;
        }
        let requests = 0;
        let records = 0;
        for (let start = 0; start < lines.length; start += perRequest) {
          const data = request(lines.slice(start, start + perRequest).map((body, k) => line(body, { 'log.record.uid': `f:${start + k}` })));
          parseOtlpLogLines(data, 'otlp-http', 'default', NOW, options);
          for (const { record } of flat(data)) {
            records++;
            // what log-metrics counts as a request from an OTLP receiver (isRequestRecord)
            if (record.attributes['lookout.log.format'] === 'access' && typeof record.attributes['http.response.status_code'] === 'number') requests++;
          }
        }
        expect(records).toBe(lines.length);
        expect(requests).toBe(accessLines);
      }),
      { numRuns: 60 },
    );
  });
});
