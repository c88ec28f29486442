/**
 * Collector memory under load: RSS and heap of a collector process (the `lookout` bin,
 * embedded defaults plus a data dir) while it takes a sustained, paced load of OTLP/HTTP
 * protobuf spans (1,000 per request, 3 services, 20 routes) at 10k, 50k and 100k spans/s,
 * then at overload: two open-loop clients offering far more than it can take, beside a
 * light client (100-span requests, 5/s, from 127.0.0.2 as another host would send) whose
 * latency is what a healthy sender sees, and a
 * /readyz probe.
 *
 * The same-run baseline is the idle collector's RSS after start-up; each stage prints its
 * RSS peak and mean, heap peak, accepted spans/s against offered, and the answer latencies.
 * Goals (issue 16): ≤ 150 MiB RSS at 50k spans/s; at overload RSS never above the bound
 * the configuration documents (collector/src/pipeline/memory-bound.ts: idle RSS plus the
 * queue's bytes, the in-flight and decompression budgets and the connections, each times
 * its factor, plus a constant), with 429s and the light client's p99 printed.
 *
 *   npx tsx bench/collector-memory.ts [seconds per stage, default 60]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { parseConfig } from '../collector/src/config/load.ts';
import { rssBoundBytes } from '../collector/src/pipeline/memory-bound.ts';
import { recordFigure } from './lib/figures.ts';
import { freePort, metricSum, rssBytes, startProcess, stop, waitFor } from './lib/processes.ts';
import { serverSpans } from './lib/server-spans.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.argv[2] ?? 60);
const QUEUE_MAX_BYTES = 64 * 1024 * 1024;
const STAGES = [10_000, 50_000, 100_000];
const PACED_LOAD = fileURLToPath(new URL('./lib/paced-load.mjs', import.meta.url));
const MiB = 2 ** 20;

interface LoadResult {
  offered: number;
  ok: number;
  refused: number;
  failed: number;
  timedOut: number;
  notSent: number;
  answeredShare: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

interface Sampled {
  rssPeak: number;
  rssMean: number;
  heapPeak: number;
}

/** Samples RSS every 250 ms and the heap (from /metrics) every 2 s until stopped. */
function sampler(pid: number, url: string): { stop(): Promise<Sampled> } {
  const rss: number[] = [];
  let heapPeak = 0;
  let running = true;
  const loop = (async () => {
    let tick = 0;
    while (running) {
      rss.push(rssBytes(pid));
      if (tick++ % 8 === 0) {
        const heap = await metricSum(url, 'lookout_nodejs_heap_size_used_bytes').catch(() => 0);
        heapPeak = Math.max(heapPeak, heap);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { rssPeak: Math.max(...rss), rssMean: rss.reduce((a, b) => a + b, 0) / rss.length, heapPeak };
    },
  };
}

async function load(url: string, file: string, ratePerSecond: number, seconds: number, timeoutMs: number, maxInFlight = 256, localAddress?: string): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, [PACED_LOAD, url, 'application/x-protobuf', file, String(ratePerSecond), String(seconds * 1000), String(timeoutMs), String(maxInFlight), ...(localAddress ? [localAddress] : [])], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as LoadResult;
}

async function readyzLatencies(url: string, seconds: number): Promise<{ p99: number; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const started = performance.now();
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    if (response) {
      await response.text();
      latencies.push(performance.now() - started);
    } else failed++;
    await new Promise((r) => setTimeout(r, 200));
  }
  latencies.sort((a, b) => a - b);
  return { p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN, failed };
}

const mib = (bytes: number): string => (bytes / MiB).toFixed(0).padStart(5);
const ms = (x: number | null): string => (x === null || !Number.isFinite(x) ? '   -' : x.toFixed(0).padStart(5));

