import {
  applyWhatIf,
  bucketArraySums,
  budgetRemainingText,
  detectionTable,
  errorBudget,
  policyWindows,
  sloAvailabilityReport,
  evaluateSlo,
  evaluationWindows,
  exhaustionText,
  formatWindow,
  lastCompleteMinute,
  nextAlertState,
  pairThreshold,
  resolvedAnnotations,
  windowHealth,
} from '@lookout/alerts';
import type { ActiveAlert, AlertNotification as SloGroupNotification, NoDataAlertOn, ServiceLiveness, SeverityClass, SloAlertState, SloDefinition, SloEvaluation, SloReport, WhatIf } from '@lookout/alerts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { SliMinute } from '../core/sli.ts';
import type { AlertNotification } from '../notify/types.ts';
import type { AlertStateRow, AlertStateStore } from '../store/alert-state-store.ts';
import { AlertStateCommitter, resolveWithoutRule } from './alert-state-commit.ts';
import { closeEpisode, expandLinkTemplate, openEpisode } from './notifications.ts';
import { SettledWindowIndex } from './settled-window-index.ts';
import type { AutoOrigin } from './auto-slo-manager.ts';
import type { SliAdaptation } from './sli-adapter.ts';
import { readSloRow, restoreSloState, sloStateIdentity, sloStateRows, sloUnit, type SloEpisodes } from './slo-state-rows.ts';


/** The part of the SLI store the runtime reads. */
export interface SliBucketSource {
  buckets(sliId: string, fromMinute: number, toMinute: number): SliMinute[];
}

/** Where sample errors for annotations come from (request pipeline, log ring). */
export interface ErrorSamples {
  /** `tenant`: the SLO's (issue 12); samples never come from another tenant's data */
  traceIds(service: string, limit: number, tenant?: string): string[];
  errorLines(service: string, limit: number, tenant?: string): string[];
}


export interface SloRuntimeOptions {
  adaptations: readonly SliAdaptation[];
  /** undefined: nothing can be evaluated (no SLI store) */
  store: SliBucketSource | undefined;
  clock: Clock;
  intervalMs: number;
  /** minutes the store's newest buckets may still change (late events) */
  lateDataMinutes: number;
  /** floor for every SLO's minEvents */
  minEvents?: number;
  /**
   * slos.auto: alert state of the last run that no SLO claims at the start is held this
   * long for an auto SLO to claim (its service sends again), then resolved and deleted.
   * undefined: resolved at the start.
   */
  adoptUnknownForMs?: number;
  /** called at the start of every evaluation cycle (auto SLOs learn their thresholds) */
  beforeCycle?: (nowMs: number) => void;
  /** the outbox: must persist the notification or throw */
  notify: (notification: AlertNotification) => void;
  /**
   * Where firing alerts and open episodes are kept across restarts; on the outbox's
   * connection, so a state change and its notification commit together. Without it
   * alert state lives in memory only.
   */
  stateStore?: AlertStateStore;
  samples?: ErrorSamples;
  /** when anything (spans, metrics, logs) last arrived from a service: tells an idle service from a gone one */
  lastSeen?: (service: string) => number | undefined;
  /** 'no-data' (default): SLODataMissing only when nothing arrives from the service */
  noDataAlertOn?: NoDataAlertOn;
  sampleTraceIds?: number;
  sampleErrorLines?: number;
  /** `{service}`/`{slo}` template for dashboard_url when a spec has none */
  dashboardUrl?: string;
  /** this Lookout's URL: generatorURL = <externalURL>/api/v1/slos */
  externalURL?: string;
  /**
   * Time a cycle may spend reading SLOs' history (their first evaluation reads the
   * whole period from the store, 43,200 rows for 30 days); SLOs left over are read in
   * slices right after, yielding to ingest in between. Default 50 ms.
   */
  historyBudgetMs?: number;
  logger?: Logger;
}

