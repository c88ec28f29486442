import { describe, expect, it } from 'vitest';
import { BoundedBatcher, type DropReason } from './bounded-batcher.ts';

function recorder() {
  const events = { exported: 0, dropped: new Map<DropReason, number>() };
  return {
    events,
    hooks: {
      exported: (n: number) => (events.exported += n),
      dropped: (n: number, reason: DropReason) => events.dropped.set(reason, (events.dropped.get(reason) ?? 0) + n),
    },
  };
}

const config = { maxQueueSize: 10, maxExportBatchSize: 4, scheduledDelayMs: 20, exportTimeoutMs: 200 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BoundedBatcher', () => {
  it('exports full batches at once and the rest after the delay', async () => {
    const sent: number[][] = [];
    const { events, hooks } = recorder();
    const batcher = new BoundedBatcher<number>(config, async (items) => void sent.push(items), hooks, 'test');
    for (let i = 0; i < 6; i++) batcher.add(i);
    await sleep(5);
    expect(sent).toEqual([[0, 1, 2, 3]]);
    await sleep(60);
    expect(sent).toEqual([[0, 1, 2, 3], [4, 5]]);
    expect(events.exported).toBe(6);
  });

  it('keeps one export in flight, holds at most maxQueueSize items and counts the rest as queue_full', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const release: Array<() => void> = [];
    const { events, hooks } = recorder();
    const batcher = new BoundedBatcher<number>(
      config,
      (items) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<void>((resolve) => release.push(() => (inFlight--, resolve())));
      },
      hooks,
      'test',
    );
    for (let i = 0; i < 100; i++) batcher.add(i);
    expect(batcher.queued).toBe(10); // 4 in flight, 10 queued
    expect(events.dropped.get('queue_full')).toBe(86);
    expect(maxInFlight).toBe(1);
    release.shift()!();
    await sleep(1);
    expect(maxInFlight).toBe(1);
  });

  it('counts a failed or timed-out export as export_failed and goes on', async () => {
    const { events, hooks } = recorder();
    let calls = 0;
    const batcher = new BoundedBatcher<number>(
      { ...config, exportTimeoutMs: 30 },
      (items) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('ECONNREFUSED'));
        if (calls === 2) return new Promise<void>(() => {}); // never answers
        return Promise.resolve();
      },
      hooks,
      'test',
    );
    for (let i = 0; i < 12; i++) batcher.add(i);
    await batcher.flush(1000);
    expect(events.dropped.get('export_failed')).toBe(8);
    expect(events.exported).toBe(4);
    expect(batcher.queued).toBe(0);
  });

  it('flush gives up at its deadline; shutdown then drops and counts what is left', async () => {
    const { events, hooks } = recorder();
    const batcher = new BoundedBatcher<number>({ ...config, exportTimeoutMs: 10_000 }, () => new Promise<void>(() => {}), hooks, 'test');
    for (let i = 0; i < 7; i++) batcher.add(i);
    const started = performance.now();
    await batcher.shutdown(50);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(events.dropped.get('shutdown')).toBe(3); // 4 are stuck in the hanging export
    batcher.add(99);
    expect(events.dropped.get('shutdown')).toBe(4);
  });
});
