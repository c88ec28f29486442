import { parseLatencySeconds, parseSpecText } from '@lookout/alerts';
import type { SloDefinition } from '@lookout/alerts';
import type { Attributes } from '@lookout/otlp';
import type { AutoSlosConfig } from './config.ts';

/**
 * Automatic SLOs (issue 15 item 7): every service the collector sees gets an
 * availability SLO and a latency SLO, written as a native spec (the same text
 * `lookout slo export-auto` prints and `lookout slo check` accepts) and parsed like any
 * spec file. Pure: settings from the config and the service's resource attributes,
 * the learned latency threshold from bucket counts, the spec text from both.
 */

/** Where a setting of an auto SLO came from. */
export type SettingOrigin = 'default' | 'config' | 'resource attribute' | 'learned';

export interface Setting<T> {
  value: T;
  from: SettingOrigin;
}

export interface AutoSettings {
  service: string;
  disabled: Setting<boolean>;
  objective: Setting<number>;
  latencyObjective: Setting<number>;
  /** a fixed threshold (config or attribute), rounded up to a bucket bound; undefined: learned */
  latencyThresholdSeconds?: Setting<number>;
  excludeRoutes: Setting<string[]>;
  /** routes of the config (services.<name>.routes): excluded, or with SLOs of their own */
  routes: RouteSettings[];
  /** bad `lookout.slo.*` attribute values, each ignored: what, and how to fix it */
  problems: string[];
}

export interface RouteSettings {
  route: string;
  exclude: boolean;
  objective: Setting<number>;
  latencyObjective: Setting<number>;
  /** its own threshold (config), rounded up to a bound; else the service's */
  latencyThresholdSeconds?: Setting<number>;
}

export const ATTRIBUTE_PREFIX = 'lookout.slo.';
export const AUTO_ATTRIBUTES = ['disabled', 'objective', 'latency_objective', 'latency_threshold', 'exclude_routes'] as const;

function percentAttribute(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim().replace(/%$/, '')) : Number.NaN;
  return Number.isFinite(n) && n > 0 && n < 100 ? n : undefined;
}

function secondsAttribute(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const seconds = parseLatencySeconds(value.trim());
  return seconds !== undefined && seconds > 0 ? seconds : undefined;
}

function validPattern(pattern: string): boolean {
  try {
    new RegExp(`^(?:${pattern})$`);
    return true;
  } catch {
    return false;
  }
}

/** The smallest bound at or above `seconds` (the largest bound when none is). */
export function roundUpToBound(seconds: number, bounds: readonly number[]): number {
  for (const bound of bounds) if (bound >= seconds) return bound;
  return bounds[bounds.length - 1] ?? seconds;
}

/**
 * The settings of one service's auto SLOs: the config's per-service entry wins over the
 * agent's `lookout.slo.*` resource attributes, which win over the defaults.
 */
