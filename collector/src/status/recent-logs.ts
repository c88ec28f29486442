import type { AnyValue, LogsData } from '@lookout/otlp';
import { serviceNameOf } from '../processors/span-observation.ts';

/** OTel severity numbers: WARN is 13–16, ERROR 17–20, FATAL 21–24. */
const WARN_SEVERITY = 13;
const ERROR_SEVERITY = 17;

export interface RecentLogLine {
  /** the record's time (observed time, else receipt) in ms since the epoch */
  atMs: number;
  service: string;
  level: 'warn' | 'error';
  severityText: string;
  body: string;
  traceId: string;
  spanId: string;
}

export interface RecentLogsOptions {
  /** lines kept per service and level */
  perService?: number;
  /** services tracked; the one written least recently is forgotten beyond this */
  maxServices?: number;
  maxLineLength?: number;
}

export interface RecentLogFilter {
  service?: string;
  level?: 'warn' | 'error';
  /** lines of this trace only (hex, any case) */
  traceId?: string;
  /** case-insensitive substring of the body */
  text?: string;
  limit?: number;
}

function bodyText(body: AnyValue): string {
  if (typeof body === 'string') return body;
  if (body === null) return '';
  if (typeof body === 'bigint' || typeof body === 'number' || typeof body === 'boolean') return String(body);
  if (body instanceof Uint8Array) return `<${body.length} bytes>`;
  try {
    return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? `<${value.length} bytes>` : value));
  } catch {
    return String(body);
  }
}

function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

/**
 * The last warning and error log lines per service, in memory, searchable by trace id
 * (the status page's "recent logs"). Like the SLO runtime's ErrorLogRing, bounded in
 * lines per service, services and line length; it also keeps warnings, the record's
 * time and its trace/span ids. Pure apart from its own memory: `nowMs` is passed in.
 */
export class RecentLogs {
  private readonly perService: number;
  private readonly maxServices: number;
  private readonly maxLineLength: number;
  /** service → level → lines, oldest first; Map order = least recently written first */
  private readonly rings = new Map<string, { warn: RecentLogLine[]; error: RecentLogLine[] }>();

  constructor(options: RecentLogsOptions = {}) {
    this.perService = options.perService ?? 100;
    this.maxServices = options.maxServices ?? 500;
    this.maxLineLength = options.maxLineLength ?? 2000;
  }

  add(line: RecentLogLine): void {
    let ring = this.rings.get(line.service);
    if (ring) this.rings.delete(line.service);
    else {
      ring = { warn: [], error: [] };
      if (this.rings.size >= this.maxServices) this.rings.delete(this.rings.keys().next().value as string);
    }
    this.rings.set(line.service, ring);
    const body = line.body.length > this.maxLineLength ? `${line.body.slice(0, this.maxLineLength - 1)}…` : line.body;
    const lines = ring[line.level];
    lines.push({ ...line, body });
    if (lines.length > this.perService) lines.shift();
  }

  /** Warning and error records of a logs batch; others are ignored. */
  consume(data: LogsData, nowMs: number): void {
    for (const resourceLogs of data.resourceLogs) {
      let service: string | undefined;
      for (const scopeLogs of resourceLogs.scopeLogs) {
        for (const record of scopeLogs.logRecords) {
          if (record.severityNumber < WARN_SEVERITY) continue;
          service ??= serviceNameOf(resourceLogs.resource.attributes);
          const body = bodyText(record.body).trim();
          if (body === '') continue;
          const atNs = record.timeUnixNano > 0n ? record.timeUnixNano : record.observedTimeUnixNano;
          this.add({
            atMs: atNs > 0n ? nsToMs(atNs) : nowMs,
            service,
            level: record.severityNumber >= ERROR_SEVERITY ? 'error' : 'warn',
            severityText: record.severityText,
            body,
            traceId: record.traceId,
            spanId: record.spanId,
          });
        }
      }
    }
  }

  /** Matching lines, newest first. */
  search(filter: RecentLogFilter = {}): RecentLogLine[] {
    const traceId = filter.traceId?.toLowerCase();
    const text = filter.text?.toLowerCase();
    const out: RecentLogLine[] = [];
    for (const [service, ring] of this.rings) {
      if (filter.service !== undefined && service !== filter.service) continue;
      for (const level of ['warn', 'error'] as const) {
        if (filter.level !== undefined && level !== filter.level) continue;
        for (const line of ring[level]) {
          if (traceId !== undefined && line.traceId !== traceId) continue;
          if (text !== undefined && !line.body.toLowerCase().includes(text)) continue;
          out.push(line);
        }
      }
    }
    out.sort((a, b) => b.atMs - a.atMs);
    return out.slice(0, Math.max(1, Math.min(filter.limit ?? 100, 1000)));
  }

  get services(): string[] {
    return [...this.rings.keys()].sort();
  }
}