const dir = mkdtempSync(join(tmpdir(), 'lookout-memory-'));
const port = await freePort();
const configFile = join(dir, 'lookout.yaml');
writeFileSync(
  configFile,
  [
    'receivers:',
    `  otlp: { http: { port: ${port} }, grpc: { enabled: false } }`,
    `storage: { dataDir: ${JSON.stringify(join(dir, 'data'))} }`,
    `pipeline: { queue: { maxBytes: ${QUEUE_MAX_BYTES} } }`,
    'log: { level: warn }',
    '',
  ].join('\n'),
);
// The RSS bound this configuration documents (collector/src/pipeline/memory-bound.ts), from the parsed config.
const parsed = parseConfig(readFileSync(configFile, 'utf8'), configFile, {});
const boundInputs = {
  maxConnections: parsed.receivers.otlp.http.maxConnections,
  maxInFlightBytes: parsed.pipeline.admission.maxInFlightBytes,
  maxDecompressedBytes: parsed.receivers.otlp.http.maxDecompressedBytes,
  queueMaxBytes: parsed.pipeline.queue.maxBytes,
};
const bigBody = join(dir, 'spans-1000.bin');
writeFileSync(bigBody, ProtobufTraceSerializer.serializeRequest(serverSpans(1000))!);
const smallBody = join(dir, 'spans-100.bin');
writeFileSync(smallBody, ProtobufTraceSerializer.serializeRequest(serverSpans(100))!);
const url = `http://127.0.0.1:${port}`;
const collector = startProcess(process.execPath, [join(ROOT, 'collector/bin/lookout.mjs'), 'collector', '--config', configFile]);
try {
  await waitFor('collector ready', async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok ? true : undefined), 60_000, [collector]);
  await new Promise((r) => setTimeout(r, 2000));
  const pid = collector.child.pid!;
  const idle = rssBytes(pid);
  console.log(`collector-memory: ${SECONDS} s per stage, 1,000-span protobuf requests, open-loop paced load from a child process; queue.maxBytes ${mib(QUEUE_MAX_BYTES).trim()} MiB (Node ${process.version})`);
  console.log(`idle collector RSS (same-run baseline): ${mib(idle).trim()} MiB`);
  console.log('');
  console.log('stage                 accepted spans/s   RSS peak  RSS mean  heap peak   p50 ms  p99 ms   answered   429s');
  for (const spansPerSecond of STAGES) {
    const sampling = sampler(pid, url);
    const result = await load(`${url}/v1/traces`, bigBody, spansPerSecond / 1000, SECONDS, 10_000);
    const memory = await sampling.stop();
    const accepted = (result.ok * 1000) / SECONDS;
    console.log(
      `${`${spansPerSecond / 1000}k spans/s`.padEnd(22)}${Math.round(accepted).toLocaleString('en-US').padStart(16)}   ${mib(memory.rssPeak)} MiB ${mib(memory.rssMean)} MiB  ${mib(memory.heapPeak)} MiB  ${ms(result.p50)}   ${ms(result.p99)}   ${(result.answeredShare * 100).toFixed(1).padStart(6)} %  ${String(result.refused).padStart(5)}`,
    );
    recordFigure({
      bench: 'collector-memory',
      name: `RSS peak at ${spansPerSecond / 1000}k spans/s sustained (accepted ${Math.round(accepted / 1000)}k/s)`,
      value: memory.rssPeak / MiB,
      unit: 'MiB',
      baselineName: 'idle collector RSS',
      baseline: idle / MiB,
      ...(spansPerSecond === 50_000 ? { goal: '≤ 150 MiB', goalMet: memory.rssPeak <= 150 * MiB } : {}),
    });
  }

  // Overload: two heavy open-loop clients far above capacity, a light client and /readyz.
  const sampling = sampler(pid, url);
  const [heavyA, heavyB, light, readyz] = await Promise.all([
    load(`${url}/v1/traces`, bigBody, 500, SECONDS, 5_000, 256),
    load(`${url}/v1/traces`, bigBody, 500, SECONDS, 5_000, 256),
    // another host (127.0.0.2), as a healthy exporter elsewhere in the fleet is
    load(`${url}/v1/traces`, smallBody, 5, SECONDS, 5_000, 16, '127.0.0.2'),
    readyzLatencies(url, SECONDS),
  ]);
  const memory = await sampling.stop();
  const heavyOffered = heavyA.offered + heavyB.offered;
  const heavyAnswered = heavyA.ok + heavyA.refused + heavyB.ok + heavyB.refused;
  console.log(
    `${'overload 1M spans/s'.padEnd(22)}${Math.round(((heavyA.ok + heavyB.ok) * 1000) / SECONDS).toLocaleString('en-US').padStart(16)}   ${mib(memory.rssPeak)} MiB ${mib(memory.rssMean)} MiB  ${mib(memory.heapPeak)} MiB  ${ms(heavyA.p50)}   ${ms(heavyA.p99)}   ${((heavyAnswered / heavyOffered) * 100).toFixed(1).padStart(6)} %  ${String(heavyA.refused + heavyB.refused).padStart(5)}`,
  );
  console.log(
    `  heavy clients: offered ${heavyOffered}, ok ${heavyA.ok + heavyB.ok}, 429 ${heavyA.refused + heavyB.refused}, timed out ${heavyA.timedOut + heavyB.timedOut}, failed ${heavyA.failed + heavyB.failed}, not sent (client cap) ${heavyA.notSent + heavyB.notSent}`,
  );
  console.log(`  light client (100 spans, 5/s): ok ${light.ok}/${light.offered}, 429 ${light.refused}, timed out ${light.timedOut}, failed ${light.failed}; p50 ${ms(light.p50).trim()} ms, p99 ${ms(light.p99).trim()} ms`);
  console.log(`  /readyz: p99 ${ms(readyz.p99).trim()} ms, ${readyz.failed} without an answer within 2 s`);
  const bound = rssBoundBytes(boundInputs, idle);
  console.log(
    `  RSS peak ${mib(memory.rssPeak).trim()} MiB against the documented bound ${mib(bound).trim()} MiB (idle ${mib(idle).trim()} + 64 + connections ${boundInputs.maxConnections} × 32 KiB + 4 × in-flight ${mib(boundInputs.maxInFlightBytes).trim()} + 2 × decompressed ${mib(boundInputs.maxDecompressedBytes).trim()} + 16 × queue ${mib(boundInputs.queueMaxBytes).trim()} MiB)`,
  );
  recordFigure({
    bench: 'collector-memory',
    name: 'RSS peak at overload (two open-loop clients at 500 req/s of 1,000 spans)',
    value: memory.rssPeak / MiB,
    unit: 'MiB',
    baselineName: 'the RSS bound this configuration documents (pipeline/memory-bound.ts)',
    baseline: bound / MiB,
    goal: 'never above the bound',
    goalMet: memory.rssPeak <= bound,
  });
  recordFigure({
    bench: 'collector-memory',
    name: "light client's p99 at overload",
    value: light.p99 ?? Number.NaN,
    unit: 'ms',
    goal: '≤ 100 ms',
    goalMet: light.p99 !== null && light.p99 <= 100,
  });
  recordFigure({
    bench: 'collector-memory',
    name: 'requests answered (200 or 429) at overload',
    value: heavyAnswered / heavyOffered,
    unit: 'share of offered',
    goal: 'every request answered',
    goalMet: heavyAnswered === heavyOffered,
  });
} finally {
  await stop(collector);
  rmSync(dir, { recursive: true, force: true });
}
