import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { lightServerSpans } from './light-server-spans.ts';
import { ServerSpan, msToHrTime, randomHexId } from './server-span.ts';

const resource = resourceFromAttributes({ 'service.name': 'svc' });
const scope = { name: '@lookout/agent', version: '0.0.0' };

function collect() {
  const ended: ServerSpan[] = [];
  return { ended, start: lightServerSpans(resource, scope, (s) => ended.push(s)) };
}

describe('light server spans', () => {
  it('start a new sampled trace without a parent', () => {
    const { start, ended } = collect();
    const span = start('GET', { 'http.request.method': 'GET' }, ROOT_CONTEXT, 1_700_000_000_123.5) as ServerSpan;
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    expect(span.startTime).toEqual([1_700_000_000, 123_500_000]);
    expect(span.kind).toBe(SpanKind.SERVER);
    span.end();
    span.end();
    expect(ended).toEqual([span]);
  });

  it('join a sampled remote parent and only propagate an unsampled one', () => {
    const { start } = collect();
    const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true };
    const child = start('GET', {}, trace.setSpanContext(ROOT_CONTEXT, parent), Date.now());
    expect(child.spanContext().traceId).toBe(parent.traceId);
    expect((child as ServerSpan).parentSpanContext).toBe(parent);
    const unsampled = start('GET', {}, trace.setSpanContext(ROOT_CONTEXT, { ...parent, traceFlags: TraceFlags.NONE }), Date.now());
    expect(unsampled).not.toBeInstanceOf(ServerSpan);
    expect(unsampled.isRecording()).toBe(false);
    expect(unsampled.spanContext().traceId).toBe(parent.traceId);
  });

  it('follow the API rules: status OK is final, nothing changes after end, limits hold', () => {
    const { start } = collect();
    const span = start('GET', {}, ROOT_CONTEXT, Date.now()) as ServerSpan;
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad' });
    span.setStatus({ code: SpanStatusCode.UNSET });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    span.setStatus({ code: SpanStatusCode.OK });
    span.setStatus({ code: SpanStatusCode.ERROR });
    expect(span.status.code).toBe(SpanStatusCode.OK);
    for (let i = 0; i < 200; i++) span.setAttribute(`a${i}`, i);
    expect(Object.keys(span.attributes)).toHaveLength(128);
    expect(span.droppedAttributesCount).toBe(72);
    span.recordException(new TypeError('nope'));
    expect(span.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.type': 'TypeError', 'exception.message': 'nope' } });
    span.end();
    span.setAttribute('late', 1);
    span.updateName('late');
    expect(span.attributes.late).toBeUndefined();
    expect(span.name).toBe('GET');
    expect(span.isRecording()).toBe(false);
  });
});

describe('ids and times', () => {
  it('makes distinct non-zero hex ids', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => randomHexId(8)));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).not.toMatch(/^0+$/);
  });

  it('converts epoch milliseconds to [seconds, nanoseconds]', () => {
    expect(msToHrTime(1500.25)).toEqual([1, 500_250_000]);
    expect(msToHrTime(1999.9999999)).toEqual([2, 0]);
  });
});
