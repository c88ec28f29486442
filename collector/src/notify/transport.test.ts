import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyStatus, countsAgainstReceiver, fetchTransport } from './transport.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('transport', () => {
  it('classifies answers', () => {
    expect([200, 202, 204].map(classifyStatus)).toEqual([undefined, undefined, undefined]);
    expect([400, 401, 404, 408, 429, 500, 503].map(classifyStatus)).toEqual([
      'status_4xx',
      'status_4xx',
      'status_4xx',
      'timeout',
      'status_429',
      'status_5xx',
      'status_5xx',
    ]);
  });

  it('lets only failures of the receiver itself count toward its breaker', () => {
    expect(countsAgainstReceiver('status_4xx')).toBe(false);
    for (const reason of ['network', 'timeout', 'status_5xx', 'status_429'] as const) expect(countsAgainstReceiver(reason)).toBe(true);
  });

  it('reports a refused connection by its code, without the URL (it may hold a secret)', async () => {
    const port = await closedPort();
    const outcome = await fetchTransport(
      { url: `http://127.0.0.1:${port}/services/SECRET`, headers: {}, body: '{}' },
      { timeoutMs: 2000, signal: new AbortController().signal, now: Date.now() },
    );
    expect(outcome).toEqual({ ok: false, reason: 'network', detail: 'ECONNREFUSED' });
  });

  it('reports an abort by the notifier as aborted, not as a failure', async () => {
    const controller = new AbortController();
    controller.abort();
    const port = await closedPort();
    const outcome = await fetchTransport({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' }, { timeoutMs: 2000, signal: controller.signal, now: 0 });
    expect(outcome).toEqual({ ok: false, reason: 'aborted', detail: 'notifier stopping' });
  });
});
