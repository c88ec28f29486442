/**
 * ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) protobuf → model.
 * Field numbers are from opentelemetry/proto/trace/v1/trace.proto.
 */
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
import { Rejections } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import { enumProblem, idProblem, ZERO_SPAN_ID, ZERO_TRACE_ID } from './item-checks.ts';
import { decodeKeyValueInto, decodeResourceLevel, decodeScope, emptyScope } from './proto-common-decode.ts';
import {
  enterMessage,
  idBytes,
  leaveMessage,
  newReader,
  otherField,
  readFixed32,
  readFixed64,
  readId,
  readString,
  readTag,
  schema,
  segmentOf,
  toDecodeError,
  within,
} from './proto-read.ts';
import type { Reader } from './proto-read.ts';

const REQUEST = schema({ 1: ['resource_spans', 2] });
const RESOURCE_SPANS = schema({ 1: ['resource', 2], 2: ['scope_spans', 2], 3: ['schema_url', 2] });
const SCOPE_SPANS = schema({ 1: ['scope', 2], 2: ['spans', 2], 3: ['schema_url', 2] });
const SPAN = schema({
  1: ['trace_id', 2],
  2: ['span_id', 2],
  3: ['trace_state', 2],
  4: ['parent_span_id', 2],
  5: ['name', 2],
  6: ['kind', 0],
  7: ['start_time_unix_nano', 1],
  8: ['end_time_unix_nano', 1],
  9: ['attributes', 2],
  10: ['dropped_attributes_count', 0],
  11: ['events', 2],
  12: ['dropped_events_count', 0],
  13: ['links', 2],
  14: ['dropped_links_count', 0],
  15: ['status', 2],
  16: ['flags', 5],
});
const EVENT = schema({
  1: ['time_unix_nano', 1],
  2: ['name', 2],
  3: ['attributes', 2],
  4: ['dropped_attributes_count', 0],
});
const LINK = schema({
  1: ['trace_id', 2],
  2: ['span_id', 2],
  3: ['trace_state', 2],
  4: ['attributes', 2],
  5: ['dropped_attributes_count', 0],
  6: ['flags', 5],
});
const STATUS = schema({ 2: ['message', 2], 3: ['code', 0] });

/** Where we are, for the paths of rejected spans. */
interface TraceCtx {
  rejections: Rejections;
  resourceIndex: number;
  scopeIndex: number;
  accepted: number;
}

export function decodeTracesProtobuf(buf: Uint8Array): DecodeResult<TracesData> {
  const r = newReader(buf);
  const ctx: TraceCtx = { rejections: new Rejections(), resourceIndex: 0, scopeIndex: 0, accepted: 0 };
  const resourceSpans: ResourceSpans[] = [];
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 10) {
        ctx.resourceIndex = resourceSpans.length;
        const outer = enterMessage(r);
        resourceSpans.push(decodeResourceSpans(r, ctx));
        leaveMessage(r, outer);
      } else otherField(r, tag, REQUEST);
    }
  } catch (e) {
    throw toDecodeError(within(e, r, segmentOf(REQUEST, field, resourceSpans.length)), r, 'ExportTraceServiceRequest');
  }
  return {
    data: { resourceSpans },
    items: ctx.accepted,
    rejected: ctx.rejections.count,
    rejectedMessage: ctx.rejections.message(),
  };
}

function decodeResourceSpans(r: Reader, ctx: TraceCtx): ResourceSpans {
  const { resource, scoped, schemaUrl } = decodeResourceLevel(r, RESOURCE_SPANS, ctx, (reader) => decodeScopeSpans(reader, ctx));
  return { resource, scopeSpans: scoped, schemaUrl };
}

function decodeScopeSpans(r: Reader, ctx: TraceCtx): ScopeSpans {
  const ss: ScopeSpans = { scope: emptyScope(), spans: [], schemaUrl: '' };
  let field = 0;
  let spanIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 18: {
          const outer = enterMessage(r);
          const span = decodeSpan(r, ctx, spanIndex);
          leaveMessage(r, outer);
          if (span !== null) {
            ss.spans.push(span);
            ctx.accepted++;
          }
          spanIndex++;
          break;
        }
        case 10: {
          const outer = enterMessage(r);
          ss.scope = decodeScope(r);
          leaveMessage(r, outer);
          break;
        }
        case 26:
          ss.schemaUrl = readString(r);
          break;
        default:
          otherField(r, tag, SCOPE_SPANS);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(SCOPE_SPANS, field, field === 2 ? spanIndex : -1));
  }
  return ss;
}

