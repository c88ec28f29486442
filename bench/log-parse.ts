/**
 * Log parsing throughput on one core: lines/s for each format and for a mixed stream
 * (several streams, each auto-detected), against two baselines measured in the same
 * run: splitting the text into lines, and JSON.parse of the JSON lines.
 *
 *   npx tsx bench/log-parse.ts [--seconds 1] [--runs 5] [--only <name prefix>]
 *
 * Goal: 300,000 lines/s per core on the mixed stream.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createFormatParser, createLogStream, createStreamParser } from '../collector/src/logs/index.ts';
import type { LineParser, LogFormat } from '../collector/src/logs/index.ts';
import { recordFigure } from './lib/figures.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SECONDS = option('seconds', 1);
const RUNS = option('runs', 5);
const NOW = Date.UTC(2026, 0, 1);
const GOAL = 300_000;

// ---------------------------------------------------------------- data

function fixture(name: string): string[] {
  const text = readFileSync(new URL(`../../shared/fixtures/logs/${name}`, import.meta.url), 'utf8');
  return text.split('\n').filter((line) => line !== '');
}

/** Deterministic pseudo-random numbers, so every run parses the same lines. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function pinoLines(count: number): string[] {
  const chunks: string[] = [];
  const logger = pino({ base: { pid: 4242, hostname: 'web-1' } }, { write: (chunk: string) => void chunks.push(chunk) });
  const next = random(1);
  for (let i = 0; i < count; i++) {
    const child = logger.child({ reqId: `req-${i}`, route: '/users/:id' });
    const r = next();
    if (r < 0.05) child.error({ err: new Error(`upstream ${i} failed`) }, 'request failed');
    else if (r < 0.2) child.warn({ latencyMs: Math.round(r * 1000), userId: i }, 'slow request');
    else child.info({ method: 'GET', status: 200, bytes: i % 5000 }, 'request completed');
  }
  return chunks.join('').split('\n').filter((line) => line !== '');
}

function logfmtLines(count: number): string[] {
  const next = random(2);
  const levels = ['debug', 'info', 'info', 'info', 'warn', 'error'];
  return Array.from({ length: count }, (_, i) => {
    const level = levels[Math.floor(next() * levels.length)];
    return `ts=2023-10-11T22:${String(i % 60).padStart(2, '0')}:15.${String(i % 1000).padStart(3, '0')}Z level=${level} caller=server.go:${i % 400} msg="handled request ${i}" method=GET path=/api/items/${i} status=200 duration=${(next() * 0.2).toFixed(4)}s`;
  });
}

function accessLines(count: number): string[] {
  const next = random(3);
  const paths = ['/', '/users/123', '/api/v1/orders?limit=20', '/static/app.4f9a8b7c.js', '/login', '/search?q=shoes'];
  const agents = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Safari/537.36', 'curl/8.5.0', 'Go-http-client/1.1'];
  return Array.from({ length: count }, (_, i) => {
    const status = next() < 0.02 ? 503 : next() < 0.1 ? 404 : 200;
    const path = paths[i % paths.length];
    const agent = agents[i % agents.length];
    return `10.${i % 256}.${(i >> 8) % 256}.${i % 7} - - [11/Oct/2023:22:${String(i % 60).padStart(2, '0')}:15 +0000] "GET ${path} HTTP/1.1" ${status} ${1000 + (i % 9000)} "https://example.com/" "${agent}" ${(next() * 0.5).toFixed(3)}`;
  });
}

function syslog5424Lines(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      `<${(i % 24) * 8 + (i % 8)}>1 2023-10-11T22:14:15.${String(i % 1000000).padStart(6, '0')}Z host-${i % 10} app ${1000 + (i % 500)} ID${i % 50} [meta seq="${i}" zone="eu"] event number ${i} happened`,
  );
}

function apache24Lines(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      `[Wed Oct 11 14:32:52.${String(i % 1000000).padStart(6, '0')} 2023] [core:error] [pid ${100 + (i % 900)}:tid ${140000 + i}] [client 192.0.2.${i % 256}:${40000 + (i % 20000)}] AH00124: Request exceeded the limit of 10 internal redirects`,
  );
}

function repeatTo(lines: string[], count: number): string[] {
  return Array.from({ length: count }, (_, i) => lines[i % lines.length]!);
}

const SIZE = 60_000;
const datasets: Record<LogFormat, string[]> = {
  json: pinoLines(SIZE),
  logfmt: logfmtLines(SIZE),
  access: accessLines(SIZE),
  'apache-error': repeatTo([...fixture('Apache_2k.log'), ...apache24Lines(2000)], SIZE),
  syslog: repeatTo([...fixture('Linux_2k.log'), ...syslog5424Lines(2000)], SIZE),
  log4j: repeatTo(fixture('Zookeeper_2k.log'), SIZE),
  plain: [],
};
const FORMATS = (Object.keys(datasets) as LogFormat[]).filter((format) => format !== 'plain');

// ---------------------------------------------------------------- measuring

interface Bench {
  name: string;
  /** handles its lines once; returns how many */
  pass: () => number;
  rates: number[];
}

/**
 * Lines per CPU-second: the machine is shared, so wall time would count other
 * processes' work. Benchmarks take turns, run after run, so that a busy moment hurts
 * all of them alike and the ratios hold.
 */
