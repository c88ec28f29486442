import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import {
  REQUESTS_TOTAL,
  REQUEST_DURATION_SECONDS,
  REQUEST_ERRORS_TOTAL,
  SLO_EVENTS_TOTAL,
  SLO_GOOD_EVENTS_TOTAL,
  loadSpecs,
  parseSpecText,
  promString,
  renderRules,
  replaySlo,
} from '../alerts/src/index.ts';
import type { ActiveAlert, CounterSeries, ReplayResult, RuleSource, SloDefinition } from '../alerts/src/index.ts';
import { requireBinary } from './helpers/binaries.ts';

/**
 * The oracle for Lookout's SLO evaluator: the exported Prometheus rules, run by
 * `promtool test rules` (Prometheus 2.42). For each synthetic series, Lookout's
 * replay (the runtime's window index, evaluator and state machine) predicts the
 * pending and firing alerts at every evaluation minute; those predictions become
 * promtool's expectations on the ALERTS series, so promtool passes only when
 * Prometheus fires and resolves every alert in the same minute, with the same
 * labels.
 */

const promtool = requireBinary('promtool', 'prometheus');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lookout-slo-oracle-'));
afterAll(() => (process.env.KEEP_ORACLE_DIR ? undefined : rmSync(dir, { recursive: true, force: true })));

/** Cumulative counter from [minutes, events per minute] segments; sample 0 is 0. */
function cumulative(segments: [number, number][]): number[] {
  const values = [0];
  for (const [minutes, perMinute] of segments) {
    for (let i = 0; i < minutes; i++) values.push((values.at(-1) as number) + perMinute);
  }
  return values;
}

/** Samples → promtool notation ('a+bxn' runs, '_xn' gaps). */
function notation(values: (number | null)[]): string {
  const tokens: string[] = [];
  let i = 0;
  while (i < values.length) {
    if (values[i] === null) {
      let n = 0;
      while (i < values.length && values[i] === null) (n++, i++);
      tokens.push(n === 1 ? '_' : `_x${n}`);
      continue;
    }
    const start = values[i] as number;
    const next = values[i + 1];
    if (next === null || next === undefined) {
      tokens.push(String(start));
      i++;
      continue;
    }
    const step = next - start;
    let n = 1;
    while (i + n + 1 < values.length && values[i + n + 1] !== null && (values[i + n + 1] as number) - (values[i + n] as number) === step) n++;
    tokens.push(step === 0 ? `${start}x${n}` : `${start}${step > 0 ? '+' : '-'}${Math.abs(step)}x${n}`);
    i += n + 1;
  }
  return tokens.join(' ');
}

function withGaps(values: number[], gaps: [number, number][]): (number | null)[] {
  return values.map((v, minute) => (gaps.some(([from, to]) => minute >= from && minute <= to) ? null : v));
}

function seriesName(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${promString(v)}`).join(',')}}`;
}

interface Scenario {
  name: string;
  slo: SloDefinition;
  source: RuleSource;
  /** what Lookout replays */
  counters: CounterSeries;
  /** what promtool gets (defaults to the SLO counters built from `counters`) */
  inputSeries?: { series: string; values: string }[];
  untilMinute: number;
  /** fire/resolve minutes the scenario is about, as a check that it tests something */
  firesAt: Record<string, [number, number | null][]>;
}

const nativeSlo = (yaml: string) => parsed(yaml)[0];
function parsed(yaml: string): SloDefinition[] {
  return parseSpecText(yaml, 'oracle.yaml');
}

const AVAILABILITY = nativeSlo('service: shop\nname: shop-availability\nobjective: 99.9\nsli: availability\n');
const LOW_TRAFFIC = nativeSlo('service: shop\nname: shop-low-traffic\nobjective: 99.9\nsli: availability\nminEvents: 30\n');
const DELAYED = parsed(`apiVersion: openslo/v1
kind: SLO
metadata: { name: shop-delayed }
spec:
  service: shop
  indicator:
    metadata: { name: shop-errors }
    spec:
      ratioMetric:
        counter: true
        bad: { metricSource: { type: Lookout, spec: { metric: lookout_request_errors_total } } }
        total: { metricSource: { type: Lookout, spec: { metric: lookout_requests_total } } }
  budgetingMethod: Occurrences
  objectives: [{ target: 0.999 }]
  alertPolicies:
    - kind: AlertPolicy
      metadata: { name: fast }
      spec:
        alertWhenNoData: true
        conditions:
          - kind: AlertCondition
            metadata: { name: fast-burn, annotations: { lookout.dev/short-window: 5m } }
            spec:
              severity: page
              condition: { kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h, alertAfter: 3m }
`)[0];

