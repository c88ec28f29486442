import { register } from 'node:module';

/**
 * Modules the instrumentations patch. The ESM loader hook wraps only these, so an
 * ES-module service pays nothing for the other modules it imports. (node:http and
 * undici need no hook: the agent uses their diagnostics channels.)
 */
export const ESM_HOOKED_MODULES = ['pino', 'express', 'pg', 'pg-pool', 'mysql2', 'redis', '@redis/client', 'ioredis'];

/** Registers import-in-the-middle's loader so `import pino from 'pino'` gets patched too. */
export function registerEsmHook(): void {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: ESM_HOOKED_MODULES } });
}
