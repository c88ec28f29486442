import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { notifyConfigSchema } from '../notify/config.ts';
import { ManualClock } from '../../../test/helpers/manual-clock.ts';
import { createNotifier, type Notifier } from '../notify/notifier.ts';
import type { AlertNotification } from '../notify/types.ts';
import type { HttpProbeResult } from '../probes/http-probe.ts';
import type { TlsProbeResult } from '../probes/tls-probe.ts';
import { AlertStateStore } from '../store/alert-state-store.ts';
import { thresholdAlertsConfigSchema } from './config.ts';
import { ThresholdReadings } from './threshold-readings.ts';
import { retireThresholdAlerts, ThresholdRuntime } from './threshold-runtime.ts';

/**
 * Threshold alerts across restarts (firing → restart → still firing runs on SQLite and
 * PostgreSQL in test/slo-state-backends.test.ts). Readings live in memory, so each run starts with
 * none: a restored alert is carried until a reading of its subject decides.
 */

const START = Date.parse('2024-05-01T12:00:00Z');
const DAY = 86_400_000;
const MINUTE = 60_000;
const CONFIG = thresholdAlertsConfigSchema.parse({}); // hostStaleAfter 5m, probeFailures 3, for 0

const dirs: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const run of open.splice(0)) await run.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-threshold-restart-'));
  dirs.push(dir);
  return dir;
}

interface Run {
  clock: ManualClock;
  readings: ThresholdReadings;
  runtime: ThresholdRuntime;
  notifier: Notifier;
  state: AlertStateStore;
  sent: AlertNotification[];
  close(): Promise<void>;
}

function startRun(dataDir: string, atMs: number): Run {
  const clock = new ManualClock(atMs);
  const notifier = createNotifier({
    config: notifyConfigSchema.parse({ receivers: { webhook: [{ name: 'hook', url: 'http://127.0.0.1:9/hook' }] } }),
    dataDir,
    clock,
  });
  const state = AlertStateStore.on(notifier.outbox.database, notifier.outbox.file);
  const readings = new ThresholdReadings();
  const sent: AlertNotification[] = [];
  const runtime = new ThresholdRuntime({
    config: CONFIG,
    readings,
    clock,
    stateStore: state,
    notify: (n) => {
      notifier.notify(n);
      sent.push(n);
    },
  });
  let closed = false;
  const run: Run = {
    clock,
    readings,
    runtime,
    notifier,
    state,
    sent,
    async close() {
      if (closed) return;
      closed = true;
      runtime.stop();
      await notifier.stop();
    },
  };
  open.push(run);
  return run;
}

function tlsResult(notAfter: number): TlsProbeResult {
  return {
    chain: [],
    earliest: { subject: 'CN=api.example.com', issuer: 'CN=ca', notBefore: 0, notAfter, fingerprint256: '', selfSigned: false },
    verification: { verified: true, reason: 'ok' },
    protocol: 'TLSv1.3',
  };
}

function tlsReading(run: Run, notAfter: number): void {
  run.readings.probeOutcome('tls', 'api', { id: 'tls/api', status: 'success', value: tlsResult(notAfter), startedAt: run.clock.now(), durationMs: 5 });
}

function httpRun(run: Run, ok: boolean): void {
  if (ok) {
    const value: HttpProbeResult = { success: true, reason: 'ok', statusCode: 200, durationMs: 1, bodyBytes: 2 };
    run.readings.probeOutcome('http', 'health', { id: 'http/health', status: 'success', value, startedAt: run.clock.now(), durationMs: 1 });
  } else {
    run.readings.probeOutcome('http', 'health', { id: 'http/health', status: 'failure', error: new Error('connect ECONNREFUSED'), startedAt: run.clock.now(), durationMs: 1 });
  }
}

const summary = (list: AlertNotification[]) => list.map((n) => `${n.status} ${n.labels.alertname} ${n.labels.severity}`);

