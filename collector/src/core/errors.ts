/**
 * The catalogue of refusals: every way a receiver turns a request down, with its HTTP
 * status, its gRPC status code, the `reason` label it counts under in
 * lookout_receiver_refused_*_total, and the message that tells the sender how to fix it.
 * Receivers name a refusal by its code; no status, reason or message is written twice.
 */

/** gRPC status codes (also google.rpc.Code in OTLP/HTTP Status bodies). */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

interface RefusalEntry<P> {
  httpStatus: number;
  grpcCode: number;
  /** the self-metric `reason` label */
  reason: string;
  /** what went wrong and how to fix it */
  message(params: P): string;
}

function entry<P = void>(httpStatus: number, grpcCode: number, reason: string, message: (params: P) => string): RefusalEntry<P> {
  return { httpStatus, grpcCode, reason, message };
}

/** Who sends to a receiver, as the auth messages name it. */
export type Sender = 'exporter' | 'client';

export const REFUSALS = {
  missing_token: entry<{ where: 'header' | 'metadata' }>(401, GrpcCode.UNAUTHENTICATED, 'unauthorized', ({ where }) =>
    where === 'header'
      ? 'missing Authorization header; send "Authorization: Bearer <tenant token>"'
      : 'missing authorization metadata; send "authorization: Bearer <tenant token>"',
  ),
  invalid_token: entry<{ sender: Sender }>(
    401,
    GrpcCode.UNAUTHENTICATED,
    'unauthorized',
    ({ sender }) => `invalid bearer token; check the tenant token the ${sender} sends`,
  ),
  body_too_large: entry<{ limit: number; configKey: string }>(
    413,
    GrpcCode.INVALID_ARGUMENT,
    'too_large',
    ({ limit, configKey }) => `request body is larger than ${limit} bytes (${configKey}); send smaller batches`,
  ),
  decompressed_too_large: entry<{ limit: number; configKey: string; announced?: number }>(
    413,
    GrpcCode.INVALID_ARGUMENT,
    'too_large',
    ({ limit, configKey, announced }) =>
      announced === undefined
        ? `body decompresses to more than ${limit} bytes (${configKey}); send smaller batches`
        : `body decompresses to ${announced} bytes, more than ${limit} (${configKey}); send smaller batches`,
  ),
  unsupported_media_type: entry<{ detail: string }>(415, GrpcCode.INVALID_ARGUMENT, 'unsupported_media_type', ({ detail }) => detail),
  unsupported_encoding: entry<{ detail: string }>(415, GrpcCode.INVALID_ARGUMENT, 'unsupported_encoding', ({ detail }) => detail),
  malformed: entry<{ detail: string }>(400, GrpcCode.INVALID_ARGUMENT, 'malformed', ({ detail }) => detail),
  bad_labels: entry<{ detail: string }>(400, GrpcCode.INVALID_ARGUMENT, 'bad_labels', ({ detail }) => detail),
  bad_format: entry<{ detail: string }>(400, GrpcCode.INVALID_ARGUMENT, 'bad_format', ({ detail }) => detail),
  queue_full: entry<{ retryAfterSeconds: number }>(
    429,
    GrpcCode.RESOURCE_EXHAUSTED,
    'queue_full',
    ({ retryAfterSeconds }) => `pipeline queue is full; retry after ${retryAfterSeconds} s`,
  ),
  tenant_quota: entry<{ tenant: string; limit: 'items' | 'bytes'; perSecond: number; retryAfterSeconds: number }>(
    429,
    GrpcCode.RESOURCE_EXHAUSTED,
    'tenant_quota',
    ({ tenant, limit, perSecond, retryAfterSeconds }) =>
      `tenant '${tenant}' is over its ingest quota of ${perSecond} ${limit} per second (receivers.otlp.auth.tenants[].quota); retry after ${retryAfterSeconds} s, send less, or raise the quota`,
  ),
  shutting_down: entry(503, GrpcCode.UNAVAILABLE, 'shutting_down', () => 'collector is shutting down; retry against another instance or later'),
  internal: entry(500, GrpcCode.INTERNAL, 'internal', () => 'internal error; see the collector log'),
} as const;

export type RefusalCode = keyof typeof REFUSALS;
type ParamsOf<C extends RefusalCode> = Parameters<(typeof REFUSALS)[C]['message']>[0];

/** Self-metric reasons that are not request refusals: items dropped inside an accepted request or later. */
export const DROP_REASONS = {
  invalidItem: 'invalid_item',
  consumerError: 'consumer_error',
  tooLarge: 'too_large',
  badFrame: 'bad_frame',
  connectionLimit: 'connection_limit',
} as const;

/** A refused request, thrown where it is found and answered by the receiver's error path. */
export class RefusalError extends Error {
  readonly httpStatus: number;
  readonly grpcCode: number;
  readonly reason: string;

  /** `httpStatus` overrides the catalogue's, for a 4xx that fastify itself raised */
  constructor(
    readonly code: RefusalCode,
    message: string,
    httpStatus?: number,
  ) {
    super(message);
    this.name = 'RefusalError';
    const known = REFUSALS[code];
    this.httpStatus = httpStatus ?? known.httpStatus;
    this.grpcCode = known.grpcCode;
    this.reason = known.reason;
  }
}

/** The refusal `code` with its catalogue message. */
export function refusal<C extends RefusalCode>(code: C, ...params: ParamsOf<C> extends void ? [] : [ParamsOf<C>]): RefusalError {
  const message = (REFUSALS[code].message as (p: ParamsOf<C> | undefined) => string)(params[0]);
  return new RefusalError(code, message);
}

/** The refusal for a queue that did not take a batch. */
export function queueRefusal(reason: 'queue_full' | 'shutting_down', retryAfterSeconds: number): RefusalError {
  return reason === 'queue_full' ? refusal('queue_full', { retryAfterSeconds }) : refusal('shutting_down');
}
