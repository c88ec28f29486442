import { backoffCeiling, fullJitterDelay } from '../core/backoff.ts';
import {
  breakerAllows,
  breakerGaugeValue,
  breakerOnFailure,
  breakerOnSuccess,
  breakerReadyAt,
  closedBreaker,
  type BreakerSettings,
  type BreakerState,
} from './breaker.ts';
import type { NotifyMetrics } from './metrics.ts';
import type { Outbox, OutboxRow } from './outbox.ts';
import type { ReceiverTarget } from './receiver-targets.ts';
import { countsAgainstReceiver, type FailureReason, type SendOutcome, type Transport } from './transport.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { OutgoingRequest } from './types.ts';

/**
 * Sends what the outbox holds. Per receiver one request at a time, oldest due row
 * first, and never a row ahead of an earlier pending row of the same alert (a resolve
 * does not overtake its firing). Failures are retried with full-jitter backoff; a
 * circuit breaker per receiver stops requests to a receiver that keeps failing. All
 * state that matters is in the outbox, so a new dispatcher on the same file resumes.
 */

export interface DispatcherSettings {
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  breaker: BreakerSettings;
  /** finished rows older than this are deleted from the outbox */
  retentionMs: number;
}

export type NotifyEvent =
  | {
      type: 'attempt';
      receiver: string;
      /** 'delivery' sends an outbox row; 'resend' repeats firing alerts to Alertmanager */
      mode: 'delivery' | 'resend';
      rowIds: number[];
      deliveryKey?: string;
      at: number;
      /** 1 for the first attempt of the row */
      attempt: number;
      ok: boolean;
      reason?: FailureReason;
      detail?: string;
      /** failed deliveries: the backoff ceiling and the jittered delay chosen under it */
      ceilingMs?: number;
      delayMs?: number;
      retryAt?: number;
    }
  | { type: 'breaker'; receiver: string; from: BreakerState['kind']; to: BreakerState['kind']; at: number }
  | { type: 'given-up'; receiver: string; rowId: number; deliveryKey: string; at: number; attempts: number; lastError: string | null };

export interface DispatcherOptions {
  outbox: Outbox;
  receivers: ReceiverTarget[];
  settings: DispatcherSettings;
  clock: Clock;
  transport: Transport;
  metrics: NotifyMetrics;
  logger: Logger;
  onEvent?: (event: NotifyEvent) => void;
}

interface ReceiverRuntime {
  target: ReceiverTarget;
  breaker: BreakerState;
  inFlight?: { rowIds: number[]; controller: AbortController; done: Promise<void> };
  /** consecutive failed re-sends, for their backoff */
  resendFailures: number;
}

/** Longest sleep between two looks at the outbox, so clock jumps cannot stall it. */
const MAX_SLEEP_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;
const RESEND_BATCH = 64;

export class Dispatcher {
  private readonly runtimes = new Map<string, ReceiverRuntime>();
  private timer: unknown;
  private running = false;
  private lastPrune = -Infinity;

  constructor(private readonly options: DispatcherOptions) {
    for (const target of options.receivers) this.runtimes.set(target.name, { target, breaker: closedBreaker, resendFailures: 0 });
  }

