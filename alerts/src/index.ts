// @lookout/alerts: SLO specs and the pure SLO library. Everything here takes data
// (and `now` where time matters) and returns data; no I/O, no clock.

export type {
  AlertPolicy,
  BurnRatePair,
  LabelMatcher,
  NoDataRule,
  BudgetExhaustionRule,
  SeverityClass,
  SliDefinition,
  SloDefinition,
  SloPeriod,
  SpecFormat,
  SpecSource,
} from './types.ts';

export {
  DEFAULT_DURATION_BUCKETS_SECONDS,
  REQUEST_DURATION_SECONDS,
  REQUEST_ERRORS_TOTAL,
  REQUEST_LABELS,
  REQUESTS_TOTAL,
  SLO_EVENTS_TOTAL,
  SLO_GOOD_EVENTS_TOTAL,
} from './sli-series.ts';

export {
  formatHumanMinutes,
  formatLatency,
  formatPercent,
  formatWindow,
  parseLatencySeconds,
  parseMinutes,
} from './duration.ts';

export {
  DEFAULT_NO_DATA,
  THIRTY_DAYS_MINUTES,
  WORKBOOK_POLICY,
  budgetConsumedAtFiring,
  factorForBudget,
  factorPeriodMinutes,
  policyWindows,
  resolvePair,
  resolvePolicy,
} from './policy.ts';
export type { PolicyOptions, PolicyPairTemplate } from './policy.ts';

export {
  budgetRemaining,
  burnRate,
  detectionBySeverity,
  detectionMinutes,
  errorBudget,
  errorBudgetText,
  errorRatio,
  pairThreshold,
  pairThresholdText,
  ratioAboveThreshold,
  timeToExhaustionMinutes,
} from './burn-math.ts';
export { compareDecimal, decimalOf, decimalToNumber, formatDecimal, multiplyDecimal, parseDecimal, subtractDecimal } from './exact-decimal.ts';
export type { Decimal } from './exact-decimal.ts';
export type { SeverityDetection } from './burn-math.ts';

export { MINUTE_MS, bucketArraySums, bucketInWindow, extrapolatedEvents, lastCompleteMinute, sampleEdges, sumBuckets } from './window-sums.ts';
export type { MinuteBucket, SampleEdges, WindowSum, WindowSumsFn } from './window-sums.ts';
export { SliWindowIndex } from './window-index.ts';
export { createSloWindowIndex } from './slo-window-index.ts';
export type { WindowIndexOptions } from './window-index.ts';

export { budgetWindow, evaluateSlo, evaluationWindows, noDataCondition, seenInWindow } from './evaluate.ts';
export { budgetRemainingText, budgetSentence, exhaustionText, formatBurnRate, formatShare, windowHealth } from './alert-words.ts';
export type { WindowHealth } from './alert-words.ts';
export type {
  AlertCondition,
  BudgetEvaluation,
  BudgetExhaustionCondition,
  BudgetWindow,
  BurnRateCondition,
  NoDataAlertOn,
  NoDataCondition,
  ServiceLiveness,
  SloEvaluation,
  WindowEvaluation,
  WindowStatus,
} from './evaluate.ts';

export {
  BUDGET_EXHAUSTION_ALERT_NAME,
  DEFAULT_BURN_ALERT_NAME,
  DEFAULT_NO_DATA_ALERT_NAME,
  RESERVED_ALERT_LABELS,
  burnAlertLabels,
  burnRuleLabels,
  exhaustionAlertLabels,
  exhaustionRuleLabels,
  labelsKey,
  noDataAlertLabels,
  noDataRuleLabels,
  sloSeriesLabels,
  sloSeriesName,
} from './alert-labels.ts';

export { formatReportCsv, formatReportText, serviceReports, sloAvailabilityReport } from './availability-report.ts';
export type { ReportIncident, ServiceReport, SloReport } from './availability-report.ts';
export { applyWhatIf, parseWhatIf, whatIfHeader } from './what-if.ts';
export type { WhatIf, WhatIfText } from './what-if.ts';
export { EMPTY_ALERT_STATE, nextAlertState, resolvedAnnotations } from './alert-state.ts';
export type {
  ActiveAlert,
  ActiveState,
  AlertNotification,
  AlertStep,
  AlertTransition,
  NotificationGroup,
  SloAlertState,
} from './alert-state.ts';

export { RECORDED_SERIES, buildRuleGroups, promString, renderRules, selector, sloRuleGroup } from './prometheus-rules.ts';
export type { AlertingRule, RecordingRule, RuleExportOptions, RuleGroup, RuleSource } from './prometheus-rules.ts';

export { detectionTable, explainSlo } from './explain.ts';
export type { DetectionRow } from './explain.ts';

export { MAX_SERIES_SAMPLES, SeriesSyntaxError, parseSeriesValues } from './promtool-series.ts';
export { countersToBuckets, formatEvalTime, formatReplay, parseReplayFile, replaySlo } from './replay.ts';
export type { CounterSeries, ReplayEvent, ReplayEventKind, ReplayFile, ReplayOptions, ReplayResult } from './replay.ts';

export { SpecError, formatIssue, hasErrors } from './spec-formats/issues.ts';
export type { SpecIssue } from './spec-formats/issues.ts';
export { checkSpecFile, detectFormat, loadSpecs, parseSpecText, parseSpecs } from './spec-formats/load.ts';
export type { LoadedSpecs, SpecFile } from './spec-formats/load.ts';
export {
  ALERT_NAME_ANNOTATION,
  DASHBOARD_ANNOTATION,
  MIN_EVENTS_ANNOTATION,
  RUNBOOK_ANNOTATION,
  SHORT_WINDOW_ANNOTATION,
} from './spec-formats/openslo.ts';
export { FILTER_LABELS, percentToFraction } from './spec-formats/fields.ts';
export { matchesSli, matcherHolds } from './sli-match.ts';

export { sloCheck, sloExplain, sloRules, sloTest } from './slo-commands.ts';
export type { CommandResult } from './slo-commands.ts';