/** 99.95 % with a 1× ticket over 1h/5m: an error ratio of exactly 0.05 % is at the threshold, not above it. */
const AT_THRESHOLD = nativeSlo(
  'service: shop\nname: shop-exact\nobjective: 99.95\nsli: availability\nnoData: false\npolicy:\n  - { severity: ticket, long: 1h, short: 5m, factor: 1 }\n',
);

/** Opt-in budget-exhaustion alerts: a ticket when the budget runs out within 2 days, a page (for 5m) within 6 hours. */
const EXHAUSTION = nativeSlo(
  'service: shop\nname: shop-budget\nobjective: 99\nsli: availability\nnoData: false\nbudgetExhaustion:\n  - { within: 2d, severity: ticket }\n  - { within: 6h, severity: page, for: 5m }\n',
);

const examples = loadSpecs(
  readdirSync(join(import.meta.dirname, '../alerts/slos')).filter((f) => /\.ya?ml$/.test(f)).map((f) => ({
    file: `alerts/slos/${f}`,
    text: readFileSync(join(import.meta.dirname, '../alerts/slos', f), 'utf8'),
  })),
);
const CHECKOUT_AVAILABILITY = examples.slos.find((s) => s.name === 'checkout-availability') as SloDefinition;
const CHECKOUT_LATENCY = examples.slos.find((s) => s.name === 'checkout-latency') as SloDefinition;

/** good = total − errors for counters given per minute as [minutes, total/min, errors/min] segments. */
function traffic(segments: [number, number, number][]): CounterSeries {
  const total = cumulative(segments.map(([m, t]) => [m, t]));
  const errors = cumulative(segments.map(([m, , e]) => [m, e]));
  return { total, good: total.map((t, i) => t - errors[i]) };
}

const PAGE_1H = 'page 1h/5m';
const PAGE_6H = 'page 6h/30m';
const TICKET_1D = 'ticket 1d/2h';
const TICKET_3D = 'ticket 3d/6h';
const NO_DATA = 'no-data';

const gapTraffic = traffic([[480, 1000, 20]]);
const gapMinutes: [number, number][] = [[100, 102], [200, 219], [300, 300], [398, 399]];
/** a collector restart at minute 400: both counters start again from one minute of traffic */
const restarted = (values: number[]) => values.map((v, m) => (m >= 400 ? v - values[399] : v));
const gapCounters: CounterSeries = {
  total: withGaps(restarted(gapTraffic.total as number[]), gapMinutes),
  good: withGaps(restarted(gapTraffic.good as number[]), gapMinutes),
};

/** Counters from per-minute increments: minute m's events land between samples m and m+1. */
function perMinute(minutes: number, at: (m: number) => [number, number]): CounterSeries {
  const total = [0];
  const good = [0];
  for (let m = 0; m < minutes; m++) {
    const [t, e] = at(m);
    total.push((total.at(-1) as number) + t);
    good.push((good.at(-1) as number) + t - e);
  }
  return { total, good };
}

// 2 requests a minute with an error every 5 minutes (10 %): 5m windows hold 10 events,
// 30m windows 60; busy hours 240–360 at 20 a minute with 5 % errors.
const lowTraffic = perMinute(480, (m) => (m < 240 ? [2, m % 5 === 4 ? 1 : 0] : m < 360 ? [20, 1] : [2, 0]));

// minEvents under extrapolation (issue 15 item 1): 6 requests a minute, so a 5m window
// holds exactly 30 observed events — at the guard — and a missed scrape at its edge
// leaves 24 observed, which Prometheus' increase() extrapolates back to about 30.
const GUARDED = nativeSlo('service: shop\nname: shop-guarded\nobjective: 99.9\nsli: availability\nminEvents: 30\n');
const sixAMinute = (from: number, to: number) => perMinute(240, (m) => [6, m >= from && m < to ? 3 : 0]);
const incident = sixAMinute(60, 150);
const missedScrapes: CounterSeries = {
  total: withGaps(incident.total as number[], [[58, 58], [61, 61], [75, 75], [90, 91], [118, 118], [149, 149], [152, 152]]),
  good: withGaps(incident.good as number[], [[58, 58], [61, 61], [75, 75], [90, 91], [118, 118], [149, 149], [152, 152]]),
};
/**
 * Scraping starts at minute 100 in the middle of an incident (7 a minute), the counters
 * already far from zero: at minute 104 four minutes hold 28 events, which increase()
 * extrapolates by half an interval to 31.5 — past the guard a minute earlier.
 */
