/**
 * Tenants (issue 12, defect 5): every record carries the tenant whose token sent it, and
 * the tenant is part of the identity of every request series, SLI, SLO and alert. With no
 * tenants configured everything belongs to the one default tenant and nothing shows it.
 */

/** The tenant of data sent when receiver auth is off. */
export const DEFAULT_TENANT = 'default';

/** `tenant: '*'` in an SLO spec: it counts the traffic of every tenant. */
export const ALL_TENANTS = '*';

/**
 * The key a service's state is kept under: the service name for the default tenant (so
 * a collector without tenants keys exactly as before), else tenant and service.
 */
export function tenantServiceKey(service: string, tenant: string | undefined): string {
  return tenant === undefined || tenant === DEFAULT_TENANT ? service : tenant + '\u0000' + service;
}

/** The inverse of tenantServiceKey. */
export function splitTenantServiceKey(key: string): { tenant: string | undefined; service: string } {
  const at = key.indexOf('\u0000');
  return at < 0 ? { tenant: undefined, service: key } : { tenant: key.slice(0, at), service: key.slice(at + 1) };
}
