import { DROP_REASONS, REFUSALS } from '../core/errors.ts';
import type { Batch, Signal, SignalData } from '@lookout/otlp';
import type { SelfMetrics } from '../pipeline/self-metrics.ts';
import { OtlpDecodeError, type DecodeResult } from '@lookout/otlp';
import { dropRepeatedLogRecords, type RecentRecordIds } from '../pipeline/record-dedup.ts';
import type { ClientGone } from './client-gone.ts';
import type { TenantQuotas, QuotaDecision } from './tenant-quota.ts';
import { queueRefusal, RefusalError, refusal } from '../core/errors.ts';

export type IngestOutcome =
  /** `durable`: under pipeline.durability disk, resolves once the batch is in the write-ahead log (answer after it) */
  | { kind: 'accepted'; rejected: number; rejectedMessage: string; durable?: Promise<void> }
  | { kind: 'malformed'; message: string }
  | { kind: 'refused'; reason: 'queue_full' | 'shutting_down'; retryAfterSeconds: number; items: number }
  /** the tenant is over its ingest quota (issue 12): `message` says which and how much */
  | { kind: 'refused'; reason: 'tenant_quota'; retryAfterSeconds: number; items: number; message: string }
  /** the client went away before its batch was queued: nothing queued, nobody to answer */
  | { kind: 'abandoned'; items: number };

/** The HTTP-like code an abandoned request is counted under (nginx's "client closed request"). */
export const CLIENT_GONE_CODE = 499;

/** Where accepted batches go: the bounded queue, or the write-ahead log (wal/durable-pipeline.ts). */
export interface BatchSink {
  offer(
    batch: Batch,
    requestBody?: Uint8Array,
  ): { accepted: true; durable?: Promise<void> } | { accepted: false; reason: 'queue_full' | 'shutting_down'; retryAfterSeconds: number };
}

export interface IngestContext {
  queue: BatchSink;
  metrics: SelfMetrics;
  now: () => number;
  /** recent log.record.uid values; repeats are acknowledged but not delivered again */
  recentLogRecordIds?: RecentRecordIds;
  /**
   * Parses OTLP log records that are unparsed lines (receivers/otlp-log-lines.ts) in
   * place and returns the record count; undefined when it changed nothing (the log
   * receivers parse their own lines; a request without unparsed lines).
   */
  parseLogLines?: (data: SignalData['logs'], receiver: string, tenant: string) => number | undefined;
  /** per-tenant items and bytes per second (issue 12); no tenant is limited when absent */
  quotas?: TenantQuotas;
}

/** The refusal a refused ingest outcome is answered with. */
export function refusalOfOutcome(outcome: Extract<IngestOutcome, { kind: 'refused' }>): RefusalError {
  return outcome.reason === 'tenant_quota' ? new RefusalError('tenant_quota', outcome.message) : queueRefusal(outcome.reason, outcome.retryAfterSeconds);
}

/** The outcome of a tenant over its quota. */
export function quotaRefusal(tenant: string, decision: Extract<QuotaDecision, { ok: false }>, items: number): IngestOutcome {
  const message = refusal('tenant_quota', { tenant, limit: decision.limit, perSecond: decision.perSecond, retryAfterSeconds: decision.retryAfterSeconds }).message;
  return { kind: 'refused', reason: 'tenant_quota', retryAfterSeconds: decision.retryAfterSeconds, items, message };
}

/**
 * The part every receiver shares: decode, count, offer to the queue. A request is
 * acknowledged only when the queue took it (DESIGN.md §3.2).
 */