const sevenAMinute = perMinute(240, (m) => [7, m >= 60 && m < 150 ? 3 : 0]);
const lateStart: CounterSeries = {
  total: (sevenAMinute.total as number[]).map((v, m) => (m < 100 ? null : v + 1_000_000)),
  good: (sevenAMinute.good as number[]).map((v, m) => (m < 100 ? null : v + 990_000)),
};
/** gaps of 2 to 4 minutes that straddle the 5m and 30m windows' starts as the windows slide */
const edgeGaps: [number, number][] = [[64, 65], [80, 83], [100, 102], [130, 131], [147, 150]];
const gapsAcrossEdges: CounterSeries = {
  total: withGaps(incident.total as number[], edgeGaps),
  good: withGaps(incident.good as number[], edgeGaps),
};

const SCENARIOS: Scenario[] = [
  {
    name: 'steady 2 % errors (20× burn)',
    slo: AVAILABILITY,
    source: 'slo-counters',
    counters: traffic([[480, 100, 2]]),
    untilMinute: 500,
    firesAt: { [PAGE_1H]: [[1, 485]], [PAGE_6H]: [[1, null]], [TICKET_1D]: [[1, null]], [TICKET_3D]: [[1, null]] },
  },
  {
    name: 'steady 0.7 % errors (7× burn)',
    slo: AVAILABILITY,
    source: 'slo-counters',
    counters: traffic([[480, 1000, 7]]),
    untilMinute: 490,
    firesAt: { [PAGE_1H]: [], [PAGE_6H]: [[1, null]], [TICKET_1D]: [[1, null]], [TICKET_3D]: [[1, null]] },
  },
  {
    name: 'steady 0.25 % errors (2.5× burn)',
    slo: AVAILABILITY,
    source: 'slo-counters',
    counters: traffic([[480, 400, 1]]),
    untilMinute: 490,
    firesAt: { [PAGE_1H]: [], [PAGE_6H]: [], [TICKET_1D]: [], [TICKET_3D]: [[1, null]] },
  },
  {
    name: 'short spike: a 3-minute full outage',
    slo: AVAILABILITY,
    source: 'slo-counters',
    counters: traffic([[120, 1000, 0], [3, 1000, 1000], [357, 1000, 0]]),
    untilMinute: 480,
    firesAt: { [PAGE_1H]: [[121, 128]], [PAGE_6H]: [[121, 153]] },
  },
  {
    name: 'slow burn: 0.4 % errors after a clean hour',
    slo: AVAILABILITY,
    source: 'slo-counters',
    counters: traffic([[60, 1000, 0], [420, 1000, 4]]),
    untilMinute: 480,
    firesAt: { [PAGE_1H]: [], [PAGE_6H]: [], [TICKET_1D]: [[241, null]] },
  },
  {
    name: 'recovery: 5 % errors for 30 minutes, then none',
    slo: AVAILABILITY,
    source: 'slo-counters',
    counters: traffic([[60, 1000, 0], [30, 1000, 50], [390, 1000, 0]]),
    untilMinute: 480,
    firesAt: { [PAGE_1H]: [[78, 94]] },
  },
  {
    name: 'gaps, a stale marker and a counter reset (collector restart)',
    slo: AVAILABILITY,
    source: 'slo-counters',
    counters: gapCounters,
    untilMinute: 500,
    firesAt: { [PAGE_1H]: [[1, 204], [221, 485]], [NO_DATA]: [[214, 221], [495, null]] },
  },
  {
    name: 'low traffic with a minimum of 30 events per window',
    slo: LOW_TRAFFIC,
    source: 'slo-counters',
    counters: lowTraffic,
    untilMinute: 480,
    firesAt: { [PAGE_1H]: [[242, 364]], [PAGE_6H]: [[15, 390]] },
  },
  {
    name: 'an error ratio exactly at the threshold (0.05 % on 99.95 % at 1×) never fires; one error more a minute does',
    slo: AT_THRESHOLD,
    source: 'slo-counters',
    counters: traffic([[180, 10_000, 5], [60, 10_000, 6], [60, 10_000, 5]]),
    untilMinute: 300,
    firesAt: { 'ticket 1h/5m': [[181, 245]] },
  },
  {
    name: 'minEvents under extrapolation: missed scrapes at several points of an incident',
    slo: GUARDED,
    source: 'slo-counters',
    counters: missedScrapes,
    untilMinute: 240,
    // counting observed minutes only, the page flapped at every missed scrape (11 episodes)
    firesAt: { [PAGE_1H]: [[62, 91], [92, 95], [96, 154]], [PAGE_6H]: [[62, 179]] },
  },
  {
    name: 'minEvents under extrapolation: the first sample is large, mid-incident',
    slo: GUARDED,
    source: 'slo-counters',
    counters: lateStart,
    untilMinute: 240,
    firesAt: { [NO_DATA]: [[5, 101]], [PAGE_1H]: [[104, 155]], [PAGE_6H]: [[104, 180]] },
  },
  {
    name: 'minEvents under extrapolation: gaps across window edges',
    slo: GUARDED,
    source: 'slo-counters',
    counters: gapsAcrossEdges,
    untilMinute: 240,
    firesAt: {
      [PAGE_1H]: [[62, 65], [66, 69], [70, 81], [84, 85], [88, 101], [103, 105], [107, 131], [132, 135], [136, 148], [151, 152]],
      [PAGE_6H]: [[61, 177]],
    },
  },
  {
    name: 'budget-exhaustion alerts: 0.5 %, 5 %, a clean hour (nothing burns), 30 %, 0.2 % errors',
    slo: EXHAUSTION,
    source: 'slo-counters',
    counters: traffic([[120, 1000, 5], [120, 1000, 50], [60, 1000, 0], [60, 1000, 300], [120, 1000, 2]]),
    untilMinute: 480,
    firesAt: {
      'exhaustion ticket 2d': [[132, 300], [301, null]],
      'exhaustion page 6h': [[140, 300], [306, null]],
      [TICKET_3D]: [[136, null]],
      [PAGE_1H]: [[329, 363]],
    },
  },
  {
    name: 'alertAfter (for: 3m) from OpenSLO',
    slo: DELAYED,
    source: 'slo-counters',
    counters: traffic([[60, 1000, 0], [2, 1000, 1000], [30, 1000, 0], [10, 1000, 50], [378, 1000, 0]]),
    untilMinute: 480,
    firesAt: { [PAGE_1H]: [[64, 67], [97, 106]] },
  },
];

