import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { entriesOfBatch } from '../exporters/loki-payload.ts';
import {
  newAttributes,
  type AnyValue,
  type Attributes,
  type Batch,
  type LogRecord,
  type LogsData,
  type Metric,
  type MetricsData,
  type Span,
  type TracesData,
} from '@lookout/otlp';
import { requestSeriesConfigSchema } from '../processors/config.ts';
import { LogMetrics } from '../processors/log-metrics.ts';
import { RequestPipeline } from '../processors/request-pipeline.ts';
import { ErrorLogRing } from '../slo/error-log-ring.ts';
import { ThresholdReadings } from '../slo/threshold-readings.ts';
import type { RejectionReason, RejectRecord } from './record-rejections.ts';

// Issue 12, defect 1: every queue consumer gets batches of records of every odd shape
// with a few well-formed "sentinel" records among them. A consumer may skip (and count)
// an odd record, but the sentinels must always be processed: one record never costs the
// batch. Today's code threw a TypeError on `statusCode: 200.5` and lost the batch.

const NOW = Date.UTC(2026, 0, 1, 12);
const NOW_NS = BigInt(NOW) * 1_000_000n;
const REASONS: readonly RejectionReason[] = ['invalid_status_code', 'invalid_value', 'record_error'];

/** Lone surrogates, controls, BOM, NUL and long runs: what invalid UTF-8 decodes to and worse. */
const oddString = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom('', ' ', '\uD800', '\uDFFF', '\uFFFD', '\u0000', '\uFEFF', '__proto__', 'constructor', '-', 'GET', '/', '/users/123?x=1#f'),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

const oddNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, -1, 200.5, 404.2, 500.5, 99, 600, 1e12, 1e308, -1e308, Number.MAX_SAFE_INTEGER),
  fc.double(),
  fc.integer({ min: -1_000, max: 1_000 }),
);

const oddBigint = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 63n, 2n ** 64n - 1n, -(2n ** 63n)), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }));

/** Every AnyValue type, nested. */
const anyValue: fc.Arbitrary<AnyValue> = fc.letrec<{ value: AnyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    oddString,
    oddNumber,
    oddBigint,
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(oddString, tie('value'), { maxKeys: 4 }).map(toAttributes),
  ),
})).value;

function toAttributes(entries: Record<string, AnyValue>): Attributes {
  const attributes = newAttributes();
  for (const key of Object.keys(entries)) attributes[key] = entries[key]!;
  return attributes;
}

/** Keys every consumer reads, each with any value; plus random keys. */
const KEYS = [
  'http.response.status_code', 'http.status_code', 'http.request.method', 'http.method', 'http.route', 'url.path', 'url.full', 'http.url',
  'http.target', 'http.server.request.duration', 'lookout.log.format', 'log.source', 'log.file.path', 'service.name', 'host.name', 'error.type',
  'system.filesystem.mountpoint', 'mountpoint', 'system.memory.state', 'state',
];
const statusLike = fc.oneof(oddNumber, oddBigint, oddString, fc.constantFrom('200', '500', '2000', 'abc'));
const attributesArb = fc
  .record({
    known: fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.oneof(anyValue, statusLike)), { maxLength: 8 }),
    markedAccess: fc.boolean(),
    random: fc.dictionary(oddString, anyValue, { maxKeys: 3 }),
  })
  .map(({ known, markedAccess, random }) => {
    const attributes = toAttributes(random);
    for (const [key, value] of known) attributes[key] = value;
    if (markedAccess) attributes['lookout.log.format'] = 'access';
    return attributes;
  });

