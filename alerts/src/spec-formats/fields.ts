/**
 * Readers for the fields the spec formats share: objectives, periods, windows,
 * names, labels, filters and policies. Each reports a precise issue and returns
 * undefined when the value is unusable.
 */
import { RESERVED_ALERT_LABELS } from '../alert-labels.ts';
import { formatWindow, parseMinutes } from '../duration.ts';
import { DEFAULT_NO_DATA } from '../policy.ts';
import type { PolicyPairTemplate } from '../policy.ts';
import { REQUEST_LABELS } from '../sli-series.ts';
import type { BudgetExhaustionRule, LabelMatcher, NoDataRule, SeverityClass, SloPeriod } from '../types.ts';
import type { YNode } from './yaml-reader.ts';

/** 99.9 → 0.999 without binary noise (99.9 / 100 is 0.9990000000000001). */
export function percentToFraction(percent: number): number {
  return Number((percent / 100).toPrecision(15));
}

/**
 * An objective written as a percent: 99.9 or '99.9%'. A number ≤ 1 is refused
 * rather than guessed: 0.999 may mean 99.9 % or 0.999 %.
 */
export function readPercentObjective(node: YNode): number | undefined {
  if (!node.exists) return undefined;
  const v = node.scalar();
  let percent: number | undefined;
  if (typeof v === 'number') {
    if (v > 0 && v <= 1) {
      node.error(`${v} looks like a fraction`, `write the objective as a percent, e.g. ${Number((v * 100).toPrecision(12))} or '${Number((v * 100).toPrecision(12))}%'`);
      return undefined;
    }
    percent = v;
  } else if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v)) {
    percent = Number(v.replace('%', '').trim());
  } else {
    node.error(`expected a percent like 99.9 or '99.9%', found ${node.describe()}`, `write e.g. objective: 99.9`);
    return undefined;
  }
  if (!(percent > 0 && percent < 100)) {
    node.error(`objective ${percent} % is outside (0, 100)`, 'an objective is below 100 %: e.g. 99.9 leaves an error budget of 0.1 %');
    return undefined;
  }
  return percentToFraction(percent);
}

/** A fraction objective (OpenSLO `target`) in [0, 1). */
export function readFractionObjective(node: YNode): number | undefined {
  const v = node.number('write the target as a fraction, e.g. 0.999');
  if (v === undefined) return undefined;
  if (!(v > 0 && v < 1)) {
    node.error(`target ${v} is outside (0, 1)`, v >= 1 && v < 100 ? `use targetPercent: ${v} or target: ${percentToFraction(v)}` : 'e.g. target: 0.999');
    return undefined;
  }
  return Number(v.toPrecision(15));
}

export function readWindow(node: YNode, what: string, allowZero = false): number | undefined {
  if (!node.exists) return undefined;
  const v = node.scalar();
  if (allowZero && (v === 0 || v === '0' || v === '0m' || v === '0s')) return 0;
  const minutes = typeof v === 'string' ? parseMinutes(v) : undefined;
  if (minutes === undefined) {
    node.error(`${what} must be a whole number of minutes like 5m, 1h, 6h, 1d or 3d; found ${node.describe()}`, `write e.g. ${what === 'short window' ? '5m' : '1h'}`);
  }
  return minutes;
}

const CALENDAR_MONTH = new Set(['calendar-month', 'calendar month', 'month', '1M']);

export function readPeriod(node: YNode): SloPeriod | undefined {
  if (!node.exists) return { kind: 'rolling', minutes: 30 * 1440 };
  const v = node.scalar();
  if (typeof v === 'string' && CALENDAR_MONTH.has(v.trim())) return { kind: 'calendar-month' };
  const minutes = typeof v === 'string' ? parseMinutes(v) : undefined;
  if (minutes === undefined || minutes % 1440 !== 0 || minutes > 366 * 1440) {
    node.error(`period must be whole days up to 366d (7d, 28d, 30d, 90d) or calendar-month; found ${node.describe()}`, 'write e.g. period: 30d');
    return undefined;
  }
  return { kind: 'rolling', minutes };
}

const SLO_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?$/;

