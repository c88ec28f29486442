/**
 * Protobuf encoding of the shared messages (common/v1, resource/v1) from the model.
 * Default values are left out, as proto3 serializers do.
 */
import type { AnyValue, Attributes, InstrumentationScope, KeyValueList, Resource } from './telemetry.ts';
import type { ProtoWriter } from './proto-writer.ts';

/**
 * AnyValue. The model keeps ints and doubles both as `number`, so an integral number is
 * written as int_value and any other number as double_value (bigint → int_value).
 */
export function writeAnyValue(w: ProtoWriter, v: AnyValue): void {
  if (v === null) return;
  switch (typeof v) {
    case 'string':
      w.tag(1, 2);
      w.string(v);
      return;
    case 'boolean':
      w.tag(2, 0);
      w.bool(v);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) {
        w.tag(3, 0);
        w.int64(v);
      } else {
        w.tag(4, 1);
        w.double(v);
      }
      return;
    case 'bigint':
      w.tag(3, 0);
      w.int64(v);
      return;
  }
  if (v instanceof Uint8Array) {
    w.tag(7, 2);
    w.bytes(v);
  } else if (Array.isArray(v)) {
    const start = w.begin(5);
    for (const item of v) {
      const s = w.begin(1);
      writeAnyValue(w, item);
      w.end(s);
    }
    w.end(start);
  } else {
    const start = w.begin(6);
    writeKeyValues(w, 1, v as KeyValueList);
    w.end(start);
  }
}

/** A repeated KeyValue field. */
export function writeKeyValues(w: ProtoWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    const start = w.begin(field);
    if (key !== '') {
      w.tag(1, 2);
      w.string(key);
    }
    const vs = w.begin(2);
    writeAnyValue(w, attrs[key]);
    w.end(vs);
    w.end(start);
  }
}

export function writeResource(w: ProtoWriter, field: number, r: Resource): void {
  const start = w.begin(field);
  writeKeyValues(w, 1, r.attributes);
  if (r.droppedAttributesCount !== 0) {
    w.tag(2, 0);
    w.varint(r.droppedAttributesCount);
  }
  w.end(start);
}

export function writeScope(w: ProtoWriter, field: number, s: InstrumentationScope): void {
  const start = w.begin(field);
  if (s.name !== '') {
    w.tag(1, 2);
    w.string(s.name);
  }
  if (s.version !== '') {
    w.tag(2, 2);
    w.string(s.version);
  }
  writeKeyValues(w, 3, s.attributes);
  if (s.droppedAttributesCount !== 0) {
    w.tag(4, 0);
    w.varint(s.droppedAttributesCount);
  }
  w.end(start);
}

/** A string field, left out when empty. */
export function writeStringField(w: ProtoWriter, field: number, s: string): void {
  if (s === '') return;
  w.tag(field, 2);
  w.string(s);
}

/** An id field (hex in the model), left out when empty. */
export function writeIdField(w: ProtoWriter, field: number, hex: string): void {
  if (hex === '') return;
  w.tag(field, 2);
  w.hexBytes(hex);
}

/** A fixed64 timestamp field, left out when zero. */
export function writeTimeField(w: ProtoWriter, field: number, t: bigint): void {
  if (t === 0n) return;
  w.tag(field, 1);
  w.fixed64(t);
}

/** A uint32 field, left out when zero. */
export function writeUint32Field(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, 0);
  w.varint(v);
}