/** Raw request series: the SLO's route plus another route the filter must leave out. */
function requestSeries(counters: CounterSeries, service: string, route: string) {
  const errors = counters.total.map((t, i) => (t === null || counters.good[i] === null ? null : t - (counters.good[i] as number)));
  const other = traffic([[counters.total.length - 1, 50, 25]]);
  return [
    { series: seriesName(REQUESTS_TOTAL, { service, route, method: 'POST', status_class: '2xx' }), values: notation(counters.total) },
    { series: seriesName(REQUEST_ERRORS_TOTAL, { service, route, method: 'POST', status_class: '5xx' }), values: notation(errors) },
    { series: seriesName(REQUESTS_TOTAL, { service, route: '/api/other', method: 'GET', status_class: '2xx' }), values: notation(other.total) },
    { series: seriesName(REQUEST_ERRORS_TOTAL, { service, route: '/api/other', method: 'GET', status_class: '5xx' }), values: notation(other.total.map((t, i) => (t as number) - (other.good[i] as number))) },
  ];
}

function histogramSeries(counters: CounterSeries, service: string, route: string) {
  const labels = { service, route, method: 'POST', status_class: '2xx' };
  return [
    { series: seriesName(`${REQUEST_DURATION_SECONDS}_bucket`, { ...labels, le: '0.3' }), values: notation(counters.good) },
    { series: seriesName(`${REQUEST_DURATION_SECONDS}_bucket`, { ...labels, le: '+Inf' }), values: notation(counters.total) },
    { series: seriesName(`${REQUEST_DURATION_SECONDS}_count`, labels), values: notation(counters.total) },
  ];
}

