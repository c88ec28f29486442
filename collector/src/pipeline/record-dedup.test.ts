import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newAttributes, type LogRecord, type LogsData } from '@lookout/otlp';
import { dropRepeatedLogRecords, RecentRecordIds } from './record-dedup.ts';

function record(body: string, uid?: string): LogRecord {
  const attributes = newAttributes();
  if (uid !== undefined) attributes['log.record.uid'] = uid;
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 9,
    severityText: '',
    body,
    attributes,
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
}

function logs(...records: LogRecord[]): LogsData {
  const scope = { name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 };
  return {
    resourceLogs: [{ resource: { attributes: newAttributes(), droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ scope, schemaUrl: '', logRecords: records }] }],
  };
}

const bodies = (data: LogsData) => data.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((r) => r.body);

describe('log record dedup by log.record.uid', () => {
  it('drops a batch sent again, keeps records without a uid, and keeps order', () => {
    const recent = new RecentRecordIds(100);
    const first = logs(record('a', 'u1'), record('b', 'u2'), record('no id'));
    expect(dropRepeatedLogRecords(first, 'default', recent)).toBe(0);
    expect(bodies(first)).toEqual(['a', 'b', 'no id']);
    const again = logs(record('a', 'u1'), record('b', 'u2'), record('no id'), record('c', 'u3'));
    expect(dropRepeatedLogRecords(again, 'default', recent)).toBe(2);
    expect(bodies(again)).toEqual(['no id', 'c']);
  });

  it('drops repeats within one batch', () => {
    const data = logs(record('a', 'x'), record('a', 'x'));
    expect(dropRepeatedLogRecords(data, 't', new RecentRecordIds(10))).toBe(1);
    expect(bodies(data)).toEqual(['a']);
  });

  it('keeps tenants apart', () => {
    const recent = new RecentRecordIds(10);
    dropRepeatedLogRecords(logs(record('a', 'x')), 'team-a', recent);
    const other = logs(record('a', 'x'));
    expect(dropRepeatedLogRecords(other, 'team-b', recent)).toBe(0);
  });

  it('bounds the ids of all tenants together, and a tenant whose ids are all forgotten leaves nothing behind', () => {
    const recent = new RecentRecordIds(4);
    expect(recent.seenBefore('1', 'a')).toBe(false);
    expect(recent.seenBefore('1', 'b')).toBe(false); // same id, other tenant: new
    expect(recent.seenBefore('2', 'b')).toBe(false);
    expect(recent.seenBefore('3', 'b')).toBe(false);
    expect(recent.familyCount).toBe(2);
    expect(recent.seenBefore('4', 'b')).toBe(false); // forgets a's 1: a is gone
    expect(recent.size).toBe(4);
    expect(recent.familyCount).toBe(1);
    expect(recent.seenBefore('1', 'b')).toBe(true);
    expect(recent.seenBefore('1', 'a')).toBe(false); // forgotten, so new again
    expect(recent.size).toBe(4);
  });

  it('tells ids apart that read as the same number or share a number: leading zeros, prefixes, no dot, long suffixes', () => {
    const recent = new RecentRecordIds(100);
    const ids = ['a.7', 'a.07', 'b.7', '7', 'a7', 'a.', '.7', 'a.b.7', 'a.1234567890123456789', 'a.1234567890123456788', 'a.0', 'a.00', 'é.7'];
    for (const id of ids) expect(recent.seenBefore(id, 't'), id).toBe(false);
    for (const id of ids) expect(recent.seenBefore(id, 't'), id).toBe(true);
    for (const id of ids) expect(recent.seenBefore(id, 'u'), id).toBe(false);
  });

  it('property: answers as a plain list of the last `capacity` new (tenant, id) pairs would, across families, tenants and wrap-arounds', () => {
    const id = fc.oneof(
      fc.tuple(fc.constantFrom('f1.8.9', 'f2.8.9', 'x', ''), fc.constantFrom('0', '1', '2', '01', '10', '999999999999999', '9999999999999999')).map(([p, n]) => `${p}.${n}`),
      fc.constantFrom('7', 'abc', 'f1.8.9', 'f1.8.9.', 'f1.8.9.x'),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(id, fc.constantFrom('a', 'b', '')), { maxLength: 80 }), (capacity, steps) => {
        const recent = new RecentRecordIds(capacity);
        const model: string[] = [];
        for (const [uid, tenant] of steps) {
          const key = `${tenant}\u0000${uid}`;
          const expected = model.includes(key);
          expect(recent.seenBefore(uid, tenant)).toBe(expected);
          if (!expected) {
            model.push(key);
            if (model.length > capacity) model.shift();
          }
          expect(recent.size).toBe(model.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('remembers nothing with capacity 0', () => {
    const recent = new RecentRecordIds(0);
    expect(recent.seenBefore('1', 'a')).toBe(false);
    expect(recent.seenBefore('1', 'a')).toBe(false);
    expect(recent.size).toBe(0);
  });

  it('forgets the oldest ids beyond its capacity, so memory stays bounded', () => {
    const recent = new RecentRecordIds(3);
    for (const id of ['1', '2', '3', '4']) expect(recent.seenBefore(id)).toBe(false);
    expect(recent.size).toBe(3);
    expect(recent.seenBefore('1')).toBe(false); // forgotten
    expect(recent.seenBefore('4')).toBe(true);
  });

  it('remembers exactly the last `capacity` new ids after wrapping around many times, repeats included', () => {
    const capacity = 7;
    const recent = new RecentRecordIds(capacity);
    const model: string[] = [];
    for (let i = 0; i < 200; i++) {
      // every third id repeats a recent one: a repeat is not a new id and moves nothing
      const id = i % 3 === 2 ? String(i - 1) : String(i);
      const expected = model.includes(id);
      expect(recent.seenBefore(id)).toBe(expected);
      if (!expected) {
        model.push(id);
        if (model.length > capacity) model.shift();
      }
      expect(recent.size).toBe(model.length);
    }
    for (const id of model) expect(recent.seenBefore(id)).toBe(true);
    expect(recent.seenBefore(String(200 - capacity * 3))).toBe(false);
  });
});
