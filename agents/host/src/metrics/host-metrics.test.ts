import { describe, expect, it } from 'vitest';
import { decodeMetricsProtobuf, encodeMetricsProtobuf, newAttributes, type Metric } from '@lookout/otlp';
import { filesystemFigures, parseMounts } from '../resources/filesystems.ts';
import { parseResourceFiles, type ResourceSnapshot } from '../resources/read-resources.ts';
import { buildMetricsData, hostMetrics } from './host-metrics.ts';

function snapshot(at: number, cpu: string): ResourceSnapshot {
  const parsed = parseResourceFiles({
    stat: `cpu ${cpu}\ncpu0 ${cpu}\ncpu1 ${cpu}\n`,
    meminfo: 'MemTotal: 1000 kB\nMemFree: 300 kB\nMemAvailable: 600 kB\nBuffers: 100 kB\nCached: 200 kB\nSwapTotal: 400 kB\nSwapFree: 100 kB\n',
    loadavg: '0.50 0.40 0.30 2/100 42\n',
    netDev: 'Inter-| a | b\n face |x|y\n  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n',
    mounts: '',
  });
  const [root, data] = parseMounts('/dev/vda1 / ext4 rw 0 0\n/dev/vdb /data xfs ro 0 0\n');
  return {
    at,
    cpu: parsed.cpu,
    memory: parsed.memory,
    load: parsed.load,
    network: parsed.network,
    filesystems: [filesystemFigures(root!, { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250, files: 100, ffree: 60 })],
    filesystemErrors: [{ mount: data!, error: 'statfs did not answer within 5000 ms' }],
  };
}

const byName = (metrics: Metric[]) => new Map(metrics.map((m) => [m.name, m]));
const points = (m: Metric | undefined) => (m && 'dataPoints' in m.data ? m.data.dataPoints.map((p) => ({ ...p.attributes, value: p.value })) : []);

describe('hostMetrics', () => {
  const boot = 1_700_000_000_000;
  const first = snapshot(boot + 60_000, '100 0 100 700 100 0 0 0');
  const second = snapshot(boot + 70_000, '150 0 150 1500 200 0 0 0');

  it('uses the semantic-convention names, units and instrument kinds', () => {
    const metrics = byName(hostMetrics(second, first, { bootTimeMs: boot }));
    const cpu = metrics.get('system.cpu.time')!;
    expect(cpu.unit).toBe('s');
    expect(cpu.data).toMatchObject({ type: 'sum', isMonotonic: true, aggregationTemporality: 2 });
    expect(points(cpu)).toContainEqual({ 'cpu.mode': 'idle', value: 15 });
    expect(points(cpu)).toContainEqual({ 'cpu.mode': 'interrupt', value: 0 });
    expect(points(metrics.get('system.cpu.logical.count'))).toEqual([{ value: 2 }]);
    expect(metrics.get('system.memory.usage')!.data).toMatchObject({ type: 'sum', isMonotonic: false });
    expect(points(metrics.get('system.memory.usage'))).toEqual([
      { 'system.memory.state': 'used', value: 400 * 1024 },
      { 'system.memory.state': 'free', value: 300 * 1024 },
      { 'system.memory.state': 'buffers', value: 100 * 1024 },
      { 'system.memory.state': 'cached', value: 200 * 1024 },
    ]);
    expect(points(metrics.get('system.memory.limit'))).toEqual([{ value: 1000 * 1024 }]);
    expect(points(metrics.get('system.memory.linux.available'))).toEqual([{ value: 600 * 1024 }]);
    expect(points(metrics.get('system.paging.usage'))).toEqual([
      { 'system.paging.state': 'used', value: 300 * 1024 },
      { 'system.paging.state': 'free', value: 100 * 1024 },
    ]);
    const fs = { 'system.device': '/dev/vda1', 'system.filesystem.mountpoint': '/', 'system.filesystem.type': 'ext4', 'system.filesystem.mode': 'rw' };
    expect(points(metrics.get('system.filesystem.usage'))).toEqual([
      { ...fs, 'system.filesystem.state': 'used', value: 700 * 4096 },
      { ...fs, 'system.filesystem.state': 'free', value: 250 * 4096 },
      { ...fs, 'system.filesystem.state': 'reserved', value: 50 * 4096 },
    ]);
    expect(points(metrics.get('system.filesystem.limit'))).toEqual([{ ...fs, value: 1000 * 4096 }]);
    expect(points(metrics.get('system.filesystem.utilization'))).toEqual([{ ...fs, value: 0.75 }]);
    expect(points(metrics.get('lookout.host.filesystem.device_error'))).toEqual([
      { ...fs, value: 0 },
      { 'system.device': '/dev/vdb', 'system.filesystem.mountpoint': '/data', 'system.filesystem.type': 'xfs', value: 1 },
    ]);
    expect(points(metrics.get('system.network.io'))).toEqual([
      { 'network.interface.name': 'eth0', 'network.io.direction': 'receive', value: 1000 },
      { 'network.interface.name': 'eth0', 'network.io.direction': 'transmit', value: 2000 },
    ]);
    expect(points(metrics.get('system.network.packet.dropped'))).toEqual([
      { 'network.interface.name': 'eth0', 'network.io.direction': 'receive', value: 2 },
      { 'network.interface.name': 'eth0', 'network.io.direction': 'transmit', value: 4 },
    ]);
    expect(points(metrics.get('system.cpu.load_average.1m'))).toEqual([{ value: 0.5 }]);
  });

  it('gives CPU utilisation per mode between two readings, and none from the first alone', () => {
    expect(byName(hostMetrics(first, undefined, { bootTimeMs: boot })).has('system.cpu.utilization')).toBe(false);
    const util = points(byName(hostMetrics(second, first, { bootTimeMs: boot })).get('system.cpu.utilization'));
    // deltas: user 0.5 s, system 0.5 s, idle 8 s, iowait 1 s of 10 s
    expect(util).toContainEqual({ 'cpu.mode': 'idle', value: 0.8 });
    expect(util).toContainEqual({ 'cpu.mode': 'user', value: 0.05 });
    expect(util.reduce((sum, p) => sum + (p.value as number), 0)).toBeCloseTo(1, 10);
  });

  it('starts counters at boot and stamps every point with the reading time; survives the wire', () => {
    const metrics = hostMetrics(second, first, { bootTimeMs: boot });
    const resource = newAttributes();
    resource['host.name'] = 'web-1';
    const decoded = decodeMetricsProtobuf(encodeMetricsProtobuf(buildMetricsData(metrics, resource, { name: '@lookout/host-agent', version: '0.1.0' })));
    expect(decoded.rejected).toBe(0);
    const got = decoded.data.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(got.map((m) => m.name)).toEqual(metrics.map((m) => m.name));
    const io = got.find((m) => m.name === 'system.network.io')!;
    if (io.data.type !== 'sum') throw new Error('system.network.io must be a sum');
    expect(io.data.dataPoints[0]!.startTimeUnixNano).toBe(BigInt(boot) * 1_000_000n);
    expect(io.data.dataPoints[0]!.timeUnixNano).toBe(BigInt(boot + 70_000) * 1_000_000n);
    expect(io.data.dataPoints[0]!.valueType).toBe('int');
  });
});
