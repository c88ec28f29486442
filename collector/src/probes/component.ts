import type { ComponentFactory } from '../component/component.ts';
import { remainingMs } from '../component/component.ts';
import { probesConfigSchema, type ProbesConfig } from './config.ts';
import { registerProbeMetrics, type ProbeMetrics } from './probe-metrics.ts';
import { startProbes, type ProbeRunner } from './probe-runner.ts';

export interface ProbesLinks {
  /** where outcomes go besides the registry (threshold alerts read them) */
  tee?: (metrics: ProbeMetrics) => ProbeMetrics;
}

export function probeCount(config: ProbesConfig): number {
  return config.tls.length + config.http.length + config.postgres.length;
}

/** TLS, HTTP and PostgreSQL probes on their intervals; results as metrics and threshold readings. */
export const probesComponent: ComponentFactory<ProbesConfig, ProbesLinks> = {
  type: 'probes',
  kind: 'probe',
  consumes: [],
  produces: ['metrics'],
  configSchema: probesConfigSchema,
  create(context, config, links) {
    const metrics = registerProbeMetrics(context.registry, { now: () => context.clock.now() });
    let runner: ProbeRunner | undefined;
    return {
      start() {
        runner = startProbes(config, links.tee ? links.tee(metrics) : metrics, { log: context.logger });
      },
      // running probes are aborted; 2 s at most for them to settle
      shutdown: (deadline) => runner?.stop(Math.min(2000, remainingMs(context.clock, deadline))),
    };
  },
};
