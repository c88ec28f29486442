import type { AlertNotification } from '../notify/types.ts';
import type { AlertStateRow, AlertStateSource, AlertStateStore } from '../store/alert-state-store.ts';
import type { RuntimeLogger } from './runtime-ports.ts';

/**
 * Writes a unit of alert state (one SLO, one threshold alert) and the notifications its
 * step produced in one transaction — the state rows first, the outbox enqueues last —
 * so after a crash the store never says "episode open" without its firing in the
 * outbox, nor "resolved" without its resolve. When the transaction fails (the outbox
 * refuses, the disk is full) nothing of it is written: the notifications are kept and
 * retried with the unit's newest rows at its next commit.
 */

export interface AlertStateCommitterOptions {
  source: AlertStateSource;
  /** undefined: nothing is persisted (notifications are still enqueued and retried) */
  store: AlertStateStore | undefined;
  /** the outbox: must persist the notification or throw */
  notify: (notification: AlertNotification) => void;
  logger?: RuntimeLogger;
  /** notifications kept for retry, across units; more are dropped (and logged) */
  maxUnsent?: number;
}

export class AlertStateCommitter {
  private readonly options: AlertStateCommitterOptions;
  /** unit → identity of the rows the store holds for it ('' = none) */
  private readonly written = new Map<string, string>();
  private readonly unsent = new Map<string, AlertNotification[]>();
  private unsentTotal = 0;
  enqueued = 0;
  failures = 0;

  constructor(options: AlertStateCommitterOptions) {
    this.options = options;
  }

  get unsentCount(): number {
    return this.unsentTotal;
  }

  /** Units with notifications waiting for a retry. */
  unitsWithUnsent(): string[] {
    return [...this.unsent.keys()];
  }

  /** Units the store holds rows for. */
  writtenUnits(): string[] {
    return [...this.written.keys()];
  }

  /** What the store holds for `unit` (rows read at a start). */
  markWritten(unit: string, identity: string): void {
    if (identity === '') this.written.delete(unit);
    else this.written.set(unit, identity);
  }

  /**
   * Writes `unit`'s rows when their identity changed, and enqueues its waiting and new
   * notifications, in one transaction. Returns the notifications enqueued.
   */
  commit(unit: string, identity: string, rows: () => readonly AlertStateRow[], notifications: readonly AlertNotification[]): AlertNotification[] {
    const waiting = this.unsent.get(unit) ?? [];
    const pending = waiting.length > 0 ? [...waiting, ...notifications] : notifications;
    const rowsChanged = this.options.store !== undefined && (this.written.get(unit) ?? '') !== identity;
    if (!rowsChanged && pending.length === 0) return [];
    const { store, notify, source } = this.options;
    let done = 0;
    try {
      const write = () => {
        if (rowsChanged) store!.replaceUnit(source, unit, rows());
        for (const notification of pending) {
          notify(notification);
          done++;
        }
      };
      if (store) store.transaction(write);
      else write();
    } catch (error) {
      // in a transaction everything rolled back; without one, what was enqueued stays
      if (store) done = 0;
      this.failures++;
      this.keep(unit, pending.slice(done), waiting.length);
      const failed = pending[done];
      this.options.logger?.error(
        {
          err: error,
          unit,
          ...(failed ? { alertname: failed.labels.alertname, status: failed.status } : {}),
        },
        store
          ? 'cannot write alert state and its notifications; both are retried next cycle'
          : 'cannot enqueue an alert notification; retrying next cycle',
      );
      return pending.slice(0, done);
    }
    this.markWritten(unit, identity);
    if (waiting.length > 0) {
      this.unsent.delete(unit);
      this.unsentTotal -= waiting.length;
    }
    this.enqueued += pending.length;
    return [...pending];
  }

  private keep(unit: string, left: AlertNotification[], before: number): void {
    const max = this.options.maxUnsent ?? 10_000;
    const room = Math.max(0, max - (this.unsentTotal - before));
    const kept = left.slice(0, room);
    if (kept.length < left.length)
      this.options.logger?.error({ unit, dropped: left.length - kept.length }, 'too many alert notifications waiting for the outbox; dropping the newest');
    this.unsentTotal += kept.length - before;
    if (kept.length === 0) this.unsent.delete(unit);
    else this.unsent.set(unit, kept);
  }
}

/**
 * The resolve of an episode whose rule is gone (an SLO removed from the config, threshold
 * alerts disabled): the firing's key, labels and startsAt, its annotations and
 * `resolved_reason` saying why it ends without its condition being judged.
 */
export function resolveWithoutRule(
  episode: { dedupKey: string; startsAt: string; labels: Record<string, string>; annotations: Record<string, string> },
  reason: string,
  nowMs: number,
  generatorURL?: string,
): AlertNotification {
  return {
    dedupKey: episode.dedupKey,
    status: 'resolved',
    labels: episode.labels,
    annotations: { ...episode.annotations, resolved_reason: reason },
    startsAt: episode.startsAt,
    endsAt: new Date(nowMs).toISOString(),
    ...(generatorURL ? { generatorURL } : {}),
  };
}
