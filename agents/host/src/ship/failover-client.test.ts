import { describe, expect, it } from 'vitest';
import { createFailoverClient, initialFailoverState, isUnavailable, markFailed, tryOrder } from './failover-client.ts';
import type { OtlpHttpClient } from './otlp-http-client.ts';
import type { SendResult } from './send-policy.ts';

/** An endpoint whose answers the test scripts; records what it was sent. */
function scripted(answers: SendResult[]): OtlpHttpClient & { sent: number } {
  const endpoint = {
    sent: 0,
    async post() {
      endpoint.sent++;
      return answers.length > 1 ? answers.shift()! : answers[0]!;
    },
    close() {},
  };
  return endpoint;
}

describe('endpoint failover', () => {
  it('treats no answer and 502/503/504 as unavailable, and 429, 400, 500 and 200 as answers', () => {
    expect([{ error: 'ECONNREFUSED' }, { status: 502 }, { status: 503 }, { status: 504 }].every(isUnavailable)).toBe(true);
    expect([{ status: 200 }, { status: 429 }, { status: 400 }, { status: 500 }, { status: 413 }].some(isUnavailable)).toBe(false);
  });

  it('tries the current endpoint first, skips those set aside, and when all are set aside the one that failed longest ago', () => {
    const state = initialFailoverState(3);
    expect(tryOrder(state, 1000)).toEqual([0, 1, 2]);
    markFailed(state, 0, 1000, 30_000);
    expect(tryOrder(state, 1001)).toEqual([1, 2]);
    markFailed(state, 1, 2000, 30_000);
    markFailed(state, 2, 3000, 30_000);
    expect(tryOrder(state, 4000)).toEqual([0]);
    expect(tryOrder(state, 31_500)).toEqual([0]); // cool-down of endpoint 0 over
    expect(tryOrder(state, 40_000)).toEqual([0, 1, 2]);
  });

  it('moves a request to the next endpoint at once when the current one is down, then stays there', async () => {
    const a = scripted([{ error: 'connect ECONNREFUSED' }]);
    const b = scripted([{ status: 200 }]);
    const moves: string[] = [];
    let now = 0;
    const client = createFailoverClient(
      [
        { endpoint: 'http://a:4318', client: a },
        { endpoint: 'http://b:4318', client: b },
      ],
      { coolDownMs: 30_000, now: () => now, events: { failedOver: (from, to, reason) => moves.push(`${from} → ${to}: ${reason}`) } },
    );
    expect(await client.post('/v1/logs', new Uint8Array(1))).toEqual({ status: 200 });
    expect(moves).toEqual(['http://a:4318 → http://b:4318: connect ECONNREFUSED']);
    now = 40_000; // a's cool-down is over, but b answers: the agent stays on b
    expect(await client.post('/v1/logs', new Uint8Array(1))).toEqual({ status: 200 });
    expect([a.sent, b.sent]).toEqual([1, 2]);
  });

  it('does not move on 429: the collector asks for back-pressure', async () => {
    const a = scripted([{ status: 429, retryAfter: '2' }]);
    const b = scripted([{ status: 200 }]);
    const client = createFailoverClient(
      [
        { endpoint: 'http://a:4318', client: a },
        { endpoint: 'http://b:4318', client: b },
      ],
      { coolDownMs: 30_000 },
    );
    expect(await client.post('/v1/logs', new Uint8Array(1))).toEqual({ status: 429, retryAfter: '2' });
    expect(b.sent).toBe(0);
  });

  it('returns the last failure when every endpoint is down, for the retry policy to pace', async () => {
    const client = createFailoverClient(
      [
        { endpoint: 'http://a:4318', client: scripted([{ status: 503 }]) },
        { endpoint: 'http://b:4318', client: scripted([{ error: 'timeout' }]) },
      ],
      { coolDownMs: 30_000, now: () => 5 },
    );
    expect(await client.post('/v1/logs', new Uint8Array(1))).toEqual({ error: 'timeout' });
    expect(client.state.downUntil).toEqual([30_005, 30_005]);
  });
});
