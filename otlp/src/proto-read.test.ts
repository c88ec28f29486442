import { describe, expect, it } from 'vitest';
import { DecodeFault } from './decode-error.ts';
import {
  hex,
  int64FromBits,
  newReader,
  readFixed64,
  readInt64,
  readKey,
  readSfixed64,
  readString,
  readUint64Number,
} from './proto-read.ts';
import { ProtoWriter } from './proto-writer.ts';

function written(f: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter(4);
  f(w);
  return w.finish();
}

describe('64-bit integers', () => {
  it('int64 varints: number within ±(2^53-1), bigint beyond, negatives in 10 bytes', () => {
    const cases: (number | bigint)[] = [
      0,
      1,
      127,
      128,
      300,
      -1,
      -128,
      2 ** 31,
      -(2 ** 31),
      2 ** 32,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2n ** 53n,
      -(2n ** 53n),
      2n ** 63n - 1n,
      -(2n ** 63n),
    ];
    const buf = written((w) => cases.forEach((v) => w.int64(v)));
    const r = newReader(buf);
    for (const v of cases) expect(readInt64(r)).toBe(v);
    expect(r.pos).toBe(buf.length);
  });

  it('sfixed64 and fixed64 keep every bit', () => {
    const buf = written((w) => {
      w.sfixed64(-5);
      w.sfixed64(2n ** 62n + 3n);
      w.fixed64(2n ** 64n - 1n);
      w.fixed64(1700000000123456789n);
    });
    const r = newReader(buf);
    expect(readSfixed64(r)).toBe(-5);
    expect(readSfixed64(r)).toBe(2n ** 62n + 3n);
    expect(readFixed64(r)).toBe(2n ** 64n - 1n);
    expect(readFixed64(r)).toBe(1700000000123456789n);
  });

  it('int64FromBits boundaries', () => {
    expect(int64FromBits(0xffffffff, 0x1fffff)).toBe(Number.MAX_SAFE_INTEGER);
    expect(int64FromBits(0, 0x200000)).toBe(2n ** 53n);
    expect(int64FromBits(1, 0xffe00000)).toBe(Number.MIN_SAFE_INTEGER);
    expect(int64FromBits(0, 0xffe00000)).toBe(-(2n ** 53n));
  });

  it('uint64 counts as numbers', () => {
    const r = newReader(written((w) => [0, 5, 2 ** 40].forEach((v) => w.varint(v))));
    expect([readUint64Number(r), readUint64Number(r), readUint64Number(r)]).toEqual([0, 5, 2 ** 40]);
  });

  it('a varint longer than 10 bytes is refused', () => {
    const r = newReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(() => readInt64(r)).toThrow(DecodeFault);
  });
});

describe('strings and keys', () => {
  const strings = ['', 'a', 'abc', 'http.request.method', 'x'.repeat(24), 'y'.repeat(25), 'ünïcødé 😀', 'z'.repeat(300), '\uFEFFbom'];

  it('readString and readKey decode every length and script, and keep a BOM', () => {
    const buf = written((w) => strings.forEach((s) => (w.tag(1, 2), w.string(s))));
    for (const read of [readString, readKey]) {
      const r = newReader(buf);
      for (const s of strings) {
        r.uint32();
        expect(read(r)).toBe(s);
      }
    }
  });

  it('the key cache never confuses keys of the same length that differ only in unsampled bytes', () => {
    const keys: string[] = [];
    for (let n = 1; n <= 64; n++) {
      const base = 'k'.repeat(n);
      keys.push(base);
      for (let i = 0; i < n; i++) keys.push(base.slice(0, i) + 'Q' + base.slice(i + 1));
    }
    const buf = written((w) => keys.forEach((k) => (w.tag(1, 2), w.string(k))));
    for (let round = 0; round < 2; round++) {
      const r = newReader(buf);
      for (const k of keys) {
        r.uint32();
        expect(readKey(r)).toBe(k);
      }
    }
  });

  it('lowercase hex of ids of any length', () => {
    const b = new Uint8Array([0, 1, 0xab, 0xff, 0x10, 0x20, 0x30, 0x40, 9, 8, 7, 6, 5, 4, 3, 0xfe]);
    expect(hex(b, 0, 16)).toBe(Buffer.from(b).toString('hex'));
    expect(hex(b, 8, 8)).toBe('09080706050403fe');
    expect(hex(b, 2, 3)).toBe('abff10');
    expect(hex(b, 0, 0)).toBe('');
  });
});
