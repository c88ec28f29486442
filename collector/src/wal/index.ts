export { ENTRY_HEADER_BYTES, encodeEntry, entryHeader, MAX_ENTRY_PAYLOAD_BYTES, scanEntries } from './entry-codec.ts';
export type { ScanProblem, ScanResult, ScannedEntry } from './entry-codec.ts';
export { segmentFileName, WalClosedError, WalFullError, WriteAheadLog } from './write-ahead-log.ts';
export type { WalEntry, WalOptions, WalRecovery } from './write-ahead-log.ts';
export { BatchEntryError, decodeBatchEntry, encodeBatchEntry, encodeBatchEntryParts, readEntryHeader } from './batch-entry.ts';
export type { EntryHeader } from './batch-entry.ts';
export { CursorTracker, EntryIndex } from './cursor-tracker.ts';
export { DurablePipeline } from './durable-pipeline.ts';
export type { CursorKeeping, DurableConsumer, DurableConsumerOptions, DurableOffer, DurablePipelineOptions } from './durable-pipeline.ts';
