import { TraceFlags, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { StartServerSpan } from './http-server-spans.ts';
import { ServerSpan, msToHrTime, randomHexId } from './server-span.ts';

/**
 * Server spans as ServerSpan, sampled parent-based / always-on (the default sampler):
 * a root or a sampled remote parent gives a recorded span handed to `onEnd`; an
 * unsampled parent gives a non-recording span that still propagates the trace.
 */
export function lightServerSpans(resource: Resource, scope: InstrumentationScope, onEnd: (span: ServerSpan) => void): StartServerSpan {
  return (name, attributes, parent, startEpochMs) => {
    const remote = trace.getSpanContext(parent);
    const parentContext: SpanContext | undefined = remote !== undefined && isSpanContextValid(remote) ? remote : undefined;
    const traceId = parentContext?.traceId ?? randomHexId(16);
    const spanId = randomHexId(8);
    if (parentContext !== undefined && (parentContext.traceFlags & TraceFlags.SAMPLED) === 0) {
      return trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.NONE, traceState: parentContext.traceState });
    }
    const context: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState: parentContext?.traceState };
    return new ServerSpan(name, context, parentContext, attributes, resource, scope, onEnd, msToHrTime(startEpochMs));
  };
}
