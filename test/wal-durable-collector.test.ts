/**
 * The collector with `pipeline.durability: disk`, in this process: an acknowledged batch
 * is already in the log file when the answer arrives; a torn tail left by a crash is cut
 * at the next start (counted) and what was acknowledged before it is replayed into the
 * SLI store once; bad settings and an unusable data directory are refused with what to
 * fix.
 */
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { numberedBatchBody, numberedLogBatchBody } from './helpers/numbered-spans.ts';

const SLI = 'durable-availability';
const baseMinute = Math.floor(Date.now() / 60_000) - 100;

const dirs: string[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configFor(dataDir: string, extra: Record<string, unknown> = {}) {
  return parseConfig(
    JSON.stringify({
      receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
      storage: { dataDir },
      sli: { flushInterval: '100ms', definitions: [{ id: SLI, service: 'durable', kind: 'availability' }] },
      log: { level: 'silent' },
      ...extra,
    }),
  );
}

async function start(dataDir: string): Promise<RunningCollector> {
  const collector = await startCollector(configFor(dataDir), { logger: pino({ level: 'silent' }) });
  running.push(collector);
  return collector;
}

const post = (collector: RunningCollector, i: number) =>
  fetch(`${collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: numberedBatchBody(i, 10, baseMinute, 'durable') });

async function metric(collector: RunningCollector, name: string): Promise<number> {
  const text = (await collector.http.inject({ method: 'GET', url: '/metrics' })).body;
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('durability disk', () => {
  it('is the default once the config file names storage.dataDir, and memory otherwise', () => {
    expect(configFor('/tmp/x').pipeline.durability).toBe('disk');
    expect(parseConfig('log: { level: warn }\n').pipeline.durability).toBe('memory');
    expect(configFor('/tmp/x', { pipeline: { durability: 'memory' } }).pipeline.durability).toBe('memory');
  });

  it('answers only once the batch is in the log file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lookout-durable-'));
    dirs.push(dataDir);
    const collector = await start(dataDir);
    const body = numberedBatchBody(0, 10, baseMinute, 'durable');
    const response = await fetch(`${collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(response.status).toBe(200);
    // read the segment right after the answer: the request body is in it
    const segments = readdirSync(join(dataDir, 'wal', 'traces'));
    const onDisk = Buffer.concat(segments.map((f) => readFileSync(join(dataDir, 'wal', 'traces', f))));
    expect(onDisk.includes(Buffer.from(body))).toBe(true);
    expect(await metric(collector, 'lookout_wal_fsync_duration_seconds_count')).toBeGreaterThan(0);
  });

  it('cuts a torn tail at start (counted), replays what was acknowledged before it once, and starts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lookout-durable-'));
    const crashed = mkdtempSync(join(tmpdir(), 'lookout-durable-crashed-'));
    dirs.push(dataDir, crashed);
    const first = await start(dataDir);
    for (let i = 0; i < 5; i++) expect((await post(first, i)).status).toBe(200);
    await first.durable!.idle();
    first.sli!.flush(); // batches 0..4 counted and their cursor committed
    for (let i = 5; i < 8; i++) expect((await post(first, i)).status).toBe(200);
    await first.durable!.idle(); // 5..7 counted in memory only
    // the disk as a kill -9 leaves it now: the log, and the SLI store as last committed
    cpSync(join(dataDir, 'wal'), join(crashed, 'wal'), { recursive: true });
    for (const f of readdirSync(dataDir)) if (f.startsWith('sli.sqlite')) cpSync(join(dataDir, f), join(crashed, f));
    // and a last write torn: a header promising 64 bytes, 3 of them there
    const segmentDir = join(crashed, 'wal', 'traces');
    appendFileSync(join(segmentDir, readdirSync(segmentDir).sort().at(-1)!), Buffer.from([0x40, 0, 0, 0, 1, 2, 3]));

    const second = await start(crashed);
    await second.durable!.idle();
    expect(await metric(second, 'lookout_wal_truncated_bytes_total')).toBe(7);
    expect(second.sli!.flush()).toBe(true);
    for (let i = 0; i < 8; i++) expect(second.sli!.store!.sum(SLI, baseMinute + i, baseMinute + i).total, `batch ${i}`).toBe(10);
    expect(second.sli!.store!.sum(SLI, baseMinute - 1, baseMinute + 20).total).toBe(80);
  });

  it('after a kill -9, /metrics does not count again what the dead process showed, and counts what it never showed; the SLI store gets every batch once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lookout-durable-'));
    const crashed = mkdtempSync(join(tmpdir(), 'lookout-durable-crashed-'));
    dirs.push(dataDir, crashed);
    const LOG_SLI = 'durable-logs-availability';
    const config = configFor(dataDir, {
      sli: { flushInterval: '1h', definitions: [{ id: SLI, service: 'durable', kind: 'availability' }, { id: LOG_SLI, service: 'durable-logs', kind: 'availability' }] },
    });
    const first = await startCollector(config, { logger: pino({ level: 'silent' }) });
    running.push(first);
    const postLogs = (collector: RunningCollector, i: number) =>
      fetch(`${collector.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: numberedLogBatchBody(i, 4, baseMinute, 'durable-logs') });
    for (let i = 0; i < 3; i++) {
      expect((await post(first, i)).status).toBe(200);
      expect((await postLogs(first, i)).status).toBe(200);
    }
    await first.durable!.idle();
    first.sli!.flush(); // 0..2 counted and their cursors committed
    for (let i = 3; i < 6; i++) {
      expect((await post(first, i)).status).toBe(200);
      expect((await postLogs(first, i)).status).toBe(200);
    }
    await first.durable!.idle(); // 3..5 counted in memory (and scraped), not yet in the SLI store
    expect(await metric(first, 'lookout_requests_total{service="durable"')).toBe(60);
    expect(await metric(first, 'lookout_requests_total{service="durable-logs"')).toBe(24);
    expect(await metric(first, 'lookout_log_records_total{service="durable-logs"')).toBe(24); // a scrape: 0..5 shown
    expect((await post(first, 6)).status).toBe(200);
    expect((await postLogs(first, 6)).status).toBe(200);
    await first.durable!.idle();
    first.sli!.flush(); // 6 committed to the SLI store, never shown on /metrics
    expect((await post(first, 7)).status).toBe(200);
    expect((await postLogs(first, 7)).status).toBe(200);
    await first.durable!.idle(); // 7 counted in memory, neither committed nor shown
    // the disk as a kill -9 leaves it now
    cpSync(join(dataDir, 'wal'), join(crashed, 'wal'), { recursive: true });
    for (const f of readdirSync(dataDir)) if (f.startsWith('sli.sqlite')) cpSync(join(dataDir, f), join(crashed, f));

    const second = await startCollector(configFor(crashed, { sli: config.sli }), { logger: pino({ level: 'silent' }) });
    running.push(second);
    await second.durable!.idle();
    // a Prometheus that scraped the first process saw 0..5 already: the new process counts 6 and 7 (never shown)
    expect(await metric(second, 'lookout_requests_total{service="durable"')).toBe(20);
    expect(await metric(second, 'lookout_requests_total{service="durable-logs"')).toBe(8);
    expect(await metric(second, 'lookout_log_records_total{service="durable-logs"')).toBe(8);
    expect((await post(second, 8)).status).toBe(200);
    expect((await postLogs(second, 8)).status).toBe(200);
    await second.durable!.idle();
    expect(await metric(second, 'lookout_requests_total{service="durable"')).toBe(30);
    expect(await metric(second, 'lookout_requests_total{service="durable-logs"')).toBe(12);
    expect(await metric(second, 'lookout_log_records_total{service="durable-logs"')).toBe(12);
    // and the SLI store has every batch exactly once
    const store = second.sli!.store!;
    for (let i = 0; i < 9; i++) {
      expect(store.sum(SLI, baseMinute + i, baseMinute + i).total, `span batch ${i}`).toBe(10);
      expect(store.sum(LOG_SLI, baseMinute + i, baseMinute + i).total, `log batch ${i}`).toBe(4);
    }
  });

  it('takes OTLP/gRPC into the log too, answering once it is there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lookout-durable-'));
    dirs.push(dataDir);
    const collector = await startCollector(configFor(dataDir, { receivers: { otlp: { http: { port: 0 }, grpc: { port: 0 } } } }), { logger: pino({ level: 'silent' }) });
    running.push(collector);
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'durable' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    for (let i = 0; i < 7; i++) {
      provider.getTracer('t').startSpan('GET /x', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/x', 'http.response.status_code': 200 } }).end();
    }
    const exporter = new GrpcTraceExporter({ url: `http://127.0.0.1:${collector.grpcPort}` });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const traces = collector.durable!.describe().find((d) => d.signal === 'traces')!;
    expect(traces.endSequence).toBe(1); // on disk when the answer came
    await collector.durable!.idle();
    const minute = Math.floor(Date.now() / 60_000);
    expect(collector.sli!.store!.sum(SLI, minute - 2, minute + 1).total).toBe(7);
  });

  it('refuses an unknown durability and an unusable data directory, saying what to fix', async () => {
    expect(() => configFor('/tmp/x', { pipeline: { durability: 'fast' } })).toThrow(/pipeline\.durability/);
    const dir = mkdtempSync(join(tmpdir(), 'lookout-durable-'));
    dirs.push(dir);
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    await expect(startCollector(configFor(join(file, 'data'), { sli: { definitions: [] } }), { logger: pino({ level: 'silent' }) })).rejects.toThrow(
      /write-ahead log under .*not-a-dir.*ENOTDIR; set storage\.dataDir to a writable directory, or pipeline\.durability: memory/,
    );
  });
});

