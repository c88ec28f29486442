import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.ts';
import { sliDefinitionsFromConfig } from './config.ts';

/** The loader's messages for a lookout.yaml, one per problem. */
function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'lookout.yaml', {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  return [];
}

describe('sli: and requestSeries: in lookout.yaml', () => {
  it('has defaults that need no SLI and no disk', () => {
    const config = parseConfig('', 'lookout.yaml', {});
    expect(config.sli).toEqual({ flushInterval: 1000, retention: 35 * 86_400_000, definitions: [] });
    expect(config.requestSeries).toMatchObject({
      enabled: true,
      maxRoutesPerService: 200,
      maxServices: 1000,
      source: 'auto',
      sources: {},
      routeIdleTimeout: 600_000,
      autoSourceWindow: 600_000,
    });
    expect(config.requestSeries.durationBuckets).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });

  it('turns SLI definitions into the matcher form, thresholds in seconds', () => {
    const config = parseConfig(
      [
        'sli:',
        '  definitions:',
        '    - { id: pay-availability, service: shop, route: /pay, method: POST, kind: availability }',
        '    - { id: users-latency, service: shop, kind: latency, latencyThreshold: 300ms }',
      ].join('\n'),
      'lookout.yaml',
      {},
    );
    expect(sliDefinitionsFromConfig(config.sli)).toEqual([
      { id: 'pay-availability', service: 'shop', route: '/pay', method: 'POST', kind: 'availability' },
      { id: 'users-latency', service: 'shop', kind: 'latency', latencyThresholdSeconds: 0.3 },
    ]);
  });

  it.each([
    [
      'sli:\n  definitions:\n    - { id: a, service: s, kind: latency }\n',
      'lookout.yaml:3:7: sli.definitions.0.latencyThreshold: a latency SLI needs latencyThreshold, e.g. 300ms (found nothing)',
    ],
    [
      'sli:\n  definitions:\n    - { id: a, service: s, kind: availability, latencyThreshold: 1s }\n',
      'lookout.yaml:3:66: sli.definitions.0.latencyThreshold: latencyThreshold applies to kind latency only; remove it or set kind: latency (found "1s")',
    ],
    [
      'sli:\n  definitions:\n    - { id: a, service: s, kind: availability }\n    - { id: a, service: t, kind: availability }\n',
      `lookout.yaml:4:13: sli.definitions.1.id: SLI id 'a' is used twice; ids must be unique (found "a")`,
    ],
    [
      'sli:\n  definitions:\n    - { id: "has space", service: s, kind: availability }\n',
      'lookout.yaml:3:13: sli.definitions.0.id: an SLI id is 1-128 letters, digits, dot, colon, dash or underscore, e.g. checkout-availability (found "has space")',
    ],
    [
      'sli:\n  definitions:\n    - { id: a, service: "", kind: availability }\n',
      'lookout.yaml:3:25: sli.definitions.0.service: service is empty; write the service.name of the service it measures (found "")',
    ],
    ['sli:\n  retention: forever\n', `lookout.yaml:2:14: sli.retention: 'forever' is not a duration; write e.g. 250ms, 30s, 5m, 1h30m or 7d (found "forever")`],
    ['requestSeries:\n  durationBuckets: [0.1, -1]\n', 'lookout.yaml:2:26: requestSeries.durationBuckets.1: a bucket bound is a positive number of seconds, e.g. 0.25 (found -1)'],
    ['requestSeries:\n  durationBuckets: []\n', 'lookout.yaml:2:20: requestSeries.durationBuckets: list at least one bucket bound, e.g. [0.1, 0.5, 1] (found [])'],
    ['requestSeries:\n  maxRoutesPerService: 0\n', 'lookout.yaml:2:24: requestSeries.maxRoutesPerService: maxRoutesPerService must be at least 1 (found 0)'],
  ])('reports %j as %s', (yaml, message) => {
    expect(problems(yaml)).toEqual([message]);
  });

  it('names the allowed sources when one is misspelt', () => {
    const [message] = problems('requestSeries:\n  sources: { shop: metric }\n');
    expect(message).toMatch(/^lookout\.yaml:2:\d+: requestSeries\.sources\.shop: shop must be one of auto, spans, metrics \(found "metric"\)/);
  });
});
