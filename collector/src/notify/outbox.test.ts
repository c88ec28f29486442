import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import { sloPage } from '../../../test/helpers/notifications.ts';

// The local SQLite outbox that sends, on either storage backend (with PostgreSQL the
// leader's notifications go through it too, after their fenced write): its per-receiver
// rows, ordering, backoff, re-sends and expiry are tested here. What it shares with the
// PostgreSQL outbox of record — one row per status and episode, kept across a reopen,
// committed with the alert state, delivered rows pruned — runs on both backends in
// test/alert-state-outbox-backends.test.ts.

const T0 = Date.parse('2024-05-01T12:00:00Z');
const HOUR = 3_600_000;

const alert = sloPage;

const both = [
  { receiver: 'am', resend: true },
  { receiver: 'hook', resend: false },
];

describe('outbox', () => {
  let dir: string;
  let file: string;
  let outbox: Outbox;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-outbox-'));
    file = join(dir, 'nested', 'outbox.sqlite');
    outbox = Outbox.open(file);
  });
  afterEach(() => {
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one row per receiver, and enqueueing the same notification again writes nothing', () => {
    const created = outbox.enqueue(alert('a'), both, { now: T0, maxAgeMs: HOUR });
    expect(created.map((r) => r.receiver)).toEqual(['am', 'hook']);
    expect(created[0]).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: T0, expiresAt: T0 + HOUR, resendActive: true });
    expect(created[1]!.resendActive).toBe(false);
    expect(outbox.enqueue(alert('a'), both, { now: T0 + 5, maxAgeMs: HOUR })).toEqual([]);
    expect(outbox.rows()).toHaveLength(2);
  });

  it('keeps pending rows across a reopen (as after a crash) with the same delivery keys', () => {
    const keys = outbox.enqueue(alert('a'), both, { now: T0, maxAgeMs: HOUR }).map((r) => r.deliveryKey);
    outbox.close();
    outbox = Outbox.open(file);
    expect(outbox.pendingCounts()).toEqual(new Map([['am', 1], ['hook', 1]]));
    expect(outbox.enqueue(alert('a'), both, { now: T0, maxAgeMs: HOUR })).toEqual([]);
    expect(outbox.rows().map((r) => r.deliveryKey)).toEqual(keys);
    expect(outbox.rows()[0]!.notification).toEqual(alert('a'));
  });

  it('gives each status and episode its own delivery key', () => {
    const firing = outbox.enqueue(alert('a'), [both[1]!], { now: T0, maxAgeMs: HOUR })[0]!;
    const resolved = outbox.enqueue(alert('a', 'resolved'), [both[1]!], { now: T0, maxAgeMs: HOUR })[0]!;
    const again = outbox.enqueue(alert('a', 'firing', '2024-05-01T13:00:00Z'), [both[1]!], { now: T0, maxAgeMs: HOUR })[0]!;
    expect(new Set([firing.deliveryKey, resolved.deliveryKey, again.deliveryKey]).size).toBe(3);
  });

  it('never hands out a resolve ahead of its firing, but other alerts are not held up', () => {
    const [firingA] = outbox.enqueue(alert('a'), [both[1]!], { now: T0, maxAgeMs: HOUR });
    const [resolvedA] = outbox.enqueue(alert('a', 'resolved'), [both[1]!], { now: T0, maxAgeMs: HOUR });
    const [firingB] = outbox.enqueue(alert('b'), [both[1]!], { now: T0 + 1, maxAgeMs: HOUR });
    expect(outbox.nextDue('hook', T0 + 1)!.id).toBe(firingA!.id);
    // firing A fails and backs off; resolved A is due but must wait; B goes
    outbox.markFailed(firingA!.id, T0 + 1, T0 + 10_000, 'HTTP 503');
    expect(outbox.nextDue('hook', T0 + 2)!.id).toBe(firingB!.id);
    outbox.markDelivered(firingB!.id, T0 + 2);
    expect(outbox.nextDue('hook', T0 + 3)).toBeUndefined();
    expect(outbox.nextDueAt('hook')).toBe(T0 + 10_000);
    outbox.markDelivered(firingA!.id, T0 + 10_000);
    expect(outbox.nextDue('hook', T0 + 10_000)!.id).toBe(resolvedA!.id);
    expect(outbox.get(firingA!.id)).toMatchObject({ state: 'delivered', attempts: 2, lastError: null, finishedAt: T0 + 10_000 });
  });

  it('gives up rows past their max age, except those in flight', () => {
    const [a] = outbox.enqueue(alert('a'), [both[1]!], { now: T0, maxAgeMs: 1000 });
    const [b] = outbox.enqueue(alert('b'), [both[1]!], { now: T0, maxAgeMs: 1000 });
    expect(outbox.nextExpiryAt()).toBe(T0 + 1000);
    expect(outbox.giveUpExpired(T0 + 999, new Set())).toEqual([]);
    const given = outbox.giveUpExpired(T0 + 1000, new Set([b!.id]));
    expect(given.map((r) => r.id)).toEqual([a!.id]);
    expect(outbox.get(a!.id)).toMatchObject({ state: 'given_up', lastError: 'not delivered within retry.maxAge' });
    expect(outbox.pendingCounts()).toEqual(new Map([['hook', 1]]));
  });

  it('re-sends a delivered firing Alertmanager alert until its resolve is enqueued', () => {
    const [row] = outbox.enqueue(alert('a'), [both[0]!], { now: T0, maxAgeMs: HOUR });
    expect(outbox.dueResends('am', T0 + 60_000, 10)).toEqual([]);
    outbox.markDelivered(row!.id, T0, T0 + 60_000);
    expect(outbox.nextResendAt('am')).toBe(T0 + 60_000);
    expect(outbox.dueResends('am', T0 + 59_999, 10)).toEqual([]);
    expect(outbox.dueResends('am', T0 + 60_000, 10).map((r) => r.id)).toEqual([row!.id]);
    outbox.setResendAt([row!.id], T0 + 120_000);
    expect(outbox.nextResendAt('am')).toBe(T0 + 120_000);
    outbox.enqueue(alert('a', 'resolved'), [both[0]!], { now: T0 + 70_000, maxAgeMs: HOUR });
    expect(outbox.nextResendAt('am')).toBeUndefined();
    expect(outbox.get(row!.id)!.resendActive).toBe(false);
  });

  it('a new firing episode replaces the old one in re-sends', () => {
    const [first] = outbox.enqueue(alert('a'), [both[0]!], { now: T0, maxAgeMs: HOUR });
    outbox.markDelivered(first!.id, T0, T0 + 60_000);
    const [second] = outbox.enqueue(alert('a', 'firing', '2024-05-01T12:30:00Z'), [both[0]!], { now: T0 + 1, maxAgeMs: HOUR });
    expect(outbox.get(first!.id)!.resendActive).toBe(false);
    expect(second!.resendActive).toBe(true);
  });

  it('a firing alert given up keeps being re-sent (due now), so Alertmanager learns of it once it is back', () => {
    const [row] = outbox.enqueue(alert('a'), [both[0]!], { now: T0, maxAgeMs: 1000 });
    outbox.giveUpExpired(T0 + 1000, new Set());
    expect(outbox.dueResends('am', T0 + 1000, 10).map((r) => r.id)).toEqual([row!.id]);
  });

  it('makeDueNow pulls a recovered receiver’s backlog forward', () => {
    const [a] = outbox.enqueue(alert('a'), [both[1]!], { now: T0, maxAgeMs: HOUR });
    outbox.markFailed(a!.id, T0, T0 + 50_000, 'network');
    expect(outbox.makeDueNow('hook', T0 + 10)).toBe(1);
    expect(outbox.nextDue('hook', T0 + 10)!.id).toBe(a!.id);
  });

  it('prunes finished rows past retention but keeps firing alerts still re-sent', () => {
    const [am] = outbox.enqueue(alert('a'), [both[0]!], { now: T0, maxAgeMs: HOUR });
    const [hook] = outbox.enqueue(alert('a'), [both[1]!], { now: T0, maxAgeMs: HOUR });
    outbox.markDelivered(am!.id, T0, T0 + 60_000);
    outbox.markDelivered(hook!.id, T0);
    expect(outbox.prune(T0 + 1)).toBe(1);
    expect(outbox.rows().map((r) => r.id)).toEqual([am!.id]);
  });

  it('refuses a database written by a newer Lookout, saying what to do', () => {
    outbox.close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => Outbox.open(file)).toThrow(/schema version 99, newer than this Lookout understands \(1\); run a newer Lookout or move the file away/);
    outbox = Outbox.open(join(dir, 'other.sqlite'));
  });

  it('says which file it cannot open and what to check', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    expect(() => Outbox.open(join(blocker, 'outbox.sqlite'))).toThrow(
      new RegExp(`cannot open the notification outbox ${blocker}/outbox.sqlite: .*check that the data directory exists and is writable`),
    );
  });
});
