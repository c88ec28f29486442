import { describe, expect, it } from 'vitest';
import { parseAccessLogLine } from './access-log-parser.ts';
import { parseJsonLine } from './json-parser.ts';
import { parseLog4jLine } from './log4j-parser.ts';
import { compileLogPattern } from './pattern-parser.ts';
import { requestFromLogRecord, serviceFromLabels } from './request-observation.ts';

const NOW = Date.UTC(2026, 0, 1);
const LINE_TIME = Date.UTC(2023, 9, 11, 22, 14, 15);
const line = (request: string, status: number, tail = ''): string =>
  `10.1.2.3 - - [11/Oct/2023:22:14:15 +0000] "${request}" ${status} 512 "-" "curl/8.5"${tail}`;

describe('access-log records → request observations', () => {
  it('templated route, method, status, duration from $request_time', () => {
    const { record } = parseAccessLogLine(line('GET /users/123/orders?limit=5 HTTP/1.1', 200, ' 0.042'), NOW);
    expect(requestFromLogRecord(record, { service: 'shop' })).toEqual({
      service: 'shop',
      route: '/users/:id/orders',
      method: 'GET',
      statusCode: 200,
      error: false,
      durationSeconds: 0.042,
      latencyKnown: true,
      endTimeMs: LINE_TIME,
      count: 1,
    });
  });

  it('marks status >= 500 as an error, and 4xx as not', () => {
    expect(requestFromLogRecord(parseAccessLogLine(line('GET / HTTP/1.1', 500), NOW).record, {})?.error).toBe(true);
    expect(requestFromLogRecord(parseAccessLogLine(line('GET / HTTP/1.1', 503), NOW).record, {})?.error).toBe(true);
    expect(requestFromLogRecord(parseAccessLogLine(line('GET / HTTP/1.1', 499), NOW).record, {})?.error).toBe(false);
  });

  it('says latency is unknown (duration 0) without a duration field', () => {
    const observation = requestFromLogRecord(parseAccessLogLine(line('POST /login HTTP/1.1', 302), NOW).record, { app: 'web' });
    expect(observation).toMatchObject({ service: 'web', route: '/login', method: 'POST', durationSeconds: 0, latencyKnown: false });
  });

  it('uses %D microseconds', () => {
    const observation = requestFromLogRecord(parseAccessLogLine(line('GET /a HTTP/1.1', 200, ' 1500'), NOW).record, {});
    expect(observation?.durationSeconds).toBe(0.0015);
  });

  it('gives requests without a usable request line a fixed route and _OTHER method', () => {
    const observation = requestFromLogRecord(parseAccessLogLine(line('-', 408), NOW).record, {});
    expect(observation).toMatchObject({ route: '/:invalid', method: '_OTHER', statusCode: 408, error: false });
  });

  it('prefers http.route from a user pattern over the path', () => {
    const parse = compileLogPattern('<method> <path> <route> <status> <duration>');
    const { record } = parse('GET /users/7 /users/{id} 201 0.5', NOW);
    expect(requestFromLogRecord(record, {})).toMatchObject({ route: '/users/{id}', statusCode: 201, durationSeconds: 0.5, latencyKnown: true });
  });

  it('carries trace ids from pino-http lines, and uses the observed time when the line has none', () => {
    const { record } = parseJsonLine(
      '{"req":{"method":"DELETE","url":"/items/9"},"res":{"statusCode":204},"responseTime":3,"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"}',
      NOW,
    );
    expect(requestFromLogRecord(record, { 'service.name': 'api' })).toEqual({
      service: 'api',
      route: '/items/:id',
      method: 'DELETE',
      statusCode: 204,
      error: false,
      durationSeconds: 0.003,
      latencyKnown: true,
      endTimeMs: NOW,
      count: 1,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    });
  });

  it('gives nothing for records that are not requests', () => {
    expect(requestFromLogRecord(parseLog4jLine('2015-07-29 17:41:44,747 INFO a.B - x', NOW).record, {})).toBeUndefined();
  });
});

describe('serviceFromLabels', () => {
  it('takes the first of service.name, service_name, service, app, job; else unknown_service', () => {
    expect(serviceFromLabels({ job: 'j', app: 'a', 'service.name': 's' })).toBe('s');
    expect(serviceFromLabels({ job: 'j', service_name: 'sn' })).toBe('sn');
    expect(serviceFromLabels({ job: 'j', app: '' })).toBe('j');
    expect(serviceFromLabels({ filename: '/var/log/x' })).toBe('unknown_service');
  });
});
