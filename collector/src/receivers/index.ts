export { TenantAuthenticator, DEFAULT_TENANT, type TenantToken, type AuthResult } from './auth.ts';
export { ingest, type IngestContext, type IngestOutcome } from './ingest.ts';
export { otlpHttpReceiver, type OtlpHttpOptions } from './otlp-http.ts';
export { startOtlpGrpcReceiver, type RunningGrpcReceiver } from './otlp-grpc.ts';

export { logsConfigSchema, type LogsConfig, type LogsConfigInput } from './logs-config.ts';
export { registerLogReceiverMetrics, type LogReceiverMetrics } from './log-receiver-metrics.ts';
export {
  LOG_FORMAT_ATTRIBUTE,
  LogsBatchBuilder,
  LruCache,
  labelProblem,
  parseLabelList,
  parseLokiLabels,
  resourceFromLabels,
  streamKey,
} from './log-batch.ts';
export { LogStreams, type LogStreamsOptions } from './log-streams.ts';
export { rawLinesReceiver, streamOfRequest, RAW_LINES_PATH, type RawLinesOptions } from './raw-lines-http.ts';
export { lokiPushReceiver, snappyDecodedLength, LOKI_PUSH_PATH, type LokiPushOptions } from './loki-push.ts';
export { decodeLokiJson, decodeLokiProtobuf, LokiDecodeError, type LokiEntry, type LokiStream, type LokiPushRequest } from './loki-push-decode.ts';
export { startSyslogReceiver, type SyslogReceiverOptions, type RunningSyslogReceiver } from './syslog.ts';
