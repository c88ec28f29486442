/**
 * Low-level protobuf reading on top of protobufjs's `Reader`: the pieces its Reader does
 * not give us in the shape the model needs (validated UTF-8, hex ids, 64-bit integers as
 * number-or-bigint, fixed64 timestamps as bigint), plus the fault handling that turns
 * any wire problem into an `OtlpDecodeError` with a field path and byte offset.
 *
 * A sub-message is read by narrowing `r.len` to its end (`enterMessage`) and restoring
 * it afterwards (`leaveMessage`), so every bounds check of the Reader also enforces
 * the sub-message boundary.
 */
import { Buffer } from 'node:buffer';
import protobuf from 'protobufjs/minimal.js';
import { DecodeFault, OtlpDecodeError, joinPath } from './decode-error.ts';

export type Reader = protobuf.Reader;

/** Buffer's own latin1 slice: one native call, no subarray allocation. */
interface SliceableBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** A Reader over `buf`; the backing bytes are viewed as a Buffer for fast slicing. */
export function newReader(buf: Uint8Array): Reader {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // the plain Reader (not BufferReader), so bytes() returns views and we control strings
  return new protobuf.Reader(bytes);
}

// ------------------------------------------------------------------ faults

const HINT_TRUNCATED =
  'send the complete request body (a gzip-compressed body needs Content-Encoding: gzip)';
const HINT_NOT_PROTOBUF =
  'the body is not a serialized OTLP protobuf message; check Content-Type (application/x-protobuf) and Content-Encoding';
const HINT_UTF8 =
  'OTLP string fields must be UTF-8; send binary data as a bytes AnyValue (bytes_value) instead';

export function fault(what: string, hint: string, offset: number): DecodeFault {
  return new DecodeFault(what, hint, offset);
}

/**
 * Converts an error thrown inside a decoder to a DecodeFault (protobufjs throws plain
 * RangeError/Error on truncation and bad varints) and adds one path segment.
 * Anything else (a bug) is rethrown untouched.
 */
export function within(e: unknown, r: Reader, segment: string | undefined): DecodeFault {
  let f: DecodeFault;
  if (e instanceof DecodeFault) f = e;
  else f = fromReaderError(e, r);
  if (segment !== undefined) f.segments.unshift(segment);
  return f;
}

const RANGE = /index out of range: (\d+) \+ (\d+) > (\d+)/;

function fromReaderError(e: unknown, r: Reader): DecodeFault {
  if (e instanceof RangeError) {
    const m = RANGE.exec(e.message);
    if (m) {
      const left = Number(m[3]) - Number(m[1]);
      return fault(
        `truncated: ${m[2]} more byte(s) needed but only ${left} left in the enclosing message`,
        HINT_TRUNCATED,
        Number(m[1]),
      );
    }
    return fault('truncated: a value runs past the end of its enclosing message', HINT_TRUNCATED, r.pos);
  }
  if (e instanceof Error && /^(invalid|illegal|max depth)/.test(e.message)) {
    return fault(e.message.replace(/ at offset \d+$/, ''), HINT_NOT_PROTOBUF, r.pos);
  }
  throw e;
}

/** The error a public decode function throws, built once the whole path is known. */
export function toDecodeError(e: unknown, r: Reader, message: string): OtlpDecodeError {
  const f = within(e, r, undefined);
  const path = joinPath(f.segments);
  return new OtlpDecodeError(
    `invalid OTLP/protobuf ${message} at ${path === '' ? '' : path + ', '}byte offset ${f.offset}: ${f.what}; ${f.hint}`,
    path,
    f.offset,
  );
}

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'group start', 'group end', 'fixed32'];

/** Protobuf wire types, as the schema tables name them. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/**
 * One message's fields: by field number, its name and expected wire type (for the
 * default branch of a decoder's switch: a known field with the wrong wire type is an
 * error, an unknown field is skipped); by name, the tag a decoder's switch matches
 * (`field << 3 | wire type`) and the field number an encoder writes.
 */
export interface MessageSchema<Name extends string = string> {
  readonly names: readonly (string | undefined)[];
  readonly wire: readonly number[];
  readonly tag: Readonly<Record<Name, number>>;
  /** field numbers by name, for encoders */
  readonly field: Readonly<Record<Name, number>>;
}

export function schema<Name extends string>(fields: Record<Name, readonly [field: number, wireType: number]>): MessageSchema<Name> {
  const names: (string | undefined)[] = [];
  const wire: number[] = [];
  const tag = {} as Record<Name, number>;
  const field = {} as Record<Name, number>;
  for (const name of Object.keys(fields) as Name[]) {
    const [num, wt] = fields[name];
    names[num] = name;
    wire[num] = wt;
    tag[name] = (num << 3) | wt;
    field[name] = num;
  }
  return { names, wire, tag: Object.freeze(tag), field: Object.freeze(field) };
}

