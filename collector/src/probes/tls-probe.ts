import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type ConnectionOptions, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import {
  earliestNotAfter,
  verificationOf,
  walkPeerChain,
  type ChainCertificate,
  type Verification,
} from './tls-chain.ts';
import { ProbeAbortedError } from './probe-error.ts';

export interface TlsProbeTarget {
  name: string;
  host: string;
  port: number;
  /** SNI and the name checked against the certificate; defaults to host */
  servername?: string;
  /** PEM bundle of trusted CAs; Node's bundled Mozilla roots when absent */
  caFile?: string;
}

export interface TlsProbeResult {
  /** certificates as the server presented them, leaf first */
  chain: ChainCertificate[];
  /** the presented certificate that expires first */
  earliest: ChainCertificate;
  verification: Verification;
  /** negotiated protocol, e.g. 'TLSv1.3' */
  protocol: string;
}

function handshake(options: ConnectionOptions, signal: AbortSignal, what: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ProbeAbortedError(what));
    const socket = connect(options);
    const onAbort = () => {
      socket.destroy();
      reject(new ProbeAbortedError(what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (error: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(new Error(`${what}: ${error.message}`, { cause: error }));
    });
  });
}

/**
 * Connects twice, both times with verification computed but not enforced
 * (rejectUnauthorized false), so expired or untrusted certificates are still read:
 *
 * 1. against an empty trust store, to read the chain exactly as the server presented it
 *    (Node would otherwise append issuers from the trust store), the set
 *    blackbox_exporter takes probe_ssl_earliest_cert_expiry from;
 * 2. against the trust store (caFile, or Node's roots) for OpenSSL's verdict, plus the
 *    host-name check that rejectUnauthorized false skips.
 *
 * A load balancer may answer the two connections from different backends; during a
 * certificate roll-out the two halves can disagree for one probe.
 */
export async function probeTls(target: TlsProbeTarget, signal: AbortSignal): Promise<TlsProbeResult> {
  const where = `TLS probe '${target.name}' (${target.host}:${target.port})`;
  const identity = target.servername ?? target.host;
  const base: ConnectionOptions = {
    host: target.host,
    port: target.port,
    rejectUnauthorized: false,
    // RFC 6066 forbids an IP address as SNI; Node warns when given one
    ...(isIP(identity) === 0 ? { servername: identity } : {}),
  };
  let trusted: string | undefined;
  if (target.caFile) {
    try {
      trusted = await readFile(target.caFile, 'utf8');
    } catch (error) {
      throw new Error(`${where}: cannot read caFile ${target.caFile}: ${(error as Error).message}`, { cause: error });
    }
  }

  const inspect = await handshake({ ...base, ca: [] }, signal, where);
  let chain: ChainCertificate[];
  let protocol: string;
  try {
    chain = walkPeerChain(inspect.getPeerCertificate(true) as DetailedPeerCertificate);
    protocol = inspect.getProtocol() ?? 'unknown';
  } finally {
    inspect.destroy();
  }
  const earliest = earliestNotAfter(chain);
  if (!earliest) throw new Error(`${where}: the server presented no certificate`);

  const verify = await handshake(trusted === undefined ? base : { ...base, ca: trusted }, signal, where);
  try {
    const leaf = verify.getPeerCertificate(false);
    const hostError = checkServerIdentity(identity, leaf) as (Error & { code?: string }) | undefined;
    const verification = verificationOf({
      chainTrusted: verify.authorized,
      chainError: verify.authorizationError ? String(verify.authorizationError) : undefined,
      hostError: hostError ? (hostError.code ?? hostError.message) : undefined,
    });
    return { chain, earliest, verification, protocol };
  } finally {
    verify.destroy();
  }
}
