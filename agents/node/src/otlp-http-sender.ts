import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Failover, isUnavailableStatus, type FailoverEvents } from './failover.ts';

const gzipAsync = promisify(gzip);

export interface OtlpTarget {
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  gzip: boolean;
}

type Env = Record<string, string | undefined>;

/** "k1=v1,k2=v2" (values percent-encoded), as OTEL_EXPORTER_OTLP_HEADERS. */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // a malformed escape: skip that header rather than fail the exporter
    }
  }
  return headers;
}

/**
 * Where and how one signal is exported, from the standard variables: the
 * signal-specific endpoint as-is, else the base endpoint + /v1/<signal>; headers,
 * timeout and compression likewise.
 */
export function otlpTarget(env: Env, signal: 'traces' | 'metrics' | 'logs', baseEndpoint?: string): OtlpTarget {
  const upper = signal.toUpperCase();
  const specific = baseEndpoint ? undefined : env[`OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`]?.trim();
  const base = (baseEndpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ?? '') || 'http://localhost:4318';
  const url = new URL(specific || `${base.replace(/\/+$/, '')}/v1/${signal}`);
  const timeout = Number(env[`OTEL_EXPORTER_OTLP_${upper}_TIMEOUT`] ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10_000);
  const compression = (env[`OTEL_EXPORTER_OTLP_${upper}_COMPRESSION`] ?? env.OTEL_EXPORTER_OTLP_COMPRESSION ?? 'none').trim().toLowerCase();
  return {
    url,
    headers: { ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseOtlpHeaders(env[`OTEL_EXPORTER_OTLP_${upper}_HEADERS`]) },
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 10_000,
    gzip: compression === 'gzip',
  };
}

export class OtlpHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one OTLP protobuf body; resolves when a collector accepted it. */
export interface OtlpPoster {
  post(body: Uint8Array): Promise<void>;
  close(): void;
}

/** POSTs OTLP protobuf bodies over one keep-alive connection pool. */
export class OtlpHttpSender implements OtlpPoster {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(private readonly target: OtlpTarget) {
    const https = target.url.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 2 }) : new HttpAgent({ keepAlive: true, maxSockets: 2 });
    this.send = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest;
  }

  /** Resolves on a 2xx answer; rejects on any other status, a network error or the timeout. */
  async post(body: Uint8Array): Promise<void> {
    return this.postPayload(this.target.gzip ? await gzipAsync(body) : body);
  }

  /** Like post, with the body already compressed when the target asks for gzip. */
  postPayload(payload: Uint8Array): Promise<void> {
    const headers: Record<string, string | number> = {
      ...this.target.headers,
      'content-type': 'application/x-protobuf',
      'content-length': payload.length,
    };
    if (this.target.gzip) headers['content-encoding'] = 'gzip';
    return new Promise<void>((resolve, reject) => {
      const req = this.send(this.target.url, { method: 'POST', agent: this.agent, headers, timeout: this.target.timeoutMs }, (res) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new OtlpHttpError(status, `${this.target.url.href} answered HTTP ${status}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${this.target.url.href} did not answer within ${this.target.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Whether a send error means "this collector is unavailable, try another": no answer, or 502/503/504. */
export function isUnavailableError(error: unknown): boolean {
  return error instanceof OtlpHttpError ? isUnavailableStatus(error.status) : true;
}

/**
 * One signal's sender over several collectors (LOOKOUT_ENDPOINTS): the body is
 * compressed once and goes to the endpoint the failover logic picks (failover.ts).
 * All targets share headers, timeout and compression.
 */
export class FailoverOtlpSender implements OtlpPoster {
  readonly failover: Failover;
  private readonly senders: OtlpHttpSender[];
  private readonly gzip: boolean;

  constructor(targets: OtlpTarget[], options: { coolDownMs: number; now?: () => number; events?: FailoverEvents }) {
    this.senders = targets.map((target) => new OtlpHttpSender(target));
    this.gzip = targets[0]?.gzip ?? false;
    this.failover = new Failover(
      targets.map((target) => target.url.href),
      options,
    );
  }

  async post(body: Uint8Array): Promise<void> {
    const payload = this.gzip ? await gzipAsync(body) : body;
    return this.failover.run((index) => this.senders[index]!.postPayload(payload), isUnavailableError);
  }

  close(): void {
    for (const sender of this.senders) sender.close();
  }
}
