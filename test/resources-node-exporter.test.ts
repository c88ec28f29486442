import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceReader,
  DEFAULT_FS_TYPES_EXCLUDE_PATTERN,
  DEFAULT_MOUNT_POINTS_EXCLUDE_PATTERN,
  resourceSamples,
  type ResourceSample,
  type ResourceSnapshot,
} from '../agents/host/src/index.ts';
import { findSamples, type Sample } from './helpers/exposition.ts';
import { nodeExporterAvailable, startNodeExporter, type NodeExporter } from './helpers/node-exporter.ts';

/**
 * The host agent's resource figures against node_exporter's on the same machine. Each
 * comparison reads Lookout's figures just before and just after node_exporter's scrape.
 *
 * Tolerances:
 * - counters (CPU seconds, network bytes) and the load average (it changes only every
 *   5 s): node_exporter's value lies between Lookout's before and after readings
 *   (± 1e-9 for float rounding);
 * - MemTotal, filesystem size and inode totals: equal;
 * - MemAvailable: within 2 % of MemTotal (other processes allocate in between);
 * - filesystem avail: within 1 % of the filesystem's size (other writers);
 * - the set of filesystems (with the same exclusion patterns) and CPUs: equal.
 */

const isLinux = process.platform === 'linux' && (() => {
  try {
    readFileSync('/proc/stat');
    return true;
  } catch {
    console.warn('SKIP: no /proc/stat; host resources are read from Linux procfs');
    return false;
  }
})();

const EPSILON = 1e-9;

