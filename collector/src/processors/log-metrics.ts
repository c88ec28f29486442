import { Counter, type Registry } from 'prom-client';
import { requestFromLogRecord, severityBucket } from '../logs/index.ts';
import type { Attributes, Batch, LogRecord, LogsData } from '@lookout/otlp';
import { IGNORE_REJECTIONS, type RejectRecord } from '../pipeline/record-rejections.ts';
import { MAX_ROUTE_LENGTH } from './http-semantics.ts';
import type { CountOnly, RequestPipeline } from './request-pipeline.ts';
import { serviceNameOf } from './span-observation.ts';

/** Record attribute the log receivers set to the format a line parsed in. */
const FORMAT_ATTRIBUTE = 'lookout.log.format';
/** Receivers whose records come from instrumented apps: their requests are counted from spans. */
const OTLP_RECEIVERS = new Set(['otlp-http', 'otlp-grpc']);
const OTHER = 'other';

/**
 * Where a record came from, as a label of bounded cardinality: `file` (a host agent
 * tailing a file), `otlp` (an app's SDK), `raw`, `loki`, `syslog`.
 */
export function logSourceOf(receiver: string, attributes: Attributes): string {
  if (typeof attributes['log.file.path'] === 'string') return 'file';
  switch (receiver) {
    case 'otlp-http':
    case 'otlp-grpc':
      return 'otlp';
    case 'raw-lines':
      return 'raw';
    case 'loki-push':
      return 'loki';
    case 'syslog':
      return 'syslog';
    default:
      return OTHER;
  }
}

/**
 * Whether a record stands for a served request to be counted: any record with an HTTP
 * status from the log receivers (access logs, pino-http lines, patterns with <status>),
 * but from OTLP only records marked as access-log lines (`lookout.log.format=access` or
 * `log.source=access`): an app that logs over OTLP sends spans for its requests.
 */
export function isRequestRecord(receiver: string, attributes: Attributes): boolean {
  if (typeof attributes['http.response.status_code'] !== 'number') return false;
  if (!OTLP_RECEIVERS.has(receiver)) return true;
  return attributes[FORMAT_ATTRIBUTE] === 'access' || attributes['log.source'] === 'access';
}

/** Where access-log requests go: the request pipeline spans feed (its series and SLIs). */
export type LogRequestTarget = Pick<RequestPipeline, 'observeRequest'>;

export interface LogMetricsOptions {
  registry: Registry;
  /** requests from access logs go here; undefined turns that off */
  requests?: LogRequestTarget;
  /** services counted by name in lookout_log_records_total; more go under service="other" */
  maxServices: number;
  /** counts records skipped on their own (bad status, unexpected error); the batch goes on */
  rejectRecord?: RejectRecord;
}

/**
 * Logs → metrics, a consumer on the queue:
 * - every record: lookout_log_records_total{service, severity, source};
 * - access-log records: a request observation into the request series, so access logs
 *   give the same lookout_requests_total / _errors_total / _duration_seconds as spans.
 *   Count and errors always; the duration histogram (and latency SLIs) only when the
 *   line had a duration (`%D`, `$request_time`, responseTime): a line without one says
 *   nothing about latency, and counting it as 0 s would make latency look better.
 * Pure apart from the counters: the caller passes `nowMs`.
 */
export class LogMetrics {
  readonly records: Counter<'service' | 'severity' | 'source'>;
  readonly requests: Counter<'outcome'>;
  private readonly services = new Set<string>();

  constructor(private readonly options: LogMetricsOptions) {
    this.records = new Counter({
      name: 'lookout_log_records_total',
      help: 'Log records received, by service, severity bucket (trace…fatal, unspecified) and source (otlp, file, raw, loki, syslog).',
      labelNames: ['service', 'severity', 'source'],
      registers: [options.registry],
    });
    this.requests = new Counter({
      name: 'lookout_log_requests_total',
      help: 'Requests read from access-log records, by outcome: counted (with a duration), counted_without_latency (count and errors only).',
      labelNames: ['outcome'],
      registers: [options.registry],
    });
  }

  /**
   * `only`: part of the counting for a batch replayed from the write-ahead log
   * (RequestPipeline's CountOnly): `sli`, its requests go to the SLIs only and no counter
   * moves; `series`, the counters and the request series only.
   */
  consume(batch: Batch<'logs'>, nowMs: number, only?: CountOnly): void {
    this.consumeData(batch.data, batch.receiver, nowMs, batch.tenant, only);
  }

  consumeData(data: LogsData, receiver: string, nowMs: number, tenant?: string, only?: CountOnly): void {
    const sliOnly = only === 'sli';
    const counts = new Map<string, { service: string; severity: string; source: string; n: number }>();
    let counted = 0;
    let withoutLatency = 0;
    const reject = only ? IGNORE_REJECTIONS : (this.options.rejectRecord ?? IGNORE_REJECTIONS);
    const requests = this.options.requests;
    // the previous record's counter: most records of a batch share service, severity and source
    let entry: { service: string; severity: string; source: string; n: number } | undefined;
    for (const resourceLogs of data.resourceLogs) {
      const service = serviceNameOf(resourceLogs.resource.attributes);
      const serviceLabel = this.serviceLabel(service);
      for (const scopeLogs of resourceLogs.scopeLogs) {
        for (const record of scopeLogs.logRecords) {
          // One record's work at a time: whatever it holds, the rest of the batch is counted
          // (an inline try, not a closure per record: this loop runs for every log line).
          try {
            const severity = severityBucket(record.severityNumber);
            const source = logSourceOf(receiver, record.attributes);
            if (entry === undefined || entry.service !== serviceLabel || entry.severity !== severity || entry.source !== source) {
              const key = serviceLabel + '\u0000' + severity + '\u0000' + source;
              entry = counts.get(key);
              if (entry === undefined) {
                entry = { service: serviceLabel, severity, source, n: 0 };
                counts.set(key, entry);
              }
            }
            entry.n++;
            if (requests && isRequestRecord(receiver, record.attributes)) {
              const outcome = this.observe(requests, record, service, nowMs, tenant, only);
              if (outcome === 'counted') counted++;
              else if (outcome === 'counted_without_latency') withoutLatency++;
              else reject(outcome);
            }
          } catch (error) {
            reject('record_error', error);
          }
        }
      }
    }
    if (sliOnly) return;
    for (const { service, severity, source, n } of counts.values()) this.records.inc({ service, severity, source }, n);
    if (counted) this.requests.inc({ outcome: 'counted' }, counted);
    if (withoutLatency) this.requests.inc({ outcome: 'counted_without_latency' }, withoutLatency);
  }

  /** Feeds one request; says whether it had a latency, or why it could not be counted. */
  private observe(
    requests: LogRequestTarget,
    record: LogRecord,
    service: string,
    nowMs: number,
    tenant: string | undefined,
    only: CountOnly | undefined,
  ): 'counted' | 'counted_without_latency' | 'invalid_status_code' {
    const observation = requestFromLogRecord(record, { 'service.name': service });
    // A status that is not an integer in 100..599 (200.5 from a JSON line) says nothing usable.
    if (!observation) return 'invalid_status_code';
    if (observation.route.length > MAX_ROUTE_LENGTH) observation.route = observation.route.slice(0, MAX_ROUTE_LENGTH);
    requests.observeRequest(observation, nowMs, observation.latencyKnown, tenant, only);
    return observation.latencyKnown ? 'counted' : 'counted_without_latency';
  }

  private serviceLabel(service: string): string {
    if (this.services.has(service)) return service;
    if (this.services.size >= this.options.maxServices) return OTHER;
    this.services.add(service);
    return service;
  }
}
