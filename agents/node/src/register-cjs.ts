/**
 * What `node -r @lookout/agent/register` (register.cjs) loads: the same start as
 * register.ts, without the ES-module loader hook, which a CommonJS service does not need.
 */
import { start } from './agent.ts';

start({}, { handleSignals: true });
