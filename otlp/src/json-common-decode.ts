/**
 * OTLP/JSON decoding helpers: the proto3 JSON mapping with OTLP's deviations (hex trace
 * and span ids), plus what protobuf JSON parsers accept beyond it (original snake_case
 * field names, enum names, int64 as number or string, "NaN"/"Infinity" doubles).
 *
 * Faults carry path segments added on the way out (the JSON keys as the sender wrote
 * them), so walking valid input costs nothing for error reporting.
 */
import { Buffer } from 'node:buffer';
import { newAttributes } from './telemetry.ts';
import type { AnyValue, KeyValueList } from './telemetry.ts';
import { DecodeFault, OtlpDecodeError, addSegment, joinPath } from './decode-error.ts';
import { MAX_ANY_VALUE_DEPTH } from './proto-common-decode.ts';

export type JsonObject = Record<string, unknown>;

export function jsonFault(what: string, hint: string): DecodeFault {
  return new DecodeFault(what, hint, -1);
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Body text → the request object; every way this fails is a whole-request error. */
export function parseJsonBody(body: string | Uint8Array, message: string): JsonObject {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = utf8Strict.decode(body);
    } catch {
      throw new OtlpDecodeError(
        `invalid OTLP/JSON ${message}: the body is not valid UTF-8; JSON bodies must be UTF-8 encoded`,
        '',
      );
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isBlank(text)) {
    throw new OtlpDecodeError(
      `invalid OTLP/JSON ${message}: the body is empty; send a JSON object such as {"${rootKey(message)}":[]}`,
      '',
    );
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new OtlpDecodeError(
      `invalid OTLP/JSON ${message}: the body is not valid JSON (${(e as Error).message}); send a JSON object such as {"${rootKey(message)}":[...]}`,
      '',
    );
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new OtlpDecodeError(
      `invalid OTLP/JSON ${message}: the body must be a JSON object, got ${kindOf(root)}; send {"${rootKey(message)}":[...]}`,
      '',
    );
  }
  return root as JsonObject;
}

/** Only whitespace? (without copying the body the way trim() would) */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

function rootKey(message: string): string {
  if (message.includes('Trace')) return 'resourceSpans';
  if (message.includes('Metrics')) return 'resourceMetrics';
  return 'resourceLogs';
}

/** The error a public JSON decode function throws, once the path is known. */
export function toJsonDecodeError(e: unknown, message: string): unknown {
  if (!(e instanceof DecodeFault)) return e;
  const path = joinPath(e.segments);
  return new OtlpDecodeError(
    `invalid OTLP/JSON ${message}${path === '' ? '' : ' at ' + path}: ${e.what}; ${e.hint}`,
    path,
  );
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
  return `a ${typeof v} (${String(v)})`;
}

function wrongType(expected: string, v: unknown, hint?: string): DecodeFault {
  return jsonFault(`expected ${expected}, got ${kindOf(v)}`, hint ?? `send ${expected} here, as the OTLP/JSON encoding specifies`);
}

// ------------------------------------------------------------------ structure

/** A message field: an object, or null for an absent message. */
export function asObject(v: unknown): JsonObject | null {
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrongType('an object', v);
  return v as JsonObject;
}

/** A repeated field: an array (null means empty). */
export function asArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null) return [];
  throw wrongType('an array', v);
}

/** An element of a repeated message field. */
export function asElement(v: unknown): JsonObject {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as JsonObject;
  throw wrongType('an object', v);
}

/** Calls `each` with every element of a repeated message field, adding `[i]` to a fault's path. */
export function forEachElement(v: unknown, each: (o: JsonObject, index: number) => void): void {
  const list = asArray(v);
  for (let i = 0; i < list.length; i++) {
    try {
      each(asElement(list[i]), i);
    } catch (e) {
      throw addSegment(e, `[${i}]`);
    }
  }
}

// ------------------------------------------------------------------ scalars

export function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  throw wrongType('a string', v);
}

export function asBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  throw wrongType('true or false', v);
}

const INT_RE = /^-?[0-9]+$/;

