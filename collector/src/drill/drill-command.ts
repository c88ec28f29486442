import { parseArgs } from 'node:util';
import { parseDuration } from '../core/units.ts';
import { loadSloFiles } from '../slo/index.ts';
import { drillVerdict, formatDrillReport, predictFullOutagePage, type DrillPrediction } from './drill-report.ts';
import { DrillSetupError, runDrill, type DrillDeps } from './run-drill.ts';

export const DRILL_USAGE = `usage: lookout drill --slo NAME [options]
  Burns a designated drill SLO on a running collector with failing requests, follows the
  page through the outbox to each receiver, then sends succeeding requests until the page
  resolves. Prints time to page (against the spec's detection time for a full outage) and
  time to resolve. Exit 0: paged, delivered and resolved; 1: it did not; 2: the drill
  could not run. Meant for cron: "does my pager actually page?"

  --slo NAME          the drill SLO (its filters must match --route)
  --service NAME      its service, when several SLOs share the name
  --url URL           the collector's HTTP listener (default http://127.0.0.1:4318)
  --spec FILE         the SLO's spec file, to compare time to page with its detection table
  --route PATH        http.route of the drill's spans (default /lookout-drill)
  --rate N            spans per second (default 20)
  --timeout DURATION  for the whole drill, e.g. 30m (default 20m)
  --no-resolve        stop once the page is delivered
  --json              print the timeline and verdict as JSON
  tokens: LOOKOUT_TOKEN (ingest) and LOOKOUT_READ_TOKEN (read APIs), or --token / --read-token
`;

export interface DrillCommandIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  deps?: Partial<DrillDeps>;
}

export async function drillCommand(args: string[], io: DrillCommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        slo: { type: 'string' },
        service: { type: 'string' },
        url: { type: 'string', default: 'http://127.0.0.1:4318' },
        spec: { type: 'string' },
        route: { type: 'string', default: '/lookout-drill' },
        rate: { type: 'string', default: '20' },
        timeout: { type: 'string', default: '20m' },
        token: { type: 'string' },
        'read-token': { type: 'string' },
        'no-resolve': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'poll-interval': { type: 'string', default: '1s' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.err(`lookout drill: ${(error as Error).message}\n${DRILL_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(DRILL_USAGE);
    return 0;
  }
  if (!values.slo) {
    io.err(`lookout drill: name the drill SLO with --slo NAME\n${DRILL_USAGE}`);
    return 2;
  }
  const rate = Number(values.rate);
  const timeoutMs = parseDuration(values.timeout);
  const pollMs = parseDuration(values['poll-interval']);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) {
    io.err(`lookout drill: --rate ${values.rate} is not a rate; give spans per second between 1 and 10000\n`);
    return 2;
  }
  if (timeoutMs === undefined || pollMs === undefined) {
    io.err(`lookout drill: --timeout ${values.timeout} / --poll-interval ${values['poll-interval']}: write a duration such as 15m, 90s or 500ms\n`);
    return 2;
  }
  let prediction: DrillPrediction | undefined;
  if (values.spec) {
    try {
      const loaded = loadSloFiles([values.spec]);
      const slo = loaded.slos.find((s) => s.name === values.slo && (values.service === undefined || s.service === values.service));
      if (!slo) {
        io.err(`lookout drill: ${values.spec} has no SLO named ${values.slo}; it has ${loaded.slos.map((s) => s.name).join(', ') || 'none'}\n`);
        return 2;
      }
      prediction = predictFullOutagePage(slo);
    } catch (error) {
      io.err(`lookout drill: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const deps: DrillDeps = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ...io.deps,
    onProgress: (phase, timeline) => {
      if (!values.json) io.err(`drill: ${phase} (${((Date.now() - timeline.burnStartedMs) / 1000).toFixed(1)} s)\n`);
      io.deps?.onProgress?.(phase, timeline);
    },
  };
  try {
    const timeline = await runDrill(
      {
        url: values.url,
        slo: values.slo,
        ...(values.service ? { service: values.service } : {}),
        route: values.route,
        ...(values.token ?? io.env.LOOKOUT_TOKEN ? { ingestToken: values.token ?? io.env.LOOKOUT_TOKEN } : {}),
        ...(values['read-token'] ?? io.env.LOOKOUT_READ_TOKEN ? { readToken: values['read-token'] ?? io.env.LOOKOUT_READ_TOKEN } : {}),
        spansPerSecond: rate,
        pollMs,
        timeoutMs,
        resolve: !values['no-resolve'],
        ...(prediction ? { prediction } : {}),
      },
      deps,
    );
    const verdict = drillVerdict(timeline, prediction, !values['no-resolve']);
    io.out(values.json ? `${JSON.stringify({ timeline, prediction, verdict }, null, 2)}\n` : formatDrillReport(timeline, prediction, verdict));
    return verdict.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof DrillSetupError) {
      io.err(`lookout drill: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
