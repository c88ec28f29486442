/**
 * OTLP decode only: spans/s of the collector's OTLP/protobuf and OTLP/JSON trace decoders
 * at 100 and 1,000 spans per request (realistic server spans with 10 attributes,
 * serialized by the OpenTelemetry JS serializers), each next to a baseline measured in
 * the same run:
 *   protobuf — protobufjs's Reader walking the same message tree and skipping every
 *              field (no strings, ids, numbers or objects made): the floor of any decoder;
 *   JSON     — TextDecoder + JSON.parse of the same bytes, without building the model.
 * The ratio is decoder throughput / baseline throughput. Throughput is per CPU-second of
 * this process, decoder and baseline alternating in rounds.
 *
 *   npx tsx bench/otlp-decode.ts [seconds per case, default 2]
 */
import protobuf from 'protobufjs/minimal.js';
import { SpanKind } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeTracesJson, decodeTracesProtobuf } from '@lookout/otlp';
import { recordFigure } from './lib/figures.ts';

const seconds = Number(process.argv[2] ?? 2);

function serverSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '1.2.3',
      'host.name': 'web-1',
      'process.pid': 4242,
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  for (let i = 0; i < count; i++) {
    tracer
      .startSpan('GET /users/:id', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/users/:id',
          'url.path': `/users/${1000 + i}`,
          'url.scheme': 'http',
          'http.response.status_code': i % 50 === 0 ? 500 : 200,
          'server.address': 'checkout.internal',
          'server.port': 8080,
          'client.address': `10.1.${i % 7}.${i % 200}`,
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
          'network.protocol.version': '1.1',
        },
      })
      .end();
  }
  return memory.getFinishedSpans();
}

/** Message fields of the trace request, by nesting: field numbers that hold sub-messages. */
const SUB_MESSAGES: Record<string, Record<number, string>> = {
  request: { 1: 'resourceSpans' },
  resourceSpans: { 1: 'resource', 2: 'scopeSpans' },
  resource: { 1: 'keyValue' },
  scopeSpans: { 1: 'scope', 2: 'span' },
  scope: { 3: 'keyValue' },
  span: { 9: 'keyValue', 11: 'event', 13: 'link', 15: 'leaf' },
  event: { 3: 'keyValue' },
  link: { 4: 'keyValue' },
  keyValue: { 2: 'anyValue' },
  anyValue: { 5: 'values', 6: 'values' },
  values: { 1: 'anyValue' },
  leaf: {},
};

/** Baseline: protobufjs Reader visits every field of the tree and skips it. */
function walk(r: protobuf.Reader, end: number, kind: string): number {
  const subs = SUB_MESSAGES[kind];
  let fields = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    fields++;
    const sub = subs[tag >>> 3];
    if (sub !== undefined && (tag & 7) === 2) {
      const len = r.uint32();
      fields += walk(r, r.pos + len, sub);
    } else r.skipType(tag & 7);
  }
  return fields;
}

function walkRequest(buf: Uint8Array): number {
  const r = new protobuf.Reader(buf);
  return walk(r, r.len, 'request');
}

const utf8 = new TextDecoder();
function parseOnly(buf: Uint8Array): unknown {
  return JSON.parse(utf8.decode(buf));
}

/**
 * Requests per CPU-second of `fn` (this process's user+system time, so other load on a
 * shared machine distorts the figure less than wall time would), over about `budget` s.
 */
function measure(fn: () => unknown, budget: number): number {
  const start = process.cpuUsage();
  const until = process.hrtime.bigint() + BigInt(Math.round(budget * 1e9));
  let n = 0;
  while (process.hrtime.bigint() < until) {
    for (let i = 0; i < 5; i++) fn();
    n += 5;
  }
  const used = process.cpuUsage(start);
  return n / ((used.user + used.system) / 1e6);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Decoder and baseline in alternating rounds after a warm-up; medians of the rounds. */
function compare(decode: () => unknown, baseline: () => unknown): { decoded: number; base: number } {
  measure(decode, 0.3);
  measure(baseline, 0.3);
  const rounds = 5;
  const d: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    d.push(measure(decode, seconds / rounds));
    b.push(measure(baseline, seconds / rounds));
  }
  return { decoded: median(d), base: median(b) };
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

console.log(`OTLP trace decode, spans per CPU-second (median of 5 rounds, ${seconds}s per side), Node ${process.version}`);
console.log('case                      bytes/span     spans/s   baseline spans/s   ratio');
for (const spansPerRequest of [100, 1000]) {
  const spans = serverSpans(spansPerRequest);
  const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
  const json = JsonTraceSerializer.serializeRequest(spans)!;
  // check both decoders accept every span before timing them
  if (decodeTracesProtobuf(proto).items !== spansPerRequest || decodeTracesJson(json).items !== spansPerRequest) {
    throw new Error('decoder did not accept every span');
  }
  const cases: [string, Uint8Array, () => unknown, () => unknown][] = [
    ['protobuf', proto, () => decodeTracesProtobuf(proto), () => walkRequest(proto)],
    ['json', json, () => decodeTracesJson(json), () => parseOnly(json)],
  ];
  for (const [name, body, decode, baseline] of cases) {
    const { decoded: perRequest, base: basePerRequest } = compare(decode, baseline);
    const decoded = perRequest * spansPerRequest;
    const base = basePerRequest * spansPerRequest;
    console.log(
      `${`${name} ×${spansPerRequest}`.padEnd(24)} ${String(Math.round(body.length / spansPerRequest)).padStart(10)} ${fmt(decoded).padStart(11)} ${fmt(base).padStart(18)}   ${(decoded / base).toFixed(2)}`,
    );
    recordFigure({
      bench: 'otlp-decode',
      name: `${name} ×${spansPerRequest} decode`,
      value: decoded,
      unit: 'spans/s per CPU-second',
      baselineName: name === 'protobuf' ? 'protobufjs Reader skipping every field' : 'JSON.parse only',
      baseline: base,
    });
  }
}
