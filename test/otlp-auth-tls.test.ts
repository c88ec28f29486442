/**
 * Receiver security and back-pressure: bearer tokens per tenant on HTTP and gRPC, TLS
 * with a CA made by the test and a real exporter, and 429 / RESOURCE_EXHAUSTED with
 * Retry-After when the pipeline queue is full.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials as grpcCredentials, Metadata } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector } from '../collector/src/collector.ts';
import { requireBinary } from './helpers/binaries.ts';
import { createCertificateFactory, wholeSeconds, type CertificateFactory } from './helpers/certs.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { readStatus } from './helpers/otlp-bytes.ts';

function spans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'auth-test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  for (let i = 0; i < count; i++) provider.getTracer('t').startSpan(`s${i}`).end();
  return memory.getFinishedSpans();
}

function exportWith(exporter: { export(items: ReadableSpan[], done: (r: ExportResult) => void): void }, items: ReadableSpan[]) {
  return new Promise<ExportResult>((resolve) => exporter.export(items, resolve));
}

const TOKEN_A = 'token-for-team-a-0123456789abcdef';
const TOKEN_B = 'token-for-team-b-fedcba9876543210';

describe('bearer-token auth per tenant', () => {
  let test: TestCollector;
  beforeAll(async () => {
    test = await startTestCollector(
      'receivers:\n  otlp:\n    auth:\n      tenants:\n        - { name: team-a, token: "${TOKEN_A}" }\n        - { name: team-b, token: "${TOKEN_B}" }\nlog:\n  level: info\n',
      { TOKEN_A, TOKEN_B },
    );
  });
  afterAll(async () => {
    await test?.close();
  });

  const body = () => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans(2))!);
  const post = (headers: Record<string, string>) =>
    fetch(`${test.collector.httpUrl}/v1/traces`, {
      method: 'POST',
      body: body(),
      headers: { 'content-type': 'application/x-protobuf', ...headers },
    });

  it('HTTP without a token → 401 that says how to authenticate', async () => {
    const response = await post({});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(readStatus(new Uint8Array(await response.arrayBuffer())).message).toMatch(/missing Authorization header.*Bearer/);
  });

  it('HTTP with a wrong token → 401', async () => {
    const response = await post({ authorization: `Bearer ${TOKEN_A.slice(0, -1)}x` });
    expect(response.status).toBe(401);
    expect(readStatus(new Uint8Array(await response.arrayBuffer())).message).toMatch(/invalid bearer token/);
  });

  it('HTTP with the right token → 200, and the tenant is recorded on the batch', async () => {
    test.clear();
    expect((await post({ authorization: `Bearer ${TOKEN_B}` })).status).toBe(200);
    const [batch] = await test.waitForItems('traces', 2);
    expect(batch!.tenant).toBe('team-b');
  });

  it('gRPC: no token, wrong token, right token with a real exporter', async () => {
    const url = `http://127.0.0.1:${test.collector.grpcPort}`;
    const none = await exportWith(new GrpcTraceExporter({ url }), spans(1));
    expect(none.code).toBe(ExportResultCode.FAILED);
    expect(String(none.error)).toMatch(/missing authorization/);
    const bearer = (token: string) => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return metadata;
    };
    const wrong = await exportWith(new GrpcTraceExporter({ url, metadata: bearer('nope-nope-nope-nope') }), spans(1));
    expect(wrong.code).toBe(ExportResultCode.FAILED);
    expect(String(wrong.error)).toMatch(/invalid bearer token/);
    test.clear();
    const right = await exportWith(new GrpcTraceExporter({ url, metadata: bearer(TOKEN_A) }), spans(3));
    expect(right.code).toBe(ExportResultCode.SUCCESS);
    const batches = await test.waitForItems('traces', 3);
    expect(batches.map((b) => b.tenant)).toEqual(['team-a']);
  });

  it('never shows a token in /metrics', async () => {
    const text = await (await fetch(`${test.collector.httpUrl}/metrics`)).text();
    expect(text).not.toContain(TOKEN_A);
    expect(text).not.toContain(TOKEN_B);
    expect(text).toMatch(/lookout_receiver_refused_requests_total\{receiver="otlp-http",signal="traces",reason="unauthorized"\} 2/);
    expect(text).toMatch(/tenant="team-b"/);
  });
});

describe('TLS on the receivers', () => {
  let certs: CertificateFactory | undefined;
  let test: TestCollector | undefined;
  let caPem = '';
  beforeAll(async () => {
    if (!requireBinary('openssl', 'openssl')) return;
    certs = createCertificateFactory();
    const now = Date.now();
    const ca = certs.make({ name: 'ca', commonName: 'Lookout Test CA', isCa: true, notBefore: wholeSeconds(now - 3600_000), notAfter: wholeSeconds(now + 86_400_000) });
    const leaf = certs.make({
      name: 'collector',
      commonName: 'localhost',
      dnsNames: ['localhost'],
      issuer: ca,
      notBefore: wholeSeconds(now - 3600_000),
      notAfter: wholeSeconds(now + 86_400_000),
    });
    caPem = ca.certPem;
    test = await startTestCollector(
      `receivers:\n  otlp:\n    tls:\n      certFile: ${JSON.stringify(leaf.certPath)}\n      keyFile: ${JSON.stringify(leaf.keyPath)}\n`,
    );
  });
  afterAll(async () => {
    await test?.close();
    certs?.remove();
  });

  it('a real proto exporter sends over HTTPS trusting the test CA', async (ctx) => {
    if (!test) return ctx.skip();
    expect(test.collector.httpUrl).toMatch(/^https:/);
    // The certificate names localhost, as a real deployment names its host.
    const url = test.collector.httpUrl.replace('127.0.0.1', 'localhost');
    const exporter = new ProtoTraceExporter({ url: `${url}/v1/traces`, httpAgentOptions: { ca: caPem } } as never);
    const result = await exportWith(exporter, spans(2));
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    await test.waitForItems('traces', 2);
    await exporter.shutdown();
  });

  it('a real gRPC exporter sends over TLS trusting the test CA', async (ctx) => {
    if (!test) return ctx.skip();
    test.clear();
    const exporter = new GrpcTraceExporter({
      url: `https://localhost:${test.collector.grpcPort}`,
      credentials: grpcCredentials.createSsl(Buffer.from(caPem)),
    });
    const result = await exportWith(exporter, spans(2));
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    await test.waitForItems('traces', 2);
    await exporter.shutdown();
  });

  it('a client that does not trust the CA cannot send', async (ctx) => {
    if (!test) return ctx.skip();
    const url = test.collector.httpUrl.replace('127.0.0.1', 'localhost');
    const exporter = new ProtoTraceExporter({ url: `${url}/v1/traces`, timeoutMillis: 3000 });
    const result = await exportWith(exporter, spans(1));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(String(result.error)).toMatch(/certificate|self.signed|verify/i);
  });
});

describe('back-pressure', () => {
  it('answers 429 with Retry-After over the queue bound, never growing, and recovers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const delivered: number[] = [];
    const config = parseConfig('receivers:\n  otlp:\n    http: { port: 0 }\n    grpc: { enabled: false }\npipeline:\n  queue:\n    maxItems: 5\nlog: { level: warn }\n');
    const collector = await startCollector(config, {
      consumers: [{ signal: 'traces', name: 'slow', consume: async (b) => { await gate; delivered.push(b.items); } }],
    });
    try {
      const send = (n: number) =>
        fetch(`${collector.httpUrl}/v1/traces`, {
          method: 'POST',
          body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans(n))!),
          headers: { 'content-type': 'application/x-protobuf' },
        });
      expect((await send(3)).status).toBe(200);
      expect((await send(2)).status).toBe(200);
      const refused = await send(1);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(readStatus(new Uint8Array(await refused.arrayBuffer()))).toMatchObject({ code: 8, message: expect.stringMatching(/queue is full/) });
      expect(collector.queue.depthItems).toBe(5);

      release();
      await collector.queue.idle();
      expect(delivered).toEqual([3, 2]);
      expect((await send(1)).status).toBe(200);
      const metrics = await (await fetch(`${collector.httpUrl}/metrics`)).text();
      // admission refuses from the headers, before the body is read: the request is counted
      // (its items are not known yet)
      expect(metrics).toMatch(/lookout_receiver_refused_requests_total\{receiver="otlp-http",signal="traces",reason="queue_full"\} 1/);
      expect(metrics).toMatch(/lookout_queue_capacity_items 5/);
    } finally {
      release();
      await collector.close();
    }
  });

  it('gRPC answers RESOURCE_EXHAUSTED over the bound', async () => {
    const config = parseConfig('receivers:\n  otlp:\n    http: { port: 0 }\n    grpc: { port: 0 }\npipeline:\n  queue:\n    maxItems: 2\nlog: { level: warn }\n');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const collector = await startCollector(config, { consumers: [{ signal: 'traces', name: 'slow', consume: () => gate }] });
    try {
      const url = `http://127.0.0.1:${collector.grpcPort}`;
      expect((await exportWith(new GrpcTraceExporter({ url }), spans(2))).code).toBe(ExportResultCode.SUCCESS);
      // The exporter retries RESOURCE_EXHAUSTED; with a short timeout it gives up and reports it.
      const refused = await exportWith(new GrpcTraceExporter({ url, timeoutMillis: 1500 }), spans(1));
      expect(refused.code).toBe(ExportResultCode.FAILED);
      const metrics = await (await fetch(`${collector.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/lookout_receiver_requests_total\{receiver="otlp-grpc",signal="traces",code="8"\} [1-9]/);
    } finally {
      release();
      await collector.close();
    }
  });
});
