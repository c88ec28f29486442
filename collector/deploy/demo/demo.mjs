// The compose stack's demo: starts every service of routes.mjs as its own process
// under the agent (`node --import @lookout/agent/register`, OTEL_SERVICE_NAME set), then
// sends each route a steady trickle of requests (DEMO_RPS per route, default 5).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEMO_SERVICES } from './routes.mjs';

const serviceFile = fileURLToPath(new URL('./service.mjs', import.meta.url));
const perSecond = Number(process.env.DEMO_RPS ?? 5);
const children = DEMO_SERVICES.map((spec) =>
  spawn(process.execPath, ['--import', '@lookout/agent/register', serviceFile], {
    env: { ...process.env, DEMO_SERVICE: spec.service, OTEL_SERVICE_NAME: spec.service },
    stdio: 'inherit',
  }),
);
for (const child of children) child.on('exit', (code) => {
  console.error(`demo: a service exited (${code}); stopping`);
  process.exit(1);
});
const stop = () => {
  for (const child of children) child.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

setInterval(() => {
  for (const spec of DEMO_SERVICES) {
    for (const route of spec.routes) {
      const path = route.paths[Math.floor(Math.random() * route.paths.length)];
      fetch(`http://127.0.0.1:${spec.port}${path}`, { method: route.method }).then((r) => r.arrayBuffer(), () => {});
    }
  }
}, 1000 / perSecond);
