import { CPU_MODES, cpuUtilisation } from './cpu.ts';
import type { NetworkDeviceCounters } from './network.ts';
import type { ResourceSnapshot } from './read-resources.ts';

/** One metric value, ready for OTLP or the Prometheus text format. */
export interface ResourceSample {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Metric names of host resources: stable, documented in resources/README.md, and the
 * ones threshold alerts refer to (disk, memory). Counters keep their kernel meaning
 * (since boot); ratios are 0..1.
 */
export const RESOURCE_METRICS = {
  cpuSeconds: { name: 'lookout_host_cpu_seconds_total', type: 'counter', help: 'CPU time since boot, all CPUs together, by mode.' },
  cpuCount: { name: 'lookout_host_cpu_count', type: 'gauge', help: 'Online CPUs listed in /proc/stat.' },
  cpuUtilisation: {
    name: 'lookout_host_cpu_utilization_ratio',
    type: 'gauge',
    help: 'Share of CPU time busy (not idle, not iowait) between the last two readings, 0..1.',
  },
  memoryTotal: { name: 'lookout_host_memory_total_bytes', type: 'gauge', help: 'MemTotal from /proc/meminfo.' },
  memoryAvailable: { name: 'lookout_host_memory_available_bytes', type: 'gauge', help: 'MemAvailable: allocatable without swapping.' },
  memoryUsed: { name: 'lookout_host_memory_used_ratio', type: 'gauge', help: '1 - MemAvailable/MemTotal.' },
  swapTotal: { name: 'lookout_host_swap_total_bytes', type: 'gauge', help: 'SwapTotal from /proc/meminfo.' },
  swapFree: { name: 'lookout_host_swap_free_bytes', type: 'gauge', help: 'SwapFree from /proc/meminfo.' },
  load1: { name: 'lookout_host_load1', type: 'gauge', help: '1-minute load average.' },
  load5: { name: 'lookout_host_load5', type: 'gauge', help: '5-minute load average.' },
  load15: { name: 'lookout_host_load15', type: 'gauge', help: '15-minute load average.' },
  fsSize: { name: 'lookout_host_filesystem_size_bytes', type: 'gauge', help: 'Filesystem size: blocks x f_bsize.' },
  fsFree: { name: 'lookout_host_filesystem_free_bytes', type: 'gauge', help: 'Free bytes, including the root reserve.' },
  fsAvail: { name: 'lookout_host_filesystem_avail_bytes', type: 'gauge', help: 'Bytes available to unprivileged users.' },
  fsUsed: { name: 'lookout_host_filesystem_used_ratio', type: 'gauge', help: '1 - avail/size, 0..1: what disk alerts compare.' },
  fsFiles: { name: 'lookout_host_filesystem_files', type: 'gauge', help: 'Inodes in total.' },
  fsFilesFree: { name: 'lookout_host_filesystem_files_free', type: 'gauge', help: 'Free inodes.' },
  fsReadOnly: { name: 'lookout_host_filesystem_readonly', type: 'gauge', help: '1 when mounted read-only.' },
  fsError: {
    name: 'lookout_host_filesystem_device_error',
    type: 'gauge',
    help: '1 when statfs failed or hangs on this mount (its other series are then absent).',
  },
  netReceiveBytes: { name: 'lookout_host_network_receive_bytes_total', type: 'counter', help: 'Bytes received by the device.' },
  netTransmitBytes: { name: 'lookout_host_network_transmit_bytes_total', type: 'counter', help: 'Bytes sent by the device.' },
  netReceivePackets: { name: 'lookout_host_network_receive_packets_total', type: 'counter', help: 'Packets received.' },
  netTransmitPackets: { name: 'lookout_host_network_transmit_packets_total', type: 'counter', help: 'Packets sent.' },
  netReceiveErrors: { name: 'lookout_host_network_receive_errors_total', type: 'counter', help: 'Receive errors.' },
  netTransmitErrors: { name: 'lookout_host_network_transmit_errors_total', type: 'counter', help: 'Transmit errors.' },
  netReceiveDrops: { name: 'lookout_host_network_receive_drop_total', type: 'counter', help: 'Received packets dropped.' },
  netTransmitDrops: { name: 'lookout_host_network_transmit_drop_total', type: 'counter', help: 'Packets dropped before sending.' },
} as const satisfies Record<string, { name: string; type: 'gauge' | 'counter'; help: string }>;

type MetricKey = keyof typeof RESOURCE_METRICS;

const NETWORK_FIELDS: Array<[MetricKey, keyof NetworkDeviceCounters]> = [
  ['netReceiveBytes', 'receiveBytes'],
  ['netTransmitBytes', 'transmitBytes'],
  ['netReceivePackets', 'receivePackets'],
  ['netTransmitPackets', 'transmitPackets'],
  ['netReceiveErrors', 'receiveErrors'],
  ['netTransmitErrors', 'transmitErrors'],
  ['netReceiveDrops', 'receiveDrops'],
  ['netTransmitDrops', 'transmitDrops'],
];

/**
 * Samples of one snapshot. CPU utilisation needs the previous snapshot; without one
 * (the first reading) that series is left out rather than guessed.
 */
export function resourceSamples(current: ResourceSnapshot, previous?: ResourceSnapshot): ResourceSample[] {
  const samples: ResourceSample[] = [];
  const add = (key: MetricKey, value: number, labels: Record<string, string> = {}) =>
    samples.push({ ...RESOURCE_METRICS[key], labels, value });

  for (const mode of CPU_MODES) add('cpuSeconds', current.cpu.total[mode], { mode });
  add('cpuCount', current.cpu.perCpu.size);
  const utilisation = previous ? cpuUtilisation(previous.cpu.total, current.cpu.total) : undefined;
  if (utilisation) add('cpuUtilisation', utilisation.busyRatio);

  const { memory, load } = current;
  add('memoryTotal', memory.totalBytes);
  add('memoryAvailable', memory.availableBytes);
  add('memoryUsed', memory.usedRatio);
  add('swapTotal', memory.swapTotalBytes);
  add('swapFree', memory.swapFreeBytes);
  add('load1', load.load1);
  add('load5', load.load5);
  add('load15', load.load15);

  for (const fs of current.filesystems) {
    const labels = { device: fs.device, mountpoint: fs.mountPoint, fstype: fs.fsType };
    add('fsSize', fs.sizeBytes, labels);
    add('fsFree', fs.freeBytes, labels);
    add('fsAvail', fs.availBytes, labels);
    add('fsUsed', fs.usedRatio, labels);
    add('fsFiles', fs.files, labels);
    add('fsFilesFree', fs.filesFree, labels);
    add('fsReadOnly', fs.readOnly ? 1 : 0, labels);
    add('fsError', 0, labels);
  }
  for (const { mount } of current.filesystemErrors)
    add('fsError', 1, { device: mount.device, mountpoint: mount.mountPoint, fstype: mount.fsType });

  for (const [device, counters] of current.network)
    for (const [key, field] of NETWORK_FIELDS) add(key, counters[field], { device });
  return samples;
}
