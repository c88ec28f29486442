import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { burnAlertLabels } from './alert-labels.ts';
import { RECORDED_SERIES, buildRuleGroups, renderRules, sloRuleGroup } from './prometheus-rules.ts';
import type { AlertingRule, RecordingRule } from './prometheus-rules.ts';
import { parseSpecText } from './spec-formats/load.ts';

const [availability, latency] = parseSpecText(`service: checkout
runbook: https://runbooks.example.com/checkout
filters: { route: /api/checkout, method: "!OPTIONS" }
slos:
  - name: checkout-availability
    description: "Checkout works {{ really }}"
    objective: 99.9
    sli: availability
  - name: checkout-latency
    objective: 99
    sli: { latency: 300ms }
    minEvents: 20
`);

const records = (rules: (RecordingRule | AlertingRule)[]) => rules.filter((r): r is RecordingRule => 'record' in r);
const alerts = (rules: (RecordingRule | AlertingRule)[]) => rules.filter((r): r is AlertingRule => 'alert' in r);

describe('Prometheus rule export', () => {
  it("reads a tenant's SLO from its own series: slo=<tenant>/<name> on the counters, tenant=<tenant> on the request series (issue 12)", () => {
    const [scoped] = parseSpecText('service: checkout\ntenant: alpha\nname: availability\nobjective: 99.9\nsli: availability\n');
    const counters = sloRuleGroup(scoped!);
    expect(counters.name).toBe('slo:checkout:alpha/availability');
    expect(records(counters.rules)[0]!.expr).toContain('lookout_slo_events_total{slo="alpha/availability",service="checkout"}[5m]');
    const requests = sloRuleGroup(scoped!, { source: 'requests' });
    expect(records(requests.rules)[0]!.expr).toContain('lookout_requests_total{tenant="alpha",service="checkout"}[5m]');
  });

  it('records the error ratio of every window from the per-SLO counters by default', () => {
    const group = sloRuleGroup(availability);
    expect(group.name).toBe('slo:checkout:checkout-availability');
    const recorded = records(group.rules);
    expect(recorded.map((r) => r.record)).toEqual([
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate10m',
      'slo:sli_error:ratio_rate30m',
      'slo:sli_error:ratio_rate1h',
      'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h',
      'slo:sli_error:ratio_rate1d',
      'slo:sli_error:ratio_rate3d',
      'slo:sli_error:ratio_rate30d',
      RECORDED_SERIES.objective,
      RECORDED_SERIES.errorBudget,
      RECORDED_SERIES.currentBurnRate,
      RECORDED_SERIES.periodBurnRate,
      RECORDED_SERIES.budgetRemaining,
      RECORDED_SERIES.timeToExhaustion,
    ]);
    expect(recorded[0]).toEqual({
      record: 'slo:sli_error:ratio_rate5m',
      expr:
        '(sum(increase(lookout_slo_events_total{slo="checkout-availability",service="checkout"}[5m])) - sum(increase(lookout_slo_good_events_total{slo="checkout-availability",service="checkout"}[5m])))\n' +
        '/\n' +
        'sum(increase(lookout_slo_events_total{slo="checkout-availability",service="checkout"}[5m]))',
      labels: { slo: 'checkout-availability', service: 'checkout' },
    });
  });

  it('writes one alert per pair: both windows above the factor, with the evaluator’s labels', () => {
    const [fast] = alerts(sloRuleGroup(availability).rules);
    expect(fast.alert).toBe('SLOErrorBudgetBurn');
    expect(fast.expr).toBe(
      '(slo:sli_error:ratio_rate1h{slo="checkout-availability",service="checkout"} > 0.0144) / 0.001\nand\n' +
        '(slo:sli_error:ratio_rate5m{slo="checkout-availability",service="checkout"} > 0.0144)',
    );
    const { alertname, ...labels } = burnAlertLabels(availability, availability.policy.pairs[0]);
    expect(alertname).toBe(fast.alert);
    expect(fast.labels).toEqual(labels);
    expect(fast.for).toBeUndefined();
    expect(fast.annotations.runbook_url).toBe('https://runbooks.example.com/checkout');
    expect(fast.annotations.burn_rate).toBe('{{ $value | humanize }}');
    // Spec text cannot inject template actions.
    expect(fast.annotations.description).toContain('Checkout works {{ "{{" }} really }}');
  });

  it('adds the minimum-events guard and the no-data alert', () => {
    const rules = sloRuleGroup(latency).rules;
    expect(records(rules).some((r) => r.record === 'slo:sli_events:increase1h')).toBe(true);
    const [fast] = alerts(rules);
    expect(fast.expr).toContain('and\n(slo:sli_events:increase1h{slo="checkout-latency",service="checkout"} >= 20)\nand\n(slo:sli_events:increase5m{slo="checkout-latency",service="checkout"} >= 20)');
    const noData = alerts(rules).at(-1) as AlertingRule;
    expect(noData).toMatchObject({
      alert: 'SLODataMissing',
      expr: 'absent(slo:sli_error:ratio_rate10m{slo="checkout-latency",service="checkout"})',
      for: '5m',
      labels: { slo: 'checkout-latency', service: 'checkout', severity: 'ticket' },
    });
  });

  it('reads the request series with the filters as matchers when asked', () => {
    const [a, l] = buildRuleGroups([availability, latency], { source: 'requests' });
    expect(records(a.rules)[0].expr).toBe(
      'sum(increase(lookout_request_errors_total{service="checkout",route="/api/checkout",method!="OPTIONS"}[5m]))\n/\n' +
        'sum(increase(lookout_requests_total{service="checkout",route="/api/checkout",method!="OPTIONS"}[5m]))',
    );
    expect(records(l.rules)[0].expr).toContain('lookout_request_duration_seconds_bucket{service="checkout",route="/api/checkout",method!="OPTIONS",le="0.3"}[5m]');
    expect(records(l.rules)[0].expr).toContain('lookout_request_duration_seconds_count{service="checkout",route="/api/checkout",method!="OPTIONS"}[5m]');
  });

  it('keeps Sloth PromQL with the window filled in', () => {
    const [sloth] = parseSpecText(`version: prometheus/v1
service: inv
slos:
  - name: avail
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{ .window }}]))
`);
    const rules = records(sloRuleGroup(sloth).rules);
    expect(rules.find((r) => r.record === 'slo:sli_error:ratio_rate6h')?.expr).toBe(
      '(sum(rate(http_requests_total{code=~"5.."}[6h])))\n/\n(sum(rate(http_requests_total[6h])))',
    );
  });

  it('renders a YAML rule file with a header and no anchors', () => {
    const text = renderRules([availability, latency], { generatedFrom: 'alerts/slos/checkout.yaml' });
    expect(text.startsWith('# Generated by Lookout (lookout slo rules) from alerts/slos/checkout.yaml; edit the SLO specs, not this file.')).toBe(true);
    expect(text).not.toMatch(/[&*]a\d/);
    const parsed = parse(text) as { groups: { name: string; rules: unknown[] }[] };
    expect(parsed.groups.map((g) => g.name)).toEqual(['slo:checkout:checkout-availability', 'slo:checkout:checkout-latency']);
  });
});
