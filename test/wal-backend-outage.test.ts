/**
 * Backend outage under durability disk (issue 13): the OTLP target (a second Lookout)
 * and the remote-write target (a real Prometheus) go away (their ports closed) while
 * ingest goes on. The clock is shortened, not the path: backoff, breaker and batching
 * run as configured, only with short settings. Under disk the exporter retries without a
 * time limit (its maxElapsed, 1 s here, is not used): the log's bound is what decides.
 *
 * 1. An outage under the exporter's lag bound: ingest is never refused, the entries wait
 *    in the log (its cursor lags), and after the targets return every span is delivered
 *    and the remote-write samples taken during the outage arrive, in timestamp order.
 * 2. An outage past the bound: the exporter is cut loose (counted), ingest still never
 *    refused, the log stays under its byte bound, and after the return everything the
 *    exporter was not cut from arrives: exactly what was sent minus what was counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { countByBatch, numberedBatchBody } from './helpers/numbered-spans.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';
import { freePort } from './helpers/server-process.ts';
import { Forwarder } from './helpers/forwarder.ts';

const SLI = 'outage-availability';
const SPANS = 100;
const baseMinute = Math.floor(Date.now() / 60_000) - 600;
const WAL_MAX = 4 * 1024 * 1024;
const LAG_MAX = 1024 * 1024;


async function waitFor<T>(what: string, read: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let prometheus: RunningPrometheus | undefined;
let target: TestCollector;
let collector: RunningCollector;
let otlpPath: Forwarder;
let writePath: Forwarder | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'lookout-outage-'));
const targetDir = mkdtempSync(join(tmpdir(), 'lookout-outage-target-'));

async function selfMetric(name: string, labels = ''): Promise<number> {
  const text = await (await collector.http.inject({ method: 'GET', url: '/metrics' })).body;
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && line.includes(labels)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

let nextBatch = 0;
/** sends n numbered batches; all must be acknowledged (the outage never refuses ingest) */
async function send(n: number, watch?: () => Promise<void>): Promise<number[]> {
  const sent: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = nextBatch++;
    const response = await fetch(`${collector.httpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: numberedBatchBody(i, SPANS, baseMinute, 'outage'),
    });
    await response.arrayBuffer();
    expect(response.status, `batch ${i}`).toBe(200);
    sent.push(i);
    await watch?.();
  }
  return sent;
}

beforeAll(async () => {
  prometheus = await startPrometheus([]);
  target = await startTestCollector(`storage:\n  dataDir: ${JSON.stringify(targetDir)}\npipeline:\n  durability: memory\nrequestSeries:\n  enabled: false\n`);
  otlpPath = new Forwarder(await freePort(), Number(new URL(target.collector.httpUrl).port));
  await otlpPath.open();
  if (prometheus) {
    writePath = new Forwarder(await freePort(), prometheus.port);
    await writePath.open();
  }
  const config = parseConfig(
    JSON.stringify({
      receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
      storage: { dataDir },
      pipeline: { durability: 'disk', wal: { maxBytes: WAL_MAX, segmentBytes: '64KiB', exporterMaxLagBytes: LAG_MAX } },
      sli: { flushInterval: '200ms', definitions: [{ id: SLI, service: 'outage', kind: 'availability' }] },
      exporters: {
        otlp: {
          endpoint: `http://127.0.0.1:${otlpPath.port}`,
          signals: ['traces'],
          batchItems: 500,
          batchWait: '50ms',
          maxBufferItems: 2000,
          minBackoff: '50ms',
          maxBackoff: '300ms',
          maxElapsed: '1s', // not used under disk: the outages below last longer
          breaker: { failureThreshold: 3, coolDown: '300ms' },
        },
        ...(writePath
          ? { remoteWrite: { url: `http://127.0.0.1:${writePath.port}/api/v1/write`, selfInterval: '200ms', batchWait: '50ms', minBackoff: '50ms', maxBackoff: '300ms', breaker: { failureThreshold: 3, coolDown: '300ms' } } }
          : {}),
      },
      log: { level: 'warn' },
    }),
  );
  collector = await startCollector(config, { logger: pino({ level: 'silent' }) });
}, 60_000);

afterAll(async () => {
  await collector?.close();
  await otlpPath?.close();
  await writePath?.close();
  await target?.close();
  await prometheus?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(targetDir, { recursive: true, force: true });
});

