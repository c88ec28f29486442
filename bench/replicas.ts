/**
 * Scale-out on the PostgreSQL backend (issue 14): ingest through three collectors that
 * share one PostgreSQL (storage.backend: postgres, SLI buckets added up across replicas),
 * against one collector on SQLite, measured in the same run and alternated. Figures:
 * spans per CPU-second of the collectors (all three run in this process, so their CPU
 * adds up in one process.cpuUsage; the load generators are child processes) and the
 * database's write rate (transactions committed and SLI bucket upserts per second, from
 * pg_stat_database and the stores' own counts). PostgreSQL is the Debian server the test
 * helper starts (fsync off: a throwaway cluster), on the same machine.
 *
 *   npx tsx --conditions=lookout-source bench/replicas.ts [seconds per case, default 4]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import pg from 'pg';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';
import type { SharedSliStore } from '../collector/src/store/postgres/index.ts';
import { postgresAvailable, startPostgres } from '../test/helpers/postgres.ts';
import { recordFigure } from './lib/figures.ts';
import { serverSpans } from './lib/server-spans.ts';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 4);
const SPANS_PER_REQUEST = 1000;
const ROUNDS = 2;
const SLIS = 'sli:\n  flushInterval: 1s\n  definitions:\n    - { id: checkout-availability, service: checkout, kind: availability }\n    - { id: checkout-latency, service: checkout, kind: latency, latencyThreshold: 300ms }\n';

interface Measure {
  perCpu: number;
  wall: number;
  commitsPerSecond: number;
  upsertsPerSecond: number;
}

async function commits(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.n);
}

async function measure(collectors: RunningCollector[], file: string, seen: () => number, db: pg.Client | undefined, upserts: () => number): Promise<Measure> {
  const before = seen();
  const upsertsBefore = upserts();
  const commitsBefore = db ? await commits(db) : 0;
  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  // one load generator per collector, 8 connections each split between them
  await Promise.all(
    collectors.map((c) =>
      run(process.execPath, [new URL('./lib/http-load.mjs', import.meta.url).pathname, `${c.httpUrl}/v1/traces`, 'application/x-protobuf', file, String(Math.max(2, Math.round(8 / collectors.length))), String(seconds * 1000)]),
    ),
  );
  for (const c of collectors) await c.queue.idle();
  await new Promise((r) => setTimeout(r, 1200)); // the last flush
  const cpu = process.cpuUsage(cpuBefore);
  const wall = Number(process.hrtime.bigint() - wallBefore) / 1e9;
  const spans = seen() - before;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const commitsAfter = db ? await commits(db) : 0;
  return { perCpu: spans / cpuSeconds, wall: spans / wall, commitsPerSecond: (commitsAfter - commitsBefore) / wall, upsertsPerSecond: (upserts() - upsertsBefore) / wall };
}

async function main() {
  if (!postgresAvailable()) {
    console.log('replicas: SKIP, PostgreSQL is not installed (apt-get install -y postgresql)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-replicas-'));
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(serverSpans(SPANS_PER_REQUEST))!);
  const file = join(dir, 'spans.bin');
  writeFileSync(file, body);
  const postgres = await startPostgres();
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  const base = 'receivers:\n  otlp:\n    http: { port: 0, maxBodyBytes: 64MiB }\n    grpc: { enabled: false }\nlog: { level: warn }\n' + SLIS;

  let sqliteSeen = 0;
  const sqlite = await startCollector(parseConfig(base + `storage: { dataDir: ${JSON.stringify(join(dir, 'sqlite'))} }\n`), {
    consumers: [{ signal: 'traces', name: 'count', consume: (batch) => void (sqliteSeen += batch.items) }],
  });
  let replicasSeen = 0;
  const replicas: RunningCollector[] = [];
  for (const name of ['r0', 'r1', 'r2']) {
    replicas.push(
      await startCollector(
        parseConfig(
          base +
            `storage:\n  dataDir: ${JSON.stringify(join(dir, name))}\n  backend: postgres\n  postgres: { url: ${JSON.stringify(postgres.url)}, replica: ${name}, leaseTtl: 5s }\n`,
        ),
        { consumers: [{ signal: 'traces', name: 'count', consume: (batch) => void (replicasSeen += batch.items) }] },
      ),
    );
  }
  await new Promise((r) => setTimeout(r, 2000)); // migrations, election
  const pushed = () => replicas.reduce((n, c) => n + ((c.sli?.store as SharedSliStore | undefined)?.rowsPushed ?? 0), 0);

  console.log(`replicas: ${seconds} s per case, ${ROUNDS} rounds, protobuf ${SPANS_PER_REQUEST} spans/request, 2 SLIs, flush every 1 s; all collectors in this process, load from child processes, PostgreSQL ${postgres.url.replace(/^.*@/, '')} on this machine`);
  const totals = { sqlite: 0, replicas: 0, commits: 0, upserts: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await measure([sqlite], file, () => sqliteSeen, undefined, () => 0);
    const b = await measure(replicas, file, () => replicasSeen, db, pushed);
    totals.sqlite += a.perCpu;
    totals.replicas += b.perCpu;
    totals.commits += b.commitsPerSecond;
    totals.upserts += b.upsertsPerSecond;
    console.log(`round ${round} one collector, SQLite        ${fmt(a.perCpu)} spans/CPU-s (${fmt(a.wall)} spans/s wall)`);
    console.log(
      `round ${round} three replicas, PostgreSQL ${fmt(b.perCpu)} spans/CPU-s (${fmt(b.wall)} spans/s wall; database ${b.commitsPerSecond.toFixed(1)} commits/s, ${b.upsertsPerSecond.toFixed(1)} bucket upserts/s)`,
    );
  }
  const sqliteMean = totals.sqlite / ROUNDS;
  const replicasMean = totals.replicas / ROUNDS;
  console.log(
    `mean: three replicas on PostgreSQL ${fmt(replicasMean)} spans/CPU-s | one on SQLite ${fmt(sqliteMean)} | ratio ${(replicasMean / sqliteMean).toFixed(2)}; ` +
      `database ${(totals.commits / ROUNDS).toFixed(1)} commits/s and ${(totals.upserts / ROUNDS).toFixed(1)} bucket upserts/s for the three (independent of the span rate: one push per replica per flush)`,
  );
  recordFigure({
    bench: 'replicas',
    name: 'ingest, three replicas on PostgreSQL',
    value: replicasMean,
    unit: 'spans/s per CPU-second',
    baselineName: 'one collector on SQLite',
    baseline: sqliteMean,
    goal: 'the shared store costs ≤ 10 % per span (ratio ≥ 0.9)',
    goalMet: replicasMean / sqliteMean >= 0.9,
  });
  recordFigure({ bench: 'replicas', name: 'PostgreSQL commits/s (three replicas)', value: totals.commits / ROUNDS, unit: 'commits/s' });
  recordFigure({ bench: 'replicas', name: 'SLI bucket upserts/s (three replicas)', value: totals.upserts / ROUNDS, unit: 'upserts/s' });

  await sqlite.close();
  for (const c of replicas) await c.close();
  await db.end();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
