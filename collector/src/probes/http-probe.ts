import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { ProbeAbortedError } from './probe-error.ts';

export interface HttpProbeTarget {
  name: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** statuses that count as success; any 2xx when empty or absent */
  expectStatus?: number[];
  /** regular expression the body must match (first maxBodyBytes bytes) */
  expectBody?: string;
  /** PEM bundle of trusted CAs for https; Node's bundled roots when absent */
  caFile?: string;
  /** accept any certificate (the TLS probe reports on certificates) */
  insecureSkipVerify?: boolean;
  maxBodyBytes?: number;
}

export interface HttpProbeResult {
  success: boolean;
  /** 'ok', or why the probe failed */
  reason: string;
  statusCode: number;
  /** from sending the request to the end of the body (or of the read bound) */
  durationMs: number;
  bodyBytes: number;
}

export interface HttpJudgement {
  success: boolean;
  reason: string;
}

/** Whether a response meets the target's expectations; pure. */
export function judgeHttpResponse(
  response: { statusCode: number; body: string },
  expect: { expectStatus?: number[]; expectBody?: RegExp },
): HttpJudgement {
  const statuses = expect.expectStatus ?? [];
  const statusOk = statuses.length > 0 ? statuses.includes(response.statusCode) : response.statusCode >= 200 && response.statusCode < 300;
  if (!statusOk) {
    const wanted = statuses.length > 0 ? statuses.join(' or ') : 'a 2xx status';
    return { success: false, reason: `status ${response.statusCode}, expected ${wanted}` };
  }
  if (expect.expectBody && !expect.expectBody.test(response.body)) {
    return { success: false, reason: `body does not match /${expect.expectBody.source}/` };
  }
  return { success: true, reason: 'ok' };
}

/** Compiles expectBody with a message that names the target when it is not a regex. */
export function compileBodyPattern(targetName: string, pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new Error(`HTTP probe '${targetName}': expectBody is not a valid regular expression: ${(error as Error).message}`);
  }
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * One request, no redirects followed (a 301 is reported as 301), body read up to
 * maxBodyBytes for matching, then the connection is closed. `now` reads a monotonic
 * clock in ms (performance.now in production).
 */
export async function probeHttp(target: HttpProbeTarget, signal: AbortSignal, now: () => number): Promise<HttpProbeResult> {
  const where = `HTTP probe '${target.name}' (${target.url})`;
  const bodyPattern = compileBodyPattern(target.name, target.expectBody);
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new Error(`${where}: not a URL; write e.g. https://example.com/healthz`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${where}: only http: and https: URLs can be probed`);
  const options: RequestOptions = {
    method: target.method ?? 'GET',
    headers: { 'user-agent': 'lookout-probe', ...target.headers },
    signal,
    agent: false,
  };
  if (url.protocol === 'https:') {
    if (target.caFile) {
      try {
        options.ca = await readFile(target.caFile, 'utf8');
      } catch (error) {
        throw new Error(`${where}: cannot read caFile ${target.caFile}: ${(error as Error).message}`, { cause: error });
      }
    }
    options.rejectUnauthorized = !target.insecureSkipVerify;
  }
  const maxBody = target.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const started = now();
  const { statusCode, body, bodyBytes } = await new Promise<{ statusCode: number; body: string; bodyBytes: number }>(
    (resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, options, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), bodyBytes: size });
        };
        response.on('data', (chunk: Buffer) => {
          const room = maxBody - size;
          if (room > 0) chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
          size += Math.min(chunk.length, Math.max(room, 0));
          if (size >= maxBody) {
            // enough to judge; do not download the rest
            response.destroy();
            finish();
          }
        });
        response.once('end', finish);
        response.once('error', (error) => reject(new Error(`${where}: ${error.message}`, { cause: error })));
      });
      req.once('error', (error: Error) => {
        if (signal.aborted) reject(new ProbeAbortedError(where));
        else reject(new Error(`${where}: ${error.message}`, { cause: error }));
      });
      req.end();
    },
  );
  const durationMs = now() - started;
  const judgement = judgeHttpResponse({ statusCode, body }, { expectStatus: target.expectStatus, expectBody: bodyPattern });
  return { ...judgement, statusCode, durationMs, bodyBytes };
}
