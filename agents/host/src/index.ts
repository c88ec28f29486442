export {
  parseProcStat,
  cpuUtilisation,
  sumCpuTimes,
  CPU_MODES,
  USER_HZ,
  type CpuMode,
  type CpuTimes,
  type CpuStat,
  type CpuUtilisation,
} from './resources/cpu.ts';
export { parseMeminfo, type MemoryFigures } from './resources/memory.ts';
export { parseLoadavg, type LoadFigures } from './resources/load.ts';
export { parseNetDev, type NetworkDeviceCounters } from './resources/network.ts';
export {
  parseMounts,
  selectFilesystems,
  filesystemFigures,
  unescapeMountField,
  DEFAULT_FILESYSTEM_SELECTION,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  DEFAULT_FS_TYPES_EXCLUDE,
  DEFAULT_MOUNT_POINTS_EXCLUDE_PATTERN,
  DEFAULT_FS_TYPES_EXCLUDE_PATTERN,
  type MountEntry,
  type FilesystemSelection,
  type StatfsReading,
  type FilesystemFigures,
} from './resources/filesystems.ts';
export {
  createResourceReader,
  parseResourceFiles,
  type ResourceFiles,
  type ParsedResources,
  type ResourceSnapshot,
  type ResourceReader,
  type ResourceReaderOptions,
  type FilesystemError,
} from './resources/read-resources.ts';
export { resourceSamples, RESOURCE_METRICS, type ResourceSample } from './resources/resource-samples.ts';

// the agent: tailing, checkpoints, shipping, host metrics
export { startAgent, agentResource, AGENT_VERSION, type AgentOptions, type RunningAgent } from './agent.ts';
export { main, parseArgs } from './cli.ts';
export { parseAgentConfig, loadAgentConfig, AgentConfigError, formatProblem, type ConfigProblem } from './config/load.ts';
export { agentConfigSchema, type AgentConfig, type FileConfig } from './config/schema.ts';
export { parseDuration, parseSize } from './config/units.ts';
export { LineSplitter, utf8CutPoint, type SplitLine, type LineSplitterOptions } from './tail/line-splitter.ts';
export { fingerprintOf, fingerprintMatches, hashBytes, type Fingerprint } from './tail/fingerprint.ts';
export {
  decideRotation,
  decideResume,
  fileIdentity,
  type FileIdentity,
  type RotationDecision,
  type ResumeDecision,
  type TrackedView,
  type Observation,
} from './tail/rotation.ts';
export { expandGlob, globToRegExp, globProblem } from './tail/glob.ts';
export { TailManager, ackedEnds, type TailSource, type TailOptions, type TailEvents } from './tail/tail-manager.ts';
export { FileCursor, type TailLine, type LineSource } from './tail/tail-line.ts';
export { encodeCheckpoint, decodeCheckpoint, CheckpointDecodeError, CHECKPOINT_VERSION, type Checkpoint, type CheckpointEntry } from './checkpoint/checkpoint-codec.ts';
export { CheckpointStore, CHECKPOINT_FILE } from './checkpoint/checkpoint-store.ts';
export { lockDataDir } from './checkpoint/data-dir-lock.ts';
export { fullJitterDelay, parseRetryAfter, type BackoffPolicy } from './ship/backoff.ts';
export { nextStep, MAX_RETRY_AFTER_MS, type SendResult, type NextStep } from './ship/send-policy.ts';
export { LineBuffer, lineCost, type LineBufferLimits } from './ship/line-buffer.ts';
export { buildLogsData, LOG_ATTRIBUTES, type ScopeInfo } from './ship/log-records.ts';
export { createOtlpHttpClient, type OtlpHttpClient, type OtlpHttpClientOptions } from './ship/otlp-http-client.ts';
export { LogShipper, realClock, type AckPoint, type ShipperEvents, type ShipperOptions, type ShipperClock } from './ship/log-shipper.ts';
export { hostMetrics, buildMetricsData, HOST_METRIC_NAMES, type HostMetricTimes } from './metrics/host-metrics.ts';
export { selfMetricsToOtlp } from './metrics/self-metrics-otlp.ts';
export { createSelfMetrics, type SelfMetrics, type SelfMetricSources } from './metrics/self-metrics.ts';
export { startMetricsServer, type MetricsServer } from './metrics/metrics-server.ts';
export { createLogger, silentLogger, type Logger, type LogLevel } from './logger.ts';
