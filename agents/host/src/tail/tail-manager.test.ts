import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { LineBuffer } from '../ship/line-buffer.ts';
import { fingerprintOf } from './fingerprint.ts';
import { TailManager, type TailSource } from './tail-manager.ts';

/** A tail manager over a temp dir, with a manual clock and a buffer the test drains by hand. */
function setup(dir: string, options: { startAt?: 'beginning' | 'end'; maxLines?: number; maxLineBytes?: number } = {}) {
  let now = 1_000_000;
  const buffer = new LineBuffer({ maxLines: options.maxLines ?? 10_000, maxBytes: 64 * 1024 * 1024 });
  const source: TailSource = { glob: join(dir, '*.log'), exclude: [], labels: { service: 'svc' }, startAt: options.startAt ?? 'beginning' };
  const events = { rotations: [] as string[], changes: 0 };
  const tail = new TailManager(
    [source],
    buffer,
    { maxLineBytes: options.maxLineBytes ?? 1024, fingerprintBytes: 64, rotateWaitMs: 1000, readChunkBytes: 4096 },
    { linesRead() {}, rotated: (kind) => events.rotations.push(kind), changed: () => events.changes++ },
    silentLogger,
    () => now,
  );
  /** takes every buffered line, acknowledges it, returns "file: text" */
  const drain = () => {
    const lines = buffer.peek(1e9, 1e12);
    tail.acknowledge(lines);
    buffer.drop(lines.length);
    return lines.map((l) => `${l.source.name}: ${l.text}`);
  };
  return { tail, buffer, drain, events, advance: (ms: number) => (now += ms) };
}

