import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ZodType } from 'zod';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Signal } from '@lookout/otlp';
import type { BoundedQueue } from '../pipeline/bounded-queue.ts';
import type { RecordRejections } from '../pipeline/record-rejections.ts';
import type { SelfMetrics } from '../pipeline/self-metrics.ts';
import type { Component, ComponentKind } from '../pipeline/graph.ts';

export type { Component, ComponentKind };

/**
 * The component contract. A component is a part of the pipeline (a receiver, a
 * processor, an exporter, probes, a store, the alerting): it has a type, the signals it
 * consumes and produces, a config schema with defaults beside its code, and a create()
 * that builds it on the shared ports of a ComponentContext without doing I/O yet. What
 * create() returns is started and shut down by the pipeline graph (pipeline/graph.ts).
 */

/** The shared ports every component is built on. */
export interface ComponentContext {
  clock: Clock;
  /** already a child logger named after the component */
  logger: Logger;
  /** the collector's Prometheus registry, served on /metrics */
  registry: Registry;
  /** the collector's own counters (received, refused, queue depth) */
  metrics: SelfMetrics;
  /** storage.dataDir: SQLite stores and checkpoints live here */
  dataDir: string;
  /** the bounded queue between receivers and everything after them */
  queue: BoundedQueue;
  /** the HTTP listener; routes are added in create(), before it listens */
  http: FastifyInstance;
  /** where a consumer counts a record it skipped (one bad record never costs its batch) */
  rejections: RecordRejections;
}

/**
 * A component type: the factory the composition root (collector.ts) calls. `Links` are
 * the other components it talks to directly (the SLO runtime reads the SLI store, say).
 */
export interface ComponentFactory<Config, Links, Built extends Component = Component> {
  /** the type name, used as the node id in the pipeline table */
  type: string;
  kind: ComponentKind;
  consumes: readonly Signal[];
  produces: readonly Signal[];
  /** validation and defaults of its config section; composed into config/schema.ts */
  configSchema: ZodType<Config>;
  create(context: ComponentContext, config: Config, links: Links): Built | Promise<Built>;
}

/** Milliseconds left until `deadline`, never negative. */
export function remainingMs(clock: Clock, deadline: number): number {
  return Math.max(0, deadline - clock.now());
}
