import Database from 'better-sqlite3';
import { preparePrivateFile } from './private-files.ts';

/**
 * Alert state that must survive a restart: per firing SLO alert group and per firing
 * threshold alert, the episode last notified (dedup key, startsAt, labels,
 * annotations) and what the state machine needs to continue. It lives in the notify
 * outbox's database file and, when the outbox is open, on the outbox's own connection,
 * so a state change and the notification it causes commit in one transaction: after a
 * crash both are there or neither is.
 *
 * Only firing alerts are stored (pending ones restart their `for` from zero). Rows are
 * written per unit — one SLO, or one threshold alert — replacing the unit's rows.
 */

export type AlertStateSource = 'slo' | 'threshold';

/** The notification episode an alert row belongs to. */
export interface StoredEpisode {
  dedupKey: string;
  /** RFC 3339, the startsAt of the firing notification */
  startsAt: string;
  labels: Record<string, string>;
  /** as sent with the firing notification */
  annotations: Record<string, string>;
}

export interface AlertStateRow {
  source: AlertStateSource;
  /** what is written together: an SLO (`service/name`) or one threshold alert (its labels key) */
  unit: string;
  /** within the unit: the severity of an SLO's alert group; '' for a threshold alert */
  key: string;
  /** the rule the unit belongs to: the SLO (`service/name`) or the threshold alertname */
  rule: string;
  /** the episode notified; null while it fires without a notification (a muted ticket) */
  episode: StoredEpisode | null;
  /** what the state machine needs to continue (JSON-serialisable) */
  machine: unknown;
  /** ms since the epoch of the transition that wrote this row */
  changedAt: number;
}

/** A row that could not be read (hand-edited or damaged); it is dropped. */
export interface UnreadableAlertStateRow {
  source: string;
  unit: string;
  key: string;
  error: string;
}

interface RawRow {
  source: string;
  unit: string;
  key: string;
  rule: string;
  dedup_key: string | null;
  starts_at: string | null;
  labels: string | null;
  annotations: string | null;
  machine: string;
  changed_at: number;
}

const SCHEMA_VERSION = 1;

// Its own version table: the file's user_version belongs to the outbox.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS alert_state (
  source TEXT NOT NULL CHECK (source IN ('slo', 'threshold')),
  unit TEXT NOT NULL,
  key TEXT NOT NULL,
  rule TEXT NOT NULL,
  dedup_key TEXT,
  starts_at TEXT,
  labels TEXT,
  annotations TEXT,
  machine TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  PRIMARY KEY (source, unit, key)
) STRICT;
CREATE TABLE IF NOT EXISTS alert_state_schema (version INTEGER NOT NULL) STRICT;
`;

function checkObject(value: unknown, column: string): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${column} is not a JSON object`);
  for (const [name, v] of Object.entries(value)) if (typeof v !== 'string') throw new Error(`${column}.${name} is not a string`);
  return value as Record<string, string>;
}

/**
 * The episode of a stored row from its parts (labels and annotations already parsed),
 * or null when it has none; throws saying what is wrong. Shared with the PostgreSQL
 * copy of the alert state (store/postgres/cluster-state.ts), so a damaged row is
 * reported the same way whichever backend holds it.
 */
export function readStoredEpisode(parts: { dedupKey: unknown; startsAt: unknown; labels: unknown; annotations: unknown }): StoredEpisode | null {
  const { dedupKey, startsAt } = parts;
  if ((dedupKey === null || dedupKey === undefined) && (startsAt === null || startsAt === undefined)) return null;
  if (dedupKey === null || dedupKey === undefined || startsAt === null || startsAt === undefined) throw new Error('dedup_key and starts_at must both be set or both be null');
  if (typeof dedupKey !== 'string' || typeof startsAt !== 'string') throw new Error('dedup_key and starts_at must be text');
  return { dedupKey, startsAt, labels: checkObject(parts.labels, 'labels'), annotations: checkObject(parts.annotations, 'annotations') };
}

function toRow(raw: RawRow): AlertStateRow {
  const episode = readStoredEpisode({
    dedupKey: raw.dedup_key,
    startsAt: raw.starts_at,
    labels: raw.dedup_key === null && raw.starts_at === null ? null : (JSON.parse(raw.labels ?? 'null') as unknown),
    annotations: raw.dedup_key === null && raw.starts_at === null ? null : (JSON.parse(raw.annotations ?? 'null') as unknown),
  });
  return {
    source: raw.source as AlertStateSource,
    unit: raw.unit,
    key: raw.key,
    rule: raw.rule,
    episode,
    machine: JSON.parse(raw.machine) as unknown,
    changedAt: raw.changed_at,
  };
}

