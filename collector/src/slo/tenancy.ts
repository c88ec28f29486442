import type { SloDefinition } from '@lookout/alerts';
import { ALL_TENANTS } from '../core/tenant.ts';

/**
 * Which tenant's traffic each SLO counts (issue 12, defect 5), pure. With tenants
 * configured (receivers.otlp.auth.tenants) every SLO spec says its tenant: `tenant: payments`
 * counts only the requests sent with payments' token, `tenant: '*'` every tenant's (the
 * config saying so explicitly). Without tenants there is one default tenant and a spec
 * names none.
 *
 * A tenant's SLO is known as `<tenant>/<name>`: its SLI in the store, the `slo` label on
 * /metrics, its alert state and its entry in /api/v1/slos, so two tenants may each have a
 * `payments/availability`. Its alerts carry a `tenant` label too.
 */

/** The name a tenant-scoped SLO is known by everywhere the collector keeps or shows it. */
export function tenantSloName(tenant: string, name: string): string {
  return `${tenant}/${name}`;
}

export interface ScopedSlos {
  slos: SloDefinition[];
  /** one per SLO whose tenant is missing or unknown: file:line, what and how to fix */
  problems: string[];
}

/** `tenants`: the configured tenant names; undefined when receiver auth is off. */
export function scopeSlosToTenants(slos: readonly SloDefinition[], tenants: readonly string[] | undefined): ScopedSlos {
  const problems: string[] = [];
  const out: SloDefinition[] = [];
  for (const slo of slos) {
    const where = `${slo.source.file}:${slo.source.line}: SLO '${slo.name}' of service '${slo.service}'`;
    const tenant = slo.tenant;
    if (tenant === undefined || tenant === ALL_TENANTS) {
      if (tenant === undefined && tenants !== undefined) {
        problems.push(
          `${where} names no tenant, but tenants are configured (receivers.otlp.auth.tenants: ${tenants.join(', ')}); add tenant: <one of them> to its spec, or tenant: '*' to count every tenant's traffic`,
        );
        continue;
      }
      const { tenant: _all, ...rest } = slo;
      out.push(rest);
      continue;
    }
    if (tenants === undefined || !tenants.includes(tenant)) {
      problems.push(
        tenants === undefined
          ? `${where} names tenant '${tenant}', but no tenants are configured; add it to receivers.otlp.auth.tenants, or remove tenant: from the spec`
          : `${where} names tenant '${tenant}', which is not in receivers.otlp.auth.tenants (${tenants.join(', ')}); fix the name or add the tenant`,
      );
      continue;
    }
    out.push({ ...slo, name: tenantSloName(tenant, slo.name), labels: { ...slo.labels, tenant }, tenant });
  }
  return { slos: out, problems };
}
