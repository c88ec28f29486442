/** OTLP/JSON ExportTraceServiceRequest → model. */
import { newAttributes } from './telemetry.ts';
import type {
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanKind,
  SpanLink,
  StatusCode,
  TracesData,
} from './telemetry.ts';
import { Rejections, addSegment } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID } from './item-checks.ts';
import {
  asArray,
  asElement,
  asEnum,
  asFixed64,
  asHexId,
  asInt32,
  asObject,
  asString,
  decodeKeyValuesJson,
  decodeResourceJson,
  decodeScopeJson,
  parseJsonBody,
  toJsonDecodeError,
} from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { emptyResource, emptyScope } from './proto-common-decode.ts';

const MESSAGE = 'ExportTraceServiceRequest';
const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

interface TraceCtx {
  rejections: Rejections;
  resourceIndex: number;
  scopeIndex: number;
  accepted: number;
}

export function decodeTracesJson(body: string | Uint8Array): DecodeResult<TracesData> {
  const root = parseJsonBody(body, MESSAGE);
  const ctx: TraceCtx = { rejections: new Rejections(), resourceIndex: 0, scopeIndex: 0, accepted: 0 };
  const resourceSpans: ResourceSpans[] = [];
  let key = '';
  try {
    for (key in root) {
      if (key !== 'resourceSpans' && key !== 'resource_spans') continue;
      const list = asArray(root[key]);
      for (let i = 0; i < list.length; i++) {
        ctx.resourceIndex = i;
        try {
          resourceSpans.push(decodeResourceSpans(asElement(list[i]), ctx));
        } catch (e) {
          throw addSegment(e, `[${i}]`);
        }
      }
    }
  } catch (e) {
    throw toJsonDecodeError(addSegment(e, key), MESSAGE);
  }
  return {
    data: { resourceSpans },
    items: ctx.accepted,
    rejected: ctx.rejections.count,
    rejectedMessage: ctx.rejections.message(),
  };
}

function decodeResourceSpans(o: JsonObject, ctx: TraceCtx): ResourceSpans {
  const rs: ResourceSpans = { resource: emptyResource(), scopeSpans: [], schemaUrl: '' };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'resource':
          rs.resource = decodeResourceJson(x);
          break;
        case 'scopeSpans':
        case 'scope_spans': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            ctx.scopeIndex = i;
            try {
              rs.scopeSpans.push(decodeScopeSpans(asElement(list[i]), ctx));
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
          }
          break;
        }
        case 'schemaUrl':
        case 'schema_url':
          rs.schemaUrl = asString(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return rs;
}

function decodeScopeSpans(o: JsonObject, ctx: TraceCtx): ScopeSpans {
  const ss: ScopeSpans = { scope: emptyScope(), spans: [], schemaUrl: '' };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'scope':
          ss.scope = decodeScopeJson(x);
          break;
        case 'spans': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            let span: Span | null;
            try {
              span = decodeSpan(asElement(list[i]), ctx, i);
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
            if (span !== null) {
              ss.spans.push(span);
              ctx.accepted++;
            }
          }
          break;
        }
        case 'schemaUrl':
        case 'schema_url':
          ss.schemaUrl = asString(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return ss;
}

function decodeSpan(o: JsonObject, ctx: TraceCtx, index: number): Span | null {
  const span: Span = {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: newAttributes(),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
  let linkProblem = '';
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'traceId':
        case 'trace_id':
          span.traceId = asHexId(x);
          break;
        case 'spanId':
        case 'span_id':
          span.spanId = asHexId(x);
          break;
        case 'traceState':
        case 'trace_state':
          span.traceState = asString(x);
          break;
        case 'parentSpanId':
        case 'parent_span_id':
          span.parentSpanId = asHexId(x);
          break;
        case 'flags':
          span.flags = asInt32(x, true);
          break;
        case 'name':
          span.name = asString(x);
          break;
        case 'kind':
          span.kind = asEnum(x, SPAN_KINDS, 'SpanKind') as SpanKind;
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          span.startTimeUnixNano = asFixed64(x);
          break;
        case 'endTimeUnixNano':
        case 'end_time_unix_nano':
          span.endTimeUnixNano = asFixed64(x);
          break;
        case 'attributes':
          decodeKeyValuesJson(x, span.attributes, 0);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          span.droppedAttributesCount = asInt32(x, true);
          break;
        case 'events': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            try {
              span.events.push(decodeEvent(asElement(list[i])));
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
          }
          break;
        }
        case 'droppedEventsCount':
        case 'dropped_events_count':
          span.droppedEventsCount = asInt32(x, true);
          break;
        case 'links': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            let link: SpanLink;
            try {
              link = decodeLink(asElement(list[i]));
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
            if (linkProblem === '') {
              linkProblem =
                idProblem(`links[${i}].traceId`, link.traceId, link.traceId.length >>> 1, 16, true) ||
                idProblem(`links[${i}].spanId`, link.spanId, link.spanId.length >>> 1, 8, true);
            }
            span.links.push(link);
          }
          break;
        }
        case 'droppedLinksCount':
        case 'dropped_links_count':
          span.droppedLinksCount = asInt32(x, true);
          break;
        case 'status':
          decodeStatus(x, span);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  if (span.parentSpanId === ZERO_SPAN_ID) span.parentSpanId = '';
  const problem =
    idProblem('traceId', span.traceId, span.traceId.length >>> 1, 16, true) ||
    idProblem('spanId', span.spanId, span.spanId.length >>> 1, 8, true) ||
    idProblem('parentSpanId', span.parentSpanId, span.parentSpanId.length >>> 1, 8, false) ||
    linkProblem ||
    enumProblem('kind', span.kind, 5, 'SpanKind') ||
    enumProblem('status.code', span.status.code, 2, 'StatusCode');
  if (problem !== '') {
    ctx.rejections.add(
      `resourceSpans[${ctx.resourceIndex}].scopeSpans[${ctx.scopeIndex}].spans[${index}].${problem} (span dropped)`,
    );
    return null;
  }
  return span;
}

function decodeEvent(o: JsonObject): SpanEvent {
  const ev: SpanEvent = { timeUnixNano: 0n, name: '', attributes: newAttributes(), droppedAttributesCount: 0 };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'timeUnixNano':
        case 'time_unix_nano':
          ev.timeUnixNano = asFixed64(x);
          break;
        case 'name':
          ev.name = asString(x);
          break;
        case 'attributes':
          decodeKeyValuesJson(x, ev.attributes, 0);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          ev.droppedAttributesCount = asInt32(x, true);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return ev;
}

function decodeLink(o: JsonObject): SpanLink {
  const link: SpanLink = {
    traceId: '',
    spanId: '',
    traceState: '',
    attributes: newAttributes(),
    droppedAttributesCount: 0,
    flags: 0,
  };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'traceId':
        case 'trace_id':
          link.traceId = asHexId(x);
          break;
        case 'spanId':
        case 'span_id':
          link.spanId = asHexId(x);
          break;
        case 'traceState':
        case 'trace_state':
          link.traceState = asString(x);
          break;
        case 'attributes':
          decodeKeyValuesJson(x, link.attributes, 0);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          link.droppedAttributesCount = asInt32(x, true);
          break;
        case 'flags':
          link.flags = asInt32(x, true);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return link;
}

function decodeStatus(v: unknown, span: Span): void {
  const o = asObject(v);
  if (o === null) return;
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      if (key === 'message') span.status.message = asString(x);
      else if (key === 'code') span.status.code = asEnum(x, STATUS_CODES, 'StatusCode') as StatusCode;
    }
  } catch (e) {
    throw addSegment(e, key);
  }
}
