import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';

/** One certificate the server presented, reduced to what the probe reports. */
export interface ChainCertificate {
  /** 'CN=api.example.com, O=Example' */
  subject: string;
  issuer: string;
  /** ms since the epoch */
  notBefore: number;
  notAfter: number;
  /** SHA-256 fingerprint, colon-separated hex (as Node prints it) */
  fingerprint256: string;
  selfSigned: boolean;
}

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/**
 * Node prints certificate times as OpenSSL does, 'Mar  5 07:08:09 2031 GMT'. Parsed by
 * hand because Date.parse of that form is not specified by ECMAScript.
 */
export function parseCertificateTime(text: string): number {
  const match = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text.trim());
  const month = match ? MONTHS[match[1]!] : undefined;
  if (!match || month === undefined) throw new Error(`unreadable certificate time '${text}' (expected e.g. 'Mar  5 07:08:09 2031 GMT')`);
  return Date.UTC(Number(match[6]), month, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
}

/** 'CN=a, O=b' from Node's name object; repeated attributes keep their order. */
export function formatDistinguishedName(name: Record<string, string | string[] | undefined> | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) parts.push(`${key}=${one}`);
  }
  return parts.join(', ');
}

function toChainCertificate(certificate: PeerCertificate): ChainCertificate {
  const subject = formatDistinguishedName(certificate.subject as unknown as Record<string, string | string[]>);
  const issuer = formatDistinguishedName(certificate.issuer as unknown as Record<string, string | string[]>);
  return {
    subject,
    issuer,
    notBefore: parseCertificateTime(certificate.valid_from),
    notAfter: parseCertificateTime(certificate.valid_to),
    fingerprint256: certificate.fingerprint256,
    selfSigned: subject === issuer,
  };
}

/**
 * The chain from `socket.getPeerCertificate(true)`, leaf first. Node links each
 * certificate to its issuer and points a self-signed root at itself; the walk stops
 * there, at a missing issuer, or at any repeat.
 *
 * Node also appends issuers it finds in the socket's trust store, which the server never
 * sent; the TLS probe therefore reads this chain from a handshake with an empty trust
 * store, so the list holds only presented certificates.
 */
export function walkPeerChain(leaf: DetailedPeerCertificate | PeerCertificate | undefined): ChainCertificate[] {
  const chain: ChainCertificate[] = [];
  const seen = new Set<string>();
  let current = leaf as DetailedPeerCertificate | undefined;
  while (current && current.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(toChainCertificate(current));
    current = current.issuerCertificate;
  }
  return chain;
}

/**
 * The earliest notAfter among the presented certificates: blackbox_exporter's
 * probe_ssl_earliest_cert_expiry (minimum over the peer certificates). Undefined for an
 * empty chain.
 */
export function earliestNotAfter(chain: readonly ChainCertificate[]): ChainCertificate | undefined {
  let earliest: ChainCertificate | undefined;
  for (const certificate of chain) if (!earliest || certificate.notAfter < earliest.notAfter) earliest = certificate;
  return earliest;
}

export const MS_PER_DAY = 86_400_000;

/** Days from `now` to `notAfter`; negative once expired. */
export function daysLeft(notAfter: number, now: number): number {
  return (notAfter - now) / MS_PER_DAY;
}

export interface VerificationInput {
  /** socket.authorized of a handshake against the trust store */
  chainTrusted: boolean;
  /** socket.authorizationError: an OpenSSL code such as CERT_HAS_EXPIRED */
  chainError?: string;
  /** tls.checkServerIdentity's error code, e.g. ERR_TLS_CERT_ALTNAME_INVALID */
  hostError?: string;
}

export interface Verification {
  verified: boolean;
  /** 'ok', or why not: the chain's error first, then the host name's */
  reason: string;
}

/** A certificate is verified when its chain is trusted and it names the host. */
export function verificationOf(input: VerificationInput): Verification {
  if (!input.chainTrusted) return { verified: false, reason: input.chainError || 'UNTRUSTED' };
  if (input.hostError) return { verified: false, reason: input.hostError };
  return { verified: true, reason: 'ok' };
}
