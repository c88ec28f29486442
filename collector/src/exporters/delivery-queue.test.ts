import { describe, expect, it } from 'vitest';
import { encodeExportResponseProtobuf } from '@lookout/otlp';
import { DeliveryQueue, type DeliveryEvents, type DeliverySettings, type SendOutcome } from './delivery-queue.ts';
import { otlpSignalUrl } from './otlp-exporter.ts';
import { decodePartialSuccess } from './otlp-response.ts';

const SETTINGS: DeliverySettings = {
  batchItems: 10,
  batchWaitMs: 20,
  maxBufferItems: 100,
  minBackoffMs: 1,
  maxBackoffMs: 5,
  maxElapsedMs: 0,
  breaker: { failureThreshold: 3, coolDownMs: 30 },
};

function recorder() {
  const log: string[] = [];
  const counts = { sent: 0, rejected: 0, retried: 0, dropped: {} as Record<string, number>, breaker: [] as number[] };
  const events: DeliveryEvents = {
    sent: (n) => void (counts.sent += n),
    failed: (reason) => void log.push(`failed ${reason}`),
    partiallyRejected: (n, m) => {
      counts.rejected += n;
      log.push(`partial ${n} ${m}`);
    },
    retried: (reason) => {
      counts.retried++;
      log.push(`retry ${reason}`);
    },
    dropped: (reason, n) => void (counts.dropped[reason] = (counts.dropped[reason] ?? 0) + n),
    breakerChanged: (v) => void counts.breaker.push(v),
  };
  return { events, counts, log };
}

function queueWith(send: (entries: number[], items: number) => Promise<SendOutcome>, settings: Partial<DeliverySettings> = {}) {
  const r = recorder();
  const queue = new DeliveryQueue<number>({ settings: { ...SETTINGS, ...settings }, send, events: r.events, now: Date.now, random: () => 0.5 });
  return { queue, ...r };
}

describe('delivery queue', () => {
  it('batches by size, sends a partial batch after batchWait, in arrival order, and settles each entry', async () => {
    const batches: number[][] = [];
    const { queue, counts } = queueWith(async (entries) => {
      batches.push(entries);
      return { kind: 'sent' };
    });
    const settled: Array<[number, boolean]> = [];
    for (let i = 0; i < 12; i++) queue.offer(i, 1, (ok) => settled.push([i, ok]));
    await new Promise((r) => setTimeout(r, 100));
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11]]);
    expect(counts.sent).toBe(12);
    expect(settled.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(settled.every(([, ok]) => ok)).toBe(true);
    expect(queue.bufferedItems).toBe(0);
  });

  it('drops and counts what does not fit the buffer, without waiting', async () => {
    const { queue, counts } = queueWith(async () => ({ kind: 'retry', reason: 'network' }), { maxBufferItems: 5, batchItems: 100 });
    expect(queue.offer(1, 4)).toBe(true);
    expect(queue.offer(2, 2)).toBe(false);
    expect(counts.dropped).toEqual({ buffer_full: 2 });
    await queue.close(0);
    expect(counts.dropped).toEqual({ buffer_full: 2, shutdown: 4 });
  });

  it('retries a transient failure with backoff until it goes through; a partial success counts the rejected items', async () => {
    const answers: SendOutcome[] = [
      { kind: 'retry', reason: 'status_503', retryAfterMs: 2 },
      { kind: 'retry', reason: 'timeout' },
      { kind: 'sent', rejected: 2, message: 'bad spans' },
    ];
    const { queue, counts, log } = queueWith(async () => answers.shift()!);
    for (let i = 0; i < 10; i++) queue.offer(i, 1);
    await queue.flush();
    expect(log).toEqual(['failed status_503', 'retry status_503', 'failed timeout', 'retry timeout', 'partial 2 bad spans']);
    expect(counts.sent).toBe(8);
    expect(counts.rejected).toBe(2);
  });

  it('drops a batch the backend refuses for good, counted, and goes on with the next', async () => {
    const answers: SendOutcome[] = [{ kind: 'drop', reason: 'rejected', detail: 'HTTP 400' }, { kind: 'sent' }];
    const { queue, counts } = queueWith(async () => answers.shift()!, { batchItems: 2 });
    const settled: boolean[] = [];
    for (let i = 0; i < 4; i++) queue.offer(i, 1, (ok) => settled.push(ok));
    await queue.flush();
    expect(counts.dropped).toEqual({ rejected: 2 });
    expect(counts.sent).toBe(2);
    expect(settled).toEqual([false, false, true, true]);
  });

  it('gives up a batch after maxElapsed (retries_exhausted)', async () => {
    const { queue, counts } = queueWith(async () => ({ kind: 'retry', reason: 'network' }), { maxElapsedMs: 15, breaker: { failureThreshold: 1000, coolDownMs: 1 } });
    queue.offer(1, 3);
    await queue.flush();
    expect(counts.dropped).toEqual({ retries_exhausted: 3 });
    expect(counts.retried).toBeGreaterThan(0);
  });

  it('opens the breaker after consecutive failures, probes after the cool-down, closes on success', async () => {
    let calls = 0;
    const { queue, counts } = queueWith(async () => (++calls <= 4 ? { kind: 'retry', reason: 'network' } : { kind: 'sent' }));
    queue.offer(1, 1);
    await queue.flush();
    expect(counts.breaker).toEqual([2, 1, 2, 1, 0]); // open, probe, open again, probe, closed
    expect(counts.sent).toBe(1);
    expect(calls).toBe(5);
  });

  it('close() stops a retrying sender and counts what is left as shutdown', async () => {
    const { queue, counts } = queueWith(async () => ({ kind: 'retry', reason: 'network' }), { maxBackoffMs: 10_000, minBackoffMs: 10_000 });
    queue.offer(1, 2);
    queue.offer(2, 3);
    await new Promise((r) => setTimeout(r, 50)); // the first attempt failed; the sender is in a 10 s backoff
    await queue.close(20);
    expect(counts.dropped).toEqual({ shutdown: 5 });
    expect(queue.offer(3, 1)).toBe(false);
  }, 5_000);
});

describe('OTLP answers', () => {
  it('reads the partial success the collector encodes, and nothing from a full success', () => {
    expect(decodePartialSuccess(encodeExportResponseProtobuf('traces', { rejected: 7, message: 'span 3: end before start' }))).toEqual({
      rejected: 7,
      message: 'span 3: end before start',
    });
    expect(decodePartialSuccess(encodeExportResponseProtobuf('logs'))).toBeUndefined();
    expect(decodePartialSuccess(encodeExportResponseProtobuf('metrics', { rejected: 2 ** 40, message: '' }))).toEqual({ rejected: 2 ** 40, message: '' });
  });

  it('refuses a body that is not an export response', () => {
    expect(() => decodePartialSuccess(new Uint8Array([0x0a, 0x05, 0x08]))).toThrow(/past the end/);
    expect(() => decodePartialSuccess(new Uint8Array([0x08, 0xff]))).toThrow(/truncated varint/);
  });

  it('appends the signal path to the endpoint path', () => {
    expect(otlpSignalUrl('http://tempo:4318', 'traces').href).toBe('http://tempo:4318/v1/traces');
    expect(otlpSignalUrl('http://prom:9090/api/v1/otlp/', 'metrics').href).toBe('http://prom:9090/api/v1/otlp/v1/metrics');
    expect(otlpSignalUrl('https://loki:3100/otlp', 'logs').href).toBe('https://loki:3100/otlp/v1/logs');
  });
});
