import { z } from 'zod';
import { durationSchema, portSchema, sizeSchema } from '../core/units.ts';
import { logMetricsConfigSchema } from '../processors/config.ts';
import { logParsingSchema } from '../logs/config-schema.ts';

/**
 * The `logs:` section of lookout.yaml: the log receivers besides OTLP (raw lines and
 * Loki push on the HTTP listener, syslog on its own sockets) and the log → metrics
 * processor. Documented in collector/README.md, "Log receivers".
 */

export const rawLinesConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('POST /v1/logs/raw on the HTTP listener'),
    maxBodyBytes: sizeSchema.default(8 * 1024 * 1024).describe('largest request body on the wire'),
    maxDecompressedBytes: sizeSchema.default(32 * 1024 * 1024).describe('largest body after gzip decompression'),
  })
  .prefault({});

export const lokiPushConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('POST /loki/api/v1/push on the HTTP listener (Promtail, Alloy, Docker loki driver)'),
    maxBodyBytes: sizeSchema.default(8 * 1024 * 1024).describe('largest request body on the wire'),
    maxDecompressedBytes: sizeSchema.default(32 * 1024 * 1024).describe('largest body after snappy or gzip decompression'),
  })
  .prefault({});

const syslogListenerSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    host: z.string().default('127.0.0.1').describe('listen address; 0.0.0.0 to accept remote senders'),
    port: portSchema.default(5514).describe('514 needs root; 5514 does not'),
  })
  .prefault({});

export const syslogConfigSchema = z
  .strictObject({
    udp: syslogListenerSchema.describe('one message per datagram; lossy by nature (drops are counted)'),
    tcp: syslogListenerSchema.describe('RFC 6587 framing (octet counting or LF), detected per connection'),
    maxMessageBytes: sizeSchema.default(64 * 1024).describe('longer messages are dropped and counted'),
    maxConnections: z.number().int().positive().default(256).describe('TCP connections at once; more are refused'),
    idleTimeout: durationSchema.default(5 * 60_000).describe('a TCP connection silent this long is closed'),
    flushInterval: durationSchema.default(200).describe('records are offered to the queue at least this often'),
    flushRecords: z.number().int().positive().default(1000).describe('… or as soon as this many are waiting'),
    utcOffset: z.string().default('UTC').describe('zone of RFC 3164 timestamps (they carry none)'),
  })
  .prefault({});

export const logsConfigSchema = z
  .strictObject({
    parsing: logParsingSchema.describe('how raw and Loki lines are parsed unless a request names its format'),
    maxStreams: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('streams (tenant + labels) whose format detection state is kept; the least recently used goes first'),
    raw: rawLinesConfigSchema,
    loki: lokiPushConfigSchema,
    syslog: syslogConfigSchema,
    metrics: logMetricsConfigSchema,
  })
  .prefault({});

export type LogsConfig = z.output<typeof logsConfigSchema>;
export type LogsConfigInput = z.input<typeof logsConfigSchema>;
