import type pg from 'pg';
import { readStoredEpisode, type AlertStateRow, type UnreadableAlertStateRow } from '../alert-state-store.ts';
import { fenced } from './leader-lease.ts';

/**
 * What the leader of a cluster keeps in PostgreSQL besides the SLI buckets (issue 14):
 * the alert state (firing alerts, open episodes) and the notifications it decided (the
 * outbox of record). Both are written only in `fenced()` transactions, so a leader that
 * lost the lease has its late writes refused (StaleEpochError); every row carries the
 * epoch it was written at. A new leader reads both back: it continues the open episodes
 * (no second page) and sends what the old one left undelivered (no lost resolve).
 *
 * PostgreSQL's text and jsonb cannot hold the character U+0000, which SQLite and the
 * runtimes take (a label value from telemetry may carry one). So every string written
 * here goes through toPg() — U+0000 as U+E000 '0', U+E000 itself doubled — and comes back
 * through fromPg(): the rows read back are the rows written, and such a label cannot make
 * the leader's write fail on every try (which would hold back every page behind it).
 */

const ESC = '\uE000';

/** A string PostgreSQL can store (see above); reversed by fromPgText. */
export function toPgText(text: string): string {
  if (!text.includes('\u0000') && !text.includes(ESC)) return text;
  return text.replaceAll(ESC, ESC + ESC).replaceAll('\u0000', `${ESC}0`);
}

export function fromPgText(text: string): string {
  if (!text.includes(ESC)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== ESC) out += c;
    else out += text[++i] === '0' ? '\u0000' : ESC;
  }
  return out;
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[map(k)] = mapStrings(v, map);
    return out;
  }
  return value;
}

/** JSON text for a jsonb column: the value with every string through toPgText. */
const toPgJson = (value: unknown): string => JSON.stringify(mapStrings(value ?? null, toPgText));
const fromPgJson = (value: unknown): unknown => mapStrings(value, fromPgText);

export interface PublishedNotification {
  dedupKey: string;
  status: 'firing' | 'resolved';
  /** startsAt of the episode */
  episode: string;
  notification: unknown;
}

export interface OutboxRecord extends PublishedNotification {
  id: number;
  epoch: number;
  holder: string;
}

export interface LeaderWrite {
  lease: string;
  holder: string;
  epoch: number;
  /** the whole alert state, when it changed since the last write; undefined leaves it */
  alertState?: readonly AlertStateRow[];
  notifications: readonly PublishedNotification[];
}

/** Writes alert state and notifications in one fenced transaction. */
export async function writeAsLeader(client: pg.ClientBase, write: LeaderWrite): Promise<void> {
  await fenced(client, write.lease, write.holder, write.epoch, async (c) => {
    if (write.alertState) {
      await c.query('DELETE FROM lookout_alert_state');
      const rows = write.alertState;
      if (rows.length > 0) {
        await c.query(
          `INSERT INTO lookout_alert_state (source, unit, key, rule, episode, machine, changed_at, epoch)
           SELECT s, u, k, r, e, m, c, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::bigint[]) AS t(s, u, k, r, e, m, c)`,
          [
            rows.map((r) => r.source),
            rows.map((r) => toPgText(r.unit)),
            rows.map((r) => toPgText(r.key)),
            rows.map((r) => toPgText(r.rule)),
            rows.map((r) => (r.episode ? toPgJson(r.episode) : null)),
            rows.map((r) => toPgJson(r.machine)),
            rows.map((r) => r.changedAt),
            write.epoch,
          ],
        );
      }
    }
    if (write.notifications.length > 0) {
      const n = write.notifications;
      await c.query(
        `INSERT INTO lookout_outbox (dedup_key, status, episode, notification, epoch, holder)
         SELECT d, s, e, j, $5, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) AS t(d, s, e, j)
         ON CONFLICT (dedup_key, status, episode) DO NOTHING`,
        [n.map((x) => toPgText(x.dedupKey)), n.map((x) => x.status), n.map((x) => toPgText(x.episode)), n.map((x) => toPgJson(x.notification)), write.epoch, toPgText(write.holder)],
      );
    }
  });
}

/**
 * The alert state the last leader wrote. Rows that cannot be read (hand-edited or
 * damaged) come back apart, saying what is wrong, as AlertStateStore.load() reports
 * them: a new leader drops them with a warning instead of failing its take-over.
 */