/** uint32/int32 fields: a JSON number or a decimal string. */
export function asInt32(v: unknown, unsigned: boolean): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && INT_RE.test(v)) n = Number(v);
  else if (v === null) return 0;
  else throw wrongType('an integer', v);
  const min = unsigned ? 0 : -2147483648;
  const max = unsigned ? 4294967295 : 2147483647;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw jsonFault(`${v} is not a valid ${unsigned ? 'uint32' : 'int32'}`, `send an integer in ${min}..${max}`);
  }
  return n;
}

/** int64: number when safe, else bigint; JSON number or decimal string. */
export function asInt64(v: unknown): number | bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw jsonFault(`${v} is not an integer`, 'send an int64 as a decimal string');
    if (Number.isSafeInteger(v)) return v;
    // the parser already rounded it; keep the model's rule (bigint beyond 2^53)
    if (v >= 9223372036854775808 || v < -9223372036854775808) {
      throw jsonFault(`${v} does not fit in int64`, 'send a value in the int64 range');
    }
    return BigInt(v);
  }
  if (typeof v === 'string') {
    if (!INT_RE.test(v)) throw wrongType('an int64 (decimal string or number)', v);
    if (v.length < 16) return Number(v);
    const b = BigInt(v);
    if (b > 9223372036854775807n || b < -9223372036854775808n) {
      throw jsonFault(`${v} does not fit in int64`, 'send a value in the int64 range');
    }
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  }
  if (v === null) return 0;
  throw wrongType('an int64 (decimal string or number)', v);
}

/**
 * fixed64 timestamps → bigint. Send them as strings: a JSON number above 2^53 has
 * already lost precision in the JSON parser.
 */
export function asFixed64(v: unknown): bigint {
  if (typeof v === 'string') {
    if (!INT_RE.test(v) || v.charCodeAt(0) === 45) throw wrongType('an unsigned 64-bit integer (decimal string)', v);
    const b = BigInt(v);
    if (b > 18446744073709551615n) throw jsonFault(`${v} does not fit in 64 bits`, 'send nanoseconds since the Unix epoch');
    return b;
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) {
      throw jsonFault(`${v} is not an unsigned integer`, 'send nanoseconds since the Unix epoch as a decimal string');
    }
    return BigInt(v);
  }
  if (v === null) return 0n;
  throw wrongType('an unsigned 64-bit integer (decimal string)', v);
}

/** fixed64/uint64 counts → number. */
export function asCount(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw jsonFault(`${v} is not a non-negative integer`, 'send a count as a decimal string');
    return v;
  }
  if (typeof v === 'string') {
    if (!INT_RE.test(v) || v.charCodeAt(0) === 45) throw wrongType('a non-negative integer (decimal string)', v);
    return Number(v);
  }
  if (v === null) return 0;
  throw wrongType('a non-negative integer (decimal string)', v);
}

/** double: a JSON number, or "NaN", "Infinity", "-Infinity" or a numeric string. */
export function asDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  if (v === null) return 0;
  throw wrongType('a number (or "NaN", "Infinity", "-Infinity")', v);
}

/** An enum: its number, or its name from `names` (index = value). */
export function asEnum(v: unknown, names: readonly string[], enumName: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw jsonFault(`${v} is not a valid ${enumName}`, `send an integer or one of ${names.join(', ')}`);
    return v;
  }
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
    throw jsonFault(
      `unknown ${enumName} name ${JSON.stringify(v)}`,
      `use one of ${names.join(', ')} or its number (0-${names.length - 1})`,
    );
  }
  if (v === null) return 0;
  throw wrongType(`an integer or a ${enumName} name`, v);
}

