/**
 * Issue 12, defect 2, through a real collector on loopback:
 * - while the event loop lags (a consumer hogs the CPU for 1.5 s), ingest is refused
 *   from its headers with 429 + Retry-After (gRPC RESOURCE_EXHAUSTED),
 *   /healthz and /metrics are answered, and /readyz says overloaded until the lag has gone;
 * - a gRPC call its client cancels is not acknowledged, not queued, and is counted.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { decodeTracesJson, encodeTracesProtobuf, type Batch } from '@lookout/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../collector/src/collector.ts';

const TRACE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Connects (says so), waits for "go", then 200 ms later sends a whole call and cancels it at once. */
const CANCELLING_CLIENT = `
import { connect, constants } from 'node:http2';
const session = connect('http://127.0.0.1:' + process.env.GRPC_PORT);
session.on('connect', () => process.stdout.write('connected\\n'));
process.stdin.once('data', () => setTimeout(() => {
  const stream = session.request({ ':method': 'POST', ':path': process.env.PATH_NAME, 'content-type': 'application/grpc', te: 'trailers' });
  let answer = 'none';
  stream.on('response', (headers) => { answer = String(headers['grpc-status'] ?? 'headers'); });
  stream.on('error', () => {});
  stream.end(Buffer.from(process.env.BODY, 'base64'));
  stream.close(constants.NGHTTP2_CANCEL);
  setTimeout(() => { process.stdout.write('answer: ' + answer + '\\n'); session.destroy(); process.exit(0); }, 2500);
}, 200));
`;

let nextId = 1;
function spans(count: number) {
  const end = BigInt(Date.now()) * 1_000_000n;
  const first = nextId;
  nextId += count;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: (first + i).toString(16).padStart(32, '0'),
              spanId: (first + i).toString(16).padStart(16, '0'),
              name: 'GET /',
              kind: 2,
              startTimeUnixNano: String(end - 1_000_000n),
              endTimeUnixNano: String(end),
              attributes: [{ key: 'http.route', value: { stringValue: '/' } }],
            })),
          },
        ],
      },
    ],
  };
}

const protobufSpans = (count: number) => Buffer.from(encodeTracesProtobuf(decodeTracesJson(new TextEncoder().encode(JSON.stringify(spans(count)))).data));

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the CPU is the bottleneck
  }
}

function grpcExport(port: number, body: Buffer): Promise<{ code: number; details?: string; metadata?: Metadata }> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACE_PATH,
      (value: Buffer) => value,
      (value: Buffer) => value,
      body,
      new Metadata(),
      (error: ServiceError | null) => {
        client.close();
        resolve(error ? { code: error.code, details: error.details, metadata: error.metadata } : { code: GrpcStatus.OK });
      },
    );
  });
}

/**
 * A collector on loopback whose consumer, when told, holds the CPU for the next batch it
 * gets (an event loop that lags), with the lag admission set to `maxEventLoopLag`.
 */
