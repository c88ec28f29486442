/**
 * `lookout slo explain`: what the policy means for one SLO — each pair's
 * threshold and the budget spent when it fires, and how long a steady error
 * ratio takes to page or open a ticket (from a clean start, evaluated
 * continuously; the runtime evaluates complete minutes, so add up to a minute).
 */
import { detectionBySeverity, errorBudget, pairThreshold } from './burn-math.ts';
import type { SeverityDetection } from './burn-math.ts';
import { formatHumanMinutes, formatPercent, formatWindow } from './duration.ts';
import { budgetConsumedAtFiring, factorPeriodMinutes } from './policy.ts';
import type { SloDefinition } from './types.ts';

export interface DetectionRow {
  errorRatio: number;
  burnRate: number;
  /** 'full outage', '10 % errors', '2× burn' */
  label: string;
  bySeverity: SeverityDetection[];
}

function sameRatio(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(a, b);
}

/** Rows for a full outage, 10 % and 1 % errors, and burns of 20×, 10×, 5×, 2× and 1×. */
export function detectionTable(slo: SloDefinition): DetectionRow[] {
  const budget = errorBudget(slo.objective);
  const candidates: { ratio: number; label: string }[] = [
    { ratio: 1, label: 'full outage' },
    { ratio: 0.1, label: '10 % errors' },
    { ratio: 0.01, label: '1 % errors' },
    // b × budget exactly: the 1× row is exactly at a 1× pair's threshold, which never fires.
    ...[20, 10, 5, 2, 1].map((b) => ({ ratio: pairThreshold({ factor: b }, slo.objective), label: `${b}× burn` })),
  ];
  const rows: DetectionRow[] = [];
  for (const c of candidates) {
    if (c.ratio > 1 || rows.some((r) => sameRatio(r.errorRatio, c.ratio))) continue;
    rows.push({
      errorRatio: c.ratio,
      burnRate: c.ratio / budget,
      label: c.label,
      bySeverity: detectionBySeverity(slo.policy, slo.objective, c.ratio),
    });
  }
  return rows.sort((a, b) => b.errorRatio - a.errorRatio);
}

function cell(d: SeverityDetection | undefined): string {
  if (!d) return '—';
  if (!d.pair) return 'never';
  return `${formatHumanMinutes(d.minutes)} (${formatWindow(d.pair.longWindowMinutes)}/${formatWindow(d.pair.shortWindowMinutes)})`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}`;
  return [line(header), ...rows.map(line)];
}

/** "a full outage pages after 52 s" — the first alert for an error ratio, in words. */
function firstAlert(slo: SloDefinition, ratio: number, subject: string, plural: boolean): string {
  const hits = detectionBySeverity(slo.policy, slo.objective, ratio)
    .filter((d) => d.pair)
    .sort((a, b) => a.minutes - b.minutes);
  if (hits.length === 0) return `${subject} never ${plural ? 'alert' : 'alerts'}`;
  const first = hits[0];
  const verb = first.severity === 'page' ? (plural ? 'page' : 'pages') : plural ? 'open a ticket' : 'opens a ticket';
  return `${subject} ${verb} after ${formatHumanMinutes(first.minutes)}`;
}

function summary(slo: SloDefinition): string {
  const parts = [firstAlert(slo, 1, 'a full outage', false)];
  parts.push(firstAlert(slo, 0.1, '10 % errors', true));
  const twoTimes = pairThreshold({ factor: 2 }, slo.objective);
  if (twoTimes <= 1) parts.push(firstAlert(slo, twoTimes, 'a 2× burn', false));
  const factors = slo.policy.pairs.map((p) => p.factor);
  if (factors.length > 0) parts.push(`at or below ${Math.min(...factors)}× never`);
  return `In short: ${parts.join('; ')}.`;
}

export function explainSlo(slo: SloDefinition): string {
  const periodMinutes = factorPeriodMinutes(slo.period);
  const periodText = slo.period.kind === 'rolling' ? formatWindow(slo.period.minutes) : 'calendar month (factors for 30d)';
  const budget = errorBudget(slo.objective);
  const sliText =
    slo.sli.kind === 'availability'
      ? 'requests without errors'
      : slo.sli.kind === 'latency'
        ? `requests within ${Number((slo.sli.thresholdSeconds * 1000).toPrecision(12))} ms`
        : 'good events (PromQL)';
  const lines = [
    `${slo.service}/${slo.name}: ${formatPercent(slo.objective, 6)} of ${sliText} over ${periodText}`,
    `  error budget ${formatPercent(budget, 6)} of events: ${formatHumanMinutes(budget * periodMinutes)} of full outage per ${formatWindow(periodMinutes)}`,
    `  policy: ${slo.policy.name}${slo.policy.minEvents > 0 ? `; a window needs at least ${slo.policy.minEvents} events to count` : ''}`,
    '',
  ];
  if (slo.policy.pairs.length === 0) {
    lines.push('  no burn-rate pairs: this SLO never alerts on its budget');
  } else {
    lines.push(
      ...table(
        ['severity', 'long/short', 'burn rate', 'error ratio', 'budget spent when it fires', 'for'],
        slo.policy.pairs.map((p) => [
          p.severity,
          `${formatWindow(p.longWindowMinutes)}/${formatWindow(p.shortWindowMinutes)}`,
          `> ${p.factor}×`,
          pairThreshold(p, slo.objective) >= 1 ? 'never (> 100 %)' : `> ${formatPercent(pairThreshold(p, slo.objective))}`,
          formatPercent(budgetConsumedAtFiring(p, periodMinutes)),
          p.forMinutes > 0 ? formatWindow(p.forMinutes) : '—',
        ]),
      ),
    );
    lines.push('', '  time to alert for a steady error ratio:');
    const rows = detectionTable(slo);
    const severities = (['page', 'ticket'] as const).filter((s) => slo.policy.pairs.some((p) => p.severity === s));
    lines.push(
      ...table(
        ['error ratio', 'burn', ...severities],
        rows.map((r) => [
          `${formatPercent(r.errorRatio)} (${r.label})`,
          `${Number(r.burnRate.toPrecision(4))}×`,
          ...severities.map((s) => cell(r.bySeverity.find((d) => d.severity === s))),
        ]),
      ),
    );
    lines.push('', `  ${summary(slo)}`);
  }
  if (slo.policy.noData) {
    const nd = slo.policy.noData;
    lines.push(`  No data: a ${nd.severity} after ${formatWindow(nd.windowMinutes + nd.forMinutes)} without SLI data (no data is not good data).`);
  }
  return lines.join('\n');
}
