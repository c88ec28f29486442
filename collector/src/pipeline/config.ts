import { z } from 'zod';
import { durationSchema, sizeSchema } from '../core/units.ts';

/** `pipeline` in lookout.yaml: the bound of the queue between receivers and consumers, and log-record dedup. */
export const pipelineConfigSchema = z
  .strictObject({
    queue: z
      .strictObject({
        maxItems: z.number().int().positive().default(500_000).describe('spans + data points + log records waiting'),
        maxBytes: sizeSchema.default(256 * 1024 * 1024).describe('encoded bytes waiting'),
      })
      .prefault({}),
    admission: z
      .strictObject({
        maxInFlightBytes: sizeSchema
          .default(128 * 1024 * 1024)
          .describe('declared body bytes of HTTP ingest requests being read or decoded at once; over it, 429 before the body is read'),
        maxConcurrentRequests: z
          .number({ error: 'maxConcurrentRequests must be a whole number, e.g. 256' })
          .int('maxConcurrentRequests must be a whole number, e.g. 256')
          .min(1, 'maxConcurrentRequests must be at least 1')
          .default(32)
          .describe('ingest requests whose bodies have arrived and that are not yet answered, per listener (HTTP, gRPC); more get 429 / RESOURCE_EXHAUSTED before their body is read. One event loop decodes them all, so more only queue work and memory; requests still receiving their bodies do not count (the memory budget and minBodyBytesPerSecond bound those)'),
        maxEventLoopLag: durationSchema
          .default(2000)
          .describe('while the event loop has run later than this within the last second (the CPU is saturated), ingest gets 429 / RESOURCE_EXHAUSTED before its body is read, and /readyz says overloaded; 0 turns it off'),
      })
      .prefault({})
      .describe('admission before work: requests are refused from their headers when the queue or the in-flight budget is full'),
    durability: z
      .enum(['memory', 'disk'])
      .optional()
      .describe(
        'disk: a request is acknowledged only once its batch is in the write-ahead log under storage.dataDir (written and fdatasync\'ed), and every consumer replays from its cursor after a crash; memory: once it is in the in-memory queue (a crash loses what was queued). Default: disk when storage.dataDir is set in the file, memory otherwise',
      ),
    wal: z
      .strictObject({
        maxBytes: sizeSchema.default(512 * 1024 * 1024).describe('bytes of each signal\'s log at most; at the bound ingest answers 429 + Retry-After'),
        segmentBytes: sizeSchema.default(16 * 1024 * 1024).describe('a new segment file starts past this size; whole segments are deleted once every cursor passed them'),
        groupCommit: durationSchema.default(2).describe('appends within this window share one write and one fdatasync'),
        maxSyncWait: durationSchema
          .default(250)
          .describe(
            "while a batch appended now would wait longer than this for its write and fdatasync (the log's unsynced bytes at the disk's recent rate), ingest gets 429 / RESOURCE_EXHAUSTED before its body is read (reason disk_backlog) and /readyz says overloaded: a disk slower than the load builds no queue of waiting acknowledgements; 0 turns it off",
          ),
        exporterMaxLagBytes: sizeSchema
          .default(384 * 1024 * 1024)
          .describe('an exporter whose unsent entries pass this many bytes is cut loose (its cursor jumps past the oldest entries to where half this is left, the skipped items counted in lookout_wal_cursor_cut_items_total) so it never fills the log; keep it under maxBytes'),
      })
      .prefault({})
      .describe('the write-ahead log under storage.dataDir/wal (durability: disk)'),
    dedupLogRecordIds: z
      .number()
      .int()
      .min(0)
      .default(200_000)
      .describe(
        'how many recent log.record.uid values to remember per collector, so a batch a sender repeats after a crash is delivered once; 0 turns dedup off',
      ),
  })
  .prefault({});

export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
