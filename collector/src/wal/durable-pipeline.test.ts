import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { newAttributes, type AnyValue, type Batch, type KeyValueList, type LogsData } from '@lookout/otlp';
import { decodeBatchEntry, encodeBatchEntry, entryBodyKind, readEntryHeader } from './batch-entry.ts';
import { MAX_COMPACT_DEPTH } from './log-batch-codec.ts';
import { CursorTracker, EntryIndex } from './cursor-tracker.ts';
import { DurablePipeline, type DurablePipelineOptions, type ReplayPart } from './durable-pipeline.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-durable-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const quiet = { warn() {}, error() {}, info() {} };
const warnings: string[] = [];
const options = (dir: string, extra: Partial<DurablePipelineOptions> = {}): DurablePipelineOptions => ({
  dir,
  maxBytes: 64 * 1024 * 1024,
  segmentBytes: 4096,
  groupCommitMs: 1,
  registry: new Registry(),
  now: () => Date.now(),
  log: { ...quiet, warn: (_fields, message) => void warnings.push(message) },
  maintainEveryMs: 10_000,
  ...extra,
});

/** batch n: its number in the tenant, so a replay can be checked batch by batch */
const batch = (n: number, items = 10): Batch => ({
  signal: 'traces',
  data: { resourceSpans: [] },
  items,
  bytes: 100,
  tenant: `t${n}`,
  receiver: 'otlp-http',
  receivedAtMs: 1_700_000_000_000 + n,
});

async function offerAll(pipeline: DurablePipeline, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    const offer = pipeline.offer(batch(n));
    if (!offer.accepted) throw new Error(`batch ${n} refused: ${offer.reason}`);
    await offer.durable;
  }
}

/** A stand-in for the SLI store: increments and the cursor are committed together. */
class FakeStore {
  counted: number[] = [];
  committedCounted: number[] = [];
  private staged: number | undefined;
  private committedCursor: number | undefined;
  cursor = {
    kind: 'store' as const,
    committed: () => this.committedCursor,
    stage: (next: number) => (this.staged = next),
  };
  add(n: number) {
    this.counted.push(n);
  }
  flush() {
    this.committedCounted = [...this.counted];
    if (this.staged !== undefined) this.committedCursor = this.staged;
  }
  /** after a crash: only what was committed is left */
  crash() {
    this.counted = [...this.committedCounted];
  }
}

