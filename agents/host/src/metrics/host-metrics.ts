import {
  AggregationTemporality,
  newAttributes,
  type Attributes,
  type Metric,
  type MetricsData,
  type NumberDataPoint,
} from '@lookout/otlp';
import { CPU_MODES, cpuUtilisation, type CpuMode } from '../resources/cpu.ts';
import type { ResourceSnapshot } from '../resources/read-resources.ts';
import type { ScopeInfo } from '../ship/log-records.ts';

/**
 * Host resources → OTLP metrics named as the OpenTelemetry semantic conventions name
 * them (system.*), pure. Counters the kernel keeps since boot are cumulative sums that
 * start at boot; levels are UpDownCounter-style sums (not monotonic); ratios are gauges.
 * Load averages and inode usage have no convention and take the names the OpenTelemetry
 * Collector's hostmetrics receiver uses.
 */

/** /proc/stat modes → the cpu.mode values of the conventions (softirq has none; kept). */
const CPU_MODE_NAMES: Record<CpuMode, string> = {
  user: 'user',
  nice: 'nice',
  system: 'system',
  idle: 'idle',
  iowait: 'iowait',
  irq: 'interrupt',
  softirq: 'softirq',
  steal: 'steal',
};

export const HOST_METRIC_NAMES = [
  'system.cpu.time',
  'system.cpu.logical.count',
  'system.cpu.utilization',
  'system.cpu.load_average.1m',
  'system.cpu.load_average.5m',
  'system.cpu.load_average.15m',
  'system.memory.usage',
  'system.memory.limit',
  'system.memory.linux.available',
  'system.memory.utilization',
  'system.paging.usage',
  'system.filesystem.usage',
  'system.filesystem.limit',
  'system.filesystem.utilization',
  'system.filesystem.inodes.usage',
  'lookout.host.filesystem.device_error',
  'system.network.io',
  'system.network.packet.count',
  'system.network.errors',
  'system.network.packet.dropped',
] as const;

interface PointInput {
  value: number;
  attributes?: Record<string, string>;
}

export interface HostMetricTimes {
  /** when the kernel's counters started: boot */
  bootTimeMs: number;
}

const nanos = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

function attrs(input: Record<string, string> | undefined): Attributes {
  const out = newAttributes();
  if (input) for (const key in input) out[key] = input[key]!;
  return out;
}

function points(inputs: PointInput[], startMs: number, atMs: number, valueType: 'int' | 'double'): NumberDataPoint[] {
  return inputs.map((p) => ({
    attributes: attrs(p.attributes),
    startTimeUnixNano: startMs > 0 ? nanos(startMs) : 0n,
    timeUnixNano: nanos(atMs),
    value: valueType === 'int' ? Math.round(p.value) : p.value,
    valueType,
    exemplars: [],
    flags: 0,
  }));
}

export function gauge(name: string, unit: string, description: string, inputs: PointInput[], atMs: number, valueType: 'int' | 'double' = 'double'): Metric {
  return { name, unit, description, metadata: newAttributes(), data: { type: 'gauge', dataPoints: points(inputs, 0, atMs, valueType) } };
}

export function sum(
  name: string,
  unit: string,
  description: string,
  inputs: PointInput[],
  times: { startMs: number; atMs: number },
  monotonic: boolean,
  valueType: 'int' | 'double' = 'int',
): Metric {
  return {
    name,
    unit,
    description,
    metadata: newAttributes(),
    data: {
      type: 'sum',
      dataPoints: points(inputs, times.startMs, times.atMs, valueType),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      isMonotonic: monotonic,
    },
  };
}

