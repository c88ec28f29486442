/**
 * A sender that repeats a batch (it crashed between the collector's 200 and its own
 * checkpoint) gets 200 again, and the records reach the pipeline once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

const body = (uids: string[]) =>
  JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent-test' } }] },
        scopeLogs: [
          {
            logRecords: uids.map((uid) => ({
              timeUnixNano: '1700000000000000000',
              body: { stringValue: `line ${uid}` },
              attributes: [{ key: 'log.record.uid', value: { stringValue: uid } }],
            })),
          },
        ],
      },
    ],
  });

describe('log record dedup at the receiver', () => {
  let test: TestCollector;
  beforeAll(async () => {
    test = await startTestCollector();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('acknowledges a repeated batch and delivers its records once', async () => {
    const post = (uids: string[]) =>
      fetch(`${test.collector.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(uids) });
    expect((await post(['a', 'b', 'c'])).status).toBe(200);
    expect((await post(['a', 'b', 'c'])).status).toBe(200);
    expect((await post(['c', 'd'])).status).toBe(200);
    await test.collector.queue.idle();
    const delivered = test.batches.logs.flatMap((b) =>
      (b.data as { resourceLogs: { scopeLogs: { logRecords: { body: unknown }[] }[] }[] }).resourceLogs.flatMap((rl) =>
        rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.body)),
      ),
    );
    expect(delivered).toEqual(['line a', 'line b', 'line c', 'line d']);
    const metrics = await (await fetch(`${test.collector.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lookout_receiver_duplicate_items_total\{receiver="otlp-http",signal="logs"\} 4/);
  });
});
