import type { Logger as PinoLogger } from 'pino';
import { z } from 'zod';
import type { ComponentFactory } from '../component/component.ts';
import type { Batch, Signal } from '@lookout/otlp';
import type { Consumer } from '../pipeline/bounded-queue.ts';
import type { Alerting, SloPlan } from '../slo/index.ts';
import { createStatusPage, type ReadAuthorizer, type StatusPage, type StatusPageOptions } from './status-page.ts';

/** The status page has no options of its own yet; the key keeps a place for them. */
export const statusPageConfigSchema = z.strictObject({}).prefault({});

export interface StatusPageLinks {
  alerting: Alerting;
  plan: SloPlan;
  sliStore: StatusPageOptions['sliStore'];
  templateRoute: StatusPageOptions['templateRoute'];
  /** the collector's pino logger (the page names its own child) */
  logger: PinoLogger;
  authorize?: ReadAuthorizer;
}

export interface StatusPageComponent {
  readonly page: StatusPage;
  start(): void;
  shutdown(): void;
  consume(batch: Batch): Promise<void>;
}

/**
 * The status page at / and its JSON API (status/README.md): it keeps recent traces and
 * logs and host CPU from the queue, and reads the alerting and the SLI store.
 */
export const statusPageComponent: ComponentFactory<z.output<typeof statusPageConfigSchema>, StatusPageLinks, StatusPageComponent> = {
  type: 'status-page',
  kind: 'processor',
  consumes: ['traces', 'logs', 'metrics'],
  produces: [],
  configSchema: statusPageConfigSchema,
  create(context, _config, links) {
    const consumers: Record<Signal, Consumer[]> = { traces: [], logs: [], metrics: [] };
    const page = createStatusPage({
      http: context.http,
      register: (signal, _name, consume) => consumers[signal].push(consume),
      alerting: links.alerting,
      plan: links.plan,
      sliStore: links.sliStore,
      metrics: context.metrics,
      queueDepth: () => ({ items: context.queue.depthItems, bytes: context.queue.depthBytes }),
      dataDir: context.dataDir,
      templateRoute: links.templateRoute,
      now: () => context.clock.now(),
      logger: links.logger,
      ...(links.authorize ? { authorize: links.authorize } : {}),
    });
    return {
      page,
      start() {},
      shutdown: () => page.close(),
      // each store on its own: one failing never costs the others the batch
      async consume(batch) {
        let failure: unknown;
        for (const consume of consumers[batch.signal]) {
          try {
            await consume(batch);
          } catch (error) {
            failure ??= error;
          }
        }
        if (failure !== undefined) throw failure;
      },
    };
  },
};
