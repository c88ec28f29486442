/**
 * Ingest with `pipeline.durability: disk` (acknowledged once the batch is in the
 * write-ahead log, fdatasync'ed, group commit) against `memory` (acknowledged once in
 * the in-memory queue), in the same run: spans per CPU-second of the collector process
 * and the p99 latency of an acknowledgement, protobuf requests of 1,000 server spans, the
 * request series and an SLI counted in both. Goal: disk ≥ 0.7× memory's throughput.
 * The same for the log path: OTLP requests of 2,000 unparsed access lines as the host
 * agent sends them (parsed by the collector, counted by log-metrics), log records per
 * CPU-second disk against memory. And the log entry's cost alone: the request body kept
 * against the decoded batch encoded again (spans), and for a parsed log batch its
 * compact form (what the log stores) against V8's structured clone and OTLP protobuf
 * encoded again (what it stored before).
 * The collector runs in this process; the load comes from a child process (8 requests
 * in flight, closed loop).
 *
 *   npx tsx bench/ingest-durability.ts [seconds per case, default 4]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector } from '../collector/src/collector.ts';
import { decodeLogsProtobuf, decodeTracesProtobuf, encodeLogsProtobuf } from '@lookout/otlp';
import { Registry } from 'prom-client';
import { logParsingSchema, toLogStreamOptions } from '../collector/src/logs/config-schema.ts';
import { registerLogReceiverMetrics } from '../collector/src/receivers/log-receiver-metrics.ts';
import { LogStreams } from '../collector/src/receivers/log-streams.ts';
import { parseOtlpLogLines } from '../collector/src/receivers/otlp-log-lines.ts';
import { isDeepStrictEqual } from 'node:util';
import { serialize } from 'node:v8';
import { decodeBatchEntry, encodeBatchEntry, encodeBatchEntryParts, entryBodyKind } from '../collector/src/wal/batch-entry.ts';
import { recordFigure } from './lib/figures.ts';
import { loadInProcessCollector } from './lib/http-load.ts';
import { accessLine, prng } from './lib/log-lines.ts';
import { serverSpans } from './lib/server-spans.ts';
import { agentLinesRequest } from '../test/helpers/agent-logs.ts';

const seconds = Number(process.argv[2] ?? 4);
const SPANS_PER_REQUEST = 1000;
const LINES_PER_REQUEST = 2000;

interface Result {
  spansPerCpuSecond: number;
  spansPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  refused: number;
  failed: number;
}

/** OTLP logs as the host agent sends them: each access line a record's body, marked unparsed (no log.record.uid: the body is sent again and again). */
function agentLinesBody(lines: number): Buffer {
  const random = prng(42);
  const start = Date.now() - 60_000;
  const bodies = Array.from({ length: lines }, (_, i) => accessLine(random, start + i * 10).line);
  return Buffer.from(agentLinesRequest(bodies, { service: 'checkout', host: 'bench', withFileName: true, observedAtMs: (i) => start + i }));
}

