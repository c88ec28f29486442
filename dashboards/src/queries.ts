/**
 * Every query of a dashboard model, for checks (the real-Prometheus test, the LogQL
 * parse test) and tools: which panel, which data source type, which expression.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

export interface PanelQuery {
  dashboardUid: string;
  panelId: number;
  panelTitle: string;
  refId: string;
  datasourceType: string;
  expr: string;
  instant: boolean;
}

interface TargetShape {
  refId?: unknown;
  expr?: unknown;
  instant?: unknown;
  range?: unknown;
  datasource?: { type?: unknown };
}

export function dashboardQueries(model: dashboard.Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const panel of model.panels ?? []) {
    if (panel.type === 'row') continue;
    const targets = ((panel as dashboard.Panel).targets ?? []) as TargetShape[];
    targets.forEach((target, i) => {
      if (typeof target.expr !== 'string') return;
      out.push({
        dashboardUid: model.uid ?? '',
        panelId: (panel as dashboard.Panel).id ?? 0,
        panelTitle: (panel as dashboard.Panel).title ?? '',
        refId: typeof target.refId === 'string' ? target.refId : String.fromCharCode(65 + i),
        datasourceType: typeof target.datasource?.type === 'string' ? target.datasource.type : 'prometheus',
        expr: target.expr,
        instant: target.instant === true && target.range !== true,
      });
    });
  }
  return out;
}

/**
 * Replaces Grafana's variables the way Grafana would before sending a query:
 * `$__rate_interval`, `$__interval`, `$__range` and `$name` / `${name}` template values.
 */
export function substituteVariables(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    return Object.prototype.hasOwnProperty.call(values, name) ? values[name]! : match;
  });
}
