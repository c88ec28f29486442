import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP fault proxy for the resilience drills, in the spirit of Toxiproxy: it sits
 * between a client and a server on 127.0.0.1 and, per direction, adds latency and
 * jitter, limits bandwidth, or swallows bytes (blackhole); it can reset every
 * connection (TCP RST), refuse new ones, or leave connections half-open (one direction
 * silently dropped while the sockets stay up). Faults apply at once, to existing
 * connections too, and `heal()` takes them all away.
 *
 * "upstream" is client → server, "downstream" server → client.
 */
export interface DirectionFaults {
  /** added to every chunk, in ms */
  latencyMs?: number;
  /** uniform extra delay in [0, jitterMs), order kept */
  jitterMs?: number;
  /** bytes per second; 0 or undefined for no limit */
  bytesPerSecond?: number;
  /** bytes are read and dropped; the sockets stay open */
  blackhole?: boolean;
}

export interface Faults {
  upstream?: DirectionFaults;
  downstream?: DirectionFaults;
  /** new connections are accepted and reset at once (a dead port behind a firewall that answers RST) */
  refuse?: boolean;
}

export interface FaultProxyStats {
  connections: number;
  open: number;
  upstreamBytes: number;
  downstreamBytes: number;
  droppedBytes: number;
  resets: number;
}

export interface FaultProxy {
  host: string;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  set(faults: Faults): void;
  /** both directions blackholed: connections hang, nothing arrives either way */
  blackhole(): void;
  /** server → client dropped: requests arrive, answers never do */
  halfOpen(): void;
  /** TCP RST on every open connection (new ones still pass unless `refuse` is set) */
  resetAll(): void;
  heal(): void;
  stats(): FaultProxyStats;
  close(): Promise<void>;
}

/** Queues bytes in order with a delivery time per chunk; the socket only ever sees ordered writes. */
class Pipe {
  private readonly queue: Array<{ at: number; chunk: Buffer }> = [];
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private queuedBytes = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly faults: () => DirectionFaults,
    private readonly count: (bytes: number, dropped: boolean) => void,
  ) {
    from.on('data', (chunk: Buffer) => this.take(chunk));
  }

  private take(chunk: Buffer): void {
    const f = this.faults();
    if (f.blackhole) {
      this.count(chunk.length, true);
      return;
    }
    const now = Date.now();
    let at = now + (f.latencyMs ?? 0) + (f.jitterMs ? Math.random() * f.jitterMs : 0);
    if (f.bytesPerSecond) at = Math.max(at, this.lastAt) + (chunk.length / f.bytesPerSecond) * 1000;
    at = Math.max(at, this.lastAt); // order is kept whatever the jitter
    this.lastAt = at;
    this.queue.push({ at, chunk });
    this.queuedBytes += chunk.length;
    // bounded: stop reading while a megabyte waits, like a slow link would
    if (this.queuedBytes > 1 << 20) this.from.pause();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.at - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      if (this.faults().blackhole) {
        this.count(chunk.length, true);
        continue;
      }
      if (!this.to.destroyed) this.to.write(chunk);
      this.count(chunk.length, false);
    }
    if (this.queuedBytes <= 1 << 19 && this.from.isPaused()) this.from.resume();
    this.schedule();
  }

  /** Ends the other side once everything queued was delivered; a blackholed direction stays open. */
  endAfterQueue(): void {
    const check = (): void => {
      if (this.faults().blackhole || this.to.destroyed) return;
      if (this.queue.length === 0) this.to.end();
      else setTimeout(check, 5);
    };
    check();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

export async function startFaultProxy(target: { host?: string; port: number }): Promise<FaultProxy> {
  const targetHost = target.host ?? '127.0.0.1';
  let faults: Faults = {};
  const sockets = new Set<Socket>();
  const pipes = new Set<Pipe>();
  const stats: FaultProxyStats = { connections: 0, open: 0, upstreamBytes: 0, downstreamBytes: 0, droppedBytes: 0, resets: 0 };

  const server: Server = createServer((client) => {
    stats.connections++;
    if (faults.refuse) {
      stats.resets++;
      client.resetAndDestroy();
      return;
    }
    stats.open++;
    const upstream = createConnection({ host: targetHost, port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    const up = new Pipe(client, upstream, () => faults.upstream ?? {}, (bytes, dropped) => {
      if (dropped) stats.droppedBytes += bytes;
      else stats.upstreamBytes += bytes;
    });
    const down = new Pipe(upstream, client, () => faults.downstream ?? {}, (bytes, dropped) => {
      if (dropped) stats.droppedBytes += bytes;
      else stats.downstreamBytes += bytes;
    });
    pipes.add(up);
    pipes.add(down);
    // Cleanup once both sockets are gone: a pipe may still hold delayed bytes after its
    // source closed, and those must still be delivered.
    let open = 2;
    const closed = (): void => {
      if (--open > 0) return;
      stats.open--;
      up.stop();
      down.stop();
      pipes.delete(up);
      pipes.delete(down);
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A clean end travels on after the bytes before it (not through a blackholed
    // direction: that is what half-open means); an error or reset travels at once.
    client.on('end', () => up.endAfterQueue());
    upstream.on('end', () => down.endAfterQueue());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', () => {
      if (!upstream.destroyed) upstream.destroy(); // the client is gone: nothing left to deliver to it
      closed();
    });
    upstream.on('close', closed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    set(next) {
      faults = next;
    },
    blackhole() {
      faults = { ...faults, upstream: { blackhole: true }, downstream: { blackhole: true } };
    },
    halfOpen() {
      faults = { ...faults, downstream: { blackhole: true } };
    },
    resetAll() {
      for (const socket of sockets) {
        stats.resets++;
        socket.resetAndDestroy();
      }
    },
    heal() {
      faults = {};
    },
    stats: () => ({ ...stats }),
    async close() {
      for (const pipe of pipes) pipe.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
