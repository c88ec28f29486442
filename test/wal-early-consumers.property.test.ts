/**
 * Early consumers (issue 13): the SLI store counts a batch when it is appended, before
 * its group commit is synced, behind a fence. A kill -9 at any moment — taken here as a
 * copy of the data directory made between two steps of random ingest, while group
 * commits may be half written — must leave a store that, after the replay from its
 * cursor, has counted every entry of the recovered log exactly once: nothing it counted
 * ahead of the disk is committed, and every acknowledged batch is in the log.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Batch } from '@lookout/otlp';
import { SliStore } from '../collector/src/store/sli-store.ts';
import { scanEntries } from '../collector/src/wal/entry-codec.ts';
import { DurablePipeline, type DurablePipelineOptions } from '../collector/src/wal/durable-pipeline.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-early-'));
  dirs.push(dir);
  return dir;
}

const MINUTE = 60_000;
const NOW = 28_000_000 * MINUTE;
const CURSOR = 'request-series.traces';
const quiet = { warn() {}, error() {}, info() {} };

const pipelineOptions = (dir: string, groupCommitMs: number): DurablePipelineOptions => ({
  dir: join(dir, 'wal'),
  maxBytes: 64 * 1024 * 1024,
  segmentBytes: 2048,
  groupCommitMs,
  registry: new Registry(),
  now: () => NOW,
  log: quiet,
  maintainEveryMs: 10_000,
});

const batch = (n: number): Batch => ({
  signal: 'traces',
  data: { resourceSpans: [] },
  items: 1,
  bytes: 100,
  tenant: `t${n}`,
  receiver: 'otlp-http',
  receivedAtMs: NOW + n,
});

/** A collector's SLI path in miniature: every batch adds one request to SLI `a`, behind the fence. */
async function open(dir: string, groupCommitMs: number): Promise<{ pipeline: DurablePipeline; store: SliStore }> {
  const store = new SliStore({ file: join(dir, 'sli.sqlite'), retentionMinutes: 1000 });
  const pipeline = await DurablePipeline.open(pipelineOptions(dir, groupCommitMs));
  await pipeline.register('traces', 'request-series', () => store.add('a', NOW / MINUTE, 1, 1), {
    cursor: {
      kind: 'store',
      committed: () => store.cursor(CURSOR),
      stage: (next) => store.stageCursor(CURSOR, next),
      fence: (durableEnd) => store.fenceCursor(CURSOR, durableEnd),
    },
    early: true,
  });
  pipeline.start();
  return { pipeline, store };
}

/**
 * A power cut loses what was written and not yet synced: cut a copied log back to the
 * entries below `durableEnd` (a segment rolled after the last sync keeps its file, empty).
 */
function loseUnsynced(walDir: string, durableEnd: number): void {
  for (const name of readdirSync(walDir).filter((n) => n.endsWith('.wal'))) {
    const path = join(walDir, name);
    const firstSequence = Number(name.slice(0, 20));
    if (firstSequence >= durableEnd) {
      truncateSync(path, 0);
      continue;
    }
    const kept = scanEntries(readFileSync(path), 0, firstSequence).entries.filter((e) => e.sequence < durableEnd);
    truncateSync(path, kept.length > 0 ? kept[kept.length - 1]!.payloadEnd : 0);
  }
}

type Step =
  | { kind: 'offer'; count: number }
  | { kind: 'wait' }
  | { kind: 'tick' }
  | { kind: 'flush' }
  | { kind: 'crash'; losesUnsynced: boolean };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('offer' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.constant({ kind: 'wait' as const }),
  fc.constant({ kind: 'tick' as const }),
  fc.constant({ kind: 'flush' as const }),
  fc.record({ kind: fc.constant('crash' as const), losesUnsynced: fc.boolean() }),
);

describe('early consumers and the fenced SLI store across a kill -9', () => {
  it('property: after a crash at any step and the replay, the store has counted each entry of the recovered log once, and the log holds every acknowledged batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 4 }), async (steps, groupCommitMs) => {
        const dir = tempDir();
        const { pipeline, store } = await open(dir, groupCommitMs);
        let offered = 0;
        let acknowledged = 0;
        const pending: Array<Promise<void>> = [];
        const crashes: Array<{ dir: string; acknowledged: number }> = [];
        for (const s of steps) {
          if (s.kind === 'offer') {
            for (let i = 0; i < s.count; i++) {
              const offer = pipeline.offer(batch(offered++));
              if (!offer.accepted) throw new Error(offer.reason);
              pending.push(offer.durable.then(() => void acknowledged++));
            }
          } else if (s.kind === 'wait') await Promise.all(pending.splice(0));
          else if (s.kind === 'tick') await new Promise((resolve) => setImmediate(resolve));
          else if (s.kind === 'flush') store.flush(NOW);
          else {
            // kill -9 now: the disk as it is (a group commit may be half written) or, for a
            // power cut, without what the log wrote after its last sync
            const copy = tempDir();
            cpSync(dir, copy, { recursive: true });
            if (s.losesUnsynced) loseUnsynced(join(copy, 'wal', 'traces'), pipeline.describe()[0]!.endSequence);
            crashes.push({ dir: copy, acknowledged });
          }
        }
        await Promise.all(pending);
        await pipeline.close();
        store.close(NOW);
        for (const crash of crashes) {
          const { pipeline: after, store: kept } = await open(crash.dir, groupCommitMs);
          await after.idle();
          kept.flush(NOW);
          const logged = after.describe().find((d) => d.signal === 'traces')!.endSequence;
          expect(logged).toBeGreaterThanOrEqual(crash.acknowledged); // acknowledged = on disk
          expect(kept.sum('a', NOW / MINUTE, NOW / MINUTE).total).toBe(logged); // each once
          await after.close();
          kept.close(NOW);
        }
      }),
      { numRuns: 40 },
    );
  });
});
