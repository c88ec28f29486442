import { randomBytes } from 'node:crypto';
import type { DeliveryOutcome, DrillPrediction, DrillTimeline } from './drill-report.ts';

/**
 * `lookout drill`, the I/O half: against a running collector, burn a designated drill
 * SLO with failing requests (real OTLP spans for its service), watch the page fire
 * (GET /api/v1/alerts), follow it through the outbox to each receiver
 * (GET /api/v1/overview), then send succeeding requests until the page resolves and its
 * resolve is delivered. Every wait is bounded by one deadline; the clock, sleep and
 * fetch are injected.
 */

export interface DrillOptions {
  /** the collector's HTTP listener, e.g. http://127.0.0.1:4318 */
  url: string;
  slo: string;
  /** the SLO's service, when several SLOs share its name */
  service?: string;
  /** http.route of the drill spans; the drill SLO's filters must match it */
  route: string;
  ingestToken?: string;
  readToken?: string;
  spansPerSecond: number;
  pollMs: number;
  /** for the whole drill: page, delivery, resolve */
  timeoutMs: number;
  resolve: boolean;
  prediction?: DrillPrediction;
}

export type DrillPhase = 'burning' | 'paged' | 'page-delivered' | 'recovering' | 'resolved' | 'resolve-delivered';

export interface DrillDeps {
  now(): number;
  sleep(ms: number): Promise<void>;
  fetch?: typeof fetch;
  onProgress?(phase: DrillPhase, timeline: DrillTimeline): void;
}

/** The drill could not run at all (collector unreachable, unknown SLO, refused token): exit 2. */
export class DrillSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillSetupError';
  }
}

interface ApiAlert {
  labels: Record<string, string>;
  state: string;
  severity: string;
}

interface OutboxRow {
  receiver: string;
  status: string;
  state: string;
  alertname: string;
  attempts: number;
  lastError: string | null;
  enqueuedAt: string;
}

interface SloEntry {
  name: string;
  service: string;
  alerts?: ApiAlert[];
}