/** The tag of the same field with another wire type (a repeated scalar sent unpacked). */
export function withWireType(tag: number, wireType: number): number {
  return (tag & ~7) | wireType;
}

/** Whether `tag` is of the field `fieldTag` is, whatever its wire type (for error paths). */
export function isField(tag: number, fieldTag: number): boolean {
  return tag >>> 3 === fieldTag >>> 3;
}

/** Handles a tag its decoder's switch did not: skip it if unknown, else fail on its wire type. */
export function otherField(r: Reader, tag: number, s: MessageSchema): void {
  const field = tag >>> 3;
  const wt = tag & 7;
  const tagOffset = r.pos - (tag < 0x80 ? 1 : tag < 0x4000 ? 2 : tag < 0x200000 ? 3 : tag < 0x10000000 ? 4 : 5);
  if (field === 0) {
    throw fault('field number 0 is not valid protobuf', HINT_NOT_PROTOBUF, tagOffset);
  }
  if (wt > 5) throw fault(`invalid wire type ${wt} for field ${field}`, HINT_NOT_PROTOBUF, tagOffset);
  const expected = s.wire[field];
  if (expected !== undefined) {
    throw fault(
      `wrong wire type ${wt} (${WIRE_NAMES[wt]}) for field ${field} (${s.names[field]}), expected ${expected} (${WIRE_NAMES[expected]})`,
      'the body does not match the OTLP schema: serialize it with an OTLP protobuf library (opentelemetry-proto field numbers)',
      tagOffset,
    );
  }
  if (wt === 4) throw fault('unexpected group end tag', HINT_NOT_PROTOBUF, tagOffset);
  r.skipType(wt);
}

/** The field name of `tag` for an error path, with the element index of a repeated field. */
export function segmentOf(s: MessageSchema, tag: number, index: number): string | undefined {
  const name = s.names[tag >>> 3];
  if (name === undefined) return undefined;
  return index >= 0 ? `${name}[${index}]` : name;
}

// ------------------------------------------------------------------ lengths and messages

/**
 * Reads a field tag: protobufjs's Reader.tag, with the one-byte case (every OTLP field
 * number below 16) inline.
 */
export function readTag(r: Reader): number {
  const p = r.pos;
  if (p < r.len) {
    const b = r.buf[p];
    if (b < 0x80) {
      r.pos = p + 1;
      return b;
    }
  }
  return r.tag();
}

/** Reads a length prefix and checks that many bytes remain in the enclosing message. */
export function readLen(r: Reader): number {
  const p = r.pos;
  let n: number;
  if (p < r.len && r.buf[p] < 0x80) {
    n = r.buf[p];
    r.pos = p + 1;
  } else n = r.size();
  if (n > r.len - r.pos) {
    throw fault(
      `length ${n} runs past the end of the enclosing message (${r.len - r.pos} byte(s) left)`,
      HINT_TRUNCATED,
      r.pos,
    );
  }
  return n;
}

/** Narrows the reader to the sub-message that starts here; returns the outer end to restore. */
export function enterMessage(r: Reader): number {
  const n = readLen(r);
  const outer = r.len;
  r.len = r.pos + n;
  return outer;
}

export function leaveMessage(r: Reader, outer: number): void {
  r.len = outer;
}

/**
 * Reads the message the reader is narrowed to whose one known field is the repeated
 * sub-message `listTag` (ArrayValue, KeyValueList, an export request): each element,
 * the reader narrowed to it, goes to `readOne` with its index; a fault gets the path of
 * the element (or field) it is in.
 */
export function readRepeated(r: Reader, s: MessageSchema, listTag: number, readOne: (r: Reader, index: number) => void): void {
  let tag = 0;
  let index = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag !== listTag) otherField(r, tag, s);
      else {
        const outer = enterMessage(r);
        readOne(r, index);
        leaveMessage(r, outer);
        index++;
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(s, tag, index));
  }
}

// ------------------------------------------------------------------ strings

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const fromCharCode = String.fromCharCode;

export function readString(r: Reader): string {
  const n = readLen(r);
  const s = r.pos;
  r.pos = s + n;
  if (n === 0) return '';
  return utf8(r.buf, s, s + n);
}

