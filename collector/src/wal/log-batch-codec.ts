import { newAttributes, ProtoWriter, type AnyValue, type KeyValueList, type LogRecord, type LogsData, type ResourceLogs, type ScopeLogs } from '@lookout/otlp';

/**
 * A parsed log batch as compact bytes for the write-ahead log, and back. Receivers that
 * parse lines (the host agent's OTLP lines, /v1/logs/raw, Loki push, syslog) make a new
 * batch that no request body holds, so the log keeps the batch itself. V8's structured
 * clone did that at about 3.4 µs a record — 14 % of the collector's CPU on the
 * access-log path — because it writes every object's property names ("key",
 * "stringValue", "timeUnixNano"…) and tracks every object's identity. This format knows
 * the shape: the fields of a record in a fixed order, attribute keys written once per
 * batch and then referred to by number, an attribute whose value is the same string as
 * on the record before (a file's labels, copied onto each of its lines) written as one
 * byte, ASCII strings copied by a loop instead of a call into the encoder.
 *
 * Everything the decoded batch holds comes back exactly: strings, numbers (as float64
 * unless a small whole number), bigints of any size, byte arrays, nested arrays and
 * kvlists (with no prototype, as the decoders make them), -0 and NaN.
 *
 * Layout: u8 version, then varint counts and the fields of resourceLogs → scopeLogs →
 * logRecords in the order of the types, each value with a one-byte tag (VALUE_TAG).
 */

const VERSION = 1;

/** Past this nesting of arrays and kvlists the encoder refuses (the caller keeps another form) and the decoder stops. */
export const MAX_COMPACT_DEPTH = 256;

const TAG = {
  null: 0,
  string: 1,
  true: 2,
  false: 3,
  float64: 4,
  /** a whole number 0 ≤ n < 2^32, as a varint */
  uint: 5,
  bigint: 6,
  bytes: 7,
  array: 8,
  kvlist: 9,
  /** the same string as this key's value on the map written before (attributes only) */
  repeat: 10,
  /** not an OTLP value, but a parser may leave a key set to undefined: kept as it was, not made null */
  undefined: 11,
} as const;

export class CompactLogsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompactLogsError';
  }
}

/** Encodes `data`; throws CompactLogsError only when values nest deeper than MAX_COMPACT_DEPTH. */
export function encodeCompactLogs(data: LogsData): Buffer {
  const w = new Writer();
  w.byte(VERSION);
  w.varint(data.resourceLogs.length);
  for (const resourceLogs of data.resourceLogs) {
    w.map(resourceLogs.resource.attributes, 0);
    w.number(resourceLogs.resource.droppedAttributesCount);
    w.string(resourceLogs.schemaUrl);
    w.varint(resourceLogs.scopeLogs.length);
    for (const scopeLogs of resourceLogs.scopeLogs) {
      const scope = scopeLogs.scope;
      w.string(scope.name);
      w.string(scope.version);
      w.map(scope.attributes, 0);
      w.number(scope.droppedAttributesCount);
      w.string(scopeLogs.schemaUrl);
      const records = scopeLogs.logRecords;
      w.varint(records.length);
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        w.bigint(record.timeUnixNano);
        w.bigint(record.observedTimeUnixNano);
        w.number(record.severityNumber);
        w.string(record.severityText);
        w.value(record.body, 0);
        w.map(record.attributes, 0);
        w.number(record.droppedAttributesCount);
        w.number(record.flags);
        w.string(record.traceId);
        w.string(record.spanId);
        w.string(record.eventName);
      }
    }
  }
  return w.finish();
}

/** Decodes what encodeCompactLogs wrote; a byte that does not fit the layout throws CompactLogsError. */
export function decodeCompactLogs(bytes: Uint8Array): LogsData {
  const r = new Reader(bytes);
  const version = r.byte();
  if (version !== VERSION) throw new CompactLogsError(`compact log batch version ${version} is not one this Lookout reads (${VERSION})`);
  const resourceLogs: ResourceLogs[] = [];
  for (let i = r.count(); i > 0; i--) {
    const attributes = r.map(0);
    const droppedAttributesCount = r.number();
    const schemaUrl = r.string();
    const scopeLogs: ScopeLogs[] = [];
    for (let j = r.count(); j > 0; j--) {
      const name = r.string();
      const version = r.string();
      const scopeAttributes = r.map(0);
      const scopeDropped = r.number();
      const scopeSchemaUrl = r.string();
      const logRecords: LogRecord[] = [];
      for (let k = r.count(); k > 0; k--) {
        logRecords.push({
          timeUnixNano: r.bigint(),
          observedTimeUnixNano: r.bigint(),
          severityNumber: r.number(),
          severityText: r.string(),
          body: r.value(0),
          attributes: r.map(0),
          droppedAttributesCount: r.number(),
          flags: r.number(),
          traceId: r.string(),
          spanId: r.string(),
          eventName: r.string(),
        });
      }
      scopeLogs.push({ scope: { name, version, attributes: scopeAttributes, droppedAttributesCount: scopeDropped }, logRecords, schemaUrl: scopeSchemaUrl });
    }
    resourceLogs.push({ resource: { attributes, droppedAttributesCount }, scopeLogs, schemaUrl });
  }
  if (r.at !== bytes.length) throw new CompactLogsError(`compact log batch has ${bytes.length - r.at} bytes after its end`);
  return { resourceLogs };
}

