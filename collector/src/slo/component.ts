import { z } from 'zod';
import type { ComponentFactory } from '../component/component.ts';
import type { Batch } from '@lookout/otlp';
import { notifyConfigSchema } from '../notify/config.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { SliPipeline } from '../processors/sli-pipeline.ts';
import { slosConfigSchema, thresholdAlertsConfigSchema } from './config.ts';
import { createAlerting, type Alerting, type AlertingOptions, type SloPlan } from './wiring.ts';

/** The sections the alerting reads: SLOs, threshold alerts and where notifications go. */
export const alertingConfigSchema = z.strictObject({
  slos: slosConfigSchema,
  thresholdAlerts: thresholdAlertsConfigSchema,
  notify: notifyConfigSchema,
});

export type AlertingConfig = z.output<typeof alertingConfigSchema>;

export interface AlertingLinks {
  /** the SLO specs, read before the SLI pipeline was built */
  plan: SloPlan;
  /** the request series and SLI store it reads; undefined when requestSeries is off */
  sli: SliPipeline | undefined;
  /** where notifications go; undefined when no notify receiver is configured */
  notifier: Notifier | undefined;
  /** a cluster member (storage.backend: postgres): notifications are published through the lease holder's fenced writes */
  cluster?: AlertingOptions['cluster'];
}

export interface AlertingComponent {
  start(): void;
  shutdown(): Promise<void>;
  consume(batch: Batch): void;
  readonly alerting: Alerting;
}

/**
 * The SLO runtime and threshold alerts, handing notifications to the notifier. It takes error logs (sample lines for annotations) and host metrics (threshold
 * readings) from the queue, notes when each service last sent anything (any signal), reads the SLI store, and adds /api/v1/slos and /api/v1/alerts.
 */
export const alertingComponent: ComponentFactory<AlertingConfig, AlertingLinks, AlertingComponent> = {
  type: 'alerting',
  kind: 'alerting',
  consumes: ['logs', 'metrics', 'traces'],
  produces: [],
  configSchema: alertingConfigSchema,
  create(context, config, links) {
    const alerting = createAlerting({
      plan: links.plan,
      slos: config.slos,
      thresholds: config.thresholdAlerts,
      notify: config.notify,
      notifier: links.notifier,
      sli: links.sli,
      registry: context.registry,
      http: context.http,
      logger: context.logger,
      dataDir: context.dataDir,
      now: () => context.clock.now(),
      ...(links.cluster ? { cluster: links.cluster } : {}),
    });
    // one bad record is skipped and counted, never the batch (issue 12)
    const rejectErrorLog = context.rejections.for('logs', 'slo-error-logs');
    const rejectHostReading = context.rejections.for('metrics', 'threshold-host-readings');
    return {
      alerting,
      start: () => alerting.start(),
      consume(batch) {
        // every signal of a service says it is alive: idle is not "no data" (issue 15)
        alerting.sightings.observe(batch, context.clock.now());
        if (batch.signal === 'logs') alerting.errorLogs.consume((batch as Batch<'logs'>).data, rejectErrorLog, batch.tenant);
        else if (batch.signal === 'metrics') alerting.readings.hostMetrics((batch as Batch<'metrics'>).data, context.clock.now(), rejectHostReading);
      },
      shutdown: () => alerting.stop(),
    };
  },
};
