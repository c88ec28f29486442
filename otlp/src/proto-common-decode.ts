/**
 * Protobuf decoding of the messages shared by all signals (opentelemetry/proto/common/v1
 * and resource/v1): AnyValue, KeyValue, InstrumentationScope, Resource.
 */
import { newAttributes } from './telemetry.ts';
import type { AnyValue, Attributes, KeyValueList } from './telemetry.ts';
import { enterMessage, fault, leaveMessage, otherField, readBytesCopy, readDouble, readInt64, readKey, readRepeated, readTag, segmentOf, within } from './proto-read.ts';
import type { Reader } from './proto-read.ts';
import { ANY_VALUE, KEY_VALUE, VALUES } from './proto-schema.ts';

/** AnyValue arrays and kvlists nest; past this depth the request is refused. */
export const MAX_ANY_VALUE_DEPTH = 32;


/** Decodes the AnyValue message the reader is narrowed to. */
export function decodeAnyValue(r: Reader, depth: number): AnyValue {
  const { string_value, bool_value, int_value, double_value, array_value, kvlist_value, bytes_value } = ANY_VALUE.tag;
  let v: AnyValue = null;
  let tag = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      switch (tag) {
        case string_value:
          v = readKey(r);
          break;
        case bool_value:
          v = r.bool();
          break;
        case int_value:
          v = readInt64(r);
          break;
        case double_value:
          v = readDouble(r);
          break;
        case array_value:
        case kvlist_value: {
          if (depth >= MAX_ANY_VALUE_DEPTH) throw tooDeep(r);
          const outer = enterMessage(r);
          v = tag === array_value ? decodeArrayValue(r, depth + 1) : decodeKeyValueList(r, depth + 1);
          leaveMessage(r, outer);
          break;
        }
        case bytes_value:
          v = readBytesCopy(r);
          break;
        default:
          // string_value_strindex refers to a profiles dictionary we do not have
          otherField(r, tag, ANY_VALUE);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(ANY_VALUE, tag, -1));
  }
  return v;
}

function tooDeep(r: Reader) {
  return fault(
    `AnyValue arrays/kvlists nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`,
    'flatten the attribute value',
    r.pos,
  );
}

/** ArrayValue and KeyValueList: one repeated field `values`, of AnyValue or KeyValue. */
function decodeArrayValue(r: Reader, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  readRepeated(r, VALUES, VALUES.tag.values, (reader) => values.push(decodeAnyValue(reader, depth)));
  return values;
}

function decodeKeyValueList(r: Reader, depth: number): KeyValueList {
  const kv = newAttributes();
  readRepeated(r, VALUES, VALUES.tag.values, (reader) => decodeKeyValueInto(reader, kv, depth));
  return kv;
}

/** Decodes the KeyValue message that starts here (length prefix first) into `attrs`. */
export function readKeyValue(r: Reader, attrs: Attributes): void {
  const outer = enterMessage(r);
  decodeKeyValueInto(r, attrs, 0);
  leaveMessage(r, outer);
}

/** Decodes one KeyValue message (reader narrowed to it) into `attrs`; the last duplicate wins. */
export function decodeKeyValueInto(r: Reader, attrs: Attributes, depth: number): void {
  let key = '';
  let value: AnyValue = null;
  let tag = 0;
  let shortString = false;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === KV_KEY) key = readKey(r);
      else if (tag === KV_VALUE) {
        const outer = enterMessage(r);
        const b = r.buf;
        const p = r.pos;
        // fast path: an AnyValue holding only a string_value under 128 bytes
        if (b[p] === STRING_VALUE_TAG && r.len - p >= 2 && b[p + 1] + 2 === r.len - p) {
          shortString = true;
          r.pos = p + 1;
          value = readKey(r);
          shortString = false;
        } else value = decodeAnyValue(r, depth);
        leaveMessage(r, outer);
      } else otherField(r, tag, KEY_VALUE);
    }
  } catch (e) {
    if (shortString) within(e, r, 'string_value');
    throw within(e, r, segmentOf(KEY_VALUE, tag, -1));
  }
  attrs[key] = value;
}

// module constants: the KeyValue loop runs once per attribute, the hottest of all
const STRING_VALUE_TAG = ANY_VALUE.tag.string_value;
const KV_KEY = KEY_VALUE.tag.key;
const KV_VALUE = KEY_VALUE.tag.value;
