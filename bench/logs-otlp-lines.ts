/**
 * The collector's half of the agent → collector log path, in one process, for profiling
 * and for the per-line cost as volume grows: access-log (or mixed) lines encoded as the
 * host agent encodes them (OTLP protobuf, one record per raw line, log.record.uid) are
 * POSTed to /v1/logs of a collector listening in this process, 5,000 lines a request,
 * one request at a time like the agent. Printed per slice of the run: lines per
 * CPU-second of this process (encoding included), so a cost that grows with volume
 * shows as falling figures; the first slice is the baseline of the ratio.
 *
 *   npx tsx bench/logs-otlp-lines.ts [lines, default 300000] [access|mixed]
 *   node --cpu-prof --import tsx bench/logs-otlp-lines.ts 300000   # profile
 */
import { encodeLogsProtobuf, newAttributes } from '@lookout/otlp';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLogsData } from '../agents/host/src/ship/log-records.ts';
import type { LineSource, TailLine } from '../agents/host/src/tail/tail-line.ts';
import { FileCursor } from '../agents/host/src/tail/tail-line.ts';
import { startCollector } from '../collector/src/collector.ts';
import { parseConfig } from '../collector/src/config/load.ts';
import { recordFigure } from './lib/figures.ts';
import { accessLine, mixedLine, prng } from './lib/log-lines.ts';

const LINES = Number(process.argv[2] ?? 300_000);
const KIND = process.argv[3] === 'mixed' ? 'mixed' : 'access';
const PER_REQUEST = 5000;
const SLICES = 5;

const dir = mkdtempSync(join(tmpdir(), 'lookout-otlp-lines-'));
const config = parseConfig(
  [
    'receivers:',
    '  otlp: { http: { port: 0 }, grpc: { enabled: false } }',
    `storage: { dataDir: ${JSON.stringify(join(dir, 'data'))} }`,
    'pipeline: { queue: { maxItems: 200000 } }',
    'log: { level: warn }',
    '',
  ].join('\n'),
);
let records = 0;
const collector = await startCollector(config, {
  consumers: [
    {
      signal: 'logs',
      name: 'count',
      consume: (batch) => {
        records += batch.items;
      },
    },
  ],
});
const url = `${collector.httpUrl}/v1/logs`;
const source: LineSource = { path: '/var/log/app.log', name: 'app.log', labels: { service: 'shop' } };
const cursor = new FileCursor(0);
const random = prng(KIND === 'access' ? 42 : 7);
const start = Date.UTC(2026, 11, 1);
let offset = 0;
let expectedRequests = 0;

function nextBody(from: number, count: number): Uint8Array {
  const lines: TailLine[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const { line, status } = KIND === 'access' ? accessLine(random, start + i * 10) : mixedLine(random, i, start);
    if (status !== undefined) expectedRequests++;
    const end = offset + Buffer.byteLength(line) + 1;
    lines[k] = { source, cursor, text: line, start: offset, end, part: 0, continues: false, uid: `f1:${offset}`, observedAtMs: Date.now() };
    offset = end;
  }
  return encodeLogsProtobuf(buildLogsData(lines, { 'host.name': 'bench', ...newAttributes() }, { name: 'lookout-agent', version: '0' }));
}

async function drained(target: number): Promise<void> {
  while (records < target) await new Promise((r) => setTimeout(r, 5));
}

console.log(`logs-otlp-lines: ${LINES.toLocaleString('en-US')} ${KIND} lines, ${PER_REQUEST} per request, collector in this process (Node ${process.version})`);
const slice = Math.ceil(LINES / SLICES);
let first = 0;
let second = 0;
let last = 0;
for (let s = 0; s < SLICES; s++) {
  const from = s * slice;
  const to = Math.min(LINES, from + slice);
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (let i = from; i < to; i += PER_REQUEST) {
    const body = nextBody(i, Math.min(PER_REQUEST, to - i));
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`POST /v1/logs answered ${res.status}`);
  }
  await drained(to);
  const used = process.cpuUsage(cpu);
  const perCpu = (to - from) / ((used.user + used.system) / 1e6);
  if (s === 0) first = perCpu;
  if (s === 1) second = perCpu;
  last = perCpu;
  console.log(
    `lines ${from.toLocaleString('en-US').padStart(9)}..${to.toLocaleString('en-US').padEnd(9)} ${Math.round(perCpu).toLocaleString('en-US').padStart(9)} lines/CPU-s  ${Math.round((to - from) / ((performance.now() - wall) / 1000)).toLocaleString('en-US').padStart(9)} lines/s wall  ÷ first slice ${(perCpu / first).toFixed(2)}`,
  );
}
const text = await (await fetch(`${collector.httpUrl}/metrics`)).text();
const counted = text
  .split('\n')
  .filter((l) => l.startsWith('lookout_requests_total{'))
  .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
console.log(`requests counted ${counted.toLocaleString('en-US')} of ${expectedRequests.toLocaleString('en-US')} access lines${counted === expectedRequests ? '' : ' — MISMATCH'}`);
recordFigure({
  bench: 'logs-otlp-lines',
  name: `${KIND} lines, last fifth of ${LINES.toLocaleString('en-US')}`,
  value: last,
  unit: 'lines per CPU-second (collector + encoding, one process)',
  baselineName: 'second fifth of the same run (the first warms up)',
  baseline: second,
  goal: 'per-line cost does not grow with volume (ratio ≥ 0.9)',
  goalMet: last / second >= 0.9,
});
console.log(`last fifth ÷ second fifth ${(last / second).toFixed(2)} (goal ≥ 0.9: the per-line cost does not grow with volume)`);
await collector.close();
rmSync(dir, { recursive: true, force: true });
if (counted !== expectedRequests) process.exitCode = 1;