/** First run: a certificate that expires in 2 days pages (the ticket is muted by the page). */
async function tlsPageThenCrash(dataDir: string): Promise<AlertNotification> {
  const first = startRun(dataDir, START);
  tlsReading(first, START + 2 * DAY);
  first.runtime.start();
  expect(summary(first.sent)).toEqual(['firing TLSCertificateExpiring page']);
  await first.close();
  return first.sent[0]!;
}

describe('threshold alert state across restarts', () => {
  it('firing → restart after the problem ended: exactly one resolve for the old episode at the first reading', async () => {
    const dataDir = tempDir();
    const page = await tlsPageThenCrash(dataDir);
    const second = startRun(dataDir, START + DAY);
    tlsReading(second, START + 90 * DAY); // renewed while Lookout was down
    second.runtime.start();
    expect(summary(second.sent)).toEqual(['resolved TLSCertificateExpiring page']);
    expect(second.sent[0]).toMatchObject({ dedupKey: page.dedupKey, startsAt: page.startsAt, endsAt: '2024-05-02T12:00:00.000Z' });
    second.clock.advance(10 * MINUTE);
    expect(second.sent).toHaveLength(1);
  });

  it('resolves a restored alert whose subject is not read again within hostStaleAfter, saying so', async () => {
    const dataDir = tempDir();
    const page = await tlsPageThenCrash(dataDir);
    const second = startRun(dataDir, START + MINUTE);
    second.runtime.start();
    second.clock.advance(4 * MINUTE + 30_000);
    expect(second.sent).toEqual([]);
    second.clock.advance(30_000);
    expect(second.sent).toEqual([
      {
        ...page,
        status: 'resolved',
        annotations: { ...page.annotations, resolved_reason: 'no reading of tls/api within 5m after Lookout restarted; resolved for want of evidence that it still holds' },
        endsAt: '2024-05-01T12:06:00.000Z',
      },
    ]);
  });

  it('a restored ProbeFailing continues while the probe keeps failing and resolves at its first success', async () => {
    const dataDir = tempDir();
    const first = startRun(dataDir, START);
    for (let i = 0; i < 3; i++) httpRun(first, false);
    first.runtime.start();
    expect(summary(first.sent)).toEqual(['firing ProbeFailing page']);
    const page = first.sent[0]!;
    await first.close();

    const second = startRun(dataDir, START + 2 * MINUTE);
    second.runtime.start();
    httpRun(second, false); // 1 failure in a row since the start: below probeFailures, yet the episode goes on
    second.clock.advance(10 * MINUTE); // longer than hostStaleAfter: a failing probe is evidence enough
    expect(second.sent).toEqual([]);
    httpRun(second, true);
    second.clock.advance(30_000);
    expect(second.sent).toEqual([{ ...page, status: 'resolved', endsAt: '2024-05-01T12:12:30.000Z' }]);
  });

  it('with threshold alerts disabled, resolves what the last run left firing, saying why', async () => {
    const dataDir = tempDir();
    const page = await tlsPageThenCrash(dataDir);
    const clock = new ManualClock(START + MINUTE);
    const notifier = createNotifier({
      config: notifyConfigSchema.parse({ receivers: { webhook: [{ name: 'hook', url: 'http://127.0.0.1:9/hook' }] } }),
      dataDir,
      clock,
    });
    open.push({ close: () => notifier.stop() });
    const store = AlertStateStore.on(notifier.outbox.database, notifier.outbox.file);
    const sent: AlertNotification[] = [];
    const reason = 'threshold alerts are disabled (thresholdAlerts.enabled: false); resolved without judging the condition';
    const notify = (n: AlertNotification) => {
      notifier.notify(n);
      sent.push(n);
    };
    const resolved = retireThresholdAlerts({ store, notify, nowMs: clock.now(), reason });
    expect(resolved).toBe(1); // the muted ticket never notified: nothing to resolve for it
    expect(sent).toEqual([{ ...page, status: 'resolved', annotations: { ...page.annotations, resolved_reason: reason }, endsAt: '2024-05-01T12:01:00.000Z' }]);
    expect(store.load('threshold').rows).toEqual([]);
  });
});
