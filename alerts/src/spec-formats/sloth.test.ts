import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIssue } from './issues.ts';
import { checkSpecFile, loadSpecs, parseSpecText } from './load.ts';

const SLOTH = `version: "prometheus/v1"
service: "myservice"
labels:
  owner: "myteam"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Common SLO based on availability for HTTP request responses."
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels:
        category: "availability"
      annotations:
        summary: "High error rate on 'myservice' requests responses"
      page_alert:
        labels:
          severity: pageteam
          routing_key: myteam
      ticket_alert:
        labels:
          severity: "slack"
          slack_channel: "#alerts-myteam"
  - name: "ratio"
    objective: 99
    sli:
      raw:
        error_ratio_query: sum(rate(errors[{{.window}}])) / sum(rate(all[{{.window}}]))
    alerting:
      ticket_alert:
        disable: true
`;

describe('Sloth prometheus/v1', () => {
  it('keeps the PromQL and maps page/ticket labels, annotations and disable', () => {
    const [a, r] = parseSpecText(SLOTH, 'sloth.yaml');
    expect(a).toMatchObject({
      service: 'myservice',
      name: 'requests-availability',
      objective: 0.999,
      period: { kind: 'rolling', minutes: 43_200 },
      sli: {
        kind: 'promql-events',
        errorQuery: 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))',
      },
      alertName: 'MyServiceHighErrorRate',
      labels: { owner: 'myteam', category: 'availability' },
      severityLabels: { page: { routing_key: 'myteam' }, ticket: { slack_channel: '#alerts-myteam' } },
      annotations: { summary: "High error rate on 'myservice' requests responses" },
      source: { format: 'sloth', line: 6 },
    });
    expect(a.policy.pairs.map((p) => [p.severityLabel, p.factor])).toEqual([
      ['pageteam', 14.4],
      ['pageteam', 6],
      ['slack', 3],
      ['slack', 1],
    ]);
    expect(r.sli).toEqual({ kind: 'promql-ratio', errorRatioQuery: 'sum(rate(errors[{{.window}}])) / sum(rate(all[{{.window}}]))' });
    expect(r.policy.pairs.map((p) => p.severity)).toEqual(['page', 'page']);
  });
});

const BAD: { name: string; yaml: string; line: number; key: string; message: string; fix: string }[] = [
  { name: 'plugin SLI', yaml: 'version: prometheus/v1\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli:\n      plugin: { id: sloth-common/kubernetes/apiserver/availability }\n', line: 7, key: 'slos[0].sli.plugin', message: 'Sloth SLI plugins are not supported', fix: 'expand the plugin' },
  { name: 'query without window', yaml: 'version: prometheus/v1\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli:\n      events:\n        error_query: sum(rate(e[5m]))\n        total_query: sum(rate(t[{{.window}}]))\n', line: 8, key: 'slos[0].sli.events.error_query', message: 'the error_query has no {{.window}}', fix: 'use {{.window}} as the range' },
  { name: 'missing total query', yaml: 'version: prometheus/v1\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli:\n      events:\n        error_query: sum(rate(e[{{.window}}]))\n', line: 7, key: 'slos[0].sli.events.total_query', message: "missing required key 'total_query'", fix: 'add total_query' },
  { name: 'camelCase keys from the Kubernetes CRD', yaml: 'version: prometheus/v1\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli:\n      events:\n        errorQuery: sum(rate(e[{{.window}}]))\n        total_query: sum(rate(t[{{.window}}]))\n', line: 8, key: 'slos[0].sli.events.errorQuery', message: "unknown key 'errorQuery' in sli.events", fix: "did you mean 'error_query'?" },
  { name: 'other Sloth version', yaml: 'version: prometheus/v2\nservice: s\nslos: []\n', line: 1, key: 'version', message: 'unknown Sloth version "prometheus/v2"', fix: 'version: "prometheus/v1"' },
  { name: 'fraction objective', yaml: 'version: prometheus/v1\nservice: s\nslos:\n  - name: x\n    objective: 0.99\n    sli: { raw: { error_ratio_query: "r[{{.window}}]" } }\n', line: 5, key: 'slos[0].objective', message: '0.99 looks like a fraction', fix: 'e.g. 99' },
];

describe('Sloth errors say where, what and how to fix', () => {
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

describe('example specs in alerts/slos', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../slos');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ file: `alerts/slos/${f}`, text: readFileSync(join(dir, f), 'utf8') }));

  it('all load without errors or warnings, in every format', () => {
    const { slos, issues } = loadSpecs(files);
    expect(issues.map(formatIssue)).toEqual([]);
    expect(new Set(slos.map((s) => s.source.format))).toEqual(new Set(['native', 'openslo', 'sloth']));
    expect(slos.map((s) => `${s.service}/${s.name}`).sort()).toEqual([
      'checkout/checkout-availability',
      'checkout/checkout-latency',
      'inventory/requests-availability',
      'inventory/requests-latency',
      'payments/payments-availability',
      'payments/payments-latency',
      'search/search-availability',
    ]);
  });

  it('include checkout availability at 99.9 % and latency within 300 ms', () => {
    const { slos } = loadSpecs(files);
    expect(slos.find((s) => s.name === 'checkout-availability')).toMatchObject({ objective: 0.999, sli: { kind: 'availability' } });
    expect(slos.find((s) => s.name === 'checkout-latency')).toMatchObject({ sli: { kind: 'latency', thresholdSeconds: 0.3 } });
  });
});
