/**
 * OTLP ingest: spans/s per core through HTTP + decode + queue, for protobuf and JSON at
 * 100 and 1,000 spans per request, next to a decode-only baseline measured in the same
 * run. The collector runs in this process; the load comes from a child process, and
 * "per core" divides by the CPU time this process used.
 *
 * Small requests (issue 16): 100-span requests against 1,000-span ones on spans per
 * CPU-second, next to the floor a request costs whatever is done with it — a bare
 * node:http server in this process that reads the same 100-span body and answers 200,
 * measured with the same load — so the part of the per-request cost that is Lookout's
 * is visible.
 *
 *   npx tsx bench/otlp-ingest.ts [seconds per case, default 4]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector } from '../collector/src/collector.ts';
import { decodeTracesJson, decodeTracesProtobuf } from '@lookout/otlp';
import { recordFigure } from './lib/figures.ts';
import { loadInProcessCollector } from './lib/http-load.ts';

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

/** CPU µs per request of a bare node:http server that reads the body and answers 200 (same process, same load). */
async function bareHttpFloor(bodyFile: string): Promise<number> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      Buffer.concat(chunks);
      requests++;
      response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const { cpuSeconds } = await loadInProcessCollector(`http://127.0.0.1:${port}/v1/traces`, 'application/x-protobuf', bodyFile, seconds, async () => {});
  await new Promise((resolve) => server.close(resolve));
  return (cpuSeconds * 1e6) / Math.max(1, requests);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-'));
  // a fresh data dir each run: the status page's trace store starts empty, as in the baseline;
  // durability memory: this bench measures the ingest path, bench/ingest-durability.ts the log's cost
  const config = parseConfig(
    'receivers:\n  otlp:\n    http: { port: 0, maxBodyBytes: 64MiB }\n    grpc: { enabled: false }\nlog: { level: warn }\n' +
      `storage: { dataDir: ${JSON.stringify(join(dir, 'data'))} }\npipeline: { durability: memory }\n`,
  );
  let spansSeen = 0;
  const collector = await startCollector(config, {
    consumers: [{ signal: 'traces', name: 'count', consume: (batch) => void (spansSeen += batch.items) }],
  });
  const rows: string[] = [];
  /** spans per CPU-second of the protobuf cases, by spans per request */
  const protobufPerCore = new Map<number, number>();
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
      // The collector shares this process: the synchronous baseline just held its event
      // loop for seconds, and admission (pipeline.admission.maxEventLoopLag) keeps the worst
      // lag of the last second; let that window pass so the case measures ingest, not refusals.
      await new Promise((resolve) => setTimeout(resolve, 1500));

      const file = join(dir, `${encoding}-${spansPerRequest}.bin`);
      writeFileSync(file, body);
      const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
      spansSeen = 0;
      const { counts, cpuSeconds, wallSeconds: wall } = await loadInProcessCollector(`${collector.httpUrl}/v1/traces`, contentType, file, seconds, () => collector.queue.idle());
      const perCore = spansSeen / cpuSeconds;
      if (encoding === 'protobuf') protobufPerCore.set(spansPerRequest, perCore);
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

  // Small requests: what a 100-span request costs beyond 100 spans at the 1,000-span rate,
  // against what any HTTP request with that body costs here.
  const small = protobufPerCore.get(100)!;
  const large = protobufPerCore.get(1000)!;
  const floorUs = await bareHttpFloor(join(dir, 'protobuf-100.bin'));
  const overheadUs = 100 * (1e6 / small - 1e6 / large);
  // the best ratio a 100-span request could reach if Lookout added nothing to the bare floor
  const bestRatio = (1e6 / large) / (1e6 / large + floorUs / 100);
  console.log(
    `protobuf 100 vs 1000 spans/req: ${(small / large).toFixed(2)} (goal ≥ 0.8) | a 100-span request costs ${overheadUs.toFixed(0)} µs CPU more than 100 spans at the 1,000-span rate; ` +
      `a bare node:http request with the same body ${floorUs.toFixed(0)} µs (best ratio possible over that floor ${bestRatio.toFixed(2)})`,
  );
  recordFigure({
    bench: 'otlp-ingest',
    name: 'protobuf 100 spans/request against 1,000',
    value: small,
    unit: 'spans/s per CPU-second',
    baselineName: '1,000 spans/request, same run',
    baseline: large,
    goal: '≥ 0.8',
    goalMet: small / large >= 0.8,
  });
  recordFigure({
    bench: 'otlp-ingest',
    name: 'per-request cost of a 100-span request above its spans',
    value: overheadUs,
    unit: 'µs CPU per request',
    baselineName: 'bare node:http server, same body and load',
    baseline: floorUs,
    ratioNote: `with nothing above the bare floor the 100/1,000 ratio would be ${bestRatio.toFixed(2)}`,
  });
  rmSync(dir, { recursive: true, force: true });
  console.log('goal: 250,000 spans/s per core over protobuf');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
