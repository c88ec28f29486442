import { z } from 'zod';
import { durationSchema } from '../core/units.ts';
import type { RequestSli } from '../core/sli.ts';

/**
 * The `sli:` section of lookout.yaml: the SLI store (per-minute good/total in SQLite
 * under storage.dataDir) and SLIs defined directly in the config. SLIs that come from
 * SLO specs are added by the SLO runtime.
 */

const sliDefinitionSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'an SLI id is 1-128 letters, digits, dot, colon, dash or underscore, e.g. checkout-availability')
      .describe('stable id: the key of its rows in the store and the `slo` label of lookout_slo_events_total'),
    service: z.string().min(1, 'service is empty; write the service.name of the service it measures'),
    route: z.string().min(1).optional().describe('route template to match, e.g. /users/:id; every route when absent'),
    method: z.string().min(1).optional().describe('HTTP method to match; every method when absent'),
    kind: z.enum(['availability', 'latency']).describe('availability: good = not an error; latency: good = duration <= latencyThreshold'),
    latencyThreshold: durationSchema.optional().describe('for kind latency: e.g. 300ms or 1.5s'),
  })
  .superRefine((sli, ctx) => {
    if (sli.kind === 'latency' && !(sli.latencyThreshold && sli.latencyThreshold > 0))
      ctx.addIssue({ code: 'custom', path: ['latencyThreshold'], message: 'a latency SLI needs latencyThreshold, e.g. 300ms' });
    if (sli.kind === 'availability' && sli.latencyThreshold !== undefined)
      ctx.addIssue({ code: 'custom', path: ['latencyThreshold'], message: 'latencyThreshold applies to kind latency only; remove it or set kind: latency' });
  });

export const sliConfigSchema = z
  .strictObject({
    flushInterval: durationSchema
      .default(1000)
      .describe('how often buffered increments are written to SQLite; at most this much is lost on a crash'),
    retention: durationSchema
      .default(35 * 86_400_000)
      .describe('per-minute buckets older than this are deleted; keep it longer than the longest SLO period'),
    definitions: z
      .array(sliDefinitionSchema)
      .default([])
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((sli, i) => {
          if (seen.has(sli.id))
            ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `SLI id '${sli.id}' is used twice; ids must be unique` });
          seen.add(sli.id);
        });
      })
      .describe('SLIs counted from the request series'),
  })
  .prefault({});

export type SliConfig = z.output<typeof sliConfigSchema>;
export type SliConfigInput = z.input<typeof sliConfigSchema>;

/** The config's SLIs in the form the request pipeline matches. */
export function sliDefinitionsFromConfig(config: SliConfig): RequestSli[] {
  return config.definitions.map((d) => ({
    id: d.id,
    service: d.service,
    ...(d.route !== undefined ? { route: d.route } : {}),
    ...(d.method !== undefined ? { method: d.method } : {}),
    kind: d.kind,
    ...(d.latencyThreshold !== undefined ? { latencyThresholdSeconds: d.latencyThreshold / 1000 } : {}),
  }));
}
