import type { MetricsData } from '@lookout/otlp';

/**
 * CPU busy share per host from `system.cpu.utilization` (the host agent and the OTel
 * host-metrics package): 1 − the idle mode's share. The threshold readings keep memory
 * and disks; CPU is only shown, not alerted on, so it lives here. Bounded in hosts.
 */
export class HostCpu {
  private readonly byHost = new Map<string, { share: number; atMs: number }>();

  constructor(private readonly maxHosts = 1000) {}

  consume(data: MetricsData, nowMs: number): void {
    for (const rm of data.resourceMetrics) {
      const attrs = rm.resource.attributes;
      const hostAttr = attrs['host.name'] ?? attrs['service.name'];
      if (typeof hostAttr !== 'string' || hostAttr === '') continue;
      for (const sm of rm.scopeMetrics) {
        for (const metric of sm.metrics) {
          if (metric.name !== 'system.cpu.utilization' || metric.data.type !== 'gauge') continue;
          let idle = 0;
          let total = 0;
          let atNs = 0n;
          for (const point of metric.data.dataPoints) {
            const value = typeof point.value === 'bigint' ? Number(point.value) : point.value;
            if (!Number.isFinite(value)) continue;
            total += value;
            const mode = point.attributes['cpu.mode'] ?? point.attributes['system.cpu.state'] ?? point.attributes.state;
            if (mode === 'idle') idle += value;
            if (point.timeUnixNano > atNs) atNs = point.timeUnixNano;
          }
          if (total <= 0) continue;
          if (!this.byHost.has(hostAttr) && this.byHost.size >= this.maxHosts) continue;
          // Shares of all modes add up to 1 per CPU; normalise in case points are per CPU.
          this.byHost.set(hostAttr, { share: 1 - idle / total, atMs: atNs > 0n ? Number(atNs / 1_000_000n) : nowMs });
        }
      }
    }
  }

  get hosts(): ReadonlyMap<string, { share: number; atMs: number }> {
    return this.byHost;
  }
}