export interface SloStatus {
  service: string;
  name: string;
  /** the tenant whose traffic it counts, `*` for every tenant's; absent without tenants */
  tenant?: string;
  description: string;
  objective: number;
  period: string;
  sli: string;
  source: string;
  evaluable: boolean;
  /** false while its history is still being read from the SLI store after a start */
  historyLoaded?: boolean;
  /** why Lookout does not evaluate it (PromQL SLI) */
  reason?: string;
  evaluatedAt?: string;
  /** 'spec': from slos.files; 'auto': slos.auto made it for a service the collector saw (see `auto`) */
  origin?: 'spec' | 'auto';
  /** an auto SLO's origin: where its objective, threshold and route exclusions came from */
  auto?: AutoOrigin;
  /** `status`: alerts' windowHealth — no-data, no-traffic, ok (at most 1×), burning, all-failing */
  windows?: Array<{ window: string; good: number; total: number; errorRatio: number | null; burnRate: number | null; status: string }>;
  budget?: { remaining: number | null; window: string; good: number; total: number; coverage: number; text?: string };
  currentBurnRate?: number | null;
  timeToExhaustion?: string;
  /** when anything last arrived from the service (spans, metrics, logs); null: not since the start */
  serviceLastSeen?: string | null;
  alerts: Array<{
    labels: Record<string, string>;
    annotations: Record<string, string>;
    state: string;
    severity: SeverityClass;
    inhibited: boolean;
    activeAt: string;
    firedAt: string | null;
  }>;
}

/** GET /api/v1/slos/{name}?objective=&period=: the SLO's figures recomputed for another objective or period. */
export interface SloWhatIf {
  objective: number;
  period: string;
  errorBudget: number;
  evaluatedAt: string;
  windows: Array<{ window: string; good: number; total: number; errorRatio: number | null; burnRate: number | null; status: string }>;
  budget: { remaining: number | null; text: string; window: string; good: number; total: number; coverage: number };
  currentBurnRate: number | null;
  timeToExhaustion: string;
  pairs: Array<{ severity: string; longWindow: string; shortWindow: string; factor: number; errorRatioAbove: number; met: boolean }>;
  /** minutes until each severity alerts for a steady error ratio; null = never */
  detection: Array<{ label: string; errorRatio: number; burnRate: number; page?: number | null; ticket?: number | null }>;
}

export type SloDetail = { status: SloStatus; whatIf?: SloWhatIf } | { code: 400 | 404 | 409; error: string };

interface SloSlot {
  adaptation: SliAdaptation;
  slo: SloDefinition;
  /** `service/name`: its rows in the alert state store */
  unit: string;
  index?: SettledWindowIndex;
  state?: SloAlertState;
  evaluation?: SloEvaluation;
  episodes: SloEpisodes;
  origin?: AutoOrigin;
}

function periodText(slo: SloDefinition): string {
  return slo.period.kind === 'rolling' ? formatWindow(slo.period.minutes) : 'calendar-month';
}

function sliText(slo: SloDefinition): string {
  const sli = slo.sli;
  if (sli.kind === 'latency') return `latency <= ${sli.thresholdSeconds}s`;
  return sli.kind;
}


/**
 * The SLO runtime: every interval it reads each SLO's new minutes from the SLI
 * store, evaluates it (alerts' evaluateSlo), steps its alert state machine
 * (nextAlertState: labels, annotations, `for`, ticket inhibited while a page fires,
 * one notification per group episode) and puts each notification in the outbox,
 * enriched with sample trace ids and error log lines of the service.
 */
export class SloRuntime {
  private readonly options: SloRuntimeOptions;
  private readonly slots: SloSlot[];
  private timer: unknown;
  private historyTimer: unknown;
  private running = false;
  private restored = false;
  /** units of SLOs gone from the config whose resolve and deletion the store refused; retried each cycle */
  private readonly retiring = new Set<string>();
  private commits: AlertStateCommitter;
  /** alert state rows of the last run no SLO claimed yet (slos.auto finds its services again) */
  private readonly held = new Map<string, { rows: AlertStateRow[]; sinceMs: number }>();
  private storeFailing = false;
  /** figures of the last cycle, for self-metrics */
  lastCycle = { atMs: 0, durationMs: 0, evaluated: 0, failed: 0 };

