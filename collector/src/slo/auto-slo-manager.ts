import { formatWindow } from '@lookout/alerts';
import type { SloDefinition } from '@lookout/alerts';
import type { Attributes } from '@lookout/otlp';
import type { Logger } from '../core/logger.ts';
import { autoRouteSloName, autoSettings, autoSloName, autoSlos, autoSpecYaml, learnThreshold, serviceExclusions, type AutoSettings, type Setting } from './auto-slos.ts';
import type { AutoSlosConfig } from './config.ts';

/** What auto SLOs learned, kept across restarts: per service, first seen (ms) and the learned threshold (s). */
export interface AutoSloMemory {
  firstSeenMs: Record<string, number>;
  thresholdSeconds: Record<string, number>;
}

/** A memory read from a file, or undefined when it is not one (what, to log). */
export function readAutoSloMemory(value: unknown): AutoSloMemory | string {
  const isRecordOf = (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => typeof n === 'number' && Number.isFinite(n) && n > 0);
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const { firstSeenMs, thresholdSeconds } = value as Record<string, unknown>;
  if (!isRecordOf(firstSeenMs) || !isRecordOf(thresholdSeconds)) return 'firstSeenMs and thresholdSeconds must map service names to positive numbers';
  return { firstSeenMs: { ...(firstSeenMs as Record<string, number>) }, thresholdSeconds: { ...(thresholdSeconds as Record<string, number>) } };
}

/** services seen without requests remembered at most (the oldest is forgotten) */
const WAITING_MAX = 10_000;

/** What /api/v1/slos shows of an auto SLO's origin. */
export interface AutoOrigin {
  kind: 'auto';
  /** a route's own SLO (slos.auto.services.<name>.routes) */
  route?: string;
  /** where the objective came from: default, config, resource attribute */
  objective: string;
  /** latency SLO: where the threshold came from (learned, config, resource attribute) */
  threshold?: string;
  /** latency SLO still learning its threshold: until when at the earliest */
  learningUntil?: string;
  excludedRoutes: string[];
  excludedRoutesFrom: string;
}

export interface AutoSloRegistration {
  slo: SloDefinition;
  origin: AutoOrigin;
  /** the latency SLO while its threshold is learned: shown, not evaluated */
  learning?: string;
}

export interface AutoSloManagerOptions {
  config: AutoSlosConfig;
  /** histogram bounds of the request series (seconds, ascending) */
  bounds: readonly number[];
  /** services with SLOs from spec files: they get no auto SLOs */
  specServices: ReadonlySet<string>;
  /** SLO and SLI names already taken (spec files, sli.definitions) */
  takenNames: ReadonlySet<string>;
  /** whether the request series counts requests of the service: a service without requests gets no SLOs (yet) */
  hasRequests(service: string): boolean;
  /** per-bucket latency counts of the service's requests so far, routes accepted by `keep` only */
  latencyCounts(service: string, keep: (route: string) => boolean): ArrayLike<number>;
  /** what an earlier run learned (kept in the data dir): services' first sighting and learned thresholds */
  memory?: AutoSloMemory;
  /** called with everything learned so far whenever it grows (to be kept for the next run) */
  onLearned?: (memory: AutoSloMemory) => void;
  /** adds or replaces an SLO in the runtime (and its SLI in the request pipeline) */
  register(registration: AutoSloRegistration): void;
  logger?: Logger;
}

interface AutoService {
  settings: AutoSettings;
  firstSeenMs: number;
  latency?: Setting<number>;
  /** the route filter of its SLIs */
  keep: (route: string) => boolean;
  nextLearnCheckMs: number;
}

/**
 * Discovers services (fed every resource by ServiceSightings), gives each its auto SLOs
 * and learns latency thresholds when their time comes (`tick`, every evaluation cycle).
 * The clock is the caller's: every call passes the time.
 */
export class AutoSloManager {
  private readonly services = new Map<string, AutoService>();
  private readonly skipped = new Set<string>();
  /** services seen without requests yet, with their first resource's attributes (bounded) */
  private readonly waiting = new Map<string, Attributes>();
  private readonly options: AutoSloManagerOptions;

