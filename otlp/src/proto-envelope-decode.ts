/**
 * The one OTLP/protobuf envelope decoder: ExportXServiceRequest → ResourceX → ScopeX →
 * items, for all three signals. The request holds the resource-level list (field 1);
 * the resource and scope levels share one layout (their resource or scope = 1, the list
 * below = 2, schema_url = 3).
 */
import type { DecodeResult } from './decode-error.ts';
import { DecodePlace, type Envelope } from './envelope.ts';
import { decodeResource, decodeScope, emptyResource, emptyScope } from './proto-common-decode.ts';
import { enterMessage, isField, LEN, leaveMessage, newReader, otherField, readString, readTag, schema, segmentOf, toDecodeError, within, type MessageSchema, type Reader } from './proto-read.ts';

/** Decodes the item message the reader is narrowed to; null (after `place.reject`) drops it. */
export type ProtoItemDecoder<Item> = (r: Reader, place: DecodePlace, index: number) => Item | null;

type LevelFields = 'head' | 'list' | 'schema_url';

/** A request decoder for one signal: its envelope walked here, its items by `decodeItem`. */
export function protoRequestDecoder<Item, ScopeLevel, ResourceLevel, Data>(
  envelope: Envelope<Item, ScopeLevel, ResourceLevel, Data>,
  decodeItem: ProtoItemDecoder<Item>,
): (buf: Uint8Array) => DecodeResult<Data> {
  const [resourceList, scopeList, itemList] = envelope.protoNames;
  const request = schema({ [resourceList]: [1, LEN] } as Record<string, readonly [number, number]>);
  const resourceLevel = levelSchema('resource', scopeList);
  const scopeLevel = levelSchema('scope', itemList);

  function decodeScopeLevel(r: Reader, place: DecodePlace): ScopeLevel {
    const items: Item[] = [];
    const { head, schemaUrl } = decodeLevel(r, scopeLevel, emptyScope, decodeScope, (reader, index) => {
      const item = decodeItem(reader, place, index);
      if (item !== null) items.push(item);
    });
    return envelope.scopeLevel(head, items, schemaUrl);
  }

  function decodeResourceLevel(r: Reader, place: DecodePlace): ResourceLevel {
    const scopes: ScopeLevel[] = [];
    const { head, schemaUrl } = decodeLevel(r, resourceLevel, emptyResource, decodeResource, (reader, index) => {
      place.scopeIndex = index;
      scopes.push(decodeScopeLevel(reader, place));
    });
    return envelope.resourceLevel(head, scopes, schemaUrl);
  }

  const listTag = request.tag[resourceList]!;
  return function decodeRequest(buf: Uint8Array): DecodeResult<Data> {
    const r = newReader(buf);
    const place = new DecodePlace(resourceList, scopeList);
    const resources: ResourceLevel[] = [];
    let tag = 0;
    try {
      for (; r.pos < r.len; tag = 0) {
        tag = readTag(r);
        if (tag !== listTag) otherField(r, tag, request);
        else {
          place.resourceIndex = resources.length;
          const outer = enterMessage(r);
          resources.push(decodeResourceLevel(r, place));
          leaveMessage(r, outer);
        }
      }
    } catch (e) {
      throw toDecodeError(within(e, r, segmentOf(request, tag, resources.length)), r, envelope.request);
    }
    return place.result(envelope.data(resources));
  };
}

function levelSchema(head: string, list: string): MessageSchema<LevelFields> {
  const s = schema({ head: [1, LEN], list: [2, LEN], schema_url: [3, LEN] });
  // error paths use the real field names
  const names = [...s.names];
  names[1] = head;
  names[2] = list;
  return { ...s, names };
}

/** Decodes a resource or scope level the reader is narrowed to; each list element goes to `readChild`. */
function decodeLevel<Head>(
  r: Reader,
  s: MessageSchema<LevelFields>,
  emptyHead: () => Head,
  decodeHead: (r: Reader) => Head,
  readChild: (r: Reader, index: number) => void,
): { head: Head; schemaUrl: string } {
  const { head: headTag, list, schema_url } = s.tag;
  let head: Head | undefined;
  let schemaUrl = '';
  let index = 0;
  let tag = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === list) {
        const outer = enterMessage(r);
        readChild(r, index);
        leaveMessage(r, outer);
        index++;
      } else if (tag === headTag) {
        const outer = enterMessage(r);
        head = decodeHead(r);
        leaveMessage(r, outer);
      } else if (tag === schema_url) schemaUrl = readString(r);
      else otherField(r, tag, s);
    }
  } catch (e) {
    throw within(e, r, segmentOf(s, tag, isField(tag, list) ? index : -1));
  }
  return { head: head ?? emptyHead(), schemaUrl };
}
