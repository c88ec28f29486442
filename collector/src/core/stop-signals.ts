/**
 * Deciding what a SIGINT/SIGTERM means. One Ctrl-C reaches a process more than once
 * when wrappers relay it: the terminal signals the whole process group, and `npm run`
 * and `tsx` each forward the signal to their child as well. Those copies arrive within
 * milliseconds (or, on a loaded machine, within a second) of the first; they are the
 * same request to stop, not an impatient second Ctrl-C. A signal after that window
 * means "exit now".
 */
export type StopDecision = 'stop' | 'relayed-copy' | 'force';

/** How long after the first signal further ones count as relayed copies of it. */
export const RELAYED_SIGNAL_WINDOW_MS = 1_500;

export function stopSignalGate(now: () => number, relayWindowMs = RELAYED_SIGNAL_WINDOW_MS): () => StopDecision {
  let firstAt: number | undefined;
  return () => {
    const at = now();
    if (firstAt === undefined) {
      firstAt = at;
      return 'stop';
    }
    return at - firstAt < relayWindowMs ? 'relayed-copy' : 'force';
  };
}