export async function readAlertState(client: pg.ClientBase): Promise<{ rows: AlertStateRow[]; unreadable: UnreadableAlertStateRow[] }> {
  const { rows: raws } = await client.query<{ source: string; unit: string; key: string; rule: string; episode: unknown; machine: unknown; changed_at: string }>(
    'SELECT source, unit, key, rule, episode, machine, changed_at FROM lookout_alert_state ORDER BY source, unit, key',
  );
  const rows: AlertStateRow[] = [];
  const unreadable: UnreadableAlertStateRow[] = [];
  for (const r of raws) {
    const unit = fromPgText(r.unit);
    const key = fromPgText(r.key);
    try {
      if (r.source !== 'slo' && r.source !== 'threshold') throw new Error(`source ${JSON.stringify(r.source)} is neither slo nor threshold`);
      const stored = fromPgJson(r.episode);
      if (stored !== null && (typeof stored !== 'object' || Array.isArray(stored))) throw new Error('episode is not a JSON object');
      const parts = (stored ?? {}) as Record<string, unknown>;
      const episode = stored === null ? null : readStoredEpisode({ dedupKey: parts.dedupKey, startsAt: parts.startsAt, labels: parts.labels, annotations: parts.annotations });
      rows.push({ source: r.source, unit, key, rule: fromPgText(r.rule), episode, machine: fromPgJson(r.machine), changedAt: Number(r.changed_at) });
    } catch (error) {
      unreadable.push({ source: r.source, unit, key, error: (error as Error).message });
    }
  }
  return { rows, unreadable };
}

/** Notifications not yet delivered to every receiver, oldest first. */
export function readUndelivered(client: pg.ClientBase): Promise<OutboxRecord[]> {
  return readOutbox(client, 'undelivered');
}

/** The outbox of record, oldest first: the notifications not delivered yet, or all it still holds. */
export async function readOutbox(client: pg.ClientBase, which: 'undelivered' | 'all'): Promise<Array<OutboxRecord & { deliveredAt: Date | null }>> {
  const { rows } = await client.query<{ id: string; dedup_key: string; status: string; episode: string; notification: unknown; epoch: string; holder: string; delivered_at: Date | null }>(
    `SELECT id, dedup_key, status, episode, notification, epoch, holder, delivered_at FROM lookout_outbox ${which === 'undelivered' ? 'WHERE delivered_at IS NULL' : ''} ORDER BY id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    dedupKey: fromPgText(r.dedup_key),
    status: r.status as 'firing' | 'resolved',
    episode: fromPgText(r.episode),
    notification: fromPgJson(r.notification),
    epoch: Number(r.epoch),
    holder: fromPgText(r.holder),
    deliveredAt: r.delivered_at,
  }));
}

/** Marks notifications delivered (every receiver had them); returns how many changed. */
export async function markDelivered(client: pg.ClientBase, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await client.query('UPDATE lookout_outbox SET delivered_at = now() WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL', [ids]);
  return result.rowCount ?? 0;
}

/** Deletes notifications delivered more than `olderThanMs` ago; returns how many. */
export async function pruneDelivered(client: pg.ClientBase, olderThanMs: number): Promise<number> {
  const result = await client.query(`DELETE FROM lookout_outbox WHERE delivered_at < now() - $1 * interval '1 millisecond'`, [olderThanMs]);
  return result.rowCount ?? 0;
}

export interface ClusterMember {
  replica: string;
  startedAt: Date;
  seenAt: Date;
  version: string;
  /** seconds since it was last seen, by the database's clock */
  ageSeconds: number;
}

/** Says `replica` is alive now. */
export async function heartbeatMember(client: pg.ClientBase, replica: string, startedAt: Date, version: string): Promise<void> {
  await client.query(
    `INSERT INTO lookout_cluster_members (replica, started_at, seen_at, version) VALUES ($1, $2, now(), $3)
     ON CONFLICT (replica) DO UPDATE SET started_at = EXCLUDED.started_at, seen_at = now(), version = EXCLUDED.version`,
    [replica, startedAt, version],
  );
}

/** Members seen within `withinMs`; older rows are deleted after ten times that. */
export async function listMembers(client: pg.ClientBase, withinMs: number): Promise<ClusterMember[]> {
  await client.query(`DELETE FROM lookout_cluster_members WHERE seen_at < now() - $1 * interval '1 millisecond'`, [withinMs * 10]);
  const { rows } = await client.query<{ replica: string; started_at: Date; seen_at: Date; version: string; age: number }>(
    `SELECT replica, started_at, seen_at, version, extract(epoch FROM now() - seen_at)::float8 AS age FROM lookout_cluster_members
     WHERE seen_at >= now() - $1 * interval '1 millisecond' ORDER BY replica`,
    [withinMs],
  );
  return rows.map((r) => ({ replica: r.replica, startedAt: r.started_at, seenAt: r.seen_at, version: r.version, ageSeconds: Number(r.age) }));
}
