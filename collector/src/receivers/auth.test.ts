import { describe, expect, it } from 'vitest';
import { TenantAuthenticator } from './auth.ts';

describe('TenantAuthenticator', () => {
  const auth = new TenantAuthenticator([
    { name: 'team-a', token: 'a'.repeat(32) },
    { name: 'team-b', token: 'b'.repeat(40) },
  ]);

  it('maps each token to its tenant', () => {
    expect(auth.check(`Bearer ${'a'.repeat(32)}`)).toEqual({ ok: true, tenant: 'team-a' });
    expect(auth.check(`bearer ${'b'.repeat(40)}`)).toEqual({ ok: true, tenant: 'team-b' });
  });

  it('refuses a missing header, another scheme, a wrong or a prefix token', () => {
    expect(auth.check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(auth.check('')).toEqual({ ok: false, reason: 'missing' });
    expect(auth.check(`Basic ${'a'.repeat(32)}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(auth.check(`Bearer ${'a'.repeat(31)}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(auth.check(`Bearer ${'a'.repeat(33)}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(auth.check('Bearer')).toEqual({ ok: false, reason: 'invalid' });
  });
});
