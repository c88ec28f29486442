/**
 * The alert state machine of one SLO: a pure step from the previous state and an
 * evaluation to the next state, the alert transitions and the notifications.
 *
 * Alert lifecycle, as Prometheus 2.42 does it (so exported rules and the
 * evaluator agree minute for minute): a condition that becomes true makes the
 * alert pending; it fires once it has held for the pair's `for` (at once when
 * that is 0); when the condition is false a pending alert is dropped and a firing
 * one resolves.
 *
 * Notifications are per SLO and severity, so one problem pages once: a group opens
 * (one 'firing' notification) when its first alert fires and closes (one
 * 'resolved') when its last alert stops; alerts joining an open group do not page
 * again. Ticket alerts are inhibited while a page alert of the same SLO fires:
 * they still fire (as in Alertmanager, where inhibition mutes notifications), but
 * do not open their group.
 */
import { BUDGET_EXHAUSTION_ALERT_NAME, burnAlertLabels, exhaustionAlertLabels, labelsKey, noDataAlertLabels } from './alert-labels.ts';
import { budgetRemainingText, budgetSentence, exhaustionText, formatBurnRate } from './alert-words.ts';
import { formatHumanMinutes, formatWindow } from './duration.ts';
import type { AlertCondition, SloEvaluation, WindowEvaluation } from './evaluate.ts';
import type { SeverityClass, SloDefinition } from './types.ts';

export type ActiveState = 'pending' | 'firing';

export interface ActiveAlert {
  id: string;
  kind: AlertCondition['kind'];
  severity: SeverityClass;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: ActiveState;
  activeAtMs: number;
  firedAtMs: number | null;
  /** long-window burn rate for burn-rate alerts; null for no-data */
  value: number | null;
  inhibited: boolean;
}

export interface NotificationGroup {
  openedAtMs: number;
  dedupKey: string;
}

export interface SloAlertState {
  alerts: Record<string, ActiveAlert>;
  groups: Partial<Record<SeverityClass, NotificationGroup>>;
}

export const EMPTY_ALERT_STATE: SloAlertState = Object.freeze({ alerts: {}, groups: {} }) as SloAlertState;

export interface AlertTransition {
  id: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  severity: SeverityClass;
  from: 'inactive' | ActiveState;
  /** 'inactive' from 'firing' is a resolution; from 'pending' the condition cleared in time */
  to: 'inactive' | ActiveState;
  atMs: number;
  inhibited: boolean;
}

export interface AlertNotification {
  /** `service/slo/severity`: one open notification per group at a time */
  groupKey: string;
  /** the same for the firing and the resolved notification of one incident (outbox key) */
  dedupKey: string;
  status: 'firing' | 'resolved';
  severity: SeverityClass;
  atMs: number;
  /** alerts firing in the group (for 'resolved': the ones that fired last) */
  alerts: ActiveAlert[];
}

export interface AlertStep {
  state: SloAlertState;
  transitions: AlertTransition[];
  notifications: AlertNotification[];
  /** pending and firing alerts after this step */
  active: ActiveAlert[];
}

function humanRemaining(evaluation: SloEvaluation): string {
  return budgetRemainingText(evaluation.budget.remaining);
}

function humanExhaustion(evaluation: SloEvaluation): string {
  return exhaustionText(evaluation.timeToExhaustionMinutes, evaluation.budget.remaining);
}

/** "error budget burning 20× over 1h", "every event failed over 1h (1000× burn)", "no events over 1h". */
function burnWords(w: WindowEvaluation): string {
  const window = formatWindow(w.windowMinutes);
  if (w.status === 'no-data') return `no data over ${window}`;
  if (w.errorRatio === null || w.burnRate === null) return `no events over ${window}`;
  if (w.errorRatio >= 1) return `every event failed over ${window} (${formatBurnRate(w.burnRate)}× burn)`;
  return `error budget burning ${formatBurnRate(w.burnRate)}× over ${window}`;
}

function baseAnnotations(slo: SloDefinition, severity: SeverityClass): Record<string, string> {
  const annotations: Record<string, string> = { ...slo.annotations, ...slo.severityAnnotations[severity] };
  if (slo.runbookUrl) annotations.runbook_url = slo.runbookUrl;
  if (slo.dashboardUrl) annotations.dashboard_url = slo.dashboardUrl;
  return annotations;
}

