import { describe, expect, it } from 'vitest';
import { thresholdAlertsConfigSchema } from './config.ts';
import {
  databaseConditions,
  growthPerDay,
  hostConditions,
  nextThresholdState,
  probeConditions,
  thresholdConditions,
  tlsConditions,
  type ThresholdAlertState,
  type ThresholdReadingsSnapshot,
} from './threshold-alerts.ts';

const CONFIG = thresholdAlertsConfigSchema.parse({});
const NOW = Date.parse('2024-05-01T12:00:00Z');
const DAY = 86_400_000;
const EMPTY: ThresholdReadingsSnapshot = { tls: [], probes: [], databases: [], disks: [], memory: [] };

function tls(daysLeft: number, verified = true) {
  return { target: 'api', notAfterMs: NOW + daysLeft * DAY, subject: 'CN=api.example.com', verified, reason: verified ? 'ok' : 'CERT_HAS_EXPIRED' };
}

const names = (conditions: Array<{ labels: Record<string, string> }>) => conditions.map((c) => `${c.labels.alertname}/${c.labels.severity}`);

describe('threshold rules', () => {
  it('TLS: a ticket under 14 days, a page under 3 days or when it does not verify', () => {
    expect(tlsConditions([tls(30)], CONFIG.tls, NOW)).toEqual([]);
    expect(names(tlsConditions([tls(13.9)], CONFIG.tls, NOW))).toEqual(['TLSCertificateExpiring/ticket']);
    const soon = tlsConditions([tls(2.5)], CONFIG.tls, NOW);
    expect(names(soon)).toEqual(['TLSCertificateExpiring/ticket', 'TLSCertificateExpiring/page']);
    expect(soon[1]!.annotations.summary).toBe('TLS certificate of api expires in 2.5 days (2024-05-04T00:00:00.000Z)');
    expect(soon[1]!.labels).toEqual({ alertname: 'TLSCertificateExpiring', severity: 'page', target: 'api' });
    const expired = tlsConditions([tls(-1, false)], CONFIG.tls, NOW);
    expect(names(expired)).toEqual(['TLSCertificateExpiring/ticket', 'TLSCertificateExpiring/page', 'TLSCertificateInvalid/page']);
    expect(expired[0]!.annotations.summary).toBe('TLS certificate of api expired 1 day ago (2024-04-30T12:00:00.000Z)');
    expect(expired[2]!.annotations.summary).toBe('TLS certificate of api does not verify: CERT_HAS_EXPIRED');
    expect(tlsConditions([tls(30, false)], { ...CONFIG.tls, pageWhenUnverified: false }, NOW)).toEqual([]);
  });

  it('probes: a page after N failed runs in a row', () => {
    const reading = { kind: 'http', target: 'health', consecutiveFailures: 2, lastError: 'status 503, expected 2xx' };
    expect(probeConditions([reading], 3)).toEqual([]);
    const [c] = probeConditions([{ ...reading, consecutiveFailures: 3 }], 3);
    expect(c!.labels).toEqual({ alertname: 'ProbeFailing', severity: 'page', probe: 'http', target: 'health' });
    expect(c!.annotations.summary).toBe('http probe health failed 3 runs in a row: status 503, expected 2xx');
  });

  it('database growth: per day over the last day, once the samples span minObservation', () => {
    const samples = [
      { atMs: NOW - 2 * DAY, bytes: 1 }, // older than a day: ignored
      { atMs: NOW - 12 * 3_600_000, bytes: 1000 },
      { atMs: NOW, bytes: 1150 },
    ];
    expect(growthPerDay(samples, NOW, 3_600_000)).toBeCloseTo(0.3, 10); // 15 % in 12 h
    expect(growthPerDay(samples.slice(1), NOW, 13 * 3_600_000)).toBeUndefined();
    expect(growthPerDay([{ atMs: NOW, bytes: 5 }], NOW, 0)).toBeUndefined();
    const conditions = databaseConditions([{ target: 'main', database: 'orders', samples }], CONFIG.databaseGrowth, NOW);
    expect(names(conditions)).toEqual(['DatabaseSizeGrowth/ticket']);
    expect(conditions[0]!.labels).toMatchObject({ target: 'main', database: 'orders' });
    expect(conditions[0]!.annotations.summary).toBe('database orders on main grows 30 % per day (now 1.12 KiB)');
    expect(databaseConditions([{ target: 'main', database: 'orders', samples }], { ...CONFIG.databaseGrowth, perDay: 0.5 }, NOW)).toEqual([]);
  });

  it('host: disk and memory over their thresholds; stale readings are dropped', () => {
    const disks = [
      { host: 'web-1', mountpoint: '/', utilization: 0.95, atMs: NOW },
      { host: 'web-1', mountpoint: '/data', utilization: 0.99, atMs: NOW },
      { host: 'web-2', mountpoint: '/', utilization: 0.99, atMs: NOW - 10 * 60_000 },
    ];
    const memory = [{ host: 'web-1', utilization: 0.93, atMs: NOW }];
    const conditions = hostConditions({ disks, memory }, CONFIG, NOW);
    expect(conditions.map((c) => `${c.labels.alertname}/${c.labels.severity}/${c.labels.mountpoint ?? ''}`)).toEqual([
      'HostDiskFull/ticket//',
      'HostDiskFull/ticket//data',
      'HostDiskFull/page//data',
      'HostMemoryHigh/ticket/',
    ]);
    expect(conditions[3]!.annotations.summary).toBe('memory use on web-1 is 93 %');
    expect(names(hostConditions({ disks: [], memory }, { ...CONFIG, memory: { ticket: 0.9, page: 0.92 } }, NOW))).toEqual([
      'HostMemoryHigh/ticket',
      'HostMemoryHigh/page',
    ]);
  });

  it('all rules together', () => {
    expect(thresholdConditions(EMPTY, CONFIG, NOW)).toEqual([]);
    expect(names(thresholdConditions({ ...EMPTY, tls: [tls(10)] }, CONFIG, NOW))).toEqual(['TLSCertificateExpiring/ticket']);
  });
});

