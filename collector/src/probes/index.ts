export {
  probesConfigSchema,
  type ProbesConfig,
  type ProbesConfigInput,
  type TlsTargetConfig,
  type HttpTargetConfig,
  type PostgresTargetConfig,
} from './config.ts';
export { probeTls, type TlsProbeTarget, type TlsProbeResult } from './tls-probe.ts';
export {
  walkPeerChain,
  earliestNotAfter,
  daysLeft,
  verificationOf,
  parseCertificateTime,
  formatDistinguishedName,
  type ChainCertificate,
  type Verification,
  type VerificationInput,
} from './tls-chain.ts';
export { probeHttp, judgeHttpResponse, compileBodyPattern, type HttpProbeTarget, type HttpProbeResult, type HttpJudgement } from './http-probe.ts';
export {
  probePostgres,
  describePostgresUrl,
  type PostgresProbeTarget,
  type PostgresProbeResult,
  type DatabaseSize,
} from './postgres-probe.ts';
export { ProbeAbortedError } from './probe-error.ts';
export {
  createScheduler,
  firstDelay,
  nextGap,
  DEFAULT_JITTER,
  type Scheduler,
  type ScheduledJob,
  type RunOutcome,
} from './scheduler.ts';
export { registerProbeMetrics, type ProbeMetrics, type ProbeMetricsOptions, type ProbeKind } from './probe-metrics.ts';
export { startProbes, type ProbeRunner, type ProbeRunnerOptions } from './probe-runner.ts';
