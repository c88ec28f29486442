import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../notify/outbox.ts';
import { AlertStateStore, type AlertStateRow } from './alert-state-store.ts';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-alert-state-'));
  dirs.push(dir);
  return join(dir, 'data', 'notify-outbox.sqlite');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.parse('2024-05-01T12:00:00Z');

function row(unit: string, key: string, episode = true): AlertStateRow {
  return {
    source: 'slo',
    unit,
    key,
    rule: unit,
    episode: episode
      ? { dedupKey: `lookout-${unit}`, startsAt: '2024-05-01T11:59:00.000Z', labels: { alertname: 'SLOErrorBudgetBurn', severity: key }, annotations: { summary: 'burning' } }
      : null,
    machine: { alerts: [], group: null },
    changedAt: NOW,
  };
}

describe('AlertStateStore', () => {
  it('keeps rows across reopening, replaces a unit as a whole, in WAL mode', () => {
    const file = tempFile();
    const first = AlertStateStore.open(file);
    first.replaceUnit('slo', 'checkout/a', [row('checkout/a', 'page'), row('checkout/a', 'ticket', false)]);
    first.replaceUnit('slo', 'checkout/b', [row('checkout/b', 'page')]);
    first.close();

    const second = AlertStateStore.open(file);
    expect(second.load('slo').rows).toEqual([row('checkout/a', 'page'), row('checkout/a', 'ticket', false), row('checkout/b', 'page')]);
    expect(second.load('threshold')).toEqual({ rows: [], unreadable: [] });
    second.replaceUnit('slo', 'checkout/a', [row('checkout/a', 'ticket', false)]);
    second.replaceUnit('slo', 'checkout/b', []);
    expect(second.load('slo').rows).toEqual([row('checkout/a', 'ticket', false)]);
    second.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('on the outbox connection, a failure after an enqueue rolls back both', () => {
    const outbox = Outbox.open(tempFile());
    const store = AlertStateStore.on(outbox.database, outbox.file);
    const notification = { dedupKey: 'lookout-a', status: 'firing' as const, labels: { alertname: 'A' }, annotations: {}, startsAt: '2024-05-01T11:59:00.000Z' };
    expect(() =>
      store.transaction(() => {
        store.replaceUnit('slo', 'checkout/a', [row('checkout/a', 'page')]);
        outbox.enqueue(notification, [{ receiver: 'hook', resend: false }], { now: NOW, maxAgeMs: 60_000 });
        throw new Error('crash between the two');
      }),
    ).toThrow('crash between the two');
    expect(store.load('slo').rows).toEqual([]);
    expect(outbox.rows()).toEqual([]);
    store.transaction(() => {
      store.replaceUnit('slo', 'checkout/a', [row('checkout/a', 'page')]);
      outbox.enqueue(notification, [{ receiver: 'hook', resend: false }], { now: NOW, maxAgeMs: 60_000 });
    });
    expect(store.load('slo').rows).toHaveLength(1);
    expect(outbox.rows()).toHaveLength(1);
    store.close(); // leaves the outbox's connection open
    expect(outbox.rows()).toHaveLength(1);
    outbox.close();
  });

  it('reports damaged rows apart, saying what is wrong', () => {
    const file = tempFile();
    const store = AlertStateStore.open(file);
    store.replaceUnit('slo', 'checkout/a', [row('checkout/a', 'page')]);
    store.close();
    const raw = new Database(file);
    raw.prepare(`UPDATE alert_state SET labels = '{"severity": 3}' WHERE unit = 'checkout/a'`).run();
    raw.prepare(`INSERT INTO alert_state (source, unit, key, rule, dedup_key, starts_at, machine, changed_at) VALUES ('slo', 'checkout/b', 'page', 'checkout/b', 'k', NULL, '{}', 0)`).run();
    raw.prepare(`INSERT INTO alert_state (source, unit, key, rule, machine, changed_at) VALUES ('slo', 'checkout/c', 'page', 'checkout/c', '{not json', 0)`).run();
    raw.close();
    const again = AlertStateStore.open(file);
    const loaded = again.load('slo');
    expect(loaded.rows).toEqual([]);
    expect(loaded.unreadable.map((u) => `${u.unit}: ${u.error}`)).toEqual([
      'checkout/a: labels.severity is not a string',
      'checkout/b: dedup_key and starts_at must both be set or both be null',
      expect.stringMatching(/^checkout\/c: .*JSON/),
    ]);
    again.deleteRow('slo', 'checkout/b', 'page');
    expect(again.load('slo').unreadable).toHaveLength(2);
    again.close();
  });

  it('refuses a file written by a newer Lookout, and says what to do', () => {
    const file = tempFile();
    AlertStateStore.open(file).close();
    const raw = new Database(file);
    raw.prepare('UPDATE alert_state_schema SET version = 7').run();
    raw.close();
    expect(() => AlertStateStore.open(file)).toThrow(
      `alert state in ${file} has schema version 7, newer than this Lookout understands (1); run a newer Lookout or move the file away`,
    );
  });

  it('names the file and the fix when it cannot be opened', () => {
    const file = tempFile();
    const notADir = join(file, '..', '..', 'plain-file');
    writeFileSync(notADir, 'x');
    expect(() => AlertStateStore.open(join(notADir, 'notify-outbox.sqlite'))).toThrow(
      new RegExp(`^cannot open the alert state in ${notADir}/notify-outbox.sqlite: .*; check that storage.dataDir exists and is writable$`),
    );
    const garbage = join(file, '..', '..', 'garbage.sqlite');
    writeFileSync(garbage, 'this is not a database, just text that is long enough to have a header '.repeat(10));
    expect(() => AlertStateStore.open(garbage)).toThrow(/^cannot open the alert state in .*garbage\.sqlite: file is not a database; check that storage.dataDir/);
  });
});
