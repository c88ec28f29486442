/**
 * Log batches in the write-ahead log, per receiver (issue 13 under the log path): an OTLP
 * protobuf request whose records ingest leaves alone is kept as received (no encoding on
 * the hot path); records a receiver made or changed (the host agent's unparsed lines over
 * OTLP, /v1/logs/raw, Loki push, syslog, records dropped as repeats) are kept in the
 * compact form of wal/log-batch-codec.ts. Each kind read back from the log file is the batch the
 * consumers got, null-prototype attribute maps included, and a collector started on a
 * copy of the data directory (the disk as a kill -9 leaves it) replays every access-log
 * record of every receiver into the SLI store once.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Batch, LogsData } from '@lookout/otlp';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { decodeBatchEntry, entryBodyKind } from '../collector/src/wal/batch-entry.ts';
import { WriteAheadLog } from '../collector/src/wal/write-ahead-log.ts';
import { numberedLogBatchBody } from './helpers/numbered-spans.ts';
import { agentLinesRequest } from './helpers/agent-logs.ts';

const dirs: string[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SERVICES = ['wal-otlp', 'wal-agent', 'wal-raw', 'wal-loki'] as const;
const nowMinute = Math.floor(Date.now() / 60_000);

function configFor(dataDir: string) {
  return parseConfig(
    JSON.stringify({
      receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
      storage: { dataDir },
      pipeline: { durability: 'disk' },
      logs: { syslog: { tcp: { enabled: true, port: 0 }, flushInterval: '20ms' } },
      sli: { flushInterval: '1h', definitions: SERVICES.map((service) => ({ id: service, service, kind: 'availability' })) },
      log: { level: 'silent' },
    }),
  );
}

/** An access line (combined format with the request time) at the current minute. */
function accessLine(path: string, status: number): string {
  const d = new Date();
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
  return `10.0.0.7 - - [${time}] "GET ${path} HTTP/1.1" ${status} 512 "-" "curl/8.5.0" 0.012`;
}

/** The host agent's shape: each tailed line is a record's body, marked unparsed. */
const agentBody = (lines: string[]): Uint8Array => agentLinesRequest(lines, { service: 'wal-agent', host: 'h1' });

async function sendSyslog(port: number, lines: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(lines.map((l) => `${l}\n`).join(''), () => resolve()));
    socket.on('error', reject);
  });
}

async function entriesOnDisk(walDir: string): Promise<Array<{ kind: string; batch: Batch }>> {
  const log = await WriteAheadLog.open({ dir: join(walDir, 'logs'), maxBytes: 1 << 30, segmentBytes: 1 << 26, groupCommitMs: 1 });
  try {
    const entries = await log.read(log.firstSequence, 1 << 30);
    return entries.map((e) => ({ kind: entryBodyKind(e.payload), batch: decodeBatchEntry(e.payload) }));
  } finally {
    await log.close();
  }
}

/** Every attribute map of a batch has no prototype (as the decoders make them). */
function prototypesOf(data: LogsData): Set<unknown> {
  const out = new Set<unknown>();
  for (const rl of data.resourceLogs) {
    out.add(Object.getPrototypeOf(rl.resource.attributes));
    for (const sl of rl.scopeLogs) {
      out.add(Object.getPrototypeOf(sl.scope.attributes));
      for (const r of sl.logRecords) out.add(Object.getPrototypeOf(r.attributes));
    }
  }
  return out;
}

describe('log batches in the write-ahead log', () => {
  it('keeps each receiver kind so that it reads back as the batch the consumers got, and replays every access record once after a crash', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lookout-wal-logs-'));
    const crashed = mkdtempSync(join(tmpdir(), 'lookout-wal-logs-crashed-'));
    dirs.push(dataDir, crashed);
    const got: Batch[] = [];
    const first = await startCollector(configFor(dataDir), {
      logger: pino({ level: 'silent' }),
      consumers: [{ signal: 'logs', name: 'capture', consume: (batch) => void got.push(batch) }],
    });
    running.push(first);
    const url = first.httpUrl;
    const post = async (path: string, type: string, body: Uint8Array | string, expected = 200) => {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
      expect(response.status, `${path}: ${await response.text()}`).toBe(expected);
    };

    // 1. an app's OTLP access records: kept as received
    await post('/v1/logs', 'application/x-protobuf', numberedLogBatchBody(0, 5, nowMinute, 'wal-otlp'));
    // 2. the host agent's unparsed lines: parsed by the collector
    await post('/v1/logs', 'application/x-protobuf', agentBody([accessLine('/a/1', 200), accessLine('/a/2', 503), accessLine('/a/3', 200)]));
    // 3. raw lines
    await post('/v1/logs/raw?service=wal-raw&format=access', 'text/plain', [accessLine('/r/1', 200), accessLine('/r/2', 200)].join('\n'));
    // 4. Loki push (JSON)
    const ns = `${Date.now()}000000`;
    const push = { streams: [{ stream: { service: 'wal-loki', job: 'nginx' }, values: [[ns, accessLine('/l/1', 200)], [ns, accessLine('/l/2', 500), { pod: 'web-1' }], [ns, accessLine('/l/3', 200)], [ns, accessLine('/l/4', 200)]] }] };
    await post('/loki/api/v1/push', 'application/json', JSON.stringify(push), 204);
    // 5. syslog over TCP
    await sendSyslog(first.syslog!.tcpPort!, ['<165>1 2026-12-01T00:00:00.000Z web-1 billing 4242 ID47 [order@32473 id="42"] invoice sent', '<13>Dec  1 00:00:01 web-1 cron: job done']);
    for (let i = 0; i < 200 && got.reduce((n, b) => n + b.items, 0) < 16; i++) await new Promise((r) => setTimeout(r, 10));
    await first.durable!.idle();
    expect(got.map((b) => [b.receiver, b.items])).toEqual([
      ['otlp-http', 5],
      ['otlp-http', 3],
      ['raw-lines', 2],
      ['loki-push', 4],
      ['syslog', 2],
    ]);

    const onDisk = await entriesOnDisk(join(dataDir, 'wal'));
    expect(onDisk.map((e) => e.kind)).toEqual(['request', 'compact', 'compact', 'compact', 'compact']);
    for (let i = 0; i < got.length; i++) {
      expect(onDisk[i]!.batch, `entry ${i} (${got[i]!.receiver})`).toStrictEqual(got[i]);
      expect(prototypesOf(onDisk[i]!.batch.data as LogsData)).toEqual(new Set([null]));
    }

    // the disk as a kill -9 leaves it, without the SLI store: the replay counts every access record
    cpSync(join(dataDir, 'wal'), join(crashed, 'wal'), { recursive: true });
    const second = await startCollector(configFor(crashed), { logger: pino({ level: 'silent' }) });
    running.push(second);
    await second.durable!.idle();
    const store = second.sli!.store!;
    const totals = Object.fromEntries(SERVICES.map((s) => [s, store.sum(s, nowMinute - 2, nowMinute + 2)]));
    expect(totals).toEqual({
      'wal-otlp': { good: 5, total: 5 },
      'wal-agent': { good: 2, total: 3 },
      'wal-raw': { good: 2, total: 2 },
      'wal-loki': { good: 3, total: 4 },
    });
    expect(readdirSync(join(crashed, 'wal', 'logs')).length).toBeGreaterThan(0);
  });
});