/** Validated UTF-8 → string, with an ASCII fast path (most OTLP strings are ASCII). */
export function utf8(buf: Uint8Array, s: number, e: number): string {
  if (e - s <= 24) {
    // short: build in JS, 4 characters per call, no native call overhead
    let out = '';
    let i = s;
    for (; e - i >= 4; i += 4) {
      const a = buf[i];
      const b = buf[i + 1];
      const c = buf[i + 2];
      const d = buf[i + 3];
      if ((a | b | c | d) & 0x80) return utf8Slow(buf, s, e);
      out += fromCharCode(a, b, c, d);
    }
    for (; i < e; i++) {
      const a = buf[i];
      if (a & 0x80) return utf8Slow(buf, s, e);
      out += fromCharCode(a);
    }
    return out;
  }
  for (let i = s; i < e; i++) {
    if (buf[i] & 0x80) return utf8Slow(buf, s, e);
  }
  return (buf as SliceableBuffer).latin1Slice(s, e);
}

function utf8Slow(buf: Uint8Array, s: number, e: number): string {
  try {
    return utf8Strict.decode(buf.subarray(s, e));
  } catch {
    const bad = firstInvalidUtf8(buf, s, e);
    throw fault(
      `string is not valid UTF-8 (bad byte 0x${buf[bad].toString(16).padStart(2, '0')} at offset ${bad - s} of the string)`,
      HINT_UTF8,
      bad,
    );
  }
}

