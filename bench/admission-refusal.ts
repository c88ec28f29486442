/**
 * What a refusal costs (issue 12, defect 2: "a 429 in microseconds of CPU"): CPU per
 * request of the collector in this process for three cases, the load from a child
 * process (8 keep-alive connections, the same 20-span JSON body):
 *
 * - refused: the queue is full (a consumer holds its batch), so admission answers 429
 *   in the listener's request callback, before fastify;
 * - fastify 404: the same POST to a path no route has: the cheapest answer fastify
 *   gives (routing, hooks, reply), the same-run baseline;
 * - acknowledged: the queue open, the request read, decoded, queued and answered 200.
 *
 *   npx tsx --conditions=lookout-source bench/admission-refusal.ts [seconds per case, default 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector } from '../collector/src/collector.ts';
import { recordFigure } from './lib/figures.ts';
import { loadInProcessCollector } from './lib/http-load.ts';

const seconds = Number(process.argv[2] ?? 3);

function body(spans: number): string {
  const end = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: (i + 1).toString(16).padStart(32, '0'),
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: 'POST /orders',
              kind: 2,
              startTimeUnixNano: String(end - 5_000_000n),
              endTimeUnixNano: String(end),
              attributes: [
                { key: 'http.route', value: { stringValue: '/orders' } },
                { key: 'http.response.status_code', value: { intValue: 200 } },
              ],
            })),
          },
        ],
      },
    ],
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-'));
  const file = join(dir, 'body.json');
  writeFileSync(file, body(20));
  const config = (maxItems: number) =>
    parseConfig(
      'receivers:\n  otlp:\n    http: { port: 0 }\n    grpc: { enabled: false }\nlog: { level: warn }\n' +
        `storage: { dataDir: ${JSON.stringify(join(dir, `data-${maxItems}`))} }\npipeline: { durability: memory, queue: { maxItems: ${maxItems} }, admission: { maxEventLoopLag: 0s } }\n`,
    );
  console.log(`admission-refusal: ${seconds} s per case, collector in this process, load from a child process (8 connections, 20-span JSON)`);
  const perRequest: Record<string, number> = {};

  // acknowledged, and the fastify 404 baseline, on an open queue
  const open = await startCollector(config(500_000));
  for (const [name, path] of [
    ['acknowledged', '/v1/traces'],
    ['fastify 404', '/v1/nowhere'],
  ] as const) {
    const { counts, cpuSeconds } = await loadInProcessCollector(`${open.httpUrl}${path}`, 'application/json', file, seconds, () => open.queue.idle());
    const answered = counts.ok + counts.refused + counts.failed;
    perRequest[name] = (1e6 * cpuSeconds) / answered;
    console.log(`${name.padEnd(13)} ${perRequest[name]!.toFixed(0).padStart(6)} µs CPU per request (${counts.ok} ok, ${counts.refused} refused, ${counts.failed} other)`);
  }
  await open.close();

  // refused: a consumer holds the first batch, the queue (20 items) is full behind it
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const full = await startCollector(config(20), { consumers: [{ signal: 'traces', name: 'hold', consume: () => held }] });
  for (let i = 0; i < 3; i++) await fetch(`${full.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(20) });
  const { counts, cpuSeconds } = await loadInProcessCollector(`${full.httpUrl}/v1/traces`, 'application/json', file, seconds, async () => {});
  perRequest.refused = (1e6 * cpuSeconds) / (counts.ok + counts.refused + counts.failed);
  console.log(`${'refused'.padEnd(13)} ${perRequest.refused.toFixed(0).padStart(6)} µs CPU per request (${counts.ok} ok, ${counts.refused} refused, ${counts.failed} other)`);
  release();
  await full.close();
  rmSync(dir, { recursive: true, force: true });

  const refused = perRequest.refused;
  console.log(
    `refused / fastify 404 = ${(refused / perRequest['fastify 404']!).toFixed(2)}, refused / acknowledged = ${(refused / perRequest.acknowledged!).toFixed(2)}`,
  );
  recordFigure({
    bench: 'admission-refusal',
    name: '429 from admission (queue full), 20-span JSON body',
    value: refused,
    unit: 'µs CPU per request',
    baselineName: 'fastify 404, same request',
    baseline: perRequest['fastify 404']!,
    goal: 'cheaper than the cheapest fastify answer',
    goalMet: refused < perRequest['fastify 404']!,
  });
}

await main();
