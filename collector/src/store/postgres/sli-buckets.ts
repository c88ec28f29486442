import type pg from 'pg';

/**
 * SLI minute buckets in PostgreSQL, shared by every collector of a cluster. Each replica
 * adds what it counted (an upsert that adds, so the replicas' shares sum to the whole
 * traffic), and, when it ingests through a write-ahead log, moves its cursor in the same
 * transaction: after a crash it replays exactly the entries whose buckets did not commit,
 * so no request is counted twice and none is lost.
 */

export interface BucketIncrement {
  sliId: string;
  /** minutes since the epoch */
  minute: number;
  good: number;
  total: number;
}

export interface CursorUpdate {
  replica: string;
  /** which log, e.g. 'traces' */
  log: string;
  nextSequence: number;
}

export interface SliCounts {
  good: number;
  total: number;
}

/**
 * Adds increments (same bucket summed first, so one statement carries each bucket once)
 * and optionally moves a cursor, all in one transaction.
 */
export async function addBuckets(client: pg.ClientBase, increments: readonly BucketIncrement[], cursor?: CursorUpdate): Promise<void> {
  const merged = new Map<string, BucketIncrement>();
  for (const increment of increments) {
    if (!Number.isSafeInteger(increment.minute) || !Number.isSafeInteger(increment.good) || !Number.isSafeInteger(increment.total)) {
      throw new RangeError(`bucket ${increment.sliId}@${increment.minute}: minute, good and total must be integers (got ${increment.minute}, ${increment.good}, ${increment.total})`);
    }
    if (increment.good < 0 || increment.total < increment.good) {
      throw new RangeError(`bucket ${increment.sliId}@${increment.minute}: need 0 ≤ good ≤ total (got good ${increment.good}, total ${increment.total})`);
    }
    const key = `${increment.sliId}\u0000${increment.minute}`;
    const seen = merged.get(key);
    if (seen) {
      seen.good += increment.good;
      seen.total += increment.total;
    } else merged.set(key, { ...increment });
  }
  const rows = [...merged.values()];
  const totals = new Map<string, SliCounts>();
  for (const row of rows) {
    const t = totals.get(row.sliId) ?? { good: 0, total: 0 };
    t.good += row.good;
    t.total += row.total;
    totals.set(row.sliId, t);
  }
  await client.query('BEGIN');
  try {
    if (rows.length > 0) {
      await client.query(
        `INSERT INTO lookout_sli_minutes AS m (sli_id, minute, good, total)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
         ON CONFLICT (sli_id, minute) DO UPDATE SET good = m.good + EXCLUDED.good, total = m.total + EXCLUDED.total, updated_at = now()`,
        [rows.map((r) => r.sliId), rows.map((r) => r.minute), rows.map((r) => r.good), rows.map((r) => r.total)],
      );
      const ids = [...totals.keys()];
      await client.query(
        `INSERT INTO lookout_sli_totals AS t (sli_id, good, total)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
         ON CONFLICT (sli_id) DO UPDATE SET good = t.good + EXCLUDED.good, total = t.total + EXCLUDED.total`,
        [ids, ids.map((id) => totals.get(id)!.good), ids.map((id) => totals.get(id)!.total)],
      );
    }
    if (cursor) {
      await client.query(
        `INSERT INTO lookout_ingest_cursors (replica, log, next_sequence, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (replica, log) DO UPDATE SET next_sequence = EXCLUDED.next_sequence, updated_at = now()`,
        [cursor.replica, cursor.log, cursor.nextSequence],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The sequence this replica's consumer of `log` resumes at; 0 when it never committed. */
export async function readCursor(client: pg.ClientBase, replica: string, log: string): Promise<number> {
  const { rows } = await client.query<{ next_sequence: string }>('SELECT next_sequence FROM lookout_ingest_cursors WHERE replica = $1 AND log = $2', [replica, log]);
  return rows[0] ? Number(rows[0].next_sequence) : 0;
}

/** Sum of the buckets of `sliId` over [fromMinute, toMinute). */
export async function sumBuckets(client: pg.ClientBase, sliId: string, fromMinute: number, toMinute: number): Promise<SliCounts> {
  const { rows } = await client.query<{ good: string | null; total: string | null }>(
    'SELECT sum(good) AS good, sum(total) AS total FROM lookout_sli_minutes WHERE sli_id = $1 AND minute >= $2 AND minute < $3',
    [sliId, fromMinute, toMinute],
  );
  return { good: Number(rows[0]?.good ?? 0), total: Number(rows[0]?.total ?? 0) };
}

/** The buckets of `sliId` over [fromMinute, toMinute), by minute. */
export async function readBuckets(client: pg.ClientBase, sliId: string, fromMinute: number, toMinute: number): Promise<Array<SliCounts & { minute: number }>> {
  const { rows } = await client.query<{ minute: string; good: string; total: string }>(
    'SELECT minute, good, total FROM lookout_sli_minutes WHERE sli_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute',
    [sliId, fromMinute, toMinute],
  );
  return rows.map((r) => ({ minute: Number(r.minute), good: Number(r.good), total: Number(r.total) }));
}

/** Deletes buckets older than `beforeMinute` (retention); returns how many. */
export async function pruneBuckets(client: pg.ClientBase, beforeMinute: number): Promise<number> {
  const result = await client.query('DELETE FROM lookout_sli_minutes WHERE minute < $1', [beforeMinute]);
  return result.rowCount ?? 0;
}
