import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLIENT_GONE_CODE, type IngestContext, type IngestOutcome } from './ingest.ts';
import type { TenantAuthenticator } from './auth.ts';
import { RequestBodyError } from './request-body.ts';

export function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface LogHttpReceiverBase {
  context: IngestContext;
  auth?: TenantAuthenticator | undefined;
  maxBodyBytes: number;
  /** receiver name in self-metrics */
  receiver: string;
  /** the config key of maxBodyBytes, for the 413 message */
  bodyLimitKey: string;
  /** how errors are written: the raw receiver answers JSON, Loki clients expect text */
  sendError(reply: FastifyReply, status: number, message: string): FastifyReply;
}

/**
 * Body parsing, auth and error handling shared by the raw-lines and Loki receivers, in
 * the encapsulated plugin context they are registered in (as the OTLP receiver does).
 */
export function setUpLogHttpContext(app: FastifyInstance, base: LogHttpReceiverBase): void {
  const { context, receiver } = base;
  const count = (code: number) => context.metrics.requests.inc({ receiver, signal: 'logs', code: String(code) });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: base.maxBodyBytes }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      context.metrics.refusedRequests.inc({ receiver, signal: 'logs', reason: 'too_large' });
      count(413);
      return base.sendError(reply, 413, `request body is larger than ${base.maxBodyBytes} bytes (${base.bodyLimitKey}); send smaller batches`);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    count(status);
    if (status === 500) request.log.error({ err: error }, `${receiver} request failed`);
    return base.sendError(reply, status, status === 500 ? 'internal error; see the collector log' : error.message);
  });

  if (base.auth) {
    const auth = base.auth;
    app.addHook('onRequest', async (request, reply) => {
      const result = auth.check(request.headers.authorization);
      if (result.ok) {
        request.tenant = result.tenant;
        return;
      }
      context.metrics.refusedRequests.inc({ receiver, signal: 'logs', reason: 'unauthorized' });
      count(401);
      reply.header('www-authenticate', 'Bearer realm="lookout"');
      return base.sendError(
        reply,
        401,
        result.reason === 'missing'
          ? 'missing Authorization header; send "Authorization: Bearer <tenant token>"'
          : 'invalid bearer token; check the tenant token the client sends',
      );
    });
  }
}

/** Counts and answers a refused or malformed ingest outcome; undefined when it was accepted. */
export function answerRefusal(base: LogHttpReceiverBase, reply: FastifyReply, outcome: IngestOutcome): FastifyReply | undefined {
  const count = (code: number) => base.context.metrics.requests.inc({ receiver: base.receiver, signal: 'logs', code: String(code) });
  if (outcome.kind === 'abandoned') {
    // The client left before its lines were queued (issue 12, defect 3): nobody reads this.
    count(CLIENT_GONE_CODE);
    return reply.code(CLIENT_GONE_CODE).send();
  }
  if (outcome.kind === 'malformed') {
    count(400);
    return base.sendError(reply, 400, outcome.message);
  }
  if (outcome.kind === 'refused') {
    const status = outcome.reason === 'queue_full' ? 429 : 503;
    count(status);
    reply.header('retry-after', String(outcome.retryAfterSeconds));
    return base.sendError(
      reply,
      status,
      status === 429
        ? `pipeline queue is full; retry after ${outcome.retryAfterSeconds} s`
        : 'collector is shutting down; retry against another instance or later',
    );
  }
  return undefined;
}

/** Counts and answers a request problem found before ingest. */
export function answerRequestError(base: LogHttpReceiverBase, reply: FastifyReply, error: RequestBodyError): FastifyReply {
  base.context.metrics.refusedRequests.inc({ receiver: base.receiver, signal: 'logs', reason: error.reason });
  base.context.metrics.requests.inc({ receiver: base.receiver, signal: 'logs', code: String(error.httpStatus) });
  return base.sendError(reply, error.httpStatus, error.message);
}

/**
 * The 1-based line of the first invalid UTF-8 byte sequence, or 0 when the body is
 * valid UTF-8.
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function firstInvalidUtf8Line(body: Buffer): number {
  if (isValidUtf8(body)) return 0;
  let line = 1;
  let start = 0;
  for (;;) {
    const end = body.indexOf(10, start);
    const slice = body.subarray(start, end < 0 ? body.length : end);
    if (!isValidUtf8(slice)) return line;
    if (end < 0) return line;
    start = end + 1;
    line++;
  }
}

/**
 * Registers a log receiver's POST route: request-duration timing, and request errors
 * found before ingest answered in the receiver's own error format.
 */
export function postLogRoute(
  app: FastifyInstance,
  base: LogHttpReceiverBase,
  path: string,
  handle: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  app.post(path, async (request, reply) => {
    const stopTimer = base.context.metrics.requestDuration.startTimer({ receiver: base.receiver, signal: 'logs' });
    try {
      return await handle(request, reply);
    } catch (error) {
      if (error instanceof RequestBodyError) return answerRequestError(base, reply, error);
      throw error;
    } finally {
      stopTimer();
    }
  });
}
