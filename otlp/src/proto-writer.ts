/**
 * A small protobuf writer for the OTLP encoders: one growable buffer, no per-field
 * objects. A length-delimited field reserves one byte for its length and moves its
 * content when the length turns out to need more (most OTLP sub-messages are short).
 */

const encoder = new TextEncoder();

export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    while (v > 0x7fffffff) {
      b[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v > 0x7f) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.pos++] = v;
  }

  /** int64 varint (two's complement, negatives take 10 bytes). */
  int64(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0) {
      this.varint(v);
      return;
    }
    let u = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    const b = this.buf;
    while (u > 0x7fn) {
      b[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    b[this.pos++] = Number(u);
  }

  /** int32 enum: negatives are sign-extended to 64 bits as protobuf requires. */
  int32(v: number): void {
    if (v >= 0) this.varint(v);
    else this.int64(v);
  }

  sint32(v: number): void {
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  /** fixed64 from a bigint (timestamps) or a non-negative number (counts). */
  fixed64(v: bigint | number): void {
    this.ensure(8);
    if (typeof v === 'number') {
      this.view.setUint32(this.pos, v % 4294967296, true);
      this.view.setUint32(this.pos + 4, Math.floor(v / 4294967296), true);
    } else {
      this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    }
    this.pos += 8;
  }

  sfixed64(v: number | bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, BigInt.asIntN(64, BigInt(v)), true);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  string(s: string): void {
    const n = s.length;
    // ASCII fast path: length in bytes = length in code units
    if (n < 128) {
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (s.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(n + 1);
        const b = this.buf;
        b[this.pos++] = n;
        for (let i = 0; i < n; i++) b[this.pos++] = s.charCodeAt(i);
        return;
      }
    }
    this.bytes(encoder.encode(s));
  }

  bytes(v: Uint8Array): void {
    this.varint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** A hex id written as bytes (ids are lowercase hex in the model). */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.varint(n);
    this.ensure(n);
    const b = this.buf;
    for (let i = 0; i < n; i++) b[this.pos++] = parseInt(hex.substr(2 * i, 2), 16);
  }

  /** Starts a length-delimited field; pass the result to `end`. */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    this.pos++;
    return this.pos;
  }

  end(start: number): void {
    const len = this.pos - start;
    if (len < 128) {
      this.buf[start - 1] = len;
      return;
    }
    let extra = 0;
    for (let v = len >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    this.pos = start - 1;
    this.varint(len);
    this.pos += len;
  }
}