export class AlertStateStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly ownsConnection: boolean;
  private readonly statements;

  private constructor(db: Database.Database, file: string, ownsConnection: boolean) {
    this.db = db;
    this.file = file;
    this.ownsConnection = ownsConnection;
    db.exec(SCHEMA);
    const found = db.prepare('SELECT MAX(version) AS version FROM alert_state_schema').get() as { version: number | null };
    if (found.version !== null && found.version > SCHEMA_VERSION)
      throw new Error(
        `alert state in ${file} has schema version ${found.version}, newer than this Lookout understands (${SCHEMA_VERSION}); run a newer Lookout or move the file away`,
      );
    if (found.version === null) db.prepare('INSERT INTO alert_state_schema (version) VALUES (?)').run(SCHEMA_VERSION);
    this.statements = {
      bySource: db.prepare('SELECT * FROM alert_state WHERE source = ? ORDER BY unit, key'),
      deleteUnit: db.prepare('DELETE FROM alert_state WHERE source = ? AND unit = ?'),
      deleteRow: db.prepare('DELETE FROM alert_state WHERE source = ? AND unit = ? AND key = ?'),
      insert: db.prepare(`
        INSERT INTO alert_state (source, unit, key, rule, dedup_key, starts_at, labels, annotations, machine, changed_at)
        VALUES (@source, @unit, @key, @rule, @dedupKey, @startsAt, @labels, @annotations, @machine, @changedAt)`),
    };
  }

  /**
   * Uses an open connection — the outbox's (Outbox.database) — so writes here and the
   * outbox's enqueues can share a transaction. close() leaves the connection open.
   */
  static on(db: Database.Database, file: string): AlertStateStore {
    try {
      return new AlertStateStore(db, file, false);
    } catch (error) {
      throw openError(file, error);
    }
  }

  /** Opens (creating when needed) the database file with its own connection: WAL, synchronous FULL. */
  static open(file: string): AlertStateStore {
    let db: Database.Database | undefined;
    try {
      preparePrivateFile(file); // 0700 directory, 0600 file whatever the umask (issue 12)
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      // a committed state change must survive power loss, like the outbox rows beside it
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      return new AlertStateStore(db, file, true);
    } catch (error) {
      db?.close();
      throw openError(file, error);
    }
  }

  /** Every row of a source; rows that cannot be read come back apart (and are deleted by the caller's next write of their unit). */
  load(source: AlertStateSource): { rows: AlertStateRow[]; unreadable: UnreadableAlertStateRow[] } {
    const rows: AlertStateRow[] = [];
    const unreadable: UnreadableAlertStateRow[] = [];
    for (const raw of this.statements.bySource.all(source) as RawRow[]) {
      try {
        rows.push(toRow(raw));
      } catch (error) {
        unreadable.push({ source: raw.source, unit: raw.unit, key: raw.key, error: (error as Error).message });
      }
    }
    return { rows, unreadable };
  }

  /** Replaces every row of `unit` with `rows` (none: the unit is gone). */
  replaceUnit(source: AlertStateSource, unit: string, rows: readonly AlertStateRow[]): void {
    this.transaction(() => {
      this.statements.deleteUnit.run(source, unit);
      for (const row of rows) {
        if (row.source !== source || row.unit !== unit) throw new Error(`row ${row.source}/${row.unit} written as part of ${source}/${unit}`);
        this.statements.insert.run({
          source,
          unit,
          key: row.key,
          rule: row.rule,
          dedupKey: row.episode?.dedupKey ?? null,
          startsAt: row.episode?.startsAt ?? null,
          labels: row.episode ? JSON.stringify(row.episode.labels) : null,
          annotations: row.episode ? JSON.stringify(row.episode.annotations) : null,
          machine: JSON.stringify(row.machine),
          changedAt: row.changedAt,
        });
      }
    });
  }

  /**
   * Replaces the whole state with `rows` in one transaction (unreadable rows go too): a
   * cluster member taking over restores the state of record from PostgreSQL this way.
   */
  replaceAll(rows: readonly AlertStateRow[]): void {
    this.transaction(() => {
      for (const source of ['slo', 'threshold'] as const) {
        const local = this.load(source);
        for (const unit of new Set([...local.rows.map((r) => r.unit), ...local.unreadable.map((r) => r.unit)])) this.replaceUnit(source, unit, []);
        const units = new Map<string, AlertStateRow[]>();
        for (const row of rows) if (row.source === source) units.set(row.unit, [...(units.get(row.unit) ?? []), row]);
        for (const [unit, unitRows] of units) this.replaceUnit(source, unit, unitRows);
      }
    });
  }

  /** Deletes one row (an unreadable one, say). */
  deleteRow(source: string, unit: string, key: string): void {
    this.statements.deleteRow.run(source, unit, key);
  }

  /**
   * Runs `fn` in one transaction (a savepoint when one is open): what it writes here
   * and through the same connection (outbox enqueues) commits together or not at all.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get open(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.ownsConnection && this.db.open) this.db.close();
  }
}

function openError(file: string, error: unknown): Error {
  const message = (error as Error).message;
  if (message.includes('newer than this Lookout')) return error as Error;
  return new Error(`cannot open the alert state in ${file}: ${message}; check that storage.dataDir exists and is writable`);
}
