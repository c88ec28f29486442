import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { SendResult } from './send-policy.ts';

export interface OtlpHttpClientOptions {
  /** base URL of the collector's OTLP/HTTP receiver, e.g. http://127.0.0.1:4318 */
  endpoint: string;
  /** bearer token of the tenant, when the collector has auth on */
  token?: string;
  /** PEM file of the CA that signed the collector's certificate */
  caFile?: string;
  timeoutMs: number;
  compression: 'gzip' | 'none';
}

export interface OtlpHttpClient {
  /** POSTs a protobuf body to `path` ('/v1/logs', '/v1/metrics'); never throws */
  post(path: string, body: Uint8Array, signal?: AbortSignal): Promise<SendResult>;
  close(): void;
}

const MAX_ERROR_BODY = 300;

/** A keep-alive OTLP/HTTP protobuf client over node:http(s). */
export function createOtlpHttpClient(options: OtlpHttpClientOptions): OtlpHttpClient {
  const base = new URL(options.endpoint);
  const tls = base.protocol === 'https:';
  const ca = options.caFile ? readFileSync(options.caFile) : undefined;
  const agent = tls ? new HttpsAgent({ keepAlive: true, maxSockets: 2, ...(ca ? { ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 2 });
  const request = tls ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/+$/, '');

  return {
    post(path, body, signal) {
      const payload = options.compression === 'gzip' ? gzipSync(body) : body;
      const headers: Record<string, string | number> = {
        'content-type': 'application/x-protobuf',
        'content-length': payload.byteLength,
        'user-agent': 'lookout-agent',
      };
      if (options.compression === 'gzip') headers['content-encoding'] = 'gzip';
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      return new Promise<SendResult>((resolve) => {
        let settled = false;
        const finish = (result: SendResult) => {
          if (settled) return;
          settled = true;
          resolve(result);
        };
        const req = request(
          {
            protocol: base.protocol,
            hostname: base.hostname.replace(/^\[|\]$/g, ''),
            port: base.port || (tls ? 443 : 80),
            path: prefix + path,
            method: 'POST',
            headers,
            agent,
            timeout: options.timeoutMs,
            ...(signal ? { signal } : {}),
          },
          (res: IncomingMessage) => {
            const status = res.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            const chunks: Buffer[] = [];
            let kept = 0;
            res.on('data', (chunk: Buffer) => {
              // only an error body is worth keeping, and only its start
              if (!ok && kept < MAX_ERROR_BODY) {
                chunks.push(chunk);
                kept += chunk.length;
              }
            });
            res.on('end', () => {
              const retryAfter = res.headers['retry-after'];
              finish({
                status,
                ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
                ...(!ok ? { error: errorText(Buffer.concat(chunks), res.headers['content-type']) } : {}),
              });
            });
            res.on('error', (error) => finish({ error: `response aborted: ${error.message}` }));
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
        req.on('error', (error) => finish({ error: `${base.origin}${prefix}${path}: ${error.message}` }));
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** The readable part of an error answer: JSON/text bodies, not protobuf. */
function errorText(body: Buffer, contentType: string | undefined): string | undefined {
  if (body.length === 0) return undefined;
  if (contentType?.includes('protobuf')) {
    // google.rpc.Status: field 2 is the message; take the printable run
    const text = body.toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim();
    return text.slice(0, MAX_ERROR_BODY) || undefined;
  }
  return body.toString('utf8', 0, Math.min(body.length, MAX_ERROR_BODY)).trim() || undefined;
}
