import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const EXAMPLE = join(fileURLToPath(new URL('../..', import.meta.url)), 'collector/deploy/ha/haproxy.cfg');

/**
 * The HA example's haproxy.cfg (collector/deploy/ha/) rewritten for loopback: its frontends
 * bind the given ports, its backends list the given collectors, checks run every 200 ms
 * (two failures mark a backend down) and Docker's resolvers go. Everything else — modes,
 * balancing, the /readyz checks, redispatch — is the file users deploy.
 */
export function loopbackHaproxyConfig(example: string, ports: { http: number; grpc?: number }, backends: CollectorBackend[]): string {
  const out: string[] = [];
  let section = '';
  for (const line of example.split('\n')) {
    const header = /^(\S+)(?:\s+(\S+))?/.exec(line);
    if (header && !line.startsWith(' ')) section = header[2] ? `${header[1]} ${header[2]}` : header[1]!;
    const grpcSection = section === 'frontend otlp_grpc' || section === 'backend collectors_grpc';
    if (section.startsWith('resolvers') || (grpcSection && ports.grpc === undefined)) continue;
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('bind ')) out.push(`  bind 127.0.0.1:${section === 'frontend otlp_grpc' ? ports.grpc : ports.http}`);
    else if (trimmed.startsWith('default-server ')) {
      out.push('  default-server inter 200ms fall 2 rise 2');
      if (section === 'backend collectors_http') out.push(...backends.map((b, i) => `  server c${i} 127.0.0.1:${b.httpPort} check`));
      if (section === 'backend collectors_grpc') out.push(...backends.map((b, i) => `  server c${i} 127.0.0.1:${b.grpcPort} check port ${b.httpPort}`));
    } else if (!trimmed.startsWith('server ')) out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/**
 * The Debian `haproxy` in front of several collectors, running the HA example's config
 * (loopbackHaproxyConfig): OTLP/HTTP balanced round robin in HTTP mode and OTLP/gRPC in
 * TCP mode, both health checked on each collector's GET /readyz, connection failures
 * redispatched to another backend (a request that never reached a collector is safe to
 * send again). Returns undefined (after printing SKIP) when haproxy is missing outside CI.
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
      const config = loopbackHaproxyConfig(readFileSync(EXAMPLE, 'utf8'), { http: port, ...(grpcPort === undefined ? {} : { grpc: grpcPort }) }, backends);
      writeFileSync(join(dir, 'haproxy.cfg'), config);
      return ['-f', join(dir, 'haproxy.cfg'), '-db'];
    },
    readyPath: '/haproxy-ready',
  });
  return { ...server, ...(grpcPort === undefined ? {} : { grpcPort }) };
}