async function measure(durability: 'memory' | 'disk', bodyFile: string, path = '/v1/traces', itemsPerRequest = SPANS_PER_REQUEST): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), `lookout-bench-durability-${durability}-`));
  const config = parseConfig(
    [
      'receivers:\n  otlp:\n    http: { port: 0, maxBodyBytes: 64MiB }\n    grpc: { enabled: false }',
      `storage:\n  dataDir: ${JSON.stringify(dataDir)}`,
      `pipeline:\n  durability: ${durability}`,
      'sli:\n  definitions:\n    - { id: checkout-availability, service: checkout, kind: availability }',
      'log: { level: warn }',
    ].join('\n'),
  );
  const collector = await startCollector(config);
  try {
    // the work after the acknowledgement counts too
    const settled = () => (collector.durable ? collector.durable.idle() : collector.queue.idle());
    const { counts, cpuSeconds, wallSeconds: wall } = await loadInProcessCollector(`${collector.httpUrl}${path}`, 'application/x-protobuf', bodyFile, seconds, settled);
    const spans = counts.ok * itemsPerRequest;
    return {
      spansPerCpuSecond: spans / cpuSeconds,
      spansPerSecond: spans / wall,
      p50Ms: counts.p50Ms,
      p99Ms: counts.p99Ms,
      refused: counts.refused,
      failed: counts.failed,
    };
  } finally {
    await collector.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Items per CPU-second of `work` (each call handles `itemsPerCall`), run for up to 2 s after `warmups` calls. */
function itemsPerCpuSecond(work: () => unknown, itemsPerCall: number, warmups: number): number {
  for (let i = 0; i < warmups; i++) work();
  const cpuBefore = process.cpuUsage();
  const until = process.hrtime.bigint() + BigInt(Math.round(Math.min(seconds, 2) * 1e9));
  let n = 0;
  while (process.hrtime.bigint() < until) {
    work();
    n++;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return (n * itemsPerCall) / ((cpu.user + cpu.system) / 1e6);
}

/** The log entry's cost on the hot path: the request body kept as is, against the decoded batch encoded again. */
function entryEncoding(body: Buffer): { keptPerCpuSecond: number; encodedPerCpuSecond: number } {
  const batch = { signal: 'traces' as const, data: decodeTracesProtobuf(body).data, items: SPANS_PER_REQUEST, bytes: body.length, tenant: 'default', receiver: 'otlp-http', receivedAtMs: Date.now() };
  const rate = (encode: () => unknown) => itemsPerCpuSecond(encode, SPANS_PER_REQUEST, 20);
  return { keptPerCpuSecond: rate(() => encodeBatchEntry(batch, body)), encodedPerCpuSecond: rate(() => encodeBatchEntry(batch)) };
}

/** A parsed log batch in the log: its compact form (now) against a structured clone and OTLP protobuf encoded again (before). */
function logEntryEncoding(body: Buffer): { compactPerCpuSecond: number; clonePerCpuSecond: number; protobufPerCpuSecond: number; compactBytes: number; cloneBytes: number; protobufBytes: number } {
  const streams = new LogStreams({ defaults: toLogStreamOptions(logParsingSchema.parse({})), maxStreams: 100 });
  const data = decodeLogsProtobuf(body).data;
  parseOtlpLogLines(data, 'otlp-http', 'default', Date.now(), { streams, metrics: registerLogReceiverMetrics(new Registry()) });
  const batch = { signal: 'logs' as const, data, items: LINES_PER_REQUEST, bytes: body.length, tenant: 'default', receiver: 'otlp-http', receivedAtMs: Date.now() };
  const entry = encodeBatchEntry(batch);
  // the figure is worth nothing unless the entry is compact and reads back as the same batch
  if (entryBodyKind(entry) !== 'compact') throw new Error(`the log entry is ${entryBodyKind(entry)}, not compact`);
  if (!isDeepStrictEqual(decodeBatchEntry(entry).data, data)) throw new Error('the compact log entry does not read back as the batch it was made from');
  const rate = (encode: () => unknown) => itemsPerCpuSecond(encode, LINES_PER_REQUEST, 10);
  return {
    compactPerCpuSecond: rate(() => encodeBatchEntryParts(batch)),
    clonePerCpuSecond: rate(() => serialize(data)),
    protobufPerCpuSecond: rate(() => encodeLogsProtobuf(data)),
    compactBytes: entry.length,
    cloneBytes: serialize(data).length,
    protobufBytes: encodeLogsProtobuf(data).length,
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-'));
  const bodyFile = join(dir, 'spans.bin');
  writeFileSync(bodyFile, Buffer.from(ProtobufTraceSerializer.serializeRequest(serverSpans(SPANS_PER_REQUEST))!));
  const logsFile = join(dir, 'logs.bin');
  const logsBody = agentLinesBody(LINES_PER_REQUEST);
  writeFileSync(logsFile, logsBody);
  console.log(`ingest-durability: ${seconds} s per case, protobuf ${SPANS_PER_REQUEST} spans/request, 8 in flight, collector in this process`);
  await measure('memory', bodyFile); // warm-up: both measured runs see optimised code
  const memory = await measure('memory', bodyFile);
  const disk = await measure('disk', bodyFile);
  await measure('memory', logsFile, '/v1/logs', LINES_PER_REQUEST); // warm-up of the log path
  const logsMemory = await measure('memory', logsFile, '/v1/logs', LINES_PER_REQUEST);
  const logsDisk = await measure('disk', logsFile, '/v1/logs', LINES_PER_REQUEST);
  rmSync(dir, { recursive: true, force: true });
  for (const [name, r] of [['memory', memory], ['disk', disk]] as const) {
    console.log(
      `${name.padEnd(6)} | ${fmt(r.spansPerCpuSecond)} spans/s per CPU-second | ${fmt(r.spansPerSecond)} spans/s wall | ack p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms | ${r.refused} refused, ${r.failed} failed`,
    );
  }
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(serverSpans(SPANS_PER_REQUEST))!);
  const entry = entryEncoding(body);
  console.log(
    `log entry: request body kept ${fmt(entry.keptPerCpuSecond)} spans/s per CPU-second, batch encoded again ${fmt(entry.encodedPerCpuSecond)} (kept/encoded ${(entry.keptPerCpuSecond / entry.encodedPerCpuSecond).toFixed(1)}×)`,
  );
  recordFigure({
    bench: 'ingest-durability',
    name: 'log entry, request body kept',
    value: entry.keptPerCpuSecond,
    unit: 'spans/s per CPU-second',
    baselineName: 'decoded batch encoded again',
    baseline: entry.encodedPerCpuSecond,
  });
  for (const [name, r] of [['memory', logsMemory], ['disk', logsDisk]] as const) {
    console.log(
      `logs ${name.padEnd(6)} | ${fmt(r.spansPerCpuSecond)} records/s per CPU-second | ${fmt(r.spansPerSecond)} records/s wall | ack p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms | ${r.refused} refused, ${r.failed} failed`,
    );
  }
  const logRatio = logsDisk.spansPerCpuSecond / logsMemory.spansPerCpuSecond;
  console.log(`logs disk/memory throughput ${logRatio.toFixed(2)}`);
  recordFigure({
    bench: 'ingest-durability',
    name: 'durability disk ingest, host-agent access lines over OTLP',
    value: logsDisk.spansPerCpuSecond,
    unit: 'log records/s per CPU-second',
    baselineName: 'durability memory, same run',
    baseline: logsMemory.spansPerCpuSecond,
  });
  const logEntry = logEntryEncoding(logsBody);
  console.log(
    `log entry, parsed log batch: compact ${fmt(logEntry.compactPerCpuSecond)} records/s per CPU-second (${fmt(logEntry.compactBytes)} bytes), structured clone ${fmt(logEntry.clonePerCpuSecond)} (${fmt(logEntry.cloneBytes)} bytes), OTLP protobuf encoded again ${fmt(logEntry.protobufPerCpuSecond)} (${fmt(logEntry.protobufBytes)} bytes) (compact/clone ${(logEntry.compactPerCpuSecond / logEntry.clonePerCpuSecond).toFixed(1)}×, compact/protobuf ${(logEntry.compactPerCpuSecond / logEntry.protobufPerCpuSecond).toFixed(1)}×)`,
  );
  recordFigure({
    bench: 'ingest-durability',
    name: 'log entry, parsed log batch in the compact form',
    value: logEntry.compactPerCpuSecond,
    unit: 'log records/s per CPU-second',
    baselineName: 'structured clone (before)',
    baseline: logEntry.clonePerCpuSecond,
  });
  recordFigure({
    bench: 'ingest-durability',
    name: 'log entry, parsed log batch in the compact form, against protobuf',
    value: logEntry.compactPerCpuSecond,
    unit: 'log records/s per CPU-second',
    baselineName: 'OTLP protobuf encoded again',
    baseline: logEntry.protobufPerCpuSecond,
  });
  const ratio = disk.spansPerCpuSecond / memory.spansPerCpuSecond;
  console.log(`disk/memory throughput ${ratio.toFixed(2)} (goal ≥ 0.70); p99 acknowledgement ${disk.p99Ms.toFixed(1)} ms vs ${memory.p99Ms.toFixed(1)} ms`);
  recordFigure({
    bench: 'ingest-durability',
    name: 'durability disk ingest',
    value: disk.spansPerCpuSecond,
    unit: 'spans/s per CPU-second',
    baselineName: 'durability memory, same run',
    baseline: memory.spansPerCpuSecond,
    goal: '≥ 0.7× memory',
    goalMet: ratio >= 0.7,
  });
  recordFigure({
    bench: 'ingest-durability',
    name: 'durability disk p99 acknowledgement',
    value: disk.p99Ms,
    unit: 'ms',
    baselineName: 'durability memory p99, same run',
    baseline: memory.p99Ms,
  });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
