import { readFileSync } from 'node:fs';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { refusal, REFUSALS } from '../core/errors.ts';
import type { Signal } from '@lookout/otlp';
import {
  decodeLogsProtobuf,
  decodeMetricsProtobuf,
  decodeTracesProtobuf,
  encodeExportResponseProtobuf,
} from '@lookout/otlp';
import { DEFAULT_TENANT, type TenantAuthenticator } from './auth.ts';
import { ingest, refusalOfOutcome, whenDurable, type IngestContext } from './ingest.ts';
import { grpcClientGone } from './client-gone.ts';
import type { AdmissionDecision } from './admission.ts';

export interface OtlpGrpcOptions {
  context: IngestContext;
  host: string;
  port: number;
  maxMessageBytes: number;
  auth?: TenantAuthenticator;
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  /** admission before decoding (issue 12): event-loop lag, concurrency, queue and memory */
  admission?: GrpcAdmission;
}

/** Admission as the gRPC receiver asks it: a message's size in, a decision out. */
export interface GrpcAdmission {
  /** `client`: who sends it (its authorization metadata, or its peer's address), for admission's fairness */
  admit(bytes: number, client?: string): AdmissionDecision;
  release(charge: number, client?: string, reserved?: boolean): void;
}

/** A call's client for admission's fairness: its authorization metadata, else its peer's address without the port. */
function clientOf(call: { metadata: Metadata; getPeer(): string }): string | undefined {
  const authorization = call.metadata.get('authorization')[0];
  if (typeof authorization === 'string') return authorization;
  const peer = call.getPeer();
  const port = peer.lastIndexOf(':');
  return port > 0 ? peer.slice(0, port) : peer || undefined;
}

const SERVICES: Array<{ signal: Signal; path: string }> = [
  { signal: 'traces', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export' },
  { signal: 'metrics', path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' },
  { signal: 'logs', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
];

const DECODERS = { traces: decodeTracesProtobuf, metrics: decodeMetricsProtobuf, logs: decodeLogsProtobuf } as const;

/** The response was already encoded by the handler; the serializer only passes bytes on. */
const passBytes = (value: Buffer) => value;
const identity = (value: Buffer) => value;

function serviceDefinition(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      // Decoding happens in the handler so that malformed input maps to INVALID_ARGUMENT
      // with our message instead of grpc-js's generic deserialization error.
      requestDeserialize: identity,
      requestSerialize: identity,
      responseSerialize: passBytes,
      responseDeserialize: identity,
    },
  };
}

export interface RunningGrpcReceiver {
  port: number;
  close(): Promise<void>;
}

/** OTLP/gRPC receiver: the three Export services, our own (de)serializers, no .proto loading. */
export async function startOtlpGrpcReceiver(options: OtlpGrpcOptions): Promise<RunningGrpcReceiver> {
  const { context, auth } = options;
  const receiver = 'otlp-grpc';
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });

  for (const { signal, path } of SERVICES) {
    const handler = async (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const stopTimer = context.metrics.requestDuration.startTimer({ receiver, signal });
      const finish = (code: number, error: { code: number; details: string; metadata?: Metadata } | null, response?: Buffer) => {
        context.metrics.requests.inc({ receiver, signal, code: String(code) });
        stopTimer();
        if (error) callback(error);
        else callback(null, response);
      };
      let tenant = DEFAULT_TENANT;
      if (auth) {
        const values = call.metadata.get('authorization');
        const result = auth.check(typeof values[0] === 'string' ? values[0] : undefined);
        if (!result.ok) {
          const error = result.reason === 'missing' ? refusal('missing_token', { where: 'metadata' }) : refusal('invalid_token', { sender: 'exporter' });
          context.metrics.refusedRequests.inc({ receiver, signal, reason: error.reason });
          finish(error.grpcCode, { code: error.grpcCode, details: error.message });
          return;
        }
        tenant = result.tenant;
      }
      const body = call.request;
      // Issue 12 (defect 2): refused before decoding when the collector is overloaded.
      const decision = options.admission?.admit(body.length, clientOf(call));
      if (decision && !decision.admitted) {
        context.metrics.refusedRequests.inc({ receiver, signal, reason: decision.reason });
        const metadata = new Metadata();
        metadata.set('retry-after', String(decision.retryAfterSeconds));
        finish(GrpcStatus.RESOURCE_EXHAUSTED, { code: GrpcStatus.RESOURCE_EXHAUSTED, details: decision.message, metadata });
        return;
      }
      let outcome: Awaited<ReturnType<typeof whenDurable>>;
      try {
        outcome = await whenDurable(
          ingest(context, signal, receiver, tenant, body.length, () => DECODERS[signal](body), grpcClientGone(call), body),
          context,
          receiver,
          signal,
        );
      } finally {
        if (decision) options.admission!.release(decision.charge, decision.admitted ? decision.client : undefined, decision.admitted ? decision.reserved : undefined);
      }
      switch (outcome.kind) {
        case 'abandoned':
          // Cancelled by the client before its batch was queued (issue 12, defect 3): not ingested.
          finish(GrpcStatus.CANCELLED, { code: GrpcStatus.CANCELLED, details: 'the client cancelled the call before its data was queued; nothing was ingested' });
          return;
        case 'malformed':
          finish(REFUSALS.malformed.grpcCode, { code: REFUSALS.malformed.grpcCode, details: outcome.message });
          return;
        case 'refused': {
          // RESOURCE_EXHAUSTED with RetryInfo is retryable for OTLP exporters; the
          // retry delay also goes in metadata for clients that read it.
          const metadata = new Metadata();
          metadata.set('retry-after', String(outcome.retryAfterSeconds));
          const error = refusalOfOutcome(outcome);
          finish(error.grpcCode, { code: error.grpcCode, details: error.message, metadata });
          return;
        }
        case 'accepted': {
          const partial =
            outcome.rejected > 0 ? { rejected: outcome.rejected, message: outcome.rejectedMessage } : undefined;
          finish(GrpcStatus.OK, null, Buffer.from(encodeExportResponseProtobuf(signal, partial)));
        }
      }
    };
    server.addService(serviceDefinition(path), { Export: handler });
  }

  const credentials = options.tls
    ? ServerCredentials.createSsl(
        options.tls.clientCaFile ? readFileSync(options.tls.clientCaFile) : null,
        [{ cert_chain: readFileSync(options.tls.certFile), private_key: readFileSync(options.tls.keyFile) }],
        Boolean(options.tls.clientCaFile),
      )
    : ServerCredentials.createInsecure();

  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, credentials, (error, boundPort) => {
      if (error) reject(new Error(`cannot listen for OTLP/gRPC on ${host}:${options.port}: ${error.message}; change receivers.otlp.grpc.port or stop what uses it`));
      else resolve(boundPort);
    });
  });

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
