import { pickRequest } from './schedule.ts';

/**
 * The demo's traffic: requests to the shop at a steady rate, a mix of product list,
 * product pages and checkouts. Counts answers by class for the console's status line.
 */
export interface TrafficGenerator {
  counts: { sent: number; ok: number; clientErrors: number; serverErrors: number; failed: number };
  stop(): Promise<void>;
}

export function startTraffic(baseUrl: string, requestsPerSecond: number, random: () => number = Math.random): TrafficGenerator {
  const counts = { sent: 0, ok: 0, clientErrors: 0, serverErrors: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  const tickMs = 100;
  let owed = 0;
  const send = () => {
    const { method, path } = pickRequest(random(), random());
    counts.sent++;
    const request = fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'user-agent': 'lookout-demo-traffic', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: JSON.stringify({ items: [{ id: 1 + Math.floor(random() * 20), qty: 1 }] }) } : {}),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status >= 500) counts.serverErrors++;
        else if (response.status >= 400) counts.clientErrors++;
        else counts.ok++;
      })
      .catch(() => {
        counts.failed++;
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const timer = setInterval(() => {
    owed += (requestsPerSecond * tickMs) / 1000;
    // at most 200 requests in flight: a stalled shop is not buried under a backlog
    while (owed >= 1 && inFlight.size < 200) {
      owed--;
      send();
    }
    if (owed > requestsPerSecond) owed = 0;
  }, tickMs);
  return {
    counts,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
