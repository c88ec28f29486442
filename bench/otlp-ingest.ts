/**
 * OTLP ingest: spans/s per core through HTTP + decode + queue, for protobuf and JSON at
 * 100 and 1,000 spans per request, next to a decode-only baseline measured in the same
 * run. The collector runs in this process; the load comes from a child process, and
 * "per core" divides by the CPU time this process used.
 *
 *   npx tsx bench/otlp-ingest.ts [seconds per case, default 4]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector } from '../collector/src/collector.ts';
import { decodeTracesJson, decodeTracesProtobuf } from '@lookout/otlp';
import { recordFigure } from './lib/figures.ts';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 4);

/** Realistic server spans: ~10 attributes, as an HTTP server instrumentation makes them. */
export function serverSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.2.3', 'host.name': 'web-1', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  for (let i = 0; i < count; i++) {
    tracer
      .startSpan(`GET /users/:id`, {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/users/:id',
          'url.path': `/users/${1000 + i}`,
          'url.scheme': 'http',
          'http.response.status_code': i % 50 === 0 ? 500 : 200,
          'server.address': 'checkout.internal',
          'server.port': 8080,
          'client.address': '10.1.2.3',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) bench',
          'network.protocol.version': '1.1',
        },
      })
      .end();
  }
  return memory.getFinishedSpans();
}

/** Decode-only throughput per CPU-second of this process (the same measure as ingest). */
function decodeOnly(decode: () => unknown, spansPerRequest: number): { spansPerSecond: number } {
  const cpuBefore = process.cpuUsage();
  const until = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let requests = 0;
  while (process.hrtime.bigint() < until) {
    for (let i = 0; i < 10; i++) decode();
    requests += 10;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { spansPerSecond: (requests * spansPerRequest) / ((cpu.user + cpu.system) / 1e6) };
}

async function main() {
  const config = parseConfig(
    'receivers:\n  otlp:\n    http: { port: 0, maxBodyBytes: 64MiB }\n    grpc: { enabled: false }\nlog: { level: warn }\n',
  );
  let spansSeen = 0;
  const collector = await startCollector(config, {
    consumers: [{ signal: 'traces', name: 'count', consume: (batch) => void (spansSeen += batch.items) }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-'));
  const rows: string[] = [];
  console.log(`otlp-ingest: ${seconds} s per case, collector on one core in this process, load from a child process`);
  for (const spansPerRequest of [100, 1000]) {
    const spans = serverSpans(spansPerRequest);
    const bodies = {
      protobuf: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!),
      json: Buffer.from(JsonTraceSerializer.serializeRequest(spans)!),
    };
    for (const encoding of ['protobuf', 'json'] as const) {
      const body = bodies[encoding];
      const decode = encoding === 'protobuf' ? () => decodeTracesProtobuf(body) : () => decodeTracesJson(body);
      // Warm up the decoder so both measurements see optimised code.
      for (let i = 0; i < 50; i++) decode();
      const baseline = decodeOnly(decode, spansPerRequest);

      const file = join(dir, `${encoding}-${spansPerRequest}.bin`);
      writeFileSync(file, body);
      const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
      spansSeen = 0;
      const cpuBefore = process.cpuUsage();
      const wallBefore = process.hrtime.bigint();
      const { stdout } = await run(process.execPath, [
        new URL('./lib/http-load.mjs', import.meta.url).pathname,
        `${collector.httpUrl}/v1/traces`,
        contentType,
        file,
        '8',
        String(seconds * 1000),
      ]);
      await collector.queue.idle();
      const cpu = process.cpuUsage(cpuBefore);
      const wall = Number(process.hrtime.bigint() - wallBefore) / 1e9;
      const counts = JSON.parse(stdout) as { ok: number; refused: number; failed: number };
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const perCore = spansSeen / cpuSeconds;
      rows.push(
        `${encoding.padEnd(8)} ${String(spansPerRequest).padStart(5)} spans/req | ingest ${fmt(perCore)} spans/s per core ` +
          `(${fmt(spansSeen / wall)} spans/s wall, cpu ${(cpuSeconds / wall * 100).toFixed(0)} %, ${counts.ok} ok, ${counts.refused} refused, ${counts.failed} failed) ` +
          `| decode-only ${fmt(baseline.spansPerSecond)} spans/s | ingest/decode-only ${(perCore / baseline.spansPerSecond).toFixed(2)}`,
      );
      console.log(rows.at(-1));
      recordFigure({
        bench: 'otlp-ingest',
        name: `${encoding} ${spansPerRequest} spans/request ingest`,
        value: perCore,
        unit: 'spans/s per CPU-second',
        baselineName: 'decode only, same bodies',
        baseline: baseline.spansPerSecond,
        ...(encoding === 'protobuf' ? { goal: '250,000 spans/s per core', goalMet: perCore >= 250_000 } : {}),
      });
    }
  }
  await collector.close();
  console.log('goal: 250,000 spans/s per core over protobuf');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
