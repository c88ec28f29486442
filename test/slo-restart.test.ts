/**
 * One page per problem across a kill -9: the collector runs as its own process on a
 * data directory, pages through a webhook for a full outage of "checkout", is killed
 * with SIGKILL and started again on the same directory. The restarted collector must
 * not page again for the same episode, and must send the resolve of that episode (with
 * its first startsAt) — whether the problem ends after the restart or ended while the
 * collector was down.
 *
 * The child's clock is real time plus an offset the test sets over stdin, so the
 * minutes the 5m/1h windows need pass in milliseconds (as in e2e-slo-alerting).
 *
 * One suite, two backends: SQLite under the data directory, and PostgreSQL
 * (storage.backend: postgres, a fresh database per test, issue 14) where the restarted
 * collector takes the lease again and restores the episode from the database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type RunningPostgres } from './helpers/postgres.ts';
import { firstAlert, startWebhookSink, type WebhookAlert, type WebhookSink } from './helpers/webhook-sink.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MINUTE = 60_000;
const SPEC = `service: checkout
slos:
  - name: checkout-availability
    objective: 99.9
    sli: availability
    filters: { route: /api/checkout }
`;

/** The child: startCollector with `now = Date.now() + offset`; `offset N` on stdin moves it. */
const CHILD = `
import { createInterface } from 'node:readline';
const { startCollector } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'collector/src/collector.ts')).href)});
const { parseConfig } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'collector/src/config/load.ts')).href)});
let offset = Number(process.env.LOOKOUT_TEST_OFFSET);
const say = (message) => process.stdout.write('@@' + JSON.stringify(message) + '\\n');
const collector = await startCollector(parseConfig(process.env.LOOKOUT_TEST_CONFIG, 'slo-restart.yaml', {}), { now: () => Date.now() + offset });
say({ type: 'ready', url: collector.httpUrl });
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, value] = line.split(' ');
  if (command === 'offset') {
    offset = Number(value);
    say({ type: 'offset', offset });
  }
});
`;

interface Child {
  process: ChildProcess;
  url: string;
  messages: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  output(): string;
}

