import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, createTraceState, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeTracesProtobuf } from '@lookout/otlp';
import { encodeResource, encodeSpan, encodeTraceRequest } from '../agents/node/src/otlp-trace-encoder.ts';

/**
 * The agent's own OTLP span encoder against two oracles: the collector's decoder, and
 * the OpenTelemetry JS serializer (both outputs decoded must be equal).
 */

const resource = resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.0.0', 'host.cpus': 4 });

function sdkSpans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [{ onStart() {}, onEnd: (s: ReadableSpan) => void ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  const tracer = provider.getTracer('@lookout/test', '9.9.9');
  const parent = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=abc'),
  };
  const server = tracer.startSpan(
    'GET /users/:id',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 503,
        'big.int': 2 ** 40 + 5,
        negative: -42,
        ratio: 0.25,
        ok: true,
        tags: ['a', 'b'],
        counts: [1, 2, 3],
        'long.value': 'x'.repeat(300), // nested lengths over 127 bytes
        'unicode.value': 'grüße 🚀',
      },
      links: [{ context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true }, attributes: { why: 'retry' } }],
    },
    trace.setSpanContext(ROOT_CONTEXT, parent),
  );
  server.addEvent('cache miss', { key: 'u1' });
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream down' });
  server.end();
  const child = tracer.startSpan('SELECT users', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, server));
  child.end();
  return ended;
}

function decode(bytes: Uint8Array) {
  const result = decodeTracesProtobuf(bytes);
  expect(result.rejected).toBe(0);
  return result.data;
}

describe('agent OTLP span encoder', () => {
  it('encodes what the collector decodes, field by field', () => {
    const spans = sdkSpans();
    const body = encodeTraceRequest(
      encodeResource(resource.attributes),
      spans.map((s) => ({ scope: s.instrumentationScope, bytes: encodeSpan(s) })),
    );
    const data = decode(body);
    expect(data.resourceSpans).toHaveLength(1);
    const rs = data.resourceSpans[0]!;
    expect({ ...rs.resource.attributes }).toEqual({ 'service.name': 'checkout', 'service.version': '1.0.0', 'host.cpus': 4 });
    expect(rs.scopeSpans).toHaveLength(1);
    expect(rs.scopeSpans[0]!.scope).toMatchObject({ name: '@lookout/test', version: '9.9.9' });
    const [server, child] = rs.scopeSpans[0]!.spans;
    expect(server).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'vendor=abc',
      name: 'GET /users/:id',
      kind: 2,
      status: { code: 2, message: 'upstream down' },
      flags: 0x301, // sampled, has-is-remote, remote parent
    });
    expect({ ...server!.attributes }).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': 503,
      'big.int': 2 ** 40 + 5,
      negative: -42,
      ratio: 0.25,
      ok: true,
      tags: ['a', 'b'],
      counts: [1, 2, 3],
      'long.value': 'x'.repeat(300),
      'unicode.value': 'grüße 🚀',
    });
    expect(server!.events.map((e) => [e.name, { ...e.attributes }])).toEqual([['cache miss', { key: 'u1' }]]);
    expect(server!.links[0]).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) });
    expect(server!.endTimeUnixNano).toBeGreaterThanOrEqual(server!.startTimeUnixNano);
    expect(child).toMatchObject({ kind: 3, parentSpanId: server!.spanId, traceId: server!.traceId });
  });

  it('decodes to the same data as the OpenTelemetry JS serializer', () => {
    const spans = sdkSpans();
    const ours = decode(
      encodeTraceRequest(
        encodeResource(resource.attributes),
        spans.map((s) => ({ scope: s.instrumentationScope, bytes: encodeSpan(s) })),
      ),
    );
    const theirs = decode(ProtobufTraceSerializer.serializeRequest(spans)!);
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(plain(ours)).toEqual(plain(theirs));
  });
});
