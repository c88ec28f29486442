/**
 * The SLI as the collector counts it: which requests of the request series it counts
 * and what makes one good. It is not an SLO spec's SLI (`SliDefinition` of
 * @lookout/alerts, a query or ratio in a spec file): the SLO runtime adapts those to
 * this, and `sli.definitions` in lookout.yaml are read straight into it.
 */
export interface RequestSli {
  /** stable id: the key of its rows in the SLI store and the `slo` label on /metrics */
  id: string;
  service: string;
  /** route template to match exactly (`/users/:id`); every route when absent */
  route?: string;
  /** HTTP method to match; every method when absent */
  method?: string;
  /**
   * the tenant whose requests it counts (issue 12): only requests sent with that
   * tenant's token; every tenant's when absent (no tenants, or an SLO for `*`)
   */
  tenant?: string;
  /** availability: good = not an error; latency: good = duration <= latencyThresholdSeconds */
  kind: 'availability' | 'latency';
  latencyThresholdSeconds?: number;
  /**
   * Further filter beyond exact route/method, on the request's series labels (route,
   * method, status_class), e.g. an SLO spec's regex matchers; every request when absent.
   */
  filter?: (labels: Readonly<Record<'route' | 'method' | 'status_class', string>>) => boolean;
}

/** Receives (good, total) for one SLI and one minute (minutes since the epoch). */
export type SliSink = (sliId: string, minute: number, good: number, total: number) => void;

/** (good, total) of one SLI over some minutes. */
export interface SliCounts {
  good: number;
  total: number;
}

/** One stored minute of one SLI. */
export interface SliMinute extends SliCounts {
  /** minutes since the Unix epoch (floor(ms / 60000)) */
  minute: number;
}
