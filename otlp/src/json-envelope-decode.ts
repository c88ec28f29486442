/**
 * The one OTLP/JSON envelope decoder: ExportXServiceRequest → ResourceX → ScopeX →
 * items, for all three signals. Keys are read in lowerCamelCase (as OTLP/JSON writes
 * them) or in the protobuf field names; unknown keys are ignored, as the spec asks.
 */
import { addSegment } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import { DecodePlace, type AnyResourceLevel, type AnyScopeLevel, type Envelope } from './envelope.ts';
import { asString, forEachElement, parseJsonBody, toJsonDecodeError } from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { emptyResource, emptyScope, RESOURCE_CODEC, SCOPE_CODEC } from './common-codecs.ts';

/** Decodes one item object; null (after `place.reject`) drops it. */
export type JsonItemDecoder<Item> = (o: JsonObject, place: DecodePlace, index: number) => Item | null;

/** A request decoder for one signal: its envelope walked here, its items by `decodeItem`. */
export function jsonRequestDecoder<Item, ScopeLevel extends AnyScopeLevel, ResourceLevel extends AnyResourceLevel, Data>(
  envelope: Envelope<Item, ScopeLevel, ResourceLevel, Data>,
  decodeItem: JsonItemDecoder<Item>,
): (body: string | Uint8Array) => DecodeResult<Data> {
  const [resourceList, scopeList, itemList] = envelope.jsonNames;
  const [resourceListProto, scopeListProto, itemListProto] = envelope.protoNames;

  function decodeScopeLevel(o: JsonObject, place: DecodePlace): ScopeLevel {
    const items: Item[] = [];
    const level = decodeLevel(o, 'scope', SCOPE_CODEC.decodeJson, [itemList, itemListProto], (element, index) => {
      const item = decodeItem(element, place, index);
      if (item !== null) items.push(item);
    });
    return envelope.scopeLevel(level.head ?? emptyScope(), items, level.schemaUrl);
  }

  function decodeResourceLevel(o: JsonObject, place: DecodePlace): ResourceLevel {
    const scopes: ScopeLevel[] = [];
    const level = decodeLevel(o, 'resource', RESOURCE_CODEC.decodeJson, [scopeList, scopeListProto], (element, index) => {
      place.scopeIndex = index;
      scopes.push(decodeScopeLevel(element, place));
    });
    return envelope.resourceLevel(level.head ?? emptyResource(), scopes, level.schemaUrl);
  }

  return function decodeRequest(body: string | Uint8Array): DecodeResult<Data> {
    const root = parseJsonBody(body, envelope.request);
    const place = new DecodePlace(resourceList, scopeList);
    const resources: ResourceLevel[] = [];
    let key = '';
    try {
      for (key in root) {
        if (key !== resourceList && key !== resourceListProto) continue;
        forEachElement(root[key], (element, index) => {
          place.resourceIndex = index;
          resources.push(decodeResourceLevel(element, place));
        });
      }
    } catch (e) {
      throw toJsonDecodeError(addSegment(e, key), envelope.request);
    }
    return place.result(envelope.data(resources));
  };
}

/** A resource or scope level: its resource or scope under `headKey`, the list below, schemaUrl. */
function decodeLevel<Head>(
  o: JsonObject,
  headKey: string,
  decodeHead: (v: unknown) => Head,
  listKeys: readonly [string, string],
  readChild: (o: JsonObject, index: number) => void,
): { head: Head | undefined; schemaUrl: string } {
  let head: Head | undefined;
  let schemaUrl = '';
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      if (key === listKeys[0] || key === listKeys[1]) forEachElement(x, readChild);
      else if (key === headKey) head = decodeHead(x);
      else if (key === 'schemaUrl' || key === 'schema_url') schemaUrl = asString(x);
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return { head, schemaUrl };
}