function values(samples: ResourceSample[], name: string, labels: Record<string, string> = {}): ResourceSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function one(samples: ResourceSample[], name: string, labels: Record<string, string> = {}): number {
  const found = values(samples, name, labels);
  if (found.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}

function theirs(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = findSamples(samples, name, labels);
  if (found.length !== 1) throw new Error(`node_exporter: expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}

function expectBetween(value: number, a: number, b: number, what: string): void {
  const low = Math.min(a, b) - EPSILON;
  const high = Math.max(a, b) + EPSILON;
  expect(value >= low && value <= high, `${what}: node_exporter ${value} outside Lookout's [${a}, ${b}]`).toBe(true);
}

const fsKey = (labels: Record<string, string>) => `${labels.device} ${labels.mountpoint} ${labels.fstype}`;

describe.skipIf(!isLinux || !nodeExporterAvailable())('host resources agree with node_exporter', () => {
  let exporter: NodeExporter;
  let before: ResourceSnapshot;
  let after: ResourceSnapshot;
  let ours: ResourceSample[];
  let oursAfter: ResourceSample[];
  let node: Sample[];

  beforeAll(async () => {
    exporter = await startNodeExporter({
      args: [
        // Debian's build leaves `lo` out and excludes more mount points than upstream;
        // give it the agent's (upstream) rules so both look at the same things
        '--collector.netdev.device-exclude=',
        `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE_PATTERN}`,
        `--collector.filesystem.fs-types-exclude=${DEFAULT_FS_TYPES_EXCLUDE_PATTERN}`,
      ],
    });
    const reader = createResourceReader();
    await exporter.scrape(); // warm-up: first scrapes are slower
    before = await reader.read();
    node = await exporter.scrape();
    after = await reader.read();
    ours = resourceSamples(before);
    oursAfter = resourceSamples(after, before);
  });

  afterAll(async () => {
    await exporter?.stop();
  });

  it('CPU seconds per mode, summed over CPUs, lie between the two readings', () => {
    const modes = new Set(findSamples(node, 'node_cpu_seconds_total').map((s) => s.labels.mode!));
    expect([...modes].sort()).toEqual(['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user']);
    for (const mode of modes) {
      const total = findSamples(node, 'node_cpu_seconds_total', { mode }).reduce((sum, s) => sum + s.value, 0);
      // per-CPU values are rounded to 1/100 s; their sum may differ from the `cpu` line by that rounding
      const perCpuSlack = 0.01 * before.cpu.perCpu.size;
      expectBetween(
        total,
        one(ours, 'lookout_host_cpu_seconds_total', { mode }) - perCpuSlack,
        one(oursAfter, 'lookout_host_cpu_seconds_total', { mode }) + perCpuSlack,
        `cpu ${mode}`,
      );
      for (const [cpu, times] of before.cpu.perCpu)
        expectBetween(theirs(node, 'node_cpu_seconds_total', { cpu: String(cpu), mode }), times[mode], after.cpu.perCpu.get(cpu)![mode], `cpu${cpu} ${mode}`);
    }
    const cpus = new Set(findSamples(node, 'node_cpu_seconds_total').map((s) => s.labels.cpu));
    expect(one(ours, 'lookout_host_cpu_count')).toBe(cpus.size);
    const utilisation = one(oursAfter, 'lookout_host_cpu_utilization_ratio');
    expect(utilisation).toBeGreaterThanOrEqual(0);
    expect(utilisation).toBeLessThanOrEqual(1);
  });

  it('memory: total equal, available within 2 % of total', () => {
    const total = theirs(node, 'node_memory_MemTotal_bytes');
    expect(one(ours, 'lookout_host_memory_total_bytes')).toBe(total);
    const available = theirs(node, 'node_memory_MemAvailable_bytes');
    expect(Math.abs(one(ours, 'lookout_host_memory_available_bytes') - available)).toBeLessThanOrEqual(0.02 * total);
    expect(Math.abs(one(oursAfter, 'lookout_host_memory_available_bytes') - available)).toBeLessThanOrEqual(0.02 * total);
    expect(one(ours, 'lookout_host_swap_total_bytes')).toBe(theirs(node, 'node_memory_SwapTotal_bytes'));
  });

  it('load average is one of the two readings', () => {
    expectBetween(theirs(node, 'node_load1'), one(ours, 'lookout_host_load1'), one(oursAfter, 'lookout_host_load1'), 'load1');
    expectBetween(theirs(node, 'node_load5'), one(ours, 'lookout_host_load5'), one(oursAfter, 'lookout_host_load5'), 'load5');
    expectBetween(theirs(node, 'node_load15'), one(ours, 'lookout_host_load15'), one(oursAfter, 'lookout_host_load15'), 'load15');
  });

  it('the same filesystems, with equal sizes and inode totals and avail within 1 % of size', () => {
    const theirSizes = findSamples(node, 'node_filesystem_size_bytes');
    const ourSizes = values(ours, 'lookout_host_filesystem_size_bytes');
    expect(ourSizes.map((s) => fsKey(s.labels)).sort()).toEqual(theirSizes.map((s) => fsKey(s.labels)).sort());
    expect(ourSizes.length).toBeGreaterThan(0);
    const theirErrors = findSamples(node, 'node_filesystem_device_error').filter((s) => s.value === 1).map((s) => fsKey(s.labels));
    const ourErrors = values(ours, 'lookout_host_filesystem_device_error').filter((s) => s.value === 1).map((s) => fsKey(s.labels));
    expect(ourErrors.sort()).toEqual(theirErrors.sort());
    for (const size of theirSizes) {
      const labels = { device: size.labels.device!, mountpoint: size.labels.mountpoint!, fstype: size.labels.fstype! };
      expect(one(ours, 'lookout_host_filesystem_size_bytes', labels), `size of ${labels.mountpoint}`).toBe(size.value);
      expect(one(ours, 'lookout_host_filesystem_files', labels), `inodes of ${labels.mountpoint}`).toBe(theirs(node, 'node_filesystem_files', labels));
      const avail = theirs(node, 'node_filesystem_avail_bytes', labels);
      expect(Math.abs(one(ours, 'lookout_host_filesystem_avail_bytes', labels) - avail), `avail of ${labels.mountpoint}`).toBeLessThanOrEqual(
        0.01 * size.value,
      );
    }
    expect(findSamples(node, 'node_filesystem_size_bytes', { mountpoint: '/' })).toHaveLength(1);
  });

  it('network byte counters of every device, lo included, lie between the two readings', () => {
    const devices = findSamples(node, 'node_network_receive_bytes_total').map((s) => s.labels.device!);
    expect(devices).toContain('lo');
    expect(values(ours, 'lookout_host_network_receive_bytes_total').map((s) => s.labels.device).sort()).toEqual([...devices].sort());
    for (const device of devices) {
      for (const [mine, node_] of [
        ['lookout_host_network_receive_bytes_total', 'node_network_receive_bytes_total'],
        ['lookout_host_network_transmit_bytes_total', 'node_network_transmit_bytes_total'],
        ['lookout_host_network_receive_packets_total', 'node_network_receive_packets_total'],
      ] as const) {
        const low = one(ours, mine, { device });
        const high = one(oursAfter, mine, { device });
        expect(high, `${mine}{device=${device}} went backwards`).toBeGreaterThanOrEqual(low);
        expectBetween(theirs(node, node_, { device }), low, high, `${node_}{device=${device}}`);
      }
    }
    // the scrape itself went over lo: its counters moved
    expect(one(oursAfter, 'lookout_host_network_receive_bytes_total', { device: 'lo' })).toBeGreaterThan(
      one(ours, 'lookout_host_network_receive_bytes_total', { device: 'lo' }),
    );
  });
});
