/**
 * Issue 12, defect 1, through a real collector: one record with a status that is not an
 * integer (`statusCode: 200.5` in NDJSON to /v1/logs/raw, `404.2` in a Loki JSON push,
 * `doubleValue: 500.5` on an OTLP access record) used to make the log-metrics consumer
 * throw and drop the whole acknowledged batch, 5xx lines included. Now the odd record is
 * counted in lookout_pipeline_rejected_records_total and the rest of its batch reaches
 * the request series and the SLI store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { findSamples, sampleValue, scrape, type Sample } from './helpers/exposition.ts';

const SERVICES = ['raw-shop', 'loki-shop', 'otlp-shop'] as const;

function requestCount(samples: Sample[], service: string, statusClass: string): number {
  return findSamples(samples, 'lookout_requests_total', { service, status_class: statusClass }).reduce((n, s) => n + s.value, 0);
}

describe('one bad record never drops an acknowledged batch (real collector)', () => {
  let test: TestCollector;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lookout-bad-records-'));
    test = await startTestCollector(
      JSON.stringify({
        storage: { dataDir },
        sli: { flushInterval: '1h', definitions: SERVICES.map((service) => ({ id: `${service}-availability`, service, kind: 'availability' })) },
      }),
    );
  });
  afterAll(async () => {
    await test?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts the other records of each batch, 5xx included, and the odd one as rejected', async () => {
    const url = test.collector.httpUrl;
    const now = Date.now();
    const pino = (statusCode: number, url: string) => JSON.stringify({ level: 30, time: now, msg: 'request completed', req: { method: 'GET', url }, res: { statusCode }, responseTime: 12 });

    // 1. NDJSON (pino-http lines) to the raw-lines receiver: 200, 200.5, 503, 503.
    const raw = await fetch(`${url}/v1/logs/raw?service=raw-shop`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: [pino(200, '/a'), pino(200.5, '/a'), pino(503, '/a'), pino(503, '/b')].join('\n') + '\n',
    });
    expect(raw.status).toBe(200);

    // 2. A Loki JSON push: 404.2 between a 200 and two 500s.
    const ns = `${BigInt(now) * 1_000_000n}`;
    const loki = await fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [{ stream: { service: 'loki-shop' }, values: [[ns, pino(200, '/x')], [ns, pino(404.2, '/x')], [ns, pino(500, '/x')], [ns, pino(500, '/y')]] }],
      }),
    });
    expect(loki.status).toBe(204);

    // 3. OTLP/JSON access records: doubleValue 500.5 between a 200 and two 502s.
    const record = (status: { intValue: string } | { doubleValue: number }) => ({
      timeUnixNano: ns,
      body: { stringValue: 'GET /o' },
      attributes: [
        { key: 'lookout.log.format', value: { stringValue: 'access' } },
        { key: 'http.request.method', value: { stringValue: 'GET' } },
        { key: 'url.path', value: { stringValue: '/o' } },
        { key: 'http.response.status_code', value: status },
      ],
    });
    const otlp = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-shop' } }] },
            scopeLogs: [{ logRecords: [record({ intValue: '200' }), record({ doubleValue: 500.5 }), record({ intValue: '502' }), record({ intValue: '502' })] }],
          },
        ],
      }),
    });
    expect(otlp.status).toBe(200);

    await test.waitForItems('logs', 12);
    await test.collector.queue.idle();
    const samples = await scrape(`${url}/metrics`);

    for (const service of SERVICES) {
      expect(requestCount(samples, service, '2xx'), `${service} 2xx`).toBe(1);
      expect(requestCount(samples, service, '5xx'), `${service} 5xx`).toBe(2);
    }
    expect(requestCount(samples, 'loki-shop', '4xx')).toBe(0);
    expect(sampleValue(samples, 'lookout_pipeline_rejected_records_total', { signal: 'logs', consumer: 'log-metrics', reason: 'invalid_status_code' })).toBe(3);
    expect(findSamples(samples, 'lookout_pipeline_dropped_items_total').reduce((n, s) => n + s.value, 0)).toBe(0);
    // Every record is still a log record (counted, exported) — only the request is refused.
    expect(findSamples(samples, 'lookout_log_records_total').reduce((n, s) => n + s.value, 0)).toBe(12);

    // The SLIs see the errors the odd record's batch carried: 1 good of 3 per service.
    expect(test.collector.sli!.flush()).toBe(true);
    const store = test.collector.sli!.store!;
    for (const service of SERVICES) {
      expect(store.sum(`${service}-availability`, 0, Math.ceil(now / 60_000) + 10), service).toEqual({ good: 1, total: 3 });
    }
  });
});
