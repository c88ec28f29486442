import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dedupKeyOf } from '../collector/src/notify/keys.ts';
import { Outbox } from '../collector/src/notify/outbox.ts';
import type { AlertNotification } from '../collector/src/notify/types.ts';
import { AlertStateStore, type AlertStateRow, type UnreadableAlertStateRow } from '../collector/src/store/alert-state-store.ts';
import {
  acquireLease,
  markDelivered,
  migrate,
  pruneDelivered,
  readAlertState,
  readOutbox,
  readUndelivered,
  StaleEpochError,
  writeAsLeader,
} from '../collector/src/store/postgres/index.ts';
import { postgresPerFile } from './helpers/postgres.ts';
import { sloPage } from './helpers/notifications.ts';

// The alert state and the outbox, one suite on both backends (issue 14): what a
// collector keeps in its SQLite file (store/alert-state-store.ts, notify/outbox.ts) and
// what the leader of a cluster keeps in PostgreSQL (store/postgres/cluster-state.ts)
// must hold the same promises — rows survive a reopen exactly as written, a notification
// is stored once per status and episode, the state and the notifications it causes
// commit together or not at all, damaged rows are reported apart, delivered rows are
// pruned and pending ones kept. The PostgreSQL side runs against the Debian PostgreSQL
// the helper starts (one server for the file, a fresh database per test).
//
// Each backend is reached through the small adapter below, which speaks in the terms
// both share: the whole alert state, notifications by (dedup key, status, episode).
// Cases only one backend can hold (SQLite-file specifics: the file's schema version,
// the file that cannot be opened) stay in collector/src/store/alert-state-store.test.ts
// and collector/src/notify/outbox.test.ts.

const NOW = Date.parse('2024-05-01T12:00:00Z');
const HOUR = 3_600_000;

interface StateOfRecord {
  /** replaces the whole alert state and stores the notifications, in one transaction; `failBetween` breaks it after the state is written */
  write(rows: readonly AlertStateRow[], notifications: readonly AlertNotification[], options?: { failBetween?: boolean }): Promise<void>;
  load(): Promise<{ rows: AlertStateRow[]; unreadable: UnreadableAlertStateRow[] }>;
  /** `dedupKey status episode` of the notifications not delivered yet, oldest first */
  undelivered(): Promise<string[]>;
  /** the stored notification bodies, oldest first */
  notifications(): Promise<AlertNotification[]>;
  markDelivered(keys: readonly string[]): Promise<void>;
  /** deletes delivered notifications older than `olderThanMs` (now: the backend's clock); returns how many */
  prune(olderThanMs: number): Promise<number>;
  /** as after a crash: a new connection on what was committed */
  reopen(): Promise<void>;
  /** damages one row's episode labels behind the store's back (a hand edit) */
  damageLabels(unit: string, key: string): Promise<void>;
  /** damages one row's episode so its dedup key is there without its startsAt */
  damageEpisode(unit: string, key: string): Promise<void>;
  close(): Promise<void>;
}

const keyOf = (n: { dedupKey: string; status: string; episode: string }) => `${n.dedupKey} ${n.status} ${n.episode}`;

// ---- SQLite: the outbox file with the alert state on its connection (as the notifier opens them)

