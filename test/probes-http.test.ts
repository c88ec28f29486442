import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp, probesConfigSchema, registerProbeMetrics, startProbes } from '../collector/src/probes/index.ts';
import { requireBinary } from './helpers/binaries.ts';
import { blackboxAvailable, startBlackbox, type Blackbox } from './helpers/blackbox.ts';
import { createCertificateFactory, type CertificateFactory } from './helpers/certs.ts';
import { findSamples, parseExposition, sampleValue } from './helpers/exposition.ts';

/**
 * The HTTP probe against local servers, with blackbox_exporter's http prober on the same
 * URLs as the oracle for status and success.
 */

const DAY = 86_400_000;
const held: Socket[] = [];

function routes(request: IncomingMessage, response: ServerResponse): void {
  switch (request.url) {
    case '/ok':
      response.writeHead(200, { 'content-type': 'text/plain' }).end('healthy: yes');
      return;
    case '/degraded':
      response.writeHead(200, { 'content-type': 'text/plain' }).end('healthy: no');
      return;
    case '/missing':
      response.writeHead(404).end('not here');
      return;
    case '/moved':
      response.writeHead(301, { location: '/ok' }).end();
      return;
    case '/teapot':
      response.writeHead(418).end('short and stout');
      return;
    case '/big':
      // 3 MiB of filler, then the marker: beyond the probe's 1 MiB read bound
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('x'.repeat(3 * 1024 * 1024));
      response.end('MARKER');
      return;
    case '/hang':
      held.push(request.socket);
      return;
    default:
      response.writeHead(500).end();
  }
}

async function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

const haveBlackbox = blackboxAvailable();

