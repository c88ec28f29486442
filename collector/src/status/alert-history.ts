/**
 * Alert episodes as the status page shows them: each time an alert starts firing an
 * episode opens (start = when its condition began, detection = when it fired), and it
 * closes when the alert is no longer firing. Fed by polling the runtimes' active
 * alerts; pure apart from its own bounded memory (time is passed in).
 */

export interface ObservedAlert {
  source: 'slo' | 'threshold';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  severity: string;
  state: string;
  activeAtMs: number;
  firedAtMs: number | null;
}

export interface AlertEpisode {
  key: string;
  source: 'slo' | 'threshold';
  labels: Record<string, string>;
  /** latest annotations seen while it fired */
  annotations: Record<string, string>;
  severity: string;
  /** when its condition began (the alert went pending) */
  startMs: number;
  /** when it fired */
  detectedMs: number;
  resolvedMs: number | null;
  /** SLO budget left when it fired and when it resolved (null: unknown or not an SLO) */
  budgetAtStart: number | null;
  budgetAtEnd: number | null;
}

export function alertKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

export class AlertHistory {
  private readonly maxEpisodes: number;
  private readonly open = new Map<string, AlertEpisode>();
  /** oldest first */
  private readonly closed: AlertEpisode[] = [];

  constructor(options: { maxEpisodes?: number } = {}) {
    this.maxEpisodes = options.maxEpisodes ?? 1000;
  }

  /**
   * The alerts active now; `budgetOf` gives an SLO alert's budget left (labels service
   * and slo) for the episode's "budget spent".
   */
  observe(alerts: readonly ObservedAlert[], nowMs: number, budgetOf: (labels: Record<string, string>) => number | null = () => null): void {
    const firing = new Set<string>();
    for (const alert of alerts) {
      if (alert.state !== 'firing') continue;
      const key = alertKey(alert.labels);
      firing.add(key);
      const episode = this.open.get(key);
      if (episode) {
        episode.annotations = alert.annotations;
        continue;
      }
      this.open.set(key, {
        key,
        source: alert.source,
        labels: alert.labels,
        annotations: alert.annotations,
        severity: alert.severity,
        startMs: alert.activeAtMs,
        detectedMs: alert.firedAtMs ?? nowMs,
        resolvedMs: null,
        budgetAtStart: alert.source === 'slo' ? budgetOf(alert.labels) : null,
        budgetAtEnd: null,
      });
    }
    for (const [key, episode] of this.open) {
      if (firing.has(key)) continue;
      this.open.delete(key);
      episode.resolvedMs = nowMs;
      episode.budgetAtEnd = episode.source === 'slo' ? budgetOf(episode.labels) : null;
      this.closed.push(episode);
      if (this.closed.length > this.maxEpisodes) this.closed.shift();
    }
  }

  /** Open and closed episodes, newest start first; `match` filters on labels. */
  episodes(match: Record<string, string> = {}): AlertEpisode[] {
    const all = [...this.open.values(), ...this.closed];
    return all
      .filter((e) => Object.entries(match).every(([k, v]) => e.labels[k] === v))
      .sort((a, b) => b.detectedMs - a.detectedMs);
  }
}
