import { describe, expect, it } from 'vitest';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Span } from './telemetry.ts';
import { decodeTracesJson, decodeTracesProtobuf } from './index.ts';

const ns = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const plain = (o: object): Record<string, unknown> => ({ ...o });

/** The resource of the test spans: every attribute value type. */
const RESOURCE_ATTRIBUTES = {
  'service.name': 'checkout',
  'service.instance.id': 'i-7',
  'process.pid': 4242,
  'host.cpu.ratio': 0.25,
  'deployment.canary': false,
  'process.command_args': ['node', 'app.js'],
};

/** Real SDK spans covering every field the OTLP span carries. */
function makeSpans(): { spans: ReadableSpan[]; resourceSchema: string } {
  const exporter = new InMemorySpanExporter();
  const resourceSchema = 'https://opentelemetry.io/schemas/1.24.0';
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(
      RESOURCE_ATTRIBUTES,
      { schemaUrl: resourceSchema },
    ),
    spanLimits: { attributeCountLimit: 12, eventCountLimit: 2, linkCountLimit: 1, attributePerEventCountLimit: 1 },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('lookout-test', '1.2.3', { schemaUrl: 'https://example.com/scope-schema' });

  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b173',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=abc,other=1'),
  });
  const server = tracer.startSpan(
    'GET /users/:id',
    {
      kind: 1, // SERVER
      startTime: [1_700_000_000, 123_456_789],
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 503,
        'http.server.duration_ratio': 1.5,
        'url.full': 'https://api.example.com/users/7?x=ü€😀',
        'feature.on': true,
        'ints': [1, -2, 3],
        'doubles': [0.5, 1.25],
        'bools': [true, false],
        'strings': ['a', 'ß'],
        'big': 2 ** 60,
        'negative': -42,
      },
      links: [
        {
          context: {
            traceId: '0af7651916cd43dd8448eb211c80319c',
            spanId: 'b7ad6b7169203331',
            traceFlags: TraceFlags.NONE,
            traceState: new TraceState('l=1'),
          },
          attributes: { 'link.kind': 'follows', 'link.n': 2 },
        },
        { context: { traceId: '1af7651916cd43dd8448eb211c80319c', spanId: 'c7ad6b7169203331', traceFlags: 1 } },
      ],
    },
    remoteParent,
  );
  server.addEvent('cache.miss', { key: 'user:7', extra: 'dropped by limit' }, [1_700_000_000, 223_456_789]);
  server.addEvent('retry', [1_700_000_000, 323_456_789]);
  server.addEvent('dropped-event');
  for (let i = 0; i < 5; i++) server.setAttribute(`over.limit.${i}`, i);
  server.setStatus({ code: 2, message: 'upstream unavailable' });

  const child = tracer.startSpan(
    'SELECT users',
    { kind: 2, startTime: [1_700_000_000, 200_000_001] },
    trace.setSpan(context.active(), server),
  );
  child.setStatus({ code: 1 });
  child.end([1_700_000_000, 300_000_002]);
  server.end([1_700_000_001, 987_654_321]);

  const internal = tracer.startSpan('work', { kind: 0, startTime: [1_600_000_000, 1] });
  internal.end([1_600_000_000, 2]);
  return { spans: exporter.getFinishedSpans(), resourceSchema };
}

function expectSpanMatches(got: Span, want: ReadableSpan): void {
  const ctx = want.spanContext();
  expect(got.traceId).toBe(ctx.traceId);
  expect(got.spanId).toBe(ctx.spanId);
  expect(got.traceState).toBe(ctx.traceState?.serialize() ?? '');
  expect(got.parentSpanId).toBe(want.parentSpanContext?.spanId ?? '');
  // span flags: W3C trace flags, plus "has is-remote" and "parent is remote"
  const remote = want.parentSpanContext?.isRemote ?? false;
  expect(got.flags).toBe((ctx.traceFlags & 0xff) | 0x100 | (remote ? 0x200 : 0));
  expect(got.name).toBe(want.name);
  expect(got.kind).toBe(want.kind + 1);
  expect(got.startTimeUnixNano).toBe(ns(want.startTime));
  expect(got.endTimeUnixNano).toBe(ns(want.endTime));
  expect(got.droppedAttributesCount).toBe(want.droppedAttributesCount);
  expect(got.droppedEventsCount).toBe(want.droppedEventsCount);
  expect(got.droppedLinksCount).toBe(want.droppedLinksCount);
  expect(got.status).toEqual({ code: want.status.code, message: want.status.message ?? '' });
  expect(got.events).toHaveLength(want.events.length);
  want.events.forEach((ev, i) => {
    expect(got.events[i].name).toBe(ev.name);
    expect(got.events[i].timeUnixNano).toBe(ns(ev.time));
    expect(plain(got.events[i].attributes)).toEqual(ev.attributes ?? {});
    expect(got.events[i].droppedAttributesCount).toBe(ev.droppedAttributesCount ?? 0);
  });
  expect(got.links).toHaveLength(want.links.length);
  want.links.forEach((link, i) => {
    expect(got.links[i].traceId).toBe(link.context.traceId);
    expect(got.links[i].spanId).toBe(link.context.spanId);
    expect(got.links[i].traceState).toBe(link.context.traceState?.serialize() ?? '');
    expect(plain(got.links[i].attributes)).toEqual(link.attributes ?? {});
    expect(got.links[i].droppedAttributesCount).toBe(link.droppedAttributesCount ?? 0);
    expect(got.links[i].flags).toBe((link.context.traceFlags & 0xff) | 0x100 | (link.context.isRemote ? 0x200 : 0));
  });
}

