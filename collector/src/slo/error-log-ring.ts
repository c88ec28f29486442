import type { AnyValue, LogsData } from '@lookout/otlp';
import { IGNORE_REJECTIONS, isolateRecord, type RejectRecord } from '../pipeline/record-rejections.ts';
import { serviceNameOf } from '../processors/span-observation.ts';
import { tenantServiceKey } from '../core/tenant.ts';

/** OTel severity number of ERROR: records at or above it are kept as samples. */
const ERROR_SEVERITY = 17;

export interface ErrorLogRingOptions {
  /** lines kept per service (newest first when read) */
  perService?: number;
  /** services tracked; the one seen least recently is forgotten beyond this */
  maxServices?: number;
  /** a line is cut to this many characters */
  maxLineLength?: number;
}

function bodyText(body: AnyValue): string {
  if (typeof body === 'string') return body;
  if (body === null) return '';
  if (typeof body === 'bigint') return body.toString();
  if (body instanceof Uint8Array) return `<${body.length} bytes>`;
  try {
    return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return String(body);
  }
}

/**
 * A few recent error log lines per service, for alert annotations: records of
 * severity ERROR or worse (access-log lines with a 5xx are ERROR too). Bounded in
 * lines per service, services, and line length; pure apart from its own memory.
 */
export class ErrorLogRing {
  private readonly perService: number;
  private readonly maxServices: number;
  private readonly maxLineLength: number;
  /** Map order = least recently written first */
  private readonly rings = new Map<string, string[]>();

  constructor(options: ErrorLogRingOptions = {}) {
    this.perService = options.perService ?? 5;
    this.maxServices = options.maxServices ?? 1000;
    this.maxLineLength = options.maxLineLength ?? 300;
  }

  add(service: string, line: string): void {
    let ring = this.rings.get(service);
    if (ring) this.rings.delete(service);
    else {
      ring = [];
      if (this.rings.size >= this.maxServices) this.rings.delete(this.rings.keys().next().value as string);
    }
    this.rings.set(service, ring);
    const text = line.replace(/\s+/g, ' ').trim();
    ring.push(text.length > this.maxLineLength ? `${text.slice(0, this.maxLineLength - 1)}…` : text);
    if (ring.length > this.perService) ring.shift();
  }

  /**
   * Error records of a logs batch; a record that cannot be read is skipped and counted by
   * `reject`. Lines are kept per tenant and service (issue 12): a tenant's alert never
   * shows another tenant's lines.
   */
  consume(data: LogsData, reject: RejectRecord = IGNORE_REJECTIONS, tenant?: string): void {
    for (const resourceLogs of data.resourceLogs) {
      let service: string | undefined;
      for (const scopeLogs of resourceLogs.scopeLogs) {
        for (const record of scopeLogs.logRecords) {
          if (!(record.severityNumber >= ERROR_SEVERITY)) continue;
          isolateRecord(() => {
            service ??= tenantServiceKey(serviceNameOf(resourceLogs.resource.attributes), tenant);
            const text = bodyText(record.body);
            if (text.trim() !== '') this.add(service, text);
          }, reject);
        }
      }
    }
  }

  /** Up to `limit` recent lines of a service (of a tenant), newest first. */
  recent(service: string, limit: number, tenant?: string): string[] {
    const ring = this.rings.get(tenantServiceKey(service, tenant));
    if (!ring || limit <= 0) return [];
    return ring.slice(-limit).reverse();
  }

  get services(): number {
    return this.rings.size;
  }
}
