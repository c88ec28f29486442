/** InstrumentationScope and Resource (common/v1, resource/v1), from both wire formats. */
import { newAttributes } from './telemetry.ts';
import type { InstrumentationScope, Resource } from './telemetry.ts';
import { ATTRIBUTES, messageCodec, STRING, UINT32 } from './message-codec.ts';
import { RESOURCE, SCOPE } from './proto-schema.ts';

export function emptyScope(): InstrumentationScope {
  return { name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 };
}

export function emptyResource(): Resource {
  return { attributes: newAttributes(), droppedAttributesCount: 0 };
}

export const SCOPE_CODEC = messageCodec(SCOPE, emptyScope, {
  name: STRING, version: STRING, attributes: ATTRIBUTES, dropped_attributes_count: UINT32,
});

/** entity_refs are not modelled: skipped. */
export const RESOURCE_CODEC = messageCodec(RESOURCE, emptyResource, {
  attributes: ATTRIBUTES, dropped_attributes_count: UINT32,
});
