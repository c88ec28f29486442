import type { ComponentFactory } from '../component/component.ts';
import { notifyConfigSchema, type NotifyConfig } from './config.ts';
import { createNotifier, type Notifier, type NotifierOptions } from './notifier.ts';

export interface NotifierComponent {
  start(): void;
  shutdown(): Promise<void>;
  readonly notifier: Notifier;
}

/** How many receivers the config names; the notifier is built only when there is one. */
export function receiverCount(config: NotifyConfig): number {
  const r = config.receivers;
  return r.alertmanager.length + r.webhook.length + r.slack.length + r.pagerduty.length;
}

/**
 * Delivers alert notifications to Alertmanager, webhooks, Slack and PagerDuty through the
 * SQLite outbox under the data dir: written before sending, retried with full-jitter
 * backoff behind a breaker, deduplicated by key. Unsent rows wait for the next start.
 */
export interface NotifierLinks {
  /** send nothing until the cluster elects this collector (storage.backend: postgres) */
  standby?: boolean;
  /** every attempt, breaker transition and give-up (the cluster marks deliveries in PostgreSQL at once) */
  onEvent?: NotifierOptions['onEvent'];
}

export const notifierComponent: ComponentFactory<NotifyConfig, NotifierLinks, NotifierComponent> = {
  type: 'notifier',
  kind: 'exporter',
  consumes: [],
  produces: [],
  configSchema: notifyConfigSchema,
  create(context, config, links) {
    const notifier = createNotifier({
      config,
      dataDir: context.dataDir,
      registry: context.registry,
      logger: context.logger,
      clock: context.clock,
      ...(links.standby ? { standby: true } : {}),
      ...(links.onEvent ? { onEvent: links.onEvent } : {}),
    });
    return {
      notifier,
      start: () => notifier.start(),
      // closes the outbox's connection, which the alert state shares: the alerting stops first
      shutdown: () => notifier.stop(),
    };
  },
};
