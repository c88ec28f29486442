import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { DROP_REASONS } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { createSyslogFrameDecoder, createSyslogParser, parseUtcOffset, UNKNOWN_SERVICE, type LineParser, type SyslogFrameDecoder } from '../logs/index.ts';
import { newAttributes } from '@lookout/otlp';
import { DEFAULT_TENANT } from './auth.ts';
import { ingest, type IngestContext, type IngestOutcome } from './ingest.ts';
import { approximateBytes, LOG_FORMAT_ATTRIBUTE, LogsBatchBuilder } from './log-batch.ts';
import type { LogReceiverMetrics } from './log-receiver-metrics.ts';
import type { LogsConfig } from './logs-config.ts';

export interface SyslogReceiverOptions {
  context: IngestContext;
  metrics: LogReceiverMetrics;
  config: LogsConfig['syslog'];
  logger: Logger;
}

export interface RunningSyslogReceiver {
  /** bound ports (useful with port 0); undefined when that transport is off */
  udpPort: number | undefined;
  tcpPort: number | undefined;
  /** offers everything pending now (tests, shutdown) */
  flush(): void;
  /** stops listening, offers what is pending, closes connections */
  close(): Promise<void>;
}

const RECEIVER = 'syslog';
/** How soon a paused TCP connection offers its batch again while the queue is full. */
const RETRY_PAUSED_MS = 100;

/**
 * Parsed syslog messages waiting to be offered to the queue, grouped by app name (which
 * becomes service.name). One per TCP connection, one for all of UDP.
 */
class PendingBatch {
  private readonly builder = new LogsBatchBuilder('lookout.receiver.syslog');
  private bytes = 0;

  constructor(
    private readonly parse: LineParser,
    private readonly transport: 'udp' | 'tcp',
    private readonly metrics: LogReceiverMetrics,
  ) {}

  get items(): number {
    return this.builder.items;
  }

  add(message: string, peer: string, nowMs: number): void {
    const result = this.parse(message, nowMs);
    const record = result.record;
    if (result.parsed) record.attributes[LOG_FORMAT_ATTRIBUTE] = 'syslog';
    else this.metrics.unparsedLines.inc({ receiver: RECEIVER, format: 'syslog' });
    record.attributes['network.peer.address'] = peer;
    record.attributes['network.transport'] = this.transport;
    const app = record.attributes['syslog.app_name'];
    const service = typeof app === 'string' && app !== '' ? app : UNKNOWN_SERVICE;
    this.builder.add(service, () => {
      const attributes = newAttributes();
      attributes['service.name'] = service;
      return attributes;
    }, record);
    this.bytes += approximateBytes(message);
  }

  /** Offers the batch; it is emptied unless the queue refused it. */
  offer(context: IngestContext): IngestOutcome | undefined {
    const items = this.builder.items;
    if (items === 0) return undefined;
    const data = this.builder.build();
    const outcome = ingest(context, 'logs', RECEIVER, DEFAULT_TENANT, this.bytes, () => ({ data, items, rejected: 0, rejectedMessage: '' }));
    if (outcome.kind !== 'refused') {
      this.builder.clear();
      this.bytes = 0;
    }
    return outcome;
  }

  drop(reason: string): void {
    if (this.builder.items === 0) return;
    this.metrics.syslogDropped.inc({ transport: this.transport, reason }, this.builder.items);
    this.builder.clear();
    this.bytes = 0;
  }
}

interface Connection {
  socket: Socket;
  decoder: SyslogFrameDecoder;
  pending: PendingBatch;
  peer: string;
  paused: boolean;
  retry: NodeJS.Timeout | undefined;
  ended: boolean;
}

/**
 * Syslog receivers (RFC 5424 and RFC 3164 messages, told apart per message):
 *
 * - UDP: one message per datagram (RFC 5426). UDP cannot push back, so when the queue
 *   is full the batch is dropped and counted (lookout_syslog_dropped_messages_total
 *   {transport="udp", reason="queue_full"}): syslog over UDP is lossy by nature; use TCP
 *   where loss matters.
 * - TCP: RFC 6587 framing, octet counting or LF-terminated, detected per connection.
 *   When the queue is full the connection stops reading until its batch is taken, so
 *   the sender is slowed by TCP flow control and nothing is lost. Connections are capped
 *   (maxConnections) and closed after idleTimeout of silence.
 *
 * Messages are batched per connection (UDP: one batch) and offered every flushInterval
 * or as soon as flushRecords are waiting.
 */
