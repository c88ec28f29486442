import Database from 'better-sqlite3';
import { deliveryKeyOf } from './keys.ts';
import type { AlertNotification } from './types.ts';
import { preparePrivateFile } from '../store/private-files.ts';

/**
 * The SQLite outbox: one row per (receiver, notification), written in one transaction
 * before anything is sent, marked delivered only after the receiver said yes. Rows
 * survive a crash; a notification enqueued again is a no-op thanks to the unique key
 * (receiver, dedup_key, status, episode). Pure storage: every method takes `now`.
 */

export type DeliveryState = 'pending' | 'delivered' | 'given_up';

export interface OutboxRow {
  id: number;
  receiver: string;
  dedupKey: string;
  status: 'firing' | 'resolved';
  /** startsAt of the firing episode, or a sequence (heartbeats) */
  episode: string;
  /** stable across re-enqueues: sent as Idempotency-Key */
  deliveryKey: string;
  notification: AlertNotification;
  state: DeliveryState;
  enqueuedAt: number;
  expiresAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  lastError: string | null;
  finishedAt: number | null;
  /** an Alertmanager firing alert that is re-sent until it resolves */
  resendActive: boolean;
  resendAt: number | null;
}

export interface EnqueueTarget {
  receiver: string;
  /** re-send this firing alert every interval after delivery (Alertmanager) */
  resend: boolean;
}

export interface EnqueueOptions {
  now: number;
  /** given up when not delivered this long after enqueue */
  maxAgeMs: number;
  /** defaults to notification.startsAt */
  episode?: string;
}

