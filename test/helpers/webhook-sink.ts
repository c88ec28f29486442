import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request the sink received, with its arrival time. */
export interface SinkRequest {
  /** Date.now() when the body had arrived */
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  /** parsed body, or undefined when not JSON */
  json: unknown;
  idempotencyKey?: string;
  /** status the sink answered (or will answer) */
  status: number;
}

export interface WebhookSink {
  url: string;
  port: number;
  requests: SinkRequest[];
  /** requests on `path` (all when absent) */
  on(path?: string): SinkRequest[];
  /**
   * What a careful end receiver keeps: the first accepted (2xx) request per
   * Idempotency-Key; requests without the header are all kept.
   */
  accepted(path?: string): SinkRequest[];
  /** accepted requests whose Idempotency-Key had been accepted before (dropped by accepted()) */
  duplicates(path?: string): SinkRequest[];
  /** the next `count` requests are answered with `status` (default: all of them, until reset with 200) */
  respondWith(status: number, count?: number): void;
  /** each answer is held back this long after the request was recorded (and forwarded) */
  delayResponses(ms: number): void;
  /** requests recorded whose answer has not been sent yet */
  held(): number;
  /** stops listening and drops open connections: senders get ECONNREFUSED */
  refuse(): Promise<void>;
  /** listens again on the same port */
  accept(): Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/** One alert of an Alertmanager-format webhook body (what Lookout's webhook receiver sends). */
export interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** The alerts of Alertmanager-format webhook requests, in arrival order (requests without a body give none). */
export function webhookAlerts(requests: SinkRequest[]): WebhookAlert[] {
  return requests.flatMap((r) => (r.json as { alerts?: WebhookAlert[] } | undefined)?.alerts ?? []);
}

/** The first alert of one webhook request. */
export function firstAlert(request: SinkRequest): WebhookAlert {
  return (request.json as { alerts: WebhookAlert[] }).alerts[0]!;
}

/** Page-severity alerts in `status` (firing, resolved) that reached `path` of the sink. */
export function pagesAt(sink: WebhookSink, status: string, path = '/hook'): WebhookAlert[] {
  return webhookAlerts(sink.on(path)).filter((a) => a.labels.severity === 'page' && a.status === status);
}

export interface WebhookSinkOptions {
  /**
   * Forward each request (same path, body and content type) to this base URL and
   * answer with its status: a recording, delaying proxy in front of a real server.
   */
  forwardTo?: string;
}

const MAX_BODY = 1024 * 1024;

/** A webhook receiver on 127.0.0.1 and a random port that records what arrives. */
export async function startWebhookSink(options: WebhookSinkOptions = {}): Promise<WebhookSink> {
  const requests: SinkRequest[] = [];
  let failStatus = 200;
  let failCount = 0;
  let delayMs = 0;
  let held = 0;
  const sockets = new Set<Socket>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  const answer = (response: ServerResponse, status: number, body: string) => {
    held++;
    const send = () => {
      held--;
      if (!response.destroyed) response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    if (delayMs <= 0) return send();
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      send();
    }, delayMs);
    pendingTimers.add(timer);
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    request.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      let status = 200;
      let body = 'ok';
      if (failCount > 0) {
        status = failStatus;
        body = `sink told to answer ${failStatus}`;
        failCount--;
      }
      const key = request.headers['idempotency-key'];
      const record: SinkRequest = {
        at: Date.now(),
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        text,
        json,
        status,
        ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
      };
      requests.push(record);
      if (options.forwardTo && status === 200) {
        try {
          const upstream = await fetch(options.forwardTo + record.path, {
            method: record.method,
            headers: { 'content-type': String(request.headers['content-type'] ?? 'application/json') },
            body: text,
            signal: AbortSignal.timeout(5000),
          });
          status = upstream.status;
          body = await upstream.text();
        } catch (error) {
          status = 502;
          body = `forward failed: ${(error as Error).message}`;
        }
        record.status = status;
      }
      answer(response, status, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const filter = (path?: string) => requests.filter((r) => path === undefined || r.path === path);
  const acceptedAndDuplicates = (path?: string) => {
    const seen = new Set<string>();
    const accepted: SinkRequest[] = [];
    const duplicates: SinkRequest[] = [];
    for (const r of filter(path)) {
      if (r.status < 200 || r.status >= 300) continue;
      if (r.idempotencyKey === undefined) accepted.push(r);
      else if (seen.has(r.idempotencyKey)) duplicates.push(r);
      else {
        seen.add(r.idempotencyKey);
        accepted.push(r);
      }
    }
    return { accepted, duplicates };
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    on: filter,
    accepted: (path) => acceptedAndDuplicates(path).accepted,
    duplicates: (path) => acceptedAndDuplicates(path).duplicates,
    respondWith(status, count = Infinity) {
      failStatus = status;
      failCount = status === 200 ? 0 : count;
    },
    delayResponses(ms) {
      delayMs = ms;
    },
    held: () => held,
    refuse: stopListening,
    accept: () => listen(port),
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`webhook sink: ${what} did not happen within ${timeoutMs} ms; ${requests.length} requests so far`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      await stopListening();
    },
  };
}
