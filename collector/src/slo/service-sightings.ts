import type { Attributes, Batch, LogsData, MetricsData, TracesData } from '@lookout/otlp';

/**
 * When the collector last received anything from each service: spans (server requests
 * or not), metrics (process, runtime, the host agent's) and logs, keyed by their
 * resource's service.name. The SLO runtime reads it to tell an idle service (still
 * reporting, no requests) from one that is gone (nothing arrives): only the second is
 * "no data". Pure: the caller passes the time with every batch.
 */

export interface ServiceSightingsOptions {
  /** services remembered; the one seen longest ago is forgotten beyond this (10,000 by default) */
  maxServices?: number;
}

/** resource service.name, or undefined when the resource has none (`unknown_service` is not a service one can be idle) */
export function resourceServiceName(attributes: Attributes): string | undefined {
  const name = attributes['service.name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export class ServiceSightings {
  /** service → last seen (ms); insertion order is recency (re-inserted on every sighting) */
  private readonly last = new Map<string, number>();
  private readonly max: number;
  private readonly listeners: Array<(service: string, attributes: Attributes, atMs: number) => void> = [];

  constructor(options: ServiceSightingsOptions = {}) {
    this.max = Math.max(1, options.maxServices ?? 10_000);
  }

  /** Called for every resource carrying service.name (auto SLOs discover services here). */
  onResource(listener: (service: string, attributes: Attributes, atMs: number) => void): void {
    this.listeners.push(listener);
  }

  /** Records that the service sent something at `atMs`. A later time never moves back. */
  see(service: string, atMs: number, attributes?: Attributes): void {
    const before = this.last.get(service);
    this.last.delete(service);
    this.last.set(service, before !== undefined && before > atMs ? before : atMs);
    if (this.last.size > this.max) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    if (attributes) for (const listener of this.listeners) listener(service, attributes, atMs);
  }

  /** Every resource of a batch of any signal, seen at `nowMs` (the time it arrived). */
  observe(batch: Batch, nowMs: number): void {
    const resources =
      batch.signal === 'traces'
        ? (batch.data as TracesData).resourceSpans
        : batch.signal === 'metrics'
          ? (batch.data as MetricsData).resourceMetrics
          : (batch.data as LogsData).resourceLogs;
    let previous: string | undefined;
    for (const entry of resources) {
      const attributes = entry.resource?.attributes;
      if (!attributes) continue;
      const service = resourceServiceName(attributes);
      if (service === undefined) continue;
      // consecutive resources of one service (one process's scopes) cost one update
      if (service === previous && this.listeners.length === 0) continue;
      previous = service;
      this.see(service, nowMs, attributes);
    }
  }

  /** ms since the epoch the service was last seen; undefined when never (or forgotten). */
  lastSeen(service: string): number | undefined {
    return this.last.get(service);
  }

  get size(): number {
    return this.last.size;
  }
}
