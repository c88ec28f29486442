/**
 * Every LogQL expression of every dashboard parses with Grafana's own LogQL grammar
 * (@grafana/lezer-logql), after substituting the template variables as Grafana would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@grafana/lezer-logql';
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '@lookout/alerts';
import { buildAllDashboards } from './build.ts';
import { dashboardQueries, substituteVariables } from './queries.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VARIABLES = { service: '.+', __interval: '1m', __range: '1h', __auto: '1m', __rate_interval: '1m' };

/** Error nodes of the parse, with the text around each, empty when the expression is valid LogQL. */
function logqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: …${expr.slice(Math.max(0, node.from - 10), node.to + 10)}…`);
    },
  });
  return errors;
}

const slos = loadSpecs(
  readdirSync(join(ROOT, 'alerts', 'slos'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ file: f, text: readFileSync(join(ROOT, 'alerts', 'slos', f), 'utf8') })),
).slos;
const lokiQueries = buildAllDashboards(slos)
  .flatMap((d) => dashboardQueries(d.json))
  .filter((q) => q.datasourceType === 'loki');

describe('LogQL of the dashboards', () => {
  it('has Loki queries to check', () => {
    expect(lokiQueries.length).toBeGreaterThanOrEqual(4);
  });

  it.each(lokiQueries.map((q) => [`${q.dashboardUid} "${q.panelTitle}" ${q.refId}`, q.expr] as const))('%s parses', (_name, expr) => {
    const substituted = substituteVariables(expr, VARIABLES);
    expect(substituted).not.toMatch(/\$/);
    expect(logqlErrors(substituted), substituted).toEqual([]);
  });

  it('the check rejects broken LogQL', () => {
    expect(logqlErrors('sum by (service) (count_over_time({service=~".+"} [1m])')).not.toEqual([]);
    expect(logqlErrors('{service=~".+"} | trace_id != ')).not.toEqual([]);
  });
});
