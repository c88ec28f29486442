/**
 * Request-series derivation cost: spans/s per core through OTLP/HTTP ingest (protobuf,
 * 1,000 spans per request) with the request series and two SLIs on, next to the same
 * ingest with them off (`requestSeries.enabled: false`), measured in the same run and
 * alternated so both see the same machine. Also the derivation alone (decoded batches
 * straight into the pipeline) for scale.
 *
 *   npx tsx --conditions=lookout-source bench/sli-ingest.ts [seconds per case, default 4]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { templateRoute } from '../collector/src/logs/index.ts';
import { decodeTracesProtobuf } from '@lookout/otlp';
import { requestSeriesConfigSchema, RequestPipeline } from '../collector/src/processors/index.ts';
import { recordFigure } from './lib/figures.ts';
import { loadInProcessCollector } from './lib/http-load.ts';
import { serverSpans } from './lib/server-spans.ts';

const seconds = Number(process.argv[2] ?? 4);
const SPANS_PER_REQUEST = 1000;
const ROUNDS = 2;


interface Measure {
  perCore: number;
  wall: number;
  cpuShare: number;
  ok: number;
  refused: number;
  failed: number;
}

async function measure(collector: RunningCollector, file: string, seen: () => number): Promise<Measure> {
  const before = seen();
  const { counts, cpuSeconds, wallSeconds } = await loadInProcessCollector(`${collector.httpUrl}/v1/traces`, 'application/x-protobuf', file, seconds, () => collector.queue.idle());
  const spans = seen() - before;
  return { perCore: spans / cpuSeconds, wall: spans / wallSeconds, cpuShare: cpuSeconds / wallSeconds, ok: counts.ok, refused: counts.refused, failed: counts.failed };
}

function derivationOnly(body: Buffer): number {
  const data = decodeTracesProtobuf(body).data;
  const pipeline = new RequestPipeline({
    config: requestSeriesConfigSchema.parse({}),
    definitions: [
      { id: 'checkout-availability', service: 'checkout', kind: 'availability' },
      { id: 'checkout-latency', service: 'checkout', kind: 'latency', latencyThresholdSeconds: 0.3 },
    ],
    templateRoute,
    sink: () => {},
    startedAtMs: Date.now(),
  });
  const now = Date.now();
  for (let i = 0; i < 200; i++) pipeline.consumeTraces(data, now); // warm-up
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(seconds * 1e9));
  let batches = 0;
  let t = start;
  while (t < until) {
    for (let i = 0; i < 10; i++) pipeline.consumeTraces(data, now);
    batches += 10;
    t = process.hrtime.bigint();
  }
  return (batches * SPANS_PER_REQUEST) / (Number(t - start) / 1e9);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-sli-'));
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(serverSpans(SPANS_PER_REQUEST))!);
  const file = join(dir, 'spans.bin');
  writeFileSync(file, body);
  // durability memory: this bench measures the series' cost, bench/ingest-durability.ts the write-ahead log's
  const base = 'receivers:\n  otlp:\n    http: { port: 0, maxBodyBytes: 64MiB }\n    grpc: { enabled: false }\nlog: { level: warn }\npipeline: { durability: memory }\n';

  let ingestOnlySeen = 0;
  const ingestOnly = await startCollector(parseConfig(base + `storage: { dataDir: ${JSON.stringify(join(dir, 'ingest-only'))} }\n` + 'requestSeries: { enabled: false }\n'), {
    consumers: [{ signal: 'traces', name: 'count', consume: (batch) => void (ingestOnlySeen += batch.items) }],
  });
  let withSeriesSeen = 0;
  const withSeries = await startCollector(
    parseConfig(
      base +
        `storage: { dataDir: ${JSON.stringify(join(dir, 'data'))} }\n` +
        'sli:\n  definitions:\n' +
        '    - { id: checkout-availability, service: checkout, kind: availability }\n' +
        '    - { id: checkout-latency, service: checkout, kind: latency, latencyThreshold: 300ms }\n',
    ),
    { consumers: [{ signal: 'traces', name: 'count', consume: (batch) => void (withSeriesSeen += batch.items) }] },
  );

  console.log(`sli-ingest: ${seconds} s per case, ${ROUNDS} rounds, protobuf ${SPANS_PER_REQUEST} spans/request, collector on one core in this process, load from a child process`);
  const totals = { ingestOnly: 0, withSeries: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await measure(ingestOnly, file, () => ingestOnlySeen);
    const b = await measure(withSeries, file, () => withSeriesSeen);
    totals.ingestOnly += a.perCore;
    totals.withSeries += b.perCore;
    for (const [name, m] of [['ingest only          ', a], ['ingest + series+SLIs ', b]] as const) {
      console.log(
        `round ${round} ${name} ${fmt(m.perCore)} spans/s per core (${fmt(m.wall)} spans/s wall, cpu ${(m.cpuShare * 100).toFixed(0)} %, ${m.ok} ok, ${m.refused} refused, ${m.failed} failed)`,
      );
    }
  }
  const series = withSeries.sli!.pipeline.series.seriesCount;
  await ingestOnly.close();
  await withSeries.close();

  const derivation = derivationOnly(body);
  const ingestMean = totals.ingestOnly / ROUNDS;
  const seriesMean = totals.withSeries / ROUNDS;
  console.log(`derivation only (decoded batches → series + 2 SLIs): ${fmt(derivation)} spans/s per core`);
  console.log(
    `mean: ingest + series ${fmt(seriesMean)} spans/s per core | ingest only ${fmt(ingestMean)} | ratio ${(seriesMean / ingestMean).toFixed(2)} ` +
      `(${series} series kept); goal: 250,000 spans/s per core through ingest`,
  );
  recordFigure({
    bench: 'sli-ingest',
    name: 'ingest + request series + 2 SLIs',
    value: seriesMean,
    unit: 'spans/s per CPU-second',
    baselineName: 'ingest only',
    baseline: ingestMean,
    goal: 'derivation ≤ 15 % of ingest (ratio ≥ 0.85)',
    goalMet: seriesMean / ingestMean >= 0.85,
  });
  recordFigure({ bench: 'sli-ingest', name: 'derivation only (decoded batches)', value: derivation, unit: 'spans/s per CPU-second' });
  rmSync(dir, { recursive: true, force: true });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
