/**
 * Issue 12, through a real collector on loopback with `durability: disk`: when the
 * write-ahead log's unsynced bytes would keep a batch waiting past
 * `pipeline.wal.maxSyncWait` for its write and fdatasync, new ingest is refused from its
 * headers (429 `disk_backlog` + Retry-After) instead of queueing acknowledgements behind
 * the disk; every request that got its 200 is counted, a lone request is never refused,
 * and /readyz shows the wait it judged by.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import { numberedBatchBody } from './helpers/numbered-spans.ts';

const SPANS = 1000;
let nextBatch = 0;
/** a protobuf request of SPANS server spans, each batch numbered (test/helpers/numbered-spans.ts) */
const body = (count: number) => Buffer.from(numberedBatchBody(nextBatch++, count, Math.floor(Date.now() / 60_000) - 1, 'shop'));

describe('admission under durability disk: a write-ahead log behind its syncs refuses new work (disk_backlog)', () => {
  let dir: string;
  let collector: RunningCollector;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-disk-backlog-'));
    // a 20 ms group-commit window lets unsynced bytes pile up; a 1 ms bound makes a few requests of them too many
    const config = parseConfig(
      [
        'receivers:\n  otlp:\n    http: { port: 0 }\n    grpc: { enabled: false }',
        `storage:\n  dataDir: ${JSON.stringify(dir)}`,
        'pipeline:\n  durability: disk\n  wal: { groupCommit: 20ms, maxSyncWait: 1ms }',
        'log: { level: warn }',
      ].join('\n'),
    );
    collector = await startCollector(config);
  });

  afterAll(async () => {
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (payload: Buffer) =>
    fetch(`${collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: payload, signal: AbortSignal.timeout(20_000) });

  it('refuses with 429 disk_backlog while requests wait for the disk, counts every acknowledged span, and never refuses a lone request', async () => {
    // a first commit gives the log its disk rate; a lone request is admitted whatever the wait
    expect((await post(body(SPANS))).status).toBe(200);
    let acknowledged = SPANS;
    const answers = await Promise.all(Array.from({ length: 24 }, () => body(SPANS)).map((payload) => post(payload).then(async (response) => ({ status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() }))));
    const refused = answers.filter((a) => a.status === 429);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length + refused.length).toBe(answers.length);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.retryAfter).toMatch(/^[1-5]$/);
      expect(answer.text).toMatch(/pipeline\.wal\.maxSyncWait = 1 ms/);
    }
    acknowledged += ok.length * SPANS;
    const metrics = await (await fetch(`${collector.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`lookout_receiver_refused_requests_total\\{receiver="otlp-http",signal="traces",reason="disk_backlog"\\} ${refused.length}\\b`));
    expect(metrics).toMatch(/^lookout_admission_wal_sync_wait_seconds \d/m);
    const accepted = /lookout_receiver_accepted_items_total\{receiver="otlp-http",signal="traces",tenant="default"\} (\d+)/.exec(metrics);
    expect(Number(accepted?.[1])).toBe(acknowledged);
    // /readyz shows the wait it judges by; once the log has caught up it is ready again
    let ready: { status: string; syncWaitMs?: number } | undefined;
    for (let i = 0; i < 100; i++) {
      ready = (await (await fetch(`${collector.httpUrl}/readyz`)).json()) as { status: string; syncWaitMs?: number };
      if (ready.status === 'ready') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ready).toMatchObject({ status: 'ready', syncWaitMs: 0 });
    // and, alone again, a request is taken
    expect((await post(body(SPANS))).status).toBe(200);
  });
});
