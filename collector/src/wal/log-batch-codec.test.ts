import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newAttributes, type AnyValue, type KeyValueList, type LogRecord, type LogsData } from '@lookout/otlp';
import { CompactLogsError, decodeCompactLogs, encodeCompactLogs, MAX_COMPACT_DEPTH } from './log-batch-codec.ts';

/** Small pools, so keys and values repeat across maps as a file's labels do. */
const key = fc.oneof(
  fc.constantFrom('service', 'log.file.path', 'http.response.status_code', '__proto__', 'constructor', 'toString', 'é', ''),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
const text = fc.oneof(
  fc.constantFrom('checkout', '/var/log/nginx/access.log', 'x'.repeat(24), 'y'.repeat(200), 'naïve ☃', ''),
  fc.string({ maxLength: 140 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }), // lone surrogates: UTF-8 cannot hold them
);

function attributes(entries: Array<[string, AnyValue]>): KeyValueList {
  const map = newAttributes();
  for (const [k, v] of entries) map[k] = v;
  return map;
}

const { value } = fc.letrec<{ value: AnyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.boolean(),
    fc.double(), // -0, NaN, ±Infinity included
    fc.integer({ min: 0, max: 2 ** 32 + 5 }),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    fc.uint8Array({ maxLength: 20 }),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(attributes),
  ),
}));
const map = fc.array(fc.tuple(key, value), { maxLength: 8 }).map(attributes);
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

const record: fc.Arbitrary<LogRecord> = fc.record({
  timeUnixNano: u64,
  observedTimeUnixNano: fc.oneof(u64, fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n })),
  severityNumber: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.double()),
  severityText: text,
  body: value,
  attributes: map,
  droppedAttributesCount: fc.nat(),
  flags: fc.oneof(fc.nat(), fc.constant(2 ** 32 - 1)),
  traceId: fc.constantFrom('', '5b8efff798038103d269b633813fc60c'),
  spanId: fc.constantFrom('', 'eee19b7ec3c1b174'),
  eventName: text,
}, { noNullPrototype: true });

const logsData: fc.Arbitrary<LogsData> = fc.record({
  resourceLogs: fc.array(
    fc.record({
      resource: fc.record({ attributes: map, droppedAttributesCount: fc.nat() }, { noNullPrototype: true }),
      schemaUrl: text,
      scopeLogs: fc.array(
        fc.record({
          scope: fc.record({ name: text, version: text, attributes: map, droppedAttributesCount: fc.nat() }, { noNullPrototype: true }),
          schemaUrl: text,
          logRecords: fc.array(record, { maxLength: 6 }),
        }, { noNullPrototype: true }),
        { maxLength: 3 },
      ),
    }, { noNullPrototype: true }),
    { maxLength: 3 },
  ),
}, { noNullPrototype: true });

/** What the batch must be after a round trip: strings as UTF-8 gives them back (a lone surrogate becomes U+FFFD). */
function throughUtf8(data: LogsData): LogsData {
  return reviveStrings(data);
}
function reviveStrings<T>(value: T): T {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('utf8') as T;
  if (Array.isArray(value)) return value.map(reviveStrings) as T;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out = Object.getPrototypeOf(value) === null ? newAttributes() : {};
  for (const [k, v] of Object.entries(value)) (out as Record<string, unknown>)[reviveStrings(k)] = reviveStrings(v);
  return out as T;
}

function nullPrototypes(data: LogsData): boolean {
  const plain = (m: KeyValueList): boolean => Object.getPrototypeOf(m) === null && Object.values(m).every(deep);
  const deep = (v: AnyValue): boolean =>
    v === null || typeof v !== 'object' || v instanceof Uint8Array ? true : Array.isArray(v) ? v.every(deep) : plain(v);
  return data.resourceLogs.every(
    (r) => plain(r.resource.attributes) && r.scopeLogs.every((s) => plain(s.scope.attributes) && s.logRecords.every((l) => plain(l.attributes) && deep(l.body))),
  );
}

