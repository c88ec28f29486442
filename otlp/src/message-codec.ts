/**
 * Table-driven decoding of the OTLP messages (spans, log records, scope, resource, span
 * events, data points, buckets, quantiles) from both wire formats: a message is described once — its
 * schema table, an empty value, and per field the model property and the field's type —
 * and each codec's protobuf and JSON decoders are compiled from that table (see the
 * end of this file). Span and LogRecord are such codecs too; KeyValue and AnyValue, the
 * hottest, keep hand-written decoders.
 */
import { addSegment } from './decode-error.ts';
import {
  asArray,
  asCount,
  asEnum,
  asHexId,
  asDouble,
  asFixed64,
  asInt32,
  asObject,
  asString,
  decodeKeyValuesJson,
  forEachElement,
} from './json-common-decode.ts';
import { readKeyValue } from './proto-common-decode.ts';
import {
  enterMessage,
  isField,
  LEN,
  leaveMessage,
  otherField,
  readDouble,
  readFixed32,
  readFixed64,
  readFixed64Number,
  readId,
  readLen,
  readString,
  readTag,
  FIXED64,
  segmentOf,
  VARINT,
  within,
  withWireType,
  type MessageSchema,
  type Reader,
} from './proto-read.ts';
import type { Attributes } from './telemetry.ts';
import { writeFlags, writeIdField, writeKeyValues, writeStringField, writeTimeField, writeUint32Field } from './proto-common-encode.ts';
import type { ProtoWriter } from './proto-writer.ts';

/** How one field is read from protobuf and from JSON into its model property. */
export interface FieldReader {
  /** the tags it answers to (a packed repeated field also takes its unpacked form) */
  tags(tag: number): number[];
  proto(r: Reader, into: Record<string, unknown>, prop: string, tag: number, ctx: unknown): void;
  json(x: unknown, into: Record<string, unknown>, prop: string, ctx: unknown): void;
  /** the element index for error paths, for repeated fields */
  index?(into: Record<string, unknown>, prop: string, attrIndex: number): number;
  /** writes the field as protobuf, leaving out a default value (proto3) */
  write(w: ProtoWriter, field: number, from: Record<string, unknown>, prop: string): void;
  /** for a scalar: the value read from each wire format, so compiled decoders store it directly */
  value?: { proto(r: Reader): unknown; json(x: unknown): unknown; optional: boolean };
}

/*
 * What a field's `write` does, when it is one of the generic writers below: the compiled
 * encoder then calls the scalar's writer, or the sub-message's codec, directly. Keyed by
 * the `write` function itself, so a reader that spreads a scalar and replaces `write`
 * (metric-codecs.ts's exemplar value) keeps its own.
 */
const scalarWriterOf = new WeakMap<FieldReader['write'], (w: ProtoWriter, field: number, value: never) => void>();
const nestedCodecOf = new WeakMap<FieldReader['write'], { codec: MessageCodec<unknown>; repeated: boolean }>();

/** Writes one scalar value of a field (or nothing, for a default value). */
export type ScalarWriter<V> = (w: ProtoWriter, field: number, value: V) => void;

export function scalar<V>(readProto: (r: Reader) => V, readJson: (x: unknown) => V, write: ScalarWriter<V>, optional = false): FieldReader {
  const writeField: FieldReader['write'] = (w, field, from, prop) => write(w, field, from[prop] as V);
  scalarWriterOf.set(writeField, write as (w: ProtoWriter, field: number, value: never) => void);
  return {
    write: writeField,
    value: { proto: readProto, json: readJson, optional },
    tags: (tag) => [tag],
    proto: (r, into, prop) => {
      into[prop] = readProto(r);
    },
    json: (x, into, prop) => {
      // optional fields (sum, min, max of histograms) stay absent when null
      if (!optional || x !== null) into[prop] = readJson(x);
    },
  };
}

export const STRING = scalar(readString, asString, writeStringField);
export const TIME = scalar(readFixed64, asFixed64, writeTimeField);
export const UINT32 = scalar((r) => r.uint32(), (x) => asInt32(x, true), writeUint32Field);
export const SINT32 = scalar((r) => r.sint32(), (x) => asInt32(x, false), (w, field, v: number) => {
  if (v === 0) return;
  w.tag(field, VARINT);
  w.sint32(v);
});
export const FLAGS = scalar(readFixed32, (x) => asInt32(x, true), writeFlags);
export const COUNT = scalar(readFixed64Number, asCount, (w, field, v: number) => {
  if (v === 0) return;
  w.tag(field, FIXED64);
  w.fixed64(v);
});
export const DOUBLE = scalar(readDouble, asDouble, (w, field, v: number) => {
  if (v !== 0) writeDouble(w, field, v);
});
/** A double with explicit presence (histogram sum, min, max): absent is not zero. */
export const OPTIONAL_DOUBLE = scalar(readDouble, asDouble, (w, field, v: number | undefined) => {
  if (v !== undefined) writeDouble(w, field, v);
}, true);

