import type { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * The SDK's AsyncLocalStorage context manager plus `enterWith`: the HTTP server
 * instrumentation makes the request's span active for the rest of the parser's
 * callback, so the handler and the request body's 'data'/'end' callbacks see it
 * without wrapping every request and response emitter (what makes the stock HTTP
 * instrumentation expensive).
 */
export class LookoutContextManager extends AsyncLocalStorageContextManager {
  private readonly storage: AsyncLocalStorage<Context>;

  constructor() {
    super();
    const storage = (this as unknown as { _asyncLocalStorage?: AsyncLocalStorage<Context> })._asyncLocalStorage;
    if (storage === undefined || typeof storage.enterWith !== 'function') {
      throw new Error('@opentelemetry/context-async-hooks changed: AsyncLocalStorageContextManager has no _asyncLocalStorage');
    }
    this.storage = storage;
  }

  enterWith(context: Context): void {
    this.storage.enterWith(context);
  }
}
