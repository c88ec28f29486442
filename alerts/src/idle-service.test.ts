import { describe, expect, it } from 'vitest';
import { resolvedAnnotations } from './alert-state.ts';
import { windowHealth } from './alert-words.ts';
import { evaluateSlo, seenInWindow } from './evaluate.ts';
import type { NoDataAlertOn, NoDataCondition } from './evaluate.ts';
import { parseSpecText } from './spec-formats/load.ts';
import type { WindowSumsFn } from './window-sums.ts';

/**
 * Issue 15 item 4: an idle service is not an incident. A window without SLI minutes is
 * "no data" only when nothing else of the service arrived in it either; when its logs,
 * metrics or other spans still arrive it is idle ("no traffic") and SLODataMissing
 * stays quiet unless alertOn is 'no-traffic-or-data'.
 */

const [slo] = parseSpecText(`
service: batch
name: batch-availability
objective: 99.9
sli: availability
`);

const MINUTE = 60_000;
const NOW = Date.UTC(2024, 2, 15, 3, 0, 30); // 30 s into a minute
const END = Math.floor(NOW / MINUTE) - 1; // last complete minute

/** Requests stopped `quietMinutes` ago: windows shorter than that have no SLI minute. */
function stoppedAgo(quietMinutes: number): WindowSumsFn {
  return (w) => {
    const withData = Math.max(0, w - quietMinutes);
    return { good: withData * 100, total: withData * 100, minutesWithData: withData };
  };
}

const noData = (e: ReturnType<typeof evaluateSlo>) => e.conditions.find((c): c is NoDataCondition => c.kind === 'no-data')!;

describe('no traffic versus no data', () => {
  it('seenInWindow: seen from the first minute of the window on (also in the running minute)', () => {
    expect(seenInWindow(undefined, END, 10)).toBe(false);
    expect(seenInWindow((END - 9) * MINUTE, END, 10)).toBe(true);
    expect(seenInWindow((END - 9) * MINUTE - 1, END, 10)).toBe(false);
    expect(seenInWindow(NOW, END, 10)).toBe(true);
    expect(seenInWindow(NOW, END, 0)).toBe(false);
  });

  it('without liveness, no SLI minute in the no-data window is no data (as the exported absent() rule)', () => {
    const e = evaluateSlo(slo, stoppedAgo(30), NOW);
    expect(noData(e).met).toBe(true);
    expect(noData(e).reason).toBe('no SLI data in the last 10m');
  });

  it('a service that stopped receiving requests but still reports is idle: no alert by default', () => {
    const e = evaluateSlo(slo, stoppedAgo(30), NOW, { lastSeenMs: NOW - 20_000, alertOn: 'no-data' });
    const condition = noData(e);
    expect(condition.met).toBe(false);
    expect(condition.window.status).toBe('no-traffic');
    expect(condition.window.idle).toBe(true);
    expect(condition.reason).toBe('no requests in the last 10m, but the service still reports: idle, not missing');
    // the API calls the window no-traffic, not no-data
    const w10 = e.windows.find((w) => w.windowMinutes === 10)!;
    expect(windowHealth(w10, slo!.objective)).toBe('no-traffic');
    // the windows that still hold requests are judged as before
    expect(e.windows.find((w) => w.windowMinutes === 60)!.status).toBe('events');
  });

  it('nothing at all arrives (last seen before the window): no data, the alert fires', () => {
    const lastSeenMs = (END - 10) * MINUTE + 59_999; // the minute before the 10m window
    const e = evaluateSlo(slo, stoppedAgo(30), NOW, { lastSeenMs, alertOn: 'no-data' });
    expect(noData(e).met).toBe(true);
    expect(noData(e).window.status).toBe('no-data');
    expect(noData(e).window.idle).toBeUndefined();
  });

  it('never seen at all: no data', () => {
    expect(noData(evaluateSlo(slo, stoppedAgo(30), NOW, { lastSeenMs: undefined, alertOn: 'no-data' })).met).toBe(true);
  });

  it("alertOn 'no-traffic-or-data' alerts on an idle service too, and says why", () => {
    const e = evaluateSlo(slo, stoppedAgo(30), NOW, { lastSeenMs: NOW, alertOn: 'no-traffic-or-data' });
    expect(noData(e).met).toBe(true);
    expect(noData(e).reason).toBe('no requests in the last 10m although the service still reports (alerting on no traffic too)');
  });

  it('requests in the window: liveness changes nothing', () => {
    for (const alertOn of ['no-data', 'no-traffic-or-data'] as NoDataAlertOn[]) {
      const e = evaluateSlo(slo, stoppedAgo(3), NOW, { lastSeenMs: NOW, alertOn });
      expect(noData(e).met).toBe(false);
      expect(noData(e).window.status).toBe('events');
      expect(noData(e).window.idle).toBeUndefined();
    }
  });

  it('a budget period without any request but a reporting service has spent nothing', () => {
    const none: WindowSumsFn = () => ({ good: 0, total: 0, minutesWithData: 0 });
    const idle = evaluateSlo(slo, none, NOW, { lastSeenMs: NOW, alertOn: 'no-data' });
    expect(idle.budget.remaining).toBe(1);
    const gone = evaluateSlo(slo, none, NOW, { lastSeenMs: undefined, alertOn: 'no-data' });
    expect(gone.budget.remaining).toBeNull();
  });

  it('the resolve of a no-data alert says the service is back but idle, not that data is back', () => {
    const e = evaluateSlo(slo, stoppedAgo(30), NOW, { lastSeenMs: NOW, alertOn: 'no-data' });
    const annotations = resolvedAnnotations(e, { alertname: 'SLODataMissing', slo: 'batch-availability', service: 'batch', severity: 'ticket' });
    expect(annotations.summary).toBe('batch/batch-availability: resolved: the service reports again (no requests: idle)');
  });
});
