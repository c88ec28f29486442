import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.ts';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'lookout.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('slos:, thresholdAlerts: and notify: in lookout.yaml', () => {
  it('has defaults', () => {
    const config = parseConfig('', 'lookout.yaml', {});
    const { auto, ...slos } = config.slos;
    expect(slos).toEqual({ files: [], evaluationInterval: 30_000, minEvents: 0, lateData: 300_000, sampleTraceIds: 5, sampleErrorLines: 3, noData: { alertOn: 'no-data' } });
    expect(auto).toMatchObject({ enabled: false, objective: 99.5, latencyObjective: 99, learnFor: 86_400_000, learnMinRequests: 100, period: '30d', services: {} });
    expect(config.thresholdAlerts.tls).toEqual({ ticketDays: 14, pageDays: 3, pageWhenUnverified: true });
    expect(config.notify.receivers.webhook).toEqual([]);
  });

  it('takes durations and says where a value is wrong', () => {
    const config = parseConfig('slos:\n  files: [slos/*.yaml]\n  evaluationInterval: 10s\n  lateData: 2m\n', 'lookout.yaml', {});
    expect(config.slos).toMatchObject({ files: ['slos/*.yaml'], evaluationInterval: 10_000, lateData: 120_000 });
    expect(problems('slos:\n  evaluationInterval: 50ms\n')).toEqual([
      'lookout.yaml:2:23: slos.evaluationInterval: evaluationInterval must be at least 100ms; 30s is the usual value (found "50ms")',
    ]);
    expect(problems('slos:\n  file: [a.yaml]\n')).toEqual(["lookout.yaml:2:3: slos.file: unknown key 'file'; did you mean 'files'?"]);
    expect(problems('slos:\n  minEvents: 2.5\n')).toEqual(['lookout.yaml:2:14: slos.minEvents: minEvents must be a whole number, e.g. 20 (found 2.5)']);
    expect(problems('slos:\n  noData: { alertOn: never }\n')[0]).toContain(
      "slos.noData.alertOn: noData.alertOn is 'no-data' (alert only when nothing arrives from the service) or 'no-traffic-or-data'",
    );
    expect(problems('thresholdAlerts:\n  memory: { ticket: 95 }\n')[0]).toContain(
      'thresholdAlerts.memory.ticket: memory.ticket is a fraction from 0 to 1 (0.9 = 90 %), not a percent',
    );
  });
});