export function readSloName(node: YNode): string | undefined {
  const name = node.string("give the SLO a name like 'checkout-availability'");
  if (name === undefined) return undefined;
  if (!SLO_NAME.test(name)) {
    node.error(`name ${JSON.stringify(name)} must be 1–128 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`, `e.g. ${JSON.stringify(name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-_.]+|[-_.]+$/g, '') || 'checkout-availability')}`);
    return undefined;
  }
  return name;
}

export function readServiceName(node: YNode): string | undefined {
  const service = node.string("name the service as its spans report it (OTel service.name), e.g. 'checkout'");
  if (service === undefined) return undefined;
  if (service.trim() === '' || /[\n\r]/.test(service) || service.length > 128) {
    node.error('service must be a non-empty single line of at most 128 characters', "e.g. service: checkout");
    return undefined;
  }
  return service;
}

/** `tenant:` of a native spec: a tenant name of receivers.otlp.auth.tenants, or `*` for every tenant. */
export function readTenant(node: YNode): string | undefined {
  const tenant = node.string("name the tenant whose traffic it counts, e.g. tenant: payments, or tenant: '*' for every tenant");
  if (tenant === undefined) return undefined;
  if (tenant !== '*' && !/^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) {
    node.error(`tenant '${tenant}' is not a tenant name (1-64 letters, digits, dot, dash or underscore)`, "e.g. tenant: payments, or tenant: '*' for every tenant");
    return undefined;
  }
  return tenant;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const ALERT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function readAlertName(node: YNode): string | undefined {
  const name = node.string('e.g. alertName: CheckoutErrorBudgetBurn');
  if (name === undefined) return undefined;
  if (!ALERT_NAME.test(name)) {
    node.error(`alert name ${JSON.stringify(name)} is not a valid Prometheus alert name`, `use letters, digits and '_', e.g. ${JSON.stringify(name.replace(/[^a-zA-Z0-9_]+/g, '') || 'SLOErrorBudgetBurn')}`);
    return undefined;
  }
  return name;
}

/** Extra alert labels: valid Prometheus names, none of the labels Lookout sets. */
export function readLabels(node: YNode, reserved: readonly string[] = RESERVED_ALERT_LABELS): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!node.exists) return labels;
  if (!node.mustBeMap('write labels as a mapping, e.g. labels: { team: payments }')) return labels;
  for (const [name, value] of node.entries()) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      value.error(`'${name}' is not a valid Prometheus label name`, `use letters, digits and '_' not starting with '__', e.g. '${name.replace(/[^a-zA-Z0-9_]+/g, '_').replace(/^_+/, '') || 'team'}'`);
      continue;
    }
    if (reserved.includes(name)) {
      value.error(`label '${name}' is set by Lookout`, `remove it, or use another name (reserved: ${reserved.filter((r) => r !== '__name__').join(', ')})`);
      continue;
    }
    const v = value.labelValue(`quote the value, e.g. ${name}: "value"`);
    if (v !== undefined) labels[name] = v;
  }
  return labels;
}

export function readAnnotations(node: YNode): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (!node.exists) return annotations;
  if (!node.mustBeMap('write annotations as a mapping, e.g. annotations: { team_channel: "#payments" }')) return annotations;
  for (const [name, value] of node.entries()) {
    if (!LABEL_NAME.test(name)) {
      value.error(`'${name}' is not a valid annotation name`, `use letters, digits and '_', e.g. '${name.replace(/[^a-zA-Z0-9_]+/g, '_')}'`);
      continue;
    }
    const v = value.labelValue('quote the value');
    if (v !== undefined) annotations[name] = v;
  }
  return annotations;
}

/** Labels a native filter may match on: the request series' labels except service. */
export const FILTER_LABELS = REQUEST_LABELS.filter((l) => l !== 'service');

/**
 * Filters: `route: /api/checkout` (equal), `route: "~/api/.*"` (regex),
 * `method: "!OPTIONS"` (not equal), `route: "!~/health.*"` (regex not matching).
 */
