/** Counters of one network device from /proc/net/dev, since boot or device creation. */
export interface NetworkDeviceCounters {
  receiveBytes: number;
  receivePackets: number;
  receiveErrors: number;
  receiveDrops: number;
  transmitBytes: number;
  transmitPackets: number;
  transmitErrors: number;
  transmitDrops: number;
}

/**
 * Parses /proc/net/dev: two header lines, then 'iface: 8 receive fields 8 transmit
 * fields'. Device names may hold dots and dashes (eth0.100, br-1a2b).
 */
export function parseNetDev(text: string): Map<string, NetworkDeviceCounters> {
  const devices = new Map<string, NetworkDeviceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 16 || fields.some((f) => !Number.isFinite(f)))
      throw new Error(`/proc/net/dev: device '${name}' has an unreadable line: ${line.trim().slice(0, 120)}`);
    devices.set(name, {
      receiveBytes: fields[0]!,
      receivePackets: fields[1]!,
      receiveErrors: fields[2]!,
      receiveDrops: fields[3]!,
      transmitBytes: fields[8]!,
      transmitPackets: fields[9]!,
      transmitErrors: fields[10]!,
      transmitDrops: fields[11]!,
    });
  }
  return devices;
}
