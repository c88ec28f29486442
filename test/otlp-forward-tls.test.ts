/**
 * The OTLP exporter to a collector that wants TLS from a private CA and a bearer token:
 * with tls.caFile and bearerToken (read from the environment) everything arrives, under
 * the token's tenant, over HTTP and gRPC; without the CA the handshake fails, counted as
 * failed attempts, and nothing is delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import type { TracesData } from '@lookout/otlp';
import { requireBinary } from './helpers/binaries.ts';
import { createCertificateFactory, wholeSeconds, type CertificateFactory } from './helpers/certs.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

let certs: CertificateFactory | undefined;
let target: TestCollector | undefined;
let caPath = '';
const started: TestCollector[] = [];

beforeAll(async () => {
  if (!requireBinary('openssl', 'openssl')) return;
  certs = createCertificateFactory();
  const now = Date.now();
  const ca = certs.make({ name: 'ca', commonName: 'Lookout Forward CA', isCa: true, notBefore: wholeSeconds(now - 3600_000), notAfter: wholeSeconds(now + 86_400_000) });
  const leaf = certs.make({ name: 'target', commonName: 'localhost', dnsNames: ['localhost'], issuer: ca, notBefore: wholeSeconds(now - 3600_000), notAfter: wholeSeconds(now + 86_400_000) });
  caPath = ca.certPath;
  target = await startTestCollector(
    [
      'receivers:',
      '  otlp:',
      `    tls: { certFile: ${JSON.stringify(leaf.certPath)}, keyFile: ${JSON.stringify(leaf.keyPath)} }`,
      '    auth:',
      '      tenants:',
      '        - { name: team-a, token: "${TOKEN_A}" }',
    ].join('\n'),
    { TOKEN_A: 'forward-secret-0123456789abcdef' },
  );
}, 30_000);

afterAll(async () => {
  for (const c of started) await c.close();
  await target?.close();
  certs?.remove();
});

async function forwarder(endpoint: string, extra: string[]): Promise<TestCollector> {
  const c = await startTestCollector(
    ['exporters:', '  otlp:', `    endpoint: "${endpoint}"`, '    signals: [traces]', '    batchWait: 50ms', '    minBackoff: 50ms', '    maxBackoff: 200ms', ...extra].join('\n'),
    { FORWARD_TOKEN: 'forward-secret-0123456789abcdef' },
  );
  started.push(c);
  return c;
}

async function sendSpans(c: TestCollector, count: number, prefix: string): Promise<void> {
  const memory = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'tls-forward' }), spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('t');
  for (let i = 0; i < count; i++) tracer.startSpan(`${prefix} ${i}`).end();
  await new Promise<void>((resolve, reject) =>
    new OTLPTraceExporter({ url: `${c.collector.httpUrl}/v1/traces` }).export(memory.getFinishedSpans(), (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error))),
  );
}

const spanNames = () => target!.batches.traces.flatMap((b) => (b.data as TracesData).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ name: s.name, tenant: b.tenant })))));

describe('OTLP exporter with TLS from a private CA and a bearer token', () => {
  it('delivers over HTTPS and gRPC with TLS under the token tenant', async (ctx) => {
    if (!target) return ctx.skip();
    const httpPort = new URL(target.collector.httpUrl).port;
    const secure = [`    tls: { caFile: ${JSON.stringify(caPath)} }`, '    bearerToken: "${FORWARD_TOKEN}"'];
    const overHttp = await forwarder(`https://localhost:${httpPort}`, secure);
    const overGrpc = await forwarder(`https://localhost:${target.collector.grpcPort}`, [...secure, '    protocol: grpc']);
    await sendSpans(overHttp, 12, 'http');
    await sendSpans(overGrpc, 9, 'grpc');
    await target.waitForItems('traces', 21);
    await overHttp.collector.otlpExporter!.flush();
    await overGrpc.collector.otlpExporter!.flush();
    const got = spanNames();
    expect(got.filter((s) => s.name.startsWith('http ')).length).toBe(12);
    expect(got.filter((s) => s.name.startsWith('grpc ')).length).toBe(9);
    expect(new Set(got.map((s) => s.tenant))).toEqual(new Set(['team-a']));
  }, 30_000);

  it('does not deliver without the CA: the failed handshakes are counted', async (ctx) => {
    if (!target) return ctx.skip();
    const before = spanNames().length;
    const untrusting = await forwarder(`https://localhost:${new URL(target.collector.httpUrl).port}`, ['    bearerToken: "${FORWARD_TOKEN}"']);
    await sendSpans(untrusting, 3, 'untrusted');
    const failed = async () => {
      const text = await (await fetch(`${untrusting.collector.httpUrl}/metrics`)).text();
      return Number(/^lookout_otlp_exporter_failed_requests_total\{signal="traces",reason="network"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const deadline = Date.now() + 10_000;
    while ((await failed()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await failed()).toBeGreaterThanOrEqual(2);
    expect(spanNames().length).toBe(before);
  }, 30_000);
});
