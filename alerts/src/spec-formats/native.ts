/**
 * Lookout's native SLO format: one SLO per document, or a service with a list.
 *
 *   service: checkout
 *   slos:
 *     - name: checkout-availability
 *       objective: 99.9%
 *       sli: availability
 *       filters: { route: /api/checkout }
 *     - name: checkout-latency
 *       objective: 99%
 *       sli: { latency: 300ms }
 *
 * `tenant: payments` (top level) makes them count only the traffic sent with that
 * tenant's token; `tenant: '*'` every tenant's.
 *
 * Keys shared by every SLO of the list (period, policy, filters, labels…) may be
 * given once at the top; an SLO's own value wins.
 */
import { parseLatencySeconds } from '../duration.ts';
import type { LabelMatcher, SliDefinition, SloDefinition } from '../types.ts';
import { buildSlo } from './build-slo.ts';
import type { SloDraft } from './build-slo.ts';
import {
  readAlertName,
  readAnnotations,
  readFilters,
  readLabels,
  readMinEvents,
  readNoData,
  readBudgetExhaustion,
  readPercentObjective,
  readPeriod,
  readPolicyPairs,
  readServiceName,
  readSloName,
  readTenant,
  readUrl,
} from './fields.ts';
import type { YNode } from './yaml-reader.ts';

const SHARED_KEYS = ['period', 'filters', 'policy', 'minEvents', 'noData', 'budgetExhaustion', 'labels', 'annotations', 'runbook', 'dashboard'] as const;
const SLO_KEYS = ['name', 'description', 'objective', 'sli', 'alertName', ...SHARED_KEYS] as const;
const LIST_KEYS = ['service', 'tenant', 'slos', ...SHARED_KEYS] as const;
const SINGLE_KEYS = ['service', 'tenant', ...SLO_KEYS] as const;

/** An SLO's own key, else the list's shared one. */
function pick(slo: YNode, shared: YNode | undefined, key: string): YNode {
  const own = slo.get(key);
  return own.node !== undefined || !shared ? own : shared.get(key);
}

function readSli(node: YNode, filters: LabelMatcher[]): SliDefinition | undefined {
  const example = 'write sli: availability, or sli: { latency: 300ms }';
  const v = node.scalar();
  if (v === 'availability') return { kind: 'availability', matchers: filters };
  if (v === 'latency') {
    node.error('a latency SLI needs its threshold', 'write sli: { latency: 300ms }: requests at or under 300 ms are good');
    return undefined;
  }
  if (!node.isMap()) {
    node.error(`expected 'availability' or a latency threshold, found ${node.describe()}`, example);
    return undefined;
  }
  node.allowKeys(['availability', 'latency'], 'sli');
  const keys = node.keys();
  if (keys.length !== 1) {
    node.error(`sli must name exactly one kind, found ${keys.length === 0 ? 'none' : keys.join(' and ')}`, example);
    return undefined;
  }
  if (keys[0] === 'availability') return { kind: 'availability', matchers: filters };
  if (keys[0] !== 'latency') return undefined;
  let thresholdNode = node.get('latency');
  if (thresholdNode.isMap()) {
    thresholdNode.allowKeys(['threshold'], 'sli.latency');
    if (!thresholdNode.require('threshold', 'add threshold: 300ms')) return undefined;
    thresholdNode = thresholdNode.get('threshold');
  }
  const text = thresholdNode.scalar();
  const seconds = typeof text === 'string' ? parseLatencySeconds(text) : undefined;
  if (seconds === undefined) {
    thresholdNode.error(
      `latency threshold must be a duration in ms or s, found ${thresholdNode.describe()}`,
      typeof text === 'number' ? `add the unit: ${text}ms or ${text}s` : 'e.g. latency: 300ms',
    );
    return undefined;
  }
  return { kind: 'latency', thresholdSeconds: seconds, matchers: filters };
}

