/**
 * Turns what a format parsed into a SloDefinition, with the checks that need
 * several fields at once (windows against the period, pairs that can never fire).
 */
import { DEFAULT_BURN_ALERT_NAME, DEFAULT_NO_DATA_ALERT_NAME } from '../alert-labels.ts';
import { pairThreshold } from '../burn-math.ts';
import { formatPercent, formatWindow } from '../duration.ts';
import { policyWindows, resolvePolicy } from '../policy.ts';
import type { PolicyPairTemplate } from '../policy.ts';
import type {
  BudgetExhaustionRule,
  NoDataRule,
  SeverityClass,
  SliDefinition,
  SloDefinition,
  SloPeriod,
  SpecFormat,
} from '../types.ts';
import type { YNode } from './yaml-reader.ts';

export interface SloDraft {
  format: SpecFormat;
  service: string;
  name: string;
  description?: string;
  objective: number;
  period: SloPeriod;
  sli: SliDefinition;
  /** undefined: the Workbook table */
  pairs?: readonly PolicyPairTemplate[];
  policyName?: string;
  minEvents?: number;
  /** undefined: the default no-data rule; null: off */
  noData?: NoDataRule | null;
  budgetExhaustion?: readonly BudgetExhaustionRule[];
  alertName?: string;
  noDataAlertName?: string;
  labels?: Record<string, string>;
  severityLabels?: Partial<Record<SeverityClass, Record<string, string>>>;
  annotations?: Record<string, string>;
  severityAnnotations?: Partial<Record<SeverityClass, Record<string, string>>>;
  runbookUrl?: string;
  dashboardUrl?: string;
  tenant?: string;
}

export interface DraftPositions {
  /** the SLO as a whole (errors about combinations) */
  slo: YNode;
  objective?: YNode;
  period?: YNode;
  policy?: YNode;
  minEvents?: YNode;
}

/** Builds the SLO, or reports why it cannot be built and returns undefined. */
export function buildSlo(draft: SloDraft, at: DraftPositions): SloDefinition | undefined {
  const policy = resolvePolicy(draft.period, {
    ...(draft.policyName ? { name: draft.policyName } : {}),
    ...(draft.pairs ? { pairs: draft.pairs } : {}),
    minEvents: draft.minEvents ?? 0,
    noData: draft.noData,
    ...(draft.budgetExhaustion ? { budgetExhaustion: draft.budgetExhaustion } : {}),
  });

  let ok = true;
  if (draft.period.kind === 'rolling') {
    const longest = Math.max(0, ...policyWindows(policy));
    if (longest > draft.period.minutes) {
      (at.period ?? at.slo).error(
        `the policy's ${formatWindow(longest)} window is longer than the ${formatWindow(draft.period.minutes)} period`,
        `use a period of at least ${formatWindow(longest)} (30d is usual), or a policy with shorter windows`,
      );
      ok = false;
    }
  }
  if (policy.minEvents > 0 && draft.sli.kind === 'promql-ratio') {
    (at.minEvents ?? at.slo).error(
      'minEvents needs event counts, but this SLI only gives an error ratio',
      'remove minEvents, or describe the SLI with error and total queries',
    );
    ok = false;
  }
  for (const pair of policy.pairs) {
    const threshold = pairThreshold(pair, draft.objective);
    if (threshold >= 1) {
      (at.policy?.exists ? at.policy : (at.objective ?? at.slo)).warn(
        `the ${pair.severity} pair ${formatWindow(pair.longWindowMinutes)}/${formatWindow(pair.shortWindowMinutes)} (${pair.factor}×) can never fire at ${formatPercent(draft.objective, 6)}: it needs an error ratio above ${formatPercent(threshold)}`,
        'expected for loose objectives (the Workbook notes it); tighten the objective or lower the factor if you want that pair',
      );
    }
  }
  if (!ok) return undefined;

  return {
    service: draft.service,
    name: draft.name,
    description: draft.description ?? '',
    objective: draft.objective,
    period: draft.period,
    sli: draft.sli,
    policy,
    alertName: draft.alertName ?? DEFAULT_BURN_ALERT_NAME,
    noDataAlertName: draft.noDataAlertName ?? DEFAULT_NO_DATA_ALERT_NAME,
    labels: draft.labels ?? {},
    severityLabels: draft.severityLabels ?? {},
    annotations: draft.annotations ?? {},
    severityAnnotations: draft.severityAnnotations ?? {},
    ...(draft.runbookUrl ? { runbookUrl: draft.runbookUrl } : {}),
    ...(draft.dashboardUrl ? { dashboardUrl: draft.dashboardUrl } : {}),
    ...(draft.tenant ? { tenant: draft.tenant } : {}),
    source: { file: at.slo.sink.file, line: at.slo.line, format: draft.format },
  };
}
