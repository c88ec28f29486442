/**
 * Availability report over a period, from the per-minute SLI buckets: achieved
 * availability against the objective, budget spent and by which incidents, each
 * incident's start, detection (first page), resolve, time to detect and to recover,
 * and MTTF / MTTR with the availability they imply beside the measured one.
 *
 * Incidents are the SLO's page episodes, found by replaying the buckets through the
 * evaluator and the alert state machine (the same code that paged), so the report
 * needs no alert history: a page opens an incident, its resolve closes it. The
 * incident starts at the first minute of the run of minutes burning above 1× that
 * leads up to the page (the page itself when the minute before it did not burn).
 */
import { errorBudget, ratioAboveThreshold } from './burn-math.ts';
import { nextAlertState } from './alert-state.ts';
import type { SloAlertState } from './alert-state.ts';
import { formatHumanMinutes, formatPercent, formatWindow } from './duration.ts';
import { evaluateSlo, evaluationWindows } from './evaluate.ts';
import { policyWindows } from './policy.ts';
import { createSloWindowIndex } from './slo-window-index.ts';
import type { SloDefinition } from './types.ts';
import { MINUTE_MS } from './window-sums.ts';
import type { MinuteBucket } from './window-sums.ts';

export interface ReportIncident {
  /** minute (since the epoch) the errors began */
  startMinute: number;
  /** minute the first page fired */
  detectedMinute: number;
  /** minute the page resolved; null while it still fires at the report's end */
  resolvedMinute: number | null;
  timeToDetectMinutes: number;
  /** resolve − start; up to the report's end while unresolved */
  timeToRecoverMinutes: number;
  errors: number;
  /** errors of the incident / errors the period's budget allows */
  budgetSpent: number;
}

export interface SloReport {
  service: string;
  slo: string;
  objective: number;
  fromMinute: number;
  toMinute: number;
  good: number;
  total: number;
  /** good / total; null without events */
  achieved: number | null;
  met: boolean | null;
  /** errors / (budget × total); null without events */
  budgetSpent: number | null;
  incidents: ReportIncident[];
  /** mean (time between incidents): (period − time in incidents) / incidents; null without incidents */
  mttfMinutes: number | null;
  mttrMinutes: number | null;
  /** MTTF / (MTTF + MTTR) */
  impliedAvailability: number | null;
}

/**
 * The report of one SLO for minutes [fromMinute, toMinute). `buckets` ascending; those
 * before fromMinute (up to the policy's longest window) warm the windows up so an
 * incident near the start is judged as the runtime judged it.
 */
export function sloAvailabilityReport(slo: SloDefinition, buckets: readonly MinuteBucket[], fromMinute: number, toMinute: number): SloReport {
  const longest = Math.max(1, ...policyWindows(slo.policy));
  const index = createSloWindowIndex(slo);
  let state: SloAlertState | undefined;
  let next = 0;
  while (next < buckets.length && buckets[next].minute < fromMinute - longest) next++;
  const byMinute = new Map<number, MinuteBucket>();
  for (const b of buckets) if (b.minute >= fromMinute && b.minute < toMinute) byMinute.set(b.minute, b);

  const budget = errorBudget(slo.objective);
  const burning = (m: number) => {
    const b = byMinute.get(m);
    return b !== undefined && b.total > 0 && ratioAboveThreshold((b.total - b.good) / b.total, { factor: 1 }, slo.objective);
  };
  const incidents: Array<Omit<ReportIncident, 'timeToRecoverMinutes' | 'errors' | 'budgetSpent'>> = [];
  let open: (typeof incidents)[number] | undefined;
  for (let minute = fromMinute - longest; minute <= toMinute; minute++) {
    while (next < buckets.length && buckets[next].minute <= minute - 1) index.append(buckets[next++]);
    const nowMs = minute * MINUTE_MS;
    const evaluation = evaluateSlo(slo, index.sums(minute - 1, evaluationWindows(slo, nowMs)), nowMs);
    const step = nextAlertState(state, evaluation, nowMs);
    state = step.state;
    for (const n of step.notifications) {
      if (n.severity !== 'page') continue;
      if (n.status === 'firing' && minute >= fromMinute && !open) {
        let start = minute;
        while (start - 1 >= fromMinute && burning(start - 1)) start--;
        open = { startMinute: start, detectedMinute: minute, resolvedMinute: null, timeToDetectMinutes: minute - start };
        incidents.push(open);
      } else if (n.status === 'resolved' && open) {
        open.resolvedMinute = minute;
        open = undefined;
      }
    }
  }

  let good = 0;
  let total = 0;
  for (const b of byMinute.values()) {
    good += b.good;
    total += b.total;
  }
  const allowed = budget * total;
  const full: ReportIncident[] = incidents.map((i) => {
    const end = i.resolvedMinute ?? toMinute;
    let errors = 0;
    for (let m = i.startMinute; m < end; m++) {
      const b = byMinute.get(m);
      if (b) errors += b.total - b.good;
    }
    return { ...i, timeToRecoverMinutes: end - i.startMinute, errors, budgetSpent: allowed > 0 ? errors / allowed : 0 };
  });
  const n = full.length;
  const down = full.reduce((sum, i) => sum + i.timeToRecoverMinutes, 0);
  const mttr = n > 0 ? down / n : null;
  const mttf = n > 0 ? (toMinute - fromMinute - down) / n : null;
  const achieved = total > 0 ? good / total : null;
  return {
    service: slo.service,
    slo: slo.name,
    objective: slo.objective,
    fromMinute,
    toMinute,
    good,
    total,
    achieved,
    met: achieved === null ? null : achieved >= slo.objective,
    budgetSpent: total > 0 ? (total - good) / allowed : null,
    incidents: full,
    mttfMinutes: mttf,
    mttrMinutes: mttr,
    impliedAvailability: mttf !== null && mttr !== null ? mttf / (mttf + mttr) : null,
  };
}