const hexId = (bytes: number) => fc.oneof(fc.constant(''), fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex')), oddString);

const oddLogRecord: fc.Arbitrary<LogRecord> = fc.record({
  timeUnixNano: oddBigint,
  observedTimeUnixNano: oddBigint,
  severityNumber: oddNumber,
  severityText: oddString,
  body: anyValue,
  attributes: attributesArb,
  droppedAttributesCount: oddNumber,
  flags: oddNumber,
  traceId: hexId(16),
  spanId: hexId(8),
  eventName: oddString,
});

const oddSpan: fc.Arbitrary<Span> = fc.record({
  traceId: hexId(16),
  spanId: hexId(8),
  traceState: oddString,
  parentSpanId: hexId(8),
  flags: oddNumber,
  name: oddString,
  kind: fc.oneof(fc.constantFrom(2, 5), oddNumber) as fc.Arbitrary<Span['kind']>,
  startTimeUnixNano: oddBigint,
  endTimeUnixNano: oddBigint,
  attributes: attributesArb,
  droppedAttributesCount: oddNumber,
  events: fc.constant([]),
  droppedEventsCount: fc.constant(0),
  links: fc.constant([]),
  droppedLinksCount: fc.constant(0),
  status: fc.record({ code: fc.oneof(fc.constantFrom(0, 1, 2), oddNumber), message: oddString }) as fc.Arbitrary<Span['status']>,
});

const numberPoint = fc.record({
  attributes: attributesArb,
  startTimeUnixNano: oddBigint,
  timeUnixNano: oddBigint,
  value: fc.oneof(oddNumber, oddBigint),
  valueType: fc.constantFrom('double' as const, 'int' as const),
  exemplars: fc.constant([]),
  flags: oddNumber,
});
const histogramPoint = fc.record({
  attributes: attributesArb,
  startTimeUnixNano: oddBigint,
  timeUnixNano: oddBigint,
  count: oddNumber,
  sum: fc.option(oddNumber, { nil: undefined }),
  bucketCounts: fc.array(oddNumber, { maxLength: 6 }),
  explicitBounds: fc.array(oddNumber, { maxLength: 6 }),
  exemplars: fc.constant([]),
  flags: oddNumber,
});
const expBuckets = fc.record({ offset: oddNumber, bucketCounts: fc.array(oddNumber, { maxLength: 6 }) });
const expPoint = fc.record({
  attributes: attributesArb,
  startTimeUnixNano: oddBigint,
  timeUnixNano: oddBigint,
  count: oddNumber,
  sum: fc.option(oddNumber, { nil: undefined }),
  scale: oddNumber,
  zeroCount: oddNumber,
  positive: expBuckets,
  negative: expBuckets,
  flags: oddNumber,
  exemplars: fc.constant([]),
  zeroThreshold: oddNumber,
});
const temporality = fc.oneof(fc.constantFrom(0, 1, 2), oddNumber) as fc.Arbitrary<1>;
const oddMetric: fc.Arbitrary<Metric> = fc.record({
  name: fc.oneof(
    fc.constantFrom('http.server.request.duration', 'http.server.duration', 'system.filesystem.utilization', 'system.memory.limit', 'system.memory.linux.available', 'system.memory.utilization'),
    oddString,
  ),
  description: fc.constant(''),
  unit: fc.oneof(fc.constantFrom('', 's', 'ms', 'us', 'ns', 'By', '1'), oddString),
  metadata: fc.constant(newAttributes()),
  data: fc.oneof(
    fc.record({ type: fc.constant('gauge' as const), dataPoints: fc.array(numberPoint, { maxLength: 3 }) }),
    fc.record({ type: fc.constant('sum' as const), dataPoints: fc.array(numberPoint, { maxLength: 3 }), aggregationTemporality: temporality, isMonotonic: fc.boolean() }),
    fc.record({ type: fc.constant('histogram' as const), dataPoints: fc.array(histogramPoint, { maxLength: 3 }), aggregationTemporality: temporality }),
    fc.record({ type: fc.constant('exponentialHistogram' as const), dataPoints: fc.array(expPoint, { maxLength: 3 }), aggregationTemporality: temporality }),
    fc.constant({ type: 'empty' as const }),
  ),
});

const scope = () => ({ name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 });
const resourceOf = (attributes: Attributes) => ({ attributes, droppedAttributesCount: 0 });
const SENTINEL_ATTRIBUTES = () => toAttributes({ 'service.name': 'sentinel', 'host.name': 'sentinel-host' });

/** Odd records around and between the sentinels, in the sentinels' own scope and in odd resources. */
function mixed<T>(odd: T[], sentinels: T[], positions: number[]): T[] {
  const out = [...odd];
  sentinels.forEach((sentinel, i) => out.splice(positions[i]! % (out.length + 1), 0, sentinel));
  return out;
}

const positions = fc.array(fc.nat(), { minLength: 3, maxLength: 3 });

function logsBatch(receiver: string, oddResources: Array<{ attributes: Attributes; records: LogRecord[] }>, withSentinels: LogRecord[]): Batch<'logs'> {
  const data: LogsData = {
    resourceLogs: [
      ...oddResources.map(({ attributes, records }) => ({ resource: resourceOf(attributes), scopeLogs: [{ scope: scope(), logRecords: records, schemaUrl: '' }], schemaUrl: '' })),
      { resource: resourceOf(SENTINEL_ATTRIBUTES()), scopeLogs: [{ scope: scope(), logRecords: withSentinels, schemaUrl: '' }], schemaUrl: '' },
    ],
  };
  const items = withSentinels.length + oddResources.reduce((n, r) => n + r.records.length, 0);
  return { signal: 'logs', data, items, bytes: 0, tenant: 'default', receiver, receivedAtMs: NOW };
}

function sentinelLog(i: number): LogRecord {
  const attributes = toAttributes({
    'http.response.status_code': 503,
    'http.request.method': 'GET',
    'http.route': '/sentinel',
    'http.server.request.duration': 0.25,
    'lookout.log.format': 'access',
  });
  return {
    timeUnixNano: NOW_NS,
    observedTimeUnixNano: NOW_NS,
    severityNumber: 17,
    severityText: 'ERROR',
    body: `SENTINEL-${i}`,
    attributes,
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
}

const oddResources = fc.array(fc.record({ attributes: attributesArb, records: fc.array(oddLogRecord, { maxLength: 6 }) }), { maxLength: 3 });
const RECEIVERS = fc.constantFrom('otlp-http', 'otlp-grpc', 'raw-lines', 'loki-push', 'syslog');

function spy(): { reject: RejectRecord; reasons: Map<RejectionReason, number> } {
  const reasons = new Map<RejectionReason, number>();
  return { reasons, reject: (reason) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1) };
}

function expectKnownReasons(reasons: Map<RejectionReason, number>): void {
  for (const reason of reasons.keys()) expect(REASONS).toContain(reason);
}

function pipeline(): RequestPipeline {
  return new RequestPipeline({
    config: requestSeriesConfigSchema.parse({ durationBuckets: [0.1, 0.5, 1] }),
    templateRoute: (path) => path,
    startedAtMs: NOW - 60_000,
  });
}

/** No record, however odd, may leave a NaN or an infinity in any series (it would stay there). */
function expectFiniteSeries(requests: RequestPipeline): void {
  requests.series.forEachSeries((_service, _route, cell) => {
    expect(Number.isFinite(cell.count) && Number.isFinite(cell.errors) && Number.isFinite(cell.sumSeconds)).toBe(true);
    for (const n of cell.buckets) expect(Number.isFinite(n)).toBe(true);
  });
}

function sentinelCell(requests: RequestPipeline): { count: number; errors: number } {
  let found = { count: 0, errors: 0 };
  requests.series.forEachSeries((service, route, cell) => {
    if (service === 'sentinel' && route === '/sentinel') found = { count: found.count + cell.count, errors: found.errors + cell.errors };
  });
  return found;
}

const RUNS = { numRuns: 150 };

describe('queue consumers never lose a batch for one record (fuzzed)', () => {
  it('log metrics: every sentinel access line reaches the request series, odd ones are counted by reason', () => {
    fc.assert(
      fc.property(RECEIVERS, oddResources, fc.array(oddLogRecord, { maxLength: 8 }), positions, (receiver, resources, odd, at) => {
        const requests = pipeline();
        const { reject, reasons } = spy();
        const metrics = new LogMetrics({ registry: new Registry(), maxServices: 10, requests, rejectRecord: reject });
        const sentinels = [sentinelLog(0), sentinelLog(1), sentinelLog(2)];
        metrics.consume(logsBatch(receiver, resources, mixed(odd, sentinels, at)), NOW);
        expect(sentinelCell(requests)).toEqual({ count: 3, errors: 3 });
        expectFiniteSeries(requests);
        expectKnownReasons(reasons);
      }),
      RUNS,
    );
  });

  it('log metrics: a record with a non-integer or out-of-range status is rejected as invalid_status_code', () => {
    fc.assert(
      fc.property(fc.constantFrom(200.5, 404.2, 500.5, -1, 0, 99, 600, 1e12, Number.NaN, Number.POSITIVE_INFINITY), (status) => {
        const requests = pipeline();
        const { reject, reasons } = spy();
        const metrics = new LogMetrics({ registry: new Registry(), maxServices: 10, requests, rejectRecord: reject });
        const bad = sentinelLog(9);
        bad.attributes['http.response.status_code'] = status;
        metrics.consume(logsBatch('raw-lines', [], [sentinelLog(0), bad, sentinelLog(1)]), NOW);
        expect(sentinelCell(requests)).toEqual({ count: 2, errors: 2 });
        expect(Object.fromEntries(reasons)).toEqual({ invalid_status_code: 1 });
      }),
    );
  });

  it('request series from spans: every sentinel span is counted', () => {
    const sentinelSpan = (): Span => ({
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      traceState: '',
      parentSpanId: '',
      flags: 0,
      name: 'GET /sentinel',
      kind: 2,
      startTimeUnixNano: NOW_NS - 250_000_000n,
      endTimeUnixNano: NOW_NS,
      attributes: toAttributes({ 'http.route': '/sentinel', 'http.request.method': 'GET', 'http.response.status_code': 503 }),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ attributes: attributesArb, spans: fc.array(oddSpan, { maxLength: 6 }) }), { maxLength: 3 }),
        fc.array(oddSpan, { maxLength: 8 }),
        positions,
        (resources, odd, at) => {
          const requests = pipeline();
          const { reject, reasons } = spy();
          const data: TracesData = {
            resourceSpans: [
              ...resources.map(({ attributes, spans }) => ({ resource: resourceOf(attributes), scopeSpans: [{ scope: scope(), spans, schemaUrl: '' }], schemaUrl: '' })),
              { resource: resourceOf(SENTINEL_ATTRIBUTES()), scopeSpans: [{ scope: scope(), spans: mixed(odd, [sentinelSpan(), sentinelSpan(), sentinelSpan()], at), schemaUrl: '' }], schemaUrl: '' },
            ],
          };
          requests.consumeTraces(data, NOW, reject);
          expect(sentinelCell(requests)).toEqual({ count: 3, errors: 3 });
          expectFiniteSeries(requests);
          expectKnownReasons(reasons);
        },
      ),
      RUNS,
    );
  });

  it('request series and host readings from metrics: every sentinel point is used', () => {
    const sentinelMetrics = (): Metric[] => [
      {
        name: 'http.server.request.duration',
        description: '',
        unit: 's',
        metadata: newAttributes(),
        data: {
          type: 'histogram',
          aggregationTemporality: 1,
          dataPoints: [
            {
              attributes: toAttributes({ 'http.route': '/sentinel', 'http.request.method': 'GET', 'http.response.status_code': 503 }),
              startTimeUnixNano: NOW_NS - 60_000_000_000n,
              timeUnixNano: NOW_NS,
              count: 3,
              sum: 0.75,
              bucketCounts: [0, 3, 0, 0],
              explicitBounds: [0.1, 0.5, 1],
              exemplars: [],
              flags: 0,
            },
          ],
        },
      },
      {
        name: 'system.filesystem.utilization',
        description: '',
        unit: '1',
        metadata: newAttributes(),
        data: {
          type: 'gauge',
          dataPoints: [{ attributes: toAttributes({ 'system.filesystem.mountpoint': '/sentinel' }), startTimeUnixNano: 0n, timeUnixNano: NOW_NS, value: 0.5, valueType: 'double', exemplars: [], flags: 0 }],
        },
      },
    ];
    fc.assert(
      fc.property(
        fc.array(fc.record({ attributes: attributesArb, metrics: fc.array(oddMetric, { maxLength: 4 }) }), { maxLength: 3 }),
        fc.array(oddMetric, { maxLength: 5 }),
        positions,
        (resources, odd, at) => {
          const requests = pipeline();
          const readings = new ThresholdReadings();
          const series = spy();
          const hosts = spy();
          const data: MetricsData = {
            resourceMetrics: [
              ...resources.map(({ attributes, metrics }) => ({ resource: resourceOf(attributes), scopeMetrics: [{ scope: scope(), metrics, schemaUrl: '' }], schemaUrl: '' })),
              // The sentinel host in a resource of its own: odd gauges of the same host may legitimately overwrite its readings.
              { resource: resourceOf(SENTINEL_ATTRIBUTES()), scopeMetrics: [{ scope: scope(), metrics: mixed(odd.filter((m) => !m.name.startsWith('system.')), sentinelMetrics(), at), schemaUrl: '' }], schemaUrl: '' },
            ],
          };
          requests.consumeMetrics(data, NOW, series.reject);
          readings.hostMetrics(data, NOW, hosts.reject);
          expect(sentinelCell(requests)).toEqual({ count: 3, errors: 3 });
          expectFiniteSeries(requests);
          expect(readings.snapshot().disks.filter((d) => d.host === 'sentinel-host' && d.mountpoint === '/sentinel').map((d) => d.utilization)).toEqual([0.5]);
          expectKnownReasons(series.reasons);
          expectKnownReasons(hosts.reasons);
        },
      ),
      RUNS,
    );
  });

  it('Loki exporter and SLO error-log ring: every sentinel line is kept', () => {
    fc.assert(
      fc.property(RECEIVERS, oddResources, fc.array(oddLogRecord, { maxLength: 8 }), positions, (receiver, resources, odd, at) => {
        const loki = spy();
        const ring = spy();
        const batch = logsBatch(receiver, resources, mixed(odd, [sentinelLog(0), sentinelLog(1), sentinelLog(2)], at));
        const lines = entriesOfBatch(batch, NOW, loki.reject).map((entry) => entry.line);
        for (const i of [0, 1, 2]) expect(lines).toContain(`SENTINEL-${i}`);
        const errorLogs = new ErrorLogRing({ perService: 1000 });
        errorLogs.consume(batch.data, ring.reject);
        expect(errorLogs.recent('sentinel', 1000).filter((line) => line.startsWith('SENTINEL-')).sort()).toEqual(['SENTINEL-0', 'SENTINEL-1', 'SENTINEL-2']);
        expectKnownReasons(loki.reasons);
        expectKnownReasons(ring.reasons);
      }),
      RUNS,
    );
  });
});
