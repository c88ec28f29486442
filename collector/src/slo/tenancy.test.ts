import { describe, expect, it } from 'vitest';
import type { SloDefinition } from '@lookout/alerts';
import { parseSpecText } from '@lookout/alerts';
import { scopeSlosToTenants } from './tenancy.ts';
import { adaptSli } from './sli-adapter.ts';

const slo = (tenant?: string): SloDefinition =>
  parseSpecText(`service: payments\n${tenant ? `tenant: '${tenant}'\n` : ''}name: availability\nobjective: 99.9\nsli: availability\n`, 'payments.yaml')[0]!;

describe('scopeSlosToTenants', () => {
  it("names a tenant's SLO <tenant>/<name>, labels its alerts with the tenant, and its SLI counts only that tenant", () => {
    const { slos, problems } = scopeSlosToTenants([slo('alpha'), slo('beta')], ['alpha', 'beta']);
    expect(problems).toEqual([]);
    expect(slos.map((s) => [s.name, s.tenant, s.labels['tenant']])).toEqual([
      ['alpha/availability', 'alpha', 'alpha'],
      ['beta/availability', 'beta', 'beta'],
    ]);
    const adapted = adaptSli(slos[0]!);
    expect(adapted.evaluable && adapted.sli).toMatchObject({ id: 'alpha/availability', service: 'payments', tenant: 'alpha' });
  });

  it("an SLO for '*' counts every tenant; without tenants configured an SLO names none and is unchanged", () => {
    const all = scopeSlosToTenants([slo('*')], ['alpha']);
    expect(all.problems).toEqual([]);
    expect(all.slos[0]).toMatchObject({ name: 'availability' });
    expect(all.slos[0]!.tenant).toBeUndefined();
    const adapted = adaptSli(all.slos[0]!);
    expect(adapted.evaluable && adapted.sli.tenant).toBeUndefined();
    expect(scopeSlosToTenants([slo()], undefined)).toEqual({ slos: [slo()], problems: [] });
  });

  it('says where and how to fix an SLO without a tenant when tenants are configured', () => {
    expect(scopeSlosToTenants([slo()], ['alpha', 'beta']).problems).toEqual([
      "payments.yaml:1: SLO 'availability' of service 'payments' names no tenant, but tenants are configured (receivers.otlp.auth.tenants: alpha, beta); add tenant: <one of them> to its spec, or tenant: '*' to count every tenant's traffic",
    ]);
  });

  it('refuses a tenant that is not configured, and a tenant when none are', () => {
    expect(scopeSlosToTenants([slo('gamma')], ['alpha']).problems[0]).toMatch(/names tenant 'gamma', which is not in receivers\.otlp\.auth\.tenants \(alpha\); fix the name or add the tenant/);
    expect(scopeSlosToTenants([slo('alpha')], undefined).problems[0]).toMatch(/names tenant 'alpha', but no tenants are configured; add it to receivers\.otlp\.auth\.tenants, or remove tenant: from the spec/);
  });
});