export function writeDouble(w: ProtoWriter, field: number, v: number): void {
  w.tag(field, FIXED64);
  w.double(v);
}

/** An enum: its number in protobuf, its number or name in JSON. */
export function enumeration(names: readonly string[], enumName: string): FieldReader {
  return scalar((r) => r.int32(), (x) => asEnum(x, names, enumName), (w, field, v: number) => {
    if (v === 0) return;
    w.tag(field, VARINT);
    w.int32(v);
  });
}

/** Byte lengths of the ids one codec call read, by property: the ctx of messages with ids. */
export type IdLengths = Record<string, number>;

/**
 * A trace or span id: lowercase hex in the model; its length in bytes goes to the
 * IdLengths ctx, for the item's checks (ids of a wrong length drop only their item).
 */
export const ID: FieldReader = {
  tags: (tag) => [tag],
  write: (w, field, from, prop) => writeIdField(w, field, from[prop] as string),
  proto: (r, into, prop, _tag, ctx) => {
    const n = readLen(r);
    into[prop] = readId(r, n);
    (ctx as IdLengths)[prop] = n;
  },
  json: (x, into, prop, ctx) => {
    const hex = asHexId(x);
    into[prop] = hex;
    (ctx as IdLengths)[prop] = hex.length >>> 1;
  },
};

/** Repeated KeyValue into the Attributes property. */
export const ATTRIBUTES: FieldReader = {
  tags: (tag) => [tag],
  write: (w, field, from, prop) => writeKeyValues(w, field, from[prop] as Attributes),
  proto: (r, into, prop) => readKeyValue(r, into[prop] as Attributes),
  json: (x, into, prop) => decodeKeyValuesJson(x, into[prop] as Attributes, 0),
  index: (_into, _prop, attrIndex) => attrIndex,
};

/** A packed repeated number (also accepted unpacked: one element per field, of `unpackedWire`). */
export function packed(
  unpackedWire: number,
  readOne: (r: Reader) => number,
  readPacked: (r: Reader, out: number[]) => void,
  readJson: (x: unknown) => number,
  writeOne: (w: ProtoWriter, v: number) => void,
): FieldReader {
  return {
    tags: (tag) => [tag, withWireType(tag, unpackedWire)],
    write: (w, field, from, prop) => {
      const values = from[prop] as number[];
      if (values.length === 0) return;
      const start = w.begin(field);
      for (const v of values) writeOne(w, v);
      w.end(start);
    },
    proto: (r, into, prop, tag) => {
      const out = into[prop] as number[];
      if ((tag & 7) === LEN) readPacked(r, out);
      else out.push(readOne(r));
    },
    json: (x, into, prop) => {
      const list = asArray(x);
      const out = new Array<number>(list.length);
      for (let i = 0; i < list.length; i++) {
        try {
          out[i] = readJson(list[i]);
        } catch (e) {
          throw addSegment(e, `[${i}]`);
        }
      }
      into[prop] = out;
    },
  };
}

/** A sub-message, set once or (`repeated`) appended to an array. */
export function message<T>(codec: MessageCodec<T>, repeated = false): FieldReader {
  const writeField: FieldReader['write'] = (w, field, from, prop) => {
    if (repeated) for (const value of from[prop] as T[]) writeNested(w, field, codec, value);
    else writeNested(w, field, codec, from[prop] as T);
  };
  nestedCodecOf.set(writeField, { codec: codec as MessageCodec<unknown>, repeated });
  return {
    tags: (tag) => [tag],
    write: writeField,
    proto: (r, into, prop, _tag, ctx) => {
      const value = readNested(r, codec, ctx);
      if (repeated) (into[prop] as T[]).push(value);
      else into[prop] = value;
    },
    json: (x, into, prop, ctx) => {
      if (repeated) forEachElement(x, (o) => (into[prop] as T[]).push(codec.decodeJson(o, ctx)));
      else into[prop] = codec.decodeJson(x, ctx);
    },
    index: repeated ? (into, prop) => (into[prop] as T[]).length : undefined,
  };
}

/** Decodes the sub-message that starts here (length prefix first) with `codec`. */
export function readNested<T>(r: Reader, codec: MessageCodec<T>, ctx?: unknown): T {
  const outer = enterMessage(r);
  const value = codec.decodeProto(r, ctx);
  leaveMessage(r, outer);
  return value;
}

