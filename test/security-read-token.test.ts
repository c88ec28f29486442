/**
 * Issue 12, defect 6, through a real collector started under umask 022:
 * - the data directory it creates is 0700 and every file in it (SLI store, outbox with
 *   alert state, SQLite WAL/SHM) 0600;
 * - the read token guards /api/v1/* and (protectMetrics) /metrics; tenant (ingest) tokens
 *   cannot read, the read token cannot ingest; /healthz and /readyz stay open.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

const INGEST = 'ingest-token-payments-0123456789';
const READ = 'read-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('read token and private data directory (real collector, umask 022)', () => {
  let test: TestCollector;
  let root: string;
  let dataDir: string;
  let umask: number;

  beforeAll(async () => {
    umask = process.umask(0o022);
    root = mkdtempSync(join(tmpdir(), 'lookout-security-'));
    dataDir = join(root, 'var', 'lookout');
    test = await startTestCollector(
      JSON.stringify({
        receivers: { otlp: { auth: { tenants: [{ name: 'payments', token: INGEST }] }, readAuth: { token: READ, protectMetrics: true } } },
        storage: { dataDir },
        sli: { flushInterval: '100ms', definitions: [{ id: 'shop-availability', service: 'shop', kind: 'availability' }] },
        notify: { receivers: { webhook: [{ name: 'hook', url: 'http://127.0.0.1:9/hook' }] } },
      }),
    );
  });
  afterAll(async () => {
    await test?.close();
    process.umask(umask);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('creates the data directory 0700 and its files 0600', async () => {
    // Some traffic, so the SLI store writes (and SQLite makes its WAL files).
    const span = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                  name: 'GET /',
                  kind: 2,
                  startTimeUnixNano: `${BigInt(Date.now() - 5) * 1_000_000n}`,
                  endTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
                  attributes: [{ key: 'http.route', value: { stringValue: '/' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const sent = await fetch(`${test.collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(INGEST) }, body: JSON.stringify(span) });
    expect(sent.status).toBe(200);
    await test.collector.queue.idle();
    expect(test.collector.sli!.flush()).toBe(true);

    expect(statSync(join(root, 'var')).mode & 0o777).toBe(0o700);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['sli.sqlite', 'sli.sqlite-wal', 'notify-outbox.sqlite', 'notify-outbox.sqlite-wal']));
    // every directory under it 0700 (the write-ahead log's), every file 0600
    const modes = (dir: string): Array<{ file: string; mode: string }> =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        const mode = { file: path.slice(dataDir.length + 1), mode: (statSync(path).mode & 0o777).toString(8) };
        return entry.isDirectory() ? [{ ...mode, expected: '700' }, ...modes(path)] : [{ ...mode, expected: '600' }];
      }) as Array<{ file: string; mode: string; expected?: string }>;
    for (const { expected, ...entry } of modes(dataDir) as Array<{ file: string; mode: string; expected: string }>) expect(entry).toEqual({ file: entry.file, mode: expected });
  });

  it('answers the read APIs and /metrics only with the read token; health and readiness stay open', async () => {
    const url = test.collector.httpUrl;
    for (const path of ['/api/v1/slos', '/api/v1/alerts', '/metrics']) {
      const none = await fetch(`${url}${path}`);
      expect(none.status, `${path} without a token`).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await none.json()) as { error: string }).error).toMatch(/Authorization: Bearer <read token>/);
      // issue 12 (defect 5): a tenant token reads its own SLOs and alerts, nothing else
      const tenant = await fetch(`${url}${path}`, { headers: bearer(INGEST) });
      if (path === '/metrics') {
        expect(tenant.status, `${path} with the ingest token`).toBe(403);
        expect(((await tenant.json()) as { error: string }).error).toMatch(/a tenant token reads only its own SLOs and alerts/);
      } else {
        expect(tenant.status, `${path} with the ingest token`).toBe(200);
        await tenant.text();
      }
      const read = await fetch(`${url}${path}`, { headers: bearer(READ) });
      expect(read.status, `${path} with the read token`).toBe(200);
      await read.text();
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`, { headers: bearer(READ) })).text();
    expect(metrics).toMatch(/lookout_read_refused_requests_total\{reason="missing"\} 3/);
  });

  it('does not let the read token ingest', async () => {
    const response = await fetch(`${test.collector.httpUrl}/v1/logs/raw?service=shop`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...bearer(READ) },
      body: 'a line\n',
    });
    expect(response.status).toBe(401);
    const otlp = await fetch(`${test.collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(READ) }, body: '{}' });
    expect(otlp.status).toBe(401);
  });
});
