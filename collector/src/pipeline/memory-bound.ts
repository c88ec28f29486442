/**
 * The bound on the collector's resident memory that its configuration sets (issue 12,
 * defect 4), pure. Every term is a limit the collector enforces before it allocates:
 *
 *   RSS ≤ idle RSS
 *       + 64 MiB                          V8 and GC headroom (garbage between collections)
 *       + maxConnections × 32 KiB         a socket, its buffers and its parser (headers ≤ 16 KiB)
 *       + 4 × maxInFlightBytes            bodies being read (admission charges each its
 *                                         declared length): the chunks, the joined body,
 *                                         and decoding's transient copies
 *       + 2 × maxDecompressedBytes        a gzip body being inflated (large bodies inflate
 *                                         off the loop; the in-flight budget still counts
 *                                         their compressed length)
 *       + 16 × queue.maxBytes             decoded batches waiting: JS objects cost up to
 *                                         ~16× the protobuf/JSON bytes the queue counts
 *
 * The factors are upper bounds measured with test/receiver-overload-bound.test.ts (which
 * checks the peak RSS against this bound under 10× overload); stores (SLI store, outbox,
 * recent traces) and exporters' bounded buffers come on top with their own limits.
 */
export interface MemoryBoundInputs {
  maxConnections: number;
  maxInFlightBytes: number;
  maxDecompressedBytes: number;
  queueMaxBytes: number;
}

const MIB = 1024 * 1024;

export function rssBoundBytes(inputs: MemoryBoundInputs, idleRssBytes: number): number {
  return (
    idleRssBytes +
    64 * MIB +
    inputs.maxConnections * 32 * 1024 +
    4 * inputs.maxInFlightBytes +
    2 * inputs.maxDecompressedBytes +
    16 * inputs.queueMaxBytes
  );
}