function describeCondition(condition: AlertCondition, evaluation: SloEvaluation): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  severity: SeverityClass;
  value: number | null;
  forMinutes: number;
} {
  const { slo } = evaluation;
  const common = {
    budget_remaining: humanRemaining(evaluation),
    time_to_exhaustion: humanExhaustion(evaluation),
  };
  if (condition.kind === 'burn-rate') {
    const { pair, long, short } = condition;
    const burn = long.burnRate === null ? 'unknown' : formatBurnRate(long.burnRate);
    return {
      labels: burnAlertLabels(slo, pair),
      severity: pair.severity,
      value: long.burnRate,
      forMinutes: pair.forMinutes,
      annotations: {
        ...baseAnnotations(slo, pair.severity),
        summary: `${slo.service}/${slo.name}: ${burnWords(long)} (${pair.severity} above ${pair.factor}×)`,
        description: `${slo.description ? `${slo.description}. ` : ''}${sentence(condition.reason)} ${budgetSentence(evaluation.budget.remaining, evaluation.timeToExhaustionMinutes)}`,
        burn_rate: burn,
        burn_rate_short: short.burnRate === null ? 'unknown' : formatBurnRate(short.burnRate),
        ...common,
      },
    };
  }
  if (condition.kind === 'budget-exhaustion') {
    const { rule } = condition;
    const within = formatHumanMinutes(rule.withinMinutes);
    const gone = condition.secondsToExhaustion === 0;
    return {
      labels: exhaustionAlertLabels(slo, rule),
      severity: rule.severity,
      value: condition.secondsToExhaustion,
      forMinutes: rule.forMinutes,
      annotations: {
        ...baseAnnotations(slo, rule.severity),
        summary: gone
          ? `${slo.service}/${slo.name}: error budget exhausted and still burning (${rule.severity} when it runs out within ${within})`
          : `${slo.service}/${slo.name}: error budget runs out in ${common.time_to_exhaustion} at the current burn rate (${rule.severity} within ${within})`,
        description: `${slo.description ? `${slo.description}. ` : ''}${sentence(condition.reason)} ${budgetSentence(evaluation.budget.remaining, evaluation.timeToExhaustionMinutes)}`,
        ...(evaluation.currentBurnRate !== null ? { current_burn_rate: formatBurnRate(evaluation.currentBurnRate) } : {}),
        ...common,
      },
    };
  }
  const { rule } = condition;
  return {
    labels: noDataAlertLabels(slo, rule),
    severity: rule.severity,
    value: null,
    forMinutes: rule.forMinutes,
    annotations: {
      ...baseAnnotations(slo, rule.severity),
      summary: `${slo.service}/${slo.name}: no SLI data for ${formatWindow(rule.windowMinutes + rule.forMinutes)}; the SLO cannot be judged`,
      description: `${sentence(condition.reason)} No data is not good data: check the collector, the agent and the SLI's filters.`,
      ...common,
    },
  };
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * Annotations of a resolve, from the evaluation that resolved it: the summary says it
 * is resolved and what the window shows now (not the burn of when it fired), the
 * budget figures are current. `labels` are the firing notification's.
 */
export function resolvedAnnotations(evaluation: SloEvaluation, labels: Record<string, string>): Record<string, string> {
  const { slo } = evaluation;
  const condition = evaluation.conditions.find((c) =>
    c.kind === 'burn-rate'
      ? labels.long_window === formatWindow(c.pair.longWindowMinutes) && labels.short_window === formatWindow(c.pair.shortWindowMinutes) && labels.severity === c.pair.severityLabel
      : c.kind === 'budget-exhaustion'
        ? labels.alertname === BUDGET_EXHAUSTION_ALERT_NAME && labels.exhaustion_within === formatWindow(c.rule.withinMinutes) && labels.severity === c.rule.severityLabel
        : labels.alertname === slo.noDataAlertName,
  );
  const figures: Record<string, string> = {
    budget_remaining: humanRemaining(evaluation),
    time_to_exhaustion: humanExhaustion(evaluation),
  };
  if (evaluation.currentBurnRate !== null) figures.current_burn_rate = formatBurnRate(evaluation.currentBurnRate);
  const budget = budgetSentence(evaluation.budget.remaining, evaluation.timeToExhaustionMinutes);
  if (!condition) {
    return { ...figures, summary: `${slo.service}/${slo.name}: resolved (the rule is no longer in the policy)`, description: `Resolved. ${budget}` };
  }
  if (condition.kind === 'no-data') {
    if (condition.window.idle) {
      return { ...figures, summary: `${slo.service}/${slo.name}: resolved: the service reports again (no requests: idle)`, description: `Resolved: ${condition.reason}. ${budget}` };
    }
    return { ...figures, summary: `${slo.service}/${slo.name}: resolved: SLI data is back`, description: `Resolved: ${condition.reason}. ${budget}` };
  }
  if (condition.kind === 'budget-exhaustion') {
    return { ...figures, summary: `${slo.service}/${slo.name}: resolved; ${condition.reason}`, description: `Resolved: ${condition.reason}. ${budget}` };
  }
  const { pair, long } = condition;
  return {
    ...figures,
    summary: `${slo.service}/${slo.name}: resolved; now ${burnWords(long)} (${pair.severity} above ${pair.factor}×)`,
    description: `Resolved: ${condition.reason}. ${budget}`,
    burn_rate: long.burnRate === null ? 'none (no events)' : formatBurnRate(long.burnRate),
    burn_rate_short: condition.short.burnRate === null ? 'none (no events)' : formatBurnRate(condition.short.burnRate),
  };
}

/** One step of the state machine. `prev` is not modified. */
export function nextAlertState(prev: SloAlertState | undefined, evaluation: SloEvaluation, nowMs: number): AlertStep {
  const before = prev ?? EMPTY_ALERT_STATE;
  const alerts: Record<string, ActiveAlert> = {};
  const transitions: AlertTransition[] = [];
  const seen = new Set<string>();

  for (const condition of evaluation.conditions) {
    if (!condition.met) continue;
    const d = describeCondition(condition, evaluation);
    const id = labelsKey(d.labels);
    seen.add(id);
    const old = before.alerts[id];
    const activeAtMs = old ? old.activeAtMs : nowMs;
    const state: ActiveState =
      old?.state === 'firing' || nowMs - activeAtMs >= d.forMinutes * 60_000 ? 'firing' : 'pending';
    const alert: ActiveAlert = {
      id,
      kind: condition.kind,
      severity: d.severity,
      labels: d.labels,
      annotations: d.annotations,
      state,
      activeAtMs,
      firedAtMs: state === 'firing' ? (old?.firedAtMs ?? nowMs) : null,
      value: d.value,
      inhibited: false,
    };
    alerts[id] = alert;
    if (!old || old.state !== state) {
      transitions.push({
        id,
        labels: alert.labels,
        annotations: alert.annotations,
        severity: alert.severity,
        from: old ? old.state : 'inactive',
        to: state,
        atMs: nowMs,
        inhibited: false,
      });
    }
  }
  for (const old of Object.values(before.alerts)) {
    if (seen.has(old.id)) continue;
    transitions.push({
      id: old.id,
      labels: old.labels,
      annotations: old.annotations,
      severity: old.severity,
      from: old.state,
      to: 'inactive',
      atMs: nowMs,
      inhibited: old.inhibited,
    });
  }

  // Inhibition: a firing page of this SLO mutes its tickets.
  const pageFiring = Object.values(alerts).some((a) => a.severity === 'page' && a.state === 'firing');
  for (const alert of Object.values(alerts)) alert.inhibited = pageFiring && alert.severity === 'ticket';
  for (const t of transitions) if (alerts[t.id]) t.inhibited = alerts[t.id].inhibited;

  const groups: Partial<Record<SeverityClass, NotificationGroup>> = { ...before.groups };
  const notifications: AlertNotification[] = [];
  const { slo } = evaluation;
  for (const severity of ['page', 'ticket'] as const) {
    const firing = Object.values(alerts).filter((a) => a.severity === severity && a.state === 'firing');
    const open = groups[severity];
    const groupKey = `${slo.service}/${slo.name}/${severity}`;
    if (!open) {
      const loud = firing.filter((a) => !a.inhibited);
      if (loud.length === 0) continue;
      const group = { openedAtMs: nowMs, dedupKey: `${groupKey}@${nowMs}` };
      groups[severity] = group;
      notifications.push({ groupKey, dedupKey: group.dedupKey, status: 'firing', severity, atMs: nowMs, alerts: loud });
    } else if (firing.length === 0) {
      delete groups[severity];
      const last = Object.values(before.alerts).filter((a) => a.severity === severity && a.state === 'firing');
      notifications.push({ groupKey, dedupKey: open.dedupKey, status: 'resolved', severity, atMs: nowMs, alerts: last });
    }
  }

  return {
    state: { alerts, groups },
    transitions,
    notifications,
    active: Object.values(alerts),
  };
}
