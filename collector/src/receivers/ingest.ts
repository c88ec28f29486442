import { DROP_REASONS, REFUSALS } from '../core/errors.ts';
import type { Batch, Signal, SignalData } from '@lookout/otlp';
import type { BoundedQueue } from '../pipeline/bounded-queue.ts';
import type { SelfMetrics } from '../pipeline/self-metrics.ts';
import { OtlpDecodeError, type DecodeResult } from '@lookout/otlp';
import { dropRepeatedLogRecords, type RecentRecordIds } from '../pipeline/record-dedup.ts';
import type { ClientGone } from './client-gone.ts';

export type IngestOutcome =
  | { kind: 'accepted'; rejected: number; rejectedMessage: string }
  | { kind: 'malformed'; message: string }
  | { kind: 'refused'; reason: 'queue_full' | 'shutting_down'; retryAfterSeconds: number; items: number }
  /** the client went away before its batch was queued: nothing queued, nobody to answer */
  | { kind: 'abandoned'; items: number };

/** The HTTP-like code an abandoned request is counted under (nginx's "client closed request"). */
export const CLIENT_GONE_CODE = 499;

export interface IngestContext {
  queue: BoundedQueue;
  metrics: SelfMetrics;
  now: () => number;
  /** recent log.record.uid values; repeats are acknowledged but not delivered again */
  recentLogRecordIds?: RecentRecordIds;
  /**
   * Parses OTLP log records that are unparsed lines (receivers/otlp-log-lines.ts) in
   * place and returns the record count; undefined when the receiver's records are not
   * candidates (the log receivers parse their own lines).
   */
  parseLogLines?: (data: SignalData['logs'], receiver: string, tenant: string) => number | undefined;
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
): IngestOutcome {
  // Issue 12 (defect 3): no work, and above all no acknowledgement, for a client that left.
  if (clientGone?.()) {
    context.metrics.refusedRequests.inc({ receiver, signal, reason: 'client_gone' });
    return { kind: 'abandoned', items: 0 };
  }
  let decoded: DecodeResult<SignalData[S]>;
  try {
    decoded = decode();
  } catch (error) {
    if (error instanceof OtlpDecodeError) {
      context.metrics.refusedRequests.inc({ receiver, signal, reason: REFUSALS.malformed.reason });
      return { kind: 'malformed', message: error.message };
    }
    throw error;
  }
  const { metrics } = context;
  metrics.receivedItems.inc({ receiver, signal, tenant }, decoded.items + decoded.rejected);
  if (decoded.rejected > 0) metrics.refusedItems.inc({ receiver, signal, reason: DROP_REASONS.invalidItem }, decoded.rejected);
  if (signal === 'logs' && context.recentLogRecordIds && decoded.items > 0) {
    const repeated = dropRepeatedLogRecords(decoded.data as SignalData['logs'], tenant, context.recentLogRecordIds);
    if (repeated > 0) {
      metrics.duplicateItems.inc({ receiver, signal }, repeated);
      decoded = { ...decoded, items: decoded.items - repeated };
    }
  }
  // Issue 11: lines shipped as OTLP bodies (the host agent) get the raw-lines parsing.
  if (signal === 'logs' && context.parseLogLines && decoded.items > 0) {
    const items = context.parseLogLines(decoded.data as SignalData['logs'], receiver, tenant);
    if (items !== undefined) decoded = { ...decoded, items };
  }
  if (decoded.items === 0) {
    return { kind: 'accepted', rejected: decoded.rejected, rejectedMessage: decoded.rejectedMessage };
  }
  if (clientGone?.()) {
    // Gone while its body was decoded: its exporter will send it again.
    metrics.refusedItems.inc({ receiver, signal, reason: 'client_gone' }, decoded.items);
    metrics.refusedRequests.inc({ receiver, signal, reason: 'client_gone' });
    return { kind: 'abandoned', items: decoded.items };
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
  const offered = context.queue.offer(batch as unknown as Batch);
  if (!offered.accepted) {
    metrics.refusedItems.inc({ receiver, signal, reason: offered.reason }, decoded.items);
    metrics.refusedRequests.inc({ receiver, signal, reason: offered.reason });
    return { kind: 'refused', reason: offered.reason, retryAfterSeconds: offered.retryAfterSeconds, items: decoded.items };
  }
  metrics.acceptedItems.inc({ receiver, signal, tenant }, decoded.items);
  return { kind: 'accepted', rejected: decoded.rejected, rejectedMessage: decoded.rejectedMessage };
}
