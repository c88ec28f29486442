/**
 * The SLO model every spec format (native, OpenSLO v1, Sloth prometheus/v1) is
 * parsed into. The evaluator, the rule export and `explain` read only this.
 */

/** How an alert is handled: a page wakes someone, a ticket waits for working hours. */
export type SeverityClass = 'page' | 'ticket';

/** A label matcher on the request series, PromQL style. */
export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export type SliDefinition =
  /** good = request not counted as an error (status < 500, span status not ERROR) */
  | { kind: 'availability'; matchers: LabelMatcher[] }
  /** good = request duration ≤ threshold */
  | { kind: 'latency'; thresholdSeconds: number; matchers: LabelMatcher[] }
  /** PromQL queries evaluated by Prometheus; '{{.window}}' stands for the window (Sloth) */
  | { kind: 'promql-events'; errorQuery: string; totalQuery: string }
  /** a PromQL query returning the error ratio directly (Sloth `raw`) */
  | { kind: 'promql-ratio'; errorRatioQuery: string };

export type SloPeriod =
  | { kind: 'rolling'; minutes: number }
  /** budget resets on the first of each month (UTC) */
  | { kind: 'calendar-month' };

/** One multiwindow burn-rate condition: both windows above `factor`. */
export interface BurnRatePair {
  severity: SeverityClass;
  /** value of the `severity` label (Sloth may say 'critical' for a page) */
  severityLabel: string;
  longWindowMinutes: number;
  shortWindowMinutes: number;
  /** burn-rate threshold: fires when error ratio / (1 − objective) > factor in both windows */
  factor: number;
  /** the fraction of the period's budget the factor was derived from, when it was */
  budgetConsumed?: number;
  /** Prometheus `for`: the condition must hold this long before the alert fires */
  forMinutes: number;
}

/** "No data is not good data": alert when the SLI has no samples in a window. */
export interface NoDataRule {
  windowMinutes: number;
  forMinutes: number;
  severity: SeverityClass;
  severityLabel: string;
}

/**
 * Budget-exhaustion alert (opt-in): fires while the period's error budget runs out
 * within `withinMinutes` at the current burn rate (or is gone and still burning).
 */
export interface BudgetExhaustionRule {
  withinMinutes: number;
  severity: SeverityClass;
  severityLabel: string;
  forMinutes: number;
}

export interface AlertPolicy {
  /** 'workbook' or 'custom' (or an OpenSLO AlertPolicy name list) */
  name: string;
  pairs: BurnRatePair[];
  /** a window with fewer events than this never counts as burning (low-traffic guard); 0 = off */
  minEvents: number;
  noData: NoDataRule | null;
  /** opt-in budget-exhaustion alerts; empty or absent: none */
  budgetExhaustion?: BudgetExhaustionRule[];
}

export type SpecFormat = 'native' | 'openslo' | 'sloth';

export interface SpecSource {
  file: string;
  line: number;
  format: SpecFormat;
}

export interface SloDefinition {
  service: string;
  name: string;
  description: string;
  /** fraction of good events, e.g. 0.999 */
  objective: number;
  period: SloPeriod;
  sli: SliDefinition;
  policy: AlertPolicy;
  alertName: string;
  noDataAlertName: string;
  /** extra labels on every alert of this SLO */
  labels: Record<string, string>;
  /** extra labels per severity (Sloth page_alert / ticket_alert labels) */
  severityLabels: Partial<Record<SeverityClass, Record<string, string>>>;
  /** extra annotations on every alert */
  annotations: Record<string, string>;
  severityAnnotations: Partial<Record<SeverityClass, Record<string, string>>>;
  runbookUrl?: string;
  dashboardUrl?: string;
  /**
   * The tenant whose traffic the SLO counts (`tenant:` in a native spec): only requests
   * sent with that tenant's token count into it; `*` counts every tenant's. Absent: the
   * collector's single default tenant (no tenants configured).
   */
  tenant?: string;
  source: SpecSource;
}
