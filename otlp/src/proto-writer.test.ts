import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './proto-writer.ts';

/** The reference encoding of a protobuf string: varint length, then TextEncoder's UTF-8 bytes. */
function reference(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  const prefix: number[] = [];
  let v = bytes.length;
  while (v > 0x7f) {
    prefix.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  prefix.push(v);
  return Uint8Array.from([...prefix, ...bytes]);
}

const encoded = (strings: string[], initialSize?: number): Uint8Array => {
  const w = new ProtoWriter(initialSize);
  for (const s of strings) w.string(s);
  return w.finish();
};
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('ProtoWriter.string', () => {
  it('writes the same bytes as TextEncoder with a varint length, at every length around the prefix and the short/long boundaries', () => {
    const units = ['a', 'é', '€', '😀', '\ud800' /* a lone surrogate: U+FFFD */];
    for (const n of [0, 1, 15, 16, 17, 42, 43, 63, 64, 127, 128, 129, 5461, 16383, 16384, 16385]) {
      for (const unit of units) {
        const s = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
        expect(encoded([s], 8), `${n} × ${JSON.stringify(unit)}`).toEqual(reference(s));
      }
    }
  });

  it('any strings one after another, from a writer that starts tiny and grows, equal their reference encodings', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 40 }))), (strings) => {
        expect(encoded(strings, 1)).toEqual(concat(strings.map(reference)));
      }),
      { numRuns: 300 },
    );
  });

  it('finish() returns a copy: later writes do not change it', () => {
    const w = new ProtoWriter(4);
    w.string('x'.repeat(40));
    const first = w.finish();
    const copy = Uint8Array.from(first);
    w.pos = 0;
    w.string('y'.repeat(40));
    expect(first).toEqual(copy);
  });
});
