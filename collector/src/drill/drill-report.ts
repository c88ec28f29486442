import { detectionTable, type SloDefinition } from '@lookout/alerts';

/**
 * `lookout drill`: does my pager actually page? The pure half: what the spec predicts
 * for a full outage, what a drill measured, the verdict and the words. The I/O half is
 * run-drill.ts.
 */

export interface DrillPrediction {
  /** minutes from the start of a full outage to the first page; null when no page pair can fire */
  pageMinutes: number | null;
  /** e.g. '1h/5m' */
  pair?: string;
}

/** What the spec says a full outage (every request failing) does: the first page. */
export function predictFullOutagePage(slo: SloDefinition): DrillPrediction {
  const outage = detectionTable(slo).find((row) => row.errorRatio === 1);
  const pages = (outage?.bySeverity ?? []).filter((d) => d.severity === 'page' && d.pair).sort((a, b) => a.minutes - b.minutes);
  const first = pages[0];
  if (!first?.pair) return { pageMinutes: null };
  return { pageMinutes: first.minutes, pair: `${formatMinutes(first.pair.longWindowMinutes)}/${formatMinutes(first.pair.shortWindowMinutes)}` };
}

export interface DeliveryOutcome {
  receiver: string;
  state: 'delivered' | 'given_up' | 'pending';
  attempts: number;
  /** drill clock, when the drill saw it delivered */
  seenAtMs?: number;
  lastError?: string | null;
}

export interface DrillTimeline {
  slo: string;
  service: string;
  burnStartedMs: number;
  /** the drill saw the page firing (its own clock, at most one poll late) */
  pageSeenMs?: number;
  alertname?: string;
  pageDeliveries: DeliveryOutcome[];
  burnEndedMs?: number;
  resolvedSeenMs?: number;
  resolveDeliveries: DeliveryOutcome[];
  /** spans sent while burning and while recovering */
  errorSpans: number;
  goodSpans: number;
  /** the drill stopped waiting here, and why */
  gaveUp?: string;
  /** notes such as "the collector has no outbox view" */
  notes: string[];
}

export interface DrillVerdict {
  ok: boolean;
  /** one line per failed expectation */
  problems: string[];
  timeToPageMs?: number;
  timeToResolveMs?: number;
  /** measured time to page ÷ predicted, when there is a prediction */
  pageVsPrediction?: number;
}

export function drillVerdict(timeline: DrillTimeline, prediction: DrillPrediction | undefined, expectResolve: boolean): DrillVerdict {
  const problems: string[] = [];
  const verdict: DrillVerdict = { ok: true, problems };
  if (timeline.pageSeenMs === undefined) {
    problems.push(`no page fired for ${timeline.slo}${timeline.gaveUp ? ` (${timeline.gaveUp})` : ''}`);
  } else {
    verdict.timeToPageMs = timeline.pageSeenMs - timeline.burnStartedMs;
    if (prediction?.pageMinutes) verdict.pageVsPrediction = verdict.timeToPageMs / (prediction.pageMinutes * 60_000);
    if (timeline.pageDeliveries.length === 0 && !timeline.notes.some((n) => n.includes('no outbox view'))) {
      problems.push('the page reached no receiver: no notification was enqueued (is a notify receiver configured?)');
    }
    for (const d of timeline.pageDeliveries) {
      if (d.state !== 'delivered') problems.push(`the page was not delivered to ${d.receiver}: ${d.state}${d.lastError ? ` (${d.lastError})` : ''} after ${d.attempts} attempt(s)`);
    }
  }
  if (expectResolve && timeline.pageSeenMs !== undefined) {
    if (timeline.resolvedSeenMs === undefined) problems.push(`the page did not resolve${timeline.gaveUp ? ` (${timeline.gaveUp})` : ''}`);
    else {
      verdict.timeToResolveMs = timeline.resolvedSeenMs - (timeline.burnEndedMs ?? timeline.resolvedSeenMs);
      for (const d of timeline.resolveDeliveries) {
        if (d.state !== 'delivered') problems.push(`the resolve was not delivered to ${d.receiver}: ${d.state}${d.lastError ? ` (${d.lastError})` : ''}`);
      }
    }
  }
  verdict.ok = problems.length === 0;
  return verdict;
}

export function formatDrillReport(timeline: DrillTimeline, prediction: DrillPrediction | undefined, verdict: DrillVerdict): string {
  const lines = [`drill of SLO ${timeline.slo} (service ${timeline.service}): ${verdict.ok ? 'PASSED' : 'FAILED'}`];
  const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const expected =
    prediction === undefined
      ? 'no spec given (--spec): not compared'
      : prediction.pageMinutes === null
        ? 'the spec says a full outage never pages'
        : `${seconds(prediction.pageMinutes * 60_000)} by the ${prediction.pair} pair, plus up to a minute of bucket and evaluation delay`;
  lines.push(`  time to page     ${seconds(verdict.timeToPageMs)}   (expected: ${expected}${verdict.pageVsPrediction === undefined ? '' : `; measured ÷ expected ${verdict.pageVsPrediction.toFixed(2)}`})`);
  for (const d of timeline.pageDeliveries) {
    lines.push(`    → ${d.receiver}: ${d.state}${d.seenAtMs !== undefined ? ` ${seconds(d.seenAtMs - timeline.burnStartedMs)} after the burn started` : ''}${d.attempts > 1 ? `, ${d.attempts} attempts` : ''}`);
  }
  if (timeline.burnEndedMs !== undefined) lines.push(`  time to resolve  ${seconds(verdict.timeToResolveMs)}   (from the end of the burn)`);
  for (const d of timeline.resolveDeliveries) lines.push(`    → ${d.receiver}: resolve ${d.state}`);
  lines.push(`  spans sent: ${timeline.errorSpans} failing, ${timeline.goodSpans} succeeding`);
  for (const note of timeline.notes) lines.push(`  note: ${note}`);
  for (const problem of verdict.problems) lines.push(`  PROBLEM: ${problem}`);
  return `${lines.join('\n')}\n`;
}

function formatMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
