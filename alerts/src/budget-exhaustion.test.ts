import { describe, expect, it } from 'vitest';
import { nextAlertState, resolvedAnnotations } from './alert-state.ts';
import { evaluateSlo } from './evaluate.ts';
import type { BudgetExhaustionCondition } from './evaluate.ts';
import { sloRuleGroup } from './prometheus-rules.ts';
import { formatIssue } from './spec-formats/issues.ts';
import { checkSpecFile, parseSpecText } from './spec-formats/load.ts';
import type { WindowSum } from './window-sums.ts';

const SPEC = `service: shop
name: shop-budget
objective: 99
sli: availability
noData: false
budgetExhaustion:
  - { within: 2d, severity: ticket }
  - { within: 6h, severity: page, for: 5m }
`;
const [slo] = parseSpecText(SPEC);
const NOW = Date.UTC(2026, 0, 31, 0, 0);
const PERIOD = 30 * 1440;

/** The period holds `periodErrors` of 1,000,000 events; every shorter window burns at `ratio`. */
function sums(periodErrors: number, ratio: number): (w: number) => WindowSum {
  return (w) => (w === PERIOD ? { good: 1_000_000 - periodErrors, total: 1_000_000, minutesWithData: w } : { good: 1000 * w * (1 - ratio), total: 1000 * w, minutesWithData: w });
}
const exhaustion = (periodErrors: number, ratio: number) =>
  evaluateSlo(slo, sums(periodErrors, ratio), NOW).conditions.filter((c): c is BudgetExhaustionCondition => c.kind === 'budget-exhaustion');

describe('budget-exhaustion alerts', () => {
  it('reads one rule or a list, severity ticket by default', () => {
    expect(slo.policy.budgetExhaustion).toEqual([
      { withinMinutes: 2880, severity: 'ticket', severityLabel: 'ticket', forMinutes: 0 },
      { withinMinutes: 360, severity: 'page', severityLabel: 'page', forMinutes: 5 },
    ]);
    const [single] = parseSpecText('service: s\nname: n\nobjective: 99.9\nsli: availability\nbudgetExhaustion: { within: 1d }\n');
    expect(single.policy.budgetExhaustion).toEqual([{ withinMinutes: 1440, severity: 'ticket', severityLabel: 'ticket', forMinutes: 0 }]);
    const [none] = parseSpecText('service: s\nname: n\nobjective: 99.9\nsli: availability\n');
    expect(none.policy.budgetExhaustion).toBeUndefined();
    expect(sloRuleGroup(none).rules.some((r) => 'alert' in r && r.alert === 'SLOErrorBudgetExhaustion')).toBe(false);
  });

  it.each([
    ['budgetExhaustion: { severity: page }', 'within'],
    ['budgetExhaustion: { within: soon }', 'within must be a whole number of minutes'],
    ['budgetExhaustion: { within: 1d, severity: urgent }', 'urgent'],
    ['budgetExhaustion: { within: 1d, after: 5m }', 'after'],
    ['budgetExhaustion: [{ within: 1d }, { within: 1d }]', 'a ticket within 1d is already listed'],
    ['budgetExhaustion: 24h', 'budgetExhaustion: { within: 1d, severity: ticket }'],
  ])('refuses %s with file:line:column and a fix', (line, message) => {
    const issues = checkSpecFile(`service: s\nname: n\nobjective: 99.9\nsli: availability\n${line}\n`, 'spec.yaml').filter((i) => i.severity === 'error');
    const issue = issues.find((i) => formatIssue(i).includes(message));
    expect(issue, issues.map(formatIssue).join('\n')).toBeDefined();
    expect(formatIssue(issue!)).toMatch(/^spec\.yaml:5:\d+: /);
  });

  it('fires while the budget runs out within the horizon at the current burn rate (figures by hand)', () => {
    // 99 %: budget 10,000 errors of 1,000,000. 5,000 spent → half left; at 5 % errors (5×)
    // half a 30-day budget lasts 0.5 × 30 d / 5 = 3 d: neither fires. At 10× it is 1.5 d: the ticket.
    const [ticket5x, page5x] = exhaustion(5000, 0.05);
    expect(ticket5x.secondsToExhaustion).toBeCloseTo(3 * 86400, 6);
    expect([ticket5x.met, page5x.met]).toEqual([false, false]);
    const [ticket10x, page10x] = exhaustion(5000, 0.1);
    expect(ticket10x.secondsToExhaustion).toBeCloseTo(1.5 * 86400, 6);
    expect([ticket10x.met, page10x.met]).toEqual([true, false]);
    expect(ticket10x.reason).toBe('the budget runs out in 36 h at the current burn rate (within 2 d)');
    // 9,900 spent: 1 % left, at 10× that is 0.01 × 30 d / 10 = 43.2 min: both.
    expect(exhaustion(9900, 0.1).map((c) => c.met)).toEqual([true, true]);
  });

  it('a budget already gone fires while it keeps burning; nothing burning never fires', () => {
    const gone = exhaustion(20_000, 0.02);
    expect(gone.map((c) => [c.met, c.secondsToExhaustion])).toEqual([[true, 0], [true, 0]]);
    const idle = exhaustion(20_000, 0);
    expect(idle.map((c) => c.met)).toEqual([false, false]);
    expect(idle[0].reason).toBe('budget not running out: nothing is being spent');
  });

  it('alerts with their own labels and words; the page waits its for: 5m', () => {
    const evaluation = evaluateSlo(slo, sums(20_000, 0.02), NOW);
    const first = nextAlertState(undefined, evaluation, NOW);
    const ticket = first.active.find((a) => a.labels.exhaustion_within === '2d')!;
    expect(ticket.labels).toEqual({ alertname: 'SLOErrorBudgetExhaustion', slo: 'shop-budget', service: 'shop', severity: 'ticket', exhaustion_within: '2d' });
    expect(ticket.state).toBe('firing');
    expect(ticket.annotations.summary).toBe('shop/shop-budget: error budget exhausted and still burning (ticket when it runs out within 2 d)');
    expect(first.active.find((a) => a.labels.exhaustion_within === '6h')!.state).toBe('pending');
    const later = nextAlertState(first.state, evaluateSlo(slo, sums(20_000, 0.02), NOW + 5 * 60_000), NOW + 5 * 60_000);
    expect(later.active.find((a) => a.labels.exhaustion_within === '6h')!.state).toBe('firing');
    const resolved = resolvedAnnotations(evaluateSlo(slo, sums(20_000, 0), NOW), ticket.labels);
    expect(resolved.summary).toBe('shop/shop-budget: resolved; budget not running out: nothing is being spent');
  });

  it('exports one alerting rule per horizon on the recorded time to exhaustion', () => {
    const rules = sloRuleGroup(slo).rules.filter((r) => 'alert' in r && r.alert === 'SLOErrorBudgetExhaustion');
    expect(rules.map((r) => [r.expr, 'for' in r ? r.for : undefined, r.labels])).toEqual([
      ['slo:time_to_exhaustion:seconds{slo="shop-budget",service="shop"} < 172800', undefined, { slo: 'shop-budget', service: 'shop', severity: 'ticket', exhaustion_within: '2d' }],
      ['slo:time_to_exhaustion:seconds{slo="shop-budget",service="shop"} < 21600', '5m', { slo: 'shop-budget', service: 'shop', severity: 'page', exhaustion_within: '6h' }],
    ]);
  });
});
