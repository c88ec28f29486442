import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { TenantAuthenticator } from './auth.ts';

/**
 * A read token for what the collector shows (issue 12, defect 6): the JSON API under
 * /api/v1 (SLO names, runbooks, alert annotations with sample log lines), the status
 * page, and /metrics when `protectMetrics` is on. It is separate from the ingest
 * tokens: the read token cannot send data (the receivers know only tenant tokens) and a
 * tenant token reads only its own SLOs and alerts. /healthz and /readyz stay open for load balancers and
 * orchestrators.
 */
export interface ReadAuthConfig {
  token: string;
  /** /metrics needs the read token too (Prometheus: `authorization: {credentials: …}`) */
  protectMetrics: boolean;
}

/** Paths of the ingest receivers: their own (tenant) auth applies, never the read token. */
const INGEST_PATHS = ['/v1/traces', '/v1/metrics', '/v1/logs', '/v1/logs/raw', '/loki/api/v1/push'];
const ALWAYS_OPEN = ['/healthz', '/readyz'];

/**
 * Which token a request path needs, pure: `open` (health, readiness; /metrics unless
 * protected), `ingest` (receivers: tenant tokens), else `read` — every other page and API,
 * so a page added later is protected without a list to keep up to date.
 */
export function accessOfPath(url: string, protectMetrics: boolean): 'open' | 'ingest' | 'read' {
  const query = url.indexOf('?');
  const path = query >= 0 ? url.slice(0, query) : url;
  if (ALWAYS_OPEN.includes(path)) return 'open';
  if (path === '/metrics') return protectMetrics ? 'read' : 'open';
  if (INGEST_PATHS.includes(path)) return 'ingest';
  return 'read';
}

/**
 * What a tenant token may read (issue 12, defect 5): its own SLOs and alerts, nothing
 * else (not the status page, the report, the pipeline or /metrics).
 */
export function tenantMayRead(url: string): boolean {
  const query = url.indexOf('?');
  const path = query >= 0 ? url.slice(0, query) : url;
  return path === '/api/v1/slos' || path === '/api/v1/alerts' || (path.startsWith('/api/v1/slos/') && path.length > '/api/v1/slos/'.length);
}

/**
 * Installs the read-token check on the HTTP listener (an onRequest hook on the root
 * instance, so it runs before any route, the receivers' plugins included). With tenants
 * (`tenants`), a tenant's token reads its own SLOs and alerts: the request is marked
 * with `readTenant` and the API shows that tenant's entries only. Without a read token
 * configured the API stays open, and a tenant token presented still narrows it.
 */
export function installReadAuth(app: FastifyInstance, config: ReadAuthConfig | undefined, registry: Registry, tenants?: TenantAuthenticator): void {
  if (!config) {
    if (!tenants) return;
    app.addHook('onRequest', async (request) => {
      if (accessOfPath(request.url, false) !== 'read' || !tenantMayRead(request.url)) return;
      const result = tenants.check(request.headers.authorization);
      if (result.ok) request.readTenant = result.tenant;
    });
    return;
  }
  const refused = new Counter({
    name: 'lookout_read_refused_requests_total',
    help: 'Requests to the read API, status page or protected /metrics refused for a missing or wrong read token.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const reader = new TenantAuthenticator([{ name: 'read', token: config.token }]);
  app.addHook('onRequest', async (request, reply) => {
    if (accessOfPath(request.url, config.protectMetrics) !== 'read') return;
    const result = reader.check(request.headers.authorization);
    if (result.ok) return;
    if (tenants && result.reason === 'invalid') {
      const tenant = tenants.check(request.headers.authorization);
      if (tenant.ok) {
        if (tenantMayRead(request.url)) {
          request.readTenant = tenant.tenant;
          return;
        }
        refused.inc({ reason: 'tenant_scope' });
        return reply
          .code(403)
          .type('application/json')
          .send({ error: `a tenant token reads only its own SLOs and alerts (/api/v1/slos, /api/v1/alerts); use the read token (receivers.otlp.readAuth.token) for ${request.url.split('?')[0]}` });
      }
    }
    refused.inc({ reason: result.reason });
    reply.header('www-authenticate', 'Bearer realm="lookout-read"');
    return reply
      .code(401)
      .type('application/json')
      .send({
        error:
          result.reason === 'missing'
            ? 'missing Authorization header; send "Authorization: Bearer <read token>" (receivers.otlp.readAuth.token)'
            : 'invalid read token; send the token set in receivers.otlp.readAuth.token (a tenant token reads only /api/v1/slos and /api/v1/alerts)',
      });
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set when a tenant's token reads the API: only that tenant's SLOs and alerts are shown */
    readTenant?: string;
  }
}
