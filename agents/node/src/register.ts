/**
 * `node --import @lookout/agent/register app.js`: instruments the service from the
 * environment (OTEL_*, LOOKOUT_*), flushes on SIGTERM. Never throws into the service.
 */
import { start } from './agent.ts';
import { AgentLog } from './agent-log.ts';
import { registerEsmHook } from './esm-hook.ts';

try {
  registerEsmHook();
} catch (error) {
  new AgentLog('warn').warn(`ES module hook not registered (ES-module imports of pino, pg, ... are not instrumented): ${String(error)}`);
}
start({}, { handleSignals: true });
