import { z } from 'zod';
import { sizeSchema } from '../core/units.ts';

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
      })
      .prefault({})
      .describe('admission before work: requests are refused from their headers when the queue or the in-flight budget is full'),
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
