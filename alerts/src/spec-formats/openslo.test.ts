import { describe, expect, it } from 'vitest';
import { formatIssue } from './issues.ts';
import { checkSpecFile, loadSpecs, parseSpecText } from './load.ts';

const lookoutRatio = (filters = '{ route: /api/pay }') => `
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Lookout
            spec: { metric: lookout_request_errors_total, filters: ${filters} }
        total:
          metricSource:
            type: Lookout
            spec: { metric: lookout_requests_total, filters: ${filters} }`;

const slo = (indicatorSpec: string, extra = '', objectives = '  objectives:\n    - target: 0.999\n') => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: pay
spec:
  service: payments
  indicator:
    metadata: { name: pay-sli }
    spec:${indicatorSpec}
  budgetingMethod: Occurrences
${objectives}${extra}`;

describe('OpenSLO v1', () => {
  it('maps a Lookout ratioMetric to an availability SLI with the Workbook policy by default', () => {
    const [s] = parseSpecText(slo(lookoutRatio()), 'pay.yaml');
    expect(s).toMatchObject({
      service: 'payments',
      name: 'pay',
      objective: 0.999,
      period: { kind: 'rolling', minutes: 43_200 },
      sli: { kind: 'availability', matchers: [{ label: 'route', op: '=', value: '/api/pay' }] },
      source: { file: 'pay.yaml', line: 1, format: 'openslo' },
    });
    expect(s.policy.pairs.map((p) => p.factor)).toEqual([14.4, 6, 3, 1]);
    expect(s.policy.noData).not.toBeNull();
  });

  it('maps a thresholdMetric on request durations with op lte to a latency SLI', () => {
    const threshold = `
      thresholdMetric:
        metricSource:
          type: Lookout
          spec: { metric: lookout_request_duration_seconds }`;
    const [s] = parseSpecText(slo(threshold, '', '  objectives:\n    - { op: lte, value: 0.5, targetPercent: 99 }\n'));
    expect(s.sli).toEqual({ kind: 'latency', thresholdSeconds: 0.5, matchers: [] });
    expect(s.objective).toBe(0.99);
  });

  it('keeps Prometheus queries: selectors become rates over the window, {{.window}} queries stay', () => {
    const prom = `
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec: { query: 'http_requests_total{code!~"5.."}' }
        total:
          metricSource:
            type: Prometheus
            spec: { query: 'sum(rate(http_requests_total[{{.window}}]))' }`;
    const [s] = parseSpecText(slo(prom));
    expect(s.sli).toEqual({
      kind: 'promql-events',
      errorQuery: '(sum(rate(http_requests_total[{{.window}}]))) - (sum(rate(http_requests_total{code!~"5.."}[{{.window}}])))',
      totalQuery: 'sum(rate(http_requests_total[{{.window}}]))',
    });
  });

  it('builds pairs from AlertPolicy and AlertCondition objects across files, with the short-window extension', () => {
    const policy = `apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: burn }
spec:
  alertWhenBreaching: true
  alertWhenNoData: false
  conditions:
    - conditionRef: fast
    - kind: AlertCondition
      metadata: { name: slow }
      spec:
        severity: ticket
        condition: { kind: burnrate, op: gt, threshold: 3, lookbackWindow: 1d, alertAfter: 10m }
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast
  annotations: { lookout.dev/short-window: 2m }
spec:
  severity: critical
  condition: { kind: burnrate, threshold: 14.4, lookbackWindow: 1h, alertAfter: 0m }
