import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newAttributes } from './telemetry.ts';
import type {
  AnyValue,
  Attributes,
  Exemplar,
  InstrumentationScope,
  LogRecord,
  LogsData,
  Metric,
  MetricData,
  MetricsData,
  Resource,
  Span,
  TracesData,
} from './telemetry.ts';
import {
  decodeLogsProtobuf,
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesProtobuf,
  encodeLogsProtobuf,
  encodeMetricsProtobuf,
  encodeTracesProtobuf,
} from './index.ts';
import type { DecodeResult } from './index.ts';

// ------------------------------------------------------------------ arbitraries of valid models

const str = fc.string({ unit: 'binary', maxLength: 12 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const time = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const count = fc.integer({ min: 0, max: 2 ** 40 });
/** a double as the model holds one (-0 and the integral/fractional split are fine for double fields) */
const double = fc.double();
/** int64 as the model holds it: number when safe, bigint beyond */
const int64 = fc
  .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
  .map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b));
const hexOf = (n: number) =>
  fc
    .uint8Array({ minLength: n, maxLength: n })
    .filter((b) => b.some((x) => x !== 0))
    .map((b) => Buffer.from(b).toString('hex'));
const traceId = hexOf(16);
const spanId = hexOf(8);
const optionalId = (n: number) => fc.oneof(fc.constant(''), hexOf(n));

function attrs(entries: [string, AnyValue][]): Attributes {
  const a = newAttributes();
  for (const [k, v] of entries) a[k] = v;
  return a;
}

/**
 * AnyValue as the model can carry it through protobuf: integral safe numbers are ints,
 * other numbers doubles (an integral double decodes as an int, which is the same number),
 * bigints only beyond 2^53, -0 not at all (it would come back as the int 0).
 */
const { anyValue } = fc.letrec<{ anyValue: AnyValue }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    str,
    fc.boolean(),
    int64,
    double.filter((d) => !Object.is(d, -0)),
    fc.uint8Array({ maxLength: 8 }),
    fc.constant(null),
    fc.array(tie('anyValue'), { maxLength: 3 }),
    fc.array(fc.tuple(str, tie('anyValue')), { maxLength: 3 }).map(attrs),
  ),
}));
const attributes = fc.array(fc.tuple(str, anyValue), { maxLength: 4 }).map(attrs);

const resource: fc.Arbitrary<Resource> = fc.record({ attributes, droppedAttributesCount: u32 });
const scope: fc.Arbitrary<InstrumentationScope> = fc.record({
  name: str,
  version: str,
  attributes,
  droppedAttributesCount: u32,
});

const span: fc.Arbitrary<Span> = fc.record({
  traceId,
  spanId,
  traceState: str,
  parentSpanId: optionalId(8),
  flags: u32,
  name: str,
  kind: fc.constantFrom(0, 1, 2, 3, 4, 5),
  startTimeUnixNano: time,
  endTimeUnixNano: time,
  attributes,
  droppedAttributesCount: u32,
  events: fc.array(fc.record({ timeUnixNano: time, name: str, attributes, droppedAttributesCount: u32 }), { maxLength: 2 }),
  droppedEventsCount: u32,
  links: fc.array(
    fc.record({ traceId, spanId, traceState: str, attributes, droppedAttributesCount: u32, flags: u32 }),
    { maxLength: 2 },
  ),
  droppedLinksCount: u32,
  status: fc.record({ code: fc.constantFrom(0, 1, 2), message: str }),
});

/**
 * A whole export (resource levels → scope levels → items) around `item`, under the
 * signal's list names: the envelope is the same for the three signals.
 */
function exportOf<Data>(names: readonly [string, string, string], item: fc.Arbitrary<unknown>): fc.Arbitrary<Data> {
  const [resourceList, scopeList, itemList] = names;
  const scopeLevel = fc.record({ scope, [itemList]: fc.array(item, { maxLength: 3 }), schemaUrl: str });
  const resourceLevel = fc.record({ resource, [scopeList]: fc.array(scopeLevel, { maxLength: 2 }), schemaUrl: str });
  return fc.record({ [resourceList]: fc.array(resourceLevel, { maxLength: 2 }) }) as unknown as fc.Arbitrary<Data>;
}

