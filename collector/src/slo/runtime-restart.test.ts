import { parseSpecText } from '@lookout/alerts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { notifyConfigSchema } from '../notify/config.ts';
import { ManualClock } from '../../../test/helpers/manual-clock.ts';
import { createNotifier, OUTBOX_FILE, type Notifier } from '../notify/notifier.ts';
import type { AlertNotification } from '../notify/types.ts';
import { AlertStateStore } from '../store/alert-state-store.ts';
import { SliStore } from '../store/sli-store.ts';
import { SloRuntime } from './runtime.ts';
import { adaptSlos } from './sli-adapter.ts';

/**
 * SLO alert state across restarts, the cases only SQLite holds (a refused local enqueue
 * and its retry, an unreadable local row). The restart cases both backends hold —
 * firing → restart → still firing, a restart after the problem ended, an SLO removed
 * while firing — run on SQLite and PostgreSQL in test/slo-state-backends.test.ts.
 * Each "run" opens the outbox (a real notifier that is
 * never started, so rows stay in the outbox for inspection), the alert state on the
 * outbox's connection, the SLI store file, and a fresh runtime, all on one temp dir.
 */

const CHECKOUT = `
service: checkout
slos:
  - { name: checkout-availability, objective: 99.9, sli: availability }
`;
const START = Date.parse('2024-05-01T12:00:00Z');
const MINUTE = 60_000;
const m0 = START / MINUTE;

const dirs: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const run of open.splice(0)) await run.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-slo-restart-'));
  dirs.push(dir);
  return dir;
}

interface Run {
  clock: ManualClock;
  runtime: SloRuntime;
  notifier: Notifier;
  sli: SliStore;
  state: AlertStateStore;
  /** what the runtime handed to the outbox in this run */
  sent: AlertNotification[];
  logs: string[];
  close(): Promise<void>;
}

function startRun(dataDir: string, atMs: number, spec = CHECKOUT, refuse?: () => boolean): Run {
  const clock = new ManualClock(atMs);
  const notifier = createNotifier({
    config: notifyConfigSchema.parse({
      receivers: {
        webhook: [{ name: 'hook', url: 'http://127.0.0.1:9/hook' }],
        alertmanager: [{ name: 'am', url: 'http://127.0.0.1:9', resendInterval: '1m' }],
      },
    }),
    dataDir,
    clock,
  });
  const state = AlertStateStore.on(notifier.outbox.database, notifier.outbox.file);
  const sli = new SliStore({ file: join(dataDir, 'sli.sqlite'), retentionMinutes: 40 * 1440 });
  const sent: AlertNotification[] = [];
  const logs: string[] = [];
  const { adaptations } = adaptSlos(parseSpecText(spec, 'slos/checkout.yaml'));
  const runtime = new SloRuntime({
    adaptations,
    store: sli,
    clock,
    intervalMs: 30_000,
    lateDataMinutes: 5,
    stateStore: state,
    notify: (n) => {
      if (refuse?.()) throw new Error('SQLITE_FULL: database or disk is full');
      notifier.notify(n);
      sent.push(n);
    },
    logger: {
      info: (_d, m) => void logs.push(`info ${m}`),
      warn: (_d, m) => void logs.push(`warn ${m}`),
      error: (_d, m) => void logs.push(`error ${m}`),
    },
  });
  let closed = false;
  const run: Run = {
    clock,
    runtime,
    notifier,
    sli,
    state,
    sent,
    logs,
    async close() {
      if (closed) return;
      closed = true;
      runtime.stop();
      sli.close(clock.now());
      await notifier.stop();
    },
  };
  open.push(run);
  return run;
}

/** `count` minutes of traffic from minute `from`, `errors` of `total` failing in each. */
function traffic(store: SliStore, from: number, count: number, total: number, errors: number, sli = 'checkout-availability'): void {
  for (let m = from; m < from + count; m++) store.add(sli, m, total - errors, total);
}

const pages = (list: AlertNotification[]) => list.filter((n) => n.labels.severity === 'page');
const describeAll = (list: AlertNotification[]) => list.map((n) => `${n.status} ${n.labels.slo} ${n.labels.severity}`);

describe('SLO alert state across restarts', () => {
  it('a refused enqueue leaves no state behind: after a crash the alert fires once, as a new episode', async () => {
    const dataDir = tempDir();
    const first = startRun(dataDir, START - 30_000, CHECKOUT, () => true);
    traffic(first.sli, m0 - 60, 60, 100, 0);
    first.runtime.start();
    traffic(first.sli, m0, 1, 100, 100);
    first.clock.advance(90_000);
    expect(first.runtime.unsentCount).toBe(1);
    expect(first.logs).toContain('error cannot write alert state and its notifications; both are retried next cycle');
    // the state write came first in the transaction and was rolled back with the enqueue
    expect(first.state.load('slo').rows).toEqual([]);
    expect(first.notifier.outbox.rows()).toEqual([]);
    first.sli.flush(first.clock.now());
    await first.close();

    const second = startRun(dataDir, START + 2 * MINUTE);
    second.runtime.start();
    expect(describeAll(pages(second.sent))).toEqual(['firing checkout-availability page']);
    expect(second.notifier.outbox.rows('hook').filter((r) => r.status === 'firing' && r.notification.labels.severity === 'page')).toHaveLength(1);
  });

  it('a refused enqueue is retried with the newest state in one transaction', () => {
    const dataDir = tempDir();
    let refuse = true;
    const run = startRun(dataDir, START - 30_000, CHECKOUT, () => refuse);
    traffic(run.sli, m0 - 60, 60, 100, 0);
    run.runtime.start();
    traffic(run.sli, m0, 1, 100, 100);
    run.clock.advance(90_000);
    expect(run.state.load('slo').rows).toEqual([]);
    refuse = false;
    run.clock.advance(30_000);
    expect(run.runtime.unsentCount).toBe(0);
    const [pageRow] = run.state.load('slo').rows.filter((r) => r.key === 'page');
    const [outboxRow] = run.notifier.outbox.rows('hook');
    expect(run.notifier.outbox.rows('am')).toHaveLength(1);
    expect(pageRow!.episode).toMatchObject({ dedupKey: outboxRow!.dedupKey, startsAt: outboxRow!.episode });
  });

  it('drops an unreadable row with a warning that names it, and keeps going', async () => {
    const dataDir = tempDir();
    const state = AlertStateStore.open(join(dataDir, OUTBOX_FILE));
    state.replaceUnit('slo', 'checkout/checkout-availability', [
      { source: 'slo', unit: 'checkout/checkout-availability', key: 'page', rule: 'checkout/checkout-availability', episode: null, machine: { alerts: 'x' }, changedAt: START },
    ]);
    state.close();
    const run = startRun(dataDir, START);
    traffic(run.sli, m0 - 60, 60, 100, 0);
    run.runtime.start();
    expect(run.logs).toContain('warn dropping an unreadable SLO alert state row: SLO checkout/checkout-availability page row: machine.alerts is not a list');
    expect(run.runtime.activeAlerts()).toEqual([]);
    expect(run.state.load('slo').rows).toEqual([]);
  });
});
