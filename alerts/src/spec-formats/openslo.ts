/**
 * OpenSLO v1 import: SLO (inline indicator or indicatorRef), SLI, AlertPolicy and
 * AlertCondition objects, resolved by name across all files read together.
 *
 * Mapping:
 * - ratioMetric with metricSource type `Lookout` (bad: lookout_request_errors_total,
 *   total: lookout_requests_total, same filters) → availability SLI;
 *   thresholdMetric on lookout_request_duration_seconds with objective
 *   `op: lte, value: 0.3` → latency SLI (requests ≤ 300 ms are good).
 * - ratioMetric with metricSource type `Prometheus`: each query is either a counter
 *   selector (wrapped as sum(rate(SEL[window]))) or PromQL with `{{.window}}`.
 * - AlertCondition kind burnrate: threshold = factor, lookbackWindow = long window,
 *   alertAfter = `for`. Extension for the two-window pair: the short window comes
 *   from the condition's annotation `lookout.dev/short-window` (default: a twelfth
 *   of the long window, as in the Workbook). Severity 'page' or 'critical' pages;
 *   any other severity is a ticket. An AlertPolicy may hold several conditions.
 * - SLO annotations `lookout.dev/min-events`, `lookout.dev/runbook`,
 *   `lookout.dev/dashboard`, `lookout.dev/alert-name`.
 */
import { formatWindow, parseMinutes } from '../duration.ts';
import type { PolicyPairTemplate } from '../policy.ts';
import { DEFAULT_NO_DATA } from '../policy.ts';
import { REQUESTS_TOTAL, REQUEST_DURATION_SECONDS, REQUEST_ERRORS_TOTAL } from '../sli-series.ts';
import type { LabelMatcher, NoDataRule, SeverityClass, SliDefinition, SloDefinition, SloPeriod } from '../types.ts';
import { buildSlo } from './build-slo.ts';
import type { SloDraft } from './build-slo.ts';
import {
  percentToFraction,
  readAlertName,
  readFilters,
  readFractionObjective,
  readServiceName,
  readSloName,
  readUrl,
} from './fields.ts';
import type { YNode } from './yaml-reader.ts';

export const SHORT_WINDOW_ANNOTATION = 'lookout.dev/short-window';
export const MIN_EVENTS_ANNOTATION = 'lookout.dev/min-events';
export const RUNBOOK_ANNOTATION = 'lookout.dev/runbook';
export const DASHBOARD_ANNOTATION = 'lookout.dev/dashboard';
export const ALERT_NAME_ANNOTATION = 'lookout.dev/alert-name';

