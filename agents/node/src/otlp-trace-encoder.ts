import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * OTLP protobuf encoding of spans, written from the field numbers of
 * opentelemetry/proto (trace/v1, common/v1, resource/v1, collector/trace/v1).
 *
 * Why our own: each span is encoded once, when it ends, into a few hundred bytes;
 * the export queue then holds bytes rather than span objects, and an export is a
 * concatenation. The SDK serializer re-walks every retained span object per batch.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** hex digit value by char code (0 for anything else) */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

/** A growable protobuf writer over a Buffer. */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 512) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** unsigned varint of a non-negative integer up to 2^53 */
  varint(value: number): void {
    this.ensure(10);
    while (value > 127) {
      this.buf[this.pos++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
  }

  /** int64 varint (two's complement for negatives: ten bytes) */
  int64(value: number): void {
    if (value >= 0) return this.varint(value);
    let big = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (big > 127n) {
      this.buf[this.pos++] = Number(big & 127n) | 128;
      big >>= 7n;
    }
    this.buf[this.pos++] = Number(big);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, value: string): void {
    // Short ASCII strings (names, keys, routes) are written byte by byte: cheaper than
    // two calls into C++ (byteLength, write) for a few dozen characters.
    if (value.length < 128) {
      // One pass: copy while checking; on the first non-ASCII character, rewind.
      const n = value.length;
      const mark = this.pos;
      this.tag(field, WIRE_LEN);
      this.ensure(n + 1);
      const buf = this.buf;
      let at = this.pos;
      buf[at++] = n;
      let i = 0;
      for (; i < n; i++) {
        const code = value.charCodeAt(i);
        if (code > 127) break;
        buf[at++] = code;
      }
      if (i === n) {
        this.pos = at;
        return;
      }
      this.pos = mark;
    }
    const length = Buffer.byteLength(value);
    this.tag(field, WIRE_LEN);
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** a hex id (trace or span id, lowercase or uppercase) as raw bytes */
  hexId(field: number, hex: string): void {
    const length = hex.length >> 1;
    this.tag(field, WIRE_LEN);
    this.varint(length);
    this.ensure(length);
    for (let i = 0; i < length; i++) {
      this.buf[this.pos++] = (HEX[hex.charCodeAt(2 * i)]! << 4) | HEX[hex.charCodeAt(2 * i + 1)]!;
    }
  }

  /** seconds * 1e9 + nanos as fixed64, exactly, without BigInt (seconds < 2^32) */
  fixed64Nanos(field: number, time: HrTime): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    const seconds = time[0];
    const a = Math.floor(seconds / 65536); // seconds = a * 2^16 + b
    const b = seconds - a * 65536;
    const p = a * 1e9; // < 2^46: exact
    const q = b * 1e9 + time[1]; // < 2^47: exact
    const ph = Math.floor(p / 65536);
    const r = (p - ph * 65536) * 65536 + q; // < 2^53: exact; total = ph * 2^32 + r
    const carry = Math.floor(r / 4294967296);
    const low = r - carry * 4294967296;
    const high = ph + carry;
    const buf = this.buf;
    let at = this.pos;
    buf[at++] = low & 255;
    buf[at++] = (low >>> 8) & 255;
    buf[at++] = (low >>> 16) & 255;
    buf[at++] = low >>> 24;
    buf[at++] = high & 255;
    buf[at++] = (high >>> 8) & 255;
    buf[at++] = (high >>> 16) & 255;
    buf[at++] = high >>> 24;
    this.pos = at;
  }

  fixed32(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** Starts a length-delimited field; returns where its body starts. */
  begin(field: number): number {
    this.tag(field, WIRE_LEN);
    // Reserve one length byte; most nested messages are shorter than 128 bytes.
    this.ensure(1);
    this.pos += 1;
    return this.pos;
  }

  /** Ends the field begun at `start`, writing its length (moving the body when it needs more than one byte). */
  end(start: number): void {
    const length = this.pos - start;
    if (length < 128) {
      this.buf[start - 1] = length;
      return;
    }
    let size = 0;
    for (let v = length; v > 0; v = Math.floor(v / 128)) size++;
    this.ensure(size - 1);
    this.buf.copy(this.buf, start + size - 1, start, this.pos);
    let at = start - 1;
    let v = length;
    while (v > 127) {
      this.buf[at++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[at] = v;
    this.pos += size - 1;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function anyValue(w: ProtoWriter, field: number, value: AttributeValue | null | undefined): void {
  const start = w.begin(field);
  if (typeof value === 'string') w.string(1, value);
  else if (typeof value === 'boolean') {
    w.tag(2, WIRE_VARINT);
    w.varint(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) {
      w.tag(3, WIRE_VARINT);
      w.int64(value);
    } else w.double(4, value);
  } else if (Array.isArray(value)) {
    const array = w.begin(5);
    for (const item of value) anyValue(w, 1, item as AttributeValue);
    w.end(array);
  }
  // null/undefined: an empty AnyValue
  w.end(start);
}

export function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes): void {
  // for-in: no keys array per call (attribute objects are plain, without inherited keys)
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    const kv = w.begin(field);
    w.string(1, key);
    anyValue(w, 2, value);
    w.end(kv);
  }
}

const SPAN_FLAGS_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_IS_REMOTE = 0x200;

const shared = new ProtoWriter(4096);

/** One Span message (the body, without its field tag), in a buffer of its own. */
export function encodeSpan(span: ReadableSpan): Buffer {
  const w = shared;
  w.pos = 0;
  const context = span.spanContext();
  w.hexId(1, context.traceId);
  w.hexId(2, context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) w.string(3, traceState);
  const parent = span.parentSpanContext;
  if (parent?.spanId) w.hexId(4, parent.spanId);
  w.string(5, span.name);
  w.tag(6, WIRE_VARINT);
  w.varint(span.kind + 1); // API kinds start at INTERNAL = 0, OTLP's at UNSPECIFIED = 0
  w.fixed64Nanos(7, span.startTime);
  w.fixed64Nanos(8, span.endTime);
  writeAttributes(w, 9, span.attributes);
  if (span.droppedAttributesCount) {
    w.tag(10, WIRE_VARINT);
    w.varint(span.droppedAttributesCount);
  }
  for (const event of span.events) {
    const start = w.begin(11);
    w.fixed64Nanos(1, event.time);
    w.string(2, event.name);
    if (event.attributes) writeAttributes(w, 3, event.attributes);
    if (event.droppedAttributesCount) {
      w.tag(4, WIRE_VARINT);
      w.varint(event.droppedAttributesCount);
    }
    w.end(start);
  }
  if (span.droppedEventsCount) {
    w.tag(12, WIRE_VARINT);
    w.varint(span.droppedEventsCount);
  }
  for (const link of span.links) {
    const start = w.begin(13);
    w.hexId(1, link.context.traceId);
    w.hexId(2, link.context.spanId);
    const linkState = link.context.traceState?.serialize();
    if (linkState) w.string(3, linkState);
    if (link.attributes) writeAttributes(w, 4, link.attributes);
    if (link.droppedAttributesCount) {
      w.tag(5, WIRE_VARINT);
      w.varint(link.droppedAttributesCount);
    }
    w.fixed32(6, link.context.traceFlags | SPAN_FLAGS_HAS_IS_REMOTE | (link.context.isRemote ? SPAN_FLAGS_IS_REMOTE : 0));
    w.end(start);
  }
  if (span.droppedLinksCount) {
    w.tag(14, WIRE_VARINT);
    w.varint(span.droppedLinksCount);
  }
  if (span.status.code !== 0 || span.status.message) {
    const start = w.begin(15);
    if (span.status.message) w.string(2, span.status.message);
    w.tag(3, WIRE_VARINT);
    w.varint(span.status.code);
    w.end(start);
  }
  w.fixed32(16, context.traceFlags | SPAN_FLAGS_HAS_IS_REMOTE | (parent?.isRemote ? SPAN_FLAGS_IS_REMOTE : 0));
  const out = Buffer.allocUnsafe(w.pos); // small: from Node's buffer pool
  w.buf.copy(out, 0, 0, w.pos);
  return out;
}

export interface ScopeIdentity {
  name: string;
  version?: string;
  schemaUrl?: string;
}

/** An encoded span and the scope it belongs to. */
export interface EncodedSpan {
  scope: ScopeIdentity;
  bytes: Buffer;
}

/** The Resource message of a resource's (settled) attributes. */
export function encodeResource(attributes: Attributes): Buffer {
  const w = new ProtoWriter(1024);
  writeAttributes(w, 1, attributes);
  return Buffer.from(w.finish());
}

/**
 * ExportTraceServiceRequest with one ResourceSpans: the resource, then one ScopeSpans
 * per scope in order of first appearance.
 */
export function encodeTraceRequest(resource: Buffer, spans: EncodedSpan[]): Buffer {
  const byScope = new Map<string, { scope: ScopeIdentity; list: Buffer[] }>();
  for (const span of spans) {
    const key = `${span.scope.name}@${span.scope.version ?? ''}@${span.scope.schemaUrl ?? ''}`;
    let group = byScope.get(key);
    if (group === undefined) byScope.set(key, (group = { scope: span.scope, list: [] }));
    group.list.push(span.bytes);
  }
  let size = resource.length + 64;
  for (const span of spans) size += span.bytes.length + 6;
  const w = new ProtoWriter(size);
  const resourceSpans = w.begin(1);
  w.bytes(1, resource);
  for (const { scope, list } of byScope.values()) {
    const scopeSpans = w.begin(2);
    const scopeStart = w.begin(1);
    w.string(1, scope.name);
    if (scope.version) w.string(2, scope.version);
    w.end(scopeStart);
    for (const bytes of list) w.bytes(2, bytes);
    if (scope.schemaUrl) w.string(3, scope.schemaUrl);
    w.end(scopeSpans);
  }
  w.end(resourceSpans);
  return w.finish();
}
