import type { RequestObservation } from '../model/request.ts';
import { splitTenantServiceKey, tenantServiceKey } from '../core/tenant.ts';
import { bucketIndex } from './duration-bounds.ts';
import { statusClassOf } from './http-semantics.ts';

/**
 * Many requests at once, already on this aggregator's bounds: what one data point of
 * an `http.server.request.duration` histogram contributes.
 */
export interface HistogramObservation {
  service: string;
  route: string;
  method: string;
  statusCode?: number;
  error: boolean;
  /** end of the interval the counts cover, ms since the epoch */
  endTimeMs: number;
  /** requests per bucket of `bounds` (last = +Inf), not cumulative */
  bucketCounts: ArrayLike<number>;
  count: number;
  sumSeconds: number;
  /** the tenant whose token sent it; absent for the default tenant */
  tenant?: string;
}

export interface RequestSeriesOptions {
  /** histogram upper bounds in seconds, ascending (+Inf implied) */
  bounds: readonly number[];
  maxRoutesPerService: number;
  /** a route unseen this long gives its slot (and its series) back */
  routeIdleMs: number;
  maxServices: number;
  /** error trace ids kept per service for alert annotations (default 32) */
  recentErrorsPerService?: number;
}

/** The label value that collects the routes (and services) over the bound. */
export const OTHER = 'other';

/** A recent request of one histogram bucket: its trace, duration and when it was counted. */
export interface BucketExemplar {
  traceId: string;
  durationSeconds: number;
  atMs: number;
}

/** One series: (service, route, method, status_class). Counts are float64, exact to 2^53. */
export class SeriesCell {
  count = 0;
  errors = 0;
  sumSeconds = 0;
  /** per bucket, not cumulative; last = +Inf */
  readonly buckets: Float64Array;
  /** the last traced request per bucket, for OpenMetrics exemplars; allocated on the first one */
  exemplars: Array<BucketExemplar | undefined> | undefined;

  constructor(
    readonly method: string,
    readonly statusClass: string,
    bucketCount: number,
  ) {
    this.buckets = new Float64Array(bucketCount);
  }
}

class RouteSlot {
  readonly cells = new Map<string, SeriesCell>();
  /** the last cell used: consecutive requests of a route mostly share method and status */
  last: SeriesCell | undefined;
  constructor(public lastSeenMs: number) {}
}

class ServiceState {
  readonly routes = new Map<string, RouteSlot>();
  other: RouteSlot | undefined;
  /** requests counted under route="other" since this service appeared */
  folded = 0;
  nextIdleScanMs = 0;
  readonly recentErrors: string[] = [];
  recentErrorsNext = 0;
  constructor(public lastSeenMs: number) {}
}

/** How often (at most) a full service/route table looks for idle entries to release. */
const IDLE_SCAN_INTERVAL_MS = 1000;

/**
 * Request counters and latency histograms per (service, route, method, status_class),
 * with a cardinality guard: at most `maxRoutesPerService` routes per service and
 * `maxServices` services; over the bound, new routes (services) are counted under
 * `other` until an idle one gives its slot back. The service bound is per tenant (issue
 * 12): one tenant's many services fold into its own `other`, never another tenant's
 * slots. Pure state: the clock comes in as `nowMs`.
 */
export class RequestSeries {
  readonly bounds: readonly number[];
  private readonly services = new Map<string, ServiceState>();
  /** per tenant ('' = default): its services kept, and its `other` with what it folded */
  private readonly tenants = new Map<string, { services: number; other: ServiceState | undefined; folded: number }>();
  private nextServiceScanMs = 0;
  private readonly recentErrorsPerService: number;

  constructor(private readonly options: RequestSeriesOptions) {
    this.bounds = options.bounds;
    this.recentErrorsPerService = options.recentErrorsPerService ?? 32;
  }

  /**
   * One request (or `count` identical ones). With `latencyKnown: false` (an access log
   * without a duration field) it counts in requests and errors but not in the histogram.
   */
  observe(observation: RequestObservation, nowMs: number, latencyKnown = true): void {
    const count = observation.count ?? 1;
    const service = this.service(tenantServiceKey(observation.service, observation.tenant), nowMs, count);
    const cell = this.cell(service, observation.route, observation.method, statusClassOf(observation.statusCode, observation.error), nowMs, count);
    cell.count += count;
    const traceId = observation.traceId;
    if (observation.error) {
      cell.errors += count;
      if (traceId) this.rememberError(service, traceId);
    }
    if (!latencyKnown) return;
    const duration = observation.durationSeconds;
    const bucket = bucketIndex(this.bounds, duration);
    cell.buckets[bucket]! += count;
    cell.sumSeconds += duration * count;
    if (traceId) {
      const exemplars = (cell.exemplars ??= new Array<BucketExemplar | undefined>(this.bounds.length + 1));
      // reuse the bucket's object: no allocation per request once a bucket has one
      const kept = exemplars[bucket];
      if (kept) {
        kept.traceId = traceId;
        kept.durationSeconds = duration;
        kept.atMs = nowMs;
      } else exemplars[bucket] = { traceId, durationSeconds: duration, atMs: nowMs };
    }
  }

  /** Many requests whose durations are already bucketed on `bounds`. */
  observeHistogram(histogram: HistogramObservation, nowMs: number): void {
    if (histogram.count <= 0) return;
    const service = this.service(tenantServiceKey(histogram.service, histogram.tenant), nowMs, histogram.count);
    const cell = this.cell(service, histogram.route, histogram.method, statusClassOf(histogram.statusCode, histogram.error), nowMs, histogram.count);
    const counts = histogram.bucketCounts;
    for (let i = 0; i < cell.buckets.length; i++) cell.buckets[i]! += counts[i] ?? 0;
    cell.count += histogram.count;
    cell.sumSeconds += histogram.sumSeconds;
    if (histogram.error) cell.errors += histogram.count;
  }

