/**
 * Which request observations an SLI counts, for the collector's per-SLO buckets:
 * the service must match and every filter must hold (PromQL semantics: regexes are
 * anchored, a missing label is the empty string).
 */
import type { LabelMatcher, SloDefinition } from './types.ts';

const regexCache = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

export function matcherHolds(matcher: LabelMatcher, labels: Readonly<Record<string, string | undefined>>): boolean {
  const value = labels[matcher.label] ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return regex(matcher.value).test(value);
    case '!~':
      return !regex(matcher.value).test(value);
  }
}

/**
 * True when a request with these labels (service, route, method, status_class)
 * belongs to the SLO's SLI. PromQL SLIs are evaluated by Prometheus: always false.
 */
export function matchesSli(slo: SloDefinition, labels: Readonly<Record<string, string | undefined>>): boolean {
  if (slo.sli.kind !== 'availability' && slo.sli.kind !== 'latency') return false;
  if (labels.service !== slo.service) return false;
  return slo.sli.matchers.every((m) => matcherHolds(m, labels));
}
