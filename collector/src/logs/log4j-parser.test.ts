import { describe, expect, it } from 'vitest';
import { createLog4jParser, parseLog4jLine } from './log4j-parser.ts';

const NOW = Date.UTC(2026, 0, 2, 10, 0, 0);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
const T = ns(Date.UTC(2015, 6, 29, 17, 41, 44, 747));

describe('log4j-style lines', () => {
  it('%d [%t] %-5p %c - %m', () => {
    const { record, parsed } = parseLog4jLine('2015-07-29 17:41:44,747 [main] INFO  com.example.OrderService - order 42 placed', NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(T);
    expect(record.severityNumber).toBe(9);
    expect(record.severityText).toBe('INFO');
    expect(record.body).toBe('order 42 placed');
    expect({ ...record.attributes }).toEqual({ 'thread.name': 'main', 'code.namespace': 'com.example.OrderService' });
  });

  it('%d %-5p [%t] %c{1}:%L - %m', () => {
    const { record } = parseLog4jLine('2015-07-29 17:41:44,747 WARN  [http-nio-8080-exec-1] OrderService:118 - slow: 2300 ms', NOW);
    expect(record.severityNumber).toBe(13);
    expect(record.body).toBe('slow: 2300 ms');
    expect({ ...record.attributes }).toEqual({
      'thread.name': 'http-nio-8080-exec-1',
      'code.namespace': 'OrderService',
      'code.line.number': 118,
    });
  });

  it('Spring Boot console layout (pid, ---, padded thread, logger : message)', () => {
    const line = '2023-10-11T14:32:52.123+02:00 ERROR 12345 --- [           main] o.s.boot.SpringApplication               : Application run failed';
    const { record, parsed } = parseLog4jLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2023, 9, 11, 12, 32, 52, 123)));
    expect(record.severityNumber).toBe(17);
    expect(record.body).toBe('Application run failed');
    expect({ ...record.attributes }).toEqual({ 'process.pid': 12345, 'thread.name': 'main', 'code.namespace': 'o.s.boot.SpringApplication' });
  });

  it('Python logging `%(asctime)s - %(name)s - %(levelname)s - %(message)s`', () => {
    const { record } = parseLog4jLine('2023-10-11 14:32:52,123 - payments.api - CRITICAL - card processor down - retrying', NOW);
    expect(record.severityNumber).toBe(18);
    expect(record.severityText).toBe('CRITICAL');
    expect(record.body).toBe('card processor down - retrying');
    expect({ ...record.attributes }).toEqual({ 'code.namespace': 'payments.api' });
  });

  it('logback console layout with a time of day only: the date is today, or yesterday when the time is ahead', () => {
    const { record } = parseLog4jLine('09:15:02.311 [main] DEBUG com.x.Boot - starting', NOW);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2026, 0, 2, 9, 15, 2, 311)));
    expect(record.severityNumber).toBe(5);
    const late = parseLog4jLine('23:59:59.000 [main] INFO com.x.Boot - late', NOW);
    expect(late.record.timeUnixNano).toBe(ns(Date.UTC(2026, 0, 1, 23, 59, 59)));
  });

  it('Kafka-style bracketed timestamp', () => {
    const { record, parsed } = parseLog4jLine('[2015-07-29 17:41:44,747] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)', NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(T);
    expect(record.body).toBe('started (kafka.server.KafkaServer)');
    expect(record.attributes['thread.name']).toBe('KafkaServer id=1');
  });

  it('TS LEVEL message with nothing else', () => {
    const { record } = parseLog4jLine('2015-07-29 17:41:44,747 FATAL out of memory', NOW);
    expect(record.severityNumber).toBe(21);
    expect(record.body).toBe('out of memory');
    expect({ ...record.attributes }).toEqual({});
  });

  it('uses the configured zone for times without one', () => {
    const parse = createLog4jParser({ utcOffsetMinutes: 60 });
    expect(parse('2015-07-29 17:41:44,747 [main] INFO  a.B - x', NOW).record.timeUnixNano).toBe(T - ns(3_600_000));
  });

  it('splits a joined Java stack trace into exception.* with the first line as the body', () => {
    const entry = [
      '2015-07-29 17:41:44,747 [main] ERROR com.example.Api - request failed',
      'java.lang.IllegalStateException: pool exhausted',
      '\tat com.example.Pool.take(Pool.java:42)',
      '\tat com.example.Api.handle(Api.java:7)',
      'Caused by: java.net.SocketTimeoutException: connect timed out',
      '\tat java.net.Socket.connect(Socket.java:601)',
      '\t... 2 more',
    ].join('\n');
    const { record } = parseLog4jLine(entry, NOW);
    expect(record.body).toBe('request failed');
    expect(record.attributes['exception.type']).toBe('java.lang.IllegalStateException');
    expect(record.attributes['exception.message']).toBe('pool exhausted');
    expect(record.attributes['exception.stacktrace']).toBe(entry.slice(entry.indexOf('\n') + 1));
  });

  it('splits a joined Python traceback', () => {
    const entry = [
      '2023-10-11 14:32:52,123 - app - ERROR - division failed',
      'Traceback (most recent call last):',
      '  File "app.py", line 3, in <module>',
      '    1 / 0',
      'ZeroDivisionError: division by zero',
    ].join('\n');
    const { record } = parseLog4jLine(entry, NOW);
    expect(record.body).toBe('division failed');
    expect(record.attributes['exception.type']).toBe('ZeroDivisionError');
    expect(record.attributes['exception.message']).toBe('division by zero');
  });

  it('keeps a multi-line message that is not a stack trace whole', () => {
    const { record } = parseLog4jLine('2015-07-29 17:41:44,747 INFO a.B - first\nsecond line', NOW);
    expect(record.body).toBe('first\nsecond line');
    expect(record.attributes['exception.type']).toBeUndefined();
  });

  it.each([
    ['no level', '2015-07-29 17:41:44,747 [main] com.example.Foo - hello'],
    ['no timestamp', 'INFO [main] com.example.Foo - hello'],
    ['a date without a time', '2015-07-29 INFO hello'],
    ['an access log line', '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1'],
  ])('does not parse a line with %s', (_name, line) => {
    expect(parseLog4jLine(line, NOW).parsed).toBe(false);
  });
});