function readOne(slo: YNode, service: string | undefined, shared: YNode | undefined, tenant: string | undefined): SloDefinition | undefined {
  const requiredOk = [
    slo.require('name', "add name: e.g. name: checkout-availability"),
    slo.require('objective', 'add objective: e.g. objective: 99.9'),
    slo.require('sli', 'add sli: availability, or sli: { latency: 300ms }'),
  ].every(Boolean);
  const name = readSloName(slo.get('name'));
  const objective = readPercentObjective(slo.get('objective'));
  const periodNode = pick(slo, shared, 'period');
  const period = readPeriod(periodNode);
  const filters = readFilters(pick(slo, shared, 'filters'));
  const sli = slo.get('sli').exists ? readSli(slo.get('sli'), filters) : undefined;
  const policyNode = pick(slo, shared, 'policy');
  const pairs = readPolicyPairs(policyNode);
  const minEventsNode = pick(slo, shared, 'minEvents');
  const minEvents = minEventsNode.exists ? readMinEvents(minEventsNode) : 0;
  const noData = readNoData(pick(slo, shared, 'noData'));
  const budgetExhaustion = readBudgetExhaustion(pick(slo, shared, 'budgetExhaustion'));
  const alertName = slo.get('alertName').exists ? readAlertName(slo.get('alertName')) : undefined;
  const labels = { ...(shared ? readLabels(shared.get('labels')) : {}), ...readLabels(slo.get('labels')) };
  const annotations = { ...(shared ? readAnnotations(shared.get('annotations')) : {}), ...readAnnotations(slo.get('annotations')) };
  const runbookNode = pick(slo, shared, 'runbook');
  const runbookUrl = runbookNode.exists ? readUrl(runbookNode, 'https://runbooks.example.com/checkout') : undefined;
  const dashboardNode = pick(slo, shared, 'dashboard');
  const dashboardUrl = dashboardNode.exists ? readUrl(dashboardNode, 'https://grafana.example.com/d/slo') : undefined;
  const description = slo.get('description').exists ? slo.get('description').string('quote the description') : undefined;

  if (
    !requiredOk ||
    service === undefined ||
    name === undefined ||
    objective === undefined ||
    period === undefined ||
    sli === undefined ||
    pairs === null ||
    budgetExhaustion === undefined ||
    minEvents === undefined
  ) {
    return undefined;
  }
  const draft: SloDraft = {
    format: 'native',
    service,
    name,
    objective,
    period,
    sli,
    minEvents,
    labels,
    annotations,
    ...(description !== undefined ? { description } : {}),
    ...(pairs ? { pairs } : {}),
    ...(noData !== undefined ? { noData } : {}),
    ...(budgetExhaustion.length > 0 ? { budgetExhaustion } : {}),
    ...(alertName ? { alertName } : {}),
    ...(runbookUrl ? { runbookUrl } : {}),
    ...(dashboardUrl ? { dashboardUrl } : {}),
    ...(tenant ? { tenant } : {}),
  };
  return buildSlo(draft, { slo, objective: slo.get('objective'), period: periodNode, policy: policyNode, minEvents: minEventsNode });
}

/** Reads one native document (single SLO or service + slos list). */
export function readNativeDocument(root: YNode): SloDefinition[] {
  if (!root.mustBeMap('a Lookout SLO document is a mapping with service, name, objective and sli')) return [];
  const isList = root.has('slos');
  root.allowKeys(isList ? LIST_KEYS : SINGLE_KEYS, isList ? 'an SLO list' : 'an SLO');
  const service = root.require('service', 'add service: the service name its spans report, e.g. service: checkout')
    ? readServiceName(root.get('service'))
    : undefined;
  // Issue 12: the tenant whose traffic the SLOs count, once for the document.
  const tenant = root.get('tenant').exists ? readTenant(root.get('tenant')) : undefined;
  if (root.get('tenant').exists && tenant === undefined) return [];
  if (!isList) {
    const slo = readOne(root, service, undefined, tenant);
    return slo ? [slo] : [];
  }
  const list = root.get('slos');
  if (!list.mustBeSeq('write slos: as a list, each item starting with "- name:"')) return [];
  const result: SloDefinition[] = [];
  for (const item of list.items()) {
    if (!item.mustBeMap('each SLO is a mapping with name, objective and sli')) continue;
    item.allowKeys(SLO_KEYS, 'an SLO');
    const slo = readOne(item, service, root, tenant);
    if (slo) result.push(slo);
  }
  return result;
}