SCENARIOS.push(
  {
    name: 'request series (raw export) with the example checkout availability SLO',
    slo: CHECKOUT_AVAILABILITY,
    source: 'requests',
    counters: traffic([[120, 1000, 0], [3, 1000, 1000], [100, 1000, 4], [257, 1000, 0]]),
    inputSeries: undefined,
    untilMinute: 480,
    firesAt: { [PAGE_1H]: [[121, 128]] },
  },
  {
    name: 'histogram series (raw export) with the example checkout latency SLO',
    slo: CHECKOUT_LATENCY,
    source: 'requests',
    counters: traffic([[60, 100, 0], [20, 100, 35], [400, 100, 0]]),
    inputSeries: undefined,
    untilMinute: 480,
    firesAt: { [PAGE_1H]: [], [PAGE_6H]: [[73, 105]] },
  },
);
for (const s of SCENARIOS) {
  if (s.source !== 'requests') continue;
  s.inputSeries = s.slo.sli.kind === 'latency' ? histogramSeries(s.counters, s.slo.service, '/api/checkout') : requestSeries(s.counters, s.slo.service, '/api/checkout');
}

function sloCounterSeries(slo: SloDefinition, counters: CounterSeries) {
  const labels = { slo: slo.name, service: slo.service };
  return [
    { series: seriesName(SLO_EVENTS_TOTAL, labels), values: notation(counters.total) },
    { series: seriesName(SLO_GOOD_EVENTS_TOTAL, labels), values: notation(counters.good) },
  ];
}

/** [fired, resolved | null] spans per alert from a replay. */
function spans(result: ReplayResult): Record<string, [number, number | null][]> {
  const out: Record<string, [number, number | null][]> = {};
  for (const e of result.events) {
    const key =
      e.labels.alertname === result.slo.noDataAlertName
        ? NO_DATA
        : e.labels.exhaustion_within
          ? `exhaustion ${e.labels.severity} ${e.labels.exhaustion_within}`
          : `${e.labels.severity} ${e.labels.long_window}/${e.labels.short_window}`;
    const list = (out[key] ??= []);
    if (e.kind === 'firing') list.push([e.minute, null]);
    if (e.kind === 'resolved') (list.at(-1) as [number, number | null])[1] = e.minute;
  }
  return out;
}

function expectedAlerts(active: ActiveAlert[]) {
  return active.map((a) => ({
    labels: seriesName('ALERTS', { alertname: a.labels.alertname, alertstate: a.state, ...Object.fromEntries(Object.entries(a.labels).filter(([k]) => k !== 'alertname')) }),
    value: 1,
  }));
}

function promtoolTest(scenario: Scenario, result: ReplayResult, file: string, shift?: { minute: number }) {
  const rulesFile = `${file}.rules.yml`;
  writeFileSync(join(dir, rulesFile), renderRules([scenario.slo], { source: scenario.source }));
  const tests = result.activeByMinute.map((active, minute) => ({
    expr: 'ALERTS',
    eval_time: `${minute}m`,
    exp_samples: expectedAlerts(shift && minute === shift.minute ? result.activeByMinute[minute - 1] : active),
  }));
  const testFile = {
    rule_files: [rulesFile],
    evaluation_interval: '1m',
    tests: [
      {
        name: scenario.name,
        interval: '1m',
        input_series: scenario.inputSeries ?? sloCounterSeries(scenario.slo, scenario.counters),
        promql_expr_test: tests,
      },
    ],
  };
  writeFileSync(join(dir, `${file}.test.yml`), stringify(testFile, { lineWidth: 0 }));
  return { rulesFile, testFile: `${file}.test.yml` };
}

async function promtoolRun(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(promtool as string, args, { cwd: dir, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, output: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message };
  }
}

/** promtool's failures, condensed to "minute: expected (Lookout) vs got (Prometheus)". */
function mismatches(output: string): string {
  const blocks = output.split(/\n(?=\s*expr: )/).filter((b) => b.includes('expr:'));
  return blocks
    .slice(0, 8)
    .map((b) => b.trim().replace(/\s+/g, ' '))
    .join('\n');
}

/** promtool takes seconds per scenario, many more on a loaded shared machine; bounded all the same. */
const PROMTOOL_TEST_TIMEOUT_MS = 150_000;

