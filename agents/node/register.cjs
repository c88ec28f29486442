'use strict';
// `node -r @lookout/agent/register app.js` (CommonJS). The agent is compiled as ES
// modules; Node >= 20.19 loads them with a synchronous require(), so the service's
// own require() calls that follow are instrumented. On older Node it says so and the
// service runs uninstrumented.
try {
  require('./dist/register-cjs.js');
} catch (error) {
  const message =
    error && error.code === 'ERR_REQUIRE_ESM'
      ? 'node -r needs Node >= 20.19 (synchronous require of ES modules); use `node --import @lookout/agent/register` instead'
      : String((error && error.message) || error);
  try {
    process.stderr.write(`lookout-agent: error: not started, the service runs uninstrumented: ${message}\n`);
  } catch {}
}
