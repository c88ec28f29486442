import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newAttributes } from './telemetry.ts';
import type { MetricsData, TracesData } from './telemetry.ts';
import { OtlpDecodeError, decodeLogsJson, decodeLogsProtobuf, decodeMetricsJson, decodeMetricsProtobuf, decodeTracesJson, decodeTracesProtobuf, encodeMetricsProtobuf, encodeTracesProtobuf } from './index.ts';

const PROTOBUF = [decodeTracesProtobuf, decodeMetricsProtobuf, decodeLogsProtobuf];
const JSON_DECODERS = [decodeTracesJson, decodeMetricsJson, decodeLogsJson];

/** Decoding either succeeds or throws an OtlpDecodeError with a message and a path. */
function decodesOrRefuses(decode: (input: never) => unknown, input: unknown): void {
  try {
    decode(input as never);
  } catch (e) {
    if (!(e instanceof OtlpDecodeError)) throw e;
    expect(e.message).toMatch(/^invalid OTLP\/(protobuf|JSON) Export\w+ServiceRequest/);
    expect(typeof e.path).toBe('string');
  }
}

/** A valid request with a bit of everything, to mutate. */
function seedTraces(): Uint8Array {
  const a = newAttributes();
  a.s = 'value';
  a.i = -5;
  a.d = 1.5;
  a.b = true;
  a.arr = ['x', 1, [2]];
  a.kv = Object.assign(newAttributes(), { n: null, by: new Uint8Array([1, 2]) });
  const span = {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    traceState: 'a=b',
    parentSpanId: 'eee19b7ec3c1b173',
    flags: 0x101,
    name: 'GET /',
    kind: 2 as const,
    startTimeUnixNano: 1700000000000000000n,
    endTimeUnixNano: 1700000000100000000n,
    attributes: a,
    droppedAttributesCount: 1,
    events: [{ timeUnixNano: 5n, name: 'e', attributes: a, droppedAttributesCount: 0 }],
    droppedEventsCount: 0,
    links: [{ traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b175', traceState: '', attributes: a, droppedAttributesCount: 0, flags: 1 }],
    droppedLinksCount: 0,
    status: { code: 2 as const, message: 'boom' },
  };
  const d: TracesData = {
    resourceSpans: [
      {
        resource: { attributes: a, droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 's', version: '1', attributes: a, droppedAttributesCount: 0 }, spans: [span, span], schemaUrl: 'u' }],
        schemaUrl: 'u',
      },
    ],
  };
  return encodeTracesProtobuf(d);
}

