import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { freePort } from './server-process.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One collector of a cluster, a child process started through the CLI (`lookout collector --config`). */
export interface ClusterMember {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** GET /api/v1/cluster, or undefined when it does not answer */
  cluster(): Promise<ClusterView | undefined>;
  kill(signal: NodeJS.Signals): void;
}

export interface ClusterView {
  replica: string;
  role: 'starting' | 'follower' | 'leader';
  leader: string | null;
  epoch: number | null;
  failovers: number;
  refusedWrites: number;
  evaluation: { running: boolean; reason?: string };
  database: { reachable: boolean; error?: string };
  members: Array<{ replica: string; leader: boolean }>;
  pendingSliBuckets: number;
}

/** Writes `config` (lookout.yaml as an object; the HTTP port is filled in) and starts the collector on it. */
export async function startClusterMember(dir: string, name: string, config: Record<string, unknown>): Promise<ClusterMember> {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  const receivers = { otlp: { http: { port, host: '127.0.0.1' }, grpc: { enabled: false } } };
  writeFileSync(file, JSON.stringify({ ...config, receivers }));
  const child = spawn(process.execPath, ['--conditions=lookout-source', '--import', 'tsx', join(ROOT, 'collector/src/cli.ts'), 'collector', '--config', file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const member: ClusterMember = {
    name,
    port,
    url,
    child,
    output: () => output,
    exited,
    async cluster() {
      try {
        const response = await fetch(`${url}/api/v1/cluster`, { signal: AbortSignal.timeout(2000) });
        return response.ok ? ((await response.json()) as ClusterView) : undefined;
      } catch {
        return undefined;
      }
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  // tsx compiles the collector on first start: slow on a busy 2-core machine
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector ${name} exited ${child.exitCode} before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return member;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      member.kill('SIGKILL');
      throw new Error(`collector ${name} not ready within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Server spans of `service` on `route` made with the OpenTelemetry SDK, ending at
 * `endMs` (past minutes count in their own SLI bucket); `errors` of them are 500s.
 */
export function requestSpans(service: string, route: string, count: number, errors: number, endMs: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('drill');
  for (let i = 0; i < count; i++) {
    const failed = i < errors;
    const span = tracer.startSpan(`GET ${route}`, {
      kind: SpanKind.SERVER,
      startTime: endMs - 20,
      attributes: { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': failed ? 500 : 200 },
    });
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(endMs);
  }
  return memory.getFinishedSpans();
}

/** The drills' SLO: checkout's /api/checkout requests succeed 99 % of the time. */
export const CHECKOUT_SLO_SPEC = `service: checkout
slos:
  - name: checkout-availability
    description: Checkout requests succeed
    objective: 99
    sli: availability
    filters: { route: /api/checkout }
`;

/** One export through the OpenTelemetry exporter, as a promise of its result. */
export function exportSpans(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}
