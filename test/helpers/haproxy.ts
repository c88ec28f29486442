import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.ts';
import { freePort, startServerProcess, type RunningServer } from './server-process.ts';

export interface CollectorBackend {
  /** OTLP/HTTP port (also the health-check port: GET /readyz) */
  httpPort: number;
  /** OTLP/gRPC port, balanced in TCP mode */
  grpcPort?: number;
}

export interface RunningHaproxy extends RunningServer {
  /** OTLP/HTTP through the balancer, e.g. http://127.0.0.1:PORT */
  url: string;
  /** OTLP/gRPC through the balancer (TCP mode), when the backends have gRPC ports */
  grpcPort?: number;
}

/**
 * The Debian `haproxy` in front of several collectors, as the HA example deploys it:
 * OTLP/HTTP balanced round robin in HTTP mode and OTLP/gRPC in TCP mode, both health
 * checked on each collector's GET /readyz every 200 ms (two failures mark a backend down),
 * connection failures redispatched to another backend (a request that never reached a
 * collector is safe to send again). Returns undefined (after printing SKIP) when haproxy
 * is missing outside CI.
 */
export async function startHaproxy(backends: CollectorBackend[]): Promise<RunningHaproxy | undefined> {
  const binary = requireBinary('haproxy', 'haproxy');
  if (!binary) return undefined;
  const withGrpc = backends.every((b) => b.grpcPort !== undefined);
  const grpcPort = withGrpc ? await freePort() : undefined;
  const server = await startServerProcess({
    name: 'haproxy',
    command: binary,
    args: (port, dir) => {
      const lines = [
        'global',
        '  maxconn 2000',
        'defaults',
        '  mode http',
        '  timeout connect 1s',
        '  timeout client 30s',
        '  timeout server 30s',
        '  retries 3',
        '  option redispatch',
        'frontend otlp_http',
        `  bind 127.0.0.1:${port}`,
        '  monitor-uri /haproxy-ready',
        '  default_backend collectors_http',
        'backend collectors_http',
        '  balance roundrobin',
        '  option httpchk GET /readyz',
        '  http-check expect status 200',
        '  default-server inter 200ms fall 2 rise 2',
        ...backends.map((b, i) => `  server c${i} 127.0.0.1:${b.httpPort} check`),
      ];
      if (withGrpc) {
        lines.push(
          'frontend otlp_grpc',
          '  mode tcp',
          `  bind 127.0.0.1:${grpcPort}`,
          '  default_backend collectors_grpc',
          'backend collectors_grpc',
          '  mode tcp',
          '  balance roundrobin',
          '  option httpchk GET /readyz',
          '  http-check expect status 200',
          '  default-server inter 200ms fall 2 rise 2',
          ...backends.map((b, i) => `  server c${i} 127.0.0.1:${b.grpcPort} check port ${b.httpPort}`),
        );
      }
      writeFileSync(join(dir, 'haproxy.cfg'), `${lines.join('\n')}\n`);
      return ['-f', join(dir, 'haproxy.cfg'), '-db'];
    },
    readyPath: '/haproxy-ready',
  });
  return { ...server, ...(grpcPort === undefined ? {} : { grpcPort }) };
}