`;
    const { slos, issues } = loadSpecs([
      { file: 'slo.yaml', text: slo(lookoutRatio(), '  alertPolicies:\n    - alertPolicyRef: burn\n') },
      { file: 'policy.yaml', text: policy },
    ]);
    expect(issues).toEqual([]);
    expect(slos[0].policy.pairs).toEqual([
      { severity: 'page', severityLabel: 'critical', longWindowMinutes: 60, shortWindowMinutes: 2, factor: 14.4, forMinutes: 0 },
      { severity: 'ticket', severityLabel: 'ticket', longWindowMinutes: 1440, shortWindowMinutes: 120, factor: 3, forMinutes: 10 },
    ]);
    expect(slos[0].policy.noData).toBeNull();
  });

  it('reads a calendar month and the lookout.dev annotations', () => {
    const [s] = parseSpecText(
      slo(lookoutRatio(), '  timeWindow:\n    - duration: 1M\n      calendar: { startTime: 2024-01-01 00:00:00, timeZone: UTC }\n').replace(
        'metadata:\n  name: pay\n',
        'metadata:\n  name: pay\n  annotations:\n    lookout.dev/min-events: "25"\n    lookout.dev/runbook: https://r.example.com\n    lookout.dev/alert-name: PayBurn\n',
      ),
    );
    expect(s.period).toEqual({ kind: 'calendar-month' });
    expect(s.policy.minEvents).toBe(25);
    expect(s.runbookUrl).toBe('https://r.example.com');
    expect(s.alertName).toBe('PayBurn');
  });
});

const BAD: { name: string; yaml: string; line: number; key: string; message: string; fix: string }[] = [
  { name: 'unknown kind', yaml: 'apiVersion: openslo/v1\nkind: Objective\nmetadata: { name: x }\nspec: {}\n', line: 2, key: 'kind', message: 'unknown OpenSLO kind "Objective"', fix: 'SLO, SLI, AlertPolicy' },
  { name: 'other version', yaml: 'apiVersion: openslo/v2alpha\nkind: SLO\nmetadata: { name: x }\nspec: {}\n', line: 1, key: 'apiVersion', message: 'unsupported OpenSLO version "openslo/v2alpha"', fix: 'apiVersion: openslo/v1' },
  { name: 'timeslices', yaml: slo(lookoutRatio()).replace('Occurrences', 'Timeslices'), line: 20, key: 'spec.budgetingMethod', message: 'budgeting method "Timeslices" is not supported', fix: 'budgetingMethod: Occurrences' },
  { name: 'two objectives', yaml: slo(lookoutRatio(), '', '  objectives:\n    - target: 0.99\n    - target: 0.999\n'), line: 21, key: 'spec.objectives', message: 'Lookout evaluates one objective per SLO, found 2', fix: 'split the objectives' },
  { name: 'target as percent', yaml: slo(lookoutRatio(), '', '  objectives:\n    - target: 99.9\n'), line: 22, key: 'spec.objectives[0].target', message: 'target 99.9 is outside (0, 1)', fix: 'targetPercent: 99.9 or target: 0.999' },
  { name: 'gauge ratio', yaml: slo(lookoutRatio().replace('counter: true', 'counter: false')), line: 11, key: 'spec.indicator.spec.ratioMetric.counter', message: 'Lookout needs counters', fix: 'counter: true' },
  { name: 'mismatched filters', yaml: slo(lookoutRatio().replace('filters: { route: /api/pay } }\n        total', 'filters: { route: /api/x } }\n        total')), line: 12, key: 'spec.indicator.spec.ratioMetric.bad', message: 'bad and total must use the same filters', fix: 'copy the filters' },
  { name: 'unknown source type', yaml: slo(lookoutRatio().replace(/type: Lookout/g, 'type: Datadog')), line: 14, key: 'spec.indicator.spec.ratioMetric.bad.metricSource.type', message: 'metric source type "Datadog" is not supported', fix: 'type: Lookout' },
  { name: 'unknown Lookout metric', yaml: slo(lookoutRatio().replace('lookout_request_errors_total', 'errors_total')), line: 15, key: 'spec.indicator.spec.ratioMetric.bad.metricSource.spec.metric', message: 'unknown Lookout metric "errors_total"', fix: 'lookout_request_errors_total' },
  { name: 'PromQL query without window', yaml: slo(`\n      ratioMetric:\n        counter: true\n        bad:\n          metricSource:\n            type: Prometheus\n            spec: { query: 'sum(rate(x[5m]))' }\n        total:\n          metricSource:\n            type: Prometheus\n            spec: { query: y }`), line: 15, key: 'spec.indicator.spec.ratioMetric.bad.metricSource.spec.query', message: 'neither a plain counter selector nor PromQL with {{.window}}', fix: 'use {{.window}} as the range' },
  { name: 'missing policy ref', yaml: slo(lookoutRatio(), '  alertPolicies:\n    - alertPolicyRef: nope\n'), line: 24, key: 'spec.alertPolicies[0].alertPolicyRef', message: "no AlertPolicy named 'nope'", fix: 'define a AlertPolicy with metadata.name: nope' },
  { name: 'bad short window', yaml: slo(lookoutRatio(), "  alertPolicies:\n    - kind: AlertPolicy\n      metadata: { name: p }\n      spec:\n        conditions:\n          - kind: AlertCondition\n            metadata: { name: c, annotations: { lookout.dev/short-window: 2h } }\n            spec:\n              severity: page\n              condition: { kind: burnrate, threshold: 14.4, lookbackWindow: 1h }\n"), line: 29, key: 'spec.alertPolicies[0].spec.conditions[0].metadata.annotations.lookout.dev/short-window', message: 'the short window must be a duration shorter than lookbackWindow (1h)', fix: 'lookout.dev/short-window: 5m' },
  { name: 'op lt on a burn rate', yaml: slo(lookoutRatio(), "  alertPolicies:\n    - kind: AlertPolicy\n      metadata: { name: p }\n      spec:\n        conditions:\n          - kind: AlertCondition\n            metadata: { name: c }\n            spec:\n              severity: page\n              condition:\n                kind: burnrate\n                op: lt\n                threshold: 14.4\n                lookbackWindow: 1h\n"), line: 34, key: 'spec.alertPolicies[0].spec.conditions[0].spec.condition.op', message: 'op "lt" is not supported for burn rates', fix: 'op: gt' },
  { name: 'latency without op', yaml: slo('\n      thresholdMetric:\n        metricSource:\n          type: Lookout\n          spec: { metric: lookout_request_duration_seconds }'), line: 15, key: 'spec.objectives', message: 'a latency objective needs op: lte and value', fix: 'op: lte, value: 0.3' },
  { name: 'duplicate object', yaml: 'apiVersion: openslo/v1\nkind: Service\nmetadata: { name: s }\nspec: {}\n---\napiVersion: openslo/v1\nkind: Service\nmetadata: { name: s }\nspec: {}\n', line: 8, key: 'metadata.name', message: "a Service named 's' is already defined at spec.yaml:1", fix: 'unique metadata.name' },
];

describe('OpenSLO errors say where, what and how to fix', () => {
  for (const c of BAD) {
    it(c.name, () => {
      const issues = checkSpecFile(c.yaml, 'spec.yaml').filter((i) => i.severity === 'error');
      const issue = issues.find((i) => i.message.includes(c.message));
      expect(issue, `issues were:\n${issues.map(formatIssue).join('\n')}`).toBeDefined();
      expect({ file: issue?.file, line: issue?.line, key: issue?.key }).toEqual({ file: 'spec.yaml', line: c.line, key: c.key });
      expect(issue?.fix).toContain(c.fix);
    });
  }
});