/** Index of the first byte that breaks UTF-8 (only called once decoding failed). */
function firstInvalidUtf8(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e) {
    const b = buf[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= e || (buf[i + k] & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (buf[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return s;
}

// ------------------------------------------------------------------ bytes and ids

/** A copy of a bytes field (a view would pin the whole request buffer in memory). */
export function readBytesCopy(r: Reader): Uint8Array {
  const n = readLen(r);
  const s = r.pos;
  r.pos = s + n;
  // a plain Uint8Array copy (r.buf is a Buffer, whose slice is a view and whose
  // subarray/slice results are Buffers)
  const b = r.buf;
  return new Uint8Array(b.buffer.slice(b.byteOffset + s, b.byteOffset + s + n));
}

const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEX[2 * i] = '0123456789abcdef'.charCodeAt(i >> 4);
  HEX[2 * i + 1] = '0123456789abcdef'.charCodeAt(i & 15);
}

/** Lowercase hex of buf[s, s+n); 16- and 8-byte ids in one call each. */
export function hex(buf: Uint8Array, s: number, n: number): string {
  const h = HEX;
  if (n === 16) {
    const a0 = buf[s] << 1, a1 = buf[s + 1] << 1, a2 = buf[s + 2] << 1, a3 = buf[s + 3] << 1;
    const a4 = buf[s + 4] << 1, a5 = buf[s + 5] << 1, a6 = buf[s + 6] << 1, a7 = buf[s + 7] << 1;
    const a8 = buf[s + 8] << 1, a9 = buf[s + 9] << 1, a10 = buf[s + 10] << 1, a11 = buf[s + 11] << 1;
    const a12 = buf[s + 12] << 1, a13 = buf[s + 13] << 1, a14 = buf[s + 14] << 1, a15 = buf[s + 15] << 1;
    return fromCharCode(
      h[a0], h[a0 + 1], h[a1], h[a1 + 1], h[a2], h[a2 + 1], h[a3], h[a3 + 1],
      h[a4], h[a4 + 1], h[a5], h[a5 + 1], h[a6], h[a6 + 1], h[a7], h[a7 + 1],
      h[a8], h[a8 + 1], h[a9], h[a9 + 1], h[a10], h[a10 + 1], h[a11], h[a11 + 1],
      h[a12], h[a12 + 1], h[a13], h[a13 + 1], h[a14], h[a14 + 1], h[a15], h[a15 + 1],
    );
  }
  if (n === 8) {
    const a0 = buf[s] << 1, a1 = buf[s + 1] << 1, a2 = buf[s + 2] << 1, a3 = buf[s + 3] << 1;
    const a4 = buf[s + 4] << 1, a5 = buf[s + 5] << 1, a6 = buf[s + 6] << 1, a7 = buf[s + 7] << 1;
    return fromCharCode(
      h[a0], h[a0 + 1], h[a1], h[a1 + 1], h[a2], h[a2 + 1], h[a3], h[a3 + 1],
      h[a4], h[a4 + 1], h[a5], h[a5 + 1], h[a6], h[a6 + 1], h[a7], h[a7 + 1],
    );
  }
  let out = '';
  for (let i = s; i < s + n; i++) out += fromCharCode(h[buf[i] << 1], h[(buf[i] << 1) + 1]);
  return out;
}

/**
 * Reads the `n` bytes of a trace or span id field whose length prefix the caller read
 * (with `readLen`, keeping it: ids of a wrong length reject only their item, and
 * over-long ids are not hexed in full). Returns the hex.
 */
export function readId(r: Reader, n: number): string {
  const s = r.pos;
  r.pos = s + n;
  if (n !== 16) return hex(r.buf, s, n > 32 ? 32 : n);
  // spans of one trace travel together: reuse the last trace id's hex when it repeats
  const b = r.buf;
  const last = lastTraceId;
  let i = 0;
  while (i < 16 && b[s + i] === last[i]) i++;
  if (i === 16) return lastTraceHex;
  for (let k = 0; k < 16; k++) last[k] = b[s + k];
  lastTraceHex = hex(b, s, 16);
  return lastTraceHex;
}

const lastTraceId = new Uint8Array(16);
let lastTraceHex = '00000000000000000000000000000000';

// ------------------------------------------------------------------ numbers

const TWO32 = 4294967296;
const TWO32N = 4294967296n;

/** Claims the `n` fixed bytes at r.pos; returns where they start. */
function fixedAt(r: Reader, n: number): number {
  const p = r.pos;
  if (r.len - p < n) throw truncatedFixed(r, n);
  r.pos = p + n;
  return p;
}

/** The little-endian uint32 at b[p]. */
function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** fixed64 → bigint, exactly (timestamps need all 64 bits). */
export function readFixed64(r: Reader): bigint {
  const p = fixedAt(r, 8);
  const lo = u32(r.buf, p);
  const hi = u32(r.buf, p + 4);
  return hi === 0 ? BigInt(lo) : BigInt(hi) * TWO32N + BigInt(lo);
}

/** fixed64 used as a count → number (exact up to 2^53). */
export function readFixed64Number(r: Reader): number {
  const p = fixedAt(r, 8);
  return u32(r.buf, p + 4) * TWO32 + u32(r.buf, p);
}

/** sfixed64 → number when safe, else bigint. */
export function readSfixed64(r: Reader): number | bigint {
  const p = fixedAt(r, 8);
  return int64FromBits(u32(r.buf, p), u32(r.buf, p + 4));
}

function truncatedFixed(r: Reader, n: number): DecodeFault {
  return fault(
    `truncated: ${n} bytes needed but only ${r.len - r.pos} left in the enclosing message`,
    HINT_TRUNCATED,
    r.pos,
  );
}

/** Two's-complement 64 bits → number when within ±(2^53−1), else bigint. */
export function int64FromBits(lo: number, hi: number): number | bigint {
  if (hi < 0x200000) return hi * TWO32 + lo;
  if (hi > 0xffe00000 || (hi === 0xffe00000 && lo !== 0)) return (hi - TWO32) * TWO32 + lo;
  return BigInt.asIntN(64, BigInt(hi) * TWO32N + BigInt(lo));
}

/** Reads a 64-bit varint: as int64 (number when safe, else bigint) when `signed`, else as a count. */
function readVarint64(r: Reader, signed: boolean): number | bigint {
  const b = r.buf;
  const end = r.len;
  let p = r.pos;
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= end) throw truncatedVarint(r);
    const x = b[p++];
    lo |= (x & 0x7f) << shift;
    if (x < 0x80) {
      r.pos = p;
      return lo >>> 0;
    }
  }
  if (p >= end) throw truncatedVarint(r);
  let x = b[p++];
  lo |= (x & 0x0f) << 28;
  hi = (x & 0x7f) >> 4;
  if (x >= 0x80) {
    for (let shift = 3; ; shift += 7) {
      if (shift > 31) throw fault('invalid varint: longer than 10 bytes', HINT_NOT_PROTOBUF, r.pos);
      if (p >= end) throw truncatedVarint(r);
      x = b[p++];
      hi |= (x & 0x7f) << shift;
      if (x < 0x80) break;
    }
  }
  r.pos = p;
  return signed ? int64FromBits(lo >>> 0, hi >>> 0) : (hi >>> 0) * TWO32 + (lo >>> 0);
}

function truncatedVarint(r: Reader): DecodeFault {
  return fault('truncated: varint runs past the end of its enclosing message', HINT_TRUNCATED, r.pos);
}

/** int64 varint → number when safe, else bigint. */
export function readInt64(r: Reader): number | bigint {
  const b = r.buf;
  const p = r.pos;
  // fast path: one-byte non-negative values
  if (p < r.len && b[p] < 0x80) {
    r.pos = p + 1;
    return b[p];
  }
  return readVarint64(r, true);
}

/** uint64 varint used as a count → number. */
export function readUint64Number(r: Reader): number {
  return readVarint64(r, false) as number;
}

// a double's 8 bytes copied into a Float64Array's storage: protobuf doubles are
// little-endian, as is every platform Node runs on
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** double (fixed 8 bytes, little-endian). */
export function readDouble(r: Reader): number {
  const p = fixedAt(r, 8);
  const b = r.buf;
  // unrolled: this runs once per double on the decode path
  f64Bytes[0] = b[p];
  f64Bytes[1] = b[p + 1];
  f64Bytes[2] = b[p + 2];
  f64Bytes[3] = b[p + 3];
  f64Bytes[4] = b[p + 4];
  f64Bytes[5] = b[p + 5];
  f64Bytes[6] = b[p + 6];
  f64Bytes[7] = b[p + 7];
  return f64[0];
}

/** fixed32 (flags). */
export function readFixed32(r: Reader): number {
  return u32(r.buf, fixedAt(r, 4));
}

// ------------------------------------------------------------------ key cache

/**
 * Attribute keys repeat across every span of a request. Returning the same string for
 * the same bytes saves the allocation and, more, V8's re-hashing and internalizing of
 * a fresh string on each property store (measured: the biggest single cost).
 */
const KEY_CACHE_SIZE = 4096;
const KEY_MAX = 64;
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill('');
// the bytes of each cached key as little-endian 32-bit words (zero-padded), compared a
// word at a time: charCodeAt on a string V8 has internalized (a ThinString) or built by
// concatenation takes a slow path, and a byte loop is 4x the iterations
const keyWords = new Int32Array(KEY_CACHE_SIZE * (KEY_MAX / 4));
const keyLens = new Int32Array(KEY_CACHE_SIZE).fill(-1);

export function readKey(r: Reader): string {
  const n = readLen(r);
  const s = r.pos;
  const e = s + n;
  r.pos = e;
  if (n === 0) return '';
  if (n > KEY_MAX) return utf8(r.buf, s, e);
  const b = r.buf;
  // hash a sample (length, both ends, middle); the comparison below decides
  let h = Math.imul(n ^ b[s], 0x01000193);
  h = Math.imul(h ^ b[e - 1], 0x01000193);
  h = Math.imul(h ^ b[s + (n >> 1)], 0x01000193);
  h = Math.imul(h ^ b[s + (n >> 2)], 0x01000193);
  const slot = (h ^ (h >>> 15)) & (KEY_CACHE_SIZE - 1);
  const base = slot * (KEY_MAX / 4);
  if (keyLens[slot] === n) {
    let i = s;
    let w = base;
    const full = s + (n & ~3);
    for (; i < full; i += 4, w++) {
      if ((b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) !== keyWords[w]) break;
    }
    if (i === full) {
      let last = 0;
      for (let k = e - 1; k >= i; k--) last = (last << 8) | b[k];
      if (n % 4 === 0 || last === keyWords[w]) return keyCache[slot];
    }
  }
  const str = utf8(b, s, e);
  keyCache[slot] = str;
  keyLens[slot] = n;
  let w = base;
  let i = s;
  for (; i + 4 <= e; i += 4, w++) keyWords[w] = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
  if (i < e) {
    let last = 0;
    for (let k = e - 1; k >= i; k--) last = (last << 8) | b[k];
    keyWords[w] = last;
  }
  return str;
}

// ------------------------------------------------------------------ packed repeated scalars

/** Packed repeated 8-byte values (`typeName`), each read by `readOne`, appended to `out`. */
function readPacked8(r: Reader, out: number[], readOne: (r: Reader) => number, typeName: string): void {
  const n = readLen(r);
  if (n % 8 !== 0) {
    throw fault(`packed ${typeName} field is ${n} bytes long, not a multiple of 8`, HINT_NOT_PROTOBUF, r.pos);
  }
  const end = r.pos + n;
  while (r.pos < end) out.push(readOne(r));
}

/** Packed repeated fixed64 (histogram bucket_counts) appended to `out` as numbers. */
export function readPackedFixed64Numbers(r: Reader, out: number[]): void {
  readPacked8(r, out, readFixed64Number, 'fixed64');
}

/** Packed repeated double (explicit_bounds) appended to `out`. */
export function readPackedDoubles(r: Reader, out: number[]): void {
  readPacked8(r, out, readDouble, 'double');
}

/** Packed repeated uint64 varints (exponential histogram bucket_counts) appended to `out`. */
export function readPackedUint64Numbers(r: Reader, out: number[]): void {
  const outer = enterMessage(r);
  while (r.pos < r.len) out.push(readUint64Number(r));
  leaveMessage(r, outer);
}