const children: Child[] = [];

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startChild(config: unknown, offset: number): Promise<Child> {
  const proc = spawn(process.execPath, ['--conditions=lookout-source', '--import', tsxLoader, '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, LOOKOUT_TEST_CONFIG: JSON.stringify(config), LOOKOUT_TEST_OFFSET: String(offset) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const messages: Array<Record<string, unknown>> = [];
  let text = '';
  let buffer = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('@@')) messages.push(JSON.parse(line.slice(2)) as Record<string, unknown>);
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => void (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = { process: proc, url: '', messages, exited, output: () => text };
  children.push(child);
  await until(() => messages.some((m) => m.type === 'ready') || proc.exitCode !== null, 'the collector child starting', 60_000).catch((error: Error) => {
    throw new Error(`${error.message}; its output:\n${text}`);
  });
  const ready = messages.find((m) => m.type === 'ready');
  if (!ready) throw new Error(`the collector child exited before it was ready:\n${text}`);
  child.url = String(ready.url);
  return child;
}

async function setOffset(child: Child, offset: number): Promise<void> {
  child.process.stdin!.write(`offset ${offset}\n`);
  await until(() => child.messages.some((m) => m.type === 'offset' && m.offset === offset), 'the child taking the new clock offset', 5000);
}

async function kill9(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  expect(await child.exited).toBe(null);
}

function hex(n: number, length: number): string {
  return n.toString(16).padStart(length, '0');
}

function spans(count: number, atMs: number, status: number, firstId: number) {
  const end = BigInt(atMs) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [
          {
            scope: { name: 'slo-restart' },
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: hex(firstId + i, 32),
              spanId: hex(firstId + i, 16),
              name: 'POST /api/checkout',
              kind: 2,
              startTimeUnixNano: String(end - 20_000_000n),
              endTimeUnixNano: String(end),
              attributes: [
                { key: 'http.request.method', value: { stringValue: 'POST' } },
                { key: 'http.route', value: { stringValue: '/api/checkout' } },
                { key: 'http.response.status_code', value: { intValue: status } },
              ],
              status: { code: status >= 500 ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}

async function postSpans(child: Child, body: unknown): Promise<void> {
  const response = await fetch(`${child.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, await response.text()).toBe(200);
}


const alertOf = firstAlert;

const BACKENDS = postgresAvailable() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(BACKENDS)('SLO alert state across a kill -9 of the collector (%s)', (backend) => {
  let sink: WebhookSink;
  let postgres: RunningPostgres | undefined;
  let databases = 0;
  const dirs: string[] = [];

  beforeAll(async () => {
    sink = await startWebhookSink();
    if (backend === 'postgres') postgres = await startPostgres();
  }, 60_000);
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await child.exited;
    }
  });
  afterAll(async () => {
    await sink?.close();
    await postgres?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A database of its own for each test (PostgreSQL), so no state leaks between them. */
  async function database(): Promise<string> {
    const url = new URL(postgres!.url);
    const name = `slo_restart_${++databases}`;
    const admin = new pg.Client({ connectionString: postgres!.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    url.pathname = `/${name}`;
    return url.toString();
  }

  async function setup(name: string) {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-slo-restart-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'checkout.yaml'), SPEC);
    const path = `/${name}`;
    const config = {
      receivers: { otlp: { http: { host: '127.0.0.1', port: 0 }, grpc: { enabled: false } } },
      log: { level: 'error' },
      storage:
        backend === 'postgres'
          ? { dataDir: join(dir, 'data'), backend: 'postgres', postgres: { url: await database(), replica: 'restarting', leaseTtl: '1s' } }
          : { dataDir: join(dir, 'data') },
      sli: { flushInterval: '100ms' },
      slos: { files: [join(dir, 'checkout.yaml')], evaluationInterval: '200ms' },
      notify: { receivers: { webhook: [{ name: 'hook', url: `${sink.url}${path}` }] }, retry: { baseDelay: '100ms', maxDelay: '1s' } },
    };
    const outboxFile = join(dir, 'data', 'notify-outbox.sqlite');
    const pages = () => sink.on(path).map(alertOf).filter((a) => a.labels.severity === 'page');
    /** the firing row in the outbox is marked delivered (so a kill cannot make the outbox send it again) */
    const firingDelivered = async () => {
      if (backend === 'postgres') {
        // the outbox of record: the leader marks the page delivered there
        const db = new pg.Client({ connectionString: config.storage.postgres!.url });
        await db.connect();
        try {
          const { rows } = await db.query<{ delivered: boolean }>(`SELECT delivered_at IS NOT NULL AS delivered FROM lookout_outbox WHERE status = 'firing'`);
          return rows.length > 0 && rows.every((r) => r.delivered);
        } finally {
          await db.end();
        }
      }
      const db = new Database(outboxFile, { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare(`SELECT state FROM outbox WHERE status = 'firing'`).all() as Array<{ state: string }>;
        return rows.length > 0 && rows.every((r) => r.state === 'delivered');
      } finally {
        db.close();
      }
    };
    return { config, path, pages, firingDelivered };
  }

  /** Starts at one second into a minute, fails every request of that minute, and waits for the page. */
  async function pageOnOutage(child: Child, clock: { offset: number }, pages: () => WebhookAlert[]): Promise<WebhookAlert> {
    const t0 = Date.now() + clock.offset;
    await postSpans(child, spans(50, t0, 503, 1));
    await new Promise((r) => setTimeout(r, 400)); // a few SLI store flushes
    expect(pages()).toEqual([]); // the minute is still running
    clock.offset += MINUTE;
    await setOffset(child, clock.offset);
    await sink.waitFor(() => pages().length >= 1, 15_000, 'the page');
    const [page] = pages();
    expect(page).toMatchObject({ status: 'firing', labels: { alertname: 'SLOErrorBudgetBurn', slo: 'checkout-availability', long_window: '1h', short_window: '5m' } });
    return page!;
  }

  function alignedOffset(): number {
    return MINUTE - (Date.now() % MINUTE) + 1000;
  }

  it('pages once, is killed, restarts with the episode still firing (no second page) and resolves it with the first startsAt', { timeout: 120_000 }, async () => {
    const { config, pages, firingDelivered } = await setup('continue');
    const clock = { offset: alignedOffset() };
    const first = await startChild(config, clock.offset);
    const page = await pageOnOutage(first, clock, pages);
    await until(firingDelivered, 'the outbox marking the page delivered');
    await kill9(first);

    const second = await startChild(config, clock.offset);
    // the restarted collector evaluates the SLO with the page still firing
    type Status = { slos: Array<{ evaluatedAt?: string; alerts: Array<{ severity: string; state: string; firedAt: string | null }> }> };
    const firingPages = async () => {
      const [checkout] = ((await (await fetch(`${second.url}/api/v1/slos`)).json()) as Status).slos;
      return checkout?.evaluatedAt ? checkout.alerts.filter((a) => a.severity === 'page' && a.state === 'firing') : [];
    };
    await until(async () => (await firingPages()).length > 0, 'the restarted collector evaluating the page');
    await new Promise((r) => setTimeout(r, 1000)); // five more cycles
    expect(pages().map((a) => `${a.status} ${a.startsAt}`)).toEqual([`firing ${page.startsAt}`]);
    // the episode continues: fired when the first process paged
    expect((await firingPages()).map((a) => a.firedAt)).toContain(page.startsAt);

    // Good traffic; 31 minutes on, minute m0 has left the 30m window: one resolve for the first episode.
    clock.offset += 30 * MINUTE;
    await setOffset(second, clock.offset);
    await postSpans(second, spans(200, Date.now() + clock.offset, 200, 1000));
    clock.offset += MINUTE;
    await setOffset(second, clock.offset);
    await sink.waitFor(() => pages().some((a) => a.status === 'resolved'), 15_000, 'the resolve');
    await new Promise((r) => setTimeout(r, 600));
    const [firing, resolved, ...more] = pages();
    expect(firing!.status).toBe('firing');
    expect(more).toEqual([]);
    expect(resolved).toMatchObject({ status: 'resolved', labels: page.labels, startsAt: page.startsAt });
    expect(Date.parse(resolved!.endsAt)).toBeGreaterThan(Date.parse(page.startsAt) + 30 * MINUTE);
  });

  it('pages, is killed, the problem ends while it is down: the restarted collector resolves the old episode once', { timeout: 120_000 }, async () => {
    const { config, pages, firingDelivered } = await setup('ended');
    const clock = { offset: alignedOffset() };
    const first = await startChild(config, clock.offset);
    const page = await pageOnOutage(first, clock, pages);
    await until(firingDelivered, 'the outbox marking the page delivered');
    await kill9(first);

    clock.offset += 31 * MINUTE; // down for half an hour: the outage left the 5m and 30m windows
    const second = await startChild(config, clock.offset);
    await sink.waitFor(() => pages().some((a) => a.status === 'resolved'), 15_000, 'the resolve from the restarted collector');
    await new Promise((r) => setTimeout(r, 1000));
    expect(pages().map((a) => `${a.status} ${a.startsAt}`)).toEqual([`firing ${page.startsAt}`, `resolved ${page.startsAt}`]);
    expect(pages()[1]!.labels).toEqual(page.labels);
    expect(second.process.exitCode).toBe(null);
  });
});
