import { parseArgs } from 'node:util';
import { FAST_TIMINGS, NORMAL_TIMINGS, type DemoTimings } from './schedule.ts';

export const UP_USAGE = `usage: lookout up [options]      (npm start runs it)
  the collector with its status page, and (unless --no-demo) a demo shop service under
  the Node agent, a host agent tailing its access log, traffic with a scheduled incident,
  and a TLS endpoint whose certificate expires in a few days.

  --no-demo            run the collector alone, for your own services
  --config FILE        collector config (default: ./lookout.yaml if present, else built-in defaults)
  --data-dir DIR       where SQLite files, the demo's logs and certificates go (default ./data)
  --port N             HTTP port: OTLP/HTTP, status page, API (default 4318; 0 = any free port)
  --grpc-port N        OTLP/gRPC port (default 4317; 0 = any free port)
  --fast               the demo story in about three minutes (minute-scale SLO windows)
  -h, --help           this text

environment: ALERTMANAGER_URL (alerts also go to this Alertmanager), LOOKOUT_WEBHOOK_URL
(and to this webhook), LOOKOUT_DEMO_FAST=1 (same as --fast), DATABASE_URL (PostgreSQL to
probe; else postgres://127.0.0.1:5432/postgres is tried).
`;

export interface UpOptions {
  demo: boolean;
  configFile?: string;
  dataDir: string;
  /** --data-dir was given (it then wins over a config file's storage.dataDir) */
  dataDirGiven: boolean;
  port: number;
  grpcPort: number;
  timings: DemoTimings;
  alertmanagerUrl?: string;
  webhookUrl?: string;
  databaseUrl?: string;
  help: boolean;
}

function port(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UpUsageError(`${flag} '${text}' is not a port; give a number from 0 to 65535 (0 = any free port)`);
  return n;
}

export class UpUsageError extends Error {}

function url(text: string | undefined, variable: string): string | undefined {
  if (!text) return undefined;
  try {
    const parsed = new URL(text);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return text;
  } catch {
    // reported below
  }
  throw new UpUsageError(`${variable}='${text}' is not an http(s) URL; e.g. ${variable}=http://127.0.0.1:9093`);
}

/** `lookout up` arguments and environment → options. Throws UpUsageError with the fix. */
export function parseUpOptions(args: string[], env: NodeJS.ProcessEnv): UpOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'no-demo': { type: 'boolean' },
        config: { type: 'string', short: 'c' },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        'grpc-port': { type: 'string' },
        fast: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UpUsageError(`lookout up: ${(error as Error).message}`);
  }
  const fast = values.fast === true || env.LOOKOUT_DEMO_FAST === '1' || env.LOOKOUT_DEMO_FAST === 'true';
  const options: UpOptions = {
    demo: values['no-demo'] !== true,
    dataDir: values['data-dir'] ?? 'data',
    dataDirGiven: values['data-dir'] !== undefined,
    port: port(values.port, 4318, '--port'),
    grpcPort: port(values['grpc-port'], 4317, '--grpc-port'),
    timings: fast ? FAST_TIMINGS : NORMAL_TIMINGS,
    help: values.help === true,
  };
  if (values.config) options.configFile = values.config;
  const alertmanagerUrl = url(env.ALERTMANAGER_URL, 'ALERTMANAGER_URL');
  const webhookUrl = url(env.LOOKOUT_WEBHOOK_URL, 'LOOKOUT_WEBHOOK_URL');
  if (alertmanagerUrl) options.alertmanagerUrl = alertmanagerUrl;
  if (webhookUrl) options.webhookUrl = webhookUrl;
  if (env.DATABASE_URL) options.databaseUrl = env.DATABASE_URL;
  return options;
}
