export {
  slosConfigSchema,
  thresholdAlertsConfigSchema,
  type SlosConfig,
  type SlosConfigInput,
  type ThresholdAlertsConfig,
  type ThresholdAlertsConfigInput,
} from './config.ts';
export { SloFilesError, loadSloFiles, readSpecFiles, resolveSpecPaths, segmentPattern, type LoadedSloFiles } from './spec-files.ts';
export { adaptSli, adaptSlos, type AdaptedSlos, type SliAdaptation } from './sli-adapter.ts';
export { SettledWindowIndex } from './settled-window-index.ts';
export { ErrorLogRing, type ErrorLogRingOptions } from './error-log-ring.ts';
export { closeEpisode, enrichAnnotations, expandLinkTemplate, openEpisode, type AlertEnrichment, type OpenEpisode } from './notifications.ts';
export {
  SloRuntime,
  type ErrorSamples,
  type SliBucketSource,
  type SloRuntimeOptions,
  type SloStatus,
} from './runtime.ts';
export { registerSloMetrics } from './slo-metrics.ts';
export {
  EMPTY_THRESHOLD_STATE,
  databaseConditions,
  growthPerDay,
  hostConditions,
  nextThresholdState,
  probeConditions,
  thresholdConditions,
  tlsConditions,
  type DatabaseReading,
  type DatabaseSizeSample,
  type DiskReading,
  type MemoryReading,
  type ProbeFailureReading,
  type ThresholdAlert,
  type ThresholdAlertState,
  type ThresholdCondition,
  type ThresholdReadingsSnapshot,
  type ThresholdSeverity,
  type ThresholdStep,
  type TlsReading,
} from './threshold-alerts.ts';
export { ThresholdReadings, type ThresholdReadingsOptions } from './threshold-readings.ts';
export { ThresholdRuntime, registerThresholdMetrics, retireThresholdAlerts, type ThresholdRuntimeOptions } from './threshold-runtime.ts';
export { AlertStateCommitter, resolveWithoutRule, type AlertStateCommitterOptions } from './alert-state-commit.ts';
export { readSloRow, restoreSloState, sloStateIdentity, sloStateRows, sloUnit, type SloEpisodes, type SloRowMachine } from './slo-state-rows.ts';
export {
  THRESHOLD_ALERTNAMES,
  carriedCondition,
  judgeRestored,
  readThresholdRow,
  thresholdIdentity,
  thresholdStateRow,
  type RestoredVerdict,
} from './threshold-state-rows.ts';
export { registerSloApi, type SloApiOptions } from './http-api.ts';
export { autoSlosProblem, createAlerting, planSlos, type Alerting, type AlertingOptions, type SloPlan } from './wiring.ts';
export { SLO_USAGE, runExportAuto, runSloCommand, type CliOutcome, type ExportAutoIo } from './cli-commands.ts';
export { ServiceSightings, resourceServiceName } from './service-sightings.ts';
export { AutoSloManager, type AutoOrigin, type AutoSloRegistration } from './auto-slo-manager.ts';
export { autoSettings, autoSloName, autoSpecYaml, learnThreshold, roundUpToBound, type AutoSettings } from './auto-slos.ts';