const accessRecord = (i: number): LogRecord => ({
  timeUnixNano: 1_796_646_454_000_000_000n + BigInt(i),
  observedTimeUnixNano: 0n,
  severityNumber: 9,
  severityText: '',
  body: `10.0.0.${i % 250} - - [07/Dec/2026:12:27:34 +0000] "GET /users/${i} HTTP/1.1" 200 43273 "-" "curl/8.5.0" 0.378`,
  attributes: attributes([
    ['http.request.method', 'GET'],
    ['url.path', `/users/${i}`],
    ['http.response.status_code', 200],
    ['http.server.request.duration', 0.378],
    ['log.file.path', '/var/log/nginx/access.log'],
    ['service', 'checkout'],
  ]),
  droppedAttributesCount: 0,
  flags: 0,
  traceId: '',
  spanId: '',
  eventName: '',
});
const batchOf = (records: LogRecord[]): LogsData => ({
  resourceLogs: [
    {
      resource: { attributes: attributes([['service.name', 'checkout']]), droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeLogs: [{ scope: { name: 'lookout', version: '', attributes: newAttributes(), droppedAttributesCount: 0 }, schemaUrl: '', logRecords: records }],
    },
  ],
});

describe('compact log batch codec', () => {
  it('property: any log batch reads back as itself — strings, -0, NaN, bigints of any size, bytes, nested values, maps without prototype', () => {
    fc.assert(
      fc.property(logsData, (data) => {
        const decoded = decodeCompactLogs(encodeCompactLogs(data));
        expect(isDeepStrictEqual(decoded, throughUtf8(data))).toBe(true);
        expect(nullPrototypes(decoded)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a key once and a label repeated on the next record as one byte: a parsed access batch is a fraction of its structured clone', async () => {
    const data = batchOf(Array.from({ length: 1000 }, (_, i) => accessRecord(i)));
    const compact = encodeCompactLogs(data);
    const { serialize } = await import('node:v8');
    expect(compact.length).toBeLessThan(serialize(data).length / 2);
    // the file path is written once in the whole batch
    expect(compact.toString('latin1').split('/var/log/nginx/access.log').length - 1).toBe(1);
    expect(isDeepStrictEqual(decodeCompactLogs(compact), data)).toBe(true);
  });

  it('keeps a changed label after a repeat, and keys in another order on the next map', () => {
    const records = [accessRecord(1), accessRecord(2), accessRecord(3)];
    records[1]!.attributes['service'] = 'search';
    records[2]!.attributes = attributes(Object.entries(records[2]!.attributes).reverse());
    const data = batchOf(records);
    const decoded = decodeCompactLogs(encodeCompactLogs(data));
    expect(decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((r) => r.attributes['service'])).toEqual(['checkout', 'search', 'checkout']);
    expect(Object.keys(decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords[2]!.attributes)).toEqual(Object.keys(records[2]!.attributes));
    expect(isDeepStrictEqual(decoded, data)).toBe(true);
  });

  it('keeps a key a parser left undefined as undefined (not null, not dropped), in maps and in arrays', () => {
    const record = accessRecord(1);
    record.attributes['lookout.log.damaged'] = undefined as unknown as AnyValue;
    record.body = ['a', undefined as unknown as AnyValue, null];
    const decoded = decodeCompactLogs(encodeCompactLogs(batchOf([record]))).resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect('lookout.log.damaged' in decoded.attributes).toBe(true);
    expect(decoded.attributes['lookout.log.damaged']).toBeUndefined();
    expect(decoded.body).toEqual(['a', undefined, null]);
    expect((decoded.body as AnyValue[])[2]).toBeNull();
  });

  it('refuses values nested deeper than it reads, so the caller can keep another form', () => {
    let deep: AnyValue = 'leaf';
    for (let i = 0; i <= MAX_COMPACT_DEPTH; i++) deep = [deep];
    const record = accessRecord(1);
    record.body = deep;
    expect(() => encodeCompactLogs(batchOf([record]))).toThrow(CompactLogsError);
    expect(() => encodeCompactLogs(batchOf([record]))).toThrow(/nest deeper than 256 levels/);
  });

  it('a batch cut at any byte is refused with a CompactLogsError, never read as a shorter batch', () => {
    const bytes = encodeCompactLogs(batchOf([accessRecord(1), accessRecord(2)]));
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => decodeCompactLogs(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(CompactLogsError);
    }
  });

  it('names what is wrong with bytes it cannot read: version, trailing bytes, unknown tags, a key never written, a count past the end', () => {
    const bytes = encodeCompactLogs(batchOf([accessRecord(1)]));
    const versioned = Buffer.from(bytes);
    versioned[0] = 9;
    expect(() => decodeCompactLogs(versioned)).toThrow(/version 9 is not one this Lookout reads/);
    expect(() => decodeCompactLogs(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/1 bytes after its end/);
    expect(() => decodeCompactLogs(Buffer.from([1, 1, 0x7f, 0]))).toThrow(/key 125 of 0/);
    expect(() => decodeCompactLogs(Buffer.from([1, 0x7f]))).toThrow(/counts 127 items with 0 bytes left/);
    expect(() => decodeCompactLogs(Buffer.from([1, 1, 1, 1, 0x61, 0x63]))).toThrow(/value tag 99/);
    expect(() => decodeCompactLogs(Buffer.from([1, 1, 1, 1, 0x61, 10]))).toThrow(/repeats a value key "a" never had/);
  });

  it('property: any byte changed is refused with a CompactLogsError or read as some batch, never another error', () => {
    const bytes = encodeCompactLogs(batchOf([accessRecord(1), accessRecord(2)]));
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const changed = Buffer.from(bytes);
        changed[at] = byte;
        try {
          decodeCompactLogs(changed);
        } catch (error) {
          expect(error).toBeInstanceOf(CompactLogsError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