interface RawRow {
  id: number;
  receiver: string;
  dedup_key: string;
  status: string;
  episode: string;
  delivery_key: string;
  notification: string;
  state: string;
  enqueued_at: number;
  expires_at: number;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_error: string | null;
  finished_at: number | null;
  resend_active: number;
  resend_at: number | null;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  receiver TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
  episode TEXT NOT NULL,
  delivery_key TEXT NOT NULL,
  notification TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'given_up')),
  enqueued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_attempt_at INTEGER,
  last_error TEXT,
  finished_at INTEGER,
  resend_active INTEGER NOT NULL DEFAULT 0,
  resend_at INTEGER,
  UNIQUE (receiver, dedup_key, status, episode)
) STRICT;
CREATE INDEX IF NOT EXISTS outbox_pending_by_key ON outbox (receiver, dedup_key, id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_pending_by_due ON outbox (receiver, next_attempt_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_resend ON outbox (receiver, resend_at) WHERE resend_active = 1;
`;

/** Pending rows not blocked by an earlier pending row of the same alert and receiver. */
const HEAD_OF_KEY = `
  o.state = 'pending' AND NOT EXISTS (
    SELECT 1 FROM outbox p
    WHERE p.receiver = o.receiver AND p.dedup_key = o.dedup_key AND p.id < o.id AND p.state = 'pending'
  )`;

function toRow(raw: RawRow): OutboxRow {
  return {
    id: raw.id,
    receiver: raw.receiver,
    dedupKey: raw.dedup_key,
    status: raw.status as OutboxRow['status'],
    episode: raw.episode,
    deliveryKey: raw.delivery_key,
    notification: JSON.parse(raw.notification) as AlertNotification,
    state: raw.state as DeliveryState,
    enqueuedAt: raw.enqueued_at,
    expiresAt: raw.expires_at,
    attempts: raw.attempts,
    nextAttemptAt: raw.next_attempt_at,
    lastAttemptAt: raw.last_attempt_at,
    lastError: raw.last_error,
    finishedAt: raw.finished_at,
    resendActive: raw.resend_active === 1,
    resendAt: raw.resend_at,
  };
}

export class Outbox {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly statements;

  private constructor(file: string) {
    this.file = file;
    preparePrivateFile(file); // 0700 directory, 0600 file whatever the umask (issue 12)
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // a committed enqueue must survive power loss, not only a process crash
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION)
      throw new Error(
        `outbox ${file} has schema version ${version}, newer than this Lookout understands (${SCHEMA_VERSION}); run a newer Lookout or move the file away`,
      );
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const db = this.db;
    this.statements = {
      insert: db.prepare(`
        INSERT INTO outbox (receiver, dedup_key, status, episode, delivery_key, notification, enqueued_at, expires_at, next_attempt_at, resend_active)
        VALUES (@receiver, @dedupKey, @status, @episode, @deliveryKey, @notification, @now, @expiresAt, @now, @resendActive)
        ON CONFLICT (receiver, dedup_key, status, episode) DO NOTHING
        RETURNING *`),
      stopResendOtherEpisodes: db.prepare(
        `UPDATE outbox SET resend_active = 0 WHERE receiver = ? AND dedup_key = ? AND status = 'firing' AND episode <> ? AND resend_active = 1`,
      ),
      stopResendEpisode: db.prepare(
        `UPDATE outbox SET resend_active = 0 WHERE receiver = ? AND dedup_key = ? AND status = 'firing' AND episode = ? AND resend_active = 1`,
      ),
      nextDue: db.prepare(`SELECT * FROM outbox o WHERE o.receiver = ? AND o.next_attempt_at <= ? AND ${HEAD_OF_KEY} ORDER BY o.next_attempt_at, o.id LIMIT 1`),
      nextDueAt: db.prepare(`SELECT MIN(o.next_attempt_at) AS at FROM outbox o WHERE o.receiver = ? AND ${HEAD_OF_KEY}`),
      delivered: db.prepare(
        `UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_attempt_at = @now, finished_at = @now, last_error = NULL,
           resend_at = CASE WHEN resend_active = 1 THEN @resendAt ELSE NULL END
         WHERE id = @id AND state = 'pending'`,
      ),
      failed: db.prepare(
        `UPDATE outbox SET attempts = attempts + 1, last_attempt_at = @now, next_attempt_at = @nextAttemptAt, last_error = @error
         WHERE id = @id AND state = 'pending'`,
      ),
      giveUp: db.prepare(
        `UPDATE outbox SET state = 'given_up', finished_at = @now, last_error = COALESCE(@error, last_error),
           resend_at = CASE WHEN resend_active = 1 THEN @now ELSE NULL END
         WHERE id = @id AND state = 'pending' RETURNING *`,
      ),
      expired: db.prepare(`SELECT id FROM outbox WHERE state = 'pending' AND expires_at <= ?`),
      nextExpiryAt: db.prepare(`SELECT MIN(expires_at) AS at FROM outbox WHERE state = 'pending'`),
      makeDueNow: db.prepare(`UPDATE outbox SET next_attempt_at = @now WHERE receiver = @receiver AND state = 'pending' AND next_attempt_at > @now`),
      dueResends: db.prepare(
        `SELECT * FROM outbox WHERE receiver = ? AND resend_active = 1 AND state <> 'pending' AND resend_at <= ? ORDER BY resend_at, id LIMIT ?`,
      ),
      nextResendAt: db.prepare(`SELECT MIN(resend_at) AS at FROM outbox WHERE receiver = ? AND resend_active = 1 AND state <> 'pending'`),
      setResendAt: db.prepare(`UPDATE outbox SET resend_at = ? WHERE id = ? AND resend_active = 1`),
      pendingCounts: db.prepare(`SELECT receiver, COUNT(*) AS n FROM outbox WHERE state = 'pending' GROUP BY receiver`),
      prune: db.prepare(`DELETE FROM outbox WHERE state <> 'pending' AND resend_active = 0 AND finished_at < ?`),
      byId: db.prepare(`SELECT * FROM outbox WHERE id = ?`),
      all: db.prepare(`SELECT * FROM outbox ORDER BY id`),
      byReceiver: db.prepare(`SELECT * FROM outbox WHERE receiver = ? ORDER BY id`),
    };
  }

  /** Opens (creating when needed) the outbox database file. */
  static open(file: string): Outbox {
    try {
      return new Outbox(file);
    } catch (error) {
      const message = (error as Error).message;
      if (message.includes('newer than this Lookout')) throw error;
      throw new Error(`cannot open the notification outbox ${file}: ${message}; check that the data directory exists and is writable`);
    }
  }

  /**
   * Writes one row per target in one transaction. Returns the rows created; targets
   * that already hold this notification (same status and episode) are left alone.
   */
  enqueue(notification: AlertNotification, targets: EnqueueTarget[], options: EnqueueOptions): OutboxRow[] {
    const episode = options.episode ?? notification.startsAt;
    const json = JSON.stringify(notification);
    return this.db.transaction(() => {
      const created: OutboxRow[] = [];
      for (const target of targets) {
        const resendActive = target.resend && notification.status === 'firing';
        if (notification.status === 'resolved') this.statements.stopResendEpisode.run(target.receiver, notification.dedupKey, episode);
        const raw = this.statements.insert.get({
          receiver: target.receiver,
          dedupKey: notification.dedupKey,
          status: notification.status,
          episode,
          deliveryKey: deliveryKeyOf(target.receiver, notification.dedupKey, notification.status, episode),
          notification: json,
          now: options.now,
          expiresAt: options.now + options.maxAgeMs,
          resendActive: resendActive ? 1 : 0,
        }) as RawRow | undefined;
        if (raw) {
          // a new episode of a firing alert replaces the old one in re-sends
          if (resendActive) this.statements.stopResendOtherEpisodes.run(target.receiver, notification.dedupKey, episode);
          created.push(toRow(raw));
        }
      }
      return created;
    })();
  }

  /** The due row to send next to `receiver`: oldest due first, never ahead of an earlier row of the same alert. */
  nextDue(receiver: string, now: number): OutboxRow | undefined {
    const raw = this.statements.nextDue.get(receiver, now) as RawRow | undefined;
    return raw && toRow(raw);
  }

  /** When the next row for `receiver` becomes due (undefined: nothing pending). */
  nextDueAt(receiver: string): number | undefined {
    return (this.statements.nextDueAt.get(receiver) as { at: number | null }).at ?? undefined;
  }

  /** The receiver accepted the row. `resendAt` is when a re-sent (Alertmanager) firing row goes again. */
  markDelivered(id: number, now: number, resendAt: number | null = null): void {
    this.statements.delivered.run({ id, now, resendAt });
  }

  /** A failed attempt; try again at nextAttemptAt. */
  markFailed(id: number, now: number, nextAttemptAt: number, error: string): void {
    this.statements.failed.run({ id, now, nextAttemptAt, error });
  }

  /** Stops trying a row. A re-sent firing alert stays re-sent (due now). */
  giveUp(id: number, now: number, error?: string): OutboxRow | undefined {
    const raw = this.statements.giveUp.get({ id, now, error: error ?? null }) as RawRow | undefined;
    return raw && toRow(raw);
  }

  /** Gives up every pending row past its expiry, except those in flight. */
  giveUpExpired(now: number, inFlight: ReadonlySet<number>): OutboxRow[] {
    const ids = (this.statements.expired.all(now) as Array<{ id: number }>).map((r) => r.id).filter((id) => !inFlight.has(id));
    if (ids.length === 0) return [];
    return this.db.transaction(() =>
      ids.map((id) => this.giveUp(id, now, 'not delivered within retry.maxAge')).filter((row): row is OutboxRow => row !== undefined),
    )();
  }

  nextExpiryAt(): number | undefined {
    return (this.statements.nextExpiryAt.get() as { at: number | null }).at ?? undefined;
  }

  /** The receiver is back: everything pending for it is due now instead of after its backoff. */
  makeDueNow(receiver: string, now: number): number {
    return this.statements.makeDueNow.run({ receiver, now }).changes;
  }

  /** Firing Alertmanager alerts due to be sent again. */
  dueResends(receiver: string, now: number, limit: number): OutboxRow[] {
    return (this.statements.dueResends.all(receiver, now, limit) as RawRow[]).map(toRow);
  }

  nextResendAt(receiver: string): number | undefined {
    return (this.statements.nextResendAt.get(receiver) as { at: number | null }).at ?? undefined;
  }

  setResendAt(ids: number[], at: number): void {
    this.db.transaction(() => {
      for (const id of ids) this.statements.setResendAt.run(at, id);
    })();
  }

  /** Pending rows per receiver. */
  pendingCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const row of this.statements.pendingCounts.all() as Array<{ receiver: string; n: number }>) counts.set(row.receiver, row.n);
    return counts;
  }

  /** Deletes finished rows older than `before` (re-sent firing alerts are kept). */
  prune(before: number): number {
    return this.statements.prune.run(before).changes;
  }

  get(id: number): OutboxRow | undefined {
    const raw = this.statements.byId.get(id) as RawRow | undefined;
    return raw && toRow(raw);
  }

  rows(receiver?: string): OutboxRow[] {
    const raws = (receiver === undefined ? this.statements.all.all() : this.statements.byReceiver.all(receiver)) as RawRow[];
    return raws.map(toRow);
  }

  /**
   * The outbox's connection, for state that must commit in the same transaction as an
   * enqueue (the alert state, store/alert-state-store.ts).
   */
  /**
   * Deletes every pending row (a cluster member taking over: what the leader of record
   * still owes is in PostgreSQL and is enqueued again from there). Returns how many.
   */
  dropPending(): number {
    return this.db.prepare(`DELETE FROM outbox WHERE state = 'pending'`).run().changes;
  }

  /** `dedupKey \n status \n episode` of every notification with a row still pending. */
  unfinishedKeys(): Set<string> {
    const rows = this.db.prepare(`SELECT DISTINCT dedup_key, status, episode FROM outbox WHERE state = 'pending'`).all() as Array<{ dedup_key: string; status: string; episode: string }>;
    return new Set(rows.map((r) => `${r.dedup_key}\n${r.status}\n${r.episode}`));
  }

  get database(): Database.Database {
    return this.db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
