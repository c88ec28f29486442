import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEntry } from './entry-codec.ts';
import { segmentFileName, WalFullError, WriteAheadLog, type WalOptions } from './write-ahead-log.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-wal-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const options = (dir: string, extra: Partial<WalOptions> = {}): WalOptions => ({
  dir,
  maxBytes: 64 * 1024 * 1024,
  segmentBytes: 1024,
  groupCommitMs: 1,
  ...extra,
});

const text = (entries: Array<{ payload: Buffer }>) => entries.map((e) => e.payload.toString());

describe('write-ahead log', () => {
  it('an append given as parts (a header and a request body, not copied together) reads back as one payload, before and after a reopen', async () => {
    const dir = tempDir();
    const wal = await WriteAheadLog.open(options(dir, { segmentBytes: 1 << 20 }));
    const body = Buffer.from('the request body as received');
    expect(await wal.append([Buffer.from('head:'), body])).toBe(0);
    expect(await wal.append([Buffer.from('solo')])).toBe(1);
    expect(text(await wal.read(0))).toEqual(['head:the request body as received', 'solo']);
    await wal.close();
    const again = await WriteAheadLog.open(options(dir));
    expect(text(await again.read(0))).toEqual(['head:the request body as received', 'solo']);
    await again.close();
  });


  it('acknowledges appends once durable, reads them back in order, and keeps them across a reopen', async () => {
    const dir = tempDir();
    const wal = await WriteAheadLog.open(options(dir));
    const sequences = await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append(Buffer.from(`batch ${i}`))));
    expect(sequences).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(wal.durableSequence).toBe(50);
    expect(text(await wal.read(10, 1))).toEqual(['batch 10']);
    expect(text(await wal.read(45))).toEqual(['batch 45', 'batch 46', 'batch 47', 'batch 48', 'batch 49']);
    expect(wal.segmentCount).toBeGreaterThan(1); // 1 KiB segments roll
    await wal.close();

    const again = await WriteAheadLog.open(options(dir));
    expect(again.recovery).toMatchObject({ entries: 50, truncatedBytes: 0, droppedSegments: 0 });
    expect(again.recovery.problem).toBeUndefined();
    expect(text(await again.read(0))).toEqual(Array.from({ length: 50 }, (_, i) => `batch ${i}`));
    expect(await again.append(Buffer.from('after'))).toBe(50);
    await again.close();
  });

  it('shares one write and sync among the appends of a group-commit window', async () => {
    const dir = tempDir();
    const syncs: number[] = [];
    const wal = await WriteAheadLog.open(options(dir, { segmentBytes: 1 << 20, groupCommitMs: 20, onSync: (_ms, entries) => syncs.push(entries) }));
    await Promise.all(Array.from({ length: 30 }, (_, i) => wal.append(Buffer.from(`x${i}`))));
    expect(syncs).toEqual([30]);
    await wal.close();
  });

  it('estimates how long an append would wait for its sync from the unsynced bytes and the rate of the last commits', async () => {
    const dir = tempDir();
    const rates: number[] = [];
    const wal = await WriteAheadLog.open(options(dir, { segmentBytes: 64 << 20, groupCommitMs: 5, onSync: (ms, _entries, bytes) => rates.push(bytes / ms) }));
    // before any commit the rate is unknown: no wait is claimed
    expect(wal.estimatedSyncWaitMs()).toBe(0);
    for (let i = 0; i < 3; i++) await wal.append(Buffer.alloc(256 * 1024, i));
    expect(wal.unsyncedBytes).toBe(0);
    expect(wal.estimatedSyncWaitMs()).toBe(0); // nothing waiting
    const waiting = Array.from({ length: 8 }, (_, i) => wal.append(Buffer.alloc(256 * 1024, i)));
    const unsynced = wal.unsyncedBytes;
    expect(unsynced).toBeGreaterThan(8 * 256 * 1024);
    // the unsynced bytes at a rate between the slowest and the fastest commit seen
    const wait = wal.estimatedSyncWaitMs();
    expect(wait).toBeGreaterThanOrEqual(unsynced / Math.max(...rates) - 1e-9);
    expect(wait).toBeLessThanOrEqual(unsynced / Math.min(...rates) + 1e-9);
    await Promise.all(waiting);
    expect(wal.estimatedSyncWaitMs()).toBe(0);
    await wal.close();
  });

  it('refuses an append over the byte bound with WalFullError, and takes it again once segments are released', async () => {
    const dir = tempDir();
    const wal = await WriteAheadLog.open(options(dir, { maxBytes: 4096, segmentBytes: 1024 }));
    const payload = Buffer.alloc(200, 1);
    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 100; i++) {
      try {
        await wal.append(payload);
        accepted++;
      } catch (error) {
        refusal = error;
        break;
      }
    }
    expect(refusal).toBeInstanceOf(WalFullError);
    expect((refusal as WalFullError).retryAfterSeconds).toBeGreaterThan(0);
    expect(wal.bytes).toBeLessThanOrEqual(4096);
    const deleted = await wal.releaseBefore(accepted);
    expect(deleted).toBeGreaterThan(0);
    expect(await wal.append(payload)).toBe(accepted);
    expect(wal.firstSequence).toBeGreaterThan(0);
    await wal.close();
  });

  it('never deletes the newest segment, so the numbering survives releasing everything', async () => {
    const dir = tempDir();
    const wal = await WriteAheadLog.open(options(dir));
    for (let i = 0; i < 40; i++) await wal.append(Buffer.alloc(100, i));
    await wal.releaseBefore(40);
    expect(wal.segmentCount).toBe(1);
    await wal.close();
    const again = await WriteAheadLog.open(options(dir));
    expect(await again.append(Buffer.from('next'))).toBe(40);
    expect(text(await again.read(0)).at(-1)).toBe('next');
    expect((await again.read(0))[0]!.sequence).toBe(again.firstSequence);
    await again.close();
  });

  it('truncates a write torn at every byte offset of the last entry and starts', async () => {
    const dir = tempDir();
    const wal = await WriteAheadLog.open(options(dir, { segmentBytes: 1 << 20 }));
    for (let i = 0; i < 3; i++) await wal.append(Buffer.from(`ok ${i}`));
    await wal.close();
    const segment = join(dir, segmentFileName(0));
    const goodSize = statSync(segment).size;
    const torn = encodeEntry(3, Buffer.from('never acknowledged'));
    for (let cut = 1; cut < torn.length; cut++) {
      truncateSync(segment, goodSize);
      appendFileSync(segment, torn.subarray(0, cut));
      const reopened = await WriteAheadLog.open(options(dir, { segmentBytes: 1 << 20 }));
      expect(reopened.recovery).toMatchObject({ entries: 3, truncatedBytes: cut, problem: 'torn' });
      expect(text(await reopened.read(0))).toEqual(['ok 0', 'ok 1', 'ok 2']);
      expect(statSync(segment).size).toBe(goodSize);
      await reopened.close();
    }
  });

  it('cuts at a corrupt entry in an older segment and drops the later segments', async () => {
    const dir = tempDir();
    const wal = await WriteAheadLog.open(options(dir, { segmentBytes: 256 }));
    for (let i = 0; i < 20; i++) await wal.append(Buffer.alloc(60, 65 + i));
    await wal.close();
    const names = readdirSync(dir).sort();
    expect(names.length).toBeGreaterThan(3);
    // flip a payload byte of the first entry of the second segment
    const second = join(dir, names[1]!);
    const bytes = readFileSync(second);
    bytes[20] ^= 0xff;
    writeFileSync(second, bytes);
    const reopened = await WriteAheadLog.open(options(dir, { segmentBytes: 256 }));
    expect(reopened.recovery.problem).toBe('checksum');
    expect(reopened.recovery.problemSegment).toBe(names[1]);
    expect(reopened.recovery.droppedSegments).toBe(names.length - 1);
    const firstOfSecond = Number(names[1]!.slice(0, 20));
    expect((await reopened.read(0)).map((e) => e.sequence)).toEqual(Array.from({ length: firstOfSecond }, (_, i) => i));
    expect(await reopened.append(Buffer.from('continues'))).toBe(firstOfSecond);
    await reopened.close();
  });

  it('creates its directory 0700 and its segments 0600', async () => {
    const dir = join(tempDir(), 'wal', 'traces');
    const wal = await WriteAheadLog.open(options(dir));
    await wal.append(Buffer.from('secret'));
    await wal.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, segmentFileName(0))).mode & 0o777).toBe(0o600);
  });

  it('no acknowledged entry is lost and none after a committed cursor is skipped, over random append/commit/crash sequences', async () => {
    type Op = { kind: 'append'; count: number } | { kind: 'commit'; fraction: number } | { kind: 'crash'; tail: Uint8Array } | { kind: 'release' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ kind: fc.constant('commit' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('crash' as const), tail: fc.uint8Array({ maxLength: 40 }) }),
      fc.constant({ kind: 'release' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const dir = tempDir();
        const opts = options(dir, { segmentBytes: 300 });
        let wal = await WriteAheadLog.open(opts);
        const acknowledged: string[] = []; // payload by sequence
        let cursor = 0; // next sequence the consumer has not processed (as its own store keeps it)
        for (const step of ops) {
          if (step.kind === 'append') {
            for (let i = 0; i < step.count; i++) {
              const payload = `e${acknowledged.length}`;
              const sequence = await wal.append(Buffer.from(payload));
              expect(sequence).toBe(acknowledged.length);
              acknowledged.push(payload);
            }
          } else if (step.kind === 'commit') {
            cursor = Math.max(cursor, Math.floor(cursor + (acknowledged.length - cursor) * step.fraction));
          } else if (step.kind === 'release') {
            await wal.releaseBefore(cursor);
          } else {
            // kill -9: what was acknowledged is on disk; an unacknowledged write may have left any prefix of bytes
            await wal.close();
            const newest = readdirSync(dir).sort().at(-1)!;
            appendFileSync(join(dir, newest), step.tail);
            wal = await WriteAheadLog.open(opts);
          }
          // the consumer replays from its cursor: exactly the acknowledged entries after it, in order
          const replay = await wal.read(cursor, Number.MAX_SAFE_INTEGER);
          expect(replay.map((e) => e.sequence)).toEqual(acknowledged.map((_, i) => i).slice(cursor));
          expect(text(replay)).toEqual(acknowledged.slice(cursor));
        }
        await wal.close();
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 60 },
    );
  });
});