describe('cursor tracker', () => {
  it('commits up to the lowest unsettled sequence, whatever order settles come in', () => {
    const tracker = new CursorTracker(5);
    for (let s = 5; s < 10; s++) tracker.handed(s, 2);
    expect(tracker.committable).toBe(5);
    tracker.settle(7, 2);
    tracker.settle(6, 2);
    expect(tracker.committable).toBe(5);
    tracker.settle(5, 2);
    expect(tracker.committable).toBe(8);
    expect(tracker.inFlightItems).toBe(4);
    tracker.settle(9, 2);
    tracker.settle(8, 2);
    expect(tracker.committable).toBe(10);
    expect(tracker.inFlightItems).toBe(0);
  });

  it('property: the committable cursor is always the lowest sequence handed out and not settled (or the next to hand)', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('hand' as const), items: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('settle' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('skip' as const), ahead: fc.integer({ min: 0, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.array(step, { maxLength: 60 }), (start, steps) => {
        const tracker = new CursorTracker(start);
        const open = new Map<number, number>(); // sequence → items, handed and not settled, since the last skip
        let held = 0; // items the consumer holds (also those given up by a skip, until settled)
        const heldBySequence = new Map<number, number>();
        for (const s of steps) {
          if (s.kind === 'hand') {
            const sequence = tracker.next;
            tracker.handed(sequence, s.items);
            open.set(sequence, s.items);
            heldBySequence.set(sequence, s.items);
            held += s.items;
          } else if (s.kind === 'settle') {
            const candidates = [...heldBySequence.keys()];
            if (candidates.length === 0) continue;
            const sequence = candidates[s.pick % candidates.length]!;
            tracker.settle(sequence, heldBySequence.get(sequence)!);
            held -= heldBySequence.get(sequence)!;
            heldBySequence.delete(sequence);
            open.delete(sequence);
          } else {
            tracker.skipTo(tracker.next + s.ahead);
            if (s.ahead > 0) open.clear();
          }
          const expected = open.size > 0 ? Math.min(...open.keys()) : tracker.next;
          expect(tracker.committable).toBe(expected);
          expect(tracker.inFlightItems).toBe(held);
        }
      }),
    );
  });

  it('skipTo gives up what was open; its late settles only release the items the consumer held', () => {
    const tracker = new CursorTracker(0);
    for (let s = 0; s < 3; s++) tracker.handed(s, 1);
    tracker.settle(0, 1);
    expect(tracker.skipTo(10)).toBe(7);
    expect(tracker.inFlightItems).toBe(2);
    tracker.settle(1, 1);
    tracker.settle(1, 1);
    tracker.settle(0, 1);
    expect(tracker.inFlightItems).toBe(1);
    tracker.settle(2, 1);
    expect(tracker.inFlightItems).toBe(0);
    expect(tracker.committable).toBe(10);
    expect(() => tracker.handed(3, 1)).toThrow(/expected 10/);
  });

  it('entry index: lag in items and bytes by prefix sums, across releases', () => {
    const index = new EntryIndex(3);
    for (let s = 3; s < 8; s++) index.add(s, s, 100, s * 1000);
    expect(index.lag(5)).toEqual({ items: 5 + 6 + 7, bytes: 300 });
    expect(index.firstWithLagAtMost(250)).toBe(6);
    expect(index.firstWithLagAtMost(300)).toBe(5);
    expect(index.firstWithLagAtMost(0)).toBe(8);
    expect(index.firstWithLagAtMost(10_000)).toBe(3);
    expect(index.itemsBetween(4, 6)).toBe(4 + 5);
    index.dropBefore(6);
    expect(index.lag(0)).toEqual({ items: 13, bytes: 200 });
    expect(index.arrivedAt(6)).toBe(6000);
    expect(() => index.add(9, 1, 1, 1)).toThrow(/expected 8/);
  });
});

