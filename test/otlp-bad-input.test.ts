/**
 * One test per kind of bad input: the right status, a Status message that says what is
 * wrong, a self-metric that counts it, and the collector keeps serving other clients.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { field, lengthDelimited, readStatus, varint } from './helpers/otlp-bytes.ts';

function spans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bad-input-test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < count; i++) tracer.startSpan(`span-${i}`).end();
  return memory.getFinishedSpans();
}

const validBody = () => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans(3))!);

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', body, headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: new TextDecoder().decode(bytes) };
}

describe('OTLP/HTTP receiver: bad input', () => {
  let test: TestCollector;
  let url: string;
  beforeAll(async () => {
    test = await startTestCollector(
      'receivers:\n  otlp:\n    http:\n      maxBodyBytes: 1MiB\n      maxDecompressedBytes: 4MiB\n',
    );
    url = `${test.collector.httpUrl}/v1/traces`;
  });
  afterAll(async () => {
    await test?.close();
  });

  /** After every bad request, a good client is still served. */
  async function stillServes() {
    const ok = await post(url, validBody(), { 'content-type': 'application/x-protobuf' });
    expect(ok.status).toBe(200);
  }

  async function protobufError(body: Uint8Array, expectedStatus = 400) {
    const response = await post(url, body, { 'content-type': 'application/x-protobuf' });
    expect(response.status).toBe(expectedStatus);
    expect(response.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const status = readStatus(response.bytes);
    await stillServes();
    return status;
  }

  it('truncated protobuf → 400 naming the field and offset', async () => {
    const body = validBody();
    const status = await protobufError(body.subarray(0, body.length - 7));
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/resource_spans/);
    expect(status.message).toMatch(/offset|byte/i);
    expect(status.message).toMatch(/truncat|end of|past the end|beyond/i);
  });

  it('wrong wire type → 400 naming the field', async () => {
    // field 1 (resource_spans) must be length-delimited; send it as a varint
    const status = await protobufError(new Uint8Array([...field(1, 0), ...varint(5)]));
    expect(status.message).toMatch(/resource_spans/);
    expect(status.message).toMatch(/wire type/i);
  });

  it('invalid UTF-8 in a string → 400 naming the string field', async () => {
    // ExportTraceServiceRequest{ resource_spans { scope_spans { spans { trace_id, span_id, name = 0xff 0xfe } } } }
    const span = [
      ...lengthDelimited(1, new Uint8Array(16).fill(1)),
      ...lengthDelimited(2, new Uint8Array(8).fill(2)),
      ...lengthDelimited(5, [0x6f, 0xff, 0xfe]),
    ];
    const body = new Uint8Array(lengthDelimited(1, lengthDelimited(2, lengthDelimited(2, span))));
    const status = await protobufError(body);
    expect(status.message).toMatch(/UTF-8/i);
    expect(status.message).toMatch(/name/);
  });

  it('invalid JSON → 400 with a JSON Status saying where', async () => {
    const response = await post(url, '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const status = JSON.parse(response.text) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/JSON/);
    await stillServes();
  });

  it('wrongly typed JSON → 400 naming the path', async () => {
    const response = await post(url, JSON.stringify({ resourceSpans: {} }), { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect((JSON.parse(response.text) as { message: string }).message).toMatch(/resourceSpans/);
    const nested = await post(
      url,
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 42 }] }] }] }),
      { 'content-type': 'application/json' },
    );
    expect(nested.status).toBe(400);
    expect((JSON.parse(nested.text) as { message: string }).message).toMatch(/resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.name/);
    await stillServes();
  });

  it('gzip bomb → 413 without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const response = await post(url, bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect(readStatus(response.bytes).message).toMatch(/decompress.*4194304.*maxDecompressedBytes/);
    await stillServes();
  });

  it('gzip that is not gzip → 400', async () => {
    const response = await post(url, Buffer.from('plain bytes'), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(response.status).toBe(400);
    expect(readStatus(response.bytes).message).toMatch(/not valid gzip/);
  });

  it('a well-formed gzip body is accepted', async () => {
    const response = await post(url, gzipSync(validBody()), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
  });

  it('oversized body → 413 naming the limit', async () => {
    const response = await post(url, Buffer.alloc(2 * 1024 * 1024, 1), { 'content-type': 'application/x-protobuf' });
    expect(response.status).toBe(413);
    expect(readStatus(response.bytes).message).toMatch(/larger than 1048576 bytes.*maxBodyBytes/);
    await stillServes();
  });

  it('unknown content type → 415 saying what to send', async () => {
    const response = await post(url, 'hello', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect((JSON.parse(response.text) as { message: string }).message).toMatch(/'text\/plain'.*application\/x-protobuf or application\/json/);
    await stillServes();
  });

  it('unknown content encoding → 415', async () => {
    const response = await post(url, validBody(), { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' });
    expect(response.status).toBe(415);
    expect(readStatus(response.bytes).message).toMatch(/Content-Encoding 'br'/);
  });

  it('empty body: a valid empty protobuf request, an error in JSON', async () => {
    const proto = await post(url, new Uint8Array(0), { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(200);
    const json = await post(url, '', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect((JSON.parse(json.text) as { message: string }).message).toMatch(/empty|JSON/i);
  });

  it('a span with a bad trace id is rejected alone, with partial_success', async () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'good', startTimeUnixNano: '1', endTimeUnixNano: '2' },
                { traceId: 'abcd', spanId: 'eee19b7ec3c1b174', name: 'bad', startTimeUnixNano: '1', endTimeUnixNano: '2' },
              ],
            },
          ],
        },
      ],
    });
    test.clear();
    const response = await post(url, body, { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    const answer = JSON.parse(response.text) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } };
    expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(1);
    expect(answer.partialSuccess?.errorMessage).toMatch(/trace_?[iI]d/);
    const batches = await test.waitForItems('traces', 1);
    expect(batches.flatMap((b) => (b.data as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name))).toEqual(['good']);
  });

  it('counts refusals by reason on /metrics', async () => {
    const text = await (await fetch(`${test.collector.httpUrl}/metrics`)).text();
    for (const reason of ['malformed', 'too_large', 'unsupported_media_type']) {
      expect(text).toMatch(new RegExp(`lookout_receiver_refused_requests_total\\{receiver="otlp-http",signal="traces",reason="${reason}"\\} [1-9]`));
    }
    expect(text).toMatch(/lookout_receiver_refused_items_total\{receiver="otlp-http",signal="traces",reason="invalid_item"\} 1/);
  });
});
