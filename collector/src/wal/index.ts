export { ENTRY_HEADER_BYTES, encodeEntry, MAX_ENTRY_PAYLOAD_BYTES, scanEntries } from './entry-codec.ts';
export type { ScanProblem, ScanResult, ScannedEntry } from './entry-codec.ts';
export { segmentFileName, WalClosedError, WalFullError, WriteAheadLog } from './write-ahead-log.ts';
export type { WalEntry, WalOptions, WalRecovery } from './write-ahead-log.ts';
