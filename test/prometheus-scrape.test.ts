/**
 * A real Prometheus (Debian package) scrapes the collector's /metrics; the counters it
 * reads match what was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

const resource = resourceFromAttributes({ 'service.name': 'scrape-test' });

function spans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  for (let i = 0; i < count; i++) provider.getTracer('t').startSpan(`s${i}`).end();
  return memory.getFinishedSpans();
}

describe('Prometheus scrapes the collector', () => {
  let test: TestCollector;
  let prometheus: RunningPrometheus | undefined;
  beforeAll(async () => {
    test = await startTestCollector();
    const target = test.collector.httpUrl.replace(/^https?:\/\//, '');
    prometheus = await startPrometheus([{ job: 'lookout', target }]);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await test?.close();
  });

  it('reads the accepted, received and refused counts that were sent', async (ctx) => {
    if (!prometheus) return ctx.skip();
    const url = test.collector.httpUrl;
    const headers = { 'content-type': 'application/x-protobuf' };
    // 7 requests × 40 spans, 3 log requests × 5 records, 2 malformed trace requests.
    for (let i = 0; i < 7; i++) {
      const response = await fetch(`${url}/v1/traces`, { method: 'POST', headers, body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans(40))!) });
      expect(response.status).toBe(200);
    }
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
    for (let i = 0; i < 5; i++) provider.getLogger('l').emit({ body: `line ${i}` });
    const logs = Buffer.from(ProtobufLogsSerializer.serializeRequest(memory.getFinishedLogRecords())!);
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/v1/logs`, { method: 'POST', headers, body: logs })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await fetch(`${url}/v1/traces`, { method: 'POST', headers, body: Buffer.from([0x0a, 0x05, 0x01]) })).status).toBe(400);

    await test.collector.queue.idle();
    await prometheus.waitForScrape('lookout');
    const value = async (expr: string) => {
      const result = await prometheus!.query(expr);
      expect(result, expr).toHaveLength(1);
      return Number(result[0]!.value[1]);
    };
    expect(await value('sum(lookout_receiver_accepted_items_total{job="lookout",signal="traces"})')).toBe(280);
    expect(await value('sum(lookout_receiver_received_items_total{job="lookout",signal="traces"})')).toBe(280);
    expect(await value('sum(lookout_receiver_accepted_items_total{job="lookout",signal="logs"})')).toBe(15);
    expect(await value('sum(lookout_receiver_requests_total{job="lookout",signal="traces",code="200"})')).toBe(7);
    expect(await value('sum(lookout_receiver_requests_total{job="lookout",signal="traces",code="400"})')).toBe(2);
    expect(await value('sum(lookout_receiver_refused_requests_total{job="lookout",reason="malformed"})')).toBe(2);
    expect(await value('lookout_queue_items{job="lookout"}')).toBe(0);
    expect(await value('sum(lookout_receiver_request_duration_seconds_count{job="lookout",receiver="otlp-http"})')).toBe(12);
    expect(await value('lookout_process_resident_memory_bytes{job="lookout"}')).toBeGreaterThan(10_000_000);
  });
});
