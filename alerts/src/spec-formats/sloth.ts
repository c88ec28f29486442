/**
 * Sloth `prometheus/v1` import. Sloth SLIs are PromQL with `{{.window}}`; they are
 * kept as written (the exported rules use them, Lookout's own counters cannot
 * stand in for them). Sloth has no period field (its CLI defaults to 30 days) and
 * always uses the Workbook table; page_alert/ticket_alert labels and annotations
 * and `disable` map onto the two severities.
 */
import { readAlertName, readAnnotations, readLabels, readPercentObjective, readServiceName, readSloName } from './fields.ts';
import { buildSlo } from './build-slo.ts';
import type { SloDraft } from './build-slo.ts';
import { WORKBOOK_POLICY } from '../policy.ts';
import type { SeverityClass, SliDefinition, SloDefinition } from '../types.ts';
import type { YNode } from './yaml-reader.ts';

const TOP_KEYS = ['version', 'service', 'labels', 'slos'] as const;
const SLO_KEYS = ['name', 'objective', 'description', 'labels', 'sli', 'alerting'] as const;
const ALERTING_KEYS = ['name', 'labels', 'annotations', 'page_alert', 'ticket_alert'] as const;
const SEVERITY_ALERT_KEYS = ['disable', 'labels', 'annotations'] as const;
const WINDOW_VAR = /\{\{\s*\.window\s*\}\}/;

function readQuery(node: YNode, what: string): string | undefined {
  const q = node.string(`write the ${what} as PromQL text`);
  if (q === undefined) return undefined;
  if (!WINDOW_VAR.test(q)) {
    node.error(`the ${what} has no {{.window}}`, `use {{.window}} as the range, e.g. sum(rate(http_requests_total[{{.window}}]))`);
    return undefined;
  }
  return q;
}

function readSlothSli(node: YNode): SliDefinition | undefined {
  if (!node.mustBeMap('write sli: { events: { error_query, total_query } } or sli: { raw: { error_ratio_query } }')) return undefined;
  node.allowKeys(['events', 'raw', 'plugin'], 'a Sloth sli');
  if (node.has('plugin')) {
    node.get('plugin').error('Sloth SLI plugins are not supported', 'expand the plugin into sli.events with error_query and total_query');
    return undefined;
  }
  if (node.has('events')) {
    const events = node.get('events');
    if (!events.mustBeMap('write events: { error_query: …, total_query: … }')) return undefined;
    events.allowKeys(['error_query', 'total_query'], 'sli.events');
    const ok = [
      events.require('error_query', 'add error_query: the PromQL rate of bad events over [{{.window}}]'),
      events.require('total_query', 'add total_query: the PromQL rate of all events over [{{.window}}]'),
    ].every(Boolean);
    const errorQuery = events.get('error_query').exists ? readQuery(events.get('error_query'), 'error_query') : undefined;
    const totalQuery = events.get('total_query').exists ? readQuery(events.get('total_query'), 'total_query') : undefined;
    if (!ok || !errorQuery || !totalQuery) return undefined;
    return { kind: 'promql-events', errorQuery: errorQuery.trim(), totalQuery: totalQuery.trim() };
  }
  if (node.has('raw')) {
    const raw = node.get('raw');
    if (!raw.mustBeMap('write raw: { error_ratio_query: … }')) return undefined;
    raw.allowKeys(['error_ratio_query'], 'sli.raw');
    if (!raw.require('error_ratio_query', 'add error_ratio_query: PromQL giving the error ratio over [{{.window}}]')) return undefined;
    const q = readQuery(raw.get('error_ratio_query'), 'error_ratio_query');
    return q ? { kind: 'promql-ratio', errorRatioQuery: q.trim() } : undefined;
  }
  node.error('sli needs events or raw', 'add events: { error_query, total_query }');
  return undefined;
}

