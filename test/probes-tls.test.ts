import { createServer, type Server } from 'node:tls';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTls, registerProbeMetrics, type TlsProbeResult } from '../collector/src/probes/index.ts';
import { requireBinary } from './helpers/binaries.ts';
import { blackboxAvailable, startBlackbox, type Blackbox } from './helpers/blackbox.ts';
import { createCertificateFactory, type Certificate, type CertificateFactory } from './helpers/certs.ts';
import { parseExposition, sampleValue } from './helpers/exposition.ts';

/**
 * Lookout's TLS probe against blackbox_exporter on the same local endpoints, with
 * certificates made here. blackbox's probe_ssl_earliest_cert_expiry (read with
 * insecure_skip_verify, so it is reported for bad certificates too) is the oracle for
 * the expiry; its probe_success with verification on is the oracle for the verdict.
 */

const DAY = 86_400_000;
const HOST_NAME = 'lookout.test';

interface Case {
  name: string;
  /** the chain the server presents, leaf first */
  presents: () => Certificate[];
  /** the presented certificate expected to expire first */
  earliest: () => Certificate;
  verified: boolean;
  reason: string;
}

const haveTools = requireBinary('openssl', 'openssl') !== undefined && blackboxAvailable();

describe.skipIf(!haveTools)('TLS probe agrees with blackbox_exporter', () => {
  let factory: CertificateFactory;
  let blackbox: Blackbox;
  let caFile: string;
  const servers = new Map<string, { server: Server; port: number }>();
  const certs: Record<string, Certificate> = {};
  const now = Date.now();

  const cases: Case[] = [
    {
      name: 'leaf 10 d under intermediate 5 d',
      presents: () => [certs.leaf10!, certs.intermediate5!],
      earliest: () => certs.intermediate5!,
      verified: true,
      reason: 'ok',
    },
    {
      // Node would append this root (3 d) from the trust store; blackbox only counts what
      // the server sent, and so must Lookout
      name: 'root not presented expires first',
      presents: () => [certs.leaf60!, certs.intermediate40!],
      earliest: () => certs.intermediate40!,
      verified: true,
      reason: 'ok',
    },
    {
      name: 'expired leaf',
      presents: () => [certs.expired!],
      earliest: () => certs.expired!,
      verified: false,
      reason: 'CERT_HAS_EXPIRED',
    },
    {
      name: 'self-signed leaf',
      presents: () => [certs.selfSigned!],
      earliest: () => certs.selfSigned!,
      verified: false,
      reason: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    },
    {
      name: 'wrong host name',
      presents: () => [certs.wrongHost!],
      earliest: () => certs.wrongHost!,
      verified: false,
      reason: 'ERR_TLS_CERT_ALTNAME_INVALID',
    },
  ];

  beforeAll(async () => {
    factory = createCertificateFactory();
    const at = (days: number) => new Date(now + days * DAY);
    certs.root = factory.make({ name: 'root', commonName: 'Lookout Test Root', notBefore: at(-1), notAfter: at(3650), isCa: true });
    certs.intermediate5 = factory.make({
      name: 'intermediate5', commonName: 'Lookout Intermediate 5d', notBefore: at(-1), notAfter: at(5), isCa: true, issuer: certs.root,
    });
    certs.leaf10 = factory.make({
      name: 'leaf10', commonName: HOST_NAME, dnsNames: [HOST_NAME], notBefore: at(-1), notAfter: at(10), issuer: certs.intermediate5,
    });
    certs.shortRoot = factory.make({ name: 'short-root', commonName: 'Lookout Short Root', notBefore: at(-1), notAfter: at(3), isCa: true });
    certs.intermediate40 = factory.make({
      name: 'intermediate40', commonName: 'Lookout Intermediate 40d', notBefore: at(-1), notAfter: at(40), isCa: true, issuer: certs.shortRoot,
    });
    certs.leaf60 = factory.make({
      name: 'leaf60', commonName: HOST_NAME, dnsNames: [HOST_NAME], notBefore: at(-1), notAfter: at(60), issuer: certs.intermediate40,
    });
    certs.expired = factory.make({
      name: 'expired', commonName: HOST_NAME, dnsNames: [HOST_NAME], notBefore: at(-30), notAfter: at(-2), issuer: certs.root,
    });
    certs.selfSigned = factory.make({ name: 'self-signed', commonName: HOST_NAME, dnsNames: [HOST_NAME], notBefore: at(-1), notAfter: at(30) });
    certs.wrongHost = factory.make({
      name: 'wrong-host', commonName: 'other.test', dnsNames: ['other.test'], notBefore: at(-1), notAfter: at(20), issuer: certs.root,
    });
    caFile = factory.bundle('trusted', [certs.root, certs.shortRoot]);

    for (const c of cases) {
      const [leaf, ...rest] = c.presents();
      const server = createServer({ key: leaf!.keyPem, cert: [leaf!, ...rest].map((x) => x.certPem).join('') }, (socket) => socket.end());
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
      });
      servers.set(c.name, { server, port });
    }

    blackbox = await startBlackbox({
      tls_read: { prober: 'tcp', timeout: '5s', tcp: { tls: true, tls_config: { insecure_skip_verify: true, server_name: HOST_NAME } } },
      tls_verify: { prober: 'tcp', timeout: '5s', tcp: { tls: true, tls_config: { ca_file: caFile, server_name: HOST_NAME } } },
    });
  });

  afterAll(async () => {
    await blackbox?.stop();
    for (const { server } of servers.values()) await new Promise((r) => server.close(r));
    factory?.remove();
  });

  async function lookout(c: Case): Promise<TlsProbeResult> {
    const { port } = servers.get(c.name)!;
    return probeTls({ name: c.name, host: '127.0.0.1', port, servername: HOST_NAME, caFile }, AbortSignal.timeout(5000));
  }

  for (const c of cases) {
    it(`${c.name}: same earliest expiry and days left as blackbox`, async () => {
      const { port } = servers.get(c.name)!;
      const result = await lookout(c);
      const read = await blackbox.probe('tls_read', `127.0.0.1:${port}`);
      expect(sampleValue(read, 'probe_success'), 'blackbox could not read the chain').toBe(1);
      const blackboxExpiry = sampleValue(read, 'probe_ssl_earliest_cert_expiry');

      expect(result.earliest.notAfter / 1000).toBe(blackboxExpiry);
      expect(result.earliest.notAfter).toBe(c.earliest().notAfter.getTime());
      expect(result.chain.map((x) => x.notAfter)).toEqual(c.presents().map((x) => x.notAfter.getTime()));

      // the exported metrics, at one scrape time, say the same
      const registry = new Registry();
      const scrapeAt = Date.now();
      const metrics = registerProbeMetrics(registry, { now: () => scrapeAt });
      metrics.tls(c.name, { id: `tls/${c.name}`, status: 'success', value: result, startedAt: scrapeAt, durationMs: 12 });
      const samples = parseExposition(await registry.metrics());
      expect(sampleValue(samples, 'lookout_tls_earliest_cert_expiry_seconds', { target: c.name })).toBe(blackboxExpiry);
      const daysLeft = sampleValue(samples, 'lookout_tls_cert_days_left', { target: c.name });
      // same formula over the same instants; only float rounding may differ
      expect(daysLeft).toBeCloseTo((blackboxExpiry * 1000 - scrapeAt) / DAY, 9);
      expect(sampleValue(samples, 'lookout_probe_success', { kind: 'tls', target: c.name })).toBe(1);
    });

    it(`${c.name}: verification ${c.verified ? 'passes' : `fails with ${c.reason}`}, as blackbox says`, async () => {
      const { port } = servers.get(c.name)!;
      const result = await lookout(c);
      const verify = await blackbox.probe('tls_verify', `127.0.0.1:${port}`);
      expect(result.verification).toEqual({ verified: c.verified, reason: c.reason });
      expect(sampleValue(verify, 'probe_success')).toBe(c.verified ? 1 : 0);

      const registry = new Registry();
      const metrics = registerProbeMetrics(registry, { now: () => now });
      metrics.tls(c.name, { id: `tls/${c.name}`, status: 'success', value: result, startedAt: now, durationMs: 1 });
      const samples = parseExposition(await registry.metrics());
      expect(sampleValue(samples, 'lookout_tls_cert_verified', { target: c.name, reason: c.reason })).toBe(c.verified ? 1 : 0);
    });
  }

  it('reads the presented chain leaf first, with subject and issuer names', async () => {
    const result = await lookout(cases[0]!);
    expect(result.chain.map((x) => [x.subject, x.issuer])).toEqual([
      [`CN=${HOST_NAME}`, 'CN=Lookout Intermediate 5d'],
      ['CN=Lookout Intermediate 5d', 'CN=Lookout Test Root'],
    ]);
    expect(result.protocol).toMatch(/^TLSv1\.[23]$/);
  });

  it("without caFile, Node's public roots do not trust the test CA", async () => {
    const { port } = servers.get(cases[0]!.name)!;
    const result = await probeTls({ name: 'no-ca', host: '127.0.0.1', port, servername: HOST_NAME }, AbortSignal.timeout(5000));
    expect(result.verification.verified).toBe(false);
    expect(result.verification.reason).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    // the presented chain does not depend on the trust store
    expect(result.earliest.notAfter).toBe(certs.intermediate5!.notAfter.getTime());
  });

  it('a missing caFile fails the probe with a message naming the file', async () => {
    const { port } = servers.get(cases[0]!.name)!;
    await expect(
      probeTls({ name: 'bad-ca', host: '127.0.0.1', port, servername: HOST_NAME, caFile: '/nonexistent/ca.pem' }, AbortSignal.timeout(5000)),
    ).rejects.toThrow(/TLS probe 'bad-ca' \(127\.0\.0\.1:\d+\): cannot read caFile \/nonexistent\/ca\.pem/);
  });

  it('a closed port fails the probe with the connection error', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((r) => server.close(r));
    await expect(probeTls({ name: 'closed', host: '127.0.0.1', port }, AbortSignal.timeout(5000))).rejects.toThrow(
      /TLS probe 'closed' \(127\.0\.0\.1:\d+\): connect ECONNREFUSED/,
    );
  });

  it('a server that never answers the handshake is stopped by the signal', async () => {
    const { createServer: createTcpServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const silent = createTcpServer((socket) => held.push(socket));
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
    try {
      await expect(probeTls({ name: 'silent', host: '127.0.0.1', port }, AbortSignal.timeout(300))).rejects.toThrow(
        /TLS probe 'silent' .* was stopped: the probe timed out/,
      );
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
