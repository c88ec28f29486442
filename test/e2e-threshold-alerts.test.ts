import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { requireBinary } from './helpers/binaries.ts';
import { createCertificateFactory, type CertificateFactory } from './helpers/certs.ts';
import { firstAlert, startWebhookSink, type WebhookAlert, type WebhookSink } from './helpers/webhook-sink.ts';

/**
 * Threshold alerts end to end: real TLS servers with certificates made by openssl
 * (one expiring in 10 days, one expired), an HTTP probe of a closed port, and host
 * metrics over OTLP/HTTP; the collector's probes and rules page or ticket through a
 * webhook receiver, and resolve.
 */

const DAY = 86_400_000;
const HOST_NAME = 'lookout.test';
const haveOpenssl = requireBinary('openssl', 'openssl') !== undefined;


const alertOf = firstAlert;
const key = (a: WebhookAlert) => `${a.status} ${a.labels.alertname} ${a.labels.severity} ${a.labels.target ?? a.labels.mountpoint ?? ''}`;

function hostMetrics(utilization: number, atMs: number) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'host.name', value: { stringValue: 'web-1' } }] },
        scopeMetrics: [
          {
            scope: { name: 'lookout-host-agent' },
            metrics: [
              {
                name: 'system.filesystem.utilization',
                unit: '1',
                gauge: {
                  dataPoints: [
                    {
                      timeUnixNano: String(BigInt(atMs) * 1_000_000n),
                      asDouble: utilization,
                      attributes: [{ key: 'system.filesystem.mountpoint', value: { stringValue: '/data' } }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe.skipIf(!haveOpenssl)('threshold alerts end to end', () => {
  let dir: string;
  let factory: CertificateFactory;
  let sink: WebhookSink;
  let collector: RunningCollector;
  const servers: Server[] = [];

  async function tlsServer(certPem: string, keyPem: string): Promise<number> {
    const server = createServer({ key: keyPem, cert: certPem }, (socket) => socket.end());
    servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-e2e-threshold-'));
    factory = createCertificateFactory();
    const now = Date.now();
    const at = (days: number) => new Date(now + days * DAY);
    const root = factory.make({ name: 'root', commonName: 'Lookout Test Root', notBefore: at(-1), notAfter: at(3650), isCa: true });
    const soon = factory.make({ name: 'soon', commonName: HOST_NAME, dnsNames: [HOST_NAME], notBefore: at(-1), notAfter: at(10), issuer: root });
    const expired = factory.make({ name: 'expired', commonName: HOST_NAME, dnsNames: [HOST_NAME], notBefore: at(-30), notAfter: at(-2), issuer: root });
    const caFile = factory.bundle('trusted', [root]);
    const soonPort = await tlsServer(soon.certPem, soon.keyPem);
    const expiredPort = await tlsServer(expired.certPem, expired.keyPem);
    // a port nobody listens on: take one, then free it
    const closedPort = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    sink = await startWebhookSink();
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        log: { level: 'error' },
        storage: { dataDir: join(dir, 'data') },
        probes: {
          jitter: 0,
          tls: [
            { name: 'soon', host: '127.0.0.1', port: soonPort, servername: HOST_NAME, caFile, interval: '1s', timeout: '1s' },
            { name: 'expired', host: '127.0.0.1', port: expiredPort, servername: HOST_NAME, caFile, interval: '1s', timeout: '1s' },
          ],
          http: [{ name: 'health', url: `http://127.0.0.1:${closedPort}/healthz`, interval: '200ms', timeout: '200ms' }],
        },
        thresholdAlerts: { evaluationInterval: '100ms', probeFailures: 2 },
        notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}/hook` }] } },
      }),
      'e2e.yaml',
      {},
    );
    collector = await startCollector(config);
  });

  afterAll(async () => {
    await collector?.close();
    await sink?.close();
    for (const server of servers) server.close();
    factory?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('tickets a certificate expiring in 10 days, pages an expired one and a failing probe, mutes tickets under pages', async () => {
    const expected = [
      'firing TLSCertificateExpiring ticket soon',
      'firing TLSCertificateExpiring page expired',
      'firing TLSCertificateInvalid page expired',
      'firing ProbeFailing page health',
    ];
    await sink.waitFor(() => expected.every((e) => sink.on('/hook').some((r) => key(alertOf(r)) === e)), 15_000, expected.join(', '));
    const alerts = sink.on('/hook').map(alertOf);
    // the expired certificate's ticket is muted by its page
    expect(alerts.map(key)).not.toContain('firing TLSCertificateExpiring ticket expired');
    const soon = alerts.find((a) => key(a) === 'firing TLSCertificateExpiring ticket soon')!;
    expect(soon.labels).toEqual({ alertname: 'TLSCertificateExpiring', severity: 'ticket', target: 'soon' });
    expect(soon.annotations.summary).toMatch(/^TLS certificate of soon expires in (9\.9|10) days \(/);
    const invalid = alerts.find((a) => key(a) === 'firing TLSCertificateInvalid page expired')!;
    expect(invalid.annotations.reason).toBe('CERT_HAS_EXPIRED');
    const probe = alerts.find((a) => key(a) === 'firing ProbeFailing page health')!;
    expect(probe.labels).toEqual({ alertname: 'ProbeFailing', severity: 'page', probe: 'http', target: 'health' });
    expect(probe.annotations.summary).toMatch(/^http probe health failed \d+ runs in a row: /);
    // one notification per alert
    expect(new Set(alerts.map(key)).size).toBe(alerts.length);

    const api = (await (await fetch(`${collector.httpUrl}/api/v1/alerts`)).json()) as { alerts: Array<{ source: string; labels: Record<string, string>; inhibited: boolean }> };
    const mutedTicket = api.alerts.find((a) => a.labels.alertname === 'TLSCertificateExpiring' && a.labels.target === 'expired' && a.labels.severity === 'ticket');
    expect(mutedTicket).toMatchObject({ source: 'threshold', inhibited: true });
  });

  it('pages a full disk reported over OTLP and resolves it when the reading drops', async () => {
    const post = (body: unknown) =>
      fetch(`${collector.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(hostMetrics(0.99, Date.now()))).status).toBe(200);
    await sink.waitFor(() => sink.on('/hook').some((r) => key(alertOf(r)) === 'firing HostDiskFull page /data'), 10_000, 'the disk page');
    const page = sink.on('/hook').map(alertOf).find((a) => key(a) === 'firing HostDiskFull page /data')!;
    expect(page.labels).toEqual({ alertname: 'HostDiskFull', severity: 'page', host: 'web-1', mountpoint: '/data' });
    expect(page.annotations.summary).toBe('filesystem /data on web-1 is 99 % full');
    expect((await post(hostMetrics(0.5, Date.now()))).status).toBe(200);
    await sink.waitFor(() => sink.on('/hook').some((r) => key(alertOf(r)) === 'resolved HostDiskFull page /data'), 10_000, 'the disk resolve');
    const resolved = sink.on('/hook').map(alertOf).find((a) => key(a) === 'resolved HostDiskFull page /data')!;
    expect(resolved.startsAt).toBe(page.startsAt);
    // the muted ticket never notified, so it resolves silently
    expect(sink.on('/hook').map(alertOf).map(key).filter((k) => k.includes('HostDiskFull ticket'))).toEqual([]);
    const text = await (await fetch(`${collector.httpUrl}/metrics`)).text();
    expect(text).toContain('lookout_threshold_alert_firing{alertname="ProbeFailing",severity="page",subject="http/health"} 1');
  });
});