export function readSlothDocument(root: YNode): SloDefinition[] {
  root.allowKeys(TOP_KEYS, 'a Sloth prometheus/v1 spec');
  const service = root.require('service', 'add service: the service the SLOs belong to') ? readServiceName(root.get('service')) : undefined;
  const topLabels = readLabels(root.get('labels'));
  if (!root.require('slos', 'add slos: a list of SLOs')) return [];
  const list = root.get('slos');
  if (!list.mustBeSeq('write slos: as a list')) return [];
  const result: SloDefinition[] = [];
  for (const item of list.items()) {
    if (!item.mustBeMap('each SLO is a mapping with name, objective and sli')) continue;
    item.allowKeys(SLO_KEYS, 'a Sloth SLO');
    const ok = [
      item.require('name', 'add name: e.g. requests-availability'),
      item.require('objective', 'add objective: a percent, e.g. 99.9'),
      item.require('sli', 'add sli: { events: { error_query, total_query } }'),
    ].every(Boolean);
    const name = readSloName(item.get('name'));
    const objective = readPercentObjective(item.get('objective'));
    const sli = item.get('sli').exists ? readSlothSli(item.get('sli')) : undefined;
    const description = item.get('description').exists ? item.get('description').string('quote the description') : undefined;
    const labels = { ...topLabels, ...readLabels(item.get('labels')) };

    const alerting = item.get('alerting');
    let alertName: string | undefined;
    const annotations: Record<string, string> = {};
    const severityLabels: Partial<Record<SeverityClass, Record<string, string>>> = {};
    const severityAnnotations: Partial<Record<SeverityClass, Record<string, string>>> = {};
    const disabled = new Set<SeverityClass>();
    const severityLabelValue: Partial<Record<SeverityClass, string>> = {};
    if (alerting.exists && alerting.mustBeMap('write alerting: { name, labels, annotations, page_alert, ticket_alert }')) {
      alerting.allowKeys(ALERTING_KEYS, 'alerting');
      if (alerting.get('name').exists) alertName = readAlertName(alerting.get('name'));
      Object.assign(labels, readLabels(alerting.get('labels')));
      Object.assign(annotations, readAnnotations(alerting.get('annotations')));
      for (const [key, severity] of [['page_alert', 'page'], ['ticket_alert', 'ticket']] as const) {
        const node = alerting.get(key);
        if (!node.exists || !node.mustBeMap(`write ${key}: { labels, annotations, disable }`)) continue;
        node.allowKeys(SEVERITY_ALERT_KEYS, key);
        if (node.get('disable').exists && node.get('disable').boolean('write disable: true') === true) disabled.add(severity);
        // Sloth users set the severity label here (page → critical, ticket → warning).
        const own = readLabels(node.get('labels'), ['alertname', 'alertstate', 'slo', 'service', 'long_window', 'short_window', '__name__']);
        if (own.severity !== undefined) {
          severityLabelValue[severity] = own.severity;
          delete own.severity;
        }
        severityLabels[severity] = own;
        severityAnnotations[severity] = readAnnotations(node.get('annotations'));
      }
    }
    if (!ok || service === undefined || name === undefined || objective === undefined || sli === undefined) continue;
    const pairs = WORKBOOK_POLICY.filter((p) => !disabled.has(p.severity)).map((p) => ({
      ...p,
      severityLabel: severityLabelValue[p.severity] ?? p.severity,
    }));
    const draft: SloDraft = {
      format: 'sloth',
      service,
      name,
      objective,
      period: { kind: 'rolling', minutes: 30 * 1440 },
      sli,
      pairs,
      policyName: 'workbook',
      labels,
      annotations,
      severityLabels,
      severityAnnotations,
      ...(description !== undefined ? { description } : {}),
      ...(alertName ? { alertName } : {}),
    };
    const slo = buildSlo(draft, { slo: item, objective: item.get('objective') });
    if (slo) result.push(slo);
  }
  return result;
}
