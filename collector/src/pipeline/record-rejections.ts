import { Counter, type Registry } from 'prom-client';
import type { Signal } from '@lookout/otlp';

/**
 * Per-record rejection inside the queue's consumers (issue 12, defect 1). A batch is
 * acknowledged before any consumer sees it, so a consumer must never lose the whole
 * batch for one odd record: it checks each record, skips the ones it cannot use and
 * counts them here by reason, and isolates every record's work so that an unexpected
 * exception costs that record only.
 *
 * Reasons are a small fixed set (they are label values):
 * - `invalid_status_code`: an HTTP status that is not an integer in 100..599;
 * - `invalid_value`: a number that cannot be used (NaN, ±Infinity, negative count…);
 * - `record_error`: the consumer threw on this record (a bug: the error is logged).
 */
export type RejectionReason = 'invalid_status_code' | 'invalid_value' | 'record_error';

/** Counts one skipped record; `error` is the exception for `record_error`. */
export type RejectRecord = (reason: RejectionReason, error?: unknown) => void;

/** For pure code used without a collector (tests, tools): rejections are not counted. */
export const IGNORE_REJECTIONS: RejectRecord = () => {};

/**
 * Runs one record's work; an exception is turned into a `record_error` rejection of
 * that record, so the loop over the batch goes on. Returns false when it threw.
 */
export function isolateRecord(work: () => void, reject: RejectRecord): boolean {
  try {
    work();
    return true;
  } catch (error) {
    reject('record_error', error);
    return false;
  }
}

export interface RecordRejections {
  counter: Counter<'signal' | 'consumer' | 'reason'>;
  /** the reject function a consumer of `signal` registered as `consumer` is given */
  for(signal: Signal, consumer: string): RejectRecord;
}

export interface RecordRejectionsOptions {
  registry: Registry;
  /** told about `record_error` rejections, at most once per consumer per `logEveryMs` */
  logError(details: { signal: Signal; consumer: string; err: unknown; since: number }): void;
  now: () => number;
  logEveryMs?: number;
}

/** lookout_pipeline_rejected_records_total{signal, consumer, reason} and its reject functions. */
export function createRecordRejections(options: RecordRejectionsOptions): RecordRejections {
  const counter = new Counter({
    name: 'lookout_pipeline_rejected_records_total',
    help: 'Records of acknowledged batches a consumer skipped, by signal, consumer and reason (invalid_status_code, invalid_value, record_error). The other records of the batch were processed.',
    labelNames: ['signal', 'consumer', 'reason'],
    registers: [options.registry],
  });
  const logEveryMs = options.logEveryMs ?? 60_000;
  return {
    counter,
    for(signal, consumer) {
      let lastLogMs = Number.NEGATIVE_INFINITY;
      let sinceLog = 0;
      return (reason, error) => {
        counter.inc({ signal, consumer, reason });
        if (reason !== 'record_error') return;
        sinceLog++;
        const at = options.now();
        if (at - lastLogMs < logEveryMs) return;
        options.logError({ signal, consumer, err: error, since: sinceLog });
        lastLogMs = at;
        sinceLog = 0;
      };
    },
  };
}