export function autoSettings(service: string, attributes: Attributes, config: AutoSlosConfig, bounds: readonly number[]): AutoSettings {
  const own = config.services[service];
  const problems: string[] = [];
  const attr = (name: (typeof AUTO_ATTRIBUTES)[number]) => attributes[`${ATTRIBUTE_PREFIX}${name}`];
  const bad = (name: string, value: unknown, fix: string) =>
    problems.push(`service ${JSON.stringify(service)}: resource attribute ${ATTRIBUTE_PREFIX}${name}=${JSON.stringify(typeof value === 'bigint' ? String(value) : value)} is ignored: ${fix}`);

  let disabled: Setting<boolean> = { value: false, from: 'default' };
  const disabledAttr = attr('disabled');
  if (disabledAttr !== undefined) {
    if (disabledAttr === true || disabledAttr === 'true') disabled = { value: true, from: 'resource attribute' };
    else if (disabledAttr === false || disabledAttr === 'false') disabled = { value: false, from: 'resource attribute' };
    else bad('disabled', disabledAttr, 'write true or false');
  }
  if (own?.disabled !== undefined) disabled = { value: own.disabled, from: 'config' };

  const percent = (name: 'objective' | 'latency_objective', configured: number | undefined, fallback: number): Setting<number> => {
    if (configured !== undefined) return { value: configured, from: 'config' };
    const raw = attr(name);
    if (raw !== undefined) {
      const value = percentAttribute(raw);
      if (value !== undefined) return { value, from: 'resource attribute' };
      bad(name, raw, 'write a percent between 0 and 100, e.g. 99.9');
    }
    return { value: fallback, from: 'default' };
  };
  const objective = percent('objective', own?.objective, config.objective);
  const latencyObjective = percent('latency_objective', own?.latencyObjective, config.latencyObjective);

  let latencyThresholdSeconds: Setting<number> | undefined;
  if (own?.latencyThreshold !== undefined) latencyThresholdSeconds = { value: roundUpToBound(own.latencyThreshold / 1000, bounds), from: 'config' };
  else {
    const raw = attr('latency_threshold');
    const seconds = raw === undefined ? undefined : secondsAttribute(raw);
    if (raw !== undefined && seconds === undefined) bad('latency_threshold', raw, 'write a duration such as 300ms or 0.3s');
    if (seconds !== undefined) latencyThresholdSeconds = { value: roundUpToBound(seconds, bounds), from: 'resource attribute' };
    else if (config.latencyThreshold !== undefined) latencyThresholdSeconds = { value: roundUpToBound(config.latencyThreshold / 1000, bounds), from: 'config' };
  }

  let excludeRoutes: Setting<string[]> = { value: config.excludeRoutes, from: 'default' };
  const excludeAttr = attr('exclude_routes');
  if (excludeAttr !== undefined) {
    const patterns = typeof excludeAttr === 'string' ? excludeAttr.split(',').map((p) => p.trim()).filter((p) => p !== '') : undefined;
    if (patterns && patterns.every(validPattern)) excludeRoutes = { value: patterns, from: 'resource attribute' };
    else bad('exclude_routes', excludeAttr, 'write comma-separated regular expressions of route templates, e.g. .*/stream.*,/api/poll');
  }
  if (own?.excludeRoutes !== undefined) excludeRoutes = { value: own.excludeRoutes, from: 'config' };

  const routes: RouteSettings[] = Object.entries(own?.routes ?? {}).map(([route, r]) => ({
    route,
    exclude: r.exclude ?? false,
    objective: r.objective !== undefined ? { value: r.objective, from: 'config' } : objective,
    latencyObjective: r.latencyObjective !== undefined ? { value: r.latencyObjective, from: 'config' } : latencyObjective,
    ...(r.latencyThreshold !== undefined ? { latencyThresholdSeconds: { value: roundUpToBound(r.latencyThreshold / 1000, bounds), from: 'config' as const } } : {}),
  }));

  return {
    service,
    disabled,
    objective,
    latencyObjective,
    ...(latencyThresholdSeconds ? { latencyThresholdSeconds } : {}),
    excludeRoutes,
    routes,
    problems,
  };
}

/** A route template as a regex matching exactly it (RE2 and JS alike). */
export function exactRoutePattern(route: string): string {
  return route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The route patterns the service-wide SLOs leave out: the patterns, and every route configured on its own. */
export function serviceExclusions(settings: AutoSettings): string[] {
  return [...settings.excludeRoutes.value, ...settings.routes.map((r) => exactRoutePattern(r.route))];
}

/** SLO name of a route's own SLO: `shop` + `/api/checkout` → `shop-api-checkout-availability`. */
export function autoRouteSloName(service: string, route: string, kind: 'availability' | 'latency'): string {
  const slug = route.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-_.]+|[-_.]+$/g, '').slice(0, 60) || 'root';
  return autoSloName(`${service}-${slug}`, kind);
}

/** A valid SLO name from a service name: `checkout` → `checkout-availability`. */
export function autoSloName(service: string, kind: 'availability' | 'latency'): string {
  const base = service.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-_.]+|[-_.]+$/g, '').slice(0, 100) || 'service';
  return `${base}-${kind}`;
}

/** A route regex matching any of the patterns (PromQL: anchored at both ends). */
export function excludePattern(patterns: readonly string[]): string | undefined {
  return patterns.length === 0 ? undefined : patterns.length === 1 ? patterns[0] : patterns.map((p) => `(?:${p})`).join('|');
}

export type ThresholdLearning =
  | { learned: true; seconds: number; requests: number }
  | { learned: false; requests: number };

/**
 * The latency threshold read from a service's own distribution: the smallest bucket
 * bound at or under which `objectivePercent` of its requests fell (compared in integers,
 * so 99 % of 10,000 is exactly 9,900). `counts` are per bucket, the last one +Inf; a
 * distribution whose share only the +Inf bucket reaches gets the largest finite bound.
 */
export function learnThreshold(counts: ArrayLike<number>, bounds: readonly number[], objectivePercent: number, minRequests: number): ThresholdLearning {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total < minRequests || total === 0 || bounds.length === 0) return { learned: false, requests: total };
  // objective in parts per million, exact for up to four decimals of a percent
  const ppm = Math.round(objectivePercent * 10_000);
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += counts[i] ?? 0;
    if (cumulative * 1_000_000 >= ppm * total) return { learned: true, seconds: bounds[i]!, requests: total };
  }
  return { learned: true, seconds: bounds[bounds.length - 1]!, requests: total };
}

