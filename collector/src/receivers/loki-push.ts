import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { uncompress } from 'snappyjs';
import { DEFAULT_TENANT, type TenantAuthenticator } from './auth.ts';
import { ingest, whenDurable, type IngestContext } from './ingest.ts';
import { approximateBytes, LogsBatchBuilder, resourceFromLabels, streamKey } from './log-batch.ts';
import { refusal } from '../core/errors.ts';
import {
  answerRefusal,
  countAccepted,
  mediaTypeOf,
  postReceiverRoute,
  setUpHttpReceiver,
  type HttpReceiverContext,
} from './http-receiver-context.ts';
import { decompressBody } from './request-body.ts';
import { isValidUtf8 } from './utf8-body.ts';
import type { LogReceiverMetrics } from './log-receiver-metrics.ts';
import { decodeLokiJson, decodeLokiProtobuf, LokiDecodeError, type LokiPushRequest } from './loki-push-decode.ts';
import { markFormat, streamFormat, type LogStreams } from './log-streams.ts';
import { httpClientGone } from './client-gone.ts';

export const LOKI_PUSH_PATH = '/loki/api/v1/push';

export interface LokiPushOptions {
  context: IngestContext;
  streams: LogStreams;
  metrics: LogReceiverMetrics;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  auth?: TenantAuthenticator | undefined;
}

/** The length a snappy block announces in its header (a varint), to refuse a bomb before inflating it. */
export function snappyDecodedLength(bytes: Uint8Array): number {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5 && i < bytes.length; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
    shift += 7;
  }
  return -1;
}

/**
 * The Loki push API, `POST /loki/api/v1/push`, so Promtail, Grafana Alloy and Docker's
 * Loki logging driver can ship to Lookout unchanged: snappy-compressed
 * logproto.PushRequest (`Content-Type: application/x-protobuf`) or JSON (optionally
 * gzip). Each stream's lines are parsed with that stream's format (auto-detected per
 * tenant + labels); the stream labels become resource attributes (service.name from
 * service_name/service/app/job), structured metadata becomes record attributes. Answers
 * 204 like Loki once the records are queued; errors are plain text, as Loki's are.
 */
export async function lokiPushReceiver(app: FastifyInstance, options: LokiPushOptions): Promise<void> {
  const { context, streams } = options;
  const receiver = 'loki-push';
  const base: HttpReceiverContext = {
    context,
    auth: options.auth,
    maxBodyBytes: options.maxBodyBytes,
    receiver,
    bodyLimitKey: 'logs.loki.maxBodyBytes',
    sender: 'client',
    signalOf: () => 'logs',
    sendError: (reply, _request, error) => reply.code(error.httpStatus).type('text/plain; charset=utf-8').send(error.message + '\n'),
  };
  setUpHttpReceiver(app, base);

  postReceiverRoute(app, base, LOKI_PUSH_PATH, 'logs', handle);

  async function decode(request: FastifyRequest): Promise<{ push: LokiPushRequest; bytes: number }> {
    const type = mediaTypeOf(request);
    const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const limit = options.maxDecompressedBytes;
    try {
      if (type === 'application/x-protobuf') {
        const coding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
        if (coding !== '' && coding !== 'snappy' && coding !== 'identity') {
          throw refusal('unsupported_encoding', { detail: `Content-Encoding '${coding}' is not supported for protobuf pushes; the body is snappy-compressed by itself` });
        }
        const announced = snappyDecodedLength(raw);
        if (announced > limit) {
          throw refusal('decompressed_too_large', { limit, configKey: 'logs.loki.maxDecompressedBytes', announced });
        }
        let plain: Uint8Array;
        try {
          plain = uncompress(raw, limit);
        } catch (error) {
          throw refusal('malformed', {
            detail: `body is not snappy block-format data (${(error as Error).message}); protobuf pushes are snappy-compressed logproto.PushRequest messages, as Promtail sends them`,
          });
        }
        return { push: decodeLokiProtobuf(plain), bytes: plain.length };
      }
      if (type === 'application/json') {
        const body = await decompressBody(raw, request.headers['content-encoding'], limit, 'logs.loki.maxDecompressedBytes');
        if (!isValidUtf8(body)) throw refusal('malformed', { detail: 'the JSON body is not valid UTF-8; send UTF-8' });
        return { push: decodeLokiJson(body.toString('utf8')), bytes: body.length };
      }
    } catch (error) {
      if (error instanceof LokiDecodeError) throw refusal('malformed', { detail: error.message });
      throw error;
    }
    throw refusal('unsupported_media_type', {
      detail: `unsupported content type '${type || 'none'}'; send application/x-protobuf (snappy-compressed logproto.PushRequest) or application/json`,
    });
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const { push, bytes } = await decode(request);
    const tenant = request.tenant ?? DEFAULT_TENANT;
    const builder = new LogsBatchBuilder('lookout.receiver.loki-push');
    const now = context.now();
    for (const { labels, entries } of push.streams) {
      if (entries.length === 0) continue;
      const stream = streams.stream(tenant, labels, undefined, true);
      const key = streamKey(tenant, labels);
      const resource = () => resourceFromLabels(labels);
      for (const entry of entries) {
        // Framed stream: one entry in, exactly one record out.
        const result = stream.push(entry.line, now)[0]!;
        if (!markFormat(result, stream)) options.metrics.unparsedLines.inc({ receiver, format: streamFormat(stream) });
        const record = result.record;
        // The line's own time when it has one; else the time the client gave the entry.
        if (record.timeUnixNano === 0n) record.timeUnixNano = entry.timeUnixNano;
        if (entry.metadata) for (const name of Object.keys(entry.metadata)) record.attributes[name] = entry.metadata[name]!;
        builder.add(key, resource, record);
      }
    }
    const items = builder.items;
    let outcome = ingest(context, 'logs', receiver, tenant, Math.max(bytes, items * approximateBytes('')), () => ({
      data: builder.take(),
      items,
      rejected: 0,
      rejectedMessage: '',
    }), httpClientGone(request, reply)); // issue 12: a client that left is not ingested
    outcome = await whenDurable(outcome, context, receiver, 'logs'); // issue 13: answered once on disk
    const refused = answerRefusal(base, request, reply, outcome);
    if (refused) return refused;
    countAccepted(base, request, 204);
    return reply.code(204).send();
  }
}
