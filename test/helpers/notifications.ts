import type { AlertNotification } from '../../collector/src/notify/types.ts';
import { dedupKeyOf } from '../../collector/src/notify/keys.ts';

/**
 * A page of SLO `slo` of service checkout, as the SLO runtime hands it to the notifier:
 * firing, or resolved at `endsAt`. The dedup key follows from the labels, as in production.
 */
export function sloPage(slo: string, status: 'firing' | 'resolved' = 'firing', startsAt = '2024-05-01T11:58:00Z', endsAt = '2024-05-01T12:10:00Z'): AlertNotification {
  const labels = { alertname: 'SLOBurnRate', slo, service: 'checkout', severity: 'page' };
  return {
    dedupKey: dedupKeyOf(labels),
    status,
    labels,
    annotations: { summary: `${slo} burning` },
    startsAt,
    ...(status === 'resolved' ? { endsAt } : {}),
  };
}
