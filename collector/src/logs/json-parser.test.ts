import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createJsonParser, parseJsonLine } from './json-parser.ts';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

/** A pino logger writing into memory; `lines()` returns what it wrote, one JSON per line. */
function memoryLogger<Custom extends string = never>(options: pino.LoggerOptions<Custom> = {}) {
  const chunks: string[] = [];
  const logger = pino(options, { write: (chunk: string) => void chunks.push(chunk) });
  return { logger, lines: () => chunks.join('').split('\n').filter((line) => line !== '') };
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

describe('JSON lines written by pino itself', () => {
  it('maps level, time, msg, hostname and pid; no other attributes', () => {
    const { logger, lines } = memoryLogger({ base: { pid: 4242, hostname: 'web-1' } });
    logger.info('server started');
    const [line] = lines();
    const written = JSON.parse(line!);
    const { record, parsed } = parseJsonLine(line!, NOW);
    expect(parsed).toBe(true);
    expect(record.body).toBe('server started');
    expect(record.severityNumber).toBe(9);
    expect(record.severityText).toBe('info');
    expect(record.timeUnixNano).toBe(BigInt(written.time) * 1_000_000n);
    expect(record.observedTimeUnixNano).toBe(BigInt(NOW) * 1_000_000n);
    expect({ ...record.attributes }).toEqual({ 'host.name': 'web-1', 'process.pid': 4242 });
    expect(record.traceId).toBe('');
  });

  it('maps all six standard levels to the first number of their OTel range', () => {
    const { logger, lines } = memoryLogger({ level: 'trace' });
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    const got = lines().map((line) => {
      const { record } = parseJsonLine(line, NOW);
      return [record.severityNumber, record.severityText];
    });
    expect(got).toEqual([
      [1, 'trace'],
      [5, 'debug'],
      [9, 'info'],
      [13, 'warn'],
      [17, 'error'],
      [21, 'fatal'],
    ]);
  });

  it('keeps child-logger bindings and nested objects as attributes, exactly', () => {
    const { logger, lines } = memoryLogger({ base: undefined });
    const child = logger.child({ reqId: 'r-17', tenant: { id: 7, tags: ['a', 'b'], active: true, note: null } });
    const grandchild = child.child({ module: 'billing' });
    grandchild.warn({ amount: 12.5, count: 3 }, 'slow charge');
    const [line] = lines();
    const { record } = parseJsonLine(line!, NOW);
    expect(record.body).toBe('slow charge');
    expect(record.severityNumber).toBe(13);
    expect(plain(record.attributes)).toEqual({
      reqId: 'r-17',
      tenant: { id: 7, tags: ['a', 'b'], active: true, note: null },
      module: 'billing',
      amount: 12.5,
      count: 3,
    });
    // nested maps are null-prototype kvlists like the top level
    expect(Object.getPrototypeOf(record.attributes['tenant'])).toBeNull();
  });

  it('turns err (type, message, stack) into exception.* and keeps its extra fields under err', () => {
    const { logger, lines } = memoryLogger({ base: undefined });
    const error = new TypeError('bad input') as TypeError & { code?: string };
    error.code = 'E_BAD_INPUT';
    logger.error({ err: error }, 'request failed');
    logger.error(error); // pino puts the error message in msg
    const [withMessage, bare] = lines().map((line) => parseJsonLine(line, NOW).record);
    for (const record of [withMessage!, bare!]) {
      expect(record.attributes['exception.type']).toBe('TypeError');
      expect(record.attributes['exception.message']).toBe('bad input');
      expect(record.attributes['exception.stacktrace']).toBe(error.stack);
      expect(plain(record.attributes['err'])).toEqual({ code: 'E_BAD_INPUT' });
      expect(record.severityNumber).toBe(17);
    }
    expect(withMessage!.body).toBe('request failed');
    expect(bare!.body).toBe('bad input');
  });

  it('keeps an error cause chain in the stack trace', () => {
    const { logger, lines } = memoryLogger({ base: undefined });
    logger.error({ err: new Error('outer', { cause: new RangeError('inner') }) }, 'chained');
    const { record } = parseJsonLine(lines()[0]!, NOW);
    expect(record.attributes['exception.type']).toBe('Error');
    expect(record.attributes['exception.message']).toBe('outer: inner');
    expect(String(record.attributes['exception.stacktrace'])).toMatch(/^Error: outer\n {4}at [^]*\ncaused by: RangeError: inner\n {4}at /);
    expect(record.attributes['err']).toBeUndefined();
  });

  it('names custom levels when told pino customLevels, and orders them inside the range', () => {
    const customLevels = { audit: 35, notice: 33, emergency: 70 };
    const { logger, lines } = memoryLogger({ customLevels, base: undefined });
    logger.audit('user exported data');
    logger.notice('config reloaded');
    logger.emergency('disk gone');
    const parse = createJsonParser({ customLevels });
    const got = lines().map((line) => {
      const { record } = parse(line, NOW);
      return [record.severityText, record.severityNumber, record.body];
    });
    expect(got).toEqual([
      ['audit', 11, 'user exported data'], // INFO3: above info (30), below warn (40)
      ['notice', 10, 'config reloaded'], // INFO2
      ['emergency', 24, 'disk gone'], // FATAL4: above fatal (60)
    ]);
    // without the names, the number is still exact and the text is the number
    expect(parseJsonLine(lines()[0]!, NOW).record.severityText).toBe('35');
  });

  it('reads trace_id, span_id and trace_flags into the record (as the pino OTel instrumentation writes them)', () => {
    const { logger, lines } = memoryLogger({ base: undefined });
    logger.info({ trace_id: '0AF7651916CD43DD8448EB211C80319C', span_id: 'b7ad6b7169203331', trace_flags: '01' }, 'traced');
    const { record } = parseJsonLine(lines()[0]!, NOW);
    expect(record.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(record.spanId).toBe('b7ad6b7169203331');
    expect(record.flags).toBe(1);
    expect({ ...record.attributes }).toEqual({});
  });

  it('keeps ids that are not valid W3C ids as plain attributes', () => {
    const { record } = parseJsonLine('{"msg":"x","trace_id":"not-hex","span_id":"0000000000000000"}', NOW);
    expect(record.traceId).toBe('');
    expect(record.spanId).toBe('');
    expect({ ...record.attributes }).toEqual({ trace_id: 'not-hex', span_id: '0000000000000000' });
  });

  it('reads ISO times (pino.stdTimeFunctions.isoTime) and a custom messageKey', () => {
    const { logger, lines } = memoryLogger({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'message' });
    logger.info('iso');
    const line = lines()[0]!;
    const { record } = createJsonParser({ messageKey: 'message' })(line, NOW);
    expect(record.body).toBe('iso');
    expect(record.timeUnixNano).toBe(BigInt(Date.parse(JSON.parse(line).time)) * 1_000_000n);
  });

  it('maps pino-http request lines to HTTP attributes and keeps req/res', () => {
    const line = JSON.stringify({
      level: 30,
      time: 1700000000123,
      req: { id: 1, method: 'GET', url: '/users/42?full=1', remoteAddress: '::1', remotePort: 53412, headers: { 'user-agent': 'curl/8.5' } },
      res: { statusCode: 503 },
      responseTime: 12.5,
      msg: 'request completed',
    });
    const { record } = parseJsonLine(line, NOW);
    expect(record.timeUnixNano).toBe(1700000000123000000n);
    const attributes = record.attributes;
    expect(attributes['http.request.method']).toBe('GET');
    expect(attributes['url.path']).toBe('/users/42');
    expect(attributes['url.query']).toBe('full=1');
    expect(attributes['client.address']).toBe('::1');
    expect(attributes['client.port']).toBe(53412);
    expect(attributes['user_agent.original']).toBe('curl/8.5');
    expect(attributes['http.response.status_code']).toBe(503);
    expect(attributes['http.server.request.duration']).toBe(0.0125);
    expect(plain(attributes['res'])).toEqual({ statusCode: 503 });
  });
});

describe('JSON lines from other loggers', () => {
  it('reads word levels, `message`, `@timestamp` and epoch seconds', () => {
    const winston = parseJsonLine('{"level":"warn","message":"disk 91% full","timestamp":"2023-10-11T22:14:15.123456789Z"}', NOW);
    expect(winston.record.severityNumber).toBe(13);
    expect(winston.record.severityText).toBe('warn');
    expect(winston.record.body).toBe('disk 91% full');
    expect(winston.record.timeUnixNano).toBe(1697062455123456789n);
    const zap = parseJsonLine('{"level":"error","ts":1697062455.5,"msg":"boom"}', NOW);
    expect(zap.record.timeUnixNano).toBe(1697062455500000000n);
    const ecs = parseJsonLine('{"@timestamp":"2023-10-11T22:14:15+02:00","log.level":"info","message":"m"}', NOW);
    expect(ecs.record.timeUnixNano).toBe(BigInt(Date.UTC(2023, 9, 11, 20, 14, 15)) * 1_000_000n);
    expect(ecs.record.attributes['log.level']).toBe('info');
  });

  it('keeps `message` as an attribute when `msg` is the body', () => {
    const { record } = parseJsonLine('{"message":"other","msg":"main"}', NOW);
    expect(record.body).toBe('main');
    expect(record.attributes['message']).toBe('other');
  });

  it('has an empty body when there is no message, and keeps every field', () => {
    const { record, parsed } = parseJsonLine('{"event":"login","user":"ann"}', NOW);
    expect(parsed).toBe(true);
    expect(record.body).toBe('');
    expect({ ...record.attributes }).toEqual({ event: 'login', user: 'ann' });
  });

  it('keeps a `__proto__` key as plain data', () => {
    const { record } = parseJsonLine('{"msg":"x","__proto__":{"polluted":true}}', NOW);
    expect(Object.keys(record.attributes)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['not JSON', 'hello world'],
    ['broken JSON', '{"level":30,"msg":"cut'],
    ['an array', '[1,2,3]'],
    ['a JSON string', '"{}"'],
    ['empty', ''],
  ])('returns %s unparsed with the whole line as the body', (_name, line) => {
    const { record, parsed } = parseJsonLine(line, NOW);
    expect(parsed).toBe(false);
    expect(record.body).toBe(line);
    expect({ ...record.attributes }).toEqual({});
  });
});