describe('batch entry', () => {
  it('round-trips the header fields and the data', () => {
    const original = { ...batch(7, 1234), tenant: 'tenant-ü', bytes: 99_999 };
    const payload = encodeBatchEntry(original);
    expect(decodeBatchEntry(payload)).toEqual(original);
    expect(readEntryHeader(payload)).toMatchObject({ signal: 'traces', items: 1234, tenant: 'tenant-ü', receiver: 'otlp-http' });
  });

  it('keeps a log batch without its request body in the compact form: attribute maps without prototype, any key, any value', () => {
    const map = (entries: Record<string, AnyValue>): KeyValueList => Object.assign(newAttributes(), entries);
    const attributes = map({ constructor: 1, bytes: new Uint8Array([0, 255]), nested: map({ list: [1, 'two', map({ deep: true })] }), n: 2.5 });
    attributes['__proto__'] = 'plain data'; // an own key of a map without prototype, as a decoder makes it
    const data: LogsData = {
      resourceLogs: [
        {
          resource: { attributes: map({ 'service.name': 'shop' }), droppedAttributesCount: 0 },
          scopeLogs: [
            {
              scope: { name: 's', version: '', attributes: newAttributes(), droppedAttributesCount: 0 },
              logRecords: [
                { timeUnixNano: 1_800_000_000_000_000_123n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: 'INFO', body: map({ msg: 'hi', at: [map({ x: null })] }), attributes, droppedAttributesCount: 0, flags: 1, traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), eventName: '' },
              ],
              schemaUrl: '',
            },
          ],
          schemaUrl: '',
        },
      ],
    };
    const original: Batch = { signal: 'logs', data, items: 1, bytes: 10, tenant: 'default', receiver: 'raw-lines', receivedAtMs: 1 };
    const payload = encodeBatchEntry(original);
    expect(entryBodyKind(payload)).toBe('compact');
    expect(entryBodyKind(encodeBatchEntry(original, new Uint8Array(0)))).toBe('request');
    expect(entryBodyKind(encodeBatchEntry(batch(1)))).toBe('encoded');
    const back = decodeBatchEntry(payload);
    expect(back).toStrictEqual(original);
    const record = (back.data as LogsData).resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(Object.getPrototypeOf(record.attributes)).toBeNull();
    expect(Object.getOwnPropertyNames(record.attributes)).toContain('__proto__');
    const nested = record.attributes['nested'] as KeyValueList;
    expect(Object.getPrototypeOf(nested)).toBeNull();
    expect(Object.getPrototypeOf((nested['list'] as AnyValue[])[2])).toBeNull();
    expect(Object.getPrototypeOf((((record.body as KeyValueList)['at'] as AnyValue[])[0]) as object)).toBeNull();
  });

  it('keeps a log batch nested too deep for the compact form as a structured clone, the form earlier versions wrote, which still reads', () => {
    let deep: AnyValue = Object.assign(newAttributes(), { leaf: 'x' });
    for (let i = 0; i <= MAX_COMPACT_DEPTH; i++) deep = [deep];
    const data: LogsData = { resourceLogs: [{ resource: { attributes: newAttributes(), droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ scope: { name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 }, schemaUrl: '', logRecords: [{ timeUnixNano: 1n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', body: deep, attributes: newAttributes(), droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '' }] }] }] };
    const original: Batch = { signal: 'logs', data, items: 1, bytes: 10, tenant: 'default', receiver: 'raw-lines', receivedAtMs: 1 };
    const payload = encodeBatchEntry(original);
    expect(entryBodyKind(payload)).toBe('clone');
    expect(decodeBatchEntry(payload)).toStrictEqual(original);
  });

  it('names what is wrong with an entry it cannot read', () => {
    const payload = encodeBatchEntry(batch(1));
    payload[0] = 9;
    expect(() => decodeBatchEntry(payload)).toThrow(/version 9/);
    expect(() => decodeBatchEntry(Buffer.alloc(5))).toThrow(/shorter than a header/);
    const kind = encodeBatchEntry(batch(1));
    kind[2] = 7;
    expect(() => decodeBatchEntry(kind)).toThrow(/unknown body kind 7/);
    const compact = encodeBatchEntry({ ...batch(1), signal: 'logs', data: { resourceLogs: [] } });
    expect(() => decodeBatchEntry(compact.subarray(0, compact.length - 1))).toThrow(/write-ahead log entry: compact log batch ends inside/);
    const notLogs = Buffer.from(compact);
    notLogs[1] = 0; // says traces
    expect(() => decodeBatchEntry(notLogs)).toThrow(/a traces entry holds a compact log batch/);
    const clone = Buffer.from(compact);
    clone[2] = 2; // says structured clone, holds the compact form
    expect(() => decodeBatchEntry(clone)).toThrow(/structured clone of a log batch cannot be read|the structured clone is not a log batch/);
  });
});

describe('durable pipeline', () => {
  it('replays exactly the batches after the committed store cursor: nothing counted twice, nothing lost', async () => {
    const dir = tempDir();
    const store = new FakeStore();
    const first = await DurablePipeline.open(options(dir));
    await first.register('traces', 'request-series', (b) => store.add(Number(b.tenant.slice(1))), { cursor: store.cursor });
    first.start();
    await offerAll(first, 0, 20);
    await first.idle();
    store.flush(); // batches 0..19 committed with the cursor
    await offerAll(first, 20, 30);
    await first.idle();
    expect(store.counted).toHaveLength(30);
    // kill -9: the process goes away; 20..29 were counted in memory, never committed
    store.crash();
    const second = await DurablePipeline.open(options(dir));
    await second.register('traces', 'request-series', (b) => store.add(Number(b.tenant.slice(1))), { cursor: store.cursor });
    second.start();
    await second.idle();
    expect(store.counted).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await second.close();
    await first.close();
  });

  it('holds no request body once its entry is on disk and handed over (a body kept on outlives scavenges, and RSS swings until a mark-compact)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pipeline = await DurablePipeline.open(options(tempDir()));
    await pipeline.register('traces', 'request-series', () => {}, { cursor: { kind: 'volatile' } });
    pipeline.start();
    const bodies: Array<WeakRef<Uint8Array>> = [];
    const offerOne = async (n: number) => {
      const body = new Uint8Array(256 * 1024).fill(n); // the request as received, kept as the entry
      bodies.push(new WeakRef(body));
      const offer = pipeline.offer(batch(n), body);
      if (!offer.accepted) throw new Error(offer.reason);
      await offer.durable;
    };
    for (let n = 0; n < 4; n++) await offerOne(n);
    await pipeline.idle();
    for (let round = 0; round < 5 && bodies.some((b) => b.deref()); round++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(bodies.filter((b) => b.deref() !== undefined)).toHaveLength(0);
    await pipeline.close();
  });

  it('flags the replayed batches an earlier process had shown (served mark) and no others: /metrics shows each batch once across a kill -9', async () => {
    const dir = tempDir();
    const store = new FakeStore();
    /** what each process counted in its in-memory counters (reset by the crash) */
    const inMemory: number[][] = [[], []];
    const consumer = (process: number) => (b: Batch, _settle: (done?: boolean) => void, part?: ReplayPart) => {
      const n = Number(b.tenant.slice(1));
      if (part !== 'memory') store.add(n);
      if (part !== 'durable') inMemory[process]!.push(n);
    };
    const first = await DurablePipeline.open(options(dir));
    await first.register('traces', 'request-series', consumer(0), { cursor: store.cursor, servedMark: { recount: true } });
    await first.register('traces', 'otlp-exporter', () => {}, { cursor: { kind: 'file' } });
    first.start();
    await offerAll(first, 0, 20);
    await first.idle();
    store.flush(); // 0..19 committed with the cursor
    await offerAll(first, 20, 26);
    await first.idle();
    await first.markServed(); // a scrape showed 0..25
    const shown = [...inMemory[0]!];
    await offerAll(first, 26, 30);
    await first.idle(); // 26..29 counted in memory, never shown
    expect(readFileSync(join(dir, 'cursors', 'traces.request-series.served'), 'utf8')).toBe('26\n');
    expect(readdirSync(join(dir, 'cursors')).filter((f) => f.endsWith('.served'))).toEqual(['traces.request-series.served']);
    store.crash();

    const second = await DurablePipeline.open(options(dir));
    await second.register('traces', 'request-series', consumer(1), { cursor: store.cursor, servedMark: { recount: true } });
    second.start();
    await second.idle();
    await offerAll(second, 30, 33);
    await second.idle();
    // the durable store: every batch once
    expect(store.counted).toEqual(Array.from({ length: 33 }, (_, i) => i));
    // in memory: 20..25 were shown by the first process; 26..29 were not, so the second counts them (and 30..32)
    expect(inMemory[1]).toEqual(Array.from({ length: 7 }, (_, i) => 26 + i));
    expect([...shown, ...inMemory[1]!]).toEqual(Array.from({ length: 33 }, (_, i) => i));
    await second.markServed();
    expect(readFileSync(join(dir, 'cursors', 'traces.request-series.served'), 'utf8')).toBe('33\n');
    await second.close();
    await first.close();
  });

  it('counts again in memory only what the dead process committed after its last reading, then the recount leaves', async () => {
    const dir = tempDir();
    const store = new FakeStore();
    const inMemory: number[][] = [[], []];
    const parts: string[] = [];
    const consumer = (process: number) => (b: Batch, _settle: (done?: boolean) => void, part?: ReplayPart) => {
      const n = Number(b.tenant.slice(1));
      if (process === 1) parts.push(`${n}:${part ?? 'all'}`);
      if (part !== 'memory') store.add(n);
      if (part !== 'durable') inMemory[process]!.push(n);
    };
    const first = await DurablePipeline.open(options(dir));
    await first.register('traces', 'request-series', consumer(0), { cursor: store.cursor, servedMark: { recount: true } });
    first.start();
    await offerAll(first, 0, 10);
    await first.idle();
    await first.markServed(); // a scrape showed 0..9
    await offerAll(first, 10, 20);
    await first.idle();
    store.flush(); // 0..19 committed: 10..19 in the SLI store, never shown
    await offerAll(first, 20, 25);
    await first.idle(); // 20..24: neither committed nor shown
    store.crash();

    const second = await DurablePipeline.open(options(dir));
    await second.register('traces', 'request-series', consumer(1), { cursor: store.cursor, servedMark: { recount: true } });
    second.start();
    await second.idle();
    expect(store.counted).toEqual(Array.from({ length: 25 }, (_, i) => i)); // every batch once in the store
    expect([...inMemory[1]!].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => 10 + i)); // shown: 0..9, then 10..24 here
    expect(parts.filter((p) => p.endsWith(':memory'))).toEqual(Array.from({ length: 10 }, (_, i) => `${10 + i}:memory`));
    expect(parts.filter((p) => !p.endsWith(':memory'))).toEqual(Array.from({ length: 5 }, (_, i) => `${20 + i}:all`));
    // the recount reader is gone: it holds no cursor, no segment
    expect(second.describe().find((d) => d.signal === 'traces')!.cursors.map((c) => c.consumer)).toEqual(['request-series']);
    await second.close();
    await first.close();
  });

  it('a file cursor moves only when the consumer settles; unsettled batches come again after a restart', async () => {
    const dir = tempDir();
    const first = await DurablePipeline.open(options(dir));
    const got: number[] = [];
    await first.register(
      'traces',
      'otlp-exporter',
      (b, settle) => {
        const n = Number(b.tenant.slice(1));
        got.push(n);
        if (n < 5) settle();
      },
      { settles: true, cursor: { kind: 'file' } },
    );
    first.start();
    await offerAll(first, 0, 8);
    await first.idle();
    await first.close(); // 5..7 never settled: they stay
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const second = await DurablePipeline.open(options(dir));
    const again: number[] = [];
    await second.register('traces', 'otlp-exporter', (b) => void again.push(Number(b.tenant.slice(1))), { cursor: { kind: 'file' } });
    second.start();
    await second.idle();
    expect(again).toEqual([5, 6, 7]);
    const cursor = second.describe().find((d) => d.signal === 'traces')!.cursors[0]!;
    expect(cursor).toMatchObject({ consumer: 'otlp-exporter', next: 8 });
    await second.close();
  });

  it('a volatile consumer starts at the end and holds no segment back; segments go once every kept cursor passed them', async () => {
    const dir = tempDir();
    const first = await DurablePipeline.open(options(dir, { segmentBytes: 500 }));
    const store = new FakeStore();
    await first.register('traces', 'request-series', (b) => store.add(Number(b.tenant.slice(1))), { cursor: store.cursor });
    first.start();
    await offerAll(first, 0, 100);
    await first.idle();
    const segments = () => readdirSync(join(dir, 'traces')).length;
    const before = segments();
    expect(before).toBeGreaterThan(3);
    await first.maintain();
    expect(segments()).toBe(before); // nothing committed yet
    store.flush();
    await first.maintain();
    expect(segments()).toBe(1);
    await first.close();

    const second = await DurablePipeline.open(options(dir, { segmentBytes: 500 }));
    const seen: number[] = [];
    await second.register('traces', 'status-page', (b) => void seen.push(Number(b.tenant.slice(1))), { cursor: { kind: 'volatile' } });
    second.start();
    await offerAll(second, 100, 103);
    await second.idle();
    expect(seen).toEqual([100, 101, 102]);
    await second.close();
  });

  it('a volatile consumer behind the memory tail still gets every entry: segments it has not read are kept', async () => {
    const dir = tempDir();
    const pipeline = await DurablePipeline.open(options(dir, { segmentBytes: 500, memoryTailBytes: 1 }));
    const seen: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    await pipeline.register(
      'traces',
      'log-metrics',
      async (b) => {
        await gate; // slower than ingest: everything after the first batch waits in the log
        seen.push(Number(b.tenant.slice(1)));
      },
      { cursor: { kind: 'volatile' } },
    );
    pipeline.start();
    await offerAll(pipeline, 0, 60);
    const segments = () => readdirSync(join(dir, 'traces')).length;
    const before = segments();
    expect(before).toBeGreaterThan(3);
    await pipeline.maintain();
    expect(segments()).toBe(before); // not read yet: kept
    open();
    await pipeline.idle();
    expect(seen).toEqual(Array.from({ length: 60 }, (_, n) => n));
    await pipeline.maintain();
    expect(segments()).toBe(1); // read: released
    await pipeline.close();
  });

  it('at the byte bound offers are refused as queue_full, and taken again once the consumers caught up', async () => {
    const dir = tempDir();
    const pipeline = await DurablePipeline.open(options(dir, { maxBytes: 2000, segmentBytes: 500 }));
    const store = new FakeStore();
    await pipeline.register('traces', 'request-series', (b) => store.add(Number(b.tenant.slice(1))), { cursor: store.cursor });
    pipeline.start();
    let n = 0;
    for (;;) {
      const offer = pipeline.offer(batch(n));
      if (!offer.accepted) {
        expect(offer).toEqual({ accepted: false, reason: 'queue_full', retryAfterSeconds: 1 });
        break;
      }
      await offer.durable;
      n++;
    }
    expect(n).toBeGreaterThan(5);
    await pipeline.idle();
    store.flush();
    await pipeline.maintain();
    expect(pipeline.offer(batch(n)).accepted).toBe(true);
    const metrics = await pipeline['options'].registry.getSingleMetricAsString('lookout_wal_full_refusals_total');
    expect(metrics).toContain('lookout_wal_full_refusals_total{signal="traces"} 1');
    await pipeline.close();
  });

  it('refuses a log another live collector holds, naming it; takes over a lock left by a process that is gone', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`); // a live process that is not this one
    await expect(DurablePipeline.open(options(dir))).rejects.toThrow(
      new RegExp(`another collector \\(pid ${process.ppid}\\) is using it; give each collector its own storage.dataDir`),
    );
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(dir, 'lock'), `${gone}\n`);
    const pipeline = await DurablePipeline.open(options(dir));
    await pipeline.close();
    expect(readdirSync(dir)).not.toContain('lock');
  });

  it('an exporter that lags past its bound is cut loose, counted, and does not hold the log', async () => {
    const dir = tempDir();
    warnings.length = 0;
    const pipeline = await DurablePipeline.open(options(dir, { segmentBytes: 500 }));
    const store = new FakeStore();
    await pipeline.register('traces', 'request-series', (b) => store.add(Number(b.tenant.slice(1))), { cursor: store.cursor });
    // a backend that is down: nothing settles, at most 30 items in flight
    await pipeline.register('traces', 'otlp-exporter', () => {}, { settles: true, cursor: { kind: 'file', maxLagBytes: 1000, maxInFlightItems: 30 } });
    pipeline.start();
    await offerAll(pipeline, 0, 40);
    await pipeline.idle();
    store.flush();
    await pipeline.maintain();
    const cursor = pipeline.describe()[0]!.cursors.find((c) => c.consumer === 'otlp-exporter')!;
    // the oldest entries skipped, the newest half of the bound kept (entries of the same size)
    const entryBytes = cursor.lagBytes / (40 - cursor.next);
    expect(cursor.lagBytes).toBeLessThanOrEqual(500);
    expect(cursor.lagBytes).toBeGreaterThan(500 - entryBytes);
    expect(cursor.cutItems).toBe((cursor.next - 3) * 10); // 3 batches were handed over before the window filled
    expect(warnings.some((w) => w.includes('cut loose'))).toBe(true);
    const text = await pipeline['options'].registry.getSingleMetricAsString('lookout_wal_cursor_cut_items_total');
    expect(text).toContain(`consumer="otlp-exporter"} ${cursor.cutItems}`);
    // the segments before the cut are gone; and once the backend takes the rest, it comes in order from the cut
    expect(pipeline.describe()[0]!.firstSequence).toBeLessThanOrEqual(cursor.next);
    expect(pipeline.describe()[0]!.firstSequence).toBeGreaterThan(0);
    await pipeline.close();
  });

  describe('early consumers (handed a batch when it is appended, before the sync)', () => {
    /** a window long enough that the test sees a batch before its group commit */
    const slowSync = (dir: string) => options(dir, { groupCommitMs: 300 });
    const tick = () => new Promise((resolve) => setImmediate(resolve));

    it('an early consumer has the batch before it is durable; one that is not, only after', async () => {
      const pipeline = await DurablePipeline.open(slowSync(tempDir()));
      const early: number[] = [];
      const late: number[] = [];
      await pipeline.register('traces', 'status-page', (b) => void early.push(Number(b.tenant.slice(1))), { cursor: { kind: 'volatile' }, early: true });
      await pipeline.register('traces', 'otlp-exporter', (b) => void late.push(Number(b.tenant.slice(1))), { cursor: { kind: 'file' } });
      pipeline.start();
      const offer = pipeline.offer(batch(0));
      if (!offer.accepted) throw new Error(offer.reason);
      let durable = false;
      void offer.durable.then(() => (durable = true));
      await tick();
      expect({ early, late, durable }).toEqual({ early: [0], late: [], durable: false });
      await offer.durable;
      await pipeline.idle();
      expect({ early, late }).toEqual({ early: [0], late: [0] });
      await pipeline.close();
    });

    it('lets the decoded batch go before the sync: nothing of the pipeline keeps it alive until fdatasync (it would be promoted)', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const pipeline = await DurablePipeline.open(slowSync(tempDir()));
      await pipeline.register('traces', 'request-series', () => {}, { cursor: { kind: 'volatile' }, early: true });
      pipeline.start();
      let data: WeakRef<object> | undefined;
      const offered = (() => {
        const b = batch(0);
        const spans = { resourceSpans: [] as unknown[] };
        b.data = spans as Batch['data'];
        data = new WeakRef(spans);
        const offer = pipeline.offer(b);
        if (!offer.accepted) throw new Error(offer.reason);
        return offer.durable;
      })();
      let durable = false;
      void offered.then(() => (durable = true));
      for (let round = 0; round < 5 && data!.deref(); round++) {
        await tick();
        gc();
      }
      expect(durable).toBe(false);
      expect(data!.deref()).toBeUndefined();
      await offered;
      await pipeline.close();
    });

    it('an early consumer with a store cursor needs a fence; the fence tells the store where the log is durable', async () => {
      const pipeline = await DurablePipeline.open(slowSync(tempDir()));
      const store = new FakeStore();
      await expect(pipeline.register('traces', 'request-series', () => {}, { cursor: store.cursor, early: true })).rejects.toThrow(/needs a fence/);
      let durableEnd: (() => number) | undefined;
      await pipeline.register('traces', 'request-series', (b) => store.add(Number(b.tenant.slice(1))), {
        cursor: { ...store.cursor, fence: (end) => (durableEnd = end) },
        early: true,
      });
      pipeline.start();
      const offer = pipeline.offer(batch(0));
      if (!offer.accepted) throw new Error(offer.reason);
      await tick();
      expect(store.counted).toEqual([0]);
      expect(durableEnd!()).toBe(0); // staged 1, not durable: the store must hold it
      await offer.durable;
      expect(durableEnd!()).toBe(1);
      await pipeline.close();
    });

    it('an early file cursor is never written past the durable end, and catches up once the entries are synced', async () => {
      const dir = tempDir();
      const pipeline = await DurablePipeline.open(slowSync(dir));
      await pipeline.register('traces', 'request-series', () => {}, { cursor: { kind: 'file' }, early: true });
      pipeline.start();
      await offerAll(pipeline, 0, 2);
      const offer = pipeline.offer(batch(2));
      if (!offer.accepted) throw new Error(offer.reason);
      await tick();
      await pipeline.maintain();
      const cursorFile = join(dir, 'cursors', 'traces.request-series');
      expect(readFileSync(cursorFile, 'utf8')).toBe('2\n'); // consumed 0..2, durable 0..1
      await offer.durable;
      await pipeline.maintain();
      expect(readFileSync(cursorFile, 'utf8')).toBe('3\n');
      await pipeline.close();
    });

    it('a served mark leaves only once what the reading counted is durable (a kill -9 before would lose it unacknowledged)', async () => {
      const dir = tempDir();
      const pipeline = await DurablePipeline.open(slowSync(dir));
      await pipeline.register('traces', 'request-series', () => {}, { cursor: { kind: 'file' }, early: true, servedMark: { recount: true } });
      pipeline.start();
      const offer = pipeline.offer(batch(0));
      if (!offer.accepted) throw new Error(offer.reason);
      await tick();
      let durable = false;
      void offer.durable.then(() => (durable = true));
      await pipeline.markServed(); // counted 0, durable only once the group commit is synced
      expect(durable).toBe(true);
      expect(readFileSync(join(dir, 'cursors', 'traces.request-series.served'), 'utf8')).toBe('1\n');
      await pipeline.close();
    });
  });
});
