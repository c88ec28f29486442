// One demo service (DEMO_SERVICE=checkout|payments|search|inventory), run under
// `node --import @lookout/agent/register`: its routes from routes.mjs, with the error
// and latency shares given there, route templates set for the agent's spans.
import { createServer } from 'node:http';
import { setRoute } from '@lookout/agent';
import client from 'prom-client';
import { DEMO_SERVICES } from './routes.mjs';

const name = process.env.DEMO_SERVICE;
const spec = DEMO_SERVICES.find((s) => s.service === name);
if (!spec) {
  console.error(`demo: DEMO_SERVICE must be one of ${DEMO_SERVICES.map((s) => s.service).join(', ')}, not '${name}'`);
  process.exit(2);
}

// The Prometheus metrics a Sloth-style SLO expects (inventory), in a registry of its own.
const registry = new client.Registry();
const requests = new client.Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status code', labelNames: ['route', 'method', 'code'], registers: [registry] });
const duration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration',
  labelNames: ['route', 'method'],
  buckets: [0.05, 0.1, 0.2, 0.4, 0.8, 1.6],
  registers: [registry],
});

function routeOf(method, pathname) {
  for (const route of spec.routes) {
    if (route.method !== method) continue;
    const pattern = new RegExp(`^${route.route.replace(/:[^/]+/g, '[^/]+')}$`);
    if (pattern.test(pathname)) return route;
  }
  return undefined;
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://demo');
  if (url.pathname === '/metrics' && spec.prometheusJob) {
    response.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    return;
  }
  if (url.pathname === '/healthz') {
    response.writeHead(200).end('ok\n');
    return;
  }
  const route = routeOf(request.method ?? 'GET', url.pathname);
  if (!route) {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such route"}');
    return;
  }
  setRoute(request, route.route);
  const started = process.hrtime.bigint();
  const slow = Math.random() < route.slowRate;
  await new Promise((resolve) => setTimeout(resolve, slow ? route.slowMs : 5 + Math.random() * 60));
  const failed = Math.random() < route.errorRate;
  const code = failed ? 500 : 200;
  response.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(failed ? { error: 'backend unavailable' } : { ok: true }));
  requests.inc({ route: route.route, method: route.method, code: String(code) });
  duration.observe({ route: route.route, method: route.method }, Number(process.hrtime.bigint() - started) / 1e9);
});
server.listen(spec.port, '0.0.0.0', () => console.log(`demo ${spec.service} listening on :${spec.port}`));
