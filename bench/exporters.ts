/**
 * Exporters: items delivered per CPU-second of the collector process, each next to a
 * baseline measured in the same run on the same data:
 *   OTLP exporter  — spans handed to OtlpExporter.consume() (100 per batch, as receivers
 *                    hand them over) until the sink answered 200 for all of them: merge,
 *                    encode, gzip, HTTP; baseline: encodeTracesProtobuf of the same batch.
 *   remote write   — converted points handed to RemoteWriteExporter.acceptPoints() until
 *                    the sink took every sample: labels, sharding, series grouping,
 *                    encode, snappy, HTTP; baseline: encodeWriteRequest of the same series.
 * The sink is a separate process (its CPU is not counted), answering 200 to everything.
 *
 *   npx tsx bench/exporters.ts [seconds per case, default 2]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decodeTracesProtobuf, encodeTracesProtobuf } from '@lookout/otlp';
import type { Batch, MetricsData, TracesData } from '@lookout/otlp';
import { AggregationTemporality, newAttributes } from '@lookout/otlp';
import { otlpExporterConfigSchema } from '../collector/src/exporters/otlp-exporter-config.ts';
import { OtlpExporter } from '../collector/src/exporters/otlp-exporter.ts';
import { remoteWriteConfigSchema } from '../collector/src/exporters/remote-write-config.ts';
import { labelsKey, RemoteWriteExporter, seriesLabels, toSeries, type RemoteWriteEntry } from '../collector/src/exporters/remote-write-exporter.ts';
import { convertMetrics } from '../collector/src/exporters/prom-conversion.ts';
import { samplesOf } from '../collector/src/exporters/prom-series-store.ts';
import { encodeWriteRequest } from '../collector/src/exporters/remote-write-proto.ts';
import { recordFigure } from './lib/figures.ts';

const seconds = Number(process.argv[2] ?? 2);
const logger = pino({ level: 'silent' });

async function startSink(): Promise<{ url: string; stop(): void }> {
  const code = `const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'content-length':'0'});r.end()})});s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${Number(line.toString().trim())}`, stop: () => child.kill() };
}

function serverSpans(count: number): TracesData {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.2.3', 'host.name': 'web-1' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  for (let i = 0; i < count; i++) {
    tracer
      .startSpan('GET /users/:id', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/users/:id',
          'url.path': `/users/${1000 + i}`,
          'http.response.status_code': i % 50 === 0 ? 500 : 200,
          'server.address': 'checkout.internal',
          'server.port': 8080,
          'client.address': `10.1.${i % 7}.${i % 200}`,
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
        },
      })
      .end();
  }
  const decoded = decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
  if (decoded.items !== count) throw new Error(`decoder took ${decoded.items} of ${count} spans`);
  return decoded.data;
}

const cpu = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/** Items per CPU-second of a synchronous function doing `items` items per call. */
function measureSync(fn: () => unknown, items: number, budget: number): number {
  const start = process.cpuUsage();
  const until = Date.now() + budget * 1000;
  let n = 0;
  while (Date.now() < until) {
    fn();
    n += items;
  }
  return n / cpu(start);
}

/** Items per CPU-second of an async round delivering `items` items. */
async function measureAsync(round: () => Promise<void>, items: number, budget: number): Promise<number> {
  const start = process.cpuUsage();
  const until = Date.now() + budget * 1000;
  let n = 0;
  while (Date.now() < until) {
    await round();
    n += items;
  }
  return n / cpu(start);
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
function row(name: string, value: number, base: number, unit: string, baselineName: string): void {
  console.log(`${name.padEnd(30)} ${fmt(value).padStart(12)} ${fmt(base).padStart(18)}   ${(value / base).toFixed(2)}`);
  recordFigure({ bench: 'exporters', name, value, unit, baselineName, baseline: base });
}

const sink = await startSink();
try {
  console.log(`Exporters, items per CPU-second of this process (${seconds}s per side, after a warm-up), Node ${process.version}`);
  console.log('case                                items/s   baseline items/s   ratio');

  // ---- OTLP exporter, traces
  const spansPerBatch = 100;
  const batchesPerRound = 20;
  const data = serverSpans(spansPerBatch);
  const batch: Batch<'traces'> = { signal: 'traces', data, items: spansPerBatch, bytes: 0, tenant: 'default', receiver: 'bench', receivedAtMs: 0 };
  for (const compression of ['gzip', 'none'] as const) {
    const otlp = new OtlpExporter({
      config: otlpExporterConfigSchema.parse({ endpoint: sink.url, signals: ['traces'], compression, batchItems: 2000, batchWait: 10 }),
      registry: new Registry(),
      logger,
      now: Date.now,
    });
    const round = async () => {
      for (let i = 0; i < batchesPerRound; i++) otlp.consume(batch);
      await otlp.flush();
    };
    await measureAsync(round, 0, 0.3);
    const exported = await measureAsync(round, spansPerBatch * batchesPerRound, seconds);
    const base = measureSync(() => encodeTracesProtobuf(data), spansPerBatch, seconds);
    const sent = (await otlp.metrics.sent.get()).values[0]?.value ?? 0;
    if (sent === 0) throw new Error('the OTLP exporter sent nothing');
    await otlp.close(1000);
    row(`otlp traces (${compression})`, exported, base, 'spans/s per CPU-second', 'encodeTracesProtobuf of the same batches');
  }

  // ---- remote write: 500 gauge series with 4 attributes each, per round
  const series = 500;
  const metrics: MetricsData = {
    resourceMetrics: [
      {
        resource: { attributes: Object.assign(newAttributes(), { 'service.name': 'checkout', 'service.instance.id': 'web-1' }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 'bench', version: '1', attributes: newAttributes(), droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              {
                name: 'queue.depth',
                unit: '{item}',
                description: '',
                metadata: newAttributes(),
                data: {
                  type: 'sum',
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  isMonotonic: true,
                  dataPoints: Array.from({ length: series }, (_, i) => ({
                    attributes: Object.assign(newAttributes(), { queue: `q${i}`, region: 'eu', tier: String(i % 3), owner: 'team-a' }),
                    startTimeUnixNano: 1_700_000_000_000_000_000n,
                    timeUnixNano: 1_700_000_001_000_000_000n,
                    value: i,
                    valueType: 'double' as const,
                    exemplars: [],
                    flags: 0,
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
  const points = convertMetrics(metrics, { scopeLabels: true }).points;
  const entries: RemoteWriteEntry[] = points.flatMap((p) =>
    samplesOf(p.family, p.labels, p.value).map((s) => {
      const labels = seriesLabels(s.name, s.labels, { cluster: 'eu-1' });
      return { key: labelsKey(labels), labels, value: s.value, timestampMs: p.timeMs, stale: false };
    }),
  );
  const rw = new RemoteWriteExporter({
    config: remoteWriteConfigSchema.parse({ url: `${sink.url}/api/v1/write`, externalLabels: { cluster: 'eu-1' }, batchWait: 10, selfSeries: [] }),
    registry: new Registry(),
    logger,
    now: Date.now,
  });
  const rwRound = async () => {
    rw.acceptPoints(points);
    await rw.flush();
  };
  await measureAsync(rwRound, 0, 0.3);
  const written = await measureAsync(rwRound, entries.length, seconds);
  const rwBase = measureSync(() => encodeWriteRequest(toSeries(entries)), entries.length, seconds);
  await rw.close(1000);
  row('remote write (snappy)', written, rwBase, 'samples/s per CPU-second', 'encodeWriteRequest of the same series (labels encoded each time, no snappy)');
} finally {
  sink.stop();
}