export function readFilters(node: YNode, allowedLabels: readonly string[] = FILTER_LABELS): LabelMatcher[] {
  const matchers: LabelMatcher[] = [];
  if (!node.exists) return matchers;
  if (!node.mustBeMap('write filters as a mapping, e.g. filters: { route: /api/checkout }')) return matchers;
  for (const [label, value] of node.entries()) {
    if (!allowedLabels.includes(label)) {
      value.error(`cannot filter on '${label}'`, label === 'service' ? "the SLO's service is set by 'service:'; remove it here" : `filter on one of: ${allowedLabels.join(', ')}`);
      continue;
    }
    const text = value.labelValue('quote the value, e.g. route: "/api/checkout"');
    if (text === undefined) continue;
    let op: LabelMatcher['op'] = '=';
    let v = text;
    if (text.startsWith('!~')) [op, v] = ['!~', text.slice(2)];
    else if (text.startsWith('~')) [op, v] = ['=~', text.slice(1)];
    else if (text.startsWith('!')) [op, v] = ['!=', text.slice(1)];
    if (op === '=~' || op === '!~') {
      try {
        new RegExp(`^(?:${v})$`);
      } catch (e) {
        value.error(`invalid regular expression ${JSON.stringify(v)}: ${(e as Error).message}`, 'fix the pattern (it is anchored at both ends, as in PromQL)');
        continue;
      }
    }
    matchers.push({ label, op, value: v });
  }
  return matchers;
}

export function readMinEvents(node: YNode): number | undefined {
  const v = node.number('write a whole number of events, e.g. minEvents: 20');
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0) {
    node.error(`minEvents must be a whole number ≥ 0, found ${v}`, 'e.g. minEvents: 20 (0 turns the guard off)');
    return undefined;
  }
  return v;
}

function readSeverity(node: YNode): SeverityClass | undefined {
  const v = node.string("write 'page' or 'ticket'");
  if (v === undefined) return undefined;
  if (v !== 'page' && v !== 'ticket') {
    node.error(`severity must be 'page' or 'ticket', found ${JSON.stringify(v)}`, "page wakes someone up; ticket waits for working hours");
    return undefined;
  }
  return v;
}

/** A budget share: '2%' or a fraction like 0.02. */
function readBudgetShare(node: YNode): number | undefined {
  const v = node.scalar();
  if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v)) {
    const share = percentToFraction(Number(v.replace('%', '').trim()));
    if (share > 0 && share <= 1) return share;
  } else if (typeof v === 'number' && v > 0 && v <= 1) {
    return v;
  }
  node.error(`budgetConsumed must be a share of the budget like '2%' or 0.02, found ${node.describe()}`, "e.g. budgetConsumed: '2%'");
  return undefined;
}

const PAIR_KEYS = ['severity', 'long', 'short', 'factor', 'budgetConsumed', 'for'] as const;

/** `policy: workbook` (default) or a list of pairs. */
export function readPolicyPairs(node: YNode): readonly PolicyPairTemplate[] | undefined | null {
  if (!node.exists) return undefined;
  const v = node.scalar();
  if (v === 'workbook') return undefined;
  if (!node.isSeq()) {
    node.error(`policy must be 'workbook' or a list of pairs, found ${node.describe()}`, "e.g. policy: [{ severity: page, long: 1h, short: 5m, factor: 14.4 }]");
    return null;
  }
  const pairs: PolicyPairTemplate[] = [];
  let ok = true;
  for (const item of node.items()) {
    if (!item.mustBeMap('write each pair as { severity, long, short, factor | budgetConsumed }')) {
      ok = false;
      continue;
    }
    item.allowKeys(PAIR_KEYS, 'a policy pair');
    const severity = item.require('severity', "add severity: page or ticket") ? readSeverity(item.get('severity')) : undefined;
    const long = item.require('long', 'add the long window, e.g. long: 1h') ? readWindow(item.get('long'), 'long window') : undefined;
    const short = item.require('short', 'add the short window, e.g. short: 5m') ? readWindow(item.get('short'), 'short window') : undefined;
    const hasFactor = item.has('factor');
    const hasShare = item.has('budgetConsumed');
    let factor: number | undefined;
    let budgetConsumed: number | undefined;
    if (hasFactor && hasShare) {
      item.get('budgetConsumed').error('give either factor or budgetConsumed, not both', 'keep factor for a fixed burn rate, budgetConsumed to have it recomputed for the period');
      ok = false;
    } else if (hasFactor) {
      factor = item.get('factor').number('e.g. factor: 14.4');
      if (factor !== undefined && !(factor > 0)) {
        item.get('factor').error(`factor must be above 0, found ${factor}`, 'e.g. factor: 14.4');
        factor = undefined;
      }
      if (factor === undefined) ok = false;
    } else if (hasShare) {
      budgetConsumed = readBudgetShare(item.get('budgetConsumed'));
      if (budgetConsumed === undefined) ok = false;
    } else {
      item.error('a pair needs factor or budgetConsumed', "add factor: 14.4 or budgetConsumed: '2%'");
      ok = false;
    }
    const forMinutes = item.has('for') ? readWindow(item.get('for'), 'for', true) : 0;
    if (severity === undefined || long === undefined || short === undefined || forMinutes === undefined) {
      ok = false;
      continue;
    }
    if (short >= long) {
      item.get('short').error(`the short window (${short} min) must be shorter than the long one (${long} min)`, 'the Workbook uses a twelfth: 1h/5m, 6h/30m, 1d/2h, 3d/6h');
      ok = false;
      continue;
    }
    const pair: PolicyPairTemplate = { severity, longWindowMinutes: long, shortWindowMinutes: short, forMinutes };
    if (factor !== undefined) pair.factor = factor;
    if (budgetConsumed !== undefined) pair.budgetConsumed = budgetConsumed;
    pairs.push(pair);
  }
  return ok ? pairs : null;
}