describe('nextThresholdState', () => {
  const ticket = tlsConditions([tls(10)], CONFIG.tls, NOW);
  const ticketAndPage = tlsConditions([tls(2)], CONFIG.tls, NOW);

  it('fires and resolves with one notification each, same key and startsAt', () => {
    const first = nextThresholdState(undefined, ticket, NOW, 0);
    expect(first.notifications).toHaveLength(1);
    const [firing] = first.notifications;
    expect(firing).toMatchObject({ status: 'firing', startsAt: '2024-05-01T12:00:00.000Z', labels: { alertname: 'TLSCertificateExpiring', severity: 'ticket' } });
    expect(nextThresholdState(first.state, ticket, NOW + 30_000, 0).notifications).toEqual([]);
    const gone = nextThresholdState(first.state, [], NOW + 60_000, 0);
    expect(gone.notifications).toEqual([
      { ...firing, status: 'resolved', endsAt: '2024-05-01T12:01:00.000Z' },
    ]);
    expect(gone.state.alerts).toEqual({});
  });

  it('waits `for` before firing; a condition that clears while pending notifies nothing', () => {
    const pending = nextThresholdState(undefined, ticket, NOW, 120_000);
    expect(pending.notifications).toEqual([]);
    expect(Object.values(pending.state.alerts)[0]!.state).toBe('pending');
    expect(nextThresholdState(pending.state, [], NOW + 60_000, 120_000).notifications).toEqual([]);
    const fired = nextThresholdState(nextThresholdState(pending.state, ticket, NOW + 60_000, 120_000).state, ticket, NOW + 120_000, 120_000);
    expect(fired.notifications.map((n) => n.startsAt)).toEqual(['2024-05-01T12:02:00.000Z']);
  });

  it('mutes the ticket of a subject while its page fires, and sends it when the page stops first', () => {
    const both = nextThresholdState(undefined, ticketAndPage, NOW, 0);
    expect(both.notifications.map((n) => n.labels.severity)).toEqual(['page']);
    const ticketAlert = Object.values(both.state.alerts).find((a) => a.severity === 'ticket')!;
    expect(ticketAlert.inhibited).toBe(true);
    // the page stops (say the threshold was raised), the ticket still holds
    const after = nextThresholdState(both.state, ticket, NOW + 60_000, 0);
    expect(after.notifications.map((n) => `${n.status} ${n.labels.severity} ${n.startsAt}`)).toEqual([
      'firing ticket 2024-05-01T12:00:00.000Z',
      'resolved page 2024-05-01T12:00:00.000Z',
    ]);
    // and a ticket that never notified resolves silently
    const silent = nextThresholdState(both.state, [], NOW + 60_000, 0);
    expect(silent.notifications.map((n) => `${n.status} ${n.labels.severity}`)).toEqual(['resolved page']);
  });

  it('does not mutate the previous state', () => {
    const first = nextThresholdState(undefined, ticketAndPage, NOW, 0);
    const snapshot = JSON.stringify(first.state);
    nextThresholdState(first.state as ThresholdAlertState, ticket, NOW + 1, 0);
    expect(JSON.stringify(first.state)).toBe(snapshot);
  });
});

describe('thresholdAlertsConfigSchema', () => {
  it('says what is wrong and how to fix it', () => {
    const problems = (input: unknown) => {
      const r = thresholdAlertsConfigSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ tls: { ticketDays: 3, pageDays: 7 } })).toEqual(['tls.pageDays: pageDays (7) must be less than ticketDays (3)']);
    expect(problems({ disk: { ticket: 90 } })).toEqual(['disk.ticket: disk.ticket is a fraction from 0 to 1 (0.9 = 90 %), not a percent']);
    expect(problems({ probeFailures: 0 })).toEqual(['probeFailures: probeFailures must be at least 1']);
  });
});
