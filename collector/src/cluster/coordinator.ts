import type pg from 'pg';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { NotifyEvent } from '../notify/dispatcher.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { AlertNotification } from '../notify/types.ts';
import type { AlertStateRow, AlertStateStore } from '../store/alert-state-store.ts';
import {
  heartbeatMember,
  LeaderElector,
  listMembers,
  markDelivered,
  migrate,
  pruneDelivered,
  readAlertState,
  readLease,
  readUndelivered,
  SchemaTooNewError,
  StaleEpochError,
  writeAsLeader,
  type ClusterMember,
  type LeaseState,
  type PublishedNotification,
  type SharedSliStore,
} from '../store/postgres/index.ts';

/**
 * One evaluator at a time (issue 14). Every collector of a cluster runs this: it applies
 * the schema migrations, says it is alive, and competes for the lease. The lease holder
 * evaluates SLOs and threshold alerts and sends notifications; the others ingest and
 * serve reads. Everything the leader decides reaches PostgreSQL before it reaches a
 * receiver: the runtimes hand notifications to publish(), a fenced transaction writes
 * them with the whole alert state at the leader's epoch, and only then are they put in
 * the local outbox that sends them. So a new leader finds every episode the old one
 * opened (no second page) and every notification it had not delivered (no lost
 * resolve), and a leader that lost the lease cannot page: its writes are refused.
 */

export interface ClusterAlerting {
  lead(): void;
  follow(): void;
  readonly evaluating: boolean;
  /** the local alert state the runtimes write (the outbox's SQLite file); undefined without receivers */
  readonly stateStore: AlertStateStore | undefined;
}

export interface ClusterOptions {
  pool: pg.Pool;
  replica: string;
  leaseName: string;
  leaseTtlMs: number;
  version: string;
  clock: Clock;
  logger: Logger;
  /** notifications decided and waiting for their write; more are refused (the runtimes retry them) */
  maxBuffered?: number;
  /** delivered notifications are kept this long in PostgreSQL (notify.retention) */
  deliveredRetentionMs?: number;
}

export type ClusterRole = 'starting' | 'follower' | 'leader';

export interface ClusterStatus {
  backend: 'postgres';
  replica: string;
  role: ClusterRole;
  /** why this collector does not evaluate, when it does not */
  evaluation: { running: boolean; reason?: string };
  database: { reachable: boolean; error?: string; lastReachableAt?: string; schemaReady: boolean };
  lease: { name: string; holder: string; epoch: number; acquiredAt: string; renewedAt: string; expiresAt: string; ageSeconds: number } | null;
  leader: string | null;
  epoch: number | null;
  members: Array<{ replica: string; startedAt: string; seenAt: string; version: string; leader: boolean }>;
  /** changes of hands of the lease this collector saw */
  failovers: number;
  /** times this collector was elected */
  elections: number;
  /** leader writes refused because the epoch was stale */
  refusedWrites: number;
  /** SLI buckets waiting for the database */
  pendingSliBuckets: number;
}

const keyOf = (n: { dedupKey: string; status: string; episode: string }) => `${n.dedupKey}\n${n.status}\n${n.episode}`;

export class ClusterCoordinator {
  private readonly options: ClusterOptions;
  private alerting: ClusterAlerting | undefined;
  private notifier: Notifier | undefined;
  private sli: SharedSliStore | undefined;
  private elector: LeaderElector | undefined;
  private timer: unknown;
  private stopped = false;
  private schemaReady = false;
  private reachable = false;
  private lastError: string | undefined;
  private lastReachableAt: number | undefined;
  private lease: LeaseState | undefined;
  private members: ClusterMember[] = [];
  private readonly startedAt: Date;
  /** the epoch this collector leads at, once it took over (restored the state) */
  private leadingEpoch: number | undefined;
  private takingOver: Promise<void> | undefined;
  /** the notifier pausing after a step-down: sends in flight end and are recorded */
  private pausing: Promise<void> | undefined;
  private buffer: PublishedNotification[] = [];
  private publishedIdentity: string | undefined;
  private writing: Promise<void> | undefined;
  private writeAgain = false;
  /**
   * keys of notifications handed to the local outbox while leading, until PostgreSQL
   * marks them delivered: kept after stepping down (a delivery is a fact whatever the
   * epoch), so what this collector sent is marked even when it lost the lease meanwhile,
   * and the next leader does not send it again
   */
  private readonly handed = new Set<string>();
  private lastEpochSeen: number | undefined;
  private lastPruneAt = -Infinity;
  /** a follower started over once the shared buckets were loaded */
  private followerHistoryRead = false;
  /** slos.lateData in minutes: buckets older than this that change are re-read by starting the evaluation over */
  private lateDataMinutes = 5;
  failovers = 0;
  refusedWrites = 0;
  leaderWrites = { ok: 0, error: 0 };