export async function runDrill(options: DrillOptions, deps: DrillDeps): Promise<DrillTimeline> {
  const http = deps.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, '');
  const readHeaders: Record<string, string> = options.readToken ? { authorization: `Bearer ${options.readToken}` } : {};

  async function getJson<T>(path: string): Promise<T | undefined> {
    let response: Response;
    try {
      response = await http(`${base}${path}`, { headers: readHeaders, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new DrillSetupError(`cannot reach the collector at ${base}${path}: ${(error as Error).message}; is it running, and is --url its HTTP listener?`);
    }
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) {
      throw new DrillSetupError(`${base}${path} answered ${response.status}: give the collector's read token with --read-token (or LOOKOUT_READ_TOKEN)`);
    }
    if (!response.ok) throw new DrillSetupError(`${base}${path} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return (await response.json()) as T;
  }

  // ---- which SLO ----
  const listed = await getJson<{ slos: SloEntry[] }>('/api/v1/slos');
  const slos = listed?.slos ?? [];
  const matches = slos.filter((s) => s.name === options.slo && (options.service === undefined || s.service === options.service));
  if (matches.length === 0) {
    const names = slos.map((s) => `${s.service}/${s.name}`).join(', ') || 'none';
    throw new DrillSetupError(`the collector at ${base} has no SLO named ${options.slo}${options.service ? ` for service ${options.service}` : ''}; it has: ${names}. Add a drill SLO to slos.files (collector/src/drill/README.md shows one).`);
  }
  if (matches.length > 1) throw new DrillSetupError(`several SLOs are named ${options.slo} (${matches.map((s) => s.service).join(', ')}): name the service with --service`);
  const target = matches[0]!;

  const timeline: DrillTimeline = {
    slo: target.name,
    service: target.service,
    burnStartedMs: deps.now(),
    pageDeliveries: [],
    resolveDeliveries: [],
    errorSpans: 0,
    goodSpans: 0,
    notes: [],
  };
  const deadline = timeline.burnStartedMs + options.timeoutMs;
  const isOurPage = (a: ApiAlert) => a.labels.slo === target.name && a.labels.service === target.service && a.severity === 'page' && a.state === 'firing';
  if ((target.alerts ?? []).some(isOurPage)) {
    throw new DrillSetupError(`the page of ${target.service}/${target.name} is already firing: a drill measures a page from a clean state; wait until it resolves`);
  }

  // ---- traffic ----
  const perPoll = Math.max(1, Math.round((options.spansPerSecond * options.pollMs) / 1000));
  async function send(failing: boolean): Promise<void> {
    const endNs = BigInt(deps.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: target.service } }, { key: 'lookout.drill', value: { boolValue: true } }] },
          scopeSpans: [
            {
              scope: { name: 'lookout-drill' },
              spans: Array.from({ length: perPoll }, () => ({
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: `GET ${options.route}`,
                kind: 2,
                startTimeUnixNano: String(endNs - 5_000_000n),
                endTimeUnixNano: String(endNs),
                attributes: [
                  { key: 'http.request.method', value: { stringValue: 'GET' } },
                  { key: 'http.route', value: { stringValue: options.route } },
                  { key: 'http.response.status_code', value: { intValue: failing ? 500 : 200 } },
                ],
                status: { code: failing ? 2 : 0, message: failing ? 'lookout drill: synthetic failure' : '' },
              })),
            },
          ],
        },
      ],
    };
    let response: Response;
    try {
      response = await http(`${base}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.ingestToken ? { authorization: `Bearer ${options.ingestToken}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      timeline.notes.push(`a batch of drill spans was not sent: ${(error as Error).message}`);
      return;
    }
    await response.text();
    if (response.status === 401) throw new DrillSetupError(`${base}/v1/traces answered 401: give an ingest token with --token (or LOOKOUT_TOKEN)`);
    if (response.status !== 200) {
      if (!timeline.notes.some((n) => n.startsWith(`the collector answered ${response.status}`))) timeline.notes.push(`the collector answered ${response.status} to some drill spans`);
      return;
    }
    if (failing) timeline.errorSpans += perPoll;
    else timeline.goodSpans += perPoll;
  }

  /** Sends one kind of traffic every poll until `done()` says so or the deadline passes. */
  async function pumpUntil(failing: boolean, what: string, done: () => Promise<boolean>): Promise<boolean> {
    for (;;) {
      await send(failing);
      if (await done()) return true;
      if (deps.now() >= deadline) {
        timeline.gaveUp = `gave up waiting for ${what} after ${Math.round(options.timeoutMs / 1000)} s (--timeout)`;
        return false;
      }
      await deps.sleep(options.pollMs);
    }
  }

  async function pageAlert(): Promise<ApiAlert | undefined> {
    const answer = await getJson<{ alerts: ApiAlert[] }>('/api/v1/alerts');
    return (answer?.alerts ?? []).find(isOurPage);
  }

  let outboxViewMissing = false;
  /** The outbox rows of this drill's page (or its resolve); undefined when there is no outbox view or no receiver. */
  async function outboxRows(status: 'firing' | 'resolved'): Promise<OutboxRow[] | undefined> {
    const overview = await getJson<{ outbox?: { configured: boolean; recent: OutboxRow[] } }>('/api/v1/overview');
    if (!overview?.outbox) {
      if (!outboxViewMissing) timeline.notes.push('the collector has no outbox view (GET /api/v1/overview): deliveries not followed');
      outboxViewMissing = true;
      return undefined;
    }
    if (!overview.outbox.configured) {
      if (!timeline.notes.some((n) => n.includes('no notify receiver'))) timeline.notes.push('the collector has no notify receiver configured: the page goes nowhere');
      return undefined;
    }
    const since = timeline.burnStartedMs - 5_000;
    return overview.outbox.recent.filter((r) => r.alertname === timeline.alertname && r.status === status && Date.parse(r.enqueuedAt) >= since);
  }

  function outcomes(rows: OutboxRow[], seen: Map<string, number>): DeliveryOutcome[] {
    const byReceiver = new Map<string, OutboxRow>();
    for (const row of rows) if (!byReceiver.has(row.receiver)) byReceiver.set(row.receiver, row);
    return [...byReceiver.values()].map((row) => {
      const state = row.state === 'delivered' || row.state === 'given_up' ? row.state : 'pending';
      if (state === 'delivered' && !seen.has(row.receiver)) seen.set(row.receiver, deps.now());
      return { receiver: row.receiver, state, attempts: row.attempts, lastError: row.lastError, ...(seen.has(row.receiver) ? { seenAtMs: seen.get(row.receiver) } : {}) };
    });
  }

  async function followDeliveries(status: 'firing' | 'resolved', into: DeliveryOutcome[], failing: boolean): Promise<void> {
    const seen = new Map<string, number>();
    await pumpUntil(failing, `the ${status === 'firing' ? 'page' : 'resolve'} to be delivered`, async () => {
      const rows = await outboxRows(status);
      if (rows === undefined) return true;
      into.splice(0, into.length, ...outcomes(rows, seen));
      return into.length > 0 && into.every((d) => d.state !== 'pending');
    });
  }

  // ---- burn until the page fires, then follow it ----
  deps.onProgress?.('burning', timeline);
  const paged = await pumpUntil(true, 'the page', async () => {
    const alert = await pageAlert();
    if (!alert) return false;
    timeline.pageSeenMs = deps.now();
    timeline.alertname = alert.labels.alertname;
    return true;
  });
  if (!paged) return timeline;
  deps.onProgress?.('paged', timeline);
  await followDeliveries('firing', timeline.pageDeliveries, true);
  deps.onProgress?.('page-delivered', timeline);
  if (!options.resolve) return timeline;

  // ---- recover: succeeding requests until the page resolves and the resolve is delivered ----
  timeline.burnEndedMs = deps.now();
  deps.onProgress?.('recovering', timeline);
  const resolved = await pumpUntil(false, 'the page to resolve', async () => {
    if (await pageAlert()) return false;
    timeline.resolvedSeenMs = deps.now();
    return true;
  });
  if (!resolved) return timeline;
  deps.onProgress?.('resolved', timeline);
  await followDeliveries('resolved', timeline.resolveDeliveries, false);
  deps.onProgress?.('resolve-delivered', timeline);
  return timeline;
}