export function ingest<S extends Signal>(
  context: IngestContext,
  signal: S,
  receiver: string,
  tenant: string,
  bytes: number,
  decode: () => DecodeResult<SignalData[S]>,
  clientGone?: ClientGone,
  /**
   * the OTLP protobuf body the batch is decoded from (the write-ahead log keeps it as is);
   * for logs it is dropped when the batch is changed after decoding (repeated records
   * dropped, unparsed lines parsed): decoding it again would not give the batch
   */
  requestBody?: Uint8Array,
): IngestOutcome {
  // Issue 12 (defect 3): no work, and above all no acknowledgement, for a client that left.
  const { metrics } = context;
  if (clientGone?.()) {
    metrics.refusedRequests.inc({ receiver, signal, reason: 'client_gone' });
    metrics.tenantRefusedRequests.inc({ tenant, reason: 'client_gone' });
    return { kind: 'abandoned', items: 0 };
  }
  // Issue 12: a tenant whose quota is spent costs no decoding.
  const spent = context.quotas?.check(tenant, bytes, context.now());
  if (spent && !spent.ok) {
    metrics.refusedRequests.inc({ receiver, signal, reason: 'tenant_quota' });
    metrics.tenantRefusedRequests.inc({ tenant, reason: 'tenant_quota' });
    return quotaRefusal(tenant, spent, 0);
  }
  let decoded: DecodeResult<SignalData[S]>;
  try {
    decoded = decode();
  } catch (error) {
    if (error instanceof OtlpDecodeError) {
      metrics.refusedRequests.inc({ receiver, signal, reason: REFUSALS.malformed.reason });
      metrics.tenantRefusedRequests.inc({ tenant, reason: REFUSALS.malformed.reason });
      return { kind: 'malformed', message: error.message };
    }
    throw error;
  }
  metrics.receivedItems.inc({ receiver, signal, tenant }, decoded.items + decoded.rejected);
  if (decoded.rejected > 0) metrics.refusedItems.inc({ receiver, signal, reason: DROP_REASONS.invalidItem }, decoded.rejected);
  if (signal === 'logs' && context.recentLogRecordIds && decoded.items > 0) {
    const repeated = dropRepeatedLogRecords(decoded.data as SignalData['logs'], tenant, context.recentLogRecordIds);
    if (repeated > 0) {
      metrics.duplicateItems.inc({ receiver, signal }, repeated);
      decoded = { ...decoded, items: decoded.items - repeated };
      requestBody = undefined;
    }
  }
  // Issue 11: lines shipped as OTLP bodies (the host agent) get the raw-lines parsing.
  if (signal === 'logs' && context.parseLogLines && decoded.items > 0) {
    const items = context.parseLogLines(decoded.data as SignalData['logs'], receiver, tenant);
    if (items !== undefined) {
      decoded = { ...decoded, items };
      requestBody = undefined;
    }
  }
  if (decoded.items === 0) {
    return { kind: 'accepted', rejected: decoded.rejected, rejectedMessage: decoded.rejectedMessage };
  }
  if (clientGone?.()) {
    // Gone while its body was decoded: its exporter will send it again.
    metrics.refusedItems.inc({ receiver, signal, reason: 'client_gone' }, decoded.items);
    metrics.refusedRequests.inc({ receiver, signal, reason: 'client_gone' });
    metrics.tenantRefusedRequests.inc({ tenant, reason: 'client_gone' });
    return { kind: 'abandoned', items: decoded.items };
  }
  const quota = context.quotas?.take(tenant, decoded.items, bytes, context.now());
  if (quota && !quota.ok) {
    metrics.refusedItems.inc({ receiver, signal, reason: 'tenant_quota' }, decoded.items);
    metrics.refusedRequests.inc({ receiver, signal, reason: 'tenant_quota' });
    metrics.tenantRefusedRequests.inc({ tenant, reason: 'tenant_quota' });
    return quotaRefusal(tenant, quota, decoded.items);
  }
  const batch: Batch<S> = {
    signal,
    data: decoded.data,
    items: decoded.items,
    bytes,
    tenant,
    receiver,
    receivedAtMs: context.now(),
  };
  const offered = context.queue.offer(batch as unknown as Batch, requestBody);
  if (!offered.accepted) {
    metrics.refusedItems.inc({ receiver, signal, reason: offered.reason }, decoded.items);
    metrics.refusedRequests.inc({ receiver, signal, reason: offered.reason });
    metrics.tenantRefusedRequests.inc({ tenant, reason: offered.reason });
    return { kind: 'refused', reason: offered.reason, retryAfterSeconds: offered.retryAfterSeconds, items: decoded.items };
  }
  metrics.acceptedItems.inc({ receiver, signal, tenant }, decoded.items);
  return {
    kind: 'accepted',
    rejected: decoded.rejected,
    rejectedMessage: decoded.rejectedMessage,
    ...(offered.durable ? { durable: offered.durable } : {}),
  };
}

/**
 * Waits until an accepted batch is durable (disk mode); a failed write becomes a refusal
 * (503, retry elsewhere or later), never an acknowledgement.
 */
export async function whenDurable(outcome: IngestOutcome, context: IngestContext, receiver: string, signal: Signal): Promise<IngestOutcome> {
  if (outcome.kind !== 'accepted' || !outcome.durable) return outcome;
  try {
    await outcome.durable;
    return outcome;
  } catch {
    context.metrics.refusedRequests.inc({ receiver, signal, reason: 'shutting_down' });
    return { kind: 'refused', reason: 'shutting_down', retryAfterSeconds: 5, items: 0 };
  }
}