  /** Keeps a failed request's trace id for a service without counting the request. */
  rememberErrorTrace(service: string, traceId: string, nowMs: number, tenant?: string): void {
    this.rememberError(this.service(tenantServiceKey(service, tenant), nowMs, 0), traceId);
  }

  /** The newest distinct error trace ids of a service (of a tenant), newest first. */
  recentErrorTraceIds(service: string, limit: number, tenant?: string): string[] {
    const state = this.services.get(tenantServiceKey(service, tenant));
    if (!state) return [];
    const ring = state.recentErrors;
    const out: string[] = [];
    for (let k = 1; k <= ring.length && out.length < limit; k++) {
      const id = ring[(state.recentErrorsNext - k + ring.length) % ring.length]!;
      if (!out.includes(id)) out.push(id);
    }
    return out;
  }

  /** Whether requests of the service (of the default tenant unless named) are counted under its own name (automatic SLOs wait for them). */
  hasService(name: string, tenant?: string): boolean {
    return this.services.has(tenantServiceKey(name, tenant));
  }

  /** Visits every series, for exposition; `tenant` is undefined for the default tenant. */
  forEachSeries(visit: (service: string, route: string, cell: SeriesCell, tenant: string | undefined) => void): void {
    const visitService = (key: string, state: ServiceState) => {
      const { service, tenant } = splitTenantServiceKey(key);
      for (const [route, slot] of state.routes) for (const cell of slot.cells.values()) visit(service, route, cell, tenant);
      if (state.other) for (const cell of state.other.cells.values()) visit(service, OTHER, cell, tenant);
    };
    for (const [key, state] of this.services) visitService(key, state);
    for (const [tenant, t] of this.tenants) if (t.other) visitService(tenantServiceKey(OTHER, tenant || undefined), t.other);
  }

  /** Requests counted under route="other" (or service="other"), per service key (tenantServiceKey). */
  foldedCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, state] of this.services) if (state.folded > 0) out.set(key, state.folded);
    for (const [tenant, t] of this.tenants) {
      const other = (t.other?.folded ?? 0) + t.folded;
      if (other > 0) out.set(tenantServiceKey(OTHER, tenant || undefined), other);
    }
    return out;
  }

  /** Number of series (for the bound's self-metric and tests). */
  get seriesCount(): number {
    let n = 0;
    this.forEachSeries(() => void n++);
    return n;
  }

  private rememberError(state: ServiceState, traceId: string): void {
    const ring = state.recentErrors;
    if (ring.length < this.recentErrorsPerService) ring.push(traceId);
    else ring[state.recentErrorsNext] = traceId;
    state.recentErrorsNext = (state.recentErrorsNext + 1) % this.recentErrorsPerService;
  }

  private service(name: string, nowMs: number, count: number): ServiceState {
    let state = this.services.get(name);
    if (state) {
      state.lastSeenMs = nowMs;
      return state;
    }
    const tenantName = splitTenantServiceKey(name).tenant ?? '';
    let tenant = this.tenants.get(tenantName);
    if (!tenant) {
      tenant = { services: 0, other: undefined, folded: 0 };
      this.tenants.set(tenantName, tenant);
    }
    if (tenant.services >= this.options.maxServices) this.releaseIdleServices(nowMs);
    if (tenant.services < this.options.maxServices) {
      state = new ServiceState(nowMs);
      this.services.set(name, state);
      tenant.services++;
      return state;
    }
    tenant.folded += count;
    return (tenant.other ??= new ServiceState(nowMs));
  }

  private cell(service: ServiceState, route: string, method: string, statusClass: string, nowMs: number, count: number): SeriesCell {
    const slot = this.route(service, route, nowMs, count);
    const last = slot.last;
    if (last !== undefined && last.method === method && last.statusClass === statusClass) return last;
    const key = method + ' ' + statusClass;
    let cell = slot.cells.get(key);
    if (!cell) {
      cell = new SeriesCell(method, statusClass, this.bounds.length + 1);
      slot.cells.set(key, cell);
    }
    slot.last = cell;
    return cell;
  }

  private route(service: ServiceState, route: string, nowMs: number, count: number): RouteSlot {
    let slot = service.routes.get(route);
    if (slot) {
      slot.lastSeenMs = nowMs;
      return slot;
    }
    const max = this.options.maxRoutesPerService;
    if (service.routes.size >= max) this.releaseIdleRoutes(service, nowMs);
    if (service.routes.size < max) {
      slot = new RouteSlot(nowMs);
      service.routes.set(route, slot);
      return slot;
    }
    service.folded += count;
    return (service.other ??= new RouteSlot(nowMs));
  }

  private releaseIdleRoutes(service: ServiceState, nowMs: number): void {
    if (nowMs < service.nextIdleScanMs) return;
    service.nextIdleScanMs = nowMs + IDLE_SCAN_INTERVAL_MS;
    const idleBefore = nowMs - this.options.routeIdleMs;
    for (const [route, slot] of service.routes) if (slot.lastSeenMs <= idleBefore) service.routes.delete(route);
  }

  private releaseIdleServices(nowMs: number): void {
    if (nowMs < this.nextServiceScanMs) return;
    this.nextServiceScanMs = nowMs + IDLE_SCAN_INTERVAL_MS;
    const idleBefore = nowMs - this.options.routeIdleMs;
    for (const [name, state] of this.services) {
      if (state.lastSeenMs > idleBefore) continue;
      this.services.delete(name);
      const tenant = this.tenants.get(splitTenantServiceKey(name).tenant ?? '');
      if (tenant) tenant.services--;
    }
  }
}