function msText(seconds: number): string {
  return `${Number((seconds * 1000).toPrecision(12))}ms`;
}

function percentText(percent: number): string {
  return String(Number(percent.toPrecision(10)));
}

export interface AutoSpecInput {
  settings: AutoSettings;
  /** the latency threshold in use; undefined while it is being learned */
  latency?: Setting<number>;
  /** ms since the epoch the threshold is learned by (only while learning) */
  learnUntilMs?: number;
  config: Pick<AutoSlosConfig, 'period' | 'policy'>;
}

/**
 * The native spec of one service's auto SLOs, with comments saying where each value
 * came from. The latency SLO is left out (a comment says why) while it is learning.
 */
export function autoSpecYaml(input: AutoSpecInput): string {
  const { settings, latency, config } = input;
  const q = (text: string) => JSON.stringify(text);
  const lines: string[] = [];
  lines.push(`# Automatic SLOs of ${q(settings.service)} (slos.auto); review, then commit and list under slos.files.`);
  lines.push(`service: ${q(settings.service)}`);
  lines.push(`period: ${config.period}`);
  const exclude = excludePattern(serviceExclusions(settings));
  if (exclude !== undefined) {
    const own = settings.routes.length > 0 ? '; routes configured on their own' : '';
    lines.push(`# long-poll, streaming and websocket routes left out (excludeRoutes: ${settings.excludeRoutes.from}${own})`);
    lines.push(`filters: { route: ${q(`!~${exclude}`)} }`);
  }
  lines.push('labels: { origin: auto }');
  if (config.policy) {
    lines.push('policy:');
    for (const pair of config.policy) lines.push(`  - { severity: ${pair.severity}, long: ${pair.long}, short: ${pair.short}, factor: ${pair.factor} }`);
  }
  lines.push('slos:');
  lines.push(`  - name: ${q(autoSloName(settings.service, 'availability'))}`);
  lines.push(`    description: ${q(`requests of ${settings.service} that are not errors (5xx, span error)`)}`);
  lines.push(`    objective: ${percentText(settings.objective.value)}   # ${settings.objective.from}`);
  lines.push('    sli: availability');
  if (latency) {
    lines.push(`  - name: ${q(autoSloName(settings.service, 'latency'))}`);
    lines.push(`    description: ${q(`requests of ${settings.service} answered within ${msText(latency.value)}`)}`);
    lines.push(`    objective: ${percentText(settings.latencyObjective.value)}   # ${settings.latencyObjective.from}`);
    lines.push(`    sli: { latency: ${msText(latency.value)} }   # threshold: ${latency.from}`);
  } else {
    const until = input.learnUntilMs !== undefined ? ` until ${new Date(input.learnUntilMs).toISOString()}` : '';
    lines.push(`  # ${autoSloName(settings.service, 'latency')}: its threshold is being learned from the service's first requests${until}`);
  }
  for (const r of settings.routes) {
    if (r.exclude) continue;
    const filter = `    filters: { route: ${q(r.route)} }`;
    lines.push(`  - name: ${q(autoRouteSloName(settings.service, r.route, 'availability'))}`);
    lines.push(`    description: ${q(`requests of ${settings.service} ${r.route} that are not errors (5xx, span error)`)}`);
    lines.push(`    objective: ${percentText(r.objective.value)}   # ${r.objective.from}`);
    lines.push('    sli: availability');
    lines.push(filter);
    const threshold = r.latencyThresholdSeconds ?? latency;
    if (!threshold) continue;
    lines.push(`  - name: ${q(autoRouteSloName(settings.service, r.route, 'latency'))}`);
    lines.push(`    description: ${q(`requests of ${settings.service} ${r.route} answered within ${msText(threshold.value)}`)}`);
    lines.push(`    objective: ${percentText(r.latencyObjective.value)}   # ${r.latencyObjective.from}`);
    lines.push(`    sli: { latency: ${msText(threshold.value)} }   # threshold: ${threshold.from}`);
    lines.push(filter);
  }
  return `${lines.join('\n')}\n`;
}

/** The SLOs of an auto spec (throws when the text is not a valid spec: a bug, or a bad slos.auto). */
export function autoSlos(yaml: string, service: string): SloDefinition[] {
  return parseSpecText(yaml, `<slos.auto: ${service}>`);
}
