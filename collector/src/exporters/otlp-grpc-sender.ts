import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { Signal } from '@lookout/otlp';
import type { SendOutcome } from './delivery-queue.ts';
import { decodePartialSuccess } from './otlp-response.ts';

const METHODS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/**
 * gRPC codes the OTLP specification calls retryable; RESOURCE_EXHAUSTED too (the
 * backend sheds load, as HTTP 429), without reading RetryInfo from the status details.
 */
const RETRYABLE: ReadonlySet<number> = new Set([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** A gRPC status code → the retry reason counted in self-metrics (status_unavailable, …). */
export function grpcReason(code: number): string {
  const name = (GrpcStatus as unknown as Record<number, string>)[code] ?? String(code);
  return `status_${name.toLowerCase()}`;
}

export interface OtlpGrpcSenderOptions {
  /** http://host:4317 (plaintext) or https://host:4317 (TLS) */
  endpoint: string;
  headers: Record<string, string>;
  ca?: Buffer;
  gzip: boolean;
}

/**
 * OTLP/gRPC unary Export calls with our own encoded bytes (no .proto loading, the same
 * encoders as OTLP/HTTP), one channel for the three services.
 */
export class OtlpGrpcSender {
  private readonly client: Client;
  private readonly metadata: Metadata;

  constructor(options: OtlpGrpcSenderOptions) {
    const url = new URL(options.endpoint);
    const target = `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 4317)}`;
    const channelCredentials = url.protocol === 'https:' ? credentials.createSsl(options.ca ?? null) : credentials.createInsecure();
    this.client = new Client(target, channelCredentials, options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
    this.metadata = new Metadata();
    for (const [name, value] of Object.entries(options.headers)) {
      const key = name.toLowerCase();
      if (key === 'content-type' || key === 'content-encoding' || key === 'user-agent') continue;
      this.metadata.set(key, value);
    }
  }

  send(signal: Signal, body: Uint8Array, timeoutMs: number): Promise<SendOutcome> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        METHODS[signal],
        (value) => value,
        (value) => value,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        this.metadata,
        { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null, answer?: Buffer) => {
          if (!error) {
            try {
              const partial = answer ? decodePartialSuccess(answer) : undefined;
              resolve(partial ? { kind: 'sent', rejected: partial.rejected, message: partial.message } : { kind: 'sent' });
            } catch {
              resolve({ kind: 'sent' });
            }
            return;
          }
          const detail = `gRPC ${GrpcStatus[error.code] ?? error.code}: ${error.details}`;
          if (RETRYABLE.has(error.code)) resolve({ kind: 'retry', reason: grpcReason(error.code), detail });
          else resolve({ kind: 'drop', reason: 'rejected', detail });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
