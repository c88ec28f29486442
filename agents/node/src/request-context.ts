import type { Context, Span } from '@opentelemetry/api';

// The API's and the SDK's own keys (createContextKey uses Symbol.for, so they are shared).
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/** A context holding one value over a parent; lookups walk the (short) chain. */
class LayeredContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key: symbol,
    private readonly value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    return key === this.key ? this.value : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new LayeredContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new LayeredContext(this, key, undefined);
  }
}

/**
 * The request's context: its span and its RPC metadata (where express and the fastify
 * plugin put the route) over the extracted parent. One small object instead of the
 * two Map copies `trace.setSpan` + `setRPCMetadata` would make per request.
 */
export class RequestContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly span: Span,
    private readonly rpcMetadata: object,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    if (key === RPC_METADATA_KEY) return this.rpcMetadata;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new LayeredContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new LayeredContext(this, key, undefined);
  }
}