  constructor(options: ClusterOptions) {
    this.options = options;
    this.startedAt = new Date(options.clock.now());
  }

  /** What it starts and stops, built after it: the alerting publishes through it, the notifier sends for it. */
  attach(parts: { alerting?: ClusterAlerting | undefined; notifier?: Notifier | undefined; sli?: SharedSliStore | undefined; lateDataMinutes?: number }): void {
    if (parts.lateDataMinutes !== undefined) this.lateDataMinutes = parts.lateDataMinutes;
    if (parts.alerting) this.alerting = parts.alerting;
    if (parts.notifier) this.notifier = parts.notifier;
    if (parts.sli) this.sli = parts.sli;
  }

  get leading(): boolean {
    return this.leadingEpoch !== undefined && this.elector?.epoch === this.leadingEpoch;
  }

  /**
   * A notification decided by the runtimes (inside their local transaction): on the
   * leader buffered, written to PostgreSQL with the alert state, then enqueued locally
   * (throws when the buffer is full, so the runtime keeps it and retries). On a follower
   * dropped: its evaluation of the shared buckets only serves the read APIs.
   */
  publish(notification: AlertNotification): void {
    if (!this.leading || !this.notifier) return;
    if (this.buffer.length >= (this.options.maxBuffered ?? 10_000)) throw new Error('too many notifications waiting for the database');
    this.buffer.push({ dedupKey: notification.dedupKey, status: notification.status, episode: notification.startsAt, notification });
    this.options.clock.setTimer(() => void this.writeLeaderState(), 0);
  }