function sqliteBackend(): StateOfRecord {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-backends-'));
  const file = join(dir, 'data', 'notify-outbox.sqlite');
  let outbox = Outbox.open(file);
  let store = AlertStateStore.on(outbox.database, outbox.file);
  let clockNow = NOW;
  const target = [{ receiver: 'hook', resend: false }];
  return {
    async write(rows, notifications, options) {
      store.transaction(() => {
        store.replaceAll(rows);
        if (options?.failBetween) throw new Error('crash between the state and the notifications');
        for (const n of notifications) outbox.enqueue(n, target, { now: clockNow, maxAgeMs: HOUR });
      });
    },
    async load() {
      const slo = store.load('slo');
      const threshold = store.load('threshold');
      return { rows: [...slo.rows, ...threshold.rows], unreadable: [...slo.unreadable, ...threshold.unreadable] };
    },
    async undelivered() {
      return outbox.rows('hook').filter((r) => r.state === 'pending').map(keyOf);
    },
    async notifications() {
      return outbox.rows('hook').map((r) => r.notification);
    },
    async markDelivered(keys) {
      for (const row of outbox.rows('hook')) if (keys.includes(keyOf(row))) outbox.markDelivered(row.id, clockNow);
    },
    async prune(olderThanMs) {
      clockNow += 1; // the SQLite outbox takes its clock from the caller: a moment later
      return outbox.prune(clockNow - olderThanMs);
    },
    async reopen() {
      store.close();
      outbox.close();
      outbox = Outbox.open(file);
      store = AlertStateStore.on(outbox.database, outbox.file);
    },
    async damageLabels(unit, key) {
      const raw = new Database(file);
      raw.prepare(`UPDATE alert_state SET labels = '{"severity": 3}' WHERE unit = ? AND key = ?`).run(unit, key);
      raw.close();
    },
    async damageEpisode(unit, key) {
      const raw = new Database(file);
      raw.prepare(`UPDATE alert_state SET starts_at = NULL WHERE unit = ? AND key = ?`).run(unit, key);
      raw.close();
    },
    async close() {
      store.close();
      outbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- PostgreSQL: the leader's fenced writes (cluster-state.ts) on a fresh database

const postgres = postgresPerFile();
const pgAvailable = postgres.available;
let databases = 0;

async function postgresBackend(): Promise<StateOfRecord> {
  const name = `lookout_backends_${++databases}`;
  const url = await postgres.freshDatabase(name);
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  let client = await pool.connect();
  await migrate(client);
  const lease = await acquireLease(client, 'evaluator', 'collector-1', 3_600_000);
  const write = {
    lease: 'evaluator',
    holder: 'collector-1',
    epoch: lease.lease.epoch,
  };
  return {
    async write(rows, notifications, options) {
      // failBetween: the connection breaks once the state is written (the outbox insert never arrives)
      const target: pg.ClientBase = options?.failBetween
        ? (Object.assign(Object.create(client) as pg.ClientBase, {
            query: (text: unknown, ...rest: unknown[]) =>
              typeof text === 'string' && text.includes('INSERT INTO lookout_outbox')
                ? Promise.reject(new Error('Connection terminated unexpectedly'))
                : (client.query as (...a: unknown[]) => Promise<unknown>).call(client, text, ...rest),
          }) as pg.ClientBase)
        : client;
      await writeAsLeader(target, {
        ...write,
        alertState: rows,
        notifications: notifications.map((n) => ({ dedupKey: n.dedupKey, status: n.status, episode: n.startsAt, notification: n })),
      });
    },
    async load() {
      return readAlertState(client);
    },
    async undelivered() {
      return (await readUndelivered(client)).map(keyOf);
    },
    async notifications() {
      return (await readOutbox(client, 'all')).map((r) => r.notification as AlertNotification);
    },
    async markDelivered(keys) {
      const ids = (await readUndelivered(client)).filter((r) => keys.includes(keyOf(r))).map((r) => r.id);
      await markDelivered(client, ids);
    },
    async prune(olderThanMs) {
      await new Promise((r) => setTimeout(r, 5)); // now() of the next statement is a moment later
      return pruneDelivered(client, olderThanMs);
    },
    async reopen() {
      client.release(true);
      client = await pool.connect();
    },
    async damageLabels(unit, key) {
      await client.query(`UPDATE lookout_alert_state SET episode = jsonb_set(episode, '{labels,severity}', '3') WHERE unit = $1 AND key = $2`, [unit, key]);
    },
    async damageEpisode(unit, key) {
      await client.query(`UPDATE lookout_alert_state SET episode = episode - 'startsAt' WHERE unit = $1 AND key = $2`, [unit, key]);
    },
    async close() {
      client.release();
      await pool.end();
      await postgres.dropDatabase(name);
    },
  };
}

function row(unit: string, key: string, episode = true, source: AlertStateRow['source'] = 'slo'): AlertStateRow {
  return {
    source,
    unit,
    key,
    rule: unit,
    episode: episode
      ? { dedupKey: `lookout-${unit}-${key}`, startsAt: '2024-05-01T11:59:00.000Z', labels: { alertname: 'SLOErrorBudgetBurn', severity: key }, annotations: { summary: 'burning' } }
      : null,
    machine: { alerts: [{ severity: key, firedAtMs: NOW - 60_000, value: 14.4 }], group: null },
    changedAt: NOW,
  };
}

const alert = sloPage;

const key = (n: AlertNotification) => `${n.dedupKey} ${n.status} ${n.startsAt}`;

const backends = [
  { name: 'SQLite', skip: false, open: async () => sqliteBackend() },
  { name: 'PostgreSQL', skip: !pgAvailable, open: postgresBackend },
];

describe.each(backends)('alert state and outbox on $name', ({ skip, open }) => {
  let backend: StateOfRecord;
  beforeEach(async () => {
    if (!skip) backend = await open();
  });
  afterEach(async () => {
    if (!skip) await backend.close();
  });

  it.skipIf(skip)('keeps the alert state across a reopen exactly as written, and replaces it whole', async () => {
    const rows = [row('checkout/a', 'page'), row('checkout/a', 'ticket', false), row('checkout/b', 'page'), row('HighErrors{service="checkout"}', '', true, 'threshold')];
    await backend.write(rows, []);
    await backend.reopen();
    const loaded = await backend.load();
    expect(loaded.unreadable).toEqual([]);
    expect(sortRows(loaded.rows)).toEqual(sortRows(rows));
    // machine state the runtimes keep: numbers, nulls, nested lists and objects, as they were
    expect(loaded.rows.find((r) => r.unit === 'checkout/b')!.machine).toEqual(rows[2]!.machine);
    await backend.write([row('checkout/a', 'ticket', false)], []);
    await backend.reopen();
    expect((await backend.load()).rows).toEqual([row('checkout/a', 'ticket', false)]);
    await backend.write([], []);
    expect(await backend.load()).toEqual({ rows: [], unreadable: [] });
  });

  it.skipIf(skip)('stores a notification once per status and episode; the same one again is a no-op', async () => {
    await backend.write([], [alert('a')]);
    await backend.write([], [alert('a'), alert('a', 'resolved'), alert('a', 'firing', '2024-05-01T13:00:00Z')]);
    await backend.write([], [alert('a')]);
    expect(await backend.undelivered()).toEqual([key(alert('a')), key(alert('a', 'resolved')), key(alert('a', 'firing', '2024-05-01T13:00:00Z'))]);
    await backend.reopen();
    expect(await backend.notifications()).toEqual([alert('a'), alert('a', 'resolved'), alert('a', 'firing', '2024-05-01T13:00:00Z')]);
  });

  it.skipIf(skip)('the state and the notifications it causes commit together or not at all', async () => {
    await expect(backend.write([row('checkout/a', 'page')], [alert('a')], { failBetween: true })).rejects.toThrow();
    await backend.reopen();
    expect((await backend.load()).rows).toEqual([]);
    expect(await backend.undelivered()).toEqual([]);
    await backend.write([row('checkout/a', 'page')], [alert('a')]);
    await backend.reopen();
    expect((await backend.load()).rows).toHaveLength(1);
    expect(await backend.undelivered()).toEqual([key(alert('a'))]);
  });

  it.skipIf(skip)('labels and annotations with any text round-trip: quotes, newlines, emoji, a NUL character', async () => {
    const labels = { alertname: 'Odd "quoted" \\ name', service: 'svc\nline', path: '/ü/😀', raw: 'a\u0000b', escape: 'x\uE000y\uE0000z' };
    const odd: AlertNotification = { dedupKey: dedupKeyOf(labels), status: 'firing', labels, annotations: { summary: 'tab\there' }, startsAt: '2024-05-01T11:58:00Z' };
    const oddRow: AlertStateRow = { ...row('svc/odd', 'page'), episode: { dedupKey: odd.dedupKey, startsAt: odd.startsAt, labels, annotations: odd.annotations } };
    await backend.write([oddRow], [odd]);
    await backend.reopen();
    expect((await backend.load()).rows).toEqual([oddRow]);
    expect(await backend.notifications()).toEqual([odd]);
  });

  it.skipIf(skip)('reports damaged rows apart, saying what is wrong, and returns the rest', async () => {
    await backend.write([row('checkout/a', 'page'), row('checkout/b', 'page'), row('checkout/c', 'page')], []);
    await backend.damageLabels('checkout/a', 'page');
    await backend.damageEpisode('checkout/b', 'page');
    const loaded = await backend.load();
    expect(loaded.rows).toEqual([row('checkout/c', 'page')]);
    expect(loaded.unreadable.map((u) => `${u.unit} ${u.key}: ${u.error}`)).toEqual([
      'checkout/a page: labels.severity is not a string',
      'checkout/b page: dedup_key and starts_at must both be set or both be null',
    ]);
  });

  it.skipIf(skip)('marks notifications delivered; prunes delivered ones past retention and keeps those still owed', async () => {
    await backend.write([], [alert('a'), alert('b'), alert('a', 'resolved')]);
    await backend.markDelivered([key(alert('a'))]);
    expect(await backend.undelivered()).toEqual([key(alert('b')), key(alert('a', 'resolved'))]);
    expect(await backend.prune(HOUR)).toBe(0); // delivered just now: kept
    expect(await backend.prune(0)).toBe(1);
    expect((await backend.notifications()).map(key)).toEqual([key(alert('b')), key(alert('a', 'resolved'))]);
    // delivered again (a late ack) changes nothing
    await backend.markDelivered([key(alert('a'))]);
    expect(await backend.undelivered()).toEqual([key(alert('b')), key(alert('a', 'resolved'))]);
  });
});

describe.skipIf(!pgAvailable)('alert state and outbox on PostgreSQL only', () => {
  // SQLite has one writer per file; PostgreSQL has several collectors, so its writes are fenced by the lease's epoch
  it('refuses a write at a stale epoch and leaves what the current leader wrote', async () => {
    const backend = await postgresBackend();
    try {
      await backend.write([row('checkout/a', 'page')], [alert('a')]);
      const client = new pg.Client({ connectionString: postgres.server().url.replace(/\/postgres$/, `/lookout_backends_${databases}`) });
      await client.connect();
      try {
        const late = await writeAsLeader(client, {
          lease: 'evaluator',
          holder: 'collector-1',
          epoch: 0,
          alertState: [],
          notifications: [{ dedupKey: 'x', status: 'firing', episode: 'e', notification: alert('x') }],
        }).catch((e: unknown) => e);
        expect(late).toBeInstanceOf(StaleEpochError);
      } finally {
        await client.end();
      }
      expect((await backend.load()).rows).toEqual([row('checkout/a', 'page')]);
      expect(await backend.undelivered()).toEqual([key(alert('a'))]);
    } finally {
      await backend.close();
    }
  });
});

function sortRows(rows: AlertStateRow[]): AlertStateRow[] {
  return [...rows].sort((a, b) => `${a.source} ${a.unit} ${a.key}`.localeCompare(`${b.source} ${b.unit} ${b.key}`));
}