function sample(bench: Bench): number {
  let lines = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < SECONDS * 1e6) {
    lines += bench.pass();
    const now = process.cpuUsage(start);
    used = now.user + now.system;
  }
  return lines / (used / 1e6);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

let sink = 0; // keeps results alive so that no work is optimised away

function parseAll(parse: LineParser, lines: string[]): number {
  let parsed = 0;
  for (let i = 0; i < lines.length; i++) if (parse(lines[i]!, NOW).parsed) parsed++;
  sink += parsed;
  return lines.length;
}

const mixedText = FORMATS.map((format) => datasets[format].join('\n')).join('\n');
const benches: Bench[] = [];
const add = (name: string, pass: () => number): void => void benches.push({ name, pass, rates: [] });

add('split', () => {
  const lines = mixedText.split('\n');
  sink += lines.length;
  return lines.length;
});
add('JSON.parse', () => {
  const lines = datasets.json;
  for (let i = 0; i < lines.length; i++) sink += JSON.parse(lines[i]!).level;
  return lines.length;
});
for (const format of FORMATS) {
  const parse = createFormatParser(format);
  const failures = datasets[format].filter((line) => !parse(line, NOW).parsed).length;
  if (failures > 0) throw new Error(`${failures} ${format} lines of the benchmark data do not parse`);
  add(format, () => parseAll(parse, datasets[format]));
}
// mixed: one auto-detecting stream per format, lines arriving in batches of 100 per stream
const BATCH = 100;
add('mixed (auto-detected per stream)', () => {
  const streams = FORMATS.map(() => createStreamParser());
  let lines = 0;
  for (let offset = 0; offset < SIZE; offset += BATCH) {
    for (let s = 0; s < FORMATS.length; s++) {
      const data = datasets[FORMATS[s]!];
      const stream = streams[s]!;
      const end = Math.min(offset + BATCH, SIZE);
      for (let i = offset; i < end; i++) sink += stream.parse(data[i]!, NOW).record.severityNumber;
      lines += end - offset;
    }
  }
  for (const stream of streams) if (stream.stats.unparsed > 0) throw new Error('mixed stream lines did not parse');
  return lines;
});

// the same, through createLogStream: multiline joining by line shape before parsing (file tails)
add('mixed + multiline joiner', () => {
  const streams = FORMATS.map(() => createLogStream());
  let lines = 0;
  for (let offset = 0; offset < SIZE; offset += BATCH) {
    for (let s = 0; s < FORMATS.length; s++) {
      const data = datasets[FORMATS[s]!];
      const stream = streams[s]!;
      const end = Math.min(offset + BATCH, SIZE);
      for (let i = offset; i < end; i++) sink += stream.push(data[i]!, NOW).length;
      lines += end - offset;
    }
  }
  for (const stream of streams) sink += stream.flush(NOW).length;
  return lines;
});

const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const selected = benches.filter((bench) => only === undefined || bench.name.startsWith(only) || bench.name === 'split' || bench.name === 'JSON.parse');
for (const bench of selected) sample(bench); // warm up: JIT, inline caches
for (let run = 0; run < RUNS; run++) for (const bench of selected) bench.rates.push(sample(bench));
const rateOf = (name: string): number => median(selected.find((bench) => bench.name === name)!.rates);
const splitRate = rateOf('split');
const jsonParseRate = rateOf('JSON.parse');
const results = selected.filter((bench) => bench.name !== 'split' && bench.name !== 'JSON.parse').map((bench) => ({ name: bench.name, rate: median(bench.rates) }));
const mixedRate = results.find((result) => result.name.startsWith('mixed (auto'))?.rate ?? Number.NaN;

// ---------------------------------------------------------------- report

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);
console.log(`log parsing, lines per CPU-second on one core, median of ${RUNS} interleaved runs of ${SECONDS}s CPU (Node ${process.version})`);
console.log(`baseline split('\\n') only:   ${fmt(splitRate)} lines/s`);
console.log(`baseline JSON.parse only:    ${fmt(jsonParseRate)} lines/s (the pino lines)`);
console.log('');
console.log(`${'format'.padEnd(34)}${'lines/s'.padStart(11)}   ${'÷ split'.padStart(8)}  ${'÷ JSON.parse'.padStart(12)}`);
for (const { name, rate } of results) {
  console.log(`${name.padEnd(34)}${fmt(rate)}   ${(rate / splitRate).toFixed(3).padStart(8)}  ${(rate / jsonParseRate).toFixed(2).padStart(12)}`);
}
console.log('');
console.log(`mixed stream vs goal of ${GOAL.toLocaleString('en-US')} lines/s: ${(mixedRate / GOAL).toFixed(2)}×`);
for (const { name, rate } of results) {
  recordFigure({ bench: 'log-parse', name, value: rate, unit: 'lines/s per CPU-second', baselineName: "split('\\n') only", baseline: splitRate });
}
recordFigure({
  bench: 'log-parse',
  name: 'mixed stream, auto-detected (vs JSON.parse)',
  value: mixedRate,
  unit: 'lines/s per CPU-second',
  baselineName: 'JSON.parse only',
  baseline: jsonParseRate,
  goal: `${GOAL.toLocaleString('en-US')} lines/s`,
  goalMet: mixedRate >= GOAL,
});
if (sink === 0.5) console.log(''); // never true; reads the sink