describe('HTTP probe', () => {
  let plain: Server;
  let secure: Server;
  let base: string;
  let secureBase: string;
  let factory: CertificateFactory | undefined;
  let caFile: string;

  beforeAll(async () => {
    plain = createHttpServer(routes);
    base = `http://127.0.0.1:${await listen(plain)}`;
    if (requireBinary('openssl', 'openssl')) {
      factory = createCertificateFactory();
      const now = Date.now();
      const root = factory.make({ name: 'root', commonName: 'HTTP Test Root', notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY), isCa: true });
      const leaf = factory.make({
        name: 'leaf', commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], notBefore: new Date(now - DAY), notAfter: new Date(now + 10 * DAY), issuer: root,
      });
      caFile = root.certPath;
      secure = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem }, routes);
      secureBase = `https://127.0.0.1:${await listen(secure)}`;
    }
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((r) => plain?.close(r));
    if (secure) await new Promise((r) => secure.close(r));
    factory?.remove();
  });

  const probe = (url: string, extra: Partial<Parameters<typeof probeHttp>[0]> = {}) =>
    probeHttp({ name: 't', url, ...extra }, AbortSignal.timeout(5000), () => performance.now());

  it('a 2xx is success, with status and latency', async () => {
    const result = await probe(`${base}/ok`);
    expect(result).toMatchObject({ success: true, reason: 'ok', statusCode: 200, bodyBytes: 12 });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('a 404 fails and says which status was expected', async () => {
    expect(await probe(`${base}/missing`)).toMatchObject({ success: false, statusCode: 404, reason: 'status 404, expected a 2xx status' });
  });

  it('redirects are reported, not followed', async () => {
    expect(await probe(`${base}/moved`)).toMatchObject({ success: false, statusCode: 301 });
  });

  it('expectStatus replaces the 2xx rule', async () => {
    expect(await probe(`${base}/teapot`, { expectStatus: [418] })).toMatchObject({ success: true, statusCode: 418 });
    expect(await probe(`${base}/ok`, { expectStatus: [204, 418] })).toMatchObject({ success: false, reason: 'status 200, expected 204 or 418' });
  });

  it('expectBody must match the body', async () => {
    expect(await probe(`${base}/ok`, { expectBody: 'healthy: yes' })).toMatchObject({ success: true });
    expect(await probe(`${base}/degraded`, { expectBody: 'healthy: yes' })).toMatchObject({
      success: false,
      reason: 'body does not match /healthy: yes/',
    });
  });

  it('reads at most maxBodyBytes of the body', async () => {
    const result = await probe(`${base}/big`, { expectBody: 'MARKER' });
    expect(result).toMatchObject({ success: false, statusCode: 200, bodyBytes: 1024 * 1024 });
    expect(await probe(`${base}/big`, { expectBody: '^x+$' })).toMatchObject({ success: true });
  });

  it('an invalid expectBody is a clear error naming the target', async () => {
    await expect(probe(`${base}/ok`, { expectBody: '(' })).rejects.toThrow("HTTP probe 't': expectBody is not a valid regular expression");
  });

  it('a refused connection fails with the error and the URL', async () => {
    const server = createHttpServer();
    const port = await listen(server);
    await new Promise((r) => server.close(r));
    await expect(probe(`http://127.0.0.1:${port}/`)).rejects.toThrow(`HTTP probe 't' (http://127.0.0.1:${port}/): connect ECONNREFUSED`);
  });

  it('a hanging server is stopped by the signal', async () => {
    await expect(probeHttp({ name: 'hang', url: `${base}/hang` }, AbortSignal.timeout(300), () => performance.now())).rejects.toThrow(
      `HTTP probe 'hang' (${base}/hang) was stopped: the probe timed out`,
    );
  });

  it('https verifies against caFile, and fails without it unless told to skip verification', async (context) => {
    if (!secure) return context.skip('openssl missing: no test certificates');
    expect(await probe(`${secureBase}/ok`, { caFile })).toMatchObject({ success: true, statusCode: 200 });
    await expect(probe(`${secureBase}/ok`)).rejects.toThrow(/unable to verify the first certificate/);
    expect(await probe(`${secureBase}/ok`, { insecureSkipVerify: true })).toMatchObject({ success: true });
  });

  it('startProbes records a hanging target as a timeout and a healthy one as success', async () => {
    const config = probesConfigSchema.parse({
      jitter: 0,
      http: [
        { name: 'healthy', url: `${base}/ok`, interval: '1s', timeout: '500ms' },
        { name: 'hanging', url: `${base}/hang`, interval: '1s', timeout: '300ms' },
      ],
    });
    const registry = new Registry();
    const runner = startProbes(config, registerProbeMetrics(registry));
    try {
      const deadline = Date.now() + 10_000;
      let samples = parseExposition(await registry.metrics());
      while (Date.now() < deadline && findSamples(samples, 'lookout_probe_success').length < 2) {
        await new Promise((r) => setTimeout(r, 100));
        samples = parseExposition(await registry.metrics());
      }
      expect(sampleValue(samples, 'lookout_probe_success', { kind: 'http', target: 'healthy' })).toBe(1);
      expect(sampleValue(samples, 'lookout_http_probe_status_code', { target: 'healthy' })).toBe(200);
      expect(sampleValue(samples, 'lookout_probe_success', { kind: 'http', target: 'hanging' })).toBe(0);
      expect(sampleValue(samples, 'lookout_probe_runs_total', { kind: 'http', target: 'hanging', outcome: 'timeout' })).toBeGreaterThanOrEqual(1);
      expect(findSamples(samples, 'lookout_http_probe_status_code', { target: 'hanging' })).toHaveLength(0);
    } finally {
      await runner.stop();
    }
  });

  describe.skipIf(!haveBlackbox)('agrees with blackbox_exporter', () => {
    let blackbox: Blackbox;
    beforeAll(async () => {
      blackbox = await startBlackbox({
        http_2xx: { prober: 'http', timeout: '5s', http: { no_follow_redirects: true, preferred_ip_protocol: 'ip4' } },
        http_body: {
          prober: 'http',
          timeout: '5s',
          http: { no_follow_redirects: true, preferred_ip_protocol: 'ip4', fail_if_body_not_matches_regexp: ['healthy: yes'] },
        },
        http_teapot: { prober: 'http', timeout: '5s', http: { valid_status_codes: [418], preferred_ip_protocol: 'ip4' } },
      });
    });
    afterAll(async () => {
      await blackbox?.stop();
    });

    const cases: Array<{ path: string; module: string; options: Partial<Parameters<typeof probeHttp>[0]> }> = [
      { path: '/ok', module: 'http_2xx', options: {} },
      { path: '/missing', module: 'http_2xx', options: {} },
      { path: '/moved', module: 'http_2xx', options: {} },
      { path: '/ok', module: 'http_body', options: { expectBody: 'healthy: yes' } },
      { path: '/degraded', module: 'http_body', options: { expectBody: 'healthy: yes' } },
      { path: '/teapot', module: 'http_teapot', options: { expectStatus: [418] } },
      { path: '/ok', module: 'http_teapot', options: { expectStatus: [418] } },
    ];
    for (const c of cases) {
      it(`${c.path} with ${c.module}: same status and success`, async () => {
        const ours = await probe(`${base}${c.path}`, c.options);
        const theirs = await blackbox.probe(c.module, `${base}${c.path}`);
        expect(ours.statusCode).toBe(sampleValue(theirs, 'probe_http_status_code'));
        expect(ours.success ? 1 : 0).toBe(sampleValue(theirs, 'probe_success'));
      });
    }
  });
});
