import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Connections are kept alive between requests: a new TCP (and TLS) handshake per batch
// would cost more CPU than encoding it.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

export interface HttpPostOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** PEM CA certificates trusted for https (exporters' tls.caFile) */
  ca?: Buffer;
  /** largest answer body kept; the rest is discarded */
  maxResponseBytes?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One POST over node:http(s). Exporters use it rather than fetch because fetch cannot be
 * given a CA file without another package. Rejects with an Error whose `name` is
 * 'TimeoutError' on timeout, so callers can count the reason.
 */
export function httpPost(url: URL, body: Uint8Array, options: HttpPostOptions): Promise<HttpAnswer> {
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(body.byteLength) },
        agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < maxBytes) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).subarray(0, maxBytes) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs, () => {
      const error = new Error(`no answer from ${url.host} within ${options.timeoutMs} ms`);
      error.name = 'TimeoutError';
      req.destroy(error);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The first value of a response header. */
export function headerValue(headers: HttpAnswer['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