export async function startSyslogReceiver(options: SyslogReceiverOptions): Promise<RunningSyslogReceiver> {
  const { context, metrics, config, logger } = options;
  const parse = createSyslogParser({ utcOffsetMinutes: parseUtcOffset(config.utcOffset) ?? 0 });
  const connections = new Set<Connection>();
  let closing = false;

  // ---------------------------------------------------------------- UDP
  let udp: UdpSocket | undefined;
  const udpPending = new PendingBatch(parse, 'udp', metrics);
  const flushUdp = () => {
    const outcome = udpPending.offer(context);
    if (outcome?.kind === 'refused') udpPending.drop(outcome.reason);
  };
  if (config.udp.enabled) {
    const socket = createSocket({ type: config.udp.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    udp = socket;
    socket.on('message', (message: Buffer, remote: RemoteInfo) => {
      if (message.length > config.maxMessageBytes) {
        metrics.syslogDropped.inc({ transport: 'udp', reason: DROP_REASONS.tooLarge });
        return;
      }
      let end = message.length;
      while (end > 0 && (message[end - 1] === 10 || message[end - 1] === 13 || message[end - 1] === 0)) end--;
      if (end === 0) return;
      udpPending.add(message.toString('utf8', 0, end), remote.address, context.now());
      if (udpPending.items >= config.flushRecords) flushUdp();
    });
    socket.on('error', (error) => logger.error({ err: error }, 'syslog UDP socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: config.udp.host, port: config.udp.port }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, 'udp', config.udp.host, config.udp.port);
    });
  }

  // ---------------------------------------------------------------- TCP
  let tcp: Server | undefined;
  const flushConnection = (connection: Connection) => {
    const outcome = connection.pending.offer(context);
    if (outcome?.kind !== 'refused') {
      if (connection.paused && !connection.ended && !closing) {
        connection.paused = false;
        connection.socket.resume();
      }
      if (connection.ended) connections.delete(connection);
      return;
    }
    if (outcome.reason === 'shutting_down') {
      connection.pending.drop('shutting_down');
      connection.socket.destroy();
      connections.delete(connection);
      return;
    }
    // Queue full: stop reading (TCP flow control slows the sender) and offer again soon.
    if (!connection.paused) {
      connection.paused = true;
      metrics.syslogPauses.inc();
      if (!connection.ended) connection.socket.pause();
    }
    connection.retry ??= setTimeout(() => {
      connection.retry = undefined;
      flushConnection(connection);
    }, RETRY_PAUSED_MS);
  };

  const handleDecoded = (connection: Connection, messages: string[], errors: ReturnType<SyslogFrameDecoder['push']>['errors']) => {
    const now = context.now();
    for (const message of messages) if (message !== '') connection.pending.add(message, connection.peer, now);
    for (const error of errors) {
      const reason = error.code === 'message_too_large' ? DROP_REASONS.tooLarge : DROP_REASONS.badFrame;
      metrics.syslogDropped.inc({ transport: 'tcp', reason });
      logger.warn({ peer: connection.peer, offset: error.offset }, error.message);
    }
    if (connection.pending.items >= config.flushRecords) flushConnection(connection);
  };

  if (config.tcp.enabled) {
    const server = createServer({ pauseOnConnect: false, noDelay: true }, (socket) => {
      const connection: Connection = {
        socket,
        decoder: createSyslogFrameDecoder({ maxMessageBytes: config.maxMessageBytes }),
        pending: new PendingBatch(parse, 'tcp', metrics),
        peer: socket.remoteAddress ?? '',
        paused: false,
        retry: undefined,
        ended: false,
      };
      connections.add(connection);
      metrics.syslogConnections.inc();
      socket.setTimeout(config.idleTimeout, () => socket.end());
      socket.on('data', (chunk: Buffer) => {
        const result = connection.decoder.push(chunk);
        handleDecoded(connection, result.messages, result.errors);
        if (result.fatal) {
          // A bad octet count: the stream cannot be re-synchronised.
          flushConnection(connection);
          socket.destroy();
        }
      });
      socket.on('end', () => {
        const result = connection.decoder.end();
        handleDecoded(connection, result.messages, result.errors);
        connection.ended = true;
        flushConnection(connection);
        socket.end();
      });
      socket.on('error', (error) => logger.debug({ err: error, peer: connection.peer }, 'syslog TCP connection error'));
      socket.on('close', () => {
        metrics.syslogConnections.dec();
        connection.ended = true;
        if (connection.pending.items === 0) connections.delete(connection);
      });
    });
    server.maxConnections = config.maxConnections;
    server.on('drop', () => metrics.syslogDropped.inc({ transport: 'tcp', reason: DROP_REASONS.connectionLimit }));
    tcp = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: config.tcp.host, port: config.tcp.port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      udp?.close();
      throw listenError(error, 'tcp', config.tcp.host, config.tcp.port);
    });
  }

  const flushAll = () => {
    flushUdp();
    for (const connection of connections) if (connection.retry === undefined) flushConnection(connection);
  };
  const timer = setInterval(flushAll, config.flushInterval);
  timer.unref();

  const address = (s: { address(): unknown } | undefined) => {
    const a = s?.address();
    return typeof a === 'object' && a !== null ? (a as { port: number }).port : undefined;
  };
  const udpPort = udp ? address(udp) : undefined;
  const tcpPort = tcp ? address(tcp) : undefined;
  logger.info({ udp: udpPort, tcp: tcpPort }, 'syslog receiver listening');

  return {
    udpPort,
    tcpPort,
    flush: flushAll,
    async close() {
      closing = true;
      clearInterval(timer);
      const serverClosed = tcp ? new Promise<void>((resolve) => tcp!.close(() => resolve())) : Promise.resolve();
      for (const connection of connections) {
        if (connection.retry) clearTimeout(connection.retry);
        connection.retry = undefined;
        const result = connection.decoder.end();
        handleDecoded(connection, result.messages, result.errors);
        const outcome = connection.pending.offer(context);
        if (outcome?.kind === 'refused') connection.pending.drop('connection_closed');
        connection.socket.destroy();
      }
      connections.clear();
      flushUdp();
      if (udp) await new Promise<void>((resolve) => udp!.close(() => resolve()));
      await serverClosed;
    },
  };
}

function listenError(error: NodeJS.ErrnoException, transport: string, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new Error(`cannot listen for syslog on ${transport} ${host}:${port}: the port is in use; set logs.syslog.${transport}.port or stop what uses it`);
  }
  if (error.code === 'EACCES') {
    return new Error(`cannot listen for syslog on ${transport} ${host}:${port}: permission denied (ports below 1024 need root); use a port such as 5514`);
  }
  return error;
}