const HEX_OK = new Uint8Array(128);
for (const c of '0123456789abcdef') HEX_OK[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEF') HEX_OK[c.charCodeAt(0)] = 2;

/**
 * A trace or span id: hex, case-insensitive (OTLP/JSON differs from proto3 JSON here,
 * which would use base64). Returns lowercase hex; its length is checked per item.
 */
export function asHexId(v: unknown): string {
  if (typeof v !== 'string') {
    if (v === null) return '';
    throw wrongType('a hex string', v, 'send the id as a hex string, e.g. "5b8efff798038103d269b633813fc60c"');
  }
  let upper = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = c < 128 ? HEX_OK[c] : 0;
    if (ok === 0) {
      throw jsonFault(
        `id ${JSON.stringify(v.length > 48 ? v.slice(0, 48) + '…' : v)} is not hex (character ${JSON.stringify(v[i])} at index ${i})`,
        'OTLP/JSON ids are hex strings (16 bytes = 32 hex digits for trace ids, 8 bytes = 16 for span ids), not base64',
      );
    }
    if (ok === 2) upper = true;
  }
  if (v.length % 2 !== 0) {
    throw jsonFault(`id ${JSON.stringify(v)} has an odd number of hex digits (${v.length})`, 'send two hex digits per byte');
  }
  return upper ? v.toLowerCase() : v;
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** bytes: base64 (standard or URL-safe alphabet). */
function asBytes(v: unknown): Uint8Array {
  if (typeof v !== 'string') {
    if (v === null) return new Uint8Array(0);
    throw wrongType('a base64 string', v);
  }
  if (!BASE64_RE.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw jsonFault(`${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)} is not base64`, 'send bytes as standard base64');
  }
  const buf = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
}

// ------------------------------------------------------------------ common messages

/** AnyValue object → model value ({} → null). */
export function decodeAnyValueJson(v: unknown, depth: number): AnyValue {
  const o = asObject(v);
  if (o === null) return null;
  let value: AnyValue = null;
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'stringValue':
        case 'string_value':
          value = asString(x);
          break;
        case 'boolValue':
        case 'bool_value':
          value = asBool(x);
          break;
        case 'intValue':
        case 'int_value':
          value = asInt64(x);
          break;
        case 'doubleValue':
        case 'double_value':
          value = asDouble(x);
          break;
        case 'bytesValue':
        case 'bytes_value':
          value = asBytes(x);
          break;
        case 'arrayValue':
        case 'array_value': {
          if (depth >= MAX_ANY_VALUE_DEPTH) throw tooDeep();
          const av = asObject(x);
          value = av === null ? [] : decodeArrayValueJson(av, depth + 1);
          break;
        }
        case 'kvlistValue':
        case 'kvlist_value': {
          if (depth >= MAX_ANY_VALUE_DEPTH) throw tooDeep();
          const kv = asObject(x);
          const list = newAttributes();
          if (kv !== null) {
            try {
              decodeKeyValuesJson(kv.values, list, depth + 1);
            } catch (e) {
              throw addSegment(e, 'values');
            }
          }
          value = list;
          break;
        }
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return value;
}

function tooDeep(): DecodeFault {
  return jsonFault(`AnyValue arrays/kvlists nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`, 'flatten the attribute value');
}

function decodeArrayValueJson(o: JsonObject, depth: number): AnyValue[] {
  const values = asArrayField(o, 'values');
  const out: AnyValue[] = [];
  for (let i = 0; i < values.length; i++) {
    try {
      out.push(decodeAnyValueJson(values[i], depth));
    } catch (e) {
      throw addSegment(e, `values[${i}]`);
    }
  }
  return out;
}

function asArrayField(o: JsonObject, key: string): unknown[] {
  try {
    return o[key] === undefined ? [] : asArray(o[key]);
  } catch (e) {
    throw addSegment(e, key);
  }
}

/**
 * A repeated KeyValue field (`attributes`, kvlist `values`) into `attrs`; the last
 * duplicate key wins. Fault paths get `[i]`; the caller adds the field name.
 */
export function decodeKeyValuesJson(v: unknown, attrs: KeyValueList, depth: number): void {
  if (v === undefined) return;
  const list = asArray(v);
  for (let i = 0; i < list.length; i++) {
    let key = '';
    try {
      const kv = asElement(list[i]);
      let k = '';
      let value: AnyValue = null;
      for (key in kv) {
        if (key === 'key') k = asString(kv.key);
        else if (key === 'value') value = decodeAnyValueJson(kv.value, depth);
      }
      attrs[k] = value;
    } catch (e) {
      throw addSegment(key === '' ? e : addSegment(e, key), `[${i}]`);
    }
  }
}
