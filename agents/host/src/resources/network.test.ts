import { describe, expect, it } from 'vitest';
import { parseNetDev } from './network.ts';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 43278104  174434    0    0    0     0          0         0 43278104  174434    0    0    0     0       0          0
eth0.100: 263247320    9113    2    3    0     0          0         0   952195    6797    4    5    0     0       0          0
br-1a2b:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
`;

describe('parseNetDev', () => {
  it('reads receive and transmit counters per device, names with dots and dashes included', () => {
    const devices = parseNetDev(NET_DEV);
    expect([...devices.keys()]).toEqual(['lo', 'eth0.100', 'br-1a2b']);
    expect(devices.get('eth0.100')).toEqual({
      receiveBytes: 263247320,
      receivePackets: 9113,
      receiveErrors: 2,
      receiveDrops: 3,
      transmitBytes: 952195,
      transmitPackets: 6797,
      transmitErrors: 4,
      transmitDrops: 5,
    });
    // no space after the colon (large counters push it against the name)
    expect(devices.get('br-1a2b')!.transmitBytes).toBe(9);
  });
  it('names the device with a short line', () => {
    expect(() => parseNetDev('eth9: 1 2 3\n')).toThrow("/proc/net/dev: device 'eth9' has an unreadable line: eth9: 1 2 3");
  });
});
