/**
 * Protobuf encoding of the shared messages (common/v1, resource/v1) from the model, and
 * the field writers every encoder uses. Default values are left out, as proto3
 * serializers do. A tag is a varint, so `w.varint(X.tag.name)` writes field `name`'s tag.
 */
import type { AnyValue, Attributes, KeyValueList } from './telemetry.ts';
import { FIXED32, FIXED64, LEN, VARINT } from './proto-read.ts';
import { ANY_VALUE, KEY_VALUE, VALUES } from './proto-schema.ts';
import type { ProtoWriter } from './proto-writer.ts';

/**
 * AnyValue. The model keeps ints and doubles both as `number`, so an integral number is
 * written as int_value and any other number as double_value (bigint → int_value).
 */
export function writeAnyValue(w: ProtoWriter, v: AnyValue): void {
  const T = ANY_VALUE.tag;
  if (v === null) return;
  const type = typeof v;
  if (type === 'string') {
    w.varint(T.string_value);
    w.string(v as string);
  } else if (type === 'boolean') {
    w.varint(T.bool_value);
    w.bool(v as boolean);
  } else if (type === 'bigint' || (type === 'number' && Number.isSafeInteger(v))) {
    w.varint(T.int_value);
    w.int64(v as number | bigint);
  } else if (type === 'number') {
    w.varint(T.double_value);
    w.double(v as number);
  } else if (v instanceof Uint8Array) {
    w.varint(T.bytes_value);
    w.bytes(v);
  } else if (Array.isArray(v)) {
    const start = w.begin(ANY_VALUE.field.array_value);
    for (const item of v) {
      const s = w.begin(VALUES.field.values);
      writeAnyValue(w, item);
      w.end(s);
    }
    w.end(start);
  } else {
    const start = w.begin(ANY_VALUE.field.kvlist_value);
    writeKeyValues(w, VALUES.field.values, v as KeyValueList);
    w.end(start);
  }
}

/** Keys whose last value's encoding a writer keeps; beyond this its cache starts over. */
const KV_CACHE_KEYS = 512;
/** Longer string values are encoded every time (the cache stays small). */
const KV_CACHE_VALUE_LENGTH = 256;

/*
 * Telemetry repeats attribute values record after record (a tailed file's path and labels
 * on every line, `http.request.method: GET`, the log format), and copying the encoded
 * KeyValue costs less than encoding the key and the value again. A value that changes
 * every time (an id) costs a map lookup and a comparison. The memo lives on the writer
 * (ProtoWriter.keyValues), bounded in keys and value size.
 */

/** A repeated KeyValue field. */
export function writeKeyValues(w: ProtoWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    const value = attrs[key];
    const type = typeof value;
    if ((type === 'string' && (value as string).length <= KV_CACHE_VALUE_LENGTH) || type === 'boolean') {
      const kvCache = (w.keyValues ??= new Map());
      const kept = kvCache.get(key);
      if (kept !== undefined && kept.value === value && kept.field === field) {
        if (kept.bytes !== undefined) {
          w.raw(kept.bytes);
          continue;
        }
        const at = w.pos;
        writeKeyValue(w, field, key, value as AnyValue);
        kept.bytes = w.buf.slice(at, w.pos);
        continue;
      }
      if (kept !== undefined) {
        kept.value = value as string | boolean;
        kept.field = field;
        kept.bytes = undefined;
      } else {
        if (kvCache.size >= KV_CACHE_KEYS) kvCache.clear();
        kvCache.set(key, { value: value as string | boolean, field, bytes: undefined });
      }
    }
    writeKeyValue(w, field, key, value as AnyValue);
  }
}

function writeKeyValue(w: ProtoWriter, field: number, key: string, value: AnyValue): void {
  const start = w.begin(field);
  writeStringField(w, KEY_VALUE.field.key, key);
  const vs = w.begin(KEY_VALUE.field.value);
  writeAnyValue(w, value);
  w.end(vs);
  w.end(start);
}

/** A string field, left out when empty. */
export function writeStringField(w: ProtoWriter, field: number, s: string): void {
  if (s === '') return;
  w.tag(field, LEN);
  w.string(s);
}

/** An id field (hex in the model), left out when empty. */
export function writeIdField(w: ProtoWriter, field: number, hex: string): void {
  if (hex === '') return;
  w.tag(field, LEN);
  w.hexBytes(hex);
}

/** A fixed64 timestamp field, left out when zero. */
export function writeTimeField(w: ProtoWriter, field: number, t: bigint): void {
  if (t === 0n) return;
  w.tag(field, FIXED64);
  w.fixed64(t);
}

/** A uint32 field, left out when zero. */
export function writeUint32Field(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, VARINT);
  w.varint(v);
}

/** A fixed32 flags field, left out when zero. */
export function writeFlags(w: ProtoWriter, field: number, flags: number): void {
  if (flags === 0) return;
  w.tag(field, FIXED32);
  w.fixed32(flags);
}