  /**
   * Applies the migrations now when the database answers, so a collector refuses to start
   * against a schema newer than it knows (SchemaTooNewError, thrown); when the database
   * does not answer, the collector starts anyway and the loop migrates once it does.
   */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      const client = await this.options.pool.connect();
      try {
        await this.migrateOnce(client);
      } finally {
        client.release();
      }
    } catch (error) {
      if (error instanceof SchemaTooNewError) throw error;
      this.unreachable(error);
    }
    void this.tick();
  }

  private async migrateOnce(client: pg.ClientBase): Promise<void> {
    if (this.schemaReady) return;
    const result = await migrate(client);
    this.schemaReady = true;
    if (result.applied.length > 0) this.options.logger.info({ from: result.from, to: result.to }, `PostgreSQL schema migrated to version ${result.to}`);
    this.sli?.activate();
    this.startElector();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.leading) await this.writeLeaderState().catch(() => {});
    await this.elector?.stop();
    await this.stepDown('stopping');
  }

  private renewEveryMs(): number {
    return Math.max(50, Math.floor(this.options.leaseTtlMs / 3));
  }

  /** One round: migrations (until they ran), member heartbeat, lease view, leader writes and deliveries. */
  private async tick(): Promise<void> {
    const { pool, logger } = this.options;
    try {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await this.migrateOnce(client);
        await heartbeatMember(client, this.options.replica, this.startedAt, this.options.version);
        this.members = await listMembers(client, this.options.leaseTtlMs * 2);
        this.observeLease(await readLease(client, this.options.leaseName));
        await this.markDeliveries(client);
        if (this.leading) {
          if (this.options.clock.now() - this.lastPruneAt >= 3_600_000) {
            this.lastPruneAt = this.options.clock.now();
            await pruneDelivered(client, this.options.deliveredRetentionMs ?? 7 * 86_400_000);
          }
        }
      } catch (error) {
        broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
      if (!this.reachable) logger.info({}, 'PostgreSQL is reachable');
      this.reachable = true;
      this.lastError = undefined;
      this.lastReachableAt = this.options.clock.now();
    } catch (error) {
      this.unreachable(error);
    }
    // an elected collector whose take-over failed (database gone meanwhile) tries again
    if (this.elector?.leader && this.leadingEpoch === undefined && !this.takingOver && this.elector.lease) this.takeOver(this.elector.lease);
    this.rereadLateBuckets();
    if (this.leading) void this.writeLeaderState();
    if (!this.stopped) this.timer = this.options.clock.setTimer(() => void this.tick(), this.renewEveryMs());
  }

  /**
   * Buckets older than slos.lateData changed (replicas pushing what they buffered while
   * the database was down): the SLO runtime has settled those minutes, so it starts over
   * from its (local, current) alert state and reads the whole history again — the alerts
   * are decided on the complete data, with no new page for an episode already open.
   */
  private rereadLateBuckets(): void {
    const alerting = this.alerting;
    if (!alerting || !this.sli?.loaded || this.takingOver) return;
    if (!this.leading && !this.followerHistoryRead) {
      // a follower evaluated from before the shared buckets were loaded: start over on them
      this.followerHistoryRead = true;
      this.sli.takeOldestChange();
      alerting.follow();
      return;
    }
    const oldest = this.sli.takeOldestChange();
    if (oldest === undefined || !alerting.evaluating) return;
    const settledBefore = Math.floor(this.options.clock.now() / 60_000) - this.lateDataMinutes;
    if (oldest >= settledBefore) return;
    this.options.logger.info({ minute: new Date(oldest * 60_000).toISOString() }, 'SLI buckets older than slos.lateData changed (late pushes after an outage): reading the SLO history again');
    if (this.leading) alerting.lead();
    else alerting.follow();
  }

  private unreachable(error: unknown): void {
    const message = (error as Error).message;
    if (this.reachable || this.lastError === undefined) this.options.logger.error({ err: message }, 'PostgreSQL is unreachable: ingest goes on (SLI buckets are buffered), evaluation pauses where the lease is lost');
    this.reachable = false;
    this.lastError = message;
  }

  private observeLease(lease: LeaseState | undefined): void {
    if (lease && this.lastEpochSeen !== undefined && lease.epoch > this.lastEpochSeen) this.failovers += lease.epoch - this.lastEpochSeen;
    if (lease) this.lastEpochSeen = lease.epoch;
    this.lease = lease;
  }

  private startElector(): void {
    const { pool, replica, leaseName, leaseTtlMs, logger } = this.options;
    this.elector = new LeaderElector({
      pool,
      name: leaseName,
      holder: replica,
      ttlMs: leaseTtlMs,
      onElected: (lease) => {
        logger.info({ epoch: lease.epoch }, `elected cluster leader at epoch ${lease.epoch}`);
        this.observeLease(lease);
        this.takeOver(lease);
      },
      onDemoted: (reason) => {
        (reason === 'stopping' ? logger.info : logger.warn).call(logger, { reason }, `stepping down as cluster leader: ${reason}`);
        void this.stepDown(reason);
      },
      onError: (error) => this.unreachable(error),
    });
    this.elector.start();
  }

  /** Restores the state of record (alert state, undelivered notifications, SLI mirror), then evaluates and sends. */
  private takeOver(lease: LeaseState): void {
    const run = async () => {
      const { pool, logger } = this.options;
      const { notifier, sli } = this;
      // a send of the last term still ending records its outcome first (its row stays delivered)
      await this.pausing;
      await sli?.sync();
      sli?.takeOldestChange(); // the history is read whole at the start of this term
      const client = await pool.connect();
      let rows: AlertStateRow[];
      let damaged = 0;
      let undelivered: Awaited<ReturnType<typeof readUndelivered>>;
      try {
        const state = await readAlertState(client);
        rows = state.rows;
        damaged = state.unreadable.length;
        for (const bad of state.unreadable)
          logger.warn({ ...bad }, `dropping an unreadable alert state row of record (${bad.source} ${bad.unit} ${bad.key}): ${bad.error}`);
        undelivered = await readUndelivered(client);
      } finally {
        client.release();
      }
      if (this.elector?.epoch !== lease.epoch) return; // lost it meanwhile
      this.alerting?.stateStore?.replaceAll(rows);
      // damaged rows of record are rewritten away by the first write of this term
      this.publishedIdentity = damaged > 0 ? undefined : identity(rows);
      this.buffer = [];
      this.handed.clear();
      if (notifier) {
        const dropped = notifier.outbox.dropPending();
        if (dropped > 0) logger.info({ dropped }, 'dropped notifications this collector had queued in an earlier term; the database says what is owed');
        for (const record of undelivered) {
          try {
            notifier.notify(record.notification as AlertNotification);
            this.handed.add(keyOf(record));
          } catch (error) {
            logger.error({ err: error, dedupKey: record.dedupKey }, 'cannot enqueue a notification the last leader left undelivered');
          }
        }
      }
      this.leadingEpoch = lease.epoch;
      this.alerting?.lead();
      notifier?.resume();
      logger.info(
        { epoch: lease.epoch, firing: rows.length, undelivered: undelivered.length },
        `leading at epoch ${lease.epoch}: continuing ${rows.filter((r) => r.episode).length} open episode(s), sending ${undelivered.length} undelivered notification(s)`,
      );
    };
    this.takingOver = run()
      .catch((error: unknown) => {
        this.options.logger.error({ err: (error as Error).message }, 'cannot take over as cluster leader yet (restoring the state failed); trying again');
      })
      .finally(() => {
        this.takingOver = undefined;
      });
  }

  private async stepDown(reason: string): Promise<void> {
    const was = this.leadingEpoch;
    this.leadingEpoch = undefined;
    this.buffer = [];
    this.publishedIdentity = undefined;
    // a collector shutting down does not start evaluating as a follower (its stores are closing)
    if (was !== undefined && !this.stopped) this.alerting?.follow();
    const pausing = this.notifier?.pause();
    this.pausing = pausing;
    await pausing;
    if (this.pausing === pausing) this.pausing = undefined;
    if (was !== undefined) this.options.logger.info({ epoch: was, reason }, 'following: not evaluating nor sending');
  }

  /** Writes the alert state (when it changed) and the buffered notifications, fenced; then enqueues them locally. */
  private writeLeaderState(): Promise<void> {
    if (this.writing) {
      this.writeAgain = true;
      return this.writing;
    }
    this.writing = (async () => {
      do {
        this.writeAgain = false;
        await this.writeOnce();
      } while (this.writeAgain && this.leading);
    })().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async writeOnce(): Promise<void> {
    const epoch = this.leadingEpoch;
    if (epoch === undefined || !this.leading) return;
    const store = this.alerting?.stateStore;
    const rows = store ? [...store.load('slo').rows, ...store.load('threshold').rows] : [];
    const id = identity(rows);
    const notifications = this.buffer;
    if (id === this.publishedIdentity && notifications.length === 0) return;
    this.buffer = [];
    const { pool, logger } = this.options;
    const notifier = this.notifier;
    try {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await writeAsLeader(client, {
          lease: this.options.leaseName,
          holder: this.options.replica,
          epoch,
          ...(id !== this.publishedIdentity ? { alertState: rows } : {}),
          notifications,
        });
      } catch (error) {
        if (!(error instanceof StaleEpochError)) broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
      this.leaderWrites.ok++;
    } catch (error) {
      this.leaderWrites.error++;
      if (error instanceof StaleEpochError) {
        this.refusedWrites++;
        logger.error({ err: error.message, notifications: notifications.length }, 'leader write refused: another collector leads now; stepping down');
        if (this.leadingEpoch === epoch) {
          void this.elector?.tick();
          await this.stepDown('write refused for a stale epoch');
        }
        return;
      }
      // the database did not answer: keep them for the next try (the lease decides whether we still lead then)
      if (this.leadingEpoch === epoch) this.buffer = [...notifications, ...this.buffer];
      this.unreachable(error);
      return;
    }
    if (this.leadingEpoch !== epoch) return;
    this.publishedIdentity = id;
    for (const n of notifications) {
      try {
        notifier?.notify(n.notification as AlertNotification);
        this.handed.add(keyOf(n));
      } catch (error) {
        logger.error({ err: error, dedupKey: n.dedupKey }, 'cannot enqueue a notification locally; the next leader sends it from the database');
      }
    }
  }

  private deliveryCheck: Promise<void> | undefined;
  private deliveryCheckAgain = false;

  /**
   * A receiver took a notification: mark it delivered in PostgreSQL now, so a leader that
   * dies next does not send it again; also after stepping down (a request in flight then
   * ends on its own), since the next leader reads what is undelivered.
   */
  onNotifyEvent(event: NotifyEvent): void {
    if (event.type !== 'attempt' || !event.ok || this.handed.size === 0) return;
    if (this.deliveryCheck) {
      this.deliveryCheckAgain = true;
      return;
    }
    this.deliveryCheck = (async () => {
      do {
        this.deliveryCheckAgain = false;
        const client = await this.options.pool.connect();
        try {
          await this.markDeliveries(client);
        } finally {
          client.release();
        }
      } while (this.deliveryCheckAgain && this.handed.size > 0);
    })()
      .catch(() => {}) // the next round tries again
      .finally(() => {
        this.deliveryCheck = undefined;
      });
  }

  /**
   * Marks delivered what the local outbox finished (delivered or given up) among what
   * this collector handed it; forgets the keys PostgreSQL no longer holds undelivered
   * (marked by a later leader that sent them).
   */
  private async markDeliveries(client: pg.ClientBase): Promise<void> {
    const notifier = this.notifier;
    if (!notifier || this.handed.size === 0) return;
    const unfinished = notifier.outbox.unfinishedKeys();
    const undelivered = await readUndelivered(client);
    const done = undelivered.filter((r) => this.handed.has(keyOf(r)) && !unfinished.has(keyOf(r)));
    await markDelivered(
      client,
      done.map((r) => r.id),
    );
    const owed = new Set(undelivered.map(keyOf));
    for (const r of done) owed.delete(keyOf(r));
    for (const key of this.handed) if (!owed.has(key)) this.handed.delete(key);
  }

  status(): ClusterStatus {
    const now = this.options.clock.now();
    const lease = this.lease;
    const leaseValid = lease !== undefined && lease.expiresAt.getTime() > now;
    const role: ClusterRole = !this.schemaReady ? 'starting' : this.leading ? 'leader' : 'follower';
    const running = this.leading && Boolean(this.alerting?.evaluating);
    let reason: string | undefined;
    if (!running) {
      if (!this.reachable) reason = `PostgreSQL is unreachable (${this.lastError ?? 'not connected yet'}): evaluation pauses until this collector holds the lease again`;
      else if (!this.schemaReady) reason = 'the schema migrations have not run yet';
      else if (this.elector?.leader) reason = 'elected; restoring the alert state from PostgreSQL';
      else
        reason = leaseValid
          ? `${lease.holder} leads at epoch ${lease.epoch} and notifies; this collector follows (its /api/v1/slos shows its own reading of the shared buckets)`
          : 'no collector holds the lease; waiting for the election';
    }
    return {
      backend: 'postgres',
      replica: this.options.replica,
      role,
      evaluation: { running, ...(reason ? { reason } : {}) },
      database: {
        reachable: this.reachable,
        ...(this.lastError ? { error: this.lastError } : {}),
        ...(this.lastReachableAt ? { lastReachableAt: new Date(this.lastReachableAt).toISOString() } : {}),
        schemaReady: this.schemaReady,
      },
      lease: lease
        ? {
            name: lease.name,
            holder: lease.holder,
            epoch: lease.epoch,
            acquiredAt: lease.acquiredAt.toISOString(),
            renewedAt: lease.renewedAt.toISOString(),
            expiresAt: lease.expiresAt.toISOString(),
            ageSeconds: Math.max(0, (now - lease.acquiredAt.getTime()) / 1000),
          }
        : null,
      leader: leaseValid ? lease.holder : null,
      epoch: lease?.epoch ?? null,
      members: this.members.map((m) => ({
        replica: m.replica,
        startedAt: m.startedAt.toISOString(),
        seenAt: m.seenAt.toISOString(),
        version: m.version,
        leader: leaseValid && lease.holder === m.replica,
      })),
      failovers: this.failovers,
      elections: this.elector?.elections ?? 0,
      refusedWrites: this.refusedWrites,
      pendingSliBuckets: this.sli?.pendingBucketCount ?? 0,
    };
  }

  /** The shared SLI store's push rounds by outcome (zero without one). */
  sliPushes(): { ok: number; error: number } {
    return this.sli?.pushes ?? { ok: 0, error: 0 };
  }

  /** Why /readyz should say this collector is degraded (it still takes ingest), or undefined. */
  degraded(): string | undefined {
    if (!this.reachable) return `PostgreSQL is unreachable (${this.lastError ?? 'not connected yet'}): ingest is buffered, evaluation paused`;
    const sliError = this.sli?.lastError;
    if (sliError) return `SLI buckets cannot be written to PostgreSQL (${sliError.message}); buffered`;
    return undefined;
  }
}

function identity(rows: readonly AlertStateRow[]): string {
  return JSON.stringify(
    [...rows]
      .sort((a, b) => `${a.source}\n${a.unit}\n${a.key}`.localeCompare(`${b.source}\n${b.unit}\n${b.key}`))
      .map((r) => [r.source, r.unit, r.key, r.rule, r.episode, r.machine]),
  );
}