/** Decodes one Span; returns null (and records why) when the span is invalid. */
function decodeSpan(r: Reader, ctx: TraceCtx, index: number): Span | null {
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
  let traceIdBytes = 0;
  let spanIdBytes = 0;
  let parentBytes = 0;
  let linkProblem = '';
  let attrIndex = 0;
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 74: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, span.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 10:
          span.traceId = readId(r);
          traceIdBytes = idBytes;
          break;
        case 18:
          span.spanId = readId(r);
          spanIdBytes = idBytes;
          break;
        case 26:
          span.traceState = readString(r);
          break;
        case 34:
          span.parentSpanId = readId(r);
          parentBytes = idBytes;
          break;
        case 42:
          span.name = readString(r);
          break;
        case 48:
          span.kind = r.int32() as SpanKind;
          break;
        case 57:
          span.startTimeUnixNano = readFixed64(r);
          break;
        case 65:
          span.endTimeUnixNano = readFixed64(r);
          break;
        case 80:
          span.droppedAttributesCount = r.uint32();
          break;
        case 90: {
          const outer = enterMessage(r);
          span.events.push(decodeEvent(r));
          leaveMessage(r, outer);
          break;
        }
        case 96:
          span.droppedEventsCount = r.uint32();
          break;
        case 106: {
          const outer = enterMessage(r);
          const link = decodeLink(r);
          leaveMessage(r, outer);
          if (linkProblem === '') {
            linkProblem =
              idProblem(`links[${span.links.length}].trace_id`, link.traceId, linkTraceIdBytes, 16, true) ||
              idProblem(`links[${span.links.length}].span_id`, link.spanId, linkSpanIdBytes, 8, true);
          }
          span.links.push(link);
          break;
        }
        case 112:
          span.droppedLinksCount = r.uint32();
          break;
        case 122: {
          const outer = enterMessage(r);
          decodeStatusInto(r, span);
          leaveMessage(r, outer);
          break;
        }
        case 133:
          span.flags = readFixed32(r);
          break;
        default:
          otherField(r, tag, SPAN);
      }
    }
  } catch (e) {
    const i = field === 9 ? attrIndex : field === 11 ? span.events.length : field === 13 ? span.links.length : -1;
    throw within(e, r, segmentOf(SPAN, field, i));
  }
  // an all-zero parent is how some SDKs say "root span"
  if (parentBytes === 8 && span.parentSpanId === ZERO_SPAN_ID) span.parentSpanId = '';
  if (traceIdBytes !== 16 || spanIdBytes !== 8 || (parentBytes !== 0 && parentBytes !== 8) || linkProblem !== '' || span.kind > 5 || span.kind < 0 || span.status.code > 2 || span.status.code < 0) {
    const problem =
      idProblem('trace_id', span.traceId, traceIdBytes, 16, true) ||
      idProblem('span_id', span.spanId, spanIdBytes, 8, true) ||
      idProblem('parent_span_id', span.parentSpanId, parentBytes, 8, false) ||
      linkProblem ||
      enumProblem('kind', span.kind, 5, 'SpanKind') ||
      enumProblem('status.code', span.status.code, 2, 'StatusCode');
    reject(ctx, index, problem);
    return null;
  }
  if (span.traceId === ZERO_TRACE_ID || span.spanId === ZERO_SPAN_ID) {
    reject(ctx, index, idProblem('trace_id', span.traceId, 16, 16, true) || idProblem('span_id', span.spanId, 8, 8, true));
    return null;
  }
  return span;
}

function reject(ctx: TraceCtx, index: number, problem: string): void {
  ctx.rejections.add(
    `resource_spans[${ctx.resourceIndex}].scope_spans[${ctx.scopeIndex}].spans[${index}].${problem} (span dropped)`,
  );
}

function decodeEvent(r: Reader): SpanEvent {
  const ev: SpanEvent = { timeUnixNano: 0n, name: '', attributes: newAttributes(), droppedAttributesCount: 0 };
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 9:
          ev.timeUnixNano = readFixed64(r);
          break;
        case 18:
          ev.name = readString(r);
          break;
        case 26: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, ev.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 32:
          ev.droppedAttributesCount = r.uint32();
          break;
        default:
          otherField(r, tag, EVENT);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(EVENT, field, field === 3 ? attrIndex : -1));
  }
  return ev;
}

let linkTraceIdBytes = 0;
let linkSpanIdBytes = 0;

function decodeLink(r: Reader): SpanLink {
  const link: SpanLink = {
    traceId: '',
    spanId: '',
    traceState: '',
    attributes: newAttributes(),
    droppedAttributesCount: 0,
    flags: 0,
  };
  linkTraceIdBytes = 0;
  linkSpanIdBytes = 0;
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10:
          link.traceId = readId(r);
          linkTraceIdBytes = idBytes;
          break;
        case 18:
          link.spanId = readId(r);
          linkSpanIdBytes = idBytes;
          break;
        case 26:
          link.traceState = readString(r);
          break;
        case 34: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, link.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 40:
          link.droppedAttributesCount = r.uint32();
          break;
        case 53:
          link.flags = readFixed32(r);
          break;
        default:
          otherField(r, tag, LINK);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(LINK, field, field === 4 ? attrIndex : -1));
  }
  return link;
}

function decodeStatusInto(r: Reader, span: Span): void {
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 18) span.status.message = readString(r);
      else if (tag === 24) span.status.code = r.int32() as StatusCode;
      else otherField(r, tag, STATUS);
    }
  } catch (e) {
    throw within(e, r, segmentOf(STATUS, field, -1));
  }
}
