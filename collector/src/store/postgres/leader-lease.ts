import type pg from 'pg';

/**
 * One evaluator at a time (issue 14): a lease row in PostgreSQL, taken and renewed by
 * compare-and-swap on the database's own clock (no clock skew between collectors), with
 * an epoch that grows every time the lease changes hands. Every write that only the
 * leader may make runs in `fenced()`: in one transaction it locks the lease row and
 * checks that the epoch is still ours and unexpired, so a leader that was paused or cut
 * off and comes back after another took over has its late writes refused
 * (StaleEpochError) — the fencing token of the classic lease pattern, kept in the same
 * database as the data it guards.
 */

export interface LeaseState {
  name: string;
  holder: string;
  epoch: number;
  acquiredAt: Date;
  renewedAt: Date;
  expiresAt: Date;
}

export interface LeaseAttempt {
  /** whether `holder` holds the lease after this attempt */
  leader: boolean;
  /** the lease as it is now, whoever holds it */
  lease: LeaseState;
}

export class StaleEpochError extends Error {
  constructor(
    readonly mine: number,
    readonly current: LeaseState | undefined,
  ) {
    super(
      current
        ? `write refused: this collector led at epoch ${mine}, but the lease is at epoch ${current.epoch} held by ${current.holder} (until ${current.expiresAt.toISOString()}); it must step down`
        : `write refused: this collector led at epoch ${mine}, but the lease is gone`,
    );
    this.name = 'StaleEpochError';
  }
}

interface LeaseRow {
  name: string;
  holder: string;
  epoch: string;
  acquired_at: Date;
  renewed_at: Date;
  expires_at: Date;
  valid: boolean;
}

const toState = (row: LeaseRow): LeaseState => ({
  name: row.name,
  holder: row.holder,
  epoch: Number(row.epoch),
  acquiredAt: row.acquired_at,
  renewedAt: row.renewed_at,
  expiresAt: row.expires_at,
});

/**
 * Takes the lease when it is free or expired, renews it when `holder` has it. The epoch
 * stays while the same holder renews in time and grows by one on every other change of
 * hands (a holder that let its own lease lapse gets a new epoch too: someone may have led
 * in between).
 */
export async function acquireLease(client: pg.ClientBase, name: string, holder: string, ttlMs: number): Promise<LeaseAttempt> {
  const taken = await client.query<LeaseRow>(
    `INSERT INTO lookout_leader_lease AS l (name, holder, epoch, acquired_at, renewed_at, expires_at)
     VALUES ($1, $2, 1, now(), now(), now() + $3 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET
       epoch = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END,
       acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.acquired_at ELSE now() END,
       holder = EXCLUDED.holder,
       renewed_at = now(),
       expires_at = EXCLUDED.expires_at
     WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
     RETURNING l.*, true AS valid`,
    [name, holder, ttlMs],
  );
  if (taken.rows[0]) return { leader: true, lease: toState(taken.rows[0]) };
  const current = await readLease(client, name);
  if (!current) throw new Error(`lease ${name} vanished while it was being taken; try again`);
  return { leader: false, lease: current };
}

/** Gives the lease up at once (a clean shutdown), if `holder` still has it at `epoch`. */
export async function releaseLease(client: pg.ClientBase, name: string, holder: string, epoch: number): Promise<boolean> {
  const result = await client.query('UPDATE lookout_leader_lease SET expires_at = now() WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()', [
    name,
    holder,
    epoch,
  ]);
  return (result.rowCount ?? 0) > 0;
}

export async function readLease(client: pg.ClientBase, name: string): Promise<LeaseState | undefined> {
  const { rows } = await client.query<LeaseRow>('SELECT *, expires_at > now() AS valid FROM lookout_leader_lease WHERE name = $1', [name]);
  return rows[0] ? toState(rows[0]) : undefined;
}

/**
 * Runs `work` in a transaction that holds the lease row (FOR SHARE: a takeover waits
 * until it commits) and only if `holder` still leads at `epoch` and the lease has not
 * expired; otherwise rolls back and throws StaleEpochError.
 */
