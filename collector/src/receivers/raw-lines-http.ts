import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveLogFormat, LOG_FORMATS, type LogFormat, type ParsedLine } from '../logs/index.ts';
import { DEFAULT_TENANT, type TenantAuthenticator } from './auth.ts';
import { ingest, whenDurable, type IngestContext } from './ingest.ts';
import { approximateBytes, labelProblem, LogsBatchBuilder, parseLabelList, resourceFromLabels, streamKey } from './log-batch.ts';
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
import { firstInvalidUtf8Line } from './utf8-body.ts';
import type { LogReceiverMetrics } from './log-receiver-metrics.ts';
import { markFormat, streamFormat, type LogStreams } from './log-streams.ts';
import { httpClientGone } from './client-gone.ts';

export const RAW_LINES_PATH = '/v1/logs/raw';
export const LABELS_HEADER = 'x-lookout-labels';
export const FORMAT_HEADER = 'x-lookout-format';

// a leading BOM (Windows editors) is not part of the first line
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface RawLinesOptions {
  context: IngestContext;
  streams: LogStreams;
  metrics: LogReceiverMetrics;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  auth?: TenantAuthenticator | undefined;
}

const TEXT_TYPES = new Set(['text/plain', '']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines']);

/** The stream a request names: labels from X-Lookout-Labels, then query parameters (which win), and a format. */
export function streamOfRequest(
  query: Record<string, unknown>,
  headers: Record<string, string | string[] | undefined>,
): { labels: Record<string, string>; format: LogFormat | undefined } {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const header = headers[LABELS_HEADER];
  if (header !== undefined) {
    const parsed = parseLabelList(Array.isArray(header) ? header.join(',') : header);
    if (typeof parsed === 'string') throw refusal('bad_labels', { detail: `X-Lookout-Labels: ${parsed}` });
    Object.assign(labels, parsed);
  }
  let formatName: string | undefined;
  const formatHeader = headers[FORMAT_HEADER];
  if (typeof formatHeader === 'string' && formatHeader.trim() !== '') formatName = formatHeader.trim();
  for (const [name, value] of Object.entries(query)) {
    const text = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
    if (name === 'format') formatName = text;
    else labels[name] = text;
  }
  const problem = labelProblem(labels, 'stream labels');
  if (problem) throw refusal('bad_labels', { detail: problem });
  let format: LogFormat | undefined;
  if (formatName !== undefined && formatName !== 'auto') {
    format = resolveLogFormat(formatName);
    if (format === undefined) {
      throw refusal('bad_format', {
        detail: `unknown log format '${formatName.slice(0, 64)}' (format parameter or X-Lookout-Format); use auto or one of ${LOG_FORMATS.join(', ')}`,
      });
    }
  }
  return { labels, format };
}

/**
 * Raw log lines over HTTP: `POST /v1/logs/raw?service=shop&format=access` with a
 * text/plain body (one line per record, stack traces joined) or application/x-ndjson
 * (one JSON object per line). One request is one stream: its labels come from the
 * query string or `X-Lookout-Labels: service=shop,env=prod`, its format from `format=`
 * or `X-Lookout-Format` (else the configured one, auto-detected per stream). Answers
 * 200 `{accepted, unparsed}` once the records are queued; lines that match no format are
 * kept as plain bodies and counted.
 */
export async function rawLinesReceiver(app: FastifyInstance, options: RawLinesOptions): Promise<void> {
  const { context, streams } = options;
  const receiver = 'raw-lines';
  const base: HttpReceiverContext = {
    context,
    auth: options.auth,
    maxBodyBytes: options.maxBodyBytes,
    receiver,
    bodyLimitKey: 'logs.raw.maxBodyBytes',
    sender: 'client',
    signalOf: () => 'logs',
    sendError: (reply, _request, error) => reply.code(error.httpStatus).type('application/json').send({ error: error.message }),
  };
  setUpHttpReceiver(app, base);

  postReceiverRoute(app, base, RAW_LINES_PATH, 'logs', handle);

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const type = mediaTypeOf(request);
    const ndjson = NDJSON_TYPES.has(type);
    if (!ndjson && !TEXT_TYPES.has(type)) {
      throw refusal('unsupported_media_type', {
        detail: `unsupported content type '${type}'; send text/plain (one log line per line) or application/x-ndjson (one JSON object per line)`,
      });
    }
    const { labels, format } = streamOfRequest(request.query as Record<string, unknown>, request.headers);
    if (ndjson && format !== undefined && format !== 'json') {
      throw refusal('bad_format', { detail: `an application/x-ndjson body is JSON; drop format=${format} or send text/plain` });
    }
    const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const body = await decompressBody(raw, request.headers['content-encoding'], options.maxDecompressedBytes, 'logs.raw.maxDecompressedBytes');
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      throw refusal('malformed', { detail: `line ${firstInvalidUtf8Line(body)} of the body is not valid UTF-8; send the log text in UTF-8` });
    }
    const tenant = request.tenant ?? DEFAULT_TENANT;
    const stream = streams.stream(tenant, labels, ndjson ? 'json' : format, ndjson);
    const builder = new LogsBatchBuilder('lookout.receiver.raw-lines');
    const key = streamKey(tenant, labels);
    const resource = () => resourceFromLabels(labels);
    const now = context.now();
    let unparsed = 0;
    let bytes = 0;
    const unparsedByFormat = new Map<string, number>();
    const take = (results: ParsedLine[]) => {
      for (const result of results) {
        if (!markFormat(result, stream)) {
          unparsed++;
          const format = streamFormat(stream);
          unparsedByFormat.set(format, (unparsedByFormat.get(format) ?? 0) + 1);
        }
        builder.add(key, resource, result.record);
      }
    };
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      if (line === '' || line === '\r') continue;
      bytes += approximateBytes(line);
      take(stream.push(line, now));
    }
    // A request is a whole unit: an entry still open at its end (a trace with no line
    // after it) is complete, since the records are acknowledged with this answer.
    take(stream.flush(now));
    for (const [format, n] of unparsedByFormat) options.metrics.unparsedLines.inc({ receiver, format }, n);

    const items = builder.items;
    let outcome = ingest(context, 'logs', receiver, tenant, Math.max(bytes, body.length), () => ({
      data: builder.take(),
      items,
      rejected: 0,
      rejectedMessage: '',
    }), httpClientGone(request, reply)); // issue 12: a client that left is not ingested
    outcome = await whenDurable(outcome, context, receiver, 'logs'); // issue 13: answered once on disk
    const refused = answerRefusal(base, request, reply, outcome);
    if (refused) return refused;
    countAccepted(base, request, 200);
    return reply.code(200).type('application/json').send({ accepted: items, unparsed });
  }
}