describe('backend outage with durability disk', () => {
  it('keeps what the targets missed in the log and delivers all of it when they return', async () => {
    const before = await send(5);
    await waitFor('the first batches at the target', () => (countByBatch(target.batches.traces).size === before.length ? true : undefined));

    await otlpPath.close();
    await writePath?.close();
    const outageStartedS = Date.now() / 1000;
    const during = await send(40); // ~0.5 MiB: under the exporter's lag bound
    await new Promise((r) => setTimeout(r, 1500)); // the outage goes on, remote-write samples pile up
    expect(await selfMetric('lookout_wal_cursor_lag_items', 'consumer="otlp-exporter"')).toBeGreaterThan(0);
    expect(await selfMetric('lookout_wal_segments', 'signal="traces"')).toBeGreaterThan(1);
    const outageEndedS = Date.now() / 1000;
    await otlpPath.open();
    await writePath?.open();

    const all = [...before, ...during];
    const counts = await waitFor('every span at the OTLP target', () => {
      const got = countByBatch(target.batches.traces);
      return all.every((i) => got.get(i) === SPANS) ? got : undefined;
    });
    expect(counts.size).toBe(all.length);
    await waitFor('the exporter cursor caught up', async () => ((await selfMetric('lookout_wal_cursor_lag_items', 'consumer="otlp-exporter"')) === 0 ? true : undefined));
    expect(await selfMetric('lookout_wal_cursor_cut_items_total')).toBe(0);

    if (prometheus) {
      // the SLO counter samples taken while Prometheus was unreachable arrive, in order
      const series = await waitFor('remote-write samples from the outage', async () => {
        const result = (await prometheus!.query(`lookout_slo_events_total{slo="${SLI}"}[1h]`)) as unknown as Array<{ values: Array<[number, string]> }>;
        const values = result[0]?.values ?? [];
        return values.filter(([t]) => t > outageStartedS && t < outageEndedS).length >= 3 ? values : undefined;
      });
      const times = series.map(([t]) => t);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      const last = Number(series.at(-1)![1]);
      expect(last).toBeLessThanOrEqual(all.length * SPANS);
      await waitFor('the last SLO count', async () => {
        const result = await prometheus!.query(`lookout_slo_events_total{slo="${SLI}"}`);
        return Number(result[0]?.value[1]) === all.length * SPANS ? true : undefined;
      });
    }
  }, 60_000);

  it('cuts an exporter loose past its lag bound, counted, while ingest goes on and the log stays under its bound', async () => {
    target.clear();
    await otlpPath.close();
    let maxWalBytes = 0;
    const watch = async () => {
      maxWalBytes = Math.max(maxWalBytes, await selfMetric('lookout_wal_bytes', 'signal="traces"'));
    };
    const sent = await send(150, watch); // ~1.9 MiB: past the 1 MiB lag bound
    // cut loose, and back under its bound (the cut is checked every 250 ms)
    await waitFor('the exporter cut loose', async () => {
      const cut = await selfMetric('lookout_wal_cursor_cut_items_total', 'consumer="otlp-exporter"');
      const lag = await selfMetric('lookout_wal_cursor_lag_bytes', 'consumer="otlp-exporter"');
      return cut > 0 && lag <= LAG_MAX ? true : undefined;
    });
    await watch();
    expect(maxWalBytes).toBeLessThanOrEqual(WAL_MAX);
    const cut = await selfMetric('lookout_wal_cursor_cut_items_total', 'consumer="otlp-exporter"');
    expect(await selfMetric('lookout_wal_full_refusals_total')).toBe(0);
    // the SLI store is never cut: every span counted
    await waitFor('the SLI count', () => (collector.sli!.store!.sum(SLI, baseMinute, baseMinute + nextBatch).total === nextBatch * SPANS ? true : undefined));

    await otlpPath.open();
    const expected = sent.length * SPANS - cut;
    const delivered = await waitFor('what was not cut at the target', async () => {
      const got = [...countByBatch(target.batches.traces).values()].reduce((a, b) => a + b, 0);
      const lag = await selfMetric('lookout_wal_cursor_lag_items', 'consumer="otlp-exporter"');
      return got >= expected && lag === 0 ? got : undefined;
    });
    console.log(`outage past the bound: ${sent.length * SPANS} spans sent, ${cut} cut loose (counted), ${delivered} delivered after the return; log peak ${maxWalBytes} bytes of ${WAL_MAX}`);
    expect(delivered).toBe(expected);
  }, 60_000);
});
