import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newAttributes } from '@lookout/otlp';
import { ManualClock } from '../../../test/helpers/manual-clock.ts';
import { notifyConfigSchema } from '../notify/config.ts';
import { createNotifier } from '../notify/notifier.ts';
import type { AlertNotification } from '../notify/types.ts';
import { AlertStateStore } from '../store/alert-state-store.ts';
import { SliStore } from '../store/sli-store.ts';
import { parseConfig } from '../config/load.ts';
import { AutoSloManager } from './auto-slo-manager.ts';
import { SloRuntime } from './runtime.ts';
import { adaptSli } from './sli-adapter.ts';

/**
 * Auto SLOs in the runtime: added while running, replaced when the latency threshold is
 * learned, and across a restart their firing alerts wait for the service to be seen
 * again instead of being resolved as "removed from the configuration".
 */

const START = Date.parse('2024-05-01T12:00:00Z');
const MINUTE = 60_000;
const m0 = START / MINUTE;
const BOUNDS = [0.025, 0.05, 0.1, 0.25, 0.5, 1];

const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function startRun(dataDir: string, atMs: number, latencyCounts: number[] = []) {
  const clock = new ManualClock(atMs);
  const notifier = createNotifier({
    config: notifyConfigSchema.parse({ receivers: { webhook: [{ name: 'hook', url: 'http://127.0.0.1:9/hook' }] } }),
    dataDir,
    clock,
  });
  const state = AlertStateStore.on(notifier.outbox.database, notifier.outbox.file);
  const sli = new SliStore({ file: join(dataDir, 'sli.sqlite'), retentionMinutes: 40 * 1440 });
  const sent: AlertNotification[] = [];
  const runtime = new SloRuntime({
    adaptations: [],
    store: sli,
    clock,
    intervalMs: 30_000,
    lateDataMinutes: 5,
    stateStore: state,
    adoptUnknownForMs: 15 * MINUTE,
    beforeCycle: (now) => manager.tick(now),
    notify: (n) => {
      notifier.notify(n);
      sent.push(n);
    },
  });
  const config = parseConfig('slos:\n  auto:\n    enabled: true\n    learnFor: 10m\n', 'lookout.yaml', {}).slos.auto;
  const manager: AutoSloManager = new AutoSloManager({
    config,
    bounds: BOUNDS,
    specServices: new Set(),
    takenNames: new Set(),
    hasRequests: (service) => service !== 'quiet',
    latencyCounts: () => latencyCounts,
    register: ({ slo, origin, learning }) => runtime.upsertSlo(learning ? { slo, evaluable: false, reason: learning } : adaptSli(slo), origin),
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    runtime.stop();
    sli.close(clock.now());
    await notifier.stop();
  };
  closers.push(close);
  return { clock, runtime, manager, sli, sent, close };
}

function traffic(store: SliStore, from: number, count: number, total: number, errors: number): void {
  for (let m = from; m < from + count; m++) store.add('shop-availability', m, total - errors, total);
}

const describeAll = (list: AlertNotification[]) => list.map((n) => `${n.status} ${n.labels.alertname} ${n.labels.slo} ${n.labels.severity}`);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-auto-runtime-'));
  dirs.push(dir);
  return dir;
}

describe('auto SLOs in the SLO runtime', () => {
  it('an SLO added while running is evaluated and shown with its origin; the learned latency SLO replaces the learning one', () => {
    const counts = [0, 0, 500, 0, 0, 0, 0]; // all <= 100ms
    const run = startRun(tempDir(), START - 30_000, counts);
    run.runtime.start();
    run.manager.see('shop', newAttributes(), run.clock.now());
    traffic(run.sli, m0 - 60, 60, 100, 0);
    run.clock.advance(60_000);
    let status = run.runtime.status();
    expect(status.map((s) => [s.name, s.origin, s.evaluable, s.sli, s.source])).toEqual([
      ['shop-availability', 'auto', true, 'availability', 'slos.auto (shop)'],
      ['shop-latency', 'auto', false, 'latency (threshold being learned)', 'slos.auto (shop)'],
    ]);
    expect(status[0]!.evaluatedAt).toBeDefined();
    expect(status[1]!.reason).toMatch(/^learning its latency threshold from the service's first 10m of requests \(at least 100\), until 2024-05-01T12:09:30\.000Z at the earliest$/);
    run.clock.advance(10 * MINUTE);
    status = run.runtime.status();
    expect(status.map((s) => [s.name, s.evaluable, s.sli, s.auto?.threshold])).toEqual([
      ['shop-availability', true, 'availability', undefined],
      ['shop-latency', true, 'latency <= 0.1s', 'learned'],
    ]);
  });

  it('firing → restart → the service sends again: the page goes on, no second firing', async () => {
    const dataDir = tempDir();
    const first = startRun(dataDir, START - 30_000);
    first.runtime.start();
    first.manager.see('shop', newAttributes(), first.clock.now());
    traffic(first.sli, m0 - 60, 60, 100, 0);
    traffic(first.sli, m0, 1, 1000, 1000);
    first.clock.advance(90_000);
    expect(describeAll(first.sent)).toEqual(['firing SLOErrorBudgetBurn shop-availability page']);
    first.sli.flush(first.clock.now());
    await first.close();

    const second = startRun(dataDir, START + 2 * MINUTE);
    second.runtime.start();
    second.clock.advance(2 * MINUTE); // the service has not sent yet: its alert waits
    expect(second.sent).toEqual([]);
    second.manager.see('shop', newAttributes(), second.clock.now());
    second.clock.advance(MINUTE);
    expect(second.sent).toEqual([]); // still firing, not fired again
    expect(second.runtime.activeAlerts().map((a) => `${a.state} ${a.labels.slo} ${a.severity}`)).toContain('firing shop-availability page');
  });

  it('a held alert no auto SLO claims within the wait is resolved, saying why', async () => {
    const dataDir = tempDir();
    const first = startRun(dataDir, START - 30_000);
    first.runtime.start();
    first.manager.see('shop', newAttributes(), first.clock.now());
    traffic(first.sli, m0 - 60, 60, 100, 0);
    traffic(first.sli, m0, 1, 1000, 1000);
    first.clock.advance(90_000);
    first.sli.flush(first.clock.now());
    await first.close();

    const second = startRun(dataDir, START + 2 * MINUTE);
    second.runtime.start();
    second.clock.advance(14 * MINUTE);
    expect(second.sent).toEqual([]);
    second.clock.advance(MINUTE + 30_000);
    expect(describeAll(second.sent)).toEqual(['resolved SLOErrorBudgetBurn shop-availability page']);
    expect(second.sent[0]!.annotations.resolved_reason).toContain('is neither in slos.files nor an auto SLO of a service seen since the start');
  });
});
