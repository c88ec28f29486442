import { ROOT_CONTEXT, createContextKey, trace } from '@opentelemetry/api';
import { RPCType, getRPCMetadata } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { LookoutContextManager } from './context-manager.ts';
import { RequestContext } from './request-context.ts';

describe('RequestContext', () => {
  it('answers the API span key and the SDK RPC metadata key, and layers other values', () => {
    const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    const other = createContextKey('other');
    const parent = ROOT_CONTEXT.setValue(other, 'from parent');
    const rpc = { type: RPCType.HTTP, span, route: undefined as string | undefined };
    const context = new RequestContext(parent, span, rpc);
    expect(trace.getSpan(context)).toBe(span);
    expect(getRPCMetadata(context)).toBe(rpc);
    expect(context.getValue(other)).toBe('from parent');
    const key = createContextKey('added');
    const child = context.setValue(key, 42);
    expect(child.getValue(key)).toBe(42);
    expect(trace.getSpan(child)).toBe(span);
    expect(child.deleteValue(key).getValue(key)).toBeUndefined();
    expect(context.getValue(key)).toBeUndefined();
  });
});

describe('LookoutContextManager', () => {
  it('enterWith makes a context active for the rest of the async chain', async () => {
    const manager = new LookoutContextManager().enable();
    const key = createContextKey('k');
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        (manager as LookoutContextManager).enterWith(ROOT_CONTEXT.setValue(key, 'v'));
        void Promise.resolve().then(() => {
          expect(manager.active().getValue(key)).toBe('v');
          resolve();
        });
      });
    });
    expect(manager.active().getValue(key)).toBeUndefined();
    manager.disable();
  });
});