  /** Resumes everything the outbox holds undelivered. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const { outbox, logger } = this.options;
    for (const [receiver, count] of outbox.pendingCounts())
      if (!this.runtimes.has(receiver))
        logger.warn(
          { receiver, pending: count },
          'the outbox holds notifications for a receiver that is no longer configured; they stay until retry.maxAge and are then given up',
        );
    this.wake();
  }

  /**
   * Stops the timer and starts nothing more. Requests in flight are aborted (their rows
   * stay pending), or with `inFlight: 'finish'` left to end on their own (within the
   * request timeout) and their outcome recorded: a cluster leader stepping down lets
   * what the receiver may already hold be marked delivered, so the next leader does not
   * send it again.
   */
  async stop(options: { inFlight?: 'abort' | 'finish' } = {}): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    const inFlight = [...this.runtimes.values()].map((rt) => rt.inFlight).filter((f) => f !== undefined);
    if (options.inFlight !== 'finish') for (const flight of inFlight) flight.controller.abort();
    await Promise.all(inFlight.map((flight) => flight.done));
  }

  breakerState(receiver: string): BreakerState | undefined {
    return this.runtimes.get(receiver)?.breaker;
  }

  /** Looks at the outbox now: gives up expired rows, starts due sends, plans the next look. */
  wake(): void {
    if (!this.running) return;
    const { outbox, clock } = this.options;
    const now = clock.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      outbox.prune(now - this.options.settings.retentionMs);
    }
    for (const row of outbox.giveUpExpired(now, this.inFlightIds())) this.reportGivenUp(row, now);
    for (const rt of this.runtimes.values()) this.pump(rt, now);
    this.plan(now);
  }

  private inFlightIds(): Set<number> {
    const ids = new Set<number>();
    for (const rt of this.runtimes.values()) for (const id of rt.inFlight?.rowIds ?? []) ids.add(id);
    return ids;
  }

  private pump(rt: ReceiverRuntime, now: number): void {
    if (rt.inFlight) return;
    const { outbox } = this.options;
    const name = rt.target.name;
    const row = outbox.nextDue(name, now);
    const resends = !row && rt.target.resendRequest ? outbox.dueResends(name, now, RESEND_BATCH) : [];
    if (!row && resends.length === 0) return;
    const permit = breakerAllows(rt.breaker, now, this.options.settings.breaker);
    this.setBreaker(rt, permit.state, now);
    if (!permit.allowed) return;
    if (row) this.send(rt, [row], 'delivery', now);
    else this.send(rt, resends, 'resend', now);
  }

  private send(rt: ReceiverRuntime, rows: OutboxRow[], mode: 'delivery' | 'resend', now: number): void {
    const { transport, settings } = { transport: this.options.transport, settings: this.options.settings };
    let request: OutgoingRequest;
    try {
      request =
        mode === 'delivery'
          ? rt.target.request(rows[0]!.notification, { now, deliveryKey: rows[0]!.deliveryKey })
          : rt.target.resendRequest!(
              rows.map((r) => r.notification),
              now,
            );
    } catch (error) {
      // a payload that cannot be built never will be: give the row up rather than loop
      for (const row of rows) {
        const given = this.options.outbox.giveUp(row.id, now, `cannot build the request: ${(error as Error).message}`);
        if (given) this.reportGivenUp(given, now);
      }
      return;
    }
    const controller = new AbortController();
    const rowIds = rows.map((r) => r.id);
    const done = transport(request, { timeoutMs: settings.timeoutMs, signal: controller.signal, now })
      .then((outcome) => {
        if (mode === 'delivery') this.finishDelivery(rt, rows[0]!, outcome);
        else this.finishResend(rt, rows, outcome);
      })
      .catch((error: unknown) => {
        this.options.logger.error({ receiver: rt.target.name, err: (error as Error).message }, 'notifier bug while finishing a send');
      })
      .finally(() => {
        rt.inFlight = undefined;
        this.wake();
      });
    rt.inFlight = { rowIds, controller, done };
  }

  private finishDelivery(rt: ReceiverRuntime, row: OutboxRow, outcome: SendOutcome): void {
    if (!outcome.ok && outcome.reason === 'aborted') return;
    const { outbox, clock, metrics, logger, settings } = this.options;
    const now = clock.now();
    const name = rt.target.name;
    const attempt = row.attempts + 1;
    if (outcome.ok) {
      const resendAt = rt.target.resendIntervalMs !== undefined ? now + rt.target.resendIntervalMs : null;
      outbox.markDelivered(row.id, now, resendAt);
      metrics.delivered(name);
      this.recordSuccess(rt, now);
      logger.debug({ receiver: name, rowId: row.id, deliveryKey: row.deliveryKey, attempt }, 'notification delivered');
      this.emit({ type: 'attempt', receiver: name, mode: 'delivery', rowIds: [row.id], deliveryKey: row.deliveryKey, at: now, attempt, ok: true });
      return;
    }
    metrics.failedAttempt(name, outcome.reason);
    if (countsAgainstReceiver(outcome.reason)) this.setBreaker(rt, breakerOnFailure(rt.breaker, now, settings.breaker), now);
    // the n-th retry (n = 0 first) waits random(0, min(cap, base·2^n))
    const ceilingMs = backoffCeiling(row.attempts, settings.baseDelayMs, settings.maxDelayMs);
    let delayMs = fullJitterDelay(row.attempts, settings.baseDelayMs, settings.maxDelayMs, this.options.clock.random());
    if (outcome.retryAfterMs !== undefined) delayMs = Math.max(delayMs, Math.min(outcome.retryAfterMs, settings.maxDelayMs));
    const event = {
      type: 'attempt' as const,
      receiver: name,
      mode: 'delivery' as const,
      rowIds: [row.id],
      deliveryKey: row.deliveryKey,
      at: now,
      attempt,
      ok: false,
      reason: outcome.reason,
      detail: outcome.detail,
      ceilingMs,
      delayMs,
    };
    if (now >= row.expiresAt) {
      const given = outbox.giveUp(row.id, now, outcome.detail);
      this.emit(event);
      if (given) this.reportGivenUp(given, now);
      return;
    }
    const retryAt = Math.min(now + delayMs, row.expiresAt);
    outbox.markFailed(row.id, now, retryAt, outcome.detail);
    const level = attempt === 1 ? 'warn' : 'debug';
    logger[level](
      { receiver: name, kind: rt.target.kind, rowId: row.id, deliveryKey: row.deliveryKey, attempt, reason: outcome.reason, detail: outcome.detail, retryInMs: retryAt - now },
      'notification delivery failed; will retry',
    );
    this.emit({ ...event, retryAt });
  }

  private finishResend(rt: ReceiverRuntime, rows: OutboxRow[], outcome: SendOutcome): void {
    if (!outcome.ok && outcome.reason === 'aborted') return;
    const { outbox, clock, metrics, logger, settings } = this.options;
    const now = clock.now();
    const name = rt.target.name;
    const interval = rt.target.resendIntervalMs!;
    const rowIds = rows.map((r) => r.id);
    if (outcome.ok) {
      rt.resendFailures = 0;
      outbox.setResendAt(rowIds, now + interval);
      this.recordSuccess(rt, now);
      this.emit({ type: 'attempt', receiver: name, mode: 'resend', rowIds, at: now, attempt: 1, ok: true });
      return;
    }
    metrics.failedAttempt(name, outcome.reason);
    if (countsAgainstReceiver(outcome.reason)) this.setBreaker(rt, breakerOnFailure(rt.breaker, now, settings.breaker), now);
    const ceilingMs = Math.min(interval, backoffCeiling(rt.resendFailures, settings.baseDelayMs, settings.maxDelayMs));
    const delayMs = Math.floor(this.options.clock.random() * ceilingMs);
    rt.resendFailures++;
    outbox.setResendAt(rowIds, now + delayMs);
    logger.debug({ receiver: name, alerts: rows.length, reason: outcome.reason, detail: outcome.detail }, 're-sending firing alerts failed');
    this.emit({
      type: 'attempt',
      receiver: name,
      mode: 'resend',
      rowIds,
      at: now,
      attempt: rt.resendFailures,
      ok: false,
      reason: outcome.reason,
      detail: outcome.detail,
      ceilingMs,
      delayMs,
      retryAt: now + delayMs,
    });
  }

  private recordSuccess(rt: ReceiverRuntime, now: number): void {
    const wasProbing = rt.breaker.kind === 'half-open';
    this.setBreaker(rt, breakerOnSuccess(rt.breaker), now);
    // the receiver is back: what piled up goes now rather than after each row's backoff
    if (wasProbing) this.options.outbox.makeDueNow(rt.target.name, now);
  }

  private setBreaker(rt: ReceiverRuntime, next: BreakerState, now: number): void {
    const from = rt.breaker.kind;
    rt.breaker = next;
    if (from === next.kind) return;
    const name = rt.target.name;
    this.options.metrics.breakerState(name, breakerGaugeValue(next));
    const fields = { receiver: name, kind: rt.target.kind, from, to: next.kind };
    if (next.kind === 'open')
      this.options.logger.warn(
        { ...fields, coolDownMs: this.options.settings.breaker.coolDownMs },
        'receiver keeps failing: circuit open, pausing requests to it',
      );
    else this.options.logger.info(fields, next.kind === 'closed' ? 'receiver answering again: circuit closed' : 'circuit half-open: sending one probe');
    this.emit({ type: 'breaker', receiver: name, from, to: next.kind, at: now });
  }

  private reportGivenUp(row: OutboxRow, now: number): void {
    this.options.metrics.givenUp(row.receiver);
    this.options.logger.error(
      {
        receiver: row.receiver,
        rowId: row.id,
        deliveryKey: row.deliveryKey,
        alertname: row.notification.labels.alertname,
        status: row.status,
        attempts: row.attempts,
        lastError: row.lastError,
      },
      'notification given up: not delivered within retry.maxAge',
    );
    this.emit({ type: 'given-up', receiver: row.receiver, rowId: row.id, deliveryKey: row.deliveryKey, at: now, attempts: row.attempts, lastError: row.lastError });
  }

  /** Sets the timer for the earliest moment something can be done. */
  private plan(now: number): void {
    const { outbox, clock, settings } = this.options;
    let next = this.lastPrune + PRUNE_EVERY_MS;
    for (const rt of this.runtimes.values()) {
      if (rt.inFlight) continue; // its completion wakes us
      const due = [outbox.nextDueAt(rt.target.name), rt.target.resendRequest ? outbox.nextResendAt(rt.target.name) : undefined].filter(
        (t): t is number => t !== undefined,
      );
      if (due.length === 0) continue;
      next = Math.min(next, Math.max(Math.min(...due), breakerReadyAt(rt.breaker, now, settings.breaker)));
    }
    const expiry = outbox.nextExpiryAt();
    // expired rows still here are in flight; their completion wakes us
    if (expiry !== undefined && expiry > now) next = Math.min(next, expiry);
    if (this.timer !== undefined) clock.clearTimer(this.timer);
    this.timer = clock.setTimer(() => {
      this.timer = undefined;
      this.wake();
    }, Math.min(MAX_SLEEP_MS, Math.max(0, next - now)));
  }

  private emit(event: NotifyEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message }, 'notify event listener threw');
    }
  }
}
