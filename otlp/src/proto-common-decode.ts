/**
 * Protobuf decoding of the messages shared by all signals (opentelemetry/proto/common/v1
 * and resource/v1): AnyValue, KeyValue, InstrumentationScope, Resource.
 */
import { newAttributes } from './telemetry.ts';
import type { AnyValue, Attributes, InstrumentationScope, KeyValueList, Resource } from './telemetry.ts';
import {
  enterMessage,
  fault,
  leaveMessage,
  otherField,
  readBytesCopy,
  readDouble,
  readInt64,
  readKey,
  readString,
  readTag,
  schema,
  segmentOf,
  within,
} from './proto-read.ts';
import type { MessageSchema, Reader } from './proto-read.ts';

/** AnyValue arrays and kvlists nest; past this depth the request is refused. */
export const MAX_ANY_VALUE_DEPTH = 32;

const ANY_VALUE = schema({
  1: ['string_value', 2],
  2: ['bool_value', 0],
  3: ['int_value', 0],
  4: ['double_value', 1],
  5: ['array_value', 2],
  6: ['kvlist_value', 2],
  7: ['bytes_value', 2],
  8: ['string_value_strindex', 0],
});
const VALUES = schema({ 1: ['values', 2] });
const KEY_VALUE = schema({ 1: ['key', 2], 2: ['value', 2], 3: ['key_strindex', 0] });
const SCOPE = schema({
  1: ['name', 2],
  2: ['version', 2],
  3: ['attributes', 2],
  4: ['dropped_attributes_count', 0],
});
const RESOURCE = schema({
  1: ['attributes', 2],
  2: ['dropped_attributes_count', 0],
  3: ['entity_refs', 2],
});

/** Decodes the AnyValue message the reader is narrowed to. */
export function decodeAnyValue(r: Reader, depth: number): AnyValue {
  let v: AnyValue = null;
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10:
          v = readKey(r);
          break;
        case 16:
          v = r.bool();
          break;
        case 24:
          v = readInt64(r);
          break;
        case 33:
          v = readDouble(r);
          break;
        case 42: {
          if (depth >= MAX_ANY_VALUE_DEPTH) throw tooDeep(r);
          const outer = enterMessage(r);
          v = decodeArrayValue(r, depth + 1);
          leaveMessage(r, outer);
          break;
        }
        case 50: {
          if (depth >= MAX_ANY_VALUE_DEPTH) throw tooDeep(r);
          const outer = enterMessage(r);
          v = decodeKeyValueList(r, depth + 1);
          leaveMessage(r, outer);
          break;
        }
        case 58:
          v = readBytesCopy(r);
          break;
        default:
          // string_value_strindex (8) refers to a profiles dictionary we do not have
          otherField(r, tag, ANY_VALUE);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(ANY_VALUE, field, -1));
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

function decodeArrayValue(r: Reader, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 10) {
        const outer = enterMessage(r);
        values.push(decodeAnyValue(r, depth));
        leaveMessage(r, outer);
      } else otherField(r, tag, VALUES);
    }
  } catch (e) {
    throw within(e, r, segmentOf(VALUES, field, values.length));
  }
  return values;
}

function decodeKeyValueList(r: Reader, depth: number): KeyValueList {
  const kv = newAttributes();
  let field = 0;
  let index = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 10) {
        const outer = enterMessage(r);
        decodeKeyValueInto(r, kv, depth);
        leaveMessage(r, outer);
        index++;
      } else otherField(r, tag, VALUES);
    }
  } catch (e) {
    throw within(e, r, segmentOf(VALUES, field, index));
  }
  return kv;
}

/** Decodes one KeyValue message (reader narrowed to it) into `attrs`; the last duplicate wins. */
export function decodeKeyValueInto(r: Reader, attrs: Attributes, depth: number): void {
  let key = '';
  let value: AnyValue = null;
  let field = 0;
  let shortString = false;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 10) key = readKey(r);
      else if (tag === 18) {
        const outer = enterMessage(r);
        const b = r.buf;
        const p = r.pos;
        // fast path: an AnyValue holding only a string_value under 128 bytes
        if (b[p] === 10 && r.len - p >= 2 && b[p + 1] + 2 === r.len - p) {
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
    throw within(e, r, segmentOf(KEY_VALUE, field, -1));
  }
  attrs[key] = value;
}

/** Decodes the InstrumentationScope the reader is narrowed to. */
export function decodeScope(r: Reader): InstrumentationScope {
  const scope: InstrumentationScope = {
    name: '',
    version: '',
    attributes: newAttributes(),
    droppedAttributesCount: 0,
  };
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10:
          scope.name = readString(r);
          break;
        case 18:
          scope.version = readString(r);
          break;
        case 26: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, scope.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 32:
          scope.droppedAttributesCount = r.uint32();
          break;
        default:
          otherField(r, tag, SCOPE);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(SCOPE, field, field === 3 ? attrIndex : -1));
  }
  return scope;
}

/** Decodes the Resource the reader is narrowed to (entity_refs are not modelled and skipped). */
export function decodeResource(r: Reader): Resource {
  const resource: Resource = { attributes: newAttributes(), droppedAttributesCount: 0 };
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, resource.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 16:
          resource.droppedAttributesCount = r.uint32();
          break;
        case 26:
          r.skipType(2);
          break;
        default:
          otherField(r, tag, RESOURCE);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(RESOURCE, field, field === 1 ? attrIndex : -1));
  }
  return resource;
}

export function emptyScope(): InstrumentationScope {
  return { name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 };
}

export function emptyResource(): Resource {
  return { attributes: newAttributes(), droppedAttributesCount: 0 };
}

/** What ResourceSpans, ResourceMetrics and ResourceLogs hold, under signal-neutral names. */
export interface ResourceLevel<Scoped> {
  resource: Resource;
  scoped: Scoped[];
  schemaUrl: string;
}

/**
 * ResourceSpans, ResourceMetrics and ResourceLogs share one layout (resource = 1, the
 * scope-level list = 2, schema_url = 3); one loop decodes all three. `ctx.scopeIndex`
 * tells the scope decoder where it is, for error paths and rejection messages.
 */
export function decodeResourceLevel<Scoped>(
  r: Reader,
  descriptor: MessageSchema,
  ctx: { scopeIndex: number },
  decodeScoped: (r: Reader) => Scoped,
): ResourceLevel<Scoped> {
  const level: ResourceLevel<Scoped> = { resource: emptyResource(), scoped: [], schemaUrl: '' };
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10: {
          const outer = enterMessage(r);
          level.resource = decodeResource(r);
          leaveMessage(r, outer);
          break;
        }
        case 18: {
          ctx.scopeIndex = level.scoped.length;
          const outer = enterMessage(r);
          level.scoped.push(decodeScoped(r));
          leaveMessage(r, outer);
          break;
        }
        case 26:
          level.schemaUrl = readString(r);
          break;
        default:
          otherField(r, tag, descriptor);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(descriptor, field, field === 2 ? level.scoped.length : -1));
  }
  return level;
}
