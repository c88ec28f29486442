import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { newAttributes, type Batch, type LogRecord, type LogsData } from '@lookout/otlp';
import { parseAccessLogLine } from '../logs/index.ts';
import { requestSeriesConfigSchema } from './config.ts';
import { isRequestRecord, LogMetrics, logSourceOf } from './log-metrics.ts';
import { RequestPipeline } from './request-pipeline.ts';
import type { RequestSli } from './sli-matcher.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const BOUNDS = [0.1, 0.5, 1];

function logsBatch(receiver: string, service: string, records: LogRecord[]): Batch<'logs'> {
  const attributes = newAttributes();
  attributes['service.name'] = service;
  const data: LogsData = {
    resourceLogs: [{ resource: { attributes, droppedAttributesCount: 0 }, scopeLogs: [{ scope: { name: '', version: '', attributes: newAttributes(), droppedAttributesCount: 0 }, logRecords: records, schemaUrl: '' }], schemaUrl: '' }],
  };
  return { signal: 'logs', data, items: records.length, bytes: 0, tenant: 'default', receiver, receivedAtMs: NOW };
}

const access = (path: string, status: number, micros?: number) =>
  parseAccessLogLine(`1.2.3.4 - - [01/Jan/2026:12:00:00 +0000] "GET ${path} HTTP/1.1" ${status} 10${micros === undefined ? '' : ` "-" "ua" ${micros}`}`, NOW).record;

function setUp(definitions: RequestSli[] = []) {
  const registry = new Registry();
  const sink: Array<[string, number, number]> = [];
  const pipeline = new RequestPipeline({
    config: requestSeriesConfigSchema.parse({ durationBuckets: BOUNDS }),
    definitions,
    templateRoute: (path) => path,
    sink: (id, _m, good, total) => sink.push([id, good, total]),
    startedAtMs: NOW,
  });
  const metrics = new LogMetrics({ registry, maxServices: 2, requests: pipeline });
  const cells = () => {
    const out: Record<string, { count: number; errors: number; histogram: number }> = {};
    pipeline.series.forEachSeries((service, route, cell) => {
      out[`${service} ${route} ${cell.method} ${cell.statusClass}`] = { count: cell.count, errors: cell.errors, histogram: cell.buckets.reduce((a, b) => a + b, 0) };
    });
    return out;
  };
  return { registry, metrics, cells, sink };
}

describe('LogMetrics', () => {
  it('counts every record by service, severity bucket and source', async () => {
    const { registry, metrics } = setUp();
    const warn = access('/a', 404);
    const plain: LogRecord = { ...access('/a', 200), attributes: newAttributes(), severityNumber: 0 };
    metrics.consume(logsBatch('raw-lines', 'shop', [access('/a', 200), warn, plain]), NOW);
    metrics.consume(logsBatch('syslog', 'cron', [plain]), NOW);
    const values = (await registry.getSingleMetric('lookout_log_records_total')!.get()).values.map((v) => `${v.labels.service} ${v.labels.severity} ${v.labels.source} ${v.value}`);
    expect(values.sort()).toEqual(['cron unspecified syslog 1', 'shop info raw 1', 'shop unspecified raw 1', 'shop warn raw 1']);
  });

  it('folds services over maxServices into service="other"', async () => {
    const { registry, metrics } = setUp();
    for (const service of ['a', 'b', 'c', 'd']) metrics.consume(logsBatch('loki-push', service, [access('/x', 200)]), NOW);
    const services = (await registry.getSingleMetric('lookout_log_records_total')!.get()).values.map((v) => `${v.labels.service}=${v.value}`);
    expect(services.sort()).toEqual(['a=1', 'b=1', 'other=2']);
  });

  it('turns access-log records into requests: templated route, errors, and the histogram only with a duration', () => {
    const { metrics, cells } = setUp();
    metrics.consume(logsBatch('raw-lines', 'shop', [access('/users/123', 200, 50_000), access('/users/456', 503, 700_000), access('/users/789', 500)]), NOW);
    expect(cells()).toEqual({
      'shop /users/:id GET 2xx': { count: 1, errors: 0, histogram: 1 },
      'shop /users/:id GET 5xx': { count: 2, errors: 2, histogram: 1 },
    });
  });

  it('takes requests from OTLP records only when they are marked as access-log lines', () => {
    const { metrics, cells } = setUp();
    const marked = access('/m', 200, 1000);
    marked.attributes['lookout.log.format'] = 'access';
    metrics.consume(logsBatch('otlp-http', 'app', [access('/plain', 200, 1000), marked]), NOW);
    expect(Object.keys(cells())).toEqual(['app /m GET 2xx']);
  });

  it('feeds availability SLIs always and latency SLIs only from records with a duration', () => {
    const { metrics, sink } = setUp([
      { id: 'avail', service: 'shop', kind: 'availability' },
      { id: 'fast', service: 'shop', kind: 'latency', latencyThresholdSeconds: 0.5 },
    ]);
    metrics.consume(logsBatch('raw-lines', 'shop', [access('/a', 200, 100_000), access('/a', 502)]), NOW);
    expect(sink).toEqual([
      ['avail', 1, 1],
      ['fast', 1, 1],
      ['avail', 0, 1],
    ]);
  });
});

describe('sources and request records', () => {
  it('names the source by receiver, and file for records a host agent tailed', () => {
    const attributes = newAttributes();
    expect(logSourceOf('otlp-grpc', attributes)).toBe('otlp');
    expect(logSourceOf('loki-push', attributes)).toBe('loki');
    expect(logSourceOf('something-new', attributes)).toBe('other');
    attributes['log.file.path'] = '/var/log/nginx/access.log';
    expect(logSourceOf('otlp-http', attributes)).toBe('file');
  });

  it('needs a status code to be a request', () => {
    const attributes = newAttributes();
    attributes['log.source'] = 'access';
    expect(isRequestRecord('otlp-http', attributes)).toBe(false);
    attributes['http.response.status_code'] = 200;
    expect(isRequestRecord('otlp-http', attributes)).toBe(true);
    expect(isRequestRecord('raw-lines', attributes)).toBe(true);
  });
});