// Concurrent: each test runs its own promtool process (a few CPU-seconds each).
describe.skipIf(!promtool).concurrent('exported SLO rules against promtool test rules (Prometheus 2.42)', () => {
  it('uses a range that includes the sample at t − range, as the evaluator assumes', async ({ expect }) => {
    const rulesFile = 'range.rules.yml';
    writeFileSync(join(dir, rulesFile), stringify({ groups: [{ name: 'g', rules: [{ record: 'samples_5m', expr: 'count_over_time(c[5m])' }, { record: 'increase_5m', expr: 'increase(c[5m])' }] }] }));
    writeFileSync(
      join(dir, 'range.test.yml'),
      stringify({
        rule_files: [rulesFile],
        tests: [
          {
            interval: '1m',
            input_series: [{ series: 'c', values: '0+7x20' }],
            promql_expr_test: [
              { expr: 'samples_5m', eval_time: '10m', exp_samples: [{ labels: 'samples_5m', value: 6 }] },
              { expr: 'increase_5m', eval_time: '10m', exp_samples: [{ labels: 'increase_5m', value: 35 }] },
            ],
          },
        ],
      }),
    );
    const { ok, output } = await promtoolRun(['test', 'rules', 'range.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(ok).toBe(true);
  });

  for (const [i, scenario] of SCENARIOS.entries()) {
    it(`fires and resolves in the same minute as Prometheus: ${scenario.name}`, async ({ expect }) => {
      const result = replaySlo(scenario.slo, scenario.counters, { untilMinute: scenario.untilMinute });
      const got = spans(result);
      for (const [alert, expected] of Object.entries(scenario.firesAt)) {
        expect(got[alert] ?? [], `${alert} in ${scenario.name}`).toEqual(expected);
      }
      const { rulesFile, testFile } = promtoolTest(scenario, result, `scenario-${i}`);
      const check = await promtoolRun(['check', 'rules', rulesFile]);
      expect(check.output).toContain('SUCCESS');
      const { ok, output } = await promtoolRun(['test', 'rules', testFile]);
      expect(ok, `Prometheus and Lookout disagree:\n${mismatches(output)}`).toBe(true);
    }, PROMTOOL_TEST_TIMEOUT_MS);
  }

  it('notices a one-minute difference (the oracle can fail)', async ({ expect }) => {
    const scenario = SCENARIOS[3]; // the short spike: the 1h/5m page fires at minute 121
    const result = replaySlo(scenario.slo, scenario.counters, { untilMinute: scenario.untilMinute });
    const { testFile } = promtoolTest(scenario, result, 'shifted', { minute: 121 });
    const { ok, output } = await promtoolRun(['test', 'rules', testFile]);
    expect(ok).toBe(false);
    const summary = mismatches(output);
    // Lookout's (shifted) expectation at 2h1m lacks the page Prometheus fired.
    expect(summary).toMatch(/expr: "ALERTS", time: 2h1m, exp: .* got: .*alertstate="firing".*long_window="1h"/);
  }, PROMTOOL_TEST_TIMEOUT_MS);

  it('promtool check rules accepts the export of every example spec (native, OpenSLO, Sloth), from both sources', async ({ expect }) => {
    expect(examples.issues).toEqual([]);
    for (const source of ['slo-counters', 'requests'] as const) {
      const file = `examples-${source}.rules.yml`;
      writeFileSync(join(dir, file), renderRules(examples.slos, { source, generatedFrom: 'alerts/slos' }));
      const { ok, output } = await promtoolRun(['check', 'rules', file]);
      expect(output, output).toContain(`SUCCESS: ${examples.slos.reduce((n, s) => n + ruleCount(s), 0)} rules found`);
      expect(ok).toBe(true);
    }
  }, PROMTOOL_TEST_TIMEOUT_MS);
});

function ruleCount(slo: SloDefinition): number {
  const windows = new Set<number>();
  for (const p of slo.policy.pairs) windows.add(p.longWindowMinutes).add(p.shortWindowMinutes);
  if (slo.policy.noData) windows.add(slo.policy.noData.windowMinutes);
  windows.add(slo.period.kind === 'rolling' ? slo.period.minutes : 43_200);
  const eventWindows = slo.policy.minEvents > 0 ? new Set(slo.policy.pairs.flatMap((p) => [p.longWindowMinutes, p.shortWindowMinutes])).size : 0;
  return windows.size + eventWindows + 6 + slo.policy.pairs.length + (slo.policy.noData ? 1 : 0);
}

