import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SliStore } from './sli-store.ts';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-sli-store-'));
  dirs.push(dir);
  return join(dir, 'data', 'sli.sqlite');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const MINUTE = 60_000;
const now = 28_000_000 * MINUTE; // a minute number in 2023

describe('SliStore', () => {
  it('a fenced cursor, and the increments before it, are written only once its log is durable there; reads count them all the while', () => {
    const file = tempFile();
    const m = now / MINUTE;
    let durableEnd = 0;
    const first = new SliStore({ file, retentionMinutes: 1000 });
    first.fenceCursor('request-series.traces', () => durableEnd);
    first.add('a', m, 3, 4); // entries 0..4 applied before they were synced
    first.stageCursor('request-series.traces', 5);
    first.flush(now);
    expect(first.cursor('request-series.traces')).toBeUndefined(); // held: 5 > durable end 0
    expect(first.sum('a', m, m)).toEqual({ good: 3, total: 4 });
    expect(first.buckets('a', m, m)).toEqual([{ minute: m, good: 3, total: 4 }]);
    expect(first.pendingBucketCount).toBe(1);
    durableEnd = 5;
    first.add('a', m, 1, 2); // entries 5..7, not durable yet
    first.stageCursor('request-series.traces', 8);
    first.flush(now); // writes the first generation, holds the second
    expect(first.cursor('request-series.traces')).toBe(5);
    expect(first.flushedTotalsBySli().get('a')).toEqual({ good: 3, total: 4 });
    expect(first.sum('a', m, m)).toEqual({ good: 4, total: 6 });
    expect(first.buckets('a', m, m)).toEqual([{ minute: m, good: 4, total: 6 }]);
    // kill -9 now: the store has exactly the durable entries 0..4, and its cursor says so
    const second = new SliStore({ file, retentionMinutes: 1000 });
    expect(second.cursor('request-series.traces')).toBe(5);
    expect(second.sum('a', m, m)).toEqual({ good: 3, total: 4 });
    second.close();
    // a held generation with a cursor only (batches that matched no SLI) is written too
    durableEnd = 9;
    first.stageCursor('request-series.traces', 9);
    first.flush(now);
    expect(first.cursor('request-series.traces')).toBe(9);
    expect(first.sum('a', m, m)).toEqual({ good: 4, total: 6 });
    expect(first.pendingBucketCount).toBe(0);
    first.close();
    const third = new SliStore({ file, retentionMinutes: 1000 });
    expect(third.cursor('request-series.traces')).toBe(9);
    expect(third.sum('a', m, m)).toEqual({ good: 4, total: 6 });
    third.close();
  });

  it('commits a write-ahead-log cursor in the same transaction as the increments before it, never alone ahead of them', () => {
    const file = tempFile();
    const m = now / MINUTE;
    const first = new SliStore({ file, retentionMinutes: 1000 });
    expect(first.cursor('request-series.traces')).toBeUndefined();
    first.add('a', m, 3, 4);
    first.stageCursor('request-series.traces', 7);
    expect(first.cursor('request-series.traces')).toBeUndefined(); // staged, not committed
    first.flush(now);
    expect(first.cursor('request-series.traces')).toBe(7);
    // counted and staged after the flush, then a crash (no flush, no close): both gone together
    first.add('a', m, 1, 1);
    first.stageCursor('request-series.traces', 9);
    const second = new SliStore({ file, retentionMinutes: 1000 });
    expect(second.cursor('request-series.traces')).toBe(7);
    expect(second.sum('a', m, m)).toEqual({ good: 3, total: 4 });
    // a cursor with nothing counted (batches without matching spans) is committed too
    second.stageCursor('request-series.traces', 12);
    second.flush(now);
    second.close();
    first.close();
    expect(new SliStore({ file, retentionMinutes: 1000 }).cursor('request-series.traces')).toBe(12);
  });

  it('adds increments per (sli, minute) and reads them before and after a flush', () => {
    const store = new SliStore({ file: ':memory:', retentionMinutes: 1000 });
    const m = now / MINUTE;
    store.add('a', m - 2, 5, 6);
    store.add('a', m - 2, 1, 1);
    store.add('a', m, 2, 4);
    store.add('b', m, 9, 9);
    expect(store.sum('a', m - 10, m)).toEqual({ good: 8, total: 11 });
    store.flush(now);
    store.add('a', m, 1, 1);
    expect(store.sum('a', m - 10, m)).toEqual({ good: 9, total: 12 });
    expect(store.sum('a', m - 1, m)).toEqual({ good: 3, total: 5 });
    expect(store.buckets('a', m - 10, m)).toEqual([
      { minute: m - 2, good: 6, total: 7 },
      { minute: m, good: 3, total: 5 },
    ]);
    expect(store.sum('none', 0, m)).toEqual({ good: 0, total: 0 });
    store.close(now);
  });

  it('keeps what was flushed across a reopen, with the all-time totals', () => {
    const file = tempFile();
    const m = now / MINUTE;
    const first = new SliStore({ file, retentionMinutes: 1000 });
    for (let i = 0; i < 30; i++) first.add('checkout', m - i, i, 30);
    first.flush(now);
    first.add('checkout', m, 1000, 1000); // never flushed: lost like a kill -9 would lose it
    expect(first.flushedTotalsBySli().get('checkout')).toEqual({ good: 435, total: 900 });
    // no close(): the file is left as a killed process leaves it
    const second = new SliStore({ file, retentionMinutes: 1000 });
    expect(second.sum('checkout', m - 29, m)).toEqual({ good: 435, total: 900 });
    expect(second.buckets('checkout', m - 29, m)).toHaveLength(30);
    expect(second.flushedTotalsBySli().get('checkout')).toEqual({ good: 435, total: 900 });
    second.close();
  });

  it('deletes minutes older than the retention and drops late increments for them', () => {
    const store = new SliStore({ file: ':memory:', retentionMinutes: 60 });
    const m = now / MINUTE;
    store.add('a', m - 120, 1, 1);
    store.add('a', m - 30, 1, 1);
    store.flush(now - 200 * MINUTE);
    expect(store.flush(now)).toEqual({ rows: 0, pruned: 1 });
    expect(store.buckets('a', 0, m)).toEqual([{ minute: m - 30, good: 1, total: 1 }]);
    store.add('a', m - 61, 1, 5);
    expect(store.dropped.tooOld).toBe(5);
    // totals are all-time: retention does not take them back
    expect(store.flushedTotalsBySli().get('a')).toEqual({ good: 2, total: 2 });
    store.close();
  });

  it('bounds the buffer between flushes', () => {
    const store = new SliStore({ file: ':memory:', retentionMinutes: 60, maxPendingBuckets: 2 });
    store.add('a', 1, 1, 1);
    store.add('b', 1, 1, 1);
    store.add('c', 1, 1, 3);
    store.add('a', 1, 1, 1); // an existing bucket still takes increments
    expect(store.pendingBucketCount).toBe(2);
    expect(store.dropped.pendingFull).toBe(3);
    store.close();
  });

  it('says which file is wrong and how to fix it when it is not an SLI store', () => {
    const file = tempFile();
    const store = new SliStore({ file, retentionMinutes: 1 });
    store.close();
    writeFileSync(file, 'this is not a database, it is a text file that is long enough to have a header'.repeat(20));
    rmSync(file + '-wal', { force: true });
    rmSync(file + '-shm', { force: true });
    expect(() => new SliStore({ file, retentionMinutes: 1 })).toThrow(
      new RegExp(`cannot use the SLI store ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: file is not a database; it is not an SLI store: move it away or point storage.dataDir elsewhere`),
    );
  });

  it('says so when the data directory cannot be created', () => {
    const file = tempFile();
    writeFileSync(join(file, '..', '..', 'blocker'), 'a file where a directory should be');
    const under = join(file, '..', '..', 'blocker', 'sli.sqlite');
    expect(() => new SliStore({ file: under, retentionMinutes: 1 })).toThrow(
      /^cannot open the SLI store .*blocker\/sli\.sqlite: .*; set storage\.dataDir to a writable directory$/,
    );
  });
});
