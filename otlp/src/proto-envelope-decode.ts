/**
 * The one OTLP/protobuf envelope decoder: ExportXServiceRequest → ResourceX → ScopeX →
 * items, for all three signals (the layouts are EXPORT_REQUEST and LEVEL in
 * proto-schema.ts).
 */
import type { DecodeResult } from './decode-error.ts';
import { DecodePlace, type AnyResourceLevel, type AnyScopeLevel, type Envelope } from './envelope.ts';
import { emptyResource, emptyScope, RESOURCE_CODEC, SCOPE_CODEC } from './common-codecs.ts';
import { enterMessage, isField, leaveMessage, newReader, otherField, readRepeated, readString, readTag, segmentOf, toDecodeError, within, type MessageSchema, type Reader } from './proto-read.ts';
import { EXPORT_REQUEST, LEVEL } from './proto-schema.ts';

/** Decodes the item message the reader is narrowed to; null (after `place.reject`) drops it. */
export type ProtoItemDecoder<Item> = (r: Reader, place: DecodePlace, index: number) => Item | null;

/** A request decoder for one signal: its envelope walked here, its items by `decodeItem`. */
export function protoRequestDecoder<Item, ScopeLevel extends AnyScopeLevel, ResourceLevel extends AnyResourceLevel, Data>(
  envelope: Envelope<Item, ScopeLevel, ResourceLevel, Data>,
  decodeItem: ProtoItemDecoder<Item>,
): (buf: Uint8Array) => DecodeResult<Data> {
  const [resourceList, scopeList, itemList] = envelope.protoNames;
  const request = named(EXPORT_REQUEST, [resourceList]);
  const resourceLevel = named(LEVEL, ['resource', scopeList, 'schema_url']);
  const scopeLevel = named(LEVEL, ['scope', itemList, 'schema_url']);

  function decodeScopeLevel(r: Reader, place: DecodePlace): ScopeLevel {
    const items: Item[] = [];
    const { head, schemaUrl } = decodeLevel(r, scopeLevel, emptyScope, SCOPE_CODEC.decodeProto, (reader, index) => {
      const item = decodeItem(reader, place, index);
      if (item !== null) items.push(item);
    });
    return envelope.scopeLevel(head, items, schemaUrl);
  }

  function decodeResourceLevel(r: Reader, place: DecodePlace): ResourceLevel {
    const scopes: ScopeLevel[] = [];
    const { head, schemaUrl } = decodeLevel(r, resourceLevel, emptyResource, RESOURCE_CODEC.decodeProto, (reader, index) => {
      place.scopeIndex = index;
      scopes.push(decodeScopeLevel(reader, place));
    });
    return envelope.resourceLevel(head, scopes, schemaUrl);
  }

  const listTag = request.tag.resource_list;
  return function decodeRequest(buf: Uint8Array): DecodeResult<Data> {
    const r = newReader(buf);
    const place = new DecodePlace(resourceList, scopeList);
    const resources: ResourceLevel[] = [];
    try {
      readRepeated(r, request, listTag, (reader, index) => {
        place.resourceIndex = index;
        resources.push(decodeResourceLevel(reader, place));
      });
    } catch (e) {
      throw toDecodeError(e, r, envelope.request);
    }
    return place.result(envelope.data(resources));
  };
}

/** `s` with the signal's field names (fields 1, 2, 3…) for error paths. */
function named<Name extends string>(s: MessageSchema<Name>, names: string[]): MessageSchema<Name> {
  return { ...s, names: [undefined, ...names] };
}

/** Decodes a resource or scope level the reader is narrowed to; each list element goes to `readChild`. */
function decodeLevel<Head>(
  r: Reader,
  s: typeof LEVEL,
  emptyHead: () => Head,
  decodeHead: (r: Reader) => Head,
  readChild: (r: Reader, index: number) => void,
): { head: Head; schemaUrl: string } {
  const { head: headTag, list, schema_url } = s.tag;
  let head: Head | undefined;
  let schemaUrl = '';
  let index = 0;
  let t = 0;
  try {
    for (; r.pos < r.len; t = 0) {
      t = readTag(r);
      if (t === list) {
        const outer = enterMessage(r);
        readChild(r, index);
        leaveMessage(r, outer);
        index++;
      } else if (t === headTag) {
        const outer = enterMessage(r);
        head = decodeHead(r);
        leaveMessage(r, outer);
      } else if (t === schema_url) schemaUrl = readString(r);
      else otherField(r, t, s);
    }
  } catch (e) {
    throw within(e, r, segmentOf(s, t, isField(t, list) ? index : -1));
  }
  return { head: head ?? emptyHead(), schemaUrl };
}