const traces = exportOf<TracesData>(['resourceSpans', 'scopeSpans', 'spans'], span);
const exemplar: fc.Arbitrary<Exemplar> = fc.record({
  filteredAttributes: attributes,
  timeUnixNano: time,
  // numbers travel as as_double, bigints as as_int
  value: fc.oneof(double, int64.filter((v) => typeof v === 'bigint')),
  spanId: optionalId(8),
  traceId: optionalId(16),
});
const exemplars = fc.array(exemplar, { maxLength: 2 });
const pointBase = { attributes, startTimeUnixNano: time, timeUnixNano: time, flags: u32 };
const numberPoint = fc.oneof(
  fc.record({ ...pointBase, value: double, valueType: fc.constant('double' as const), exemplars }),
  fc.record({ ...pointBase, value: int64, valueType: fc.constant('int' as const), exemplars }),
);
/** optional min/max/sum: absent, or present (even 0) */
const optionalDouble = fc.option(double, { nil: undefined });
function withOptionals<T extends object>(p: T, o: { sum?: number; min?: number; max?: number }): T {
  const out: Record<string, unknown> = { ...p };
  for (const k of ['sum', 'min', 'max'] as const) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}
const histogramPoint = fc
  .record({
    ...pointBase,
    exemplars,
    bounds: fc.uniqueArray(fc.double({ noNaN: true }), { maxLength: 4 }).map((b) => b.sort((x, y) => x - y)),
    counts: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 5, maxLength: 5 }),
    sum: optionalDouble,
    min: optionalDouble,
    max: optionalDouble,
  })
  .map(({ bounds, counts, sum, min, max, ...p }) => {
    const bucketCounts = bounds.length === 0 && counts[0] % 2 === 0 ? [] : counts.slice(0, bounds.length + 1);
    const total = bucketCounts.length === 0 ? counts[0] : bucketCounts.reduce((a, b) => a + b, 0);
    return withOptionals({ ...p, count: total, bucketCounts, explicitBounds: bucketCounts.length === 0 ? [] : bounds }, { sum, min, max });
  });
const buckets = fc.record({ offset: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), bucketCounts: fc.array(count, { maxLength: 4 }) });
const exponentialPoint = fc
  .record({
    ...pointBase,
    exemplars,
    scale: fc.integer({ min: -10, max: 20 }),
    zeroCount: count,
    positive: buckets,
    negative: buckets,
    zeroThreshold: double,
    sum: optionalDouble,
    min: optionalDouble,
    max: optionalDouble,
  })
  .map(({ sum, min, max, ...p }) => {
    const total = p.zeroCount + [...p.positive.bucketCounts, ...p.negative.bucketCounts].reduce((a, b) => a + b, 0);
    return withOptionals({ ...p, count: total }, { sum, min, max });
  });
const summaryPoint = fc.record({
  ...pointBase,
  count,
  sum: double,
  quantileValues: fc.array(fc.record({ quantile: fc.double({ min: 0, max: 1, noNaN: true }), value: double }), { maxLength: 3 }),
});
const temporality = fc.constantFrom(0, 1, 2);
const metricData: fc.Arbitrary<MetricData> = fc.oneof(
  fc.record({ type: fc.constant('gauge' as const), dataPoints: fc.array(numberPoint, { maxLength: 2 }) }),
  fc.record({
    type: fc.constant('sum' as const),
    dataPoints: fc.array(numberPoint, { maxLength: 2 }),
    aggregationTemporality: temporality,
    isMonotonic: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('histogram' as const),
    dataPoints: fc.array(histogramPoint, { maxLength: 2 }),
    aggregationTemporality: temporality,
  }),
  fc.record({
    type: fc.constant('exponentialHistogram' as const),
    dataPoints: fc.array(exponentialPoint, { maxLength: 2 }),
    aggregationTemporality: temporality,
  }),
  fc.record({ type: fc.constant('summary' as const), dataPoints: fc.array(summaryPoint, { maxLength: 2 }) }),
  fc.constant({ type: 'empty' as const }),
) as fc.Arbitrary<MetricData>;
const metric: fc.Arbitrary<Metric> = fc.record({ name: str, description: str, unit: str, metadata: attributes, data: metricData });
const metrics = exportOf<MetricsData>(['resourceMetrics', 'scopeMetrics', 'metrics'], metric);
const logRecord: fc.Arbitrary<LogRecord> = fc.record({
  timeUnixNano: time,
  observedTimeUnixNano: time,
  severityNumber: fc.integer({ min: 0, max: 24 }),
  severityText: str,
  body: anyValue,
  attributes,
  droppedAttributesCount: u32,
  flags: u32,
  traceId: optionalId(16),
  spanId: optionalId(8),
  eventName: str,
});
const logs = exportOf<LogsData>(['resourceLogs', 'scopeLogs', 'logRecords'], logRecord);
// ------------------------------------------------------------------ properties

