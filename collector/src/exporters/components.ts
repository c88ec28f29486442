import type { ComponentFactory } from '../component/component.ts';
import { remainingMs } from '../component/component.ts';
import type { Batch } from '../model/telemetry.ts';
import { lokiExporterConfigSchema, type LokiExporterConfig } from './loki-config.ts';
import { LokiExporter } from './loki-exporter.ts';

export interface LokiExporterComponent {
  start(): void;
  shutdown(deadline: number): Promise<void>;
  consume(batch: Batch): void;
  readonly exporter: LokiExporter;
}

/** Pushes every log record to Loki; buffers and never blocks the queue. */
export const lokiExporterComponent: ComponentFactory<LokiExporterConfig, object, LokiExporterComponent> = {
  type: 'loki-exporter',
  kind: 'exporter',
  consumes: ['logs'],
  produces: [],
  configSchema: lokiExporterConfigSchema,
  create(context, config) {
    const exporter = new LokiExporter({ config, registry: context.registry, logger: context.logger, now: () => context.clock.now() });
    return {
      exporter,
      start() {},
      consume: (batch) => exporter.consume(batch as Batch<'logs'>),
      // at most 5 s: the last push must not hold the whole shutdown
      shutdown: (deadline) => exporter.close(Math.min(5000, remainingMs(context.clock, deadline))),
    };
  },
};
