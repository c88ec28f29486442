/**
 * A small protobuf writer for the OTLP encoders: one growable buffer, no per-field
 * objects. A length-delimited field reserves one byte for its length and moves its
 * content when the length turns out to need more (most OTLP sub-messages are short).
 */

import { Buffer } from 'node:buffer';

/** Strings up to this many UTF-16 units are written by a JS loop; longer ones natively (Buffer#write costs ~170 ns a call, the loop ~10 ns a character). */
const SHORT_STRING = 16;

function varintSize(v: number): number {
  let size = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;
  /** the same memory as `buf`, for Buffer's native UTF-8 writer */
  private nodeBuf: Buffer;
  /**
   * The last string or boolean value this writer wrote under each attribute key, with its
   * encoded KeyValue once seen twice in a row (proto-common-encode.ts): per writer, so an
   * encode carries no state into the next one.
   */
  keyValues: Map<string, { value: string | boolean; field: number; bytes: Uint8Array | undefined }> | undefined;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
    this.nodeBuf = Buffer.from(this.buf.buffer, 0, initialSize);
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
    this.nodeBuf = Buffer.from(next.buffer, 0, size);
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
    if (n <= SHORT_STRING) {
      // short (keys, most attribute values): a JS loop beats a native call; ASCII only
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
        let pos = this.pos;
        b[pos++] = n;
        for (let i = 0; i < n; i++) b[pos++] = s.charCodeAt(i);
        this.pos = pos;
        return;
      }
    }
    // Long (log bodies, URLs) or not ASCII: Buffer's native UTF-8 writer, straight into the
    // buffer. The length prefix comes first, so room is kept for the length in code units
    // (exact for ASCII); UTF-8 never takes fewer bytes than UTF-16 units, so a longer
    // prefix only ever moves the bytes right. Lone surrogates become U+FFFD, as
    // TextEncoder writes them.
    const reserve = varintSize(n);
    // room for the prefix, the bytes and varint()'s own check: nothing may grow the buffer
    // once the bytes are written past `pos` (a growth copies only up to `pos`)
    this.ensure(reserve + 3 * n + 10);
    const start = this.pos + reserve;
    const written = this.nodeBuf.write(s, start, 'utf8');
    const need = varintSize(written);
    if (need !== reserve) this.buf.copyWithin(this.pos + need, start, start + written);
    this.varint(written);
    this.pos += written;
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

  /** Bytes already encoded (a whole field), copied as they are. */
  raw(v: Uint8Array): void {
    const n = v.length;
    this.ensure(n);
    const b = this.buf;
    let pos = this.pos;
    if (n < 64) for (let i = 0; i < n; i++) b[pos++] = v[i]!;
    else {
      b.set(v, pos);
      pos += n;
    }
    this.pos = pos;
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
