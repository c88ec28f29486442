import { describe, expect, it } from 'vitest';
import { banner } from './banner.ts';
import { formatNotification } from './console-receiver.ts';
import { parseUpOptions, UpUsageError } from './options.ts';
import { demoTimeline, FAST_TIMINGS, faultAt, INCIDENT_FAULT, NO_FAULT, NORMAL_TIMINGS, pickRequest } from './schedule.ts';

describe('demo schedule', () => {
  it('puts the incident and the certificate renewal on a timeline from the start', () => {
    const t = demoTimeline(1000, NORMAL_TIMINGS);
    expect(t).toEqual({ startMs: 1000, incidentStartMs: 61_000, incidentEndMs: 211_000, renewCertificateAtMs: 271_000 });
    expect(faultAt(t, 60_999)).toBe(NO_FAULT);
    expect(faultAt(t, 61_000)).toBe(INCIDENT_FAULT);
    expect(faultAt(t, 211_000)).toBe(NO_FAULT);
  });

  it('sends a mix of requests to the routes the demo SLOs cover', () => {
    expect(pickRequest(0, 0)).toEqual({ method: 'GET', path: '/api/products' });
    expect(pickRequest(0.5, 0.99)).toEqual({ method: 'GET', path: '/api/products/20' });
    expect(pickRequest(0.9, 0)).toEqual({ method: 'POST', path: '/api/checkout' });
  });
});

describe('lookout up options', () => {
  it('defaults, flags and environment', () => {
    expect(parseUpOptions([], {})).toMatchObject({ demo: true, dataDir: 'data', port: 4318, grpcPort: 4317, timings: NORMAL_TIMINGS });
    const o = parseUpOptions(['--no-demo', '--port', '0', '--data-dir', '/tmp/x'], { LOOKOUT_DEMO_FAST: '1', ALERTMANAGER_URL: 'http://127.0.0.1:9093' });
    expect(o).toMatchObject({ demo: false, port: 0, dataDir: '/tmp/x', timings: FAST_TIMINGS, alertmanagerUrl: 'http://127.0.0.1:9093' });
  });

  it('says what is wrong and how to fix it', () => {
    expect(() => parseUpOptions(['--port', 'abc'], {})).toThrow(new UpUsageError("--port 'abc' is not a port; give a number from 0 to 65535 (0 = any free port)"));
    expect(() => parseUpOptions(['--bogus'], {})).toThrow(/lookout up: Unknown option '--bogus'/);
    expect(() => parseUpOptions([], { LOOKOUT_WEBHOOK_URL: 'ftp://x' })).toThrow(/LOOKOUT_WEBHOOK_URL='ftp:\/\/x' is not an http\(s\) URL/);
  });
});

describe('banner and console notifications', () => {
  it('tells what runs where, what happens next and how to send data', () => {
    const text = banner({
      statusUrl: 'http://127.0.0.1:4318',
      otlpHttpUrl: 'http://127.0.0.1:4318',
      grpcPort: 4317,
      dataDir: '/srv/data',
      sloFiles: ['collector/demo/slos/shop.yaml'],
      receivers: ['console'],
      demo: { shopUrl: 'http://127.0.0.1:3000', accessLog: 'a.log', shopLog: 's.log', tlsUrl: 'https://localhost:8443', certificateDays: 5, postgresSkipped: 'nothing at 127.0.0.1:5432', timeline: demoTimeline(0, NORMAL_TIMINGS), fast: false },
    });
    expect(text).toContain('Status page      http://127.0.0.1:4318/');
    expect(text).toContain('built-in defaults');
    expect(text).toContain('/srv/data');
    expect(text).toContain('00:01:00 (in 60 s)  incident');
    expect(text).toContain('node --import @lookout/agent/register');
    expect(text).toContain('not probed: nothing at 127.0.0.1:5432');
    expect(text).not.toMatch(/^\{/m);
  });

  it('prints one line per alert with a link to its SLO page, and ignores what is not a payload', () => {
    const lines = formatNotification(
      { alerts: [{ status: 'firing', labels: { severity: 'page', slo: 'checkout-availability', service: 'shop' }, annotations: { summary: 'burning' }, startsAt: '' }] },
      'http://x',
    );
    expect(lines).toEqual(['[notification] FIRING   PAGE   burning  → http://x/slos/shop/checkout-availability']);
    expect(formatNotification('nonsense', 'http://x')).toEqual([]);
  });
});
