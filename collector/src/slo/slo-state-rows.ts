import type { ActiveAlert, NotificationGroup, SeverityClass, SloAlertState } from '@lookout/alerts';
import type { AlertStateRow } from '../store/alert-state-store.ts';
import type { OpenEpisode } from './notifications.ts';

/**
 * An SLO's alert state as store rows and back: one row per severity with a firing
 * alert — the firing alerts (their `firedAt` is kept), the open notification group and
 * the episode sent for it. Pending alerts are not stored: their `for` restarts after a
 * restart. Pure.
 */

/** What an SLO row's `machine` holds. */
export interface SloRowMachine {
  alerts: ActiveAlert[];
  group: NotificationGroup | null;
}

export type SloEpisodes = Partial<Record<SeverityClass, OpenEpisode>>;

const SEVERITIES: readonly SeverityClass[] = ['page', 'ticket'];

/** The unit (and rule) of an SLO in the store. */
export function sloUnit(slo: { service: string; name: string }): string {
  return `${slo.service}/${slo.name}`;
}

function firingOf(state: SloAlertState, severity: SeverityClass): ActiveAlert[] {
  return Object.values(state.alerts)
    .filter((a) => a.severity === severity && a.state === 'firing')
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * What must be stored, as a string: it changes when an alert starts or stops firing or
 * a group opens or closes, not when annotations (burn rates) move, so a steady firing
 * alert is not rewritten every cycle. '' when nothing fires.
 */
export function sloStateIdentity(state: SloAlertState | undefined, episodes: SloEpisodes): string {
  if (!state) return '';
  const parts: string[] = [];
  for (const severity of SEVERITIES) {
    const firing = firingOf(state, severity);
    const group = state.groups[severity];
    if (firing.length === 0 && !group) continue;
    const alerts = firing.map((a) => `${a.id}@${a.firedAtMs}`).join(',');
    parts.push(`${severity}:${alerts}|${group?.dedupKey ?? ''}|${(group && episodes[severity]?.startsAt) ?? ''}`);
  }
  return parts.join(';');
}

export function sloStateRows(unit: string, state: SloAlertState | undefined, episodes: SloEpisodes, nowMs: number): AlertStateRow[] {
  if (!state) return [];
  const rows: AlertStateRow[] = [];
  for (const severity of SEVERITIES) {
    const alerts = firingOf(state, severity);
    const group = state.groups[severity] ?? null;
    if (alerts.length === 0 && !group) continue;
    const episode = group ? episodes[severity] : undefined;
    const machine: SloRowMachine = { alerts, group };
    rows.push({
      source: 'slo',
      unit,
      key: severity,
      rule: unit,
      episode: episode ? { dedupKey: episode.dedupKey, startsAt: episode.startsAt, labels: episode.labels, annotations: episode.annotations } : null,
      machine,
      changedAt: nowMs,
    });
  }
  return rows;
}

function fail(what: string): never {
  throw new Error(what);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every((v) => typeof v === 'string');
}

function readAlert(value: unknown, severity: SeverityClass, where: string): ActiveAlert {
  if (!value || typeof value !== 'object') fail(`${where} is not an object`);
  const a = value as Record<string, unknown>;
  if (typeof a.id !== 'string' || a.id === '') fail(`${where}.id is not a string`);
  if (a.kind !== 'burn-rate' && a.kind !== 'no-data' && a.kind !== 'budget-exhaustion') fail(`${where}.kind is not 'burn-rate', 'no-data' or 'budget-exhaustion'`);
  if (a.severity !== severity) fail(`${where}.severity is not '${severity}' (the row's key)`);
  if (!isStringRecord(a.labels)) fail(`${where}.labels is not an object of strings`);
  if (!isStringRecord(a.annotations)) fail(`${where}.annotations is not an object of strings`);
  if (a.state !== 'firing') fail(`${where}.state is not 'firing' (only firing alerts are stored)`);
  if (typeof a.activeAtMs !== 'number' || typeof a.firedAtMs !== 'number') fail(`${where}.activeAtMs/firedAtMs are not numbers`);
  if (a.value !== null && typeof a.value !== 'number') fail(`${where}.value is not a number or null`);
  return {
    id: a.id,
    kind: a.kind,
    severity,
    labels: a.labels,
    annotations: a.annotations,
    state: 'firing',
    activeAtMs: a.activeAtMs,
    firedAtMs: a.firedAtMs,
    value: a.value as number | null,
    inhibited: a.inhibited === true,
  };
}

/** Checks one row of an SLO; throws saying what is wrong with it. */
export function readSloRow(row: AlertStateRow): { severity: SeverityClass; machine: SloRowMachine; episode: OpenEpisode | undefined } {
  const where = `SLO ${row.unit} ${row.key} row`;
  if (row.key !== 'page' && row.key !== 'ticket') fail(`${where}: key is not 'page' or 'ticket'`);
  const severity: SeverityClass = row.key;
  const machine = row.machine as Record<string, unknown> | null;
  if (!machine || typeof machine !== 'object' || !Array.isArray(machine.alerts)) fail(`${where}: machine.alerts is not a list`);
  const alerts = machine.alerts.map((a, i) => readAlert(a, severity, `${where}: machine.alerts[${i}]`));
  let group: NotificationGroup | null = null;
  if (machine.group !== null && machine.group !== undefined) {
    const g = machine.group as Record<string, unknown>;
    if (typeof g.openedAtMs !== 'number' || typeof g.dedupKey !== 'string') fail(`${where}: machine.group is not { openedAtMs, dedupKey }`);
    group = { openedAtMs: g.openedAtMs, dedupKey: g.dedupKey };
  }
  const episode = row.episode ? { ...row.episode } : undefined;
  return { severity, machine: { alerts, group }, episode };
}

/** The state and episodes of one SLO from its rows (as checked by readSloRow). */
export function restoreSloState(rows: ReadonlyArray<ReturnType<typeof readSloRow>>): { state: SloAlertState; episodes: SloEpisodes } {
  const state: SloAlertState = { alerts: {}, groups: {} };
  const episodes: SloEpisodes = {};
  for (const { severity, machine, episode } of rows) {
    for (const alert of machine.alerts) state.alerts[alert.id] = alert;
    if (machine.group) {
      state.groups[severity] = machine.group;
      if (episode) episodes[severity] = episode;
    }
  }
  return { state, episodes };
}
