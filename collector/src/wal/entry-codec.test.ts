import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTRY_HEADER_BYTES, encodeEntry, entryHeader, scanEntries } from './entry-codec.ts';

const payloads = ['first', '', 'a longer third payload with some bytes in it', '\u00e9\u{1F600}'].map((s) => Buffer.from(s));

function log(first = 7): Buffer {
  return Buffer.concat(payloads.map((p, i) => encodeEntry(first + i, p)));
}

describe('write-ahead log entries', () => {
  it('an entry written as a header and payload parts is byte for byte the entry of the joined payload', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }), fc.nat({ max: 2 ** 40 }), (parts, sequence) => {
        const joined = Buffer.concat([entryHeader(sequence, parts), ...parts]);
        expect(joined.equals(encodeEntry(sequence, Buffer.concat(parts)))).toBe(true);
        expect(scanEntries(joined).entries).toEqual([{ sequence, payloadStart: ENTRY_HEADER_BYTES, payloadEnd: joined.length }]);
      }),
    );
  });

  it('round-trips payloads and sequence numbers, including ones above 2^32', () => {
    for (const first of [0, 7, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER - 10]) {
      const bytes = log(first);
      const scan = scanEntries(bytes);
      expect(scan.problem).toBeUndefined();
      expect(scan.validEnd).toBe(bytes.length);
      expect(scan.nextSequence).toBe(first + payloads.length);
      expect(scan.entries.map((e) => e.sequence)).toEqual(payloads.map((_, i) => first + i));
      expect(scan.entries.map((e) => bytes.subarray(e.payloadStart, e.payloadEnd).toString())).toEqual(payloads.map((p) => p.toString()));
    }
  });

  it('a write torn at every byte offset of the last entry leaves exactly the entries before it', () => {
    const bytes = log();
    const lastStart = bytes.length - (ENTRY_HEADER_BYTES + payloads[payloads.length - 1]!.length);
    for (let cut = lastStart; cut < bytes.length; cut++) {
      const scan = scanEntries(bytes.subarray(0, cut));
      expect(scan.entries).toHaveLength(payloads.length - 1);
      expect(scan.validEnd).toBe(lastStart);
      expect(scan.problem).toBe(cut === lastStart ? undefined : 'torn');
    }
  });

  it('catches a flipped bit anywhere in an entry (checksum, or an impossible length)', () => {
    const bytes = log();
    const secondStart = ENTRY_HEADER_BYTES + payloads[0]!.length;
    const secondEnd = secondStart + ENTRY_HEADER_BYTES + payloads[1]!.length;
    for (let at = secondStart; at < secondEnd; at++) {
      for (const bit of [0, 3, 7]) {
        const damaged = Buffer.from(bytes);
        damaged[at] ^= 1 << bit;
        const scan = scanEntries(damaged);
        expect(scan.entries.map((e) => e.sequence)).toEqual([7]);
        expect(scan.validEnd).toBe(secondStart);
        expect(['checksum', 'length', 'torn']).toContain(scan.problem);
      }
    }
  });

  it('stops at a sequence number that does not follow (an entry from elsewhere)', () => {
    const bytes = Buffer.concat([encodeEntry(1, Buffer.from('a')), encodeEntry(2, Buffer.from('b')), encodeEntry(9, Buffer.from('c'))]);
    const scan = scanEntries(bytes, 0, 1);
    expect(scan.entries.map((e) => e.sequence)).toEqual([1, 2]);
    expect(scan.problem).toBe('sequence');
    expect(scan.nextSequence).toBe(3);
    expect(scanEntries(bytes, 0, 5).problem).toBe('sequence');
  });

  it('refuses sequence numbers that are not safe non-negative integers', () => {
    expect(() => encodeEntry(-1, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeEntry(1.5, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeEntry(2 ** 53, Buffer.alloc(0))).toThrow(RangeError);
  });

  it('never throws and never returns an entry that was not written, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), fc.uint8Array({ maxLength: 64 }), (parts, garbage) => {
        const good = Buffer.concat(parts.map((p, i) => encodeEntry(i, p)));
        const scan = scanEntries(Buffer.concat([good, garbage]), 0, 0);
        expect(scan.entries.length).toBeGreaterThanOrEqual(parts.length);
        scan.entries.slice(0, parts.length).forEach((e, i) => expect(e.sequence).toBe(i));
        // garbage can only form an entry by carrying a valid CRC over the next sequence: vanishingly rare
        expect(scan.validEnd).toBeGreaterThanOrEqual(good.length);
      }),
      { numRuns: 500 },
    );
  });
});