const spanCount = (d: TracesData): number => d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)).length;
const pointCount = (d: MetricsData): number =>
  d.resourceMetrics
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .reduce((n, m) => n + (m.data.type === 'empty' ? 0 : m.data.dataPoints.length), 0);
const recordCount = (d: LogsData): number => d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)).length;

/** Each signal: its arbitrary exports, encode then decode, and how many items an export holds. */
const roundTrips = [
  { name: 'traces', data: traces, roundTrip: (d: TracesData) => decodeTracesProtobuf(encodeTracesProtobuf(d)), items: spanCount },
  { name: 'metrics (every type, summary included)', data: metrics, roundTrip: (d: MetricsData) => decodeMetricsProtobuf(encodeMetricsProtobuf(d)), items: pointCount },
  { name: 'logs', data: logs, roundTrip: (d: LogsData) => decodeLogsProtobuf(encodeLogsProtobuf(d)), items: recordCount },
] as { name: string; data: fc.Arbitrary<unknown>; roundTrip(d: unknown): DecodeResult<unknown>; items(d: unknown): number }[];

describe('our encoders round-trip through our decoders', () => {
  for (const { name, data, roundTrip, items } of roundTrips) {
    it(`${name}: model → protobuf → model`, () => {
      fc.assert(
        fc.property(data, (d) => {
          const r = roundTrip(d);
          expect(r.rejected).toBe(0);
          expect(r.rejectedMessage).toBe('');
          expect(r.data).toEqual(d);
          expect(r.items).toBe(items(d));
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('summary metrics (the JS SDK does not produce them)', () => {
  const summary: MetricsData = {
    resourceMetrics: [
      {
        resource: { attributes: attrs([['service.name', 'legacy']]), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 'prom', version: '', attributes: newAttributes(), droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              {
                name: 'rpc_duration_seconds',
                description: 'RPC latency',
                unit: 's',
                metadata: newAttributes(),
                data: {
                  type: 'summary',
                  dataPoints: [
                    {
                      attributes: attrs([['service', 'auth']]),
                      startTimeUnixNano: 1700000000000000000n,
                      timeUnixNano: 1700000060123456789n,
                      count: 1234,
                      sum: 56.75,
                      quantileValues: [
                        { quantile: 0, value: 0.001 },
                        { quantile: 0.5, value: 0.04 },
                        { quantile: 0.99, value: 0.9 },
                        { quantile: 1, value: 2.5 },
                      ],
                      flags: 0,
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };

  it('round-trips through our protobuf encoder', () => {
    const r = decodeMetricsProtobuf(encodeMetricsProtobuf(summary));
    expect(r.items).toBe(1);
    expect(r.data).toEqual(summary);
  });

  it('decodes from hand-written OTLP/JSON', () => {
    const r = decodeMetricsJson(`{
      "resourceMetrics": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "legacy"}}]},
        "scopeMetrics": [{
          "scope": {"name": "prom"},
          "metrics": [{
            "name": "rpc_duration_seconds", "description": "RPC latency", "unit": "s",
            "summary": {"dataPoints": [{
              "attributes": [{"key": "service", "value": {"stringValue": "auth"}}],
              "startTimeUnixNano": "1700000000000000000", "timeUnixNano": "1700000060123456789",
              "count": "1234", "sum": 56.75,
              "quantileValues": [{"value": 0.001}, {"quantile": 0.5, "value": 0.04}, {"quantile": 0.99, "value": 0.9}, {"quantile": 1, "value": 2.5}]
            }]}
          }]
        }]
      }]
    }`);
    expect(r.items).toBe(1);
    expect(r.data).toEqual(summary);
  });
});

describe('string fields of every length (the writer has an ASCII fast path for any length)', () => {
  const record = (body: string): LogsData => ({
    resourceLogs: [
      {
        resource: { attributes: newAttributes(), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeLogs: [
          {
            scope: { name: 's', version: '', attributes: newAttributes(), droppedAttributesCount: 0 },
            schemaUrl: '',
            logRecords: [
              {
                timeUnixNano: 0n,
                observedTimeUnixNano: 1n,
                severityNumber: 0,
                severityText: '',
                body,
                attributes: newAttributes(),
                droppedAttributesCount: 0,
                flags: 0,
                traceId: '',
                spanId: '',
                eventName: '',
              },
            ],
          },
        ],
      },
    ],
  });

  it.each([0, 1, 127, 128, 300, 16_383, 16_384, 70_000])('an ASCII body of %i characters, and one with a non-ASCII character at its end', (n) => {
    for (const body of ['x'.repeat(n), 'x'.repeat(n) + 'é', 'x'.repeat(n) + '😀']) {
      const r = decodeLogsProtobuf(encodeLogsProtobuf(record(body)));
      expect(r.rejected).toBe(0);
      expect(r.data.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.body).toBe(body);
    }
  });
});

describe('attribute values repeated record after record (the encoder copies their bytes once seen twice)', () => {
  const batch = (values: Array<Record<string, AnyValue>>): LogsData => ({
    resourceLogs: [
      {
        resource: { attributes: Object.assign(newAttributes(), { 'service.name': 'shop', 'log.file.path': '/var/log/x.log' }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeLogs: [
          {
            scope: { name: 's', version: '', attributes: Object.assign(newAttributes(), { 'log.file.path': '/var/log/x.log' }), droppedAttributesCount: 0 },
            schemaUrl: '',
            logRecords: values.map((attributes, i) => ({
              timeUnixNano: 0n,
              observedTimeUnixNano: BigInt(i + 1),
              severityNumber: 0,
              severityText: '',
              body: { nested: Object.assign(newAttributes(), attributes) } as unknown as AnyValue,
              attributes: Object.assign(newAttributes(), attributes),
              droppedAttributesCount: 0,
              flags: 0,
              traceId: '',
              spanId: '',
              eventName: '',
            })),
          },
        ],
      },
    ],
  });
  const value = fc.oneof(fc.constantFrom<AnyValue>('GET', 'POST', true, false, '', 'x'.repeat(300), 'é'.repeat(70), 42), fc.string({ maxLength: 3 }));
  const records = fc.array(fc.dictionary(fc.constantFrom('a', 'b', 'log.file.path', 'http.request.method'), value, { maxKeys: 4 }), { maxLength: 30 });

  it('round-trips, and encodes the same bytes whatever was encoded before', () => {
    fc.assert(
      fc.property(records, records, (first, second) => {
        const data = batch(second);
        const alone = encodeLogsProtobuf(data);
        encodeLogsProtobuf(batch(first));
        const after = encodeLogsProtobuf(data);
        expect(Buffer.from(after).equals(Buffer.from(alone))).toBe(true);
        expect(Buffer.from(encodeLogsProtobuf(data)).equals(Buffer.from(alone))).toBe(true);
        const r = decodeLogsProtobuf(after);
        expect(r.rejected).toBe(0);
        expect(r.data).toEqual(data);
      }),
      { numRuns: 300 },
    );
  });
});
