import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCollector, type BuiltCollector } from '../collector.ts';
import { parseConfig } from '../config/load.ts';

// GET /api/v1/cluster on both backends, from a collector built without starting (the
// cluster component opens no connection in create(): the PostgreSQL URL points at port 1).

describe('GET /api/v1/cluster', () => {
  let built: BuiltCollector | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await built?.close();
    built = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function build(storage: string): Promise<BuiltCollector> {
    dataDir = mkdtempSync(join(tmpdir(), 'lookout-cluster-api-'));
    const config = parseConfig(`receivers:\n  otlp:\n    http: { port: 1 }\n    grpc: { enabled: false }\nstorage:\n  dataDir: ${dataDir}\n${storage}`, 'test.yaml', {});
    built = await buildCollector(config, { logger: pino({ level: 'silent' }) });
    return built;
  }

  it('says sqlite, one collector evaluating, on the default backend; no cluster component', async () => {
    const collector = await build('');
    const response = await collector.inject({ method: 'GET', url: '/api/v1/cluster' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ backend: 'sqlite', role: 'leader', leader: null, epoch: null });
    const pipeline = (await collector.inject({ method: 'GET', url: '/api/v1/pipeline' })).json() as { components: Array<{ id: string }> };
    expect(pipeline.components.map((c) => c.id)).not.toContain('cluster');
  });

  it('on postgres, before it starts: starting, database not reached yet, why evaluation does not run', async () => {
    const collector = await build('  backend: postgres\n  postgres:\n    url: postgres://lookout@127.0.0.1:1/lookout\n    replica: api-test\n');
    const status = (await collector.inject({ method: 'GET', url: '/api/v1/cluster' })).json();
    expect(status).toMatchObject({
      backend: 'postgres',
      replica: 'api-test',
      role: 'starting',
      evaluation: { running: false, reason: expect.stringMatching(/PostgreSQL is unreachable/) },
      database: { reachable: false, schemaReady: false },
      lease: null,
      leader: null,
      members: [],
      failovers: 0,
      refusedWrites: 0,
    });
    const pipeline = (await collector.inject({ method: 'GET', url: '/api/v1/pipeline' })).json() as { components: Array<{ id: string }> };
    expect(pipeline.components.map((c) => c.id)).toContain('cluster');
    const metrics = (await collector.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^lookout_cluster_leader 0$/m);
    expect(metrics).toMatch(/^lookout_cluster_database_up 0$/m);
  });
});
