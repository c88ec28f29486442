import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './otlp-trace-encoder.ts';

describe('ProtoWriter', () => {
  it('writes seconds * 1e9 + nanos exactly as fixed64', () => {
    const cases: Array<[number, number]> = [
      [0, 0],
      [1, 1],
      [65_536, 5],
      [1_700_000_000, 123_456_789],
      [4_294_967_295, 999_999_999],
    ];
    for (let i = 0; i < 1000; i++) cases.push([Math.floor(Math.random() * 2 ** 32), Math.floor(Math.random() * 1e9)]);
    for (const time of cases) {
      const w = new ProtoWriter();
      w.fixed64Nanos(1, time);
      expect(w.finish().readBigUInt64LE(1)).toBe(BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]));
    }
  });

  it('writes varints, negative int64 and nested lengths past one byte', () => {
    const w = new ProtoWriter(4);
    w.varint(300);
    w.int64(-1);
    const start = w.begin(3);
    w.string(1, 'é'.repeat(100)); // 200 bytes of UTF-8: the length needs two bytes
    w.end(start);
    const out = w.finish();
    expect([...out.subarray(0, 2)]).toEqual([0xac, 0x02]);
    expect([...out.subarray(2, 12)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(out[12]).toBe((3 << 3) | 2);
    expect([...out.subarray(13, 15)]).toEqual([0xcb, 0x01]); // 203 = 1 tag + 2 length + 200
    expect(out.subarray(18).toString('utf8')).toBe('é'.repeat(100));
  });

  it('writes hex ids as raw bytes, either case', () => {
    const w = new ProtoWriter();
    w.hexId(1, '00F067aa0ba902b7');
    expect([...w.finish()]).toEqual([0x0a, 8, 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
  });
});