function seedMetrics(): Uint8Array {
  const a = Object.assign(newAttributes(), { k: 'v' });
  const base = { attributes: a, startTimeUnixNano: 1n, timeUnixNano: 2n, flags: 0 };
  const ex = [{ filteredAttributes: a, timeUnixNano: 3n, value: 1.5, spanId: 'eee19b7ec3c1b174', traceId: '5b8efff798038103d269b633813fc60c' }];
  const d: MetricsData = {
    resourceMetrics: [
      {
        resource: { attributes: a, droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 's', version: '', attributes: a, droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              { name: 'g', description: '', unit: '', metadata: a, data: { type: 'gauge', dataPoints: [{ ...base, value: -3, valueType: 'int', exemplars: ex }] } },
              { name: 'h', description: '', unit: '', metadata: a, data: { type: 'histogram', aggregationTemporality: 2, dataPoints: [{ ...base, count: 3, sum: 4, min: 0, max: 2, bucketCounts: [1, 2], explicitBounds: [1], exemplars: ex }] } },
              { name: 'e', description: '', unit: '', metadata: a, data: { type: 'exponentialHistogram', aggregationTemporality: 1, dataPoints: [{ ...base, count: 4, scale: -3, zeroCount: 1, positive: { offset: -2, bucketCounts: [1, 1] }, negative: { offset: 3, bucketCounts: [1] }, exemplars: [], zeroThreshold: 0.5 }] } },
              { name: 'q', description: '', unit: '', metadata: a, data: { type: 'summary', dataPoints: [{ ...base, count: 1, sum: 1, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
            ],
          },
        ],
      },
    ],
  };
  return encodeMetricsProtobuf(d);
}

/** Byte-level mutations: overwrite, insert, delete, truncate. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);

function mutate(seed: Uint8Array, ms: { kind: string; at: number; byte: number }[]): Uint8Array {
  let b = Array.from(seed);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'set') b[at] = m.byte;
    else if (m.kind === 'insert') b.splice(at, 0, m.byte);
    else if (m.kind === 'delete') b.splice(at, 1);
    else b = b.slice(0, at);
  }
  return new Uint8Array(b);
}

describe('decoders never throw anything but OtlpDecodeError', () => {
  it('on arbitrary bytes (protobuf)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const decode of PROTOBUF) decodesOrRefuses(decode, bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('on mutated valid requests (protobuf)', () => {
    const seeds = [seedTraces(), seedMetrics()];
    expect(decodeTracesProtobuf(seeds[0]).items).toBe(2);
    expect(decodeMetricsProtobuf(seeds[1]).items).toBe(4);
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, ms) => {
        const bytes = mutate(seeds[which], ms);
        for (const decode of PROTOBUF) decodesOrRefuses(decode, bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary text and bytes (JSON)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 100 })), (input) => {
        for (const decode of JSON_DECODERS) decodesOrRefuses(decode, input);
      }),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary JSON values anywhere in an OTLP-shaped document', () => {
    const anyJson = fc.jsonValue({ maxDepth: 2, depthSize: 'xsmall' });
    const kv = fc.record({ key: fc.oneof(fc.string(), anyJson), value: fc.oneof(anyJson, fc.record({ stringValue: anyJson }), fc.record({ kvlistValue: fc.record({ values: anyJson }) }), fc.record({ arrayValue: fc.record({ values: anyJson }) })) }, { requiredKeys: [] });
    const item = fc.dictionary(
      fc.constantFrom('traceId', 'spanId', 'name', 'kind', 'startTimeUnixNano', 'attributes', 'events', 'links', 'status', 'body', 'severityNumber', 'asInt', 'asDouble', 'count', 'bucketCounts', 'explicitBounds', 'quantileValues', 'positive', 'exemplars', 'flags'),
      fc.oneof(anyJson, fc.array(kv, { maxLength: 2 })),
    );
    const metric = fc.dictionary(fc.constantFrom('name', 'gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary', 'metadata'), fc.oneof(anyJson, fc.record({ dataPoints: fc.array(item, { maxLength: 2 }), aggregationTemporality: anyJson }, { requiredKeys: [] })));
    const scope = fc.record(
      { scope: anyJson, spans: fc.oneof(anyJson, fc.array(item, { maxLength: 2 })), logRecords: fc.array(item, { maxLength: 2 }), metrics: fc.array(metric, { maxLength: 2 }) },
      { requiredKeys: [] },
    );
    const resource = fc.record(
      { resource: fc.oneof(anyJson, fc.record({ attributes: fc.array(kv, { maxLength: 2 }) })), scopeSpans: fc.array(scope, { maxLength: 2 }), scopeLogs: fc.array(scope, { maxLength: 2 }), scopeMetrics: fc.array(scope, { maxLength: 2 }) },
      { requiredKeys: [] },
    );
    const doc = fc.record(
      { resourceSpans: fc.oneof(anyJson, fc.array(resource, { maxLength: 2 })), resourceLogs: fc.array(resource, { maxLength: 2 }), resourceMetrics: fc.array(resource, { maxLength: 2 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(doc, (d) => {
        const text = JSON.stringify(d);
        for (const decode of JSON_DECODERS) decodesOrRefuses(decode, text);
      }),
      { numRuns: 500 },
    );
  });
});