export async function fenced<T>(client: pg.ClientBase, name: string, holder: string, epoch: number, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<LeaseRow>('SELECT *, expires_at > now() AS valid FROM lookout_leader_lease WHERE name = $1 FOR SHARE', [name]);
    const row = rows[0];
    if (!row || row.holder !== holder || Number(row.epoch) !== epoch || !row.valid) throw new StaleEpochError(epoch, row ? toState(row) : undefined);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

export interface ElectorClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

export interface LeaderElectorOptions {
  pool: pg.Pool;
  name: string;
  holder: string;
  ttlMs: number;
  /** renew this often; default a third of the TTL, well inside it */
  renewEveryMs?: number;
  clock?: ElectorClock;
  onElected?(lease: LeaseState): void;
  /** lost the lease, or could not renew it in time (database unreachable): stop leading now */
  onDemoted?(reason: string): void;
  onError?(error: unknown): void;
}

const systemClock: ElectorClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

/**
 * The election loop: try to take or renew the lease every `renewEveryMs`. A leader that
 * cannot renew (the database is unreachable, or another took over) steps down before its
 * lease can have expired by its own clock — renewal attempts are timed from before the
 * request, so a slow answer counts against it — and the fencing in `fenced()` refuses
 * whatever it still tries to write.
 */
export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private current: LeaseState | undefined;
  private leadingSince: number | undefined;
  /** local time before the last successful renewal was sent */
  private lastRenewalStart = 0;
  /** times this collector was elected (taking over counts, renewing does not) */
  elections = 0;

  constructor(private readonly options: LeaderElectorOptions) {}

  get leader(): boolean {
    return this.current !== undefined;
  }

  /** the epoch this collector leads at, when it leads */
  get epoch(): number | undefined {
    return this.current?.epoch;
  }

  get lease(): LeaseState | undefined {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops the loop; a leader gives the lease up so another takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) (this.options.clock ?? systemClock).clearTimeout(this.timer);
    this.timer = undefined;
    const lease = this.current;
    if (!lease) return;
    this.demote('stopping');
    const client = await this.options.pool.connect().catch(() => undefined);
    if (!client) return;
    try {
      await releaseLease(client, this.options.name, this.options.holder, lease.epoch);
    } catch {
      // unreachable: the lease expires by itself
    } finally {
      client.release();
    }
  }

  /** One election round; exposed so tests and the cluster API can drive it. */
  async tick(): Promise<void> {
    const clock = this.options.clock ?? systemClock;
    const started = clock.now();
    try {
      const client = await this.options.pool.connect();
      // a connection whose query failed (timed out on a half-open link) is dropped, not reused:
      // its late renewal must not be followed by more on the same dead link
      let broken: Error | undefined;
      try {
        const attempt = await acquireLease(client, this.options.name, this.options.holder, this.options.ttlMs);
        if (this.stopped) return;
        if (attempt.leader) {
          this.lastRenewalStart = started;
          const changed = this.current?.epoch !== attempt.lease.epoch;
          if (changed && this.current) this.demote(`epoch moved from ${this.current.epoch} to ${attempt.lease.epoch}`);
          this.current = attempt.lease;
          if (changed) {
            this.leadingSince = started;
            this.elections++;
            this.options.onElected?.(attempt.lease);
          }
        } else if (this.current) {
          this.demote(`lease taken by ${attempt.lease.holder} at epoch ${attempt.lease.epoch}`);
        }
      } catch (error) {
        broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
    } catch (error) {
      this.options.onError?.(error);
      // Could not renew: step down before the lease can have run out by our own clock.
      if (this.current && clock.now() - this.lastRenewalStart >= this.options.ttlMs - this.renewEveryMs()) {
        this.demote(`could not renew the lease for ${clock.now() - this.lastRenewalStart} ms: ${(error as Error).message}`);
      }
    } finally {
      if (!this.stopped) this.timer = clock.setTimeout(() => void this.tick(), this.renewEveryMs());
    }
  }

  /** how long this collector has led, in ms, or undefined */
  leadingForMs(): number | undefined {
    return this.leadingSince === undefined || !this.current ? undefined : (this.options.clock ?? systemClock).now() - this.leadingSince;
  }

  private renewEveryMs(): number {
    return this.options.renewEveryMs ?? Math.max(50, Math.floor(this.options.ttlMs / 3));
  }

  private demote(reason: string): void {
    if (!this.current) return;
    this.current = undefined;
    this.leadingSince = undefined;
    this.options.onDemoted?.(reason);
  }
}
