export { acquireLease, fenced, LeaderElector, readLease, releaseLease, StaleEpochError } from './leader-lease.ts';
export type { ElectorClock, LeaderElectorOptions, LeaseAttempt, LeaseState } from './leader-lease.ts';
export { migrate, MIGRATIONS, SCHEMA_VERSION, SchemaTooNewError } from './migrations.ts';
export type { Migration, MigrationResult } from './migrations.ts';
export { addBuckets, pruneBuckets, readBuckets, readCursor, sumBuckets } from './sli-buckets.ts';
export type { BucketIncrement, CursorUpdate, SliCounts } from './sli-buckets.ts';