/** The host metrics of one snapshot; CPU utilisation needs the previous one and is absent without it. */
export function hostMetrics(current: ResourceSnapshot, previous: ResourceSnapshot | undefined, times: HostMetricTimes): Metric[] {
  const at = current.at;
  const sinceBoot = { startMs: times.bootTimeMs, atMs: at };
  const level = { startMs: 0, atMs: at };
  const metrics: Metric[] = [];

  metrics.push(
    sum(
      'system.cpu.time',
      's',
      'Seconds each logical CPU spent on each mode, all CPUs together.',
      CPU_MODES.map((mode) => ({ value: current.cpu.total[mode], attributes: { 'cpu.mode': CPU_MODE_NAMES[mode] } })),
      sinceBoot,
      true,
      'double',
    ),
    sum('system.cpu.logical.count', '{cpu}', 'Logical CPUs.', [{ value: current.cpu.perCpu.size }], level, false),
  );
  const utilisation = previous ? cpuUtilisation(previous.cpu.total, current.cpu.total) : undefined;
  if (utilisation) {
    metrics.push(
      gauge(
        'system.cpu.utilization',
        '1',
        'Share of CPU time in each mode since the previous reading, 0..1.',
        CPU_MODES.map((mode) => ({ value: utilisation.modeRatio[mode], attributes: { 'cpu.mode': CPU_MODE_NAMES[mode] } })),
        at,
      ),
    );
  }
  metrics.push(
    gauge('system.cpu.load_average.1m', '{thread}', '1-minute load average.', [{ value: current.load.load1 }], at),
    gauge('system.cpu.load_average.5m', '{thread}', '5-minute load average.', [{ value: current.load.load5 }], at),
    gauge('system.cpu.load_average.15m', '{thread}', '15-minute load average.', [{ value: current.load.load15 }], at),
  );

  const memory = current.memory;
  const used = Math.max(0, memory.totalBytes - memory.freeBytes - memory.buffersBytes - memory.cachedBytes);
  const memoryStates: Array<[string, number]> = [
    ['used', used],
    ['free', memory.freeBytes],
    ['buffers', memory.buffersBytes],
    ['cached', memory.cachedBytes],
  ];
  metrics.push(
    sum('system.memory.usage', 'By', 'Memory in use by state (used = total - free - buffers - cached).', memoryStates.map(([state, value]) => ({ value, attributes: { 'system.memory.state': state } })), level, false),
    sum('system.memory.limit', 'By', 'Total memory (MemTotal).', [{ value: memory.totalBytes }], level, false),
    sum('system.memory.linux.available', 'By', 'Memory available without swapping (MemAvailable).', [{ value: memory.availableBytes }], level, false),
    gauge(
      'system.memory.utilization',
      '1',
      'Share of memory in each state, 0..1.',
      memoryStates.map(([state, value]) => ({ value: memory.totalBytes > 0 ? value / memory.totalBytes : 0, attributes: { 'system.memory.state': state } })),
      at,
    ),
    sum(
      'system.paging.usage',
      'By',
      'Swap in use and free.',
      [
        { value: Math.max(0, memory.swapTotalBytes - memory.swapFreeBytes), attributes: { 'system.paging.state': 'used' } },
        { value: memory.swapFreeBytes, attributes: { 'system.paging.state': 'free' } },
      ],
      level,
      false,
    ),
  );

  const fsUsage: PointInput[] = [];
  const fsLimit: PointInput[] = [];
  const fsUtilisation: PointInput[] = [];
  const fsInodes: PointInput[] = [];
  const fsErrors: PointInput[] = [];
  for (const fs of current.filesystems) {
    const base = {
      'system.device': fs.device,
      'system.filesystem.mountpoint': fs.mountPoint,
      'system.filesystem.type': fs.fsType,
      'system.filesystem.mode': fs.readOnly ? 'ro' : 'rw',
    };
    fsUsage.push(
      { value: fs.sizeBytes - fs.freeBytes, attributes: { ...base, 'system.filesystem.state': 'used' } },
      { value: fs.availBytes, attributes: { ...base, 'system.filesystem.state': 'free' } },
      { value: fs.freeBytes - fs.availBytes, attributes: { ...base, 'system.filesystem.state': 'reserved' } },
    );
    fsLimit.push({ value: fs.sizeBytes, attributes: base });
    fsUtilisation.push({ value: fs.usedRatio, attributes: base });
    fsInodes.push(
      { value: fs.files - fs.filesFree, attributes: { ...base, 'system.filesystem.state': 'used' } },
      { value: fs.filesFree, attributes: { ...base, 'system.filesystem.state': 'free' } },
    );
    fsErrors.push({ value: 0, attributes: base });
  }
  for (const { mount } of current.filesystemErrors) {
    fsErrors.push({
      value: 1,
      attributes: { 'system.device': mount.device, 'system.filesystem.mountpoint': mount.mountPoint, 'system.filesystem.type': mount.fsType },
    });
  }
  metrics.push(
    sum('system.filesystem.usage', 'By', 'Filesystem space by state: used, free (to unprivileged users), reserved (for root).', fsUsage, level, false),
    sum('system.filesystem.limit', 'By', 'Filesystem size.', fsLimit, level, false),
    gauge('system.filesystem.utilization', '1', 'Share of the filesystem unprivileged writers cannot use: 1 - avail/size.', fsUtilisation, at),
    sum('system.filesystem.inodes.usage', '{inode}', 'Inodes used and free.', fsInodes, level, false),
    gauge('lookout.host.filesystem.device_error', '1', '1 when statfs failed or hangs on the mount.', fsErrors, at, 'int'),
  );

  const io: PointInput[] = [];
  const packets: PointInput[] = [];
  const errors: PointInput[] = [];
  const dropped: PointInput[] = [];
  for (const [device, c] of current.network) {
    const rx = { 'network.interface.name': device, 'network.io.direction': 'receive' };
    const tx = { 'network.interface.name': device, 'network.io.direction': 'transmit' };
    io.push({ value: c.receiveBytes, attributes: rx }, { value: c.transmitBytes, attributes: tx });
    packets.push({ value: c.receivePackets, attributes: rx }, { value: c.transmitPackets, attributes: tx });
    errors.push({ value: c.receiveErrors, attributes: rx }, { value: c.transmitErrors, attributes: tx });
    dropped.push({ value: c.receiveDrops, attributes: rx }, { value: c.transmitDrops, attributes: tx });
  }
  metrics.push(
    sum('system.network.io', 'By', 'Bytes received and sent, by interface.', io, sinceBoot, true),
    sum('system.network.packet.count', '{packet}', 'Packets received and sent.', packets, sinceBoot, true),
    sum('system.network.errors', '{error}', 'Receive and transmit errors.', errors, sinceBoot, true),
    sum('system.network.packet.dropped', '{packet}', 'Packets dropped without an error.', dropped, sinceBoot, true),
  );
  return metrics;
}

/** Metrics → one OTLP metrics request. */
export function buildMetricsData(metrics: Metric[], resource: Attributes, scope: ScopeInfo): MetricsData {
  return {
    resourceMetrics: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0 },
        scopeMetrics: [
          {
            scope: { name: scope.name, version: scope.version, attributes: newAttributes(), droppedAttributesCount: 0 },
            metrics,
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}
