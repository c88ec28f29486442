/**
 * SLO evaluation cost: 1,000 SLOs, each with 30 days of per-minute (good, total)
 * buckets (43,200 per SLO), evaluated per cycle the way the runtime does it — one
 * new minute appended to every SLO's window index (the worst case: nothing from the
 * last cycle can be reused), then window sums, evaluateSlo and the alert state step
 * for every SLO. Prints time per cycle, the share of one core at a 10-second cycle
 * (goal: under 1 %), memory, and a ratio against a baseline measured in the same
 * run: a bare loop summing the same amount of per-minute data (each SLO's 3-day
 * arrays, once) with no evaluation at all.
 *
 *   npx tsx --conditions=lookout-source bench/slo-eval.ts [SLOs, default 1000] [cycles, default 60]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createSloWindowIndex,
  evaluateSlo,
  evaluationWindows,
  nextAlertState,
  parseSpecText,
  policyWindows,
} from '../alerts/src/index.ts';
import type { SloAlertState, SloDefinition } from '../alerts/src/index.ts';
import { recordFigure } from './lib/figures.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SLO_COUNT = Number(process.argv[2] ?? 1000);
const CYCLES = Number(process.argv[3] ?? 60);
const DAYS = 30;
const MINUTES = DAYS * 1440;
const CYCLE_SECONDS = 10;

/** 1,000 SLOs over 250 services: availability and latency, a quarter with a minEvents guard. */
function specs(count: number): SloDefinition[] {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    const latency = i % 2 === 1;
    docs.push(
      [
        `service: svc-${Math.floor(i / 4)}`,
        `name: slo-${i}`,
        `objective: ${latency ? 99 : 99.9}`,
        latency ? 'sli: { latency: 300ms }' : 'sli: availability',
        `filters: { route: /api/r${i % 20} }`,
        i % 4 === 0 ? 'minEvents: 20' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
  return parseSpecText(docs.join('\n---\n'), 'bench.yaml');
}

/** Deterministic traffic: 50–149 events a minute, bursts of errors now and then. */
function minuteCounts(slo: number, minute: number): [good: number, total: number] {
  const total = 50 + ((slo * 7 + minute * 13) % 100);
  const errors = (minute + slo) % 997 < 5 ? total >> 2 : (minute * 31 + slo) % 53 === 0 ? 1 : 0;
  return [total - errors, total];
}

function memory(): { heap: number; buffers: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (n: number) => `${n.toFixed(2)} ms`;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];

const slos = specs(SLO_COUNT);
const startMinute = Math.floor(Date.UTC(2026, 0, 1) / 60_000);

const before = memory();
const fillStart = performance.now();
const indexes = slos.map((slo) => createSloWindowIndex(slo));
for (let i = 0; i < slos.length; i++) {
  const index = indexes[i];
  for (let m = 0; m < MINUTES; m++) {
    const [good, total] = minuteCounts(i, m);
    index.append({ minute: startMinute + m, good, total });
  }
}
const fillSeconds = (performance.now() - fillStart) / 1000;
const after = memory();
const indexBytes = indexes.reduce((n, index) => n + index.memoryBytes(), 0);

// The baseline's data: the same per-minute counts, 3 days per SLO, as plain arrays.
const exact = Math.max(...policyWindows(slos[0].policy));
const bareGood = slos.map((_, i) => Float32Array.from({ length: exact }, (_, m) => minuteCounts(i, MINUTES - exact + m)[0]));
const bareTotal = slos.map((_, i) => Float32Array.from({ length: exact }, (_, m) => minuteCounts(i, MINUTES - exact + m)[1]));

let minute = MINUTES; // next minute to append
const states: (SloAlertState | undefined)[] = new Array(slos.length);
let firing = 0;

function evaluationCycle(): number {
  const t0 = performance.now();
  const nowMs = (startMinute + minute + 1) * 60_000; // the new minute just completed
  firing = 0;
  for (let i = 0; i < slos.length; i++) {
    const [good, total] = minuteCounts(i, minute);
    indexes[i].append({ minute: startMinute + minute, good, total });
    const slo = slos[i];
    const sums = indexes[i].sums(startMinute + minute, evaluationWindows(slo, nowMs));
    const step = nextAlertState(states[i], evaluateSlo(slo, sums, nowMs), nowMs);
    states[i] = step.state;
    for (const a of step.active) if (a.state === 'firing') firing++;
  }
  minute++;
  return performance.now() - t0;
}

let sink = 0;
function baselineCycle(): number {
  const t0 = performance.now();
  for (let i = 0; i < bareGood.length; i++) {
    const g = bareGood[i];
    const t = bareTotal[i];
    let sg = 0;
    let st = 0;
    for (let m = 0; m < g.length; m++) {
      sg += g[m];
      st += t[m];
    }
    sink += sg - st;
  }
  return performance.now() - t0;
}

// Warm up both, then alternate so both see the same machine.
for (let i = 0; i < 5; i++) (evaluationCycle(), baselineCycle());
const evalTimes: number[] = [];
const baseTimes: number[] = [];
for (let i = 0; i < CYCLES; i++) {
  evalTimes.push(evaluationCycle());
  baseTimes.push(baselineCycle());
}

const evalMedian = percentile(evalTimes, 0.5);
const baseMedian = percentile(baseTimes, 0.5);
console.log(`SLO evaluation: ${SLO_COUNT} SLOs × ${DAYS} days of per-minute buckets (${MINUTES.toLocaleString('en')} each, ${((SLO_COUNT * MINUTES) / 1e6).toFixed(1)} M in all)`);
console.log(`  fill:     ${fillSeconds.toFixed(1)} s (${((SLO_COUNT * MINUTES) / fillSeconds / 1e6).toFixed(1)} M buckets/s appended)`);
console.log(`  memory:   window indexes ${mb(indexBytes)} (${(indexBytes / SLO_COUNT / 1024).toFixed(1)} kB per SLO; 43,200 rows as Float64 good+total would be ${(MINUTES * 16 / 1024).toFixed(0)} kB); heap +${mb(after.heap - before.heap)}, array buffers +${mb(after.buffers - before.buffers)}`);
console.log(`  cycle:    median ${ms(evalMedian)}, best ${ms(Math.min(...evalTimes))}, p95 ${ms(percentile(evalTimes, 0.95))} for all ${SLO_COUNT} SLOs (append a minute, sum 9 windows, evaluate, state step); ${firing} alerts firing at the end`);
console.log(`  CPU:      ${((evalMedian / (CYCLE_SECONDS * 1000)) * 100).toFixed(3)} % of one core at a ${CYCLE_SECONDS} s cycle (goal < 1 %)`);
console.log(`  baseline: bare loop summing each SLO's ${exact}-minute good/total arrays once: median ${ms(baseMedian)}, best ${ms(Math.min(...baseTimes))}`);
console.log(`  ratio:    evaluation cycle / baseline = ${(evalMedian / baseMedian).toFixed(2)}×`);
recordFigure({
  bench: 'slo-eval',
  name: `evaluation cycle, ${SLO_COUNT} SLOs × ${DAYS} days`,
  value: evalMedian,
  unit: 'ms per cycle (median)',
  baselineName: 'bare loop summing the same arrays once',
  baseline: baseMedian,
  goal: '< 1 % of one core',
  goalMet: evalMedian / (CYCLE_SECONDS * 1000) < 0.01,
});
if (sink === 42) console.log('');
