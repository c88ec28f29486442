/**
 * One dashboard per SLO, generated from its spec: where it stands now, the budget over
 * time, each burn-rate pair against its threshold, the detection-time table, and
 * links to the runbook, the service's logs and the SLO overview.
 */
import type { SloDefinition } from '@lookout/alerts';
import { formatPercent } from '@lookout/alerts';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { SLO_TAG, baseDashboard, dashboardLink, externalLink, layoutDashboard, prometheusVariable, sloDashboardsLink, textPanel } from './presets.ts';
import type { Section } from './presets.ts';
import { budgetRow } from './slo/budget-row.ts';
import { burnRow } from './slo/burn-row.ts';
import { detectionMarkdown } from './slo/detection-text.ts';
import { statusRow } from './slo/status-row.ts';
import { sloSource } from './slo-queries.ts';
import { DASHBOARD_UIDS, sloDashboardUid } from './uids.ts';

function aboutMarkdown(slo: SloDefinition): string {
  const lines = [
    `**${slo.service} / ${slo.name}**: ${slo.description || 'no description'} — objective ${formatPercent(slo.objective, 6)}.`,
    '',
    `Spec: \`${slo.source.file}:${slo.source.line}\` (${slo.source.format}).`,
  ];
  if (sloSource(slo) === 'rules') {
    lines.push(
      '',
      'This SLI is PromQL, which only Prometheus can evaluate: the panels read the series recorded by the rules of `lookout slo rules` — load them into Prometheus.',
    );
  }
  if (slo.runbookUrl) lines.push('', `Runbook: [${slo.runbookUrl}](${slo.runbookUrl})`);
  lines.push('', `Logs of ${slo.service}: [Logs dashboard](/d/${DASHBOARD_UIDS.logs}?var-service=${encodeURIComponent(slo.service)})`);
  return lines.join('\n');
}

export function sloDashboard(slo: SloDefinition): dashboard.Dashboard {
  const builder = baseDashboard(
    `SLO: ${slo.service} / ${slo.name}`,
    sloDashboardUid(slo),
    `${slo.description || slo.name}; generated from ${slo.source.file}. Edit the spec, not this dashboard.`,
    [SLO_TAG, `service:${slo.service}`],
  )
    .withVariable(prometheusVariable())
    .link(dashboardLink('SLO overview', DASHBOARD_UIDS.sloOverview))
    .link(dashboardLink(`${slo.service} overview`, DASHBOARD_UIDS.serviceOverview, `?var-service=${encodeURIComponent(slo.service)}`))
    .link(dashboardLink(`${slo.service} logs`, DASHBOARD_UIDS.logs, `?var-service=${encodeURIComponent(slo.service)}`))
    .link(sloDashboardsLink());
  if (slo.runbookUrl) builder.link(externalLink('Runbook', slo.runbookUrl));

  const sections: Section[] = [
    statusRow(slo),
    budgetRow(slo),
    burnRow(slo),
    {
      title: 'What pages and when',
      panels: [
        textPanel({
          title: 'Detection times',
          description: 'How long a steady error ratio takes to page or open a ticket under this SLO’s policy (from a clean start).',
          markdown: detectionMarkdown(slo),
          width: 16,
          height: 12,
        }),
        textPanel({
          title: 'About this SLO',
          description: 'Where the spec lives, the runbook and the service’s logs.',
          markdown: aboutMarkdown(slo),
          width: 8,
          height: 12,
        }),
      ],
    },
  ];
  return layoutDashboard(builder, sections);
}
