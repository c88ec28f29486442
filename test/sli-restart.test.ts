/**
 * The SLI store survives a crash: the collector runs as its own process (the CLI), SLI
 * buckets are flushed to SQLite, the process is killed with SIGKILL, and after a restart
 * on the same data directory the buckets and the /metrics SLO counters are still there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startServerProcess, type RunningServer } from './helpers/server-process.ts';
import { sampleOf, waitFor } from './fixtures/sli-service/harness.ts';

const cli = fileURLToPath(new URL('../collector/src/cli.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SLI = 'checkout-availability';

function spans(ok: number, failed: number): Buffer {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('restart-test');
  for (let i = 0; i < ok + failed; i++) {
    const span = tracer.startSpan('POST /pay', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'http.route': '/pay', 'http.response.status_code': i < ok ? 200 : 503 },
    });
    if (i >= ok) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
}

describe('SLI store across a kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lookout-sli-restart-'));
  const running: RunningServer[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** the collector CLI as a child process, on a free port, storing SLIs in dataDir */
  async function startCollectorProcess(): Promise<RunningServer> {
    const server = await startServerProcess({
      name: 'lookout-collector',
      command: process.execPath,
      args: (port, dir) => {
        const config = join(dir, 'lookout.yaml');
        writeFileSync(
          config,
          JSON.stringify({
            receivers: { otlp: { http: { port }, grpc: { enabled: false } } },
            storage: { dataDir },
            sli: { flushInterval: '200ms', definitions: [{ id: SLI, service: 'checkout', kind: 'availability' }] },
            log: { level: 'warn' },
          }),
        );
        return ['--conditions=lookout-source', '--import', tsxLoader, cli, 'collector', '--config', config];
      },
      readyPath: '/readyz',
      timeoutMs: 60_000,
    });
    running.push(server);
    return server;
  }

  const sloCounters = async (server: RunningServer) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return {
      total: sampleOf(text, 'lookout_slo_events_total', { slo: SLI, service: 'checkout' }),
      good: sampleOf(text, 'lookout_slo_good_events_total', { slo: SLI, service: 'checkout' }),
    };
  };
  const send = async (server: RunningServer, body: Buffer) => {
    const response = await fetch(`${server.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(response.status).toBe(200);
  };
  const stored = () => {
    const db = new Database(join(dataDir, 'sli.sqlite'), { readonly: true });
    try {
      return {
        minutes: db.prepare('SELECT minute, good, total FROM sli_minutes WHERE sli_id = ? ORDER BY minute').all(SLI) as Array<{ minute: number; good: number; total: number }>,
        journal: db.pragma('journal_mode', { simple: true }),
      };
    } finally {
      db.close();
    }
  };

  it('keeps the flushed per-minute buckets and continues the SLO counters after a restart', async () => {
    const first = await startCollectorProcess();
    expect(await sloCounters(first)).toEqual({ total: 0, good: 0 });
    const sentAt = Math.floor(Date.now() / 60_000);
    await send(first, spans(45, 5));
    // The /metrics counters only show what is on disk: once they read 50, the store flushed.
    await waitFor('SLI counters flushed', () => sloCounters(first), (c) => c.total === 50);
    expect(await sloCounters(first)).toEqual({ total: 50, good: 45 });
    const exit = new Promise((resolve) => first.process.once('exit', (_code, signal) => resolve(signal)));
    first.process.kill('SIGKILL');
    expect(await exit).toBe('SIGKILL');

    const afterCrash = stored();
    expect(afterCrash.journal).toBe('wal');
    const sum = (rows: Array<{ good: number; total: number }>) => rows.reduce((s, r) => ({ good: s.good + r.good, total: s.total + r.total }), { good: 0, total: 0 });
    expect(sum(afterCrash.minutes)).toEqual({ good: 45, total: 50 });
    for (const row of afterCrash.minutes) expect(row.minute === sentAt || row.minute === sentAt + 1).toBe(true);

    const second = await startCollectorProcess();
    // Restored from the store: Prometheus sees no counter reset.
    expect(await sloCounters(second)).toEqual({ total: 50, good: 45 });
    await send(second, spans(10, 0));
    await waitFor('SLI counters after restart', () => sloCounters(second), (c) => c.total === 60);
    expect(await sloCounters(second)).toEqual({ total: 60, good: 55 });
    await second.stop(); // SIGTERM: a clean shutdown flushes and closes the store
    expect(sum(stored().minutes)).toEqual({ good: 55, total: 60 });
  });
});