describe('TailManager', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-tail-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, name);

  it('reads new files from the start, holds a half line, and resumes from the checkpoint without repeats', async () => {
    writeFileSync(file('a.log'), 'one\ntwo\nhal');
    const first = setup(dir);
    await first.tail.start(undefined);
    await first.tail.poll();
    expect(first.drain()).toEqual(['a.log: one', 'a.log: two']);
    const checkpoint = first.tail.checkpoint();
    expect(checkpoint.entries).toEqual([
      { identity: expect.stringMatching(/^\d+:\d+$/), path: file('a.log'), offset: 8, fingerprint: fingerprintOf(Buffer.from('one\n'), 64) },
    ]);
    await first.tail.close();

    appendFileSync(file('a.log'), 'f\nthree\n');
    const second = setup(dir);
    await second.tail.start(checkpoint);
    await second.tail.poll();
    expect(second.drain()).toEqual(['a.log: half', 'a.log: three']);
    await second.tail.close();
  });

  it('gives each line a stable uid: the same bytes of the same file, the same id after a restart', async () => {
    writeFileSync(file('a.log'), 'one\ntwo\n');
    const first = setup(dir);
    await first.tail.start(undefined);
    await first.tail.poll();
    const uids = first.buffer.peek(10, 1e9).map((l) => l.uid);
    await first.tail.close();
    const second = setup(dir);
    await second.tail.start({ entries: [] });
    await second.tail.poll();
    expect(second.buffer.peek(10, 1e9).map((l) => l.uid)).toEqual(uids);
    expect(new Set(uids).size).toBe(2);
    await second.tail.close();
  });

  it('startAt: end skips what is there on the first run only', async () => {
    writeFileSync(file('old.log'), 'before\n');
    const first = setup(dir, { startAt: 'end' });
    await first.tail.start(undefined);
    appendFileSync(file('old.log'), 'after\n');
    await first.tail.poll();
    expect(first.drain()).toEqual(['old.log: after']);
    const checkpoint = first.tail.checkpoint();
    await first.tail.close();

    writeFileSync(file('new.log'), 'created while stopped\n');
    const second = setup(dir, { startAt: 'end' });
    await second.tail.start(checkpoint);
    await second.tail.poll();
    expect(second.drain()).toEqual(['new.log: created while stopped']);
    await second.tail.close();
  });

  it('rename rotation: reads the old file to its end before the new one, then lets it go after rotateWait', async () => {
    writeFileSync(file('a.log'), '1\n2\n');
    const t = setup(dir);
    await t.tail.start(undefined);
    await t.tail.poll();
    appendFileSync(file('a.log'), '3\n');
    renameSync(file('a.log'), file('a.log.1'));
    writeFileSync(file('a.log'), '4\n');
    appendFileSync(file('a.log.1'), '3b\n'); // a writer that has not reopened yet
    await t.tail.poll();
    expect(t.drain()).toEqual(['a.log: 1', 'a.log: 2', 'a.log: 3', 'a.log: 3b', 'a.log: 4']);
    expect(t.events.rotations).toEqual(['rename']);
    expect(t.tail.trackedCount).toBe(2);
    t.advance(999);
    await t.tail.poll();
    expect(t.tail.trackedCount).toBe(2);
    t.advance(1);
    await t.tail.poll();
    expect(t.tail.trackedCount).toBe(1);
    expect(t.tail.checkpoint().entries.map((e) => e.offset)).toEqual([2]);
    await t.tail.close();
  });

  it('keeps a rotated file until its lines are acknowledged', async () => {
    writeFileSync(file('a.log'), '1\n');
    const t = setup(dir);
    await t.tail.start(undefined);
    await t.tail.poll();
    unlinkSync(file('a.log'));
    await t.tail.poll();
    t.advance(5000);
    await t.tail.poll();
    expect(t.tail.trackedCount).toBe(1);
    expect(t.drain()).toEqual(['a.log: 1']);
    await t.tail.poll();
    expect(t.tail.trackedCount).toBe(0);
    await t.tail.close();
  });

  it('copytruncate: reads what it had not read from the copy, then the cut file from 0', async () => {
    writeFileSync(file('b.log'), 'b1\nb2\n');
    const t = setup(dir);
    await t.tail.start(undefined);
    await t.tail.poll();
    expect(t.drain()).toEqual(['b.log: b1', 'b.log: b2']);
    appendFileSync(file('b.log'), 'b3\nb4\n');
    copyFileSync(file('b.log'), file('b.log.1'));
    truncateSync(file('b.log'), 0);
    appendFileSync(file('b.log'), 'c1 longer than before, so the size check alone would miss the cut\n');
    await t.tail.poll();
    await t.tail.poll();
    expect(t.drain()).toEqual(['b.log: b3', 'b.log: b4', 'b.log: c1 longer than before, so the size check alone would miss the cut']);
    expect(t.events.rotations).toEqual(['truncate']);
    await t.tail.close();
  });

  it('copytruncate while stopped: the restart finds the copy by the fingerprint in the checkpoint', async () => {
    writeFileSync(file('b.log'), 'b1\nb2\n');
    const first = setup(dir);
    await first.tail.start(undefined);
    await first.tail.poll();
    first.drain();
    const checkpoint = first.tail.checkpoint();
    await first.tail.close();
    appendFileSync(file('b.log'), 'b3\n');
    copyFileSync(file('b.log'), file('b.log.1'));
    truncateSync(file('b.log'), 0);
    appendFileSync(file('b.log'), 'c1\n');
    const second = setup(dir);
    await second.tail.start(checkpoint);
    await second.tail.poll();
    await second.tail.poll();
    expect(second.drain()).toEqual(['b.log: b3', 'b.log: c1']);
    await second.tail.close();
  });

  it('a file rotated by rename while stopped is found by its inode and read to its end first', async () => {
    writeFileSync(file('a.log'), '1\n');
    const first = setup(dir);
    await first.tail.start(undefined);
    await first.tail.poll();
    first.drain();
    const checkpoint = first.tail.checkpoint();
    await first.tail.close();
    appendFileSync(file('a.log'), '2\n');
    renameSync(file('a.log'), file('a.log.1'));
    writeFileSync(file('a.log'), '3\n');
    const second = setup(dir);
    await second.tail.start(checkpoint);
    await second.tail.poll();
    await second.tail.poll();
    expect(second.drain()).toEqual(['a.log: 2', 'a.log: 3']);
    await second.tail.close();
  });

  it('a reused inode (same identity, other content) is read from the start', async () => {
    writeFileSync(file('a.log'), 'first content\n');
    const first = setup(dir);
    await first.tail.start(undefined);
    await first.tail.poll();
    first.drain();
    const checkpoint = first.tail.checkpoint();
    await first.tail.close();
    // rewrite in place: same inode, new first line, longer than the old offset
    writeFileSync(file('a.log'), 'second content, a different start\n');
    const second = setup(dir);
    await second.tail.start(checkpoint);
    await second.tail.poll();
    expect(second.drain()).toEqual(['a.log: second content, a different start']);
    await second.tail.close();
  });

  it('stops reading while the buffer is full and goes on, in order, once it drains', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(996)}`);
    writeFileSync(file('a.log'), lines.map((l) => l + '\n').join(''));
    const t = setup(dir, { maxLines: 5 });
    await t.tail.start(undefined);
    await t.tail.poll();
    // the bound is checked before each 4 KiB read: at most one read (4 lines) over it
    expect(t.buffer.length).toBe(8);
    await t.tail.poll();
    expect(t.buffer.length).toBe(8);
    const got: string[] = [];
    for (let i = 0; i < 5 && got.length < 20; i++) {
      got.push(...t.drain());
      await t.tail.poll();
    }
    expect(got).toEqual(lines.map((l) => `a.log: ${l}`));
    await t.tail.close();
  });

  it('an over-long line resumed mid-way after a restart continues its part numbering', async () => {
    writeFileSync(file('a.log'), 'a'.repeat(300));
    const first = setup(dir, { maxLineBytes: 256 });
    await first.tail.start(undefined);
    await first.tail.poll();
    const parts = first.buffer.peek(10, 1e9);
    expect(parts.map((l) => [l.part, l.continues, l.end])).toEqual([[1, true, 256]]);
    first.drain();
    const checkpoint = first.tail.checkpoint();
    await first.tail.close();
    appendFileSync(file('a.log'), 'tail\n');
    const second = setup(dir, { maxLineBytes: 256 });
    await second.tail.start(checkpoint);
    await second.tail.poll();
    const rest = second.buffer.peek(10, 1e9);
    expect(rest.map((l) => [l.text, l.part, l.continues])).toEqual([['a'.repeat(44) + 'tail', 2, false]]);
    expect(rest[0]!.end).toBe(statSync(file('a.log')).size);
    await second.tail.close();
  });

  it('checkpointAfter shows the offsets a batch will produce without changing them', async () => {
    writeFileSync(file('a.log'), '1\n22\n333\n');
    const t = setup(dir);
    await t.tail.start(undefined);
    await t.tail.poll();
    const batch = t.buffer.peek(2, 1e9);
    expect(t.tail.checkpointAfter(batch).entries[0]!.offset).toBe(5);
    expect(t.tail.checkpoint().entries[0]!.offset).toBe(0);
    const before = t.tail.version;
    t.tail.acknowledge(batch);
    expect(t.tail.version).not.toBe(before);
    expect(t.tail.checkpoint().entries[0]!.offset).toBe(5);
    expect(t.tail.checkpointLagBytes()).toBe(4);
    await t.tail.close();
  });
});