describe('decodeTracesProtobuf against the OpenTelemetry JS serializer', () => {
  const { spans, resourceSchema } = makeSpans();
  const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
  const result = decodeTracesProtobuf(bytes);

  it('counts every span and rejects none', () => {
    expect(result.items).toBe(3);
    expect(result.rejected).toBe(0);
    expect(result.rejectedMessage).toBe('');
  });

  it('decodes resource, scope and schema urls', () => {
    expect(result.data.resourceSpans).toHaveLength(1);
    const rs = result.data.resourceSpans[0];
    expect(plain(rs.resource.attributes)).toEqual(RESOURCE_ATTRIBUTES);
    expect(Object.getPrototypeOf(rs.resource.attributes)).toBeNull();
    expect(rs.resource.droppedAttributesCount).toBe(0);
    expect(rs.schemaUrl).toBe(resourceSchema);
    expect(rs.scopeSpans).toHaveLength(1);
    const ss = rs.scopeSpans[0];
    expect(ss.scope.name).toBe('lookout-test');
    expect(ss.scope.version).toBe('1.2.3');
    expect(ss.schemaUrl).toBe('https://example.com/scope-schema');
  });

  it('decodes every span field exactly, times to the nanosecond', () => {
    const got = result.data.resourceSpans[0].scopeSpans[0].spans;
    expect(got).toHaveLength(spans.length);
    spans.forEach((want, i) => expectSpanMatches(got[i], want));
  });

  it('decodes attribute values of every type', () => {
    const server = result.data.resourceSpans[0].scopeSpans[0].spans.find((s) => s.name === 'GET /users/:id')!;
    const a = server.attributes;
    expect(a['http.request.method']).toBe('GET');
    expect(a['http.response.status_code']).toBe(503);
    expect(a['http.server.duration_ratio']).toBe(1.5);
    expect(a['url.full']).toBe('https://api.example.com/users/7?x=ü€😀');
    expect(a['feature.on']).toBe(true);
    expect(a['ints']).toEqual([1, -2, 3]);
    expect(a['doubles']).toEqual([0.5, 1.25]);
    expect(a['bools']).toEqual([true, false]);
    expect(a['strings']).toEqual(['a', 'ß']);
    // beyond 2^53 the model keeps the exact int64 as a bigint
    expect(a['big']).toBe(2n ** 60n);
    expect(a['negative']).toBe(-42);
    expect(server.droppedAttributesCount).toBe(4);
    expect(server.droppedEventsCount).toBe(1);
    expect(server.droppedLinksCount).toBe(1);
    expect(server.parentSpanId).toBe('eee19b7ec3c1b173');
    expect(server.traceState).toBe('vendor=abc,other=1');
    expect(server.flags).toBe(0x301); // sampled, has-is-remote, is-remote (parent was remote)
  });
});

describe('decodeTracesJson against the OpenTelemetry JS JSON serializer', () => {
  const { spans, resourceSchema } = makeSpans();
  const json = JsonTraceSerializer.serializeRequest(spans)!;
  const fromJson = decodeTracesJson(json);
  const fromText = decodeTracesJson(new TextDecoder().decode(json));
  const fromProto = decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!);

  it('decodes every span field exactly', () => {
    expect(fromJson.items).toBe(3);
    expect(fromJson.rejected).toBe(0);
    const got = fromJson.data.resourceSpans[0].scopeSpans[0].spans;
    spans.forEach((want, i) => expectSpanMatches(got[i], want));
    expect(fromJson.data.resourceSpans[0].schemaUrl).toBe(resourceSchema);
  });

  it('gives the same model as the protobuf decoder, from bytes or text', () => {
    expect(fromJson.data).toEqual(fromProto.data);
    expect(fromText.data).toEqual(fromProto.data);
  });
});