async function startHoggedCollector(maxEventLoopLag: string, file: string) {
  let hog = 0;
  const delivered: Batch[] = [];
  const config = parseConfig(
    `receivers:\n  otlp:\n    http: { port: 0 }\n    grpc: { port: 0 }\npipeline:\n  admission:\n    maxEventLoopLag: ${maxEventLoopLag}\nlog: { level: error }\n`,
    file,
    {},
  );
  const collector = await startCollector(config, {
    consumers: [
      {
        signal: 'traces',
        name: 'cpu-hog',
        consume: (batch: Batch) => {
          delivered.push(batch);
          const ms = hog;
          hog = 0;
          if (ms > 0) busyWait(ms);
        },
      },
    ],
  });
  return {
    collector,
    delivered,
    hogNext: (ms: number) => void (hog = ms),
    post: (body: unknown) => fetch(`${collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  };
}

describe('overload is shed from the headers while the event loop lags', () => {
  let collector: RunningCollector;
  let delivered: Batch[];
  let hogNext: (ms: number) => void;
  let post: (body: unknown) => Promise<Response>;

  beforeAll(async () => {
    ({ collector, delivered, hogNext, post } = await startHoggedCollector('500ms', 'overload.yaml'));
  }, 60_000);
  afterAll(async () => {
    await collector?.close();
  });

  it('answers 429 + Retry-After, RESOURCE_EXHAUSTED on gRPC, keeps /healthz and /metrics, and /readyz says overloaded', { timeout: 30_000 }, async () => {
    // start from a loop on time (the collector's own start may have lagged it)
    const readyDeadline = Date.now() + 10_000;
    while ((await fetch(`${collector.httpUrl}/readyz`)).status !== 200) {
      if (Date.now() > readyDeadline) throw new Error('/readyz was not ready within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // A request in flight (headers sent, its body still coming): a lone request is never
    // refused for lag, so the overload needs company.
    const held = connect(Number(new URL(collector.httpUrl).port), '127.0.0.1');
    await new Promise<void>((resolve) => held.once('connect', () => resolve()));
    held.on('error', () => {});
    held.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceSpans":[');
    const heldDeadline = Date.now() + 5000;
    while (!(await fetch(`${collector.httpUrl}/metrics`).then((r) => r.text())).match(/lookout_receiver_inflight_requests 1/)) {
      if (Date.now() > heldDeadline) throw new Error('the held request was not admitted');
      await new Promise((r) => setTimeout(r, 20));
    }
    hogNext(1500);
    const first = await post(spans(1)); // accepted; its delivery then holds the CPU for 1.5 s
    expect(first.status).toBe(200);
    await first.text();
    await collector.queue.idle();

    const refused = await post(spans(1));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // its small body read and dropped: the connection is kept for the client's next request
    expect(refused.headers.get('connection')).toBe('keep-alive');
    expect(((await refused.json()) as { message: string }).message).toMatch(/CPU-bound \(event loop \d+ ms late, limit pipeline\.admission\.maxEventLoopLag = 500 ms\)/);

    const ready = await fetch(`${collector.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    const readyBody = (await ready.json()) as { status: string; eventLoopLagMs: number };
    expect(readyBody.status).toBe('overloaded');
    expect(readyBody.eventLoopLagMs).toBeGreaterThan(500);
    expect((await fetch(`${collector.httpUrl}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${collector.httpUrl}/metrics`);
    expect(metrics.status).toBe(200);
    const exposition = await metrics.text();
    expect(exposition).toMatch(/lookout_receiver_refused_requests_total\{receiver="otlp-http",signal="traces",reason="event_loop_lag"\} 1/);
    expect(exposition).toMatch(/lookout_admission_event_loop_lag_seconds (0\.[5-9]|[1-9])/);

    const grpc = await grpcExport(collector.grpcPort!, protobufSpans(1));
    expect(grpc.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(grpc.details).toMatch(/maxEventLoopLag/);
    expect(Number(grpc.metadata?.get('retry-after')[0])).toBeGreaterThanOrEqual(1);

    held.destroy();
    // once the loop has been on time for a while, ready and admitting again
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${collector.httpUrl}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('/readyz did not become ready again within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await post(spans(1));
    expect(after.status).toBe(200);
    expect((await grpcExport(collector.grpcPort!, protobufSpans(1))).code).toBe(GrpcStatus.OK);
    await collector.queue.idle();
    expect(delivered.reduce((n, b) => n + b.items, 0)).toBe(3); // the refused ones were never queued
  });
});

describe('a gRPC call its client cancelled', () => {
  let collector: RunningCollector;
  let delivered: Batch[];
  let hogNext: (ms: number) => void;
  let post: (body: unknown) => Promise<Response>;

  beforeAll(async () => {
    // lag admission off: the call must reach the receiver however late the loop runs
    ({ collector, delivered, hogNext, post } = await startHoggedCollector('0s', 'cancel.yaml'));
  }, 60_000);
  afterAll(async () => {
    await collector?.close();
  });

  it('is not acknowledged, not queued, and counted', { timeout: 30_000 }, async () => {
    await collector.queue.idle();
    const before = delivered.reduce((n, b) => n + b.items, 0);
    const message = protobufSpans(5);
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), message]);
    framed.writeUInt32BE(message.length, 1);
    // A client in its own process sends the call, its whole message and its cancel while
    // the collector's loop is held: they wait in the socket and reach the receiver together,
    // so the receiver sees the message of a call already cancelled.
    const child = spawn(process.execPath, ['--input-type=module', '-e', CANCELLING_CLIENT], {
      env: { ...process.env, GRPC_PORT: String(collector.grpcPort), BODY: framed.toString('base64'), PATH_NAME: TRACE_PATH },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let said = '';
    child.stdout!.on('data', (chunk: Buffer) => void (said += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 10_000;
    while (!said.includes('connected')) {
      if (Date.now() > deadline) throw new Error(`the client did not connect: ${said}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.stdin!.end('go\n'); // it sends 200 ms from now
    hogNext(1200);
    const busy = await post(spans(1)); // its delivery holds the loop while the client sends
    await busy.text();
    expect(await exited).toBe(0);
    expect(said).toContain('answer: none'); // nothing acknowledged to the client
    await new Promise((r) => setTimeout(r, 200));
    await collector.queue.idle();
    expect(delivered.reduce((n, b) => n + b.items, 0) - before).toBe(1); // the busy request only
    const exposition = await (await fetch(`${collector.httpUrl}/metrics`)).text();
    expect(exposition).toMatch(/lookout_receiver_requests_total\{receiver="otlp-grpc",signal="traces",code="1"\} 1/);
    expect(exposition).toMatch(/lookout_receiver_refused_requests_total\{receiver="otlp-grpc",signal="traces",reason="client_gone"\} 1/);
  });
});
