import { describe, expect, it } from 'vitest';
import { notifyConfigSchema } from './config.ts';

function problems(input: unknown): string[] {
  const result = notifyConfigSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('notify config', () => {
  it('fills defaults', () => {
    const config = notifyConfigSchema.parse({
      receivers: { alertmanager: [{ name: 'am', url: 'http://am:9093' }], pagerduty: [{ name: 'pd', routingKey: 'k' }] },
    });
    expect(config.retry).toEqual({ baseDelay: 1000, maxDelay: 300_000, maxAge: 86_400_000 });
    expect(config.breaker).toEqual({ failureThreshold: 5, coolDown: 30_000 });
    expect(config.receivers.alertmanager[0]!.resendInterval).toBe(60_000);
    expect(config.receivers.pagerduty[0]!.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(config.timeout).toBe(10_000);
    expect(notifyConfigSchema.parse(undefined).receivers.webhook).toEqual([]);
  });

  it('reads durations as strings or milliseconds', () => {
    const config = notifyConfigSchema.parse({ retry: { baseDelay: '250ms', maxDelay: 60000, maxAge: '2h' }, breaker: { coolDown: '1m' } });
    expect(config.retry).toEqual({ baseDelay: 250, maxDelay: 60_000, maxAge: 7_200_000 });
    expect(config.breaker.coolDown).toBe(60_000);
  });

  it('names a duplicate receiver, an unknown heartbeat receiver and the fix', () => {
    expect(
      problems({
        receivers: { webhook: [{ name: 'x', url: 'http://a' }], slack: [{ name: 'x', url: 'http://b' }] },
        heartbeat: { receiver: 'dms' },
      }),
    ).toEqual([
      "receivers.slack.0.name: receiver 'x' is already used by a webhook receiver; names must be unique across all kinds",
      "heartbeat.receiver: heartbeat receiver 'dms' is not configured; use one of: x",
    ]);
    expect(problems({ heartbeat: { receiver: 'dms' } })).toEqual([
      "heartbeat.receiver: heartbeat receiver 'dms' is not configured; add a receiver under notify.receivers first",
    ]);
  });

  it('rejects a bad URL without echoing it (it may be a secret)', () => {
    const found = problems({ receivers: { slack: [{ name: 's', url: 'hooks.slack.com/services/SECRET' }] } });
    expect(found).toEqual(['receivers.slack.0.url: not an http(s) URL; write e.g. https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}']);
  });

  it('explains bad retry and breaker settings', () => {
    expect(problems({ retry: { baseDelay: '10s', maxDelay: '1s' }, breaker: { failureThreshold: 0 } })).toEqual([
      'retry.maxDelay: maxDelay (1000 ms) is less than baseDelay (10000 ms); make it at least baseDelay',
      'breaker.failureThreshold: failureThreshold must be a whole number of at least 1',
    ]);
    expect(problems({ retry: { baseDelay: 'soon' } })).toEqual(["retry.baseDelay: 'soon' is not a duration; write e.g. 250ms, 30s, 5m, 1h30m or 7d"]);
  });

  it('asks for a PagerDuty routing key and rejects unknown keys', () => {
    expect(problems({ receivers: { pagerduty: [{ name: 'pd', routingKey: '' }] } })[0]).toMatch(
      /^receivers.pagerduty.0.routingKey: routingKey is empty; copy the integration key of an Events API v2 integration/,
    );
    expect(problems({ receivers: { opsgenie: [] } })[0]).toMatch(/^receivers: Unrecognized key/);
  });
});