export const OPENSLO_KINDS = ['SLO', 'SLI', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget', 'Service', 'DataSource'] as const;

export interface OpenSloObject {
  kind: string;
  name: string;
  node: YNode;
}

const OBJECT_KEYS = ['apiVersion', 'kind', 'metadata', 'spec'] as const;
const METADATA_KEYS = ['name', 'displayName', 'labels', 'annotations'] as const;

/** Reads the envelope of one OpenSLO document; undefined when unusable. */
export function readOpenSloObject(root: YNode): OpenSloObject | undefined {
  if (!root.mustBeMap('an OpenSLO object has apiVersion, kind, metadata and spec')) return undefined;
  root.allowKeys(OBJECT_KEYS, 'an OpenSLO object');
  const apiVersion = root.get('apiVersion').string('write apiVersion: openslo/v1');
  if (apiVersion !== 'openslo/v1') {
    root.get('apiVersion').error(`unsupported OpenSLO version ${JSON.stringify(apiVersion)}`, 'Lookout reads openslo/v1: write apiVersion: openslo/v1');
    return undefined;
  }
  if (!root.require('kind', `add kind: one of ${OPENSLO_KINDS.join(', ')}`)) return undefined;
  const kind = root.get('kind').string('write e.g. kind: SLO');
  if (kind === undefined) return undefined;
  if (!(OPENSLO_KINDS as readonly string[]).includes(kind)) {
    root.get('kind').error(`unknown OpenSLO kind ${JSON.stringify(kind)}`, `use one of ${OPENSLO_KINDS.join(', ')}`);
    return undefined;
  }
  const name = readMetadataName(root.get('metadata'));
  if (name === undefined) return undefined;
  return { kind, name, node: root };
}

function readMetadataName(metadata: YNode): string | undefined {
  if (!metadata.exists) {
    metadata.error("missing required key 'metadata'", 'add metadata: { name: … }');
    return undefined;
  }
  if (!metadata.mustBeMap('write metadata: { name: … }')) return undefined;
  metadata.allowKeys(METADATA_KEYS, 'metadata');
  if (!metadata.require('name', 'add metadata.name')) return undefined;
  return metadata.get('name').string('write the name as text');
}

function annotation(object: YNode, key: string): YNode | undefined {
  const node = object.get('metadata').get('annotations').get(key);
  return node.exists ? node : undefined;
}

type Registry = Map<string, OpenSloObject>;
const registryKey = (kind: string, name: string) => `${kind}/${name}`;

export function buildRegistry(objects: readonly OpenSloObject[]): Registry {
  const registry: Registry = new Map();
  for (const o of objects) {
    const key = registryKey(o.kind, o.name);
    if (registry.has(key)) {
      const first = registry.get(key) as OpenSloObject;
      o.node.get('metadata').get('name').error(`a ${o.kind} named '${o.name}' is already defined at ${first.node.sink.file}:${first.node.line}`, 'give each object a unique metadata.name');
      continue;
    }
    registry.set(key, o);
  }
  return registry;
}

/** An inline object ({kind, metadata, spec}) or a reference to one by name. */
function resolve(node: YNode, refKey: string, kind: string, registry: Registry): YNode | undefined {
  if (node.has(refKey)) {
    const ref = node.get(refKey).string(`write ${refKey}: <name of the ${kind}>`);
    if (ref === undefined) return undefined;
    const found = registry.get(registryKey(kind, ref));
    if (!found) {
      const known = [...registry.values()].filter((o) => o.kind === kind).map((o) => o.name);
      node.get(refKey).error(`no ${kind} named '${ref}'`, known.length ? `use one of: ${known.join(', ')}` : `define a ${kind} with metadata.name: ${ref} in one of the files read`);
      return undefined;
    }
    return found.node;
  }
  return node;
}

const WINDOW_VAR = /\{\{\s*\.window\s*\}\}/;
const SELECTOR = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/;

/** A Prometheus metricSource query as PromQL over `{{.window}}`. */
function prometheusRateQuery(spec: YNode, wrap: (selector: string) => string): string | undefined {
  if (!spec.require('query', 'add query: a counter selector like http_requests_total{code=~"5.."}')) return undefined;
  const q = spec.get('query').string('write the query as text');
  if (q === undefined) return undefined;
  const query = q.trim();
  if (WINDOW_VAR.test(query)) return query;
  if (SELECTOR.test(query)) return wrap(query);
  spec.get('query').error('the query is neither a plain counter selector nor PromQL with {{.window}}', 'write a selector like http_requests_total{job="api"} or use {{.window}} as the range, e.g. sum(rate(http_requests_total[{{.window}}]))');
  return undefined;
}

type SourceRead =
  | { type: 'lookout'; metric: string; filters: LabelMatcher[]; filtersKey: string; node: YNode }
  | { type: 'prometheus'; spec: YNode; node: YNode };

const LOOKOUT_METRICS: Record<string, string> = {
  requests: REQUESTS_TOTAL,
  [REQUESTS_TOTAL]: REQUESTS_TOTAL,
  errors: REQUEST_ERRORS_TOTAL,
  [REQUEST_ERRORS_TOTAL]: REQUEST_ERRORS_TOTAL,
  duration: REQUEST_DURATION_SECONDS,
  [REQUEST_DURATION_SECONDS]: REQUEST_DURATION_SECONDS,
};

function readMetricSource(holder: YNode, what: string): SourceRead | undefined {
  const source = holder.get('metricSource');
  if (!holder.require('metricSource', `add ${what}.metricSource: { type: Lookout, spec: { metric, filters } }`)) return undefined;
  if (!source.mustBeMap('write metricSource: { type, spec }')) return undefined;
  source.allowKeys(['metricSourceRef', 'type', 'spec'], 'metricSource');
  const type = source.get('type').string('write type: Lookout or Prometheus');
  if (type === undefined) {
    if (!source.get('type').exists) source.error('metricSource needs a type', 'add type: Lookout (the request series) or type: Prometheus (a PromQL query)');
    return undefined;
  }
  const spec = source.get('spec');
  if (!spec.mustBeMap('write spec: { … } with the source fields')) return undefined;
  if (type.toLowerCase() === 'lookout') {
    spec.allowKeys(['metric', 'filters'], 'a Lookout metric source');
    if (!spec.require('metric', `add metric: ${REQUESTS_TOTAL}, ${REQUEST_ERRORS_TOTAL} or ${REQUEST_DURATION_SECONDS}`)) return undefined;
    const metricText = spec.get('metric').string('write the metric name');
    if (metricText === undefined) return undefined;
    const metric = LOOKOUT_METRICS[metricText];
    if (!metric) {
      spec.get('metric').error(`unknown Lookout metric ${JSON.stringify(metricText)}`, `use ${REQUESTS_TOTAL}, ${REQUEST_ERRORS_TOTAL} or ${REQUEST_DURATION_SECONDS}`);
      return undefined;
    }
    const filters = readFilters(spec.get('filters'));
    return { type: 'lookout', metric, filters, filtersKey: JSON.stringify(filters), node: source };
  }
  if (type.toLowerCase() === 'prometheus') {
    spec.allowKeys(['query'], 'a Prometheus metric source');
    return { type: 'prometheus', spec, node: source };
  }
  source.get('type').error(`metric source type ${JSON.stringify(type)} is not supported`, 'use type: Lookout (the request series) or type: Prometheus (PromQL)');
  return undefined;
}

interface ObjectiveRead {
  objective: number;
  op?: string;
  value?: number;
}

function readSli(indicator: YNode, objective: ObjectiveRead, objectiveNode: YNode): SliDefinition | undefined {
  if (!indicator.mustBeMap('write indicator: { metadata, spec: { ratioMetric | thresholdMetric } }')) return undefined;
  const spec = indicator.get('spec');
  if (!indicator.require('spec', 'add spec: { ratioMetric: … } or { thresholdMetric: … }') || !spec.mustBeMap('write spec: { ratioMetric: … }')) return undefined;
  spec.allowKeys(['description', 'ratioMetric', 'thresholdMetric'], 'an SLI spec');
  if (spec.has('ratioMetric')) {
    const ratio = spec.get('ratioMetric');
    if (!ratio.mustBeMap('write ratioMetric: { counter, bad | good, total }')) return undefined;
    ratio.allowKeys(['counter', 'good', 'bad', 'total', 'raw', 'rawType'], 'ratioMetric');
    if (ratio.get('counter').exists && ratio.get('counter').boolean('write counter: true') === false) {
      ratio.get('counter').error('Lookout needs counters (counter: true): burn rates come from increases over windows', 'use monotonically increasing counters and set counter: true');
      return undefined;
    }
    if (ratio.has('raw')) {
      const raw = readMetricSource(ratio.get('raw'), 'raw');
      const rawType = ratio.get('rawType').string('write rawType: failure or success');
      if (!raw || rawType === undefined) {
        if (!ratio.get('rawType').exists) ratio.error('raw needs rawType', 'add rawType: failure (the metric is an error ratio) or success');
        return undefined;
      }
      if (raw.type !== 'prometheus') {
        raw.node.error('a raw ratio needs a Prometheus query', 'use good/bad and total for Lookout sources');
        return undefined;
      }
      const q = prometheusRateQuery(raw.spec, (sel) => `avg_over_time(${sel}[{{.window}}])`);
      if (q === undefined) return undefined;
      if (rawType !== 'failure' && rawType !== 'success') {
        ratio.get('rawType').error(`rawType must be failure or success, found ${JSON.stringify(rawType)}`, 'write rawType: failure');
        return undefined;
      }
      return { kind: 'promql-ratio', errorRatioQuery: rawType === 'failure' ? q : `1 - (${q})` };
    }
    const hasGood = ratio.has('good');
    const hasBad = ratio.has('bad');
    if (hasGood === hasBad) {
      ratio.error(hasGood ? 'give either good or bad, not both' : 'ratioMetric needs bad (or good) and total', 'e.g. bad: lookout_request_errors_total and total: lookout_requests_total');
      return undefined;
    }
    if (!ratio.require('total', 'add total: { metricSource: … }')) return undefined;
    const numeratorKey = hasBad ? 'bad' : 'good';
    const numerator = readMetricSource(ratio.get(numeratorKey), numeratorKey);
    const total = readMetricSource(ratio.get('total'), 'total');
    if (!numerator || !total) return undefined;
    if (numerator.type === 'lookout' && total.type === 'lookout') {
      if (!hasBad || numerator.metric !== REQUEST_ERRORS_TOTAL || total.metric !== REQUESTS_TOTAL) {
        ratio.error(`a Lookout availability ratio is bad: ${REQUEST_ERRORS_TOTAL} over total: ${REQUESTS_TOTAL}`, `set bad.metricSource.spec.metric: ${REQUEST_ERRORS_TOTAL} and total.metricSource.spec.metric: ${REQUESTS_TOTAL}; for latency use thresholdMetric`);
        return undefined;
      }
      if (numerator.filtersKey !== total.filtersKey) {
        ratio.get('bad').error('bad and total must use the same filters', 'copy the filters of total to bad');
        return undefined;
      }
      return { kind: 'availability', matchers: total.filters };
    }
    if (numerator.type === 'prometheus' && total.type === 'prometheus') {
      const wrap = (sel: string) => `sum(rate(${sel}[{{.window}}]))`;
      const num = prometheusRateQuery(numerator.spec, wrap);
      const tot = prometheusRateQuery(total.spec, wrap);
      if (num === undefined || tot === undefined) return undefined;
      return { kind: 'promql-events', errorQuery: hasBad ? num : `(${tot}) - (${num})`, totalQuery: tot };
    }
    ratio.error('numerator and total use different source types', 'use Lookout for both, or Prometheus for both');
    return undefined;
  }
  if (spec.has('thresholdMetric')) {
    const threshold = spec.get('thresholdMetric');
    if (!threshold.mustBeMap('write thresholdMetric: { metricSource: … }')) return undefined;
    threshold.allowKeys(['metricSource'], 'thresholdMetric');
    const source = readMetricSource(threshold, 'thresholdMetric');
    if (!source) return undefined;
    if (source.type !== 'lookout' || source.metric !== REQUEST_DURATION_SECONDS) {
      source.node.error(`thresholdMetric is supported on the Lookout metric ${REQUEST_DURATION_SECONDS} (a latency SLI)`, 'for other metrics, use ratioMetric with bad and total counters');
      return undefined;
    }
    if (objective.op !== 'lte' || objective.value === undefined || !(objective.value > 0)) {
      objectiveNode.error('a latency objective needs op: lte and value: the threshold in seconds', 'e.g. op: lte, value: 0.3, target: 0.99 (99 % of requests within 300 ms)');
      return undefined;
    }
    return { kind: 'latency', thresholdSeconds: objective.value, matchers: source.filters };
  }
  spec.error('the SLI needs ratioMetric or thresholdMetric', 'add ratioMetric: { counter: true, bad: …, total: … }');
  return undefined;
}

function readTimeWindow(node: YNode): SloPeriod | undefined {
  if (!node.exists) return { kind: 'rolling', minutes: 30 * 1440 };
  if (!node.mustBeSeq('write timeWindow: [{ duration: 30d, isRolling: true }]')) return undefined;
  const items = node.items();
  if (items.length !== 1) {
    node.error(`timeWindow must have exactly one item, found ${items.length}`, 'keep one: - duration: 30d\n  isRolling: true');
    return undefined;
  }
  const w = items[0];
  if (!w.mustBeMap('write { duration: 30d, isRolling: true }')) return undefined;
  w.allowKeys(['duration', 'isRolling', 'calendar'], 'timeWindow');
  if (!w.require('duration', 'add duration: e.g. 30d or 1M')) return undefined;
  const duration = w.get('duration').string('write e.g. duration: 30d');
  if (duration === undefined) return undefined;
  const rolling = w.get('isRolling').exists ? w.get('isRolling').boolean('write isRolling: true') : !w.has('calendar');
  if (rolling === false || w.has('calendar')) {
    if (duration !== '1M') {
      w.get('duration').error(`calendar windows other than one month are not supported (found ${duration})`, 'use duration: 1M with calendar, or a rolling window like 30d');
      return undefined;
    }
    const tz = w.get('calendar').get('timeZone');
    if (tz.exists && !['UTC', 'Etc/UTC', 'GMT'].includes(String(tz.scalar()))) {
      tz.error('calendar months are evaluated in UTC', 'set timeZone: UTC');
      return undefined;
    }
    return { kind: 'calendar-month' };
  }
  const minutes = parseMinutes(duration);
  if (minutes === undefined || minutes % 1440 !== 0) {
    w.get('duration').error(`a rolling window must be whole days (found ${duration})`, 'e.g. duration: 30d or 4w');
    return undefined;
  }
  return { kind: 'rolling', minutes };
}

function readObjective(node: YNode): ObjectiveRead | undefined {
  if (!node.mustBeSeq('write objectives: [{ target: 0.999 }]')) return undefined;
  const items = node.items();
  if (items.length !== 1) {
    node.error(`Lookout evaluates one objective per SLO, found ${items.length}`, 'split the objectives into separate SLO objects');
    return undefined;
  }
  const o = items[0];
  if (!o.mustBeMap('write { target: 0.999 }')) return undefined;
  o.allowKeys(['displayName', 'op', 'value', 'target', 'targetPercent', 'timeSliceTarget', 'timeSliceWindow'], 'an objective');
  let objective: number | undefined;
  if (o.has('target') && o.has('targetPercent')) {
    o.get('targetPercent').error('give target or targetPercent, not both', 'keep one');
    return undefined;
  }
  if (o.has('target')) objective = readFractionObjective(o.get('target'));
  else if (o.has('targetPercent')) {
    const p = o.get('targetPercent').number('write e.g. targetPercent: 99.9');
    if (p !== undefined && p > 0 && p < 100) objective = percentToFraction(p);
    else if (p !== undefined) o.get('targetPercent').error(`targetPercent ${p} is outside (0, 100)`, 'e.g. targetPercent: 99.9');
  } else {
    o.error('the objective needs target or targetPercent', 'add target: 0.999 or targetPercent: 99.9');
  }
  if (objective === undefined) return undefined;
  const result: ObjectiveRead = { objective };
  if (o.has('op')) {
    const op = o.get('op').string('write op: lte');
    if (op !== undefined) result.op = op;
  }
  if (o.has('value')) {
    const value = o.get('value').number('write the threshold in seconds, e.g. value: 0.3');
    if (value !== undefined) result.value = value;
  }
  return result;
}

interface PolicyRead {
  pairs: PolicyPairTemplate[];
  noData: boolean;
  names: string[];
}

function severityClassOf(severity: string): SeverityClass {
  return ['page', 'critical'].includes(severity.toLowerCase()) ? 'page' : 'ticket';
}

function readCondition(node: YNode, registry: Registry): PolicyPairTemplate | undefined {
  const condition = resolve(node, 'conditionRef', 'AlertCondition', registry);
  if (!condition) return undefined;
  const spec = condition.get('spec');
  if (!condition.require('spec', 'add spec: { severity, condition: { kind: burnrate, threshold, lookbackWindow } }') || !spec.mustBeMap('write spec: { severity, condition }')) return undefined;
  spec.allowKeys(['description', 'severity', 'condition'], 'an AlertCondition spec');
  const ok = [spec.require('severity', 'add severity: page or ticket'), spec.require('condition', 'add condition: { kind: burnrate, threshold: 14.4, lookbackWindow: 1h }')].every(Boolean);
  if (!ok) return undefined;
  const severity = spec.get('severity').labelValue('write severity: page');
  const c = spec.get('condition');
  if (severity === undefined || !c.mustBeMap('write condition: { kind: burnrate, threshold, lookbackWindow, alertAfter }')) return undefined;
  c.allowKeys(['kind', 'op', 'threshold', 'lookbackWindow', 'alertAfter'], 'an alert condition');
  const kind = c.get('kind').exists ? c.get('kind').string('write kind: burnrate') : 'burnrate';
  if (kind !== 'burnrate') {
    c.get('kind').error(`alert condition kind ${JSON.stringify(kind)} is not supported`, 'use kind: burnrate');
    return undefined;
  }
  if (c.get('op').exists && c.get('op').scalar() !== 'gt') {
    c.get('op').error(`op ${JSON.stringify(c.get('op').scalar())} is not supported for burn rates`, 'use op: gt (fire when the burn rate is above the threshold)');
    return undefined;
  }
  const okFields = [c.require('threshold', 'add threshold: the burn-rate factor, e.g. 14.4'), c.require('lookbackWindow', 'add lookbackWindow: the long window, e.g. 1h')].every(Boolean);
  if (!okFields) return undefined;
  const factor = c.get('threshold').number('write e.g. threshold: 14.4');
  const long = parseMinutes(String(c.get('lookbackWindow').scalar() ?? ''));
  if (long === undefined) c.get('lookbackWindow').error(`lookbackWindow must be a duration like 1h, found ${c.get('lookbackWindow').describe()}`, 'e.g. lookbackWindow: 1h');
  let forMinutes = 0;
  if (c.get('alertAfter').exists) {
    const text = String(c.get('alertAfter').scalar() ?? '');
    const parsed = /^0[mhd]?$/.test(text) ? 0 : parseMinutes(text);
    if (parsed === undefined) {
      c.get('alertAfter').error(`alertAfter must be a duration like 0m or 5m, found ${c.get('alertAfter').describe()}`, 'e.g. alertAfter: 0m');
      return undefined;
    }
    forMinutes = parsed;
  }
  if (factor === undefined || long === undefined) return undefined;
  if (!(factor > 0)) {
    c.get('threshold').error(`threshold must be above 0, found ${factor}`, 'e.g. threshold: 14.4');
    return undefined;
  }
  let short = Math.max(1, Math.round(long / 12));
  const shortNode = annotation(condition, SHORT_WINDOW_ANNOTATION);
  if (shortNode) {
    const parsed = parseMinutes(String(shortNode.scalar() ?? ''));
    if (parsed === undefined || parsed >= long) {
      shortNode.error(`the short window must be a duration shorter than lookbackWindow (${formatWindow(long)}), found ${shortNode.describe()}`, `e.g. ${SHORT_WINDOW_ANNOTATION}: ${formatWindow(short)}`);
      return undefined;
    }
    short = parsed;
  }
  const severityClass = severityClassOf(severity);
  return { severity: severityClass, severityLabel: severity, longWindowMinutes: long, shortWindowMinutes: short, factor, forMinutes };
}

function readAlertPolicies(node: YNode, registry: Registry): PolicyRead | undefined {
  if (!node.mustBeSeq('write alertPolicies: [{ alertPolicyRef: … }]')) return undefined;
  const result: PolicyRead = { pairs: [], noData: false, names: [] };
  let ok = true;
  for (const item of node.items()) {
    const policy = resolve(item, 'alertPolicyRef', 'AlertPolicy', registry);
    if (!policy) {
      ok = false;
      continue;
    }
    const spec = policy.get('spec');
    if (!policy.require('spec', 'add spec: { conditions: […] }') || !spec.mustBeMap('write spec: { conditions }')) {
      ok = false;
      continue;
    }
    spec.allowKeys(['description', 'alertWhenNoData', 'alertWhenResolved', 'alertWhenBreaching', 'conditions', 'notificationTargets'], 'an AlertPolicy spec');
    const name = policy.get('metadata').get('name').scalar();
    if (typeof name === 'string') result.names.push(name);
    if (spec.get('alertWhenNoData').exists && spec.get('alertWhenNoData').boolean('write true or false')) result.noData = true;
    if (spec.get('alertWhenBreaching').exists && spec.get('alertWhenBreaching').boolean('write true or false') === false) continue;
    if (!spec.require('conditions', 'add conditions: [{ conditionRef: … }]') || !spec.get('conditions').mustBeSeq('write conditions as a list')) {
      ok = false;
      continue;
    }
    for (const c of spec.get('conditions').items()) {
      const pair = readCondition(c, registry);
      if (pair) result.pairs.push(pair);
      else ok = false;
    }
  }
  return ok ? result : undefined;
}

const SLO_SPEC_KEYS = ['description', 'service', 'indicator', 'indicatorRef', 'timeWindow', 'budgetingMethod', 'objectives', 'alertPolicies'] as const;

export function buildOpenSlo(object: OpenSloObject, registry: Registry): SloDefinition | undefined {
  const root = object.node;
  const spec = root.get('spec');
  if (!root.require('spec', 'add spec: { service, indicator, objectives }') || !spec.mustBeMap('write spec as a mapping')) return undefined;
  spec.allowKeys(SLO_SPEC_KEYS, 'an SLO spec');
  const name = readSloName(root.get('metadata').get('name'));
  const service = spec.require('service', 'add service: the service name') ? readServiceName(spec.get('service')) : undefined;
  const method = spec.get('budgetingMethod').exists ? spec.get('budgetingMethod').string('write budgetingMethod: Occurrences') : 'Occurrences';
  if (method !== undefined && method !== 'Occurrences') {
    spec.get('budgetingMethod').error(`budgeting method ${JSON.stringify(method)} is not supported`, 'use budgetingMethod: Occurrences (good events / all events)');
    return undefined;
  }
  const period = readTimeWindow(spec.get('timeWindow'));
  if (!spec.require('objectives', 'add objectives: [{ target: 0.999 }]')) return undefined;
  const objective = readObjective(spec.get('objectives'));
  let indicator: YNode | undefined;
  if (spec.has('indicator') && spec.has('indicatorRef')) {
    spec.get('indicatorRef').error('give indicator or indicatorRef, not both', 'keep one');
  } else if (spec.has('indicator')) {
    indicator = spec.get('indicator');
  } else if (spec.has('indicatorRef')) {
    const ref = spec.get('indicatorRef').string('write indicatorRef: <SLI name>');
    const found = ref !== undefined ? registry.get(registryKey('SLI', ref)) : undefined;
    if (ref !== undefined && !found) spec.get('indicatorRef').error(`no SLI named '${ref}'`, `define an SLI with metadata.name: ${ref} in one of the files read`);
    indicator = found?.node;
  } else {
    spec.error('the SLO needs indicator or indicatorRef', 'add indicator: { metadata, spec: { ratioMetric: … } }');
  }
  const sli = indicator && objective ? readSli(indicator, objective, spec.get('objectives')) : undefined;

  let policy: PolicyRead | undefined;
  if (spec.has('alertPolicies')) {
    policy = readAlertPolicies(spec.get('alertPolicies'), registry);
    if (!policy) return undefined;
  }
  let minEvents = 0;
  const minEventsNode = annotation(root, MIN_EVENTS_ANNOTATION);
  if (minEventsNode) {
    const v = Number(minEventsNode.scalar());
    if (!(Number.isInteger(v) && v >= 0)) {
      minEventsNode.error(`${MIN_EVENTS_ANNOTATION} must be a whole number ≥ 0, found ${minEventsNode.describe()}`, `e.g. ${MIN_EVENTS_ANNOTATION}: "20"`);
      return undefined;
    }
    minEvents = v;
  }
  const runbookNode = annotation(root, RUNBOOK_ANNOTATION);
  const dashboardNode = annotation(root, DASHBOARD_ANNOTATION);
  const alertNameNode = annotation(root, ALERT_NAME_ANNOTATION);
  const runbookUrl = runbookNode ? readUrl(runbookNode, 'https://runbooks.example.com/checkout') : undefined;
  const dashboardUrl = dashboardNode ? readUrl(dashboardNode, 'https://grafana.example.com/d/slo') : undefined;
  const alertName = alertNameNode ? readAlertName(alertNameNode) : undefined;
  const description = spec.get('description').exists ? spec.get('description').string('quote the description') : undefined;

  if (name === undefined || service === undefined || period === undefined || objective === undefined || sli === undefined) return undefined;
  let noData: NoDataRule | null | undefined;
  if (policy) noData = policy.noData ? { ...DEFAULT_NO_DATA } : null;
  const draft: SloDraft = {
    format: 'openslo',
    service,
    name,
    objective: objective.objective,
    period,
    sli,
    minEvents,
    ...(description !== undefined ? { description } : {}),
    ...(policy ? { pairs: policy.pairs, policyName: policy.names.join(',') || 'openslo' } : {}),
    ...(noData !== undefined ? { noData } : {}),
    ...(alertName ? { alertName } : {}),
    ...(runbookUrl ? { runbookUrl } : {}),
    ...(dashboardUrl ? { dashboardUrl } : {}),
  };
  return buildSlo(draft, { slo: root, objective: spec.get('objectives'), period: spec.get('timeWindow'), policy: spec.get('alertPolicies') });
}
