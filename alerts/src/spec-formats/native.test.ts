import { describe, expect, it } from 'vitest';
import { checkSpecFile, parseSpecs, parseSpecText } from './load.ts';
import { SpecError, formatIssue } from './issues.ts';

describe('native spec', () => {
  it('reads a list of SLOs with shared keys and own overrides', () => {
    const slos = parseSpecText(
      `service: checkout
runbook: https://runbooks.example.com/checkout
filters:
  route: /api/checkout
labels: { team: payments }
slos:
  - name: availability
    objective: 99.9%
    sli: availability
  - name: latency
    objective: 99
    period: 7d
    sli: { latency: { threshold: 0.3s } }
    filters: { route: "~/api/.*", method: "!OPTIONS", status_class: "!~5.." }
    minEvents: 20
    noData: false
    alertName: CheckoutLatency
`,
      'checkout.yaml',
    );
    expect(slos).toHaveLength(2);
    const [a, l] = slos;
    expect(a).toMatchObject({
      service: 'checkout',
      name: 'availability',
      objective: 0.999,
      period: { kind: 'rolling', minutes: 43_200 },
      sli: { kind: 'availability', matchers: [{ label: 'route', op: '=', value: '/api/checkout' }] },
      labels: { team: 'payments' },
      runbookUrl: 'https://runbooks.example.com/checkout',
      alertName: 'SLOErrorBudgetBurn',
      source: { file: 'checkout.yaml', line: 7, format: 'native' },
    });
    expect(a.policy.noData).toMatchObject({ windowMinutes: 10, forMinutes: 5, severity: 'ticket' });
    expect(l).toMatchObject({
      objective: 0.99,
      period: { kind: 'rolling', minutes: 7 * 1440 },
      sli: {
        kind: 'latency',
        thresholdSeconds: 0.3,
        matchers: [
          { label: 'route', op: '=~', value: '/api/.*' },
          { label: 'method', op: '!=', value: 'OPTIONS' },
          { label: 'status_class', op: '!~', value: '5..' },
        ],
      },
      alertName: 'CheckoutLatency',
    });
    expect(l.policy.minEvents).toBe(20);
    expect(l.policy.noData).toBeNull();
    expect(l.policy.pairs.map((p) => p.factor)).toEqual([3.36, 1.4, 1, 1]);
  });

  it('reads a single SLO with a custom policy and a calendar month', () => {
    const [slo] = parseSpecText(`service: search
name: search
objective: "99.5%"
period: calendar-month
sli: { latency: 250ms }
policy:
  - { severity: page, long: 1h, short: 5m, budgetConsumed: 2% }
  - { severity: ticket, long: 1d, short: 2h, factor: 2, for: 15m }
noData: { window: 15m, for: 0m, severity: page }
`);
    expect(slo.objective).toBe(0.995);
    expect(slo.period).toEqual({ kind: 'calendar-month' });
    expect(slo.sli).toMatchObject({ kind: 'latency', thresholdSeconds: 0.25 });
    expect(slo.policy.pairs).toEqual([
      { severity: 'page', severityLabel: 'page', longWindowMinutes: 60, shortWindowMinutes: 5, factor: 14.4, budgetConsumed: 0.02, forMinutes: 0 },
      { severity: 'ticket', severityLabel: 'ticket', longWindowMinutes: 1440, shortWindowMinutes: 120, factor: 2, forMinutes: 15 },
    ]);
    expect(slo.policy.noData).toEqual({ windowMinutes: 15, forMinutes: 0, severity: 'page', severityLabel: 'page' });
  });

  it('reads several SLO documents in one file', () => {
    const slos = parseSpecText('service: a\nname: one\nobjective: 99\nsli: availability\n---\nservice: a\nname: two\nobjective: 99\nsli: availability\n');
    expect(slos.map((s) => [s.name, s.source.line])).toEqual([
      ['one', 1],
      ['two', 6],
    ]);
  });

  it('throws a SpecError that lists every error', () => {
    expect(() => parseSpecText('service: a\nname: x\nobjective: 0.999\nsli: latency\n', 'bad.yaml')).toThrow(SpecError);
    try {
      parseSpecText('service: a\nname: x\nobjective: 0.999\nsli: latency\n', 'bad.yaml');
    } catch (e) {
      expect((e as SpecError).issues).toHaveLength(2);
      expect((e as SpecError).message).toContain('bad.yaml:3:1: objective: 0.999 looks like a fraction');
    }
  });
});

