import type pg from 'pg';

/**
 * The PostgreSQL schema of the shared storage backend (issue 14), as numbered
 * migrations applied in order at start. Several collectors may start at once: the whole
 * check-and-apply runs in one transaction under a transaction-scoped advisory lock, so
 * exactly one applies each migration and the others see it done. A collector never runs
 * against a schema newer than it knows (it could misread or corrupt it): it refuses to
 * start and says so.
 */

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'SLI minute buckets and totals, ingest cursors, leader lease',
    sql: `
      CREATE TABLE lookout_sli_minutes (
        sli_id TEXT NOT NULL,
        minute BIGINT NOT NULL,
        good BIGINT NOT NULL,
        total BIGINT NOT NULL,
        PRIMARY KEY (sli_id, minute)
      );
      CREATE INDEX lookout_sli_minutes_by_minute ON lookout_sli_minutes (minute);
      CREATE TABLE lookout_sli_totals (
        sli_id TEXT PRIMARY KEY,
        good BIGINT NOT NULL,
        total BIGINT NOT NULL
      );
      -- each replica's position in its own write-ahead log, committed with its buckets
      CREATE TABLE lookout_ingest_cursors (
        replica TEXT NOT NULL,
        log TEXT NOT NULL,
        next_sequence BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (replica, log)
      );
      -- one row per lease: who holds it, its fencing epoch, until when (database clock)
      CREATE TABLE lookout_leader_lease (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        epoch BIGINT NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL,
        renewed_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'alert state, outbox and members of a cluster; when each SLI bucket last changed',
    sql: `
      -- lets a reader fetch only the buckets changed since it last looked (a replica's late flush)
      ALTER TABLE lookout_sli_minutes ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
      CREATE INDEX lookout_sli_minutes_by_update ON lookout_sli_minutes (updated_at);
      -- the leader's firing alerts and open episodes; written only under the lease (epoch)
      CREATE TABLE lookout_alert_state (
        source TEXT NOT NULL,
        unit TEXT NOT NULL,
        key TEXT NOT NULL,
        rule TEXT NOT NULL,
        episode JSONB,
        machine JSONB NOT NULL,
        changed_at BIGINT NOT NULL,
        epoch BIGINT NOT NULL,
        PRIMARY KEY (source, unit, key)
      );
      -- one row per notification decided by a leader; delivered_at once every receiver had it
      CREATE TABLE lookout_outbox (
        id BIGSERIAL PRIMARY KEY,
        dedup_key TEXT NOT NULL,
        status TEXT NOT NULL,
        episode TEXT NOT NULL,
        notification JSONB NOT NULL,
        epoch BIGINT NOT NULL,
        holder TEXT NOT NULL,
        enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        delivered_at TIMESTAMPTZ,
        UNIQUE (dedup_key, status, episode)
      );
      CREATE INDEX lookout_outbox_pending ON lookout_outbox (id) WHERE delivered_at IS NULL;
      -- every collector of the cluster says it is alive here
      CREATE TABLE lookout_cluster_members (
        replica TEXT PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        seen_at TIMESTAMPTZ NOT NULL,
        version TEXT NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Any 64-bit number the collectors agree on; the text is "lookout schema" in hex, cut. */
const MIGRATION_LOCK_KEY = 0x6c6f6f6b6f7574n;

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the PostgreSQL schema is at version ${found}, newer than this collector knows (${known}): another collector was upgraded. ` +
        'Upgrade this collector to the same release, or point storage.postgres.url at another database.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrationResult {
  /** version before, 0 for an empty database */
  from: number;
  to: number;
  applied: number[];
}

/** Brings the schema to SCHEMA_VERSION (or `migrations`' last), or refuses a newer one. */
export async function migrate(client: pg.ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS lookout_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM lookout_schema_version');
    const from = rows[0]?.version ?? 0;
    if (from > known) throw new SchemaTooNewError(from, known);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO lookout_schema_version (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, known), applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
