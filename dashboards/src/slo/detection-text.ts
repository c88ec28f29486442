/**
 * The detection-time table of an SLO as Markdown for a text panel: for each steady
 * error ratio, how long until a page and a ticket ("a full outage pages after 52 s").
 * Computed with the same functions as `lookout slo explain`, so the dashboard and the
 * CLI never disagree.
 */
import {
  budgetConsumedAtFiring,
  detectionTable,
  factorPeriodMinutes,
  formatHumanMinutes,
  formatPercent,
  formatWindow,
  pairThreshold,
} from '@lookout/alerts';
import type { SeverityDetection, SloDefinition } from '@lookout/alerts';

function cell(detection: SeverityDetection | undefined): string {
  if (!detection) return '—';
  if (!detection.pair) return 'never';
  return `${formatHumanMinutes(detection.minutes)} (${formatWindow(detection.pair.longWindowMinutes)}/${formatWindow(detection.pair.shortWindowMinutes)})`;
}

/** "a full outage pages after 52 s" for the row's error ratio, or "… never alerts". */
export function firstAlertSentence(subject: string, detections: SeverityDetection[], plural = false): string {
  const hits = detections.filter((d) => d.pair).sort((a, b) => a.minutes - b.minutes);
  if (hits.length === 0) return `${subject} never ${plural ? 'alert' : 'alerts'}`;
  const first = hits[0]!;
  const verb = first.severity === 'page' ? (plural ? 'page' : 'pages') : plural ? 'open a ticket' : 'opens a ticket';
  return `${subject} ${verb} after ${formatHumanMinutes(first.minutes)}`;
}

export function detectionMarkdown(slo: SloDefinition): string {
  if (slo.policy.pairs.length === 0) return 'This SLO has no burn-rate pairs: it never alerts on its error budget.';
  const periodMinutes = factorPeriodMinutes(slo.period);
  const severities = (['page', 'ticket'] as const).filter((s) => slo.policy.pairs.some((p) => p.severity === s));
  const rows = detectionTable(slo);
  const lines = [
    `**${rows
      .slice(0, 3)
      .map((r) => {
        // 'full outage', '10 % errors' (plural), '20× burn'
        const plural = r.label.endsWith('errors');
        return firstAlertSentence(plural ? r.label : `a ${r.label}`, r.bySeverity, plural);
      })
      .join('; ')}.**`,
    '',
    '| pair | severity | burn rate above | error ratio above | budget spent when it fires |',
    '|---|---|---|---|---|',
    ...slo.policy.pairs.map(
      (p) =>
        `| ${formatWindow(p.longWindowMinutes)}/${formatWindow(p.shortWindowMinutes)} | ${p.severity} | ${p.factor}× | ${
          pairThreshold(p, slo.objective) >= 1 ? 'never (> 100 %)' : formatPercent(pairThreshold(p, slo.objective))
        } | ${formatPercent(budgetConsumedAtFiring(p, periodMinutes))} |`,
    ),
    '',
    `| steady error ratio | burn | ${severities.join(' | ')} |`,
    `|---|---|${severities.map(() => '---|').join('')}`,
    ...rows.map(
      (r) =>
        `| ${formatPercent(r.errorRatio)} (${r.label}) | ${Number(r.burnRate.toPrecision(4))}× | ${severities
          .map((s) => cell(r.bySeverity.find((d) => d.severity === s)))
          .join(' | ')} |`,
    ),
  ];
  if (slo.policy.noData) {
    const nd = slo.policy.noData;
    lines.push('', `No data for ${formatWindow(nd.windowMinutes + nd.forMinutes)} opens a ${nd.severity}: no data is not good data.`);
  }
  return lines.join('\n');
}