const EXHAUSTION_KEYS = ['within', 'severity', 'for'] as const;

/**
 * `budgetExhaustion: { within: 1d, severity: ticket, for: 10m }`, or a list of them:
 * alert while the budget runs out within `within` at the current burn rate.
 */
export function readBudgetExhaustion(node: YNode): BudgetExhaustionRule[] | undefined {
  if (!node.exists) return [];
  const items = node.isSeq() ? node.items() : [node];
  const rules: BudgetExhaustionRule[] = [];
  let ok = true;
  for (const item of items) {
    if (!item.mustBeMap('write budgetExhaustion: { within: 1d, severity: ticket }, or a list of them')) {
      ok = false;
      continue;
    }
    item.allowKeys(EXHAUSTION_KEYS, 'budgetExhaustion');
    const within = item.require('within', 'add the horizon, e.g. within: 1d') ? readWindow(item.get('within'), 'within') : undefined;
    const severity = item.has('severity') ? readSeverity(item.get('severity')) : 'ticket';
    const forMinutes = item.has('for') ? readWindow(item.get('for'), 'for', true) : 0;
    if (within === undefined || severity === undefined || forMinutes === undefined) {
      ok = false;
      continue;
    }
    if (rules.some((r) => r.withinMinutes === within && r.severity === severity)) {
      item.get('within').error(`a ${severity} within ${formatWindow(within)} is already listed`, 'give each budget-exhaustion alert its own horizon or severity');
      ok = false;
      continue;
    }
    rules.push({ withinMinutes: within, severity, severityLabel: severity, forMinutes });
  }
  return ok ? rules : undefined;
}

const NO_DATA_KEYS = ['window', 'for', 'severity'] as const;

/** `noData: false` turns it off; a mapping overrides { window: 10m, for: 5m, severity: ticket }. */
export function readNoData(node: YNode): NoDataRule | null | undefined {
  if (!node.exists) return undefined;
  const v = node.scalar();
  if (v === false || v === 'off') return null;
  if (!node.mustBeMap("write noData: false, or noData: { window: 10m, for: 5m, severity: ticket }")) return undefined;
  node.allowKeys(NO_DATA_KEYS, 'noData');
  const rule: NoDataRule = { ...DEFAULT_NO_DATA };
  if (node.has('window')) {
    const w = readWindow(node.get('window'), 'no-data window');
    if (w === undefined) return undefined;
    rule.windowMinutes = w;
  }
  if (node.has('for')) {
    const f = readWindow(node.get('for'), 'for', true);
    if (f === undefined) return undefined;
    rule.forMinutes = f;
  }
  if (node.has('severity')) {
    const s = readSeverity(node.get('severity'));
    if (s === undefined) return undefined;
    rule.severity = s;
    rule.severityLabel = s;
  }
  return rule;
}

export function readUrl(node: YNode, example: string): string | undefined {
  const v = node.string(`e.g. ${example}`);
  if (v === undefined) return undefined;
  if (!/^(https?:\/\/|\/)\S+$/.test(v)) {
    node.error(`${JSON.stringify(v)} is not a URL`, `write an absolute URL or a path, e.g. ${example}`);
    return undefined;
  }
  return v;
}
