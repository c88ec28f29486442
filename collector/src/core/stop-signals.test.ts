import { describe, expect, it } from 'vitest';
import { RELAYED_SIGNAL_WINDOW_MS, stopSignalGate } from './stop-signals.ts';

describe('stopSignalGate', () => {
  it('stops on the first signal, ignores copies relayed by npm/tsx, forces on a later one', () => {
    let now = 10_000;
    const gate = stopSignalGate(() => now);
    expect(gate()).toBe('stop');
    now += 5; // the group's SIGINT, then npm's and tsx's forwarded copies
    expect(gate()).toBe('relayed-copy');
    now += RELAYED_SIGNAL_WINDOW_MS - 6;
    expect(gate()).toBe('relayed-copy');
    now += 1;
    expect(gate()).toBe('force');
    now += 60_000;
    expect(gate()).toBe('force');
  });

  it('a zero window makes every further signal force the exit', () => {
    const gate = stopSignalGate(() => 0, 0);
    expect(gate()).toBe('stop');
    expect(gate()).toBe('force');
  });
});
