import { describe, expect, it } from 'vitest';
import { Failover, initialFailoverState, isUnavailableStatus, markAnswered, markFailed, tryOrder } from './failover.ts';

describe('failover choice', () => {
  it('tries the current endpoint first, then the others in ring order', () => {
    const state = initialFailoverState(3);
    expect(tryOrder(state, 1000)).toEqual([0, 1, 2]);
    markAnswered(state, 2);
    expect(tryOrder(state, 1000)).toEqual([2, 0, 1]);
  });

  it('sets a failed endpoint aside for the cool-down, then offers it again', () => {
    const state = initialFailoverState(2);
    markFailed(state, 0, 1000, 30_000);
    expect(tryOrder(state, 1001)).toEqual([1]);
    expect(tryOrder(state, 31_000)).toEqual([0, 1]);
  });

  it('sticks to the endpoint that answers after the cool-down of the first one is over', () => {
    const state = initialFailoverState(2);
    markFailed(state, 0, 1000, 30_000);
    markAnswered(state, 1);
    expect(tryOrder(state, 60_000)).toEqual([1, 0]);
  });

  it('with every endpoint set aside, tries only the one that failed longest ago', () => {
    const state = initialFailoverState(3);
    markFailed(state, 1, 1000, 30_000);
    markFailed(state, 2, 2000, 30_000);
    markFailed(state, 0, 3000, 30_000);
    expect(tryOrder(state, 4000)).toEqual([1]);
  });

  it('moves on no answer and 502/503/504, not on 429 or other answers', () => {
    expect([undefined, 502, 503, 504].map(isUnavailableStatus)).toEqual([true, true, true, true]);
    expect([200, 400, 401, 413, 429, 500].map(isUnavailableStatus)).toEqual([false, false, false, false, false, false]);
  });

  it('refuses an empty endpoint list with a clear error', () => {
    expect(() => initialFailoverState(0)).toThrow('failover needs at least one endpoint, got 0');
  });
});

class Status extends Error {
  constructor(readonly status: number | undefined) {
    super(status === undefined ? 'connection refused' : `HTTP ${status}`);
  }
}
const unavailable = (error: unknown) => isUnavailableStatus((error as Status).status);

describe('Failover.run', () => {
  function setup(answers: Array<Array<number | undefined>>) {
    let now = 1000;
    const moves: string[] = [];
    const failover = new Failover(['a', 'b', 'c'], {
      coolDownMs: 30_000,
      now: () => now,
      events: { failedOver: (from, to, reason) => moves.push(`${from}->${to} (${reason})`) },
    });
    const calls: string[] = [];
    const send = () =>
      failover.run(async (index) => {
        calls.push(failover.endpoints[index]!);
        const status = answers[index]!.shift();
        if (status !== 200) throw new Status(status);
        return index;
      }, unavailable);
    return { failover, calls, moves, send, advance: (ms: number) => (now += ms) };
  }

  it('sends the same request to the next endpoint at once when the first is unreachable, and stays there', async () => {
    const { calls, moves, send } = setup([[undefined], [200, 200], []]);
    await expect(send()).resolves.toBe(1);
    await expect(send()).resolves.toBe(1);
    expect(calls).toEqual(['a', 'b', 'b']);
    expect(moves).toEqual(['a->b (connection refused)']);
  });

  it('does not move on 429: the error goes back to the caller and the endpoint stays current', async () => {
    const { failover, calls, send } = setup([[429, 200], [], []]);
    await expect(send()).rejects.toThrow('HTTP 429');
    await expect(send()).resolves.toBe(0);
    expect(calls).toEqual(['a', 'a']);
    expect(failover.current).toBe('a');
  });

  it('moves past 502, 503 and 504 and rejects with the last error when none answers', async () => {
    const { calls, send, failover } = setup([[502], [503], [504]]);
    await expect(send()).rejects.toThrow('HTTP 504');
    expect(calls).toEqual(['a', 'b', 'c']);
    // all set aside: the next request tries only the one that failed longest ago
    expect(tryOrder(failover.state, 1001)).toEqual([0]);
  });

  it('comes back to a recovered endpoint only when the current one fails', async () => {
    const { calls, send, advance } = setup([[503, 200], [200, 503], []]);
    await send(); // a fails, b answers
    advance(31_000); // a's cool-down is over, but b answers: stay
    await send(); // b -> 503, then ring order: c (unreachable), a answers
    expect(calls).toEqual(['a', 'b', 'b', 'c', 'a']);
  });
});