const U64_END = 1n << 64n;
const I64_START = -(1n << 63n);

/**
 * The project's protobuf writer does the byte work: its varint, its length-prefixed UTF-8
 * string (a loop for short ASCII, Buffer's native writer otherwise), bytes, and
 * little-endian double, fixed64 and sfixed64 are exactly this layout's.
 */
class Writer {
  private readonly out = new ProtoWriter(64 * 1024);
  /** attribute keys written so far, numbered from 0 */
  private readonly keys = new Map<string, number>();
  /** per key number: the string value it had on the last map that held it */
  private readonly lastValues: Array<AnyValue | undefined> = [];
  /** the keys of the map written last, and their numbers */
  private previousNames: string[] = [];
  private previousNumbers: number[] = [];

  finish(): Buffer {
    const bytes = this.out.finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** a tag or a small count: one byte, as every value below 0x80 is a one-byte varint */
  byte(b: number): void {
    this.out.varint(b);
  }

  varint(n: number): void {
    this.out.varint(n);
  }

  /** A number: small whole numbers as a varint, anything else (fractions, negatives, -0, NaN) as float64. */
  number(n: number): void {
    if (n >>> 0 === n && !Object.is(n, -0)) {
      this.out.varint(TAG.uint);
      this.out.varint(n);
    } else {
      this.out.varint(TAG.float64);
      this.out.double(n);
    }
  }

  /** A bigint: kind 0 and 8 bytes when it fits in u64, kind 1 and 8 bytes in i64, else kind 2 and its decimal text. */
  bigint(n: bigint): void {
    if (n >= 0n && n < U64_END) {
      this.out.varint(0);
      this.out.fixed64(n);
    } else if (n < 0n && n >= I64_START) {
      this.out.varint(1);
      this.out.sfixed64(n);
    } else {
      this.out.varint(2);
      this.out.string(n.toString());
    }
  }

  /** A string: its UTF-8 length as a varint, then the bytes. */
  string(s: string): void {
    this.out.string(s);
  }

  value(v: AnyValue, depth: number): void {
    switch (typeof v) {
      case 'string':
        this.byte(TAG.string);
        this.string(v);
        return;
      case 'number':
        this.number(v);
        return;
      case 'boolean':
        this.byte(v ? TAG.true : TAG.false);
        return;
      case 'bigint':
        this.byte(TAG.bigint);
        this.bigint(v);
        return;
    }
    if (v === null) {
      this.byte(TAG.null);
      return;
    }
    if (v === undefined) {
      this.byte(TAG.undefined);
      return;
    }
    if (depth >= MAX_COMPACT_DEPTH) throw new CompactLogsError(`values nest deeper than ${MAX_COMPACT_DEPTH} levels`);
    if (v instanceof Uint8Array) {
      this.byte(TAG.bytes);
      this.out.bytes(v);
    } else if (Array.isArray(v)) {
      this.byte(TAG.array);
      this.varint(v.length);
      for (const item of v) this.value(item, depth + 1);
    } else {
      this.byte(TAG.kvlist);
      this.map(v, depth + 1);
    }
  }

  /**
   * A map: (key, value) pairs ended by 0. A key is 1 + its number once written, else 1
   * followed by the key itself. A string value equal to the key's value on the map before
   * is one TAG.repeat byte.
   */
  map(m: KeyValueList, depth: number): void {
    const names = Object.keys(m);
    // Maps in a batch mostly list the same keys in the same order (records of one
    // file): a key that is the one at the same place on the map before has the same
    // number, found without hashing it.
    const previousNames = this.previousNames;
    const previousNumbers = this.previousNumbers;
    const numbers = new Array<number>(names.length);
    const lastValues = this.lastValues;
    for (let i = 0; i < names.length; i++) {
      const key = names[i]!;
      let number: number;
      if (previousNames[i] === key) {
        number = previousNumbers[i]!;
        this.varint(number + 2);
      } else {
        const known = this.keys.get(key);
        if (known === undefined) {
          number = this.keys.size;
          this.keys.set(key, number);
          this.byte(1);
          this.string(key);
        } else {
          number = known;
          this.varint(number + 2);
        }
      }
      numbers[i] = number;
      const value = m[key]!;
      if (typeof value === 'string') {
        if (lastValues[number] === value) {
          this.byte(TAG.repeat);
          continue;
        }
        lastValues[number] = value;
      }
      this.value(value, depth);
    }
    this.byte(0);
    this.previousNames = names;
    this.previousNumbers = numbers;
  }
}

class Reader {
  at = 0;
  private readonly buf: Buffer;
  private readonly keys: string[] = [];
  private readonly lastValues: Array<string | undefined> = [];

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.at + n > this.buf.length) throw new CompactLogsError(`compact log batch ends inside ${what} at byte ${this.at}`);
  }

  byte(): number {
    this.need(1, 'a byte');
    return this.buf[this.at++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    throw new CompactLogsError(`compact log batch has a varint longer than 8 bytes at byte ${this.at}`);
  }

  /** A count of things that each take at least one byte: never more than the bytes left. */
  count(): number {
    const n = this.varint();
    if (n > this.buf.length - this.at) throw new CompactLogsError(`compact log batch counts ${n} items with ${this.buf.length - this.at} bytes left, at byte ${this.at}`);
    return n;
  }

  number(): number {
    const tag = this.byte();
    if (tag === TAG.uint) return this.varint();
    if (tag === TAG.float64) {
      this.need(8, 'a float64');
      const n = this.buf.readDoubleLE(this.at);
      this.at += 8;
      return n;
    }
    throw new CompactLogsError(`compact log batch has tag ${tag} where a number belongs, at byte ${this.at - 1}`);
  }

  bigint(): bigint {
    const kind = this.byte();
    if (kind === 2) {
      const text = this.string();
      if (!/^-?\d+$/.test(text)) throw new CompactLogsError(`compact log batch has a bigint that is not a number: ${JSON.stringify(text.slice(0, 40))}`);
      return BigInt(text);
    }
    if (kind !== 0 && kind !== 1) throw new CompactLogsError(`compact log batch has bigint kind ${kind} at byte ${this.at - 1}`);
    this.need(8, 'a 64-bit integer');
    const n = kind === 0 ? this.buf.readBigUInt64LE(this.at) : this.buf.readBigInt64LE(this.at);
    this.at += 8;
    return n;
  }

  string(): string {
    const length = this.varint();
    this.need(length, 'a string');
    const s = this.buf.toString('utf8', this.at, this.at + length);
    this.at += length;
    return s;
  }

  value(depth: number): AnyValue {
    const tag = this.byte();
    switch (tag) {
      case TAG.null:
        return null;
      case TAG.undefined:
        return undefined as unknown as AnyValue;
      case TAG.string:
        return this.string();
      case TAG.true:
        return true;
      case TAG.false:
        return false;
      case TAG.uint:
        return this.varint();
      case TAG.float64: {
        this.need(8, 'a float64');
        const n = this.buf.readDoubleLE(this.at);
        this.at += 8;
        return n;
      }
      case TAG.bigint:
        return this.bigint();
    }
    if (depth >= MAX_COMPACT_DEPTH) throw new CompactLogsError(`compact log batch nests values deeper than ${MAX_COMPACT_DEPTH} levels`);
    if (tag === TAG.bytes) {
      const length = this.varint();
      this.need(length, 'a byte array');
      const bytes = new Uint8Array(this.buf.subarray(this.at, this.at + length));
      this.at += length;
      return bytes;
    }
    if (tag === TAG.array) {
      const values: AnyValue[] = [];
      for (let i = this.count(); i > 0; i--) values.push(this.value(depth + 1));
      return values;
    }
    if (tag === TAG.kvlist) return this.map(depth + 1);
    throw new CompactLogsError(`compact log batch has value tag ${tag} at byte ${this.at - 1}`);
  }

  map(depth: number): KeyValueList {
    const m = newAttributes();
    for (;;) {
      const ref = this.varint();
      if (ref === 0) return m;
      let number: number;
      if (ref === 1) {
        number = this.keys.length;
        this.keys.push(this.string());
      } else {
        number = ref - 2;
        if (number >= this.keys.length) throw new CompactLogsError(`compact log batch refers to key ${number} of ${this.keys.length}, at byte ${this.at}`);
      }
      const key = this.keys[number]!;
      if (this.buf[this.at] === TAG.repeat) {
        this.at++;
        const last = this.lastValues[number];
        if (last === undefined) throw new CompactLogsError(`compact log batch repeats a value key ${JSON.stringify(key)} never had, at byte ${this.at - 1}`);
        m[key] = last;
        continue;
      }
      const value = this.value(depth);
      if (typeof value === 'string') this.lastValues[number] = value;
      m[key] = value;
    }
  }
}
