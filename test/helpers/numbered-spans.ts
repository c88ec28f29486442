import { encodeLogsProtobuf, encodeTracesProtobuf, type Batch, type LogRecord, type LogsData, type Span, type TracesData } from '@lookout/otlp';

/**
 * Numbered batches of server spans for the write-ahead-log tests: every span of batch i
 * is named b<i> and ends in minute baseMinute + i, so the SLI buckets and an OTLP target
 * can be checked batch by batch.
 */
export function numberedBatchBody(i: number, spansPerBatch: number, baseMinute: number, service = 'drill'): Uint8Array {
  const end = BigInt((baseMinute + i) * 60_000 + 30_000) * 1_000_000n;
  const spans: Span[] = [];
  for (let j = 0; j < spansPerBatch; j++) {
    spans.push({
      traceId: (i * spansPerBatch + j + 1).toString(16).padStart(32, '0'),
      spanId: (j + 1).toString(16).padStart(16, '0'),
      traceState: '',
      parentSpanId: '',
      flags: 0,
      name: `b${i}`,
      kind: 2,
      startTimeUnixNano: end - 5_000_000n,
      endTimeUnixNano: end,
      attributes: { 'http.request.method': 'GET', 'http.route': '/drill', 'http.response.status_code': 200 },
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
    } as unknown as Span);
  }
  const data = {
    resourceSpans: [
      {
        resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'drill', version: '', attributes: {}, droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  } as unknown as TracesData;
  return encodeTracesProtobuf(data);
}

/** spans per batch number in what a collector received */
export function countByBatch(batches: Batch[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const batch of batches) {
    for (const rs of (batch.data as TracesData).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          const i = Number(span.name.slice(1));
          counts.set(i, (counts.get(i) ?? 0) + 1);
        }
  }
  return counts;
}

/**
 * Numbered batches of access-log records (OTLP logs, `log.source=access`, so log-metrics
 * counts each as a request): record j of batch i has the body `b<i> r<j>` and its time in
 * minute baseMinute + i.
 */
export function numberedLogBatchBody(i: number, recordsPerBatch: number, baseMinute: number, service = 'drill-logs'): Uint8Array {
  const time = BigInt((baseMinute + i) * 60_000 + 30_000) * 1_000_000n;
  const logRecords: LogRecord[] = [];
  for (let j = 0; j < recordsPerBatch; j++) {
    logRecords.push({
      timeUnixNano: time,
      observedTimeUnixNano: time,
      severityNumber: 9,
      severityText: 'INFO',
      body: `b${i} r${j}`,
      attributes: { 'log.source': 'access', 'http.request.method': 'GET', 'http.route': '/drill-logs', 'http.response.status_code': 200 },
      droppedAttributesCount: 0,
      flags: 0,
      traceId: '',
      spanId: '',
      eventName: '',
    } as unknown as LogRecord);
  }
  const data = {
    resourceLogs: [
      {
        resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 },
        scopeLogs: [{ scope: { name: 'drill', version: '', attributes: {}, droppedAttributesCount: 0 }, logRecords, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  } as unknown as LogsData;
  return encodeLogsProtobuf(data);
}

/** The batch number of a numbered log record's body (`b<i> r<j>`), NaN for another body. */
export function logBatchOf(body: unknown): number {
  const match = typeof body === 'string' ? /^b(\d+) r\d+$/.exec(body) : null;
  return match ? Number(match[1]) : NaN;
}

/** Log records per batch number in what a collector received */
export function countLogsByBatch(batches: Batch[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const batch of batches) {
    for (const rl of (batch.data as LogsData).resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const record of sl.logRecords) {
          const i = logBatchOf(record.body);
          counts.set(i, (counts.get(i) ?? 0) + 1);
        }
  }
  return counts;
}
