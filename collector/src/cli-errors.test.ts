import { describe, expect, it } from 'vitest';
import { describeStartupError, portKeys } from './cli-errors.ts';

const config = { receivers: { otlp: { http: { port: 4318 }, grpc: { port: 4317 } } }, logs: { syslog: { udp: { port: 5514 }, tcp: { port: 5514 } } } };

describe('startup errors', () => {
  it('finds the config keys that hold a port', () => {
    expect(portKeys(config, 4317)).toEqual(['receivers.otlp.grpc.port']);
    expect(portKeys(config, 5514)).toEqual(['logs.syslog.udp.port', 'logs.syslog.tcp.port']);
    expect(portKeys(config, 1)).toEqual([]);
  });

  it('names the address, how to find the other process and the key that moves the port', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 4318 });
    expect(describeStartupError(inUse, config)).toBe(
      "cannot listen on 127.0.0.1:4318: the address is already in use by another process. Stop that process (`ss -ltnp 'sport = :4318'` shows which), or set another port with receivers.otlp.http.port in the config file.",
    );
    const grpc = new Error('No address added out of total 1 resolved: bind EADDRINUSE: address already in use 127.0.0.1:4317');
    expect(describeStartupError(grpc, config)).toMatch(/^cannot listen on 127\.0\.0\.1:4317: .*receivers\.otlp\.grpc\.port/);
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES', address: '0.0.0.0', port: 514 });
    expect(describeStartupError(denied, { logs: { syslog: { udp: { port: 514 } } } })).toMatch(/permission denied .* logs\.syslog\.udp\.port/);
    expect(describeStartupError(new Error('disk full'), config)).toBe('could not start: disk full');
  });
});
