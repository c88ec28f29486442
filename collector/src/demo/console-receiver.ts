import { createServer, type Server } from 'node:http';

/**
 * Notifications printed to the console: a webhook receiver on loopback that the
 * collector's outbox sends to like any other (so what is printed went through the real
 * notify path: outbox, retries, Idempotency-Key), formatted for people.
 */
export interface ConsoleReceiver {
  url: string;
  close(): Promise<void>;
}

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

/** One line per alert of an Alertmanager-style webhook payload. Pure. */
export function formatNotification(payload: unknown, statusUrl: string): string[] {
  const alerts = (payload as { alerts?: WebhookAlert[] } | null)?.alerts;
  if (!Array.isArray(alerts)) return [];
  return alerts.map((alert) => {
    const what = alert.annotations?.summary ?? alert.labels?.alertname ?? 'alert';
    const severity = (alert.labels?.severity ?? '').toUpperCase();
    const link = alert.labels?.slo && alert.labels?.service ? `${statusUrl}/slos/${encodeURIComponent(alert.labels.service)}/${encodeURIComponent(alert.labels.slo)}` : `${statusUrl}/alerts`;
    const status = alert.status === 'resolved' ? 'RESOLVED' : 'FIRING  ';
    return `[notification] ${status} ${severity.padEnd(6)} ${what}  → ${link}`;
  });
}

export async function startConsoleReceiver(print: (line: string) => void, statusUrl: () => string): Promise<ConsoleReceiver> {
  const seen = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      // Retries carry the same Idempotency-Key: print each notification once.
      const key = String(request.headers['idempotency-key'] ?? '');
      if (key === '' || !seen.has(key)) {
        if (key) seen.add(key);
        let payload: unknown;
        try {
          payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          payload = undefined;
        }
        for (const line of formatNotification(payload, statusUrl())) print(line);
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/notifications`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
