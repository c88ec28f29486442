import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Signal } from '../model/telemetry.ts';
import {
  decodeLogsJson,
  decodeLogsProtobuf,
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from '../otlp/index.ts';
import { DEFAULT_TENANT, type TenantAuthenticator } from './auth.ts';
import { CLIENT_GONE_CODE, ingest, type IngestContext } from './ingest.ts';
import { httpClientGone } from './client-gone.ts';
import { decompressBody, RequestBodyError } from './request-body.ts';

/** google.rpc.Code values used in Status bodies. */
const RpcCode = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, UNAUTHENTICATED: 16, UNIMPLEMENTED: 12 } as const;

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

export interface OtlpHttpOptions {
  context: IngestContext;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  auth?: TenantAuthenticator;
}

type Encoding = 'protobuf' | 'json';

const DECODERS = {
  traces: { protobuf: decodeTracesProtobuf, json: decodeTracesJson },
  metrics: { protobuf: decodeMetricsProtobuf, json: decodeMetricsJson },
  logs: { protobuf: decodeLogsProtobuf, json: decodeLogsJson },
} as const;

function mediaType(request: FastifyRequest): string {
  const header = request.headers['content-type'];
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function encodingOf(request: FastifyRequest): Encoding | undefined {
  const type = mediaType(request);
  if (type === PROTOBUF) return 'protobuf';
  if (type === JSON_TYPE) return 'json';
  return undefined;
}

function sendStatus(reply: FastifyReply, encoding: Encoding, httpStatus: number, rpcCode: number, message: string) {
  reply.code(httpStatus);
  if (encoding === 'protobuf') {
    return reply.type(PROTOBUF).send(Buffer.from(encodeStatusProtobuf(rpcCode, message)));
  }
  return reply.type(JSON_TYPE).send(encodeStatusJson(rpcCode, message));
}

const ROUTES: Array<{ path: string; signal: Signal }> = [
  { path: '/v1/traces', signal: 'traces' },
  { path: '/v1/metrics', signal: 'metrics' },
  { path: '/v1/logs', signal: 'logs' },
];

/**
 * OTLP/HTTP receiver (specification: protocol/otlp.md, "OTLP/HTTP"). Registered as an
 * encapsulated fastify plugin so that its raw-body parsers do not leak into the rest of
 * the API.
 */
export async function otlpHttpReceiver(app: FastifyInstance, options: OtlpHttpOptions): Promise<void> {
  const { context, auth } = options;
  const receiver = 'otlp-http';

  app.removeAllContentTypeParsers();
  // Take every body as raw bytes; the handler decides what is supported so that the
  // 415 answer can say what to send instead.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_request, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const encoding = encodingOf(request) ?? 'json';
    const signal = ROUTES.find((r) => request.url.startsWith(r.path))?.signal ?? 'traces';
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      context.metrics.refusedRequests.inc({ receiver, signal, reason: 'too_large' });
      context.metrics.requests.inc({ receiver, signal, code: '413' });
      return sendStatus(
        reply,
        encoding,
        413,
        RpcCode.INVALID_ARGUMENT,
        `request body is larger than ${options.maxBodyBytes} bytes (receivers.otlp.http.maxBodyBytes); send smaller batches`,
      );
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    context.metrics.requests.inc({ receiver, signal, code: String(status) });
    if (status === 500) request.log.error({ err: error }, 'OTLP/HTTP request failed');
    return sendStatus(reply, encoding, status, status === 500 ? 13 : RpcCode.INVALID_ARGUMENT, error.message);
  });

  if (auth) {
    app.addHook('onRequest', async (request, reply) => {
      const result = auth.check(request.headers.authorization);
      if (result.ok) {
        request.tenant = result.tenant;
        return;
      }
      const signal = ROUTES.find((r) => request.url.startsWith(r.path))?.signal ?? 'traces';
      context.metrics.refusedRequests.inc({ receiver, signal, reason: 'unauthorized' });
      context.metrics.requests.inc({ receiver, signal, code: '401' });
      reply.header('www-authenticate', 'Bearer realm="lookout"');
      return sendStatus(
        reply,
        encodingOf(request) ?? 'json',
        401,
        RpcCode.UNAUTHENTICATED,
        result.reason === 'missing'
          ? 'missing Authorization header; send "Authorization: Bearer <tenant token>"'
          : 'invalid bearer token; check the tenant token the exporter sends',
      );
    });
  }

  for (const { path, signal } of ROUTES) {
    app.post(path, async (request, reply) => {
      const stopTimer = context.metrics.requestDuration.startTimer({ receiver, signal });
      try {
        return await handle(request, reply, signal);
      } finally {
        stopTimer();
      }
    });
  }

  async function handle(request: FastifyRequest, reply: FastifyReply, signal: Signal) {
    const encoding = encodingOf(request);
    const count = (code: number) => context.metrics.requests.inc({ receiver, signal, code: String(code) });
    if (!encoding) {
      context.metrics.refusedRequests.inc({ receiver, signal, reason: 'unsupported_media_type' });
      count(415);
      const got = mediaType(request) || 'no Content-Type';
      return sendStatus(
        reply,
        'json',
        415,
        RpcCode.INVALID_ARGUMENT,
        `unsupported content type '${got}'; send application/x-protobuf or application/json`,
      );
    }
    let body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    try {
      body = await decompressBody(
        body,
        request.headers['content-encoding'],
        options.maxDecompressedBytes,
        'receivers.otlp.http.maxDecompressedBytes',
      );
    } catch (error) {
      if (!(error instanceof RequestBodyError)) throw error;
      context.metrics.refusedRequests.inc({ receiver, signal, reason: error.reason });
      count(error.httpStatus);
      return sendStatus(reply, encoding, error.httpStatus, RpcCode.INVALID_ARGUMENT, error.message);
    }
    const decoder = DECODERS[signal][encoding];
    const outcome = ingest(
      context,
      signal,
      receiver,
      request.tenant ?? DEFAULT_TENANT,
      body.length,
      () => decoder(body),
      httpClientGone(request, reply),
    );
    switch (outcome.kind) {
      case 'abandoned':
        // Nobody reads this answer; it only ends the exchange (issue 12, defect 3).
        count(CLIENT_GONE_CODE);
        return reply.code(CLIENT_GONE_CODE).send();
      case 'malformed':
        count(400);
        return sendStatus(reply, encoding, 400, RpcCode.INVALID_ARGUMENT, outcome.message);
      case 'refused': {
        // 429 while the queue is full (retry soon); 503 while shutting down.
        const status = outcome.reason === 'queue_full' ? 429 : 503;
        count(status);
        reply.header('retry-after', String(outcome.retryAfterSeconds));
        return sendStatus(
          reply,
          encoding,
          status,
          status === 429 ? RpcCode.RESOURCE_EXHAUSTED : RpcCode.UNAVAILABLE,
          status === 429
            ? `pipeline queue is full; retry after ${outcome.retryAfterSeconds} s`
            : 'collector is shutting down; retry against another instance or later',
        );
      }
      case 'accepted': {
        count(200);
        const partial =
          outcome.rejected > 0 ? { rejected: outcome.rejected, message: outcome.rejectedMessage } : undefined;
        reply.code(200);
        if (encoding === 'protobuf') {
          return reply.type(PROTOBUF).send(Buffer.from(encodeExportResponseProtobuf(signal, partial)));
        }
        return reply.type(JSON_TYPE).send(encodeExportResponseJson(signal, partial));
      }
    }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant?: string;
  }
}
