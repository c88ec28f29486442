import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { refusal, RefusalError, type Sender } from '../core/errors.ts';
import type { Signal } from '@lookout/otlp';
import type { TenantAuthenticator } from './auth.ts';
import { CLIENT_GONE_CODE, quotaRefusal, refusalOfOutcome, type IngestContext, type IngestOutcome } from './ingest.ts';
import { declaredLength } from './admission.ts';

/**
 * What the three HTTP receivers (OTLP/HTTP, raw lines, Loki push) share, set up once per
 * receiver in the encapsulated fastify plugin it is registered in: raw-body parsing with
 * the body limit, the bearer-token hook, and one error path that counts each refusal
 * under its catalogue reason and answers in the receiver's own error format.
 */
export interface HttpReceiverContext {
  context: IngestContext;
  auth?: TenantAuthenticator | undefined;
  maxBodyBytes: number;
  /** receiver name in self-metrics */
  receiver: string;
  /** the config key of maxBodyBytes, for the 413 message */
  bodyLimitKey: string;
  /** how the auth message names the sender */
  sender: Sender;
  /** the signal a request is counted under (OTLP: by path; the log receivers: logs) */
  signalOf(request: FastifyRequest): Signal;
  /** writes an error answer in the receiver's format (OTLP Status, JSON, Loki's text) */
  sendError(reply: FastifyReply, request: FastifyRequest, error: RefusalError): FastifyReply;
}

export function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function countRequest(base: HttpReceiverContext, request: FastifyRequest, status: number): void {
  base.context.metrics.requests.inc({ receiver: base.receiver, signal: base.signalOf(request), code: String(status) });
}

/** Counts a refusal found before ingest (reason and status) and answers it. */
export function answerRequestError(base: HttpReceiverContext, request: FastifyRequest, reply: FastifyReply, error: RefusalError): FastifyReply {
  base.context.metrics.refusedRequests.inc({ receiver: base.receiver, signal: base.signalOf(request), reason: error.reason });
  countRequest(base, request, error.httpStatus);
  return base.sendError(reply, request, error);
}

/** Registers the body parser, the error handler and the auth hook in the receiver's plugin context. */
export function setUpHttpReceiver(app: FastifyInstance, base: HttpReceiverContext): void {
  app.removeAllContentTypeParsers();
  // Take every body as raw bytes; the handler decides what is supported so that the
  // 415 answer can say what to send instead.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: base.maxBodyBytes }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof RefusalError) return answerRequestError(base, request, reply, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      return answerRequestError(base, request, reply, refusal('body_too_large', { limit: base.maxBodyBytes, configKey: base.bodyLimitKey }));
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    countRequest(base, request, status);
    if (status === 500) {
      request.log.error({ err: error }, `${base.receiver} request failed`);
      return base.sendError(reply, request, refusal('internal'));
    }
    // fastify's own 4xx (a bad header, say): its message says what was wrong
    return base.sendError(reply, request, new RefusalError('malformed', error.message, status));
  });

  if (base.auth) {
    const auth = base.auth;
    app.addHook('onRequest', async (request, reply) => {
      const result = auth.check(request.headers.authorization);
      if (result.ok) {
        request.tenant = result.tenant;
        // Issue 12: a tenant over its quota is refused from the headers, before its body is read.
        const quotas = base.context.quotas;
        if (!quotas) return;
        const decision = quotas.check(result.tenant, declaredLength(request.headers['content-length']), base.context.now());
        if (decision.ok) return;
        const outcome = quotaRefusal(result.tenant, decision, 0);
        base.context.metrics.tenantRefusedRequests.inc({ tenant: result.tenant, reason: 'tenant_quota' });
        base.context.metrics.refusedRequests.inc({ receiver: base.receiver, signal: base.signalOf(request), reason: 'tenant_quota' });
        reply.header('connection', 'close');
        return answerRefusal(base, request, reply, outcome);
      }
      reply.header('www-authenticate', 'Bearer realm="lookout"');
      return answerRequestError(
        base,
        request,
        reply,
        result.reason === 'missing' ? refusal('missing_token', { where: 'header' }) : refusal('invalid_token', { sender: base.sender }),
      );
    });
  }
}

/**
 * Answers a malformed or refused ingest outcome (ingest() has counted its reason);
 * undefined when it was accepted, for the receiver to answer.
 */
export function answerRefusal(base: HttpReceiverContext, request: FastifyRequest, reply: FastifyReply, outcome: IngestOutcome): FastifyReply | undefined {
  if (outcome.kind === 'abandoned') {
    // The client left before its data was queued (issue 12, defect 3): nobody reads this answer.
    countRequest(base, request, CLIENT_GONE_CODE);
    return reply.code(CLIENT_GONE_CODE).send();
  }
  if (outcome.kind === 'malformed') {
    const error = new RefusalError('malformed', outcome.message);
    countRequest(base, request, error.httpStatus);
    return base.sendError(reply, request, error);
  }
  if (outcome.kind === 'refused') {
    const error = refusalOfOutcome(outcome);
    countRequest(base, request, error.httpStatus);
    reply.header('retry-after', String(outcome.retryAfterSeconds));
    return base.sendError(reply, request, error);
  }
  return undefined;
}

/**
 * Registers a receiver's POST route: request-duration timing, and refusals thrown before
 * ingest answered in the receiver's own error format.
 */
export function postReceiverRoute(
  app: FastifyInstance,
  base: HttpReceiverContext,
  path: string,
  signal: Signal,
  handle: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  app.post(path, async (request, reply) => {
    const stopTimer = base.context.metrics.requestDuration.startTimer({ receiver: base.receiver, signal });
    try {
      return await handle(request, reply);
    } catch (error) {
      if (error instanceof RefusalError) return answerRequestError(base, request, reply, error);
      throw error;
    } finally {
      stopTimer();
    }
  });
}

/** Counts the answer to an accepted request. */
export function countAccepted(base: HttpReceiverContext, request: FastifyRequest, status = 200): void {
  countRequest(base, request, status);
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant?: string;
  }
}
