import { describe, expect, it } from 'vitest';
import { nextAlertState } from './alert-state.ts';
import type { SloAlertState } from './alert-state.ts';
import { evaluateSlo } from './evaluate.ts';
import { parseSpecText } from './spec-formats/load.ts';
import type { SloDefinition } from './types.ts';
import type { WindowSumsFn } from './window-sums.ts';

const [slo] = parseSpecText(`
service: checkout
name: checkout-availability
objective: 99.9
sli: availability
runbook: https://runbooks.example.com/checkout
dashboard: https://grafana.example.com/d/slo
labels: { team: payments }
`);
const [delayed] = parseSpecText(`
service: checkout
name: delayed
objective: 99.9
sli: availability
policy:
  - { severity: page, long: 1h, short: 5m, factor: 14.4, for: 2m }
`);

const MIN = 60_000;
const steady = (ratio: number): WindowSumsFn => (w) => ({ good: 1000 * w * (1 - ratio), total: 1000 * w, minutesWithData: w });
const none: WindowSumsFn = () => ({ good: 0, total: 0, minutesWithData: 0 });

/** Runs the state machine over minutes 0..n with a sums function per minute. */
function run(def: SloDefinition, sumsAt: (minute: number) => WindowSumsFn, minutes: number) {
  let state: SloAlertState | undefined;
  const steps = [];
  for (let m = 0; m <= minutes; m++) {
    const step = nextAlertState(state, evaluateSlo(def, sumsAt(m), m * MIN), m * MIN);
    state = step.state;
    steps.push(step);
  }
  return steps;
}

describe('nextAlertState', () => {
  it('fires at once without `for`, with labels and annotations, and resolves when the condition clears', () => {
    const steps = run(slo, (m) => (m < 3 ? steady(0.02) : steady(0)), 4);
    const fired = steps[0].transitions.filter((t) => t.to === 'firing');
    expect(fired).toHaveLength(4);
    const page = fired.find((t) => t.labels.long_window === '1h');
    expect(page?.labels).toEqual({
      alertname: 'SLOErrorBudgetBurn',
      slo: 'checkout-availability',
      service: 'checkout',
      severity: 'page',
      long_window: '1h',
      short_window: '5m',
      team: 'payments',
    });
    expect(page?.annotations).toMatchObject({
      summary: 'checkout/checkout-availability: error budget burning 20× over 1h (page above 14.4×)',
      burn_rate: '20',
      runbook_url: 'https://runbooks.example.com/checkout',
      dashboard_url: 'https://grafana.example.com/d/slo',
    });
    expect(page?.annotations.budget_remaining).toBe('none (exhausted: 20× the budget spent)');
    expect(steps[1].transitions).toEqual([]);
    const resolved = steps[3].transitions;
    expect(resolved.map((t) => [t.labels.long_window, t.from, t.to])).toEqual([
      ['1h', 'firing', 'inactive'],
      ['6h', 'firing', 'inactive'],
      ['1d', 'firing', 'inactive'],
      ['3d', 'firing', 'inactive'],
    ]);
    expect(steps[3].active).toEqual([]);
  });

  it('keeps an alert pending for its `for`, and drops it if the condition clears first', () => {
    const steps = run(delayed, (m) => (m === 0 || m >= 2 ? steady(0.02) : steady(0)), 5);
    expect(steps[0].transitions.map((t) => t.to)).toEqual(['pending']);
    expect(steps[1].transitions.map((t) => [t.from, t.to])).toEqual([['pending', 'inactive']]);
    expect(steps[2].transitions.map((t) => t.to)).toEqual(['pending']);
    expect(steps[3].transitions).toEqual([]);
    expect(steps[4].transitions.map((t) => [t.from, t.to])).toEqual([['pending', 'firing']]);
    expect(steps[4].active[0]).toMatchObject({ state: 'firing', activeAtMs: 2 * MIN, firedAtMs: 4 * MIN });
  });

  it('pages once for one problem: both page pairs share one notification until the last resolves', () => {
    // minute 0: only the 1h/5m pair; minute 1: both page pairs; minute 3: only 6h/30m; minute 5: none
    const sumsAt = (m: number): WindowSumsFn => (w) => {
      const fast = m < 3 ? 0.02 : 0; // 1h/5m windows
      const slow = m >= 1 && m < 5 ? 0.02 : 0; // 6h/30m windows
      const ratio = w === 60 || w === 5 ? fast : w === 360 || w === 30 ? slow : 0;
      return { good: 1000 * w * (1 - ratio), total: 1000 * w, minutesWithData: w };
    };
    const steps = run(slo, sumsAt, 6);
    const pages = steps.flatMap((s) => s.notifications.filter((n) => n.severity === 'page'));
    expect(pages.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(pages[0].dedupKey).toBe('checkout/checkout-availability/page@0');
    expect(pages[1].dedupKey).toBe(pages[0].dedupKey);
    expect(steps.findIndex((s) => s.notifications.some((n) => n.status === 'resolved'))).toBe(5);
  });

  it('inhibits tickets while a page of the same SLO fires, and opens the ticket when the page ends', () => {
    // 20× burn for minutes 0-1, then 4× (ticket only)
    const steps = run(slo, (m) => (m < 2 ? steady(0.02) : steady(0.004)), 3);
    const tickets0 = steps[0].active.filter((a) => a.severity === 'ticket');
    expect(tickets0.every((a) => a.state === 'firing' && a.inhibited)).toBe(true);
    expect(steps[0].notifications.map((n) => n.severity)).toEqual(['page']);
    expect(steps[2].notifications.map((n) => [n.severity, n.status])).toEqual([
      ['page', 'resolved'],
      ['ticket', 'firing'],
    ]);
    expect(steps[2].active.every((a) => !a.inhibited)).toBe(true);
  });

  it('raises the no-data alert after its window and `for`, as a ticket', () => {
    const steps = run(slo, () => none, 6);
    expect(steps[0].transitions.map((t) => [t.labels.alertname, t.to])).toEqual([['SLODataMissing', 'pending']]);
    expect(steps[5].transitions.map((t) => [t.labels.alertname, t.to])).toEqual([['SLODataMissing', 'firing']]);
    expect(steps[5].notifications.map((n) => [n.severity, n.status])).toEqual([['ticket', 'firing']]);
    expect(steps[5].active[0].labels).toEqual({ alertname: 'SLODataMissing', slo: 'checkout-availability', service: 'checkout', severity: 'ticket', team: 'payments' });
  });

  it('does not modify the previous state', () => {
    const first = nextAlertState(undefined, evaluateSlo(slo, steady(0.02), 0), 0);
    const frozen = JSON.stringify(first.state);
    nextAlertState(first.state, evaluateSlo(slo, steady(0), MIN), MIN);
    expect(JSON.stringify(first.state)).toBe(frozen);
  });
});
