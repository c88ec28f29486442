import type { DetailedPeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { daysLeft, earliestNotAfter, formatDistinguishedName, parseCertificateTime, verificationOf, walkPeerChain } from './tls-chain.ts';

function peer(cn: string, issuerCn: string, validTo: string, fingerprint: string): DetailedPeerCertificate {
  return {
    subject: { CN: cn },
    issuer: { CN: issuerCn },
    valid_from: 'Jan  1 00:00:00 2024 GMT',
    valid_to: validTo,
    fingerprint256: fingerprint,
    raw: Buffer.from(fingerprint),
  } as unknown as DetailedPeerCertificate;
}

describe('parseCertificateTime', () => {
  it('reads the OpenSSL form Node prints, single- and double-digit days', () => {
    expect(parseCertificateTime('Mar  5 07:08:09 2031 GMT')).toBe(Date.UTC(2031, 2, 5, 7, 8, 9));
    expect(parseCertificateTime('Dec 31 23:59:59 2049 GMT')).toBe(Date.UTC(2049, 11, 31, 23, 59, 59));
    expect(parseCertificateTime('Jan  1 00:00:00 2050 GMT')).toBe(Date.UTC(2050, 0, 1));
  });
  it('refuses anything else, quoting the text and the expected form', () => {
    expect(() => parseCertificateTime('2031-03-05T07:08:09Z')).toThrow(
      "unreadable certificate time '2031-03-05T07:08:09Z' (expected e.g. 'Mar  5 07:08:09 2031 GMT')",
    );
    expect(() => parseCertificateTime('Foo  5 07:08:09 2031 GMT')).toThrow('unreadable certificate time');
  });
});

describe('formatDistinguishedName', () => {
  it('joins attributes in order and repeats multi-valued ones', () => {
    expect(formatDistinguishedName({ C: 'DE', O: 'Example', OU: ['a', 'b'], CN: 'x.example' })).toBe('C=DE, O=Example, OU=a, OU=b, CN=x.example');
    expect(formatDistinguishedName(undefined)).toBe('');
  });
});

describe('walkPeerChain', () => {
  it('follows issuerCertificate leaf first and stops at a self-signed root pointing at itself', () => {
    const root = peer('Root', 'Root', 'Jan  1 00:00:00 2040 GMT', 'R');
    root.issuerCertificate = root;
    const intermediate = peer('Inter', 'Root', 'Jan  1 00:00:00 2030 GMT', 'I');
    intermediate.issuerCertificate = root;
    const leaf = peer('leaf', 'Inter', 'Jan  1 00:00:00 2031 GMT', 'L');
    leaf.issuerCertificate = intermediate;
    const chain = walkPeerChain(leaf);
    expect(chain.map((c) => [c.subject, c.issuer, c.selfSigned])).toEqual([
      ['CN=leaf', 'CN=Inter', false],
      ['CN=Inter', 'CN=Root', false],
      ['CN=Root', 'CN=Root', true],
    ]);
    expect(earliestNotAfter(chain)?.subject).toBe('CN=Inter');
  });
  it('stops at a missing issuer, and on an empty object (no certificate)', () => {
    const leaf = peer('leaf', 'Gone', 'Jan  1 00:00:00 2031 GMT', 'L');
    expect(walkPeerChain(leaf)).toHaveLength(1);
    expect(walkPeerChain({} as DetailedPeerCertificate)).toEqual([]);
    expect(earliestNotAfter([])).toBeUndefined();
  });
});

describe('daysLeft', () => {
  it('is fractional and negative once expired', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(daysLeft(now + 1.5 * 86_400_000, now)).toBe(1.5);
    expect(daysLeft(now - 86_400_000, now)).toBe(-1);
  });
});

describe('verificationOf', () => {
  it('needs a trusted chain and a matching host name; the chain error comes first', () => {
    expect(verificationOf({ chainTrusted: true })).toEqual({ verified: true, reason: 'ok' });
    expect(verificationOf({ chainTrusted: false, chainError: 'CERT_HAS_EXPIRED', hostError: 'ERR_TLS_CERT_ALTNAME_INVALID' })).toEqual({
      verified: false,
      reason: 'CERT_HAS_EXPIRED',
    });
    expect(verificationOf({ chainTrusted: true, hostError: 'ERR_TLS_CERT_ALTNAME_INVALID' })).toEqual({
      verified: false,
      reason: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(verificationOf({ chainTrusted: false })).toEqual({ verified: false, reason: 'UNTRUSTED' });
  });
});