  constructor(options: AutoSloManagerOptions) {
    this.options = options;
  }

  /**
   * A resource of `service` arrived: gives a new service its SLOs (once), as soon as it
   * has requests — a service that only logs or only sends metrics (a cron job, the host
   * agent itself) has nothing to measure and would only raise SLODataMissing.
   */
  see(service: string, attributes: Attributes, nowMs: number): void {
    if (this.services.has(service) || this.skipped.has(service)) return;
    if (!this.options.hasRequests(service)) {
      if (!this.waiting.has(service)) {
        if (this.waiting.size >= WAITING_MAX) this.waiting.delete(this.waiting.keys().next().value!);
        this.waiting.set(service, attributes);
      }
      return;
    }
    this.waiting.delete(service);
    this.adopt(service, attributes, nowMs);
  }

  private adopt(service: string, attributes: Attributes, nowMs: number): void {
    const { config, logger } = this.options;
    if (this.options.specServices.has(service)) return void this.skipped.add(service);
    const settings = autoSettings(service, attributes, config, this.options.bounds);
    for (const problem of settings.problems) logger?.warn({ service }, problem);
    if (settings.disabled.value) {
      this.skipped.add(service);
      logger?.info({ service }, `no auto SLOs for ${service}: disabled (${settings.disabled.from})`);
      return;
    }
    const names = this.names(settings);
    const clash = names.find((n) => this.options.takenNames.has(n) || [...this.services.values()].some((other) => this.names(other.settings).includes(n)));
    if (clash) {
      this.skipped.add(service);
      logger?.warn({ service }, `no auto SLOs for ${service}: the name ${clash} is already taken; give it SLOs in a spec file`);
      return;
    }
    if (this.services.size >= config.maxServices) {
      this.skipped.add(service);
      logger?.warn({ service }, `no auto SLOs for ${service}: slos.auto.maxServices (${config.maxServices}) services have them already`);
      return;
    }
    const patterns = serviceExclusions(settings).map((p) => new RegExp(`^(?:${p})$`));
    const memory = this.options.memory;
    // an earlier run's sighting and learned threshold go on (learning is not restarted)
    const firstSeenMs = Math.min(nowMs, memory?.firstSeenMs[service] ?? nowMs);
    const remembered = memory?.thresholdSeconds[service];
    const latency: Setting<number> | undefined =
      settings.latencyThresholdSeconds ?? (remembered !== undefined && this.options.bounds.includes(remembered) ? { value: remembered, from: 'learned' } : undefined);
    const entry: AutoService = {
      settings,
      firstSeenMs,
      keep: (route) => !patterns.some((re) => re.test(route)),
      nextLearnCheckMs: firstSeenMs + config.learnFor,
      ...(latency ? { latency } : {}),
    };
    this.services.set(service, entry);
    this.registerAll(entry);
    if (memory?.firstSeenMs[service] === undefined) this.remember();
  }

  /** Learns the thresholds whose learning time is over (at most one check a minute per service). */
  tick(nowMs: number): void {
    const { config } = this.options;
    // services that had no requests when last seen, and have some now
    for (const [service, attributes] of this.waiting) {
      if (!this.options.hasRequests(service)) continue;
      this.waiting.delete(service);
      if (!this.services.has(service) && !this.skipped.has(service)) this.adopt(service, attributes, nowMs);
    }
    for (const entry of this.services.values()) {
      if (entry.latency || nowMs < entry.nextLearnCheckMs) continue;
      entry.nextLearnCheckMs = nowMs + 60_000;
      const counts = this.options.latencyCounts(entry.settings.service, entry.keep);
      const learned = learnThreshold(counts, this.options.bounds, entry.settings.latencyObjective.value, config.learnMinRequests);
      if (!learned.learned) continue;
      entry.latency = { value: learned.seconds, from: 'learned' };
      this.remember();
      this.options.logger?.info(
        { service: entry.settings.service, threshold: learned.seconds, requests: learned.requests },
        `auto SLO ${autoSloName(entry.settings.service, 'latency')}: threshold ${learned.seconds}s learned from ${learned.requests} requests`,
      );
      this.registerAll(entry, true);
    }
  }

