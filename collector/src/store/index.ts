export { sliConfigSchema, sliDefinitionsFromConfig, type SliConfig, type SliConfigInput } from './config.ts';
export {
  SliStore,
  type SliStoreOptions,
  type SliCounts,
  type SliMinute,
  type FlushResult,
  type DroppedIncrements,
} from './sli-store.ts';
export type { SliBucketStore } from './sli-store-api.ts';
export { registerSliStoreMetrics, type SliStoreMetrics } from './sli-store-metrics.ts';
export {
  AlertStateStore,
  type AlertStateRow,
  type AlertStateSource,
  type StoredEpisode,
  type UnreadableAlertStateRow,
} from './alert-state-store.ts';
