import { describe, expect, it } from 'vitest';
import type { Batch } from '@lookout/otlp';
import { BoundedQueue } from './bounded-queue.ts';

function batch(items: number, bytes = items * 100, signal: Batch['signal'] = 'traces'): Batch {
  return {
    signal,
    data: { resourceSpans: [] } as Batch['data'],
    items,
    bytes,
    tenant: 'default',
    receiver: 'test',
    receivedAtMs: 0,
  };
}

describe('BoundedQueue', () => {
  it('delivers every accepted batch, in order, to each consumer of its signal only', async () => {
    const queue = new BoundedQueue({ maxItems: 1000, maxBytes: 1e6 });
    const seenA: number[] = [];
    const seenB: number[] = [];
    const seenLogs: number[] = [];
    queue.register('traces', 'a', (b) => void seenA.push(b.items));
    queue.register('traces', 'b', async (b) => {
      await new Promise((r) => setTimeout(r, 1));
      seenB.push(b.items);
    });
    queue.register('logs', 'logs', (b) => void seenLogs.push(b.items));
    for (let i = 1; i <= 5; i++) expect(queue.offer(batch(i)).accepted).toBe(true);
    expect(queue.offer(batch(7, 700, 'logs')).accepted).toBe(true);
    await queue.idle();
    expect(seenA).toEqual([1, 2, 3, 4, 5]);
    expect(seenB).toEqual([1, 2, 3, 4, 5]);
    expect(seenLogs).toEqual([7]);
    expect(queue.depthItems).toBe(0);
    expect(queue.depthBytes).toBe(0);
  });

  it('refuses over the item bound with a retry hint, and accepts again once drained', async () => {
    const queue = new BoundedQueue({ maxItems: 10, maxBytes: 1e9 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    queue.register('traces', 'slow', () => gate);
    expect(queue.offer(batch(6)).accepted).toBe(true);
    expect(queue.offer(batch(4)).accepted).toBe(true);
    const refused = queue.offer(batch(1));
    expect(refused).toMatchObject({ accepted: false, reason: 'queue_full' });
    if (!refused.accepted) expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(queue.depthItems).toBe(10);
    release();
    await queue.idle();
    expect(queue.offer(batch(10)).accepted).toBe(true);
  });

  it('refuses over the byte bound', () => {
    const queue = new BoundedQueue({ maxItems: 1e6, maxBytes: 1000 });
    queue.register('traces', 'never', () => new Promise<void>(() => {}));
    expect(queue.offer(batch(1, 900)).accepted).toBe(true);
    expect(queue.offer(batch(1, 200))).toMatchObject({ accepted: false, reason: 'queue_full' });
  });

  it('takes one batch larger than the whole bound when empty, so big requests are not refused forever', () => {
    const queue = new BoundedQueue({ maxItems: 10, maxBytes: 100 });
    queue.register('traces', 'never', () => new Promise<void>(() => {}));
    expect(queue.offer(batch(50, 5000)).accepted).toBe(true);
    expect(queue.offer(batch(1, 1)).accepted).toBe(false);
  });

  it('counts a failing consumer without stopping the others', async () => {
    const failures: string[] = [];
    const queue = new BoundedQueue(
      { maxItems: 100, maxBytes: 1e6 },
      { consumerFailed: (_b, name, error) => failures.push(`${name}: ${(error as Error).message}`) },
    );
    const seen: number[] = [];
    queue.register('traces', 'broken', () => {
      throw new Error('boom');
    });
    queue.register('traces', 'fine', (b) => void seen.push(b.items));
    queue.offer(batch(1));
    queue.offer(batch(2));
    await queue.idle();
    expect(seen).toEqual([1, 2]);
    expect(failures).toEqual(['broken: boom', 'broken: boom']);
  });

  it('refuses with shutting_down after close, once what was accepted is delivered', async () => {
    const queue = new BoundedQueue({ maxItems: 100, maxBytes: 1e6 });
    const seen: number[] = [];
    queue.register('traces', 'c', (b) => void seen.push(b.items));
    queue.offer(batch(3));
    await queue.close();
    expect(seen).toEqual([3]);
    expect(queue.offer(batch(1))).toMatchObject({ accepted: false, reason: 'shutting_down' });
  });
});
