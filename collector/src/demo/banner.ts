import type { DemoTimeline } from './schedule.ts';

/** What `lookout up` started, for the banner. */
export interface StackFacts {
  statusUrl: string;
  otlpHttpUrl: string;
  grpcPort?: number;
  configFile?: string;
  dataDir: string;
  sloFiles: string[];
  receivers: string[];
  demo?: {
    shopUrl: string;
    accessLog: string;
    shopLog: string;
    tlsUrl: string;
    certificateDays: number;
    postgres?: string;
    postgresSkipped?: string;
    timeline: DemoTimeline;
    fast: boolean;
  };
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function inWords(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** The human banner of `lookout up` (not JSON). Pure. */
export function banner(facts: StackFacts): string {
  const lines: string[] = [];
  lines.push('', '  Lookout is running.', '');
  lines.push(`  Status page      ${facts.statusUrl}/`);
  lines.push(`  OTLP/HTTP        ${facts.otlpHttpUrl}   (traces, metrics, logs; also /v1/logs/raw, Loki push)`);
  if (facts.grpcPort !== undefined) lines.push(`  OTLP/gRPC        port ${facts.grpcPort}`);
  lines.push(`  Config           ${facts.configFile ?? 'built-in defaults (no lookout.yaml here; pass --config FILE to use one)'}`);
  lines.push(`  Data dir         ${facts.dataDir}   (SLI history, alert state, outbox, recent traces)`);
  lines.push(`  SLO specs        ${facts.sloFiles.length > 0 ? facts.sloFiles.join(', ') : 'none'}`);
  lines.push(`  Notifications    ${facts.receivers.join(', ')}`);
  const demo = facts.demo;
  if (demo) {
    const t = demo.timeline;
    lines.push('', '  The demo');
    lines.push(`    shop service   ${demo.shopUrl}   (fastify under @lookout/agent; pino log: ${demo.shopLog})`);
    lines.push(`    host agent     tails ${demo.accessLog} as service shop-edge, sends host metrics`);
    lines.push(`    traffic        product list, product pages and checkouts against the shop`);
    lines.push(`    HTTPS          ${demo.tlsUrl}   (certificate expires in ${demo.certificateDays} days)`);
    lines.push(`    PostgreSQL     ${demo.postgres ? `size probe of ${demo.postgres}` : `not probed: ${demo.postgresSkipped ?? 'none reachable'}`}`);
    lines.push('', '  What happens next');
    lines.push(`    now            the TLS probe opens a ticket: the certificate expires in under 14 days`);
    lines.push(`    ${clock(t.incidentStartMs)} (in ${inWords(t.incidentStartMs - t.startMs)})  incident: checkout fails often, product pages slow down`);
    lines.push(`                   → shop/checkout-availability pages within about ${demo.fast ? 'a minute' : 'two minutes'}; see it on the status page`);
    lines.push(`    ${clock(t.incidentEndMs)} (in ${inWords(t.incidentEndMs - t.startMs)})  the incident ends; the page resolves once the short window (${demo.fast ? '1m' : '5m'}) is clean`);
    lines.push(`    ${clock(t.renewCertificateAtMs)} (in ${inWords(t.renewCertificateAtMs - t.startMs)})  the certificate is renewed for 90 days; the TLS ticket resolves`);
  }
  lines.push('', '  Send your own service\'s data');
  lines.push(`    Node:      OTEL_EXPORTER_OTLP_ENDPOINT=${facts.otlpHttpUrl} OTEL_SERVICE_NAME=my-service node --import @lookout/agent/register app.js`);
  lines.push(`    any OTel SDK (gRPC): OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${facts.grpcPort ?? 4317} OTEL_EXPORTER_OTLP_PROTOCOL=grpc`);
  lines.push(`    log lines: curl --data-binary @access.log '${facts.otlpHttpUrl}/v1/logs/raw?format=access&service=my-service'`);
  lines.push(`    SLOs:      write a spec (see collector/demo/slos/shop.yaml) and list it under slos.files in lookout.yaml`);
  lines.push('', `  ${facts.demo ? 'lookout up --no-demo runs the same stack without the demo. ' : ''}Ctrl-C stops everything.`, '');
  return lines.join('\n');
}