export interface ServiceReport {
  service: string;
  slos: number;
  met: number;
  incidents: number;
  /** the lowest achieved availability among its SLOs */
  worstAchieved: number | null;
}

/** Per service: how many of its SLOs met their objective, its incidents, its worst SLO. */
export function serviceReports(reports: readonly SloReport[]): ServiceReport[] {
  const byService = new Map<string, SloReport[]>();
  for (const r of reports) byService.set(r.service, [...(byService.get(r.service) ?? []), r]);
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, list]) => {
      const achieved = list.map((r) => r.achieved).filter((a): a is number => a !== null);
      return {
        service,
        slos: list.length,
        met: list.filter((r) => r.met === true).length,
        incidents: list.reduce((sum, r) => sum + r.incidents.length, 0),
        worstAchieved: achieved.length > 0 ? Math.min(...achieved) : null,
      };
    });
}

const iso = (minute: number) => new Date(minute * MINUTE_MS).toISOString().replace(':00.000Z', 'Z');
const pct = (v: number | null, digits = 5) => (v === null ? 'n/a' : formatPercent(v, digits));
const dur = (m: number | null) => (m === null ? 'n/a' : formatHumanMinutes(m));

export function formatReportText(reports: readonly SloReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.service}/${r.slo}: ${pct(r.achieved)} achieved, objective ${formatPercent(r.objective, 6)} — ${r.met === null ? 'no events' : r.met ? 'met' : 'MISSED'}`);
    lines.push(`  ${iso(r.fromMinute)} … ${iso(r.toMinute)} (${formatWindow(r.toMinute - r.fromMinute)}): ${r.total - r.good} errors of ${r.total} events, budget spent ${pct(r.budgetSpent, 3)}`);
    if (r.incidents.length === 0) lines.push('  no incidents (no page)');
    for (const [k, i] of r.incidents.entries()) {
      lines.push(
        `  incident ${k + 1}: start ${iso(i.startMinute)}, paged ${iso(i.detectedMinute)} (detect ${dur(i.timeToDetectMinutes)}), ` +
          `${i.resolvedMinute === null ? 'still paging' : `resolved ${iso(i.resolvedMinute)}`} (recover ${dur(i.timeToRecoverMinutes)}), ` +
          `${i.errors} errors = ${pct(i.budgetSpent, 3)} of the budget`,
      );
    }
    if (r.incidents.length > 0) {
      lines.push(`  MTTF ${dur(r.mttfMinutes)}, MTTR ${dur(r.mttrMinutes)}: implied availability ${pct(r.impliedAvailability)} (measured ${pct(r.achieved)})`);
    }
  }
  const services = serviceReports(reports);
  if (services.length > 0) {
    lines.push('', 'per service:');
    for (const s of services) lines.push(`  ${s.service}: ${s.met}/${s.slos} SLOs met, ${s.incidents} incident${s.incidents === 1 ? '' : 's'}, worst ${pct(s.worstAchieved)}`);
  }
  return lines.join('\n');
}

const CSV_HEADER = [
  'service', 'slo', 'objective', 'from', 'to', 'good', 'total', 'achieved', 'met', 'budget_spent', 'mttf_minutes', 'mttr_minutes', 'implied_availability',
  'incident', 'incident_start', 'incident_detected', 'incident_resolved', 'time_to_detect_minutes', 'time_to_recover_minutes', 'incident_errors', 'incident_budget_spent',
];

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per incident (an SLO without incidents: one row with the incident columns empty). */
export function formatReportCsv(reports: readonly SloReport[]): string {
  const rows = [CSV_HEADER.join(',')];
  for (const r of reports) {
    const head = [r.service, r.slo, r.objective, iso(r.fromMinute), iso(r.toMinute), r.good, r.total, r.achieved, r.met, r.budgetSpent, r.mttfMinutes, r.mttrMinutes, r.impliedAvailability];
    const incidents = r.incidents.length > 0 ? r.incidents : [undefined];
    for (const [k, i] of incidents.entries()) {
      const tail = i
        ? [k + 1, iso(i.startMinute), iso(i.detectedMinute), i.resolvedMinute === null ? null : iso(i.resolvedMinute), i.timeToDetectMinutes, i.timeToRecoverMinutes, i.errors, i.budgetSpent]
        : [null, null, null, null, null, null, null, null];
      rows.push([...head, ...tail].map(csvCell).join(','));
    }
  }
  return `${rows.join('\n')}\n`;
}