  constructor(options: SloRuntimeOptions) {
    this.options = options;
    this.commits = new AlertStateCommitter({
      source: 'slo',
      store: options.stateStore,
      notify: options.notify,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const minEvents = options.minEvents ?? 0;
    this.slots = options.adaptations.map((adaptation) => {
      let slo = adaptation.slo;
      if (minEvents > slo.policy.minEvents) slo = { ...slo, policy: { ...slo.policy, minEvents } };
      return {
        adaptation,
        slo,
        unit: sloUnit(slo),
        ...(adaptation.evaluable && options.store ? { index: new SettledWindowIndex(slo, options.lateDataMinutes) } : {}),
        episodes: {},
      };
    });
  }

  /**
   * Adds an SLO while running (slos.auto), or replaces the one of the same name (an auto
   * latency SLO whose threshold was learned): a replaced SLO starts over from the SLI store.
   */
  upsertSlo(adaptation: SliAdaptation, origin?: AutoOrigin): void {
    let slo = adaptation.slo;
    const minEvents = this.options.minEvents ?? 0;
    if (minEvents > slo.policy.minEvents) slo = { ...slo, policy: { ...slo.policy, minEvents } };
    const slot: SloSlot = {
      adaptation,
      slo,
      unit: sloUnit(slo),
      ...(adaptation.evaluable && this.options.store ? { index: new SettledWindowIndex(slo, this.options.lateDataMinutes) } : {}),
      episodes: {},
      ...(origin ? { origin } : {}),
    };
    const held = this.held.get(slot.unit);
    if (held && slot.index) {
      // an auto SLO of the last run, found again: its alerts go on without firing twice
      this.held.delete(slot.unit);
      this.continueUnit(slot, held.rows);
    }
    const at = this.slots.findIndex((s) => s.slo.name === slo.name);
    if (at < 0) {
      this.slots.push(slot);
      return;
    }
    const before = this.slots[at]!;
    // alerts and open episodes of the same unit go on (nothing fires twice)
    if (before.unit === slot.unit) {
      if (before.state) slot.state = before.state;
      slot.episodes = before.episodes;
    }
    this.slots[at] = slot;
  }

  /** notifications the outbox refused, retried next cycle */
  get unsentCount(): number {
    return this.commits.unsentCount;
  }

  get notificationsEnqueued(): number {
    return this.commits.enqueued;
  }

  get notificationFailures(): number {
    return this.commits.failures;
  }

  get sloCount(): number {
    return this.slots.length;
  }

  /** Restores the alert state of the last run, evaluates once now, then every interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.restore(this.options.clock.now());
    const tick = () => {
      if (!this.running) return;
      this.evaluate(this.options.clock.now());
      this.timer = this.options.clock.setTimer(tick, this.options.intervalMs);
    };
    tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    if (this.historyTimer !== undefined) this.options.clock.clearTimer(this.historyTimer);
    this.timer = undefined;
    this.historyTimer = undefined;
  }

  /**
   * Stops and forgets the alert state and the history read (a cluster leader stepping
   * down, issue 14); the next start() restores both from the stores again.
   */
  reset(): void {
    this.stop();
    this.restored = false;
    this.retiring.clear();
    this.commits = new AlertStateCommitter({
      source: 'slo',
      store: this.options.stateStore,
      notify: this.options.notify,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    for (const slot of this.slots) {
      delete slot.state;
      delete slot.evaluation;
      slot.episodes = {};
      if (slot.index) slot.index = new SettledWindowIndex(slot.slo, this.options.lateDataMinutes);
    }
  }

  /** SLOs whose history has not been read yet (they are not evaluated until it is). */
  get historyPending(): number {
    return this.slots.filter((slot) => slot.index && slot.index.lastReadMinute === undefined).length;
  }

  /**
   * One evaluation cycle of every SLO at `nowMs`; returns the notifications enqueued.
   * `historyOnly`: only SLOs whose history is still to be read (the catch-up slices).
   */
  evaluate(nowMs: number, historyOnly = false): AlertNotification[] {
    const started = performance.now();
    const budget = this.options.historyBudgetMs ?? 50;
    this.restore(nowMs);
    if (!historyOnly) {
      this.options.beforeCycle?.(nowMs);
      this.retireUnclaimed(nowMs);
    }
    const sent: AlertNotification[] = [];
    for (const unit of this.retiring) {
      sent.push(...this.commits.commit(unit, '', () => [], []));
      if (!this.commits.writtenUnits().includes(unit)) this.retiring.delete(unit);
    }
    const endMinute = lastCompleteMinute(nowMs);
    let evaluated = 0;
    let failed = 0;
    let deferred = 0;
    let historyStarted: number | undefined;
    let historyRead = 0;
    for (const slot of this.slots) {
      if (!slot.index) continue;
      const fresh = slot.index.lastReadMinute === undefined;
      if (historyOnly && !fresh) continue;
      if (fresh) {
        historyStarted ??= performance.now();
        if (historyRead > 0 && performance.now() - historyStarted > budget) {
          deferred++;
          continue;
        }
        historyRead++;
      }
      let notifications: AlertNotification[] = [];
      try {
        notifications = this.evaluateSlot(slot, nowMs, endMinute);
        evaluated++;
      } catch (error) {
        failed++;
        this.failed(slot, error);
      }
      // also when the evaluation failed: notifications decided earlier are retried
      sent.push(...this.commit(slot, nowMs, notifications));
    }
    if (failed === 0 && this.storeFailing) {
      this.storeFailing = false;
      this.options.logger?.info({}, 'SLO evaluation works again');
    }
    if (!historyOnly) this.lastCycle = { atMs: nowMs, durationMs: performance.now() - started, evaluated, failed };
    if (deferred > 0 && this.running && this.historyTimer === undefined) {
      // The next slice of history after other work (ingest) had its turn.
      this.historyTimer = this.options.clock.setTimer(() => {
        this.historyTimer = undefined;
        if (this.running) this.evaluate(this.options.clock.now(), true);
      }, 0);
    }
    return sent;
  }

  private failed(slot: SloSlot, error: unknown): void {
    // One log line per failure spell, not one per SLO per cycle.
    if (this.storeFailing) return;
    this.storeFailing = true;
    this.options.logger?.error(
      { err: error, slo: `${slot.slo.service}/${slot.slo.name}` },
      'SLO evaluation failed (SLI store unreadable?); alerts keep their state and are evaluated again next cycle',
    );
  }

  private evaluateSlot(slot: SloSlot, nowMs: number, endMinute: number): AlertNotification[] {
    const { slo } = slot;
    const index = slot.index!;
    const store = this.options.store!;
    const from = index.readFrom(endMinute);
    const buckets = from <= endMinute ? store.buckets(slo.name, from, endMinute) : [];
    index.update(buckets, endMinute);
    const evaluation = evaluateSlo(slo, index.sums(endMinute), nowMs, this.liveness(slo.service));
    const step = nextAlertState(slot.state, evaluation, nowMs);
    slot.state = step.state;
    slot.evaluation = evaluation;
    return step.notifications.flatMap((group) => this.handleGroup(slot, group, evaluation));
  }

  /** When the service last sent anything, for telling idle from gone; undefined without sightings. */
  private liveness(service: string): ServiceLiveness | undefined {
    const lastSeen = this.options.lastSeen;
    return lastSeen ? { lastSeenMs: lastSeen(service), alertOn: this.options.noDataAlertOn ?? 'no-data' } : undefined;
  }

  /** Writes the slot's alert state, when it changed, and its notifications together. */
  private commit(slot: SloSlot, nowMs: number, notifications: AlertNotification[]): AlertNotification[] {
    const identity = sloStateIdentity(slot.state, slot.episodes);
    return this.commits.commit(slot.unit, identity, () => sloStateRows(slot.unit, slot.state, slot.episodes, nowMs), notifications);
  }

  /**
   * Once, before the first evaluation: firing alerts and open episodes of the last run
   * continue (no new firing; the resolve pairs with the old startsAt). Rows of SLOs that
   * are gone from the config, or no longer evaluated here, are resolved and deleted.
   */
  restore(nowMs: number): void {
    if (this.restored) return;
    this.restored = true;
    const store = this.options.stateStore;
    if (!store) return;
    const logger = this.options.logger;
    let loaded: ReturnType<AlertStateStore['load']>;
    try {
      loaded = store.load('slo');
    } catch (error) {
      logger?.error({ err: error, file: store.file }, 'cannot read the SLO alert state of the last run; alerts start from inactive');
      return;
    }
    for (const bad of loaded.unreadable) {
      logger?.warn({ file: store.file, unit: bad.unit, key: bad.key, err: bad.error }, `dropping an unreadable SLO alert state row (${bad.unit} ${bad.key}): ${bad.error}`);
      try {
        store.deleteRow(bad.source, bad.unit, bad.key);
      } catch {
        // tried again at the next start
      }
    }
    const byUnit = new Map<string, AlertStateRow[]>();
    for (const row of loaded.rows) byUnit.set(row.unit, [...(byUnit.get(row.unit) ?? []), row]);
    const slots = new Map(this.slots.map((slot) => [slot.unit, slot]));
    let continued = 0;
    for (const [unit, rows] of byUnit) {
      const slot = slots.get(unit);
      if (slot?.index) {
        continued += this.continueUnit(slot, rows);
        continue;
      }
      if (!slot && this.options.adoptUnknownForMs !== undefined) {
        // perhaps an auto SLO whose service has not been seen again yet
        this.held.set(unit, { rows, sinceMs: nowMs });
        continue;
      }
      const reason = slot
        ? `SLO ${unit} is no longer evaluated by Lookout (${slot.adaptation.evaluable ? 'no SLI store: requestSeries is disabled' : slot.adaptation.reason}); resolved without judging its condition`
        : `SLO ${unit} was removed from the configuration (slos.files); resolved without judging its condition`;
      this.retireUnit(unit, rows, reason, nowMs);
    }
    if (continued > 0) logger?.info({ episodes: continued }, `continuing ${continued} open SLO alert episode(s) of the last run`);
  }

  /** Continues a unit's firing alerts and open episodes of the last run in `slot`; returns how many groups. */
  private continueUnit(slot: SloSlot, rows: AlertStateRow[]): number {
    const readable: Array<ReturnType<typeof readSloRow>> = [];
    for (const row of rows) {
      try {
        readable.push(readSloRow(row));
      } catch (error) {
        this.options.logger?.warn({ file: this.options.stateStore?.file, unit: slot.unit }, `dropping an unreadable SLO alert state row: ${(error as Error).message}`);
      }
    }
    const { state, episodes } = restoreSloState(readable);
    slot.state = state;
    slot.episodes = episodes;
    // what the store holds; a dropped row makes it differ, so it is rewritten
    this.commits.markWritten(slot.unit, readable.length === rows.length ? sloStateIdentity(state, episodes) : '\u0000stale');
    return Object.keys(state.groups).length;
  }

  /** Resolves a unit's open episodes without judging them and deletes its rows. */
  private retireUnit(unit: string, rows: AlertStateRow[], reason: string, nowMs: number): void {
    const generatorURL = this.generatorURL();
    const resolves = rows.flatMap((row) => (row.episode ? [resolveWithoutRule(row.episode, reason, nowMs, generatorURL)] : []));
    this.commits.markWritten(unit, '\u0000stale');
    this.commits.commit(unit, '', () => [], resolves);
    if (this.commits.writtenUnits().includes(unit)) this.retiring.add(unit);
    this.options.logger?.info({ unit, resolved: resolves.length }, reason);
  }

  /** Units of the last run held for an auto SLO to claim them: retired once they waited long enough. */
  private retireUnclaimed(nowMs: number): void {
    const wait = this.options.adoptUnknownForMs;
    if (wait === undefined) return;
    for (const [unit, held] of this.held) {
      if (nowMs - held.sinceMs < wait) continue;
      this.held.delete(unit);
      this.retireUnit(unit, held.rows, `SLO ${unit} is neither in slos.files nor an auto SLO of a service seen since the start; resolved without judging its condition`, nowMs);
    }
  }

  private handleGroup(slot: SloSlot, group: SloGroupNotification, evaluation: SloEvaluation): AlertNotification[] {
    const { slo } = slot;
    const generatorURL = this.generatorURL();
    if (group.status === 'firing') {
      const samples = this.options.samples;
      const { episode, notification } = openEpisode(group, {
        traceIds: samples?.traceIds(slo.service, this.options.sampleTraceIds ?? 5, slo.tenant) ?? [],
        errorLines: samples?.errorLines(slo.service, this.options.sampleErrorLines ?? 3, slo.tenant) ?? [],
        ...(this.options.dashboardUrl ? { dashboardUrl: expandLinkTemplate(this.options.dashboardUrl, { service: slo.service, slo: slo.name }) } : {}),
        ...(generatorURL ? { generatorURL } : {}),
      });
      slot.episodes[group.severity] = episode;
      return [notification];
    }
    const episode = slot.episodes[group.severity];
    if (!episode) return []; // nothing of it was sent (its row was unreadable after a restart)
    delete slot.episodes[group.severity];
    return [closeEpisode(episode, group, resolvedAnnotations(evaluation, episode.labels), generatorURL)];
  }

  private generatorURL(): string | undefined {
    const base = this.options.externalURL;
    if (!base) return undefined;
    try {
      return new URL('/api/v1/slos', base).toString();
    } catch {
      return undefined;
    }
  }

  /** Alerts pending or firing now, across SLOs. */
  activeAlerts(): ActiveAlert[] {
    return this.slots.flatMap((slot) => (slot.state ? Object.values(slot.state.alerts) : []));
  }

  /** Last evaluation of every evaluable SLO (for /metrics). */
  evaluations(): SloEvaluation[] {
    return this.slots.flatMap((slot) => (slot.evaluation ? [slot.evaluation] : []));
  }

  /** Whether a firing alert of this severity exists for each evaluated SLO. */
  firing(): Array<{ slo: SloDefinition; page: boolean; ticket: boolean }> {
    return this.slots
      .filter((slot) => slot.index)
      .map((slot) => {
        const alerts = slot.state ? Object.values(slot.state.alerts) : [];
        const fires = (severity: SeverityClass) => alerts.some((a) => a.severity === severity && a.state === 'firing');
        return { slo: slot.slo, page: fires('page'), ticket: fires('ticket') };
      });
  }

  /**
   * One SLO (GET /api/v1/slos/{name}). With a what-if objective or period, its budget,
   * burn rates, pairs and detection times are recomputed from the SLI store as if the
   * spec said so — the spec, the alerts and the running evaluation are unchanged.
   */
  detail(name: string, whatIf: WhatIf, nowMs: number): SloDetail {
    const index = this.slots.findIndex((s) => s.slo.name === name || `${s.slo.service}/${s.slo.name}` === name);
    if (index < 0) return { code: 404, error: `no SLO named '${name}'; GET /api/v1/slos lists them` };
    const status = this.status()[index]!;
    if (whatIf.objective === undefined && whatIf.period === undefined) return { status };
    const slot = this.slots[index]!;
    const store = this.options.store;
    if (!slot.index || !store) return { code: 409, error: `${name} is not evaluated by Lookout (${status.reason ?? 'no SLI store'}), so there is nothing to recompute` };
    const changed = applyWhatIf(slot.slo, whatIf);
    if (typeof changed === 'string') return { code: 400, error: `${changed}; choose a longer period` };
    const endMinute = lastCompleteMinute(nowMs);
    const windows = evaluationWindows(changed, nowMs);
    const longest = Math.max(1, ...windows);
    const buckets = store.buckets(changed.name, endMinute - longest + 1, endMinute);
    const evaluation = evaluateSlo(changed, bucketArraySums(buckets, endMinute), nowMs, this.liveness(changed.service));
    return {
      status,
      whatIf: {
        objective: changed.objective,
        period: periodText(changed),
        errorBudget: errorBudget(changed.objective),
        evaluatedAt: new Date(nowMs).toISOString(),
        windows: evaluation.windows.map((w) => ({
          window: formatWindow(w.windowMinutes),
          good: w.good,
          total: w.total,
          errorRatio: w.errorRatio,
          burnRate: w.burnRate,
          status: windowHealth(w, changed.objective),
        })),
        budget: {
          remaining: evaluation.budget.remaining,
          text: budgetRemainingText(evaluation.budget.remaining),
          window: formatWindow(evaluation.budget.windowMinutes),
          good: evaluation.budget.good,
          total: evaluation.budget.total,
          coverage: evaluation.budget.coverage,
        },
        currentBurnRate: evaluation.currentBurnRate,
        timeToExhaustion: exhaustionText(evaluation.timeToExhaustionMinutes, evaluation.budget.remaining),
        pairs: evaluation.conditions.flatMap((c) =>
          c.kind === 'burn-rate'
            ? [{ severity: c.pair.severityLabel, longWindow: formatWindow(c.pair.longWindowMinutes), shortWindow: formatWindow(c.pair.shortWindowMinutes), factor: c.pair.factor, errorRatioAbove: pairThreshold(c.pair, changed.objective), met: c.met }]
            : [],
        ),
        detection: detectionTable(changed).map((row) => {
          const entry: SloWhatIf['detection'][number] = { label: row.label, errorRatio: row.errorRatio, burnRate: row.burnRate };
          for (const d of row.bySeverity) entry[d.severity] = Number.isFinite(d.minutes) ? d.minutes : null;
          return entry;
        }),
      },
    };
  }

  /**
   * Availability report of every SLO Lookout evaluates over the `sinceMinutes` before
   * the last complete minute (GET /api/v1/report), from the SLI store: the page
   * episodes are found by replaying the stored minutes through the evaluator.
   */
  report(sinceMinutes: number, nowMs: number): SloReport[] {
    const store = this.options.store;
    if (!store) return [];
    const toMinute = lastCompleteMinute(nowMs) + 1;
    const fromMinute = toMinute - sinceMinutes;
    return this.slots
      .filter((slot) => slot.index)
      .map((slot) => {
        const warmUp = Math.max(1, ...policyWindows(slot.slo.policy));
        return sloAvailabilityReport(slot.slo, store.buckets(slot.slo.name, fromMinute - warmUp, toMinute - 1), fromMinute, toMinute);
      });
  }

  /** JSON status of every SLO and its alerts (GET /api/v1/slos). */
  status(): SloStatus[] {
    return this.slots.map((slot) => {
      const { slo, adaptation, evaluation } = slot;
      const status: SloStatus = {
        service: slo.service,
        name: slo.name,
        ...(slo.tenant !== undefined ? { tenant: slo.tenant } : {}),
        description: slo.description,
        objective: slo.objective,
        period: periodText(slo),
        sli: sliText(slo),
        source: `${slo.source.file}:${slo.source.line}`,
        evaluable: Boolean(slot.index),
        origin: slot.origin ? 'auto' : 'spec',
        ...(slot.origin ? { auto: slot.origin } : {}),
        alerts: [],
      };
      if (slot.origin) status.source = `slos.auto (${slo.service})`;
      if (slot.origin?.threshold === 'learning') status.sli = 'latency (threshold being learned)';
      if (slot.index) status.historyLoaded = slot.index.lastReadMinute !== undefined;
      if (this.options.lastSeen) {
        const seen = this.options.lastSeen(slo.service);
        status.serviceLastSeen = seen === undefined ? null : new Date(seen).toISOString();
      }
      if (!adaptation.evaluable) status.reason = adaptation.reason;
      else if (!slot.index) status.reason = 'no SLI store: requestSeries is disabled';
      if (evaluation) {
        status.evaluatedAt = new Date(evaluation.atMs).toISOString();
        status.windows = evaluation.windows.map((w) => ({
          window: formatWindow(w.windowMinutes),
          good: w.good,
          total: w.total,
          errorRatio: w.errorRatio,
          burnRate: w.burnRate,
          status: windowHealth(w, slo.objective),
        }));
        status.budget = {
          remaining: evaluation.budget.remaining,
          window: formatWindow(evaluation.budget.windowMinutes),
          good: evaluation.budget.good,
          total: evaluation.budget.total,
          coverage: evaluation.budget.coverage,
        };
        status.currentBurnRate = evaluation.currentBurnRate;
        status.budget.text = budgetRemainingText(evaluation.budget.remaining);
        status.timeToExhaustion = exhaustionText(evaluation.timeToExhaustionMinutes, evaluation.budget.remaining);
      }
      if (slot.state) {
        status.alerts = Object.values(slot.state.alerts).map((a) => ({
          labels: a.labels,
          annotations: a.annotations,
          state: a.state,
          severity: a.severity,
          inhibited: a.inhibited,
          activeAt: new Date(a.activeAtMs).toISOString(),
          firedAt: a.firedAtMs === null ? null : new Date(a.firedAtMs).toISOString(),
        }));
      }
      return status;
    });
  }
}
