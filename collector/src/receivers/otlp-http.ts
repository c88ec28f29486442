import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Signal } from '@lookout/otlp';
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
} from '@lookout/otlp';
import { refusal } from '../core/errors.ts';
import { DEFAULT_TENANT, type TenantAuthenticator } from './auth.ts';
import {
  answerRefusal,
  countAccepted,
  mediaTypeOf,
  postReceiverRoute,
  setUpHttpReceiver,
  type HttpReceiverContext,
} from './http-receiver-context.ts';
import { ingest, whenDurable, type IngestContext } from './ingest.ts';
import { decompressBody } from './request-body.ts';
import { httpClientGone } from './client-gone.ts';

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

function encodingOf(request: FastifyRequest): Encoding | undefined {
  const type = mediaTypeOf(request);
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
  const { context } = options;
  const receiver = 'otlp-http';
  const base: HttpReceiverContext = {
    context,
    auth: options.auth,
    maxBodyBytes: options.maxBodyBytes,
    receiver,
    bodyLimitKey: 'receivers.otlp.http.maxBodyBytes',
    sender: 'exporter',
    signalOf: (request) => ROUTES.find((r) => request.url.startsWith(r.path))?.signal ?? 'traces',
    sendError: (reply, request, error) => sendStatus(reply, encodingOf(request) ?? 'json', error.httpStatus, error.grpcCode, error.message),
  };
  setUpHttpReceiver(app, base);

  for (const { path, signal } of ROUTES) postReceiverRoute(app, base, path, signal, (request, reply) => handle(request, reply, signal));

  async function handle(request: FastifyRequest, reply: FastifyReply, signal: Signal) {
    const encoding = encodingOf(request);
    if (!encoding) {
      const got = mediaTypeOf(request) || 'no Content-Type';
      throw refusal('unsupported_media_type', {
        detail: `unsupported content type '${got}'; send application/x-protobuf or application/json`,
      });
    }
    const body = await decompressBody(
      (request.body as Buffer | undefined) ?? Buffer.alloc(0),
      request.headers['content-encoding'],
      options.maxDecompressedBytes,
      'receivers.otlp.http.maxDecompressedBytes',
    );
    const decoder = DECODERS[signal][encoding];
    const outcome = await whenDurable(
      ingest(
        context,
        signal,
        receiver,
        request.tenant ?? DEFAULT_TENANT,
        body.length,
        () => decoder(body),
        httpClientGone(request, reply), // issue 12: a client that left is not ingested
        encoding === 'protobuf' ? body : undefined, // issue 13: logged as received (logs: unless ingest changed the batch)
      ),
      context,
      receiver,
      signal,
    );
    if (outcome.kind !== 'accepted') return answerRefusal(base, request, reply, outcome);
    countAccepted(base, request, 200);
    const partial = outcome.rejected > 0 ? { rejected: outcome.rejected, message: outcome.rejectedMessage } : undefined;
    reply.code(200);
    if (encoding === 'protobuf') return reply.type(PROTOBUF).send(Buffer.from(encodeExportResponseProtobuf(signal, partial)));
    return reply.type(JSON_TYPE).send(encodeExportResponseJson(signal, partial));
  }
}
