/**
 * The one model → OTLP/protobuf envelope encoder: Export<Signal>ServiceRequest →
 * resource levels → scope levels → items, for all three signals; each signal supplies
 * the writer of one item.
 */
import type { AnyResourceLevel, AnyScopeLevel, Envelope } from './envelope.ts';
import { RESOURCE_CODEC, SCOPE_CODEC } from './common-codecs.ts';
import { writeNested } from './message-codec.ts';
import { writeStringField } from './proto-common-encode.ts';
import { EXPORT_REQUEST, LEVEL } from './proto-schema.ts';
import { ProtoWriter } from './proto-writer.ts';

/** Writes one item as field `field` of its scope level. */
export type ProtoItemWriter<Item> = (w: ProtoWriter, field: number, item: Item) => void;

export function protoRequestEncoder<Item, ScopeLevel extends AnyScopeLevel, ResourceLevel extends AnyResourceLevel, Data>(
  envelope: Envelope<Item, ScopeLevel, ResourceLevel, Data>,
  writeItem: ProtoItemWriter<Item>,
): (data: Data) => Uint8Array {
  const { head, list, schema_url } = LEVEL.field;
  return function encodeRequest(data: Data): Uint8Array {
    const w = new ProtoWriter(4096);
    for (const resourceLevel of envelope.resourcesOf(data)) {
      const resourceStart = w.begin(EXPORT_REQUEST.field.resource_list);
      writeNested(w, head, RESOURCE_CODEC, resourceLevel.resource);
      for (const scopeLevel of envelope.scopesOf(resourceLevel)) {
        const scopeStart = w.begin(list);
        writeNested(w, head, SCOPE_CODEC, scopeLevel.scope);
        for (const item of envelope.itemsOf(scopeLevel)) writeItem(w, list, item);
        writeStringField(w, schema_url, scopeLevel.schemaUrl);
        w.end(scopeStart);
      }
      writeStringField(w, schema_url, resourceLevel.schemaUrl);
      w.end(resourceStart);
    }
    return w.finish();
  };
}
