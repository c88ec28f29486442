import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { NotifyConfig } from './config.ts';
import { Dispatcher, type NotifyEvent } from './dispatcher.ts';
import { heartbeatEpisode, heartbeatNotification } from './heartbeat.ts';
import { registerNotifyMetrics } from './metrics.ts';
import { Outbox } from './outbox.ts';
import { receiverMatches, receiverTargets } from './receiver-targets.ts';
import { fetchTransport, type Transport } from './transport.ts';
import {
  parseAlertNotification,
  type AlertNotification,
} from './types.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { silentLogger, type Logger } from '../core/logger.ts';

/** File name of the outbox inside the data directory. */
export const OUTBOX_FILE = 'notify-outbox.sqlite';

export interface NotifierOptions {
  config: NotifyConfig;
  /** directory for the outbox database; created when missing */
  dataDir: string;
  /** self-metrics go here; a private registry when absent */
  registry?: Registry;
  logger?: Logger;
  clock?: Clock;
  transport?: Transport;
  /** every attempt, breaker transition and give-up, for tests and tracing */
  onEvent?: (event: NotifyEvent) => void;
  /** start() sends nothing until resume() (a cluster follower: only the leader sends) */
  standby?: boolean;
}

export interface EnqueueResult {
  /** receivers the notification was routed to */
  receivers: string[];
  /** rows written; fewer than receivers when it was enqueued before */
  created: number;
}

export interface Notifier {
  /**
   * Validates the notification and writes it to the outbox for every matching
   * receiver. Once this returns, the notification survives a crash. Idempotent.
   */
  notify(notification: AlertNotification): EnqueueResult;
  /** starts sending (resuming what a previous run left undelivered) and the heartbeat */
  start(): void;
  /** stops sending; requests in flight are aborted and stay pending for the next start */
  stop(): Promise<void>;
  /**
   * stops sending and the heartbeat, the outbox staying open (a cluster leader stepping
   * down); requests in flight end on their own (within notify.timeout) and are recorded
   */
  pause(): Promise<void>;
  /** sends (and beats) again after pause() or a standby start */
  resume(): void;
  pending(): Map<string, number>;
  readonly outbox: Outbox;
  readonly dispatcher: Dispatcher;
  readonly receivers: readonly string[];
}

export function createNotifier(options: NotifierOptions): Notifier {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const targets = receiverTargets(config);
  const names = targets.map((t) => t.name);
  const outbox = Outbox.open(join(options.dataDir, OUTBOX_FILE));
  const metrics = registerNotifyMetrics(options.registry ?? new Registry(), names, () => outbox.pendingCounts());
  const dispatcher = new Dispatcher({
    outbox,
    receivers: targets,
    settings: {
      baseDelayMs: config.retry.baseDelay,
      maxDelayMs: config.retry.maxDelay,
      timeoutMs: config.timeout,
      breaker: { failureThreshold: config.breaker.failureThreshold, coolDownMs: config.breaker.coolDown },
      retentionMs: config.retention,
    },
    clock,
    transport: options.transport ?? fetchTransport,
    metrics,
    logger,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });

  let state: 'new' | 'running' | 'stopped' = 'new';
  let heartbeatTimer: unknown;
  let sending = false;
  const startSending = () => {
    if (sending || state !== 'running') return;
    sending = true;
    dispatcher.start();
    if (config.heartbeat) beat(clock.now());
  };
  const stopSending = async (inFlight: 'abort' | 'finish') => {
    sending = false;
    if (heartbeatTimer !== undefined) clock.clearTimer(heartbeatTimer);
    heartbeatTimer = undefined;
    await dispatcher.stop({ inFlight });
  };

  function enqueue(notification: AlertNotification, receivers: typeof targets, maxAgeMs: number, episode?: string): EnqueueResult {
    const rows = outbox.enqueue(
      notification,
      receivers.map((t) => ({ receiver: t.name, resend: t.resendIntervalMs !== undefined })),
      { now: clock.now(), maxAgeMs, ...(episode !== undefined ? { episode } : {}) },
    );
    for (const row of rows) metrics.enqueued(row.receiver);
    if (rows.length > 0) dispatcher.wake();
    return { receivers: receivers.map((t) => t.name), created: rows.length };
  }

  function beat(startedAt: number): void {
    const heartbeat = config.heartbeat!;
    const now = clock.now();
    const target = targets.find((t) => t.name === heartbeat.receiver)!;
    try {
      // a heartbeat older than one interval proves nothing; it expires then
      enqueue(heartbeatNotification(startedAt, heartbeat.labels, config.externalURL), [target], heartbeat.interval, heartbeatEpisode(now));
    } catch (error) {
      logger.error({ receiver: heartbeat.receiver, err: (error as Error).message }, 'cannot enqueue the heartbeat');
    }
    if (sending) heartbeatTimer = clock.setTimer(() => beat(startedAt), heartbeat.interval);
  }

  return {
    outbox,
    dispatcher,
    receivers: names,
    notify(notification) {
      if (state === 'stopped') throw new Error('notify() after stop(): the notifier is closed; create a new one');
      const valid = parseAlertNotification(notification);
      const matching = targets.filter((t) => receiverMatches(t, valid.labels));
      if (matching.length === 0) {
        logger.debug({ alertname: valid.labels.alertname, status: valid.status }, 'no receiver matches this notification');
        return { receivers: [], created: 0 };
      }
      return enqueue(valid, matching, config.retry.maxAge);
    },
    start() {
      if (state !== 'new') return;
      state = 'running';
      if (!options.standby) startSending();
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      await stopSending('abort');
      outbox.close();
    },
    // what is already on its way ends on its own and is recorded (see Dispatcher.stop)
    pause: () => stopSending('finish'),
    resume: startSending,
    pending: () => outbox.pendingCounts(),
  };
}
