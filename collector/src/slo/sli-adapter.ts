import { matchesSli } from '@lookout/alerts';
import type { LabelMatcher, SloDefinition } from '@lookout/alerts';
import type { RequestSli } from '../core/sli.ts';

/**
 * SLO specs (alerts/) → the SLIs the request pipeline counts into the SLI store.
 *
 * The SLI id is the SLO's name: the collector's lookout_slo_events_total{slo, service}
 * counters carry it as `slo`, and the exported Prometheus rules select them by
 * {slo=<name>, service=<service>}, so the name must be unique across services.
 * Filters that are plain equality on route or method become the matcher's exact
 * fields; anything else (regexes, !=, status_class) a filter with PromQL semantics.
 */

export type SliAdaptation =
  | { slo: SloDefinition; evaluable: true; sli: RequestSli }
  | { slo: SloDefinition; evaluable: false; reason: string };

function exactField(matchers: readonly LabelMatcher[], label: 'route' | 'method'): string | undefined {
  const equal = matchers.filter((m) => m.label === label && m.op === '=');
  return equal.length === 1 ? equal[0]!.value : undefined;
}

/** One SLO's SLI for the pipeline, or why Lookout cannot count it itself. */
export function adaptSli(slo: SloDefinition): SliAdaptation {
  const sli = slo.sli;
  if (sli.kind === 'promql-events' || sli.kind === 'promql-ratio') {
    return {
      slo,
      evaluable: false,
      reason: 'its SLI is PromQL (Sloth/OpenSLO Prometheus source), which only Prometheus can evaluate; load `lookout slo rules` output into Prometheus for its alerts',
    };
  }
  const route = exactField(sli.matchers, 'route');
  const method = exactField(sli.matchers, 'method');
  const rest = sli.matchers.filter(
    (m) => !((m.label === 'route' && route !== undefined && m.op === '=') || (m.label === 'method' && method !== undefined && m.op === '=')),
  );
  const definition: RequestSli = {
    id: slo.name,
    service: slo.service,
    // issue 12: a tenant's SLO counts only its tenant's requests (its name is already `<tenant>/<name>`)
    ...(slo.tenant !== undefined && slo.tenant !== '*' ? { tenant: slo.tenant } : {}),
    ...(route !== undefined ? { route } : {}),
    ...(method !== undefined ? { method } : {}),
    kind: sli.kind,
    ...(sli.kind === 'latency' ? { latencyThresholdSeconds: sli.thresholdSeconds } : {}),
    ...(rest.length > 0 ? { filter: (labels) => matchesSli(slo, { service: slo.service, ...labels }) } : {}),
  };
  return { slo, evaluable: true, sli: definition };
}

export interface AdaptedSlos {
  adaptations: SliAdaptation[];
  /** SLIs to count, one per evaluable SLO */
  definitions: RequestSli[];
  /** problems that stop the start: name clashes */
  problems: string[];
}

/** Every SLO adapted; SLI ids (SLO names) must be unique across services and config SLIs. */
export function adaptSlos(slos: readonly SloDefinition[], configSliIds: readonly string[] = []): AdaptedSlos {
  const adaptations = slos.map(adaptSli);
  const problems: string[] = [];
  const owner = new Map<string, string>();
  for (const id of configSliIds) owner.set(id, 'sli.definitions in the config');
  const definitions: RequestSli[] = [];
  for (const a of adaptations) {
    if (!a.evaluable) continue;
    const where = `${a.slo.source.file}:${a.slo.source.line}`;
    const before = owner.get(a.sli.id);
    if (before) {
      problems.push(
        `${where}: SLO name '${a.slo.name}' of service '${a.slo.service}' is also used by ${before}; the collector's per-SLO counters and exported rules are keyed by the name, so give it a unique name`,
      );
      continue;
    }
    owner.set(a.sli.id, `service '${a.slo.service}' (${where})`);
    definitions.push(a.sli);
  }
  return { adaptations, definitions, problems };
}
