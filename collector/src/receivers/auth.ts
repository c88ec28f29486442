import { createHash, timingSafeEqual } from 'node:crypto';

export interface TenantToken {
  name: string;
  token: string;
}

export type AuthResult = { ok: true; tenant: string } | { ok: false; reason: 'missing' | 'invalid' };

/**
 * Bearer-token auth with one token per tenant. Tokens are compared as SHA-256 digests
 * with timingSafeEqual against every tenant (no early exit), so neither the length nor
 * the position of a match leaks through timing.
 */
export class TenantAuthenticator {
  private readonly digests: Array<{ tenant: string; digest: Buffer }>;

  constructor(tenants: TenantToken[]) {
    this.digests = tenants.map((t) => ({ tenant: t.name, digest: sha256(t.token) }));
  }

  /** Checks an Authorization header value ("Bearer <token>"). */
  check(authorization: string | undefined): AuthResult {
    if (!authorization) return { ok: false, reason: 'missing' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'invalid' };
    const presented = sha256(match[1]!);
    let found: string | undefined;
    for (const { tenant, digest } of this.digests) {
      if (timingSafeEqual(presented, digest) && found === undefined) found = tenant;
    }
    return found === undefined ? { ok: false, reason: 'invalid' } : { ok: true, tenant: found };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export { DEFAULT_TENANT } from '../core/tenant.ts';