/** One bad input per case: where the error points, what it says, and the fix it offers. */
const BAD: { name: string; yaml: string; line: number; key: string; message: string; fix: string }[] = [
  { name: 'fraction objective', yaml: 'service: a\nname: x\nobjective: 0.999\nsli: availability\n', line: 3, key: 'objective', message: '0.999 looks like a fraction', fix: 'e.g. 99.9' },
  { name: 'objective of 100', yaml: 'service: a\nname: x\nobjective: 100\nsli: availability\n', line: 3, key: 'objective', message: 'outside (0, 100)', fix: 'error budget' },
  { name: 'objective as words', yaml: 'service: a\nname: x\nobjective: three nines\nsli: availability\n', line: 3, key: 'objective', message: "expected a percent like 99.9 or '99.9%'", fix: 'objective: 99.9' },
  { name: 'missing objective', yaml: 'service: a\nname: x\nsli: availability\n', line: 1, key: 'objective', message: "missing required key 'objective'", fix: 'objective: 99.9' },
  { name: 'missing service', yaml: 'name: x\nobjective: 99\nsli: availability\n', line: 1, key: 'service', message: "missing required key 'service'", fix: 'service: checkout' },
  { name: 'typo in a key', yaml: 'service: a\nname: x\nobjectve: 99\nobjective: 99\nsli: availability\n', line: 3, key: 'objectve', message: "unknown key 'objectve' in an SLO", fix: "did you mean 'objective'?" },
  { name: 'bad SLO name', yaml: 'service: a\nname: "check out!"\nobjective: 99\nsli: availability\n', line: 2, key: 'name', message: 'must be 1–128 letters', fix: '"check-out"' },
  { name: 'latency without threshold', yaml: 'service: a\nname: x\nobjective: 99\nsli: latency\n', line: 4, key: 'sli', message: 'a latency SLI needs its threshold', fix: 'sli: { latency: 300ms }' },
  { name: 'latency without unit', yaml: 'service: a\nname: x\nobjective: 99\nsli: { latency: 300 }\n', line: 4, key: 'sli.latency', message: 'latency threshold must be a duration in ms or s', fix: '300ms or 300s' },
  { name: 'unknown SLI kind', yaml: 'service: a\nname: x\nobjective: 99\nsli: { freshness: 5m }\n', line: 4, key: 'sli.freshness', message: "unknown key 'freshness' in sli", fix: 'allowed keys: availability, latency' },
  { name: 'bad period', yaml: 'service: a\nname: x\nobjective: 99\nperiod: 36h\nsli: availability\n', line: 4, key: 'period', message: 'period must be whole days', fix: 'period: 30d' },
  { name: 'period shorter than the windows', yaml: 'service: a\nname: x\nobjective: 99\nperiod: 1d\nsli: availability\n', line: 4, key: 'period', message: "the policy's 3d window is longer than the 1d period", fix: 'at least 3d' },
  { name: 'filter on service', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nfilters: { service: b }\n', line: 5, key: 'filters.service', message: "cannot filter on 'service'", fix: "set by 'service:'" },
  { name: 'filter on an unknown label', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nfilters: { path: /x }\n', line: 5, key: 'filters.path', message: "cannot filter on 'path'", fix: 'route, method, status_class' },
  { name: 'broken regex filter', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nfilters: { route: "~/api/(" }\n', line: 5, key: 'filters.route', message: 'invalid regular expression "/api/("', fix: 'anchored at both ends' },
  { name: 'reserved label', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nlabels: { severity: high }\n', line: 5, key: 'labels.severity', message: "label 'severity' is set by Lookout", fix: 'use another name' },
  { name: 'invalid label name', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nlabels: { team-name: x }\n', line: 5, key: 'labels.team-name', message: "'team-name' is not a valid Prometheus label name", fix: "'team_name'" },
  { name: 'policy pair without factor', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\npolicy:\n  - { severity: page, long: 1h, short: 5m }\n', line: 6, key: 'policy[0]', message: 'a pair needs factor or budgetConsumed', fix: 'factor: 14.4' },
  { name: 'policy short ≥ long', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\npolicy:\n  - { severity: page, long: 1h, short: 1h, factor: 10 }\n', line: 6, key: 'policy[0].short', message: 'must be shorter than the long one', fix: '1h/5m' },
  { name: 'policy severity', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\npolicy:\n  - { severity: urgent, long: 1h, short: 5m, factor: 10 }\n', line: 6, key: 'policy[0].severity', message: "severity must be 'page' or 'ticket'", fix: 'page wakes someone up' },
  { name: 'policy window in seconds', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\npolicy:\n  - { severity: page, long: 3600s, short: 5m, factor: 10 }\n', line: 6, key: 'policy[0].long', message: 'long window must be a whole number of minutes', fix: 'e.g. 1h' },
  { name: 'policy as a word', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\npolicy: google\n', line: 5, key: 'policy', message: "policy must be 'workbook' or a list of pairs", fix: 'factor: 14.4' },
  { name: 'budget share too big', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\npolicy:\n  - { severity: page, long: 1h, short: 5m, budgetConsumed: 200% }\n', line: 6, key: 'policy[0].budgetConsumed', message: "budgetConsumed must be a share of the budget like '2%'", fix: "budgetConsumed: '2%'" },
  { name: 'negative minEvents', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nminEvents: -3\n', line: 5, key: 'minEvents', message: 'minEvents must be a whole number ≥ 0', fix: 'minEvents: 20' },
  { name: 'noData typo', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nnoData: { windw: 5m }\n', line: 5, key: 'noData.windw', message: "unknown key 'windw' in noData", fix: "did you mean 'window'?" },
  { name: 'bad runbook', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nrunbook: see wiki\n', line: 5, key: 'runbook', message: '"see wiki" is not a URL', fix: 'absolute URL' },
  { name: 'bad alert name', yaml: 'service: a\nname: x\nobjective: 99\nsli: availability\nalertName: checkout-burn\n', line: 5, key: 'alertName', message: 'is not a valid Prometheus alert name', fix: '"checkoutburn"' },
  { name: 'slos not a list', yaml: 'service: a\nslos: { name: x }\n', line: 2, key: 'slos', message: 'expected a list, found a mapping', fix: '"- name:"' },
  { name: 'duplicate YAML key', yaml: 'service: a\nname: x\nname: y\nobjective: 99\nsli: availability\n', line: 3, key: '', message: 'YAML: Map keys must be unique', fix: 'keep one of the duplicated keys' },
  { name: 'broken YAML', yaml: 'service: a\nname: [x\nobjective: 99\n', line: 3, key: '', message: 'YAML:', fix: 'fix the YAML syntax' },
  { name: 'duplicate SLO', yaml: 'service: a\nslos:\n  - { name: x, objective: 99, sli: availability }\n  - { name: x, objective: 99.9, sli: availability }\n', line: 4, key: 'name', message: "SLO 'x' of service 'a' is already defined at spec.yaml:3", fix: 'unique name' },
  { name: 'unknown apiVersion', yaml: 'apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\n', line: 1, key: 'apiVersion', message: 'unknown apiVersion "sloth.slok.dev/v1"', fix: 'version: "prometheus/v1"' },
  { name: 'bad tenant name', yaml: 'service: a\ntenant: "pay ments"\nname: x\nobjective: 99\nsli: availability\n', line: 2, key: 'tenant', message: "tenant 'pay ments' is not a tenant name", fix: "tenant: '*'" },
  { name: 'tenant on a list item', yaml: 'service: a\nslos:\n  - { name: x, tenant: b, objective: 99, sli: availability }\n', line: 3, key: 'slos[0].tenant', message: "unknown key 'tenant' in an SLO", fix: '' },
  { name: 'empty file', yaml: '# nothing here\n', line: 1, key: '', message: 'the file holds no SLO', fix: 'service, name, objective and sli' },
];

describe('native spec tenant', () => {
  it('puts the document\'s tenant on each of its SLOs; the same service and name may exist once per tenant', () => {
    const slos = parseSpecs([
      { file: 'a.yaml', text: 'service: pay\ntenant: alpha\nslos:\n  - { name: avail, objective: 99, sli: availability }\n' },
      { file: 'b.yaml', text: 'service: pay\ntenant: beta\nname: avail\nobjective: 99\nsli: availability\n' },
      { file: 'c.yaml', text: "service: pay\ntenant: '*'\nname: all\nobjective: 99\nsli: availability\n" },
    ]);
    expect(slos.map((s) => [s.tenant, s.service, s.name])).toEqual([
      ['alpha', 'pay', 'avail'],
      ['beta', 'pay', 'avail'],
      ['*', 'pay', 'avail'.replace('avail', 'all')],
    ]);
    expect(parseSpecText('service: a\nname: x\nobjective: 99\nsli: availability\n')[0]!.tenant).toBeUndefined();
  });
});

describe('native spec errors say where, what and how to fix', () => {
  for (const c of BAD) {
    it(c.name, () => {
      const issues = checkSpecFile(c.yaml, 'spec.yaml').filter((i) => i.severity === 'error');
      const issue = issues.find((i) => i.message.includes(c.message));
      expect(issue, `issues were:\n${issues.map(formatIssue).join('\n')}`).toBeDefined();
      expect({ file: issue?.file, line: issue?.line, key: issue?.key }).toEqual({ file: 'spec.yaml', line: c.line, key: c.key });
      expect(issue?.fix).toContain(c.fix);
    });
  }

  it('warns, without failing, about pairs that can never fire (90 % SLO)', () => {
    const issues = checkSpecFile('service: a\nname: x\nobjective: 90\nsli: availability\n', 'loose.yaml');
    expect(issues.every((i) => i.severity === 'warning')).toBe(true);
    expect(issues.map(formatIssue)).toEqual([
      'loose.yaml:3:1: warning: objective: the page pair 1h/5m (14.4×) can never fire at 90 %: it needs an error ratio above 144 % (fix: expected for loose objectives (the Workbook notes it); tighten the objective or lower the factor if you want that pair)',
    ]);
  });
});