/** Writes `value` as the sub-message field `field`. */
export function writeNested<T>(w: ProtoWriter, field: number, codec: MessageCodec<T>, value: T): void {
  const start = w.begin(field);
  codec.encodeProto(w, value);
  w.end(start);
}

/**
 * Field name in the schema → how it is read, into the property of the same name in
 * lowerCamelCase (`trace_id` → traceId), or [another property, how it is read].
 */
export type FieldTable<Name extends string> = Partial<Record<Name, FieldReader | readonly [prop: string, reader: FieldReader]>>;

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `ctx` is handed to every field reader (a data point's check, for its exemplars). */
export interface MessageCodec<T> {
  /** decodes the message the reader is narrowed to */
  decodeProto(r: Reader, ctx?: unknown): T;
  /** decodes a JSON object (null: the empty message) */
  decodeJson(v: unknown, ctx?: unknown): T;
  /** writes the message's fields (its body, without tag and length) */
  encodeProto(w: ProtoWriter, value: T): void;
}

interface BoundField {
  prop: string;
  reader: FieldReader;
  /** its tag in the schema (with the schema's wire type) */
  tag: number;
}

/**
 * A codec for one message: `empty` makes its default value, `fields` says where each
 * schema field goes. Schema fields left out of `fields` are skipped (known, not modelled).
 */
export function messageCodec<T, Name extends string>(schema: MessageSchema<Name>, empty: () => T, fields: FieldTable<Name>): MessageCodec<T> {
  const byTag: (BoundField | undefined)[] = [];
  const byKey = new Map<string, BoundField>();
  const skipped: number[] = [];
  for (const name of Object.keys(schema.tag) as Name[]) {
    const entry = fields[name];
    if (entry === undefined) {
      skipped.push(schema.tag[name]);
      continue;
    }
    const tag = schema.tag[name];
    const bound = Array.isArray(entry) ? { prop: entry[0], reader: entry[1], tag } : { prop: camelCase(name), reader: entry as FieldReader, tag };
    for (const t of bound.reader.tags(tag)) byTag[t] = bound;
    byKey.set(name, bound);
    byKey.set(camelCase(name), bound);
  }

  const fieldList = [...new Set(byKey.values())];
  const decodeProto = compileProtoDecoder<T>(schema, empty, fieldList, skipped, (e, r, tag, into, attrIndex) => {
    const field = byTag[tag] ?? byTag.find((f, t) => f !== undefined && isField(t, tag));
    return within(e, r, segmentOf(schema, tag, field?.reader.index?.(into, field.prop, attrIndex) ?? -1));
  });
  const decodeJson = compileJsonDecoder<T>(empty, fieldList, byKey);

  const writes = (Object.keys(schema.field) as Name[]).flatMap((name) => {
    const bound = byKey.get(name);
    return bound === undefined ? [] : [{ field: schema.field[name], prop: bound.prop, reader: bound.reader }];
  });
  // Sub-message codecs are built before their parents, so the encoder can be compiled now.
  const encodeProto = compileProtoEncoder<T>(writes);

  return { decodeProto, decodeJson, encodeProto };
}


// ------------------------------------------------------------------ compiled encoder
/*
 * Like the decoders, each codec's encoder is compiled from its table: one statement per
 * field, calling the field's own writer. The generic loop (`f.reader.write(...)` for every
 * field of every message) made that one call site megamorphic; encoding a 5,000-record
 * log batch spent about a fifth of its time there.
 */

interface WriteField {
  field: number;
  prop: string;
  reader: FieldReader;
}

function compileProtoEncoder<T>(writes: WriteField[]): (w: ProtoWriter, value: T) => void {
  const statements = writes.map(({ field, prop, reader }, i) => {
    const at = `v[${JSON.stringify(prop)}]`;
    if (reader === ATTRIBUTES) return `writeKeyValues(w, ${field}, ${at});`;
    if (reader === ID) return `writeIdField(w, ${field}, ${at});`;
    if (scalarWriterOf.has(reader.write)) return `sw[${i}](w, ${field}, ${at});`;
    const nested = nestedCodecOf.get(reader.write);
    if (nested !== undefined) {
      const codec = `nc[${i}]`;
      return nested.repeated
        ? `{ const list = ${at}; for (let k = 0; k < list.length; k++) { const s = w.begin(${field}); ${codec}.encodeProto(w, list[k]); w.end(s); } }`
        : `{ const s = w.begin(${field}); ${codec}.encodeProto(w, ${at}); w.end(s); }`;
    }
    return `rd[${i}].write(w, ${field}, v, ${JSON.stringify(prop)});`;
  });
  const body = `return function encodeProto(w, v) {\n  ${statements.join('\n  ')}\n};`;
  const make = new Function('sw', 'nc', 'rd', 'writeKeyValues', 'writeIdField', body);
  return make(
    writes.map((f) => scalarWriterOf.get(f.reader.write)),
    writes.map((f) => nestedCodecOf.get(f.reader.write)?.codec),
    writes.map((f) => f.reader),
    writeKeyValues,
    writeIdField,
  );
}

// ------------------------------------------------------------------ compiled decoders
/*
 * Each codec's decoders are compiled from its table into a switch of its own (as
 * protobufjs does), so the hot messages (Span, LogRecord) decode as fast as hand-written
 * loops: one generic loop calling field readers through the table made every call and
 * property store megamorphic, about 15% slower on spans. Only constant tags, quoted
 * property names and the table's own functions go into the source.
 */

type DecodeFailure = (e: unknown, r: Reader, tag: number, into: Record<string, unknown>, attrIndex: number) => unknown;

/**
 * The statement that reads field `i` (`f[i]`, `sv[i]` its scalar reader) into `into`.
 * ATTRIBUTES and ID, the commonest non-scalar fields, are written out (the same steps as
 * their `proto`/`json`), so their stores are not shared with every other message's.
 */
function fieldStatement(field: BoundField, i: number, wire: 'proto' | 'json'): string {
  const prop = JSON.stringify(field.prop);
  const value = field.reader.value;
  if (wire === 'proto') {
    if (field.reader === ATTRIBUTES) return `readKeyValue(r, into[${prop}]); attrIndex++;`;
    if (field.reader === ID) return `{ const n = readLen(r); into[${prop}] = readId(r, n); ctx[${prop}] = n; }`;
    if (value !== undefined) return `into[${prop}] = sv[${i}].proto(r);`;
    return `f[${i}].reader.proto(r, into, ${prop}, tag, ctx);`;
  }
  if (field.reader === ATTRIBUTES) return `decodeKeyValuesJson(x, into[${prop}], 0);`;
  if (field.reader === ID) return `{ const hex = asHexId(x); into[${prop}] = hex; ctx[${prop}] = hex.length >>> 1; }`;
  if (value !== undefined) return `${value.optional ? 'if (x !== null) ' : ''}into[${prop}] = sv[${i}].json(x);`;
  return `f[${i}].reader.json(x, into, ${prop}, ctx);`;
}

function compileProtoDecoder<T>(
  schema: MessageSchema,
  empty: () => T,
  fields: BoundField[],
  skipped: number[],
  fail: DecodeFailure,
): (r: Reader, ctx?: unknown) => T {
  const cases = fields.flatMap((field, i) =>
    field.reader.tags(field.tag).map((tag) => `case ${tag}: ${fieldStatement(field, i, 'proto')} break;`),
  );
  const body = `return function decodeProto(r, ctx) {
    const into = empty();
    let tag = 0;
    let attrIndex = 0;
    try {
      for (; r.pos < r.len; tag = 0) {
        tag = readTag(r);
        switch (tag) {
          ${cases.join('\n          ')}
          default:
            if (skipped.includes(tag)) r.skipType(tag & 7);
            else otherField(r, tag, schema);
        }
      }
    } catch (e) {
      throw fail(e, r, tag, into, attrIndex);
    }
    return into;
  };`;
  const make = new Function('empty', 'f', 'sv', 'skipped', 'schema', 'fail', 'readTag', 'readKeyValue', 'readLen', 'readId', 'otherField', body);
  return make(empty, fields, fields.map((f) => f.reader.value), skipped, schema, fail, readTag, readKeyValue, readLen, readId, otherField);
}

function compileJsonDecoder<T>(empty: () => T, fields: BoundField[], byKey: Map<string, BoundField>): (v: unknown, ctx?: unknown) => T {
  const cases = fields.map((field, i) => {
    const keys = [...byKey].filter(([, f]) => f === field).map(([key]) => `case ${JSON.stringify(key)}:`);
    return `${keys.join(' ')} ${fieldStatement(field, i, 'json')} break;`;
  });
  const body = `return function decodeJson(v, ctx) {
    const into = empty();
    const o = asObject(v);
    if (o === null) return into;
    let key = '';
    try {
      for (key in o) {
        const x = o[key];
        switch (key) {
          ${cases.join('\n          ')}
        }
      }
    } catch (e) {
      throw addSegment(e, key);
    }
    return into;
  };`;
  const make = new Function('empty', 'f', 'sv', 'asObject', 'addSegment', 'decodeKeyValuesJson', 'asHexId', body);
  return make(empty, fields, fields.map((f) => f.reader.value), asObject, addSegment, decodeKeyValuesJson, asHexId);
}

