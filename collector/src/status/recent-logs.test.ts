import { describe, expect, it } from 'vitest';
import { newAttributes, type LogRecord, type LogsData } from '@lookout/otlp';
import { RecentLogs } from './recent-logs.ts';

function record(severityNumber: number, body: string, traceId = '', timeMs = 0): LogRecord {
  return {
    timeUnixNano: BigInt(timeMs) * 1_000_000n,
    observedTimeUnixNano: 0n,
    severityNumber,
    severityText: '',
    body,
    attributes: newAttributes(),
    droppedAttributesCount: 0,
    flags: 0,
    traceId,
    spanId: '',
    eventName: '',
  };
}

function logs(service: string, records: LogRecord[]): LogsData {
  const attributes = newAttributes();
  attributes['service.name'] = service;
  return { resourceLogs: [{ resource: { attributes, droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ scope: { name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 }, schemaUrl: '', logRecords: records }] }] };
}

describe('RecentLogs', () => {
  it('keeps warnings and errors per service, newest first, and finds them by trace id', () => {
    const ring = new RecentLogs();
    ring.consume(logs('api', [record(9, 'info line', '', 1), record(13, 'slow query', 'ab', 2), record(17, 'boom', 'cd', 3)]), 100);
    ring.consume(logs('web', [record(21, 'fatal thing', 'CD'.toLowerCase(), 4), record(17, '  ')]), 100);
    expect(ring.search().map((l) => [l.service, l.level, l.body])).toEqual([
      ['web', 'error', 'fatal thing'],
      ['api', 'error', 'boom'],
      ['api', 'warn', 'slow query'],
    ]);
    expect(ring.search({ traceId: 'CD' }).map((l) => l.body)).toEqual(['fatal thing', 'boom']);
    expect(ring.search({ service: 'api', level: 'warn' }).map((l) => l.body)).toEqual(['slow query']);
    expect(ring.search({ text: 'BOO' }).map((l) => l.body)).toEqual(['boom']);
    expect(ring.services).toEqual(['api', 'web']);
  });

  it('is bounded per service, in services and in line length; a record without time takes now', () => {
    const ring = new RecentLogs({ perService: 2, maxServices: 2, maxLineLength: 5 });
    ring.consume(logs('a', [record(17, 'one'), record(17, 'two'), record(17, 'three-long')]), 50);
    ring.consume(logs('b', [record(17, 'x')]), 50);
    ring.consume(logs('c', [record(17, 'y')]), 50);
    expect(ring.services).toEqual(['b', 'c']);
    ring.consume(logs('b', [record(17, 'one'), record(17, 'two'), record(17, 'three-long')]), 50);
    expect(ring.search({ service: 'b' }).map((l) => l.body).sort()).toEqual(['thre…', 'two']);
    expect(ring.search({ service: 'b' })[0]!.atMs).toBe(50);
  });
});