  /** Every SLO name the service's auto SLOs may take. */
  private names(settings: AutoSettings): string[] {
    const { service } = settings;
    return [
      autoSloName(service, 'availability'),
      autoSloName(service, 'latency'),
      ...settings.routes.flatMap((r) => (r.exclude ? [] : [autoRouteSloName(service, r.route, 'availability'), autoRouteSloName(service, r.route, 'latency')])),
    ];
  }

  /** Everything learned so far (an earlier run's included). */
  memory(): AutoSloMemory {
    const memory: AutoSloMemory = {
      firstSeenMs: { ...(this.options.memory?.firstSeenMs ?? {}) },
      thresholdSeconds: { ...(this.options.memory?.thresholdSeconds ?? {}) },
    };
    for (const [service, entry] of this.services) {
      memory.firstSeenMs[service] = entry.firstSeenMs;
      if (entry.latency?.from === 'learned') memory.thresholdSeconds[service] = entry.latency.value;
    }
    return memory;
  }

  private remember(): void {
    this.options.onLearned?.(this.memory());
  }

  private spec(entry: AutoService): string {
    return autoSpecYaml({
      settings: entry.settings,
      ...(entry.latency ? { latency: entry.latency } : { learnUntilMs: entry.firstSeenMs + this.options.config.learnFor }),
      config: this.options.config,
    });
  }

  private registerAll(entry: AutoService, latencyOnly = false): void {
    const { settings } = entry;
    const slos = autoSlos(this.spec(entry), settings.service);
    const base = {
      kind: 'auto' as const,
      excludedRoutes: serviceExclusions(settings),
      excludedRoutesFrom: settings.excludeRoutes.from,
    };
    const serviceLatency = autoSloName(settings.service, 'latency');
    for (const slo of slos) {
      const latency = slo.sli.kind === 'latency';
      if (latencyOnly && !latency) continue;
      const route = settings.routes.find((r) => slo.name === autoRouteSloName(settings.service, r.route, latency ? 'latency' : 'availability'));
      if (route) {
        // a route's own SLOs (services.<name>.routes)
        const threshold = route.latencyThresholdSeconds ?? entry.latency;
        if (latencyOnly && route.latencyThresholdSeconds) continue; // its own threshold: registered already
        this.options.register({
          slo,
          origin: {
            kind: 'auto',
            route: route.route,
            objective: (latency ? route.latencyObjective : route.objective).from,
            ...(latency && threshold ? { threshold: threshold.from } : {}),
            excludedRoutes: [],
            excludedRoutesFrom: 'config',
          },
        });
        continue;
      }
      this.options.register({
        slo,
        origin: { ...base, objective: (latency ? settings.latencyObjective : settings.objective).from, ...(latency && entry.latency ? { threshold: entry.latency.from } : {}) },
      });
    }
    if (entry.latency || slos.some((s) => s.name === serviceLatency)) return;
    // Still learning: shown with the SLO it will be (a placeholder threshold), not evaluated.
    const until = entry.firstSeenMs + this.options.config.learnFor;
    const placeholder = autoSlos(
      autoSpecYaml({ settings, latency: { value: this.options.bounds[this.options.bounds.length - 1] ?? 1, from: 'default' }, config: this.options.config }),
      settings.service,
    ).find((s) => s.name === serviceLatency)!;
    this.options.register({
      slo: placeholder,
      origin: { ...base, objective: settings.latencyObjective.from, threshold: 'learning', learningUntil: new Date(until).toISOString() },
      learning: `learning its latency threshold from the service's first ${formatWindow(Math.round(this.options.config.learnFor / 60_000))} of requests (at least ${this.options.config.learnMinRequests}), until ${new Date(until).toISOString()} at the earliest`,
    });
  }

  /** Every auto SLO as native spec text, one document per service (`lookout slo export-auto`). */
  specYaml(): string {
    return [...this.services.values()].map((entry) => this.spec(entry)).join('---\n');
  }

  get serviceCount(): number {
    return this.services.size;
  }
}
