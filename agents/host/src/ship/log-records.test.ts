import { describe, expect, it } from 'vitest';
import { decodeLogsProtobuf, encodeLogsProtobuf, newAttributes } from '@lookout/otlp';
import { FileCursor, type TailLine } from '../tail/tail-line.ts';
import { buildLogsData } from './log-records.ts';

describe('buildLogsData', () => {
  it('puts the raw line in the body with file attributes, labels, uid and part markers, and survives the wire', () => {
    const source = { path: '/var/log/app/a.log', name: 'a.log', labels: { service: 'checkout' } };
    const cursor = new FileCursor(0);
    const lines: TailLine[] = [
      { source, cursor, text: 'GET / 200', start: 0, end: 10, part: 0, continues: false, uid: 'abc.1.2.0', observedAtMs: 1_700_000_000_123 },
      { source, cursor, text: 'xxxx', start: 10, end: 14, part: 1, continues: true, uid: 'abc.1.2.10', observedAtMs: 1_700_000_000_124 },
      { source, cursor, text: 'yy', start: 14, end: 17, part: 2, continues: false, uid: 'abc.1.2.14', observedAtMs: 1_700_000_000_124 },
    ];
    const resource = newAttributes();
    resource['host.name'] = 'web-1';
    const data = buildLogsData(lines, resource, { name: '@lookout/host-agent', version: '0.1.0' });
    const decoded = decodeLogsProtobuf(encodeLogsProtobuf(data));
    expect(decoded.rejected).toBe(0);
    const rl = decoded.data.resourceLogs[0]!;
    expect({ ...rl.resource.attributes }).toEqual({ 'host.name': 'web-1' });
    expect(rl.scopeLogs[0]!.scope.name).toBe('@lookout/host-agent');
    const records = rl.scopeLogs[0]!.logRecords;
    expect(records.map((r) => r.body)).toEqual(['GET / 200', 'xxxx', 'yy']);
    expect(records[0]!.observedTimeUnixNano).toBe(1_700_000_000_123_000_000n);
    expect(records[0]!.timeUnixNano).toBe(0n);
    expect({ ...records[0]!.attributes }).toEqual({
      service: 'checkout',
      'log.file.path': '/var/log/app/a.log',
      'log.file.name': 'a.log',
      'log.record.uid': 'abc.1.2.0',
      'lookout.log.unparsed': true,
    });
    expect(records[1]!.attributes).toMatchObject({ 'lookout.log.part': 1, 'lookout.log.continues': true });
    expect(records[2]!.attributes['lookout.log.part']).toBe(2);
    expect(records[2]!.attributes['lookout.log.continues']).toBeUndefined();
  });
});
