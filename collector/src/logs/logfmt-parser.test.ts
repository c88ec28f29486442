import { describe, expect, it } from 'vitest';
import { parseLogfmtLine } from './logfmt-parser.ts';

const NOW = Date.UTC(2026, 0, 1);

describe('logfmt', () => {
  it('maps level, ts, msg and trace ids; other pairs become string attributes', () => {
    const line =
      'ts=2023-10-11T22:14:15.5Z level=warn msg="cache miss \\"users\\"" key=users:42 took=1.5ms trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331';
    const { record, parsed } = parseLogfmtLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(BigInt(Date.UTC(2023, 9, 11, 22, 14, 15, 500)) * 1_000_000n);
    expect(record.severityNumber).toBe(13);
    expect(record.severityText).toBe('warn');
    expect(record.body).toBe('cache miss "users"');
    expect(record.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(record.spanId).toBe('b7ad6b7169203331');
    expect({ ...record.attributes }).toEqual({ key: 'users:42', took: '1.5ms' });
  });

  it('reads empty values, escapes and a bare key', () => {
    const { record, parsed } = parseLogfmtLine('a= b="x\\ny\\t\\u00e9" c=1 d=2 flag', NOW);
    expect(parsed).toBe(true);
    expect({ ...record.attributes }).toEqual({ a: '', b: 'x\ny\té', c: '1', d: '2', flag: true });
  });

  it.each([
    ['prose', 'the quick brown fox'],
    ['prose with one pair', 'user logged in from host=a today'],
    ['an unclosed quote', 'a=1 msg="oops'],
    ['a quote in a bare value', 'a=b"c'],
    ['JSON', '{"a":1}'],
    ['a key starting with =', '=a b=c'],
    ['empty', ''],
  ])('does not parse %s', (_name, line) => {
    const { parsed, record } = parseLogfmtLine(line, NOW);
    expect(parsed).toBe(false);
    expect(record.body).toBe(line);
  });
});
