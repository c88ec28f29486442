import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { Signal } from '@lookout/otlp';
import { encodeStatusJson, encodeStatusProtobuf } from '@lookout/otlp';
import type { SelfMetrics } from '../pipeline/self-metrics.ts';
import { bodyTooSlow, declaredLength, type Admission, type AdmissionDecision, type QueueDepth } from './admission.ts';

/** What admission needs to know about an ingest route. */
export interface AdmissionRoute {
  receiver: string;
  signal: Signal;
  /** the route's body limit: the charge of a request that declares no length */
  bodyLimit: number;
  /** OTLP answers a google.rpc.Status in the request's encoding; the log receivers JSON */
  otlp: boolean;
}

const RESOURCE_EXHAUSTED = 8;
/** a refused request's body up to this size is read and dropped, keeping its connection */
const DRAIN_MAX_BYTES = 64 * 1024;
/** ...and must have arrived within this, or its connection is closed */
const DRAIN_WAIT_MS = 1000;
/** set on a request admission already decided in the listener's callback */
const DECIDED = Symbol('lookout.admission.decided');
/** set on a request admitted before its body arrived */
const PENDING = Symbol('lookout.admission.pending');

/** A request admitted before its body arrived: not counted, counted once arrived, or refused then. */
interface PendingBody {
  route: AdmissionRoute;
  reserved: boolean;
  state: 'pending' | 'counted' | 'refused';
  refusal?: Extract<AdmissionDecision, { admitted: false }>;
}

/**
 * Hooks admission (admission.ts) on the HTTP listener: an onRequest hook on the root
 * instance, so it runs when the headers have arrived and before any byte of the body
 * is read, inflated or decoded. A refused request gets 429 + Retry-After and
 * `Connection: close` (its unread body is not worth reading); an admitted one holds
 * its charge until its answer is sent or its connection closes. Other paths (health,
 * readiness, /metrics, the API) are never refused here.
 */
export function installAdmission(
  app: FastifyInstance,
  options: {
    admission: Admission;
    queueDepth: () => QueueDepth;
    routes: ReadonlyMap<string, AdmissionRoute>;
    metrics: SelfMetrics;
    registry: Registry;
    /** bodies slower than this on average (after `slowBodyGraceMs`) get 408 and are closed; 0 turns it off */
    minBodyBytesPerSecond: number;
    slowBodyGraceMs: number;
    now: () => number;
    /** the event loop's lag now, ms (event-loop-lag.ts); 0 when not measured */
    eventLoopLagMs?: () => number;
    /** how long an append of this signal would wait for the write-ahead log's sync, ms; 0 or absent: memory durability */
    syncWaitMs?: (signal: Signal) => number;
    /** the tenant of a request's Authorization header (issue 12: refusals per tenant); undefined when unknown */
    tenantOf?: (authorization: string | undefined) => string | undefined;
  },
): { close(): void } {
  const { admission, routes, metrics } = options;
  new Gauge({
    name: 'lookout_receiver_inflight_bytes',
    help: 'Declared body bytes of ingest requests being read or decoded now (pipeline.admission.maxInFlightBytes bounds them).',
    registers: [options.registry],
    collect() {
      this.set(admission.bytesInFlight);
    },
  });
  new Gauge({
    name: 'lookout_receiver_inflight_requests',
    help: 'Ingest requests admitted and not yet answered.',
    registers: [options.registry],
    collect() {
      this.set(admission.requestsInFlight);
    },
  });
  // Admitted requests whose bodies had not arrived when they were decided: each counts
  // toward the concurrency limit once its body is complete (seen by a sweep, or at the
  // latest in preHandler, when fastify has read it); one that finds the limit reached
  // then gets its 429 there, before it is decoded (admission.ts, bodyArrived).
  const pendingBodies = new Map<IncomingMessage, PendingBody>();
  const arrive = (req: IncomingMessage, pending: PendingBody, mayRefuse = true) => {
    pendingBodies.delete(req);
    const refusal = admission.bodyArrived('http', pending.reserved || !mayRefuse, options.syncWaitMs?.(pending.route.signal) ?? 0);
    pending.state = refusal ? 'refused' : 'counted';
    if (refusal) pending.refusal = refusal;
  };
  let lastSweepMs = Number.NEGATIVE_INFINITY;
  const sweepArrivedBodies = (at: number) => {
    // many bodies trickling in (slow clients): look at them at most once a millisecond
    if (pendingBodies.size > 64 && at === lastSweepMs) return;
    lastSweepMs = at;
    for (const [req, pending] of pendingBodies) if (req.complete) arrive(req, pending);
  };
  // One timer for every body being read: each tick, a body below the minimum rate is cut off.
  const reading = new Map<import('node:net').Socket, { startedMs: number; bytesAtStart: number; declared: number | undefined; cutOff: () => void }>();
  const timer = setInterval(() => {
    const at = options.now();
    sweepArrivedBodies(at);
    for (const [socket, body] of reading) {
      const received = socket.bytesRead - body.bytesAtStart;
      if (body.declared !== undefined && received >= body.declared) {
        reading.delete(socket); // all of it arrived; the rest is the handler's time, not the client's
        continue;
      }
      if (bodyTooSlow(received, at - body.startedMs, options.slowBodyGraceMs, options.minBodyBytesPerSecond)) body.cutOff();
    }
  }, Math.max(100, Math.min(1000, options.slowBodyGraceMs / 2)));
  timer.unref();
  /**
   * Admission of one request from its headers: 'pass' (not an ingest route), 'admitted'
   * (its charge held until its answer is sent or its connection closes), or 'refused'
   * (429 written, on the raw response, without fastify).
   */
  const decide = (req: IncomingMessage, res: ServerResponse): 'pass' | 'admitted' | 'refused' => {
    if (req.method !== 'POST') return 'pass';
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const route = routes.get(query >= 0 ? url.slice(0, query) : url);
    if (!route) return 'pass';
    const declared = declaredLength(req.headers['content-length']);
    const client = req.headers.authorization ?? req.socket?.remoteAddress;
    sweepArrivedBodies(options.now());
    const bodyPending = declared !== 0 && !req.complete;
    const decision = admission.admit(declared, route.bodyLimit, options.queueDepth(), {
      listener: 'http',
      eventLoopLagMs: options.eventLoopLagMs?.() ?? 0,
      syncWaitMs: options.syncWaitMs?.(route.signal) ?? 0,
      ...(client !== undefined ? { client } : {}),
      ...(bodyPending ? { bodyPending } : {}),
    });
    if (decision.admitted) {
      const pending: PendingBody | undefined = decision.pending ? { route, reserved: decision.reserved === true, state: 'pending' } : undefined;
      if (pending) {
        pendingBodies.set(req, pending);
        (req as IncomingMessage & { [PENDING]?: PendingBody })[PENDING] = pending;
      }
      let released = false;
      res.once('close', () => {
        if (released) return;
        released = true;
        pendingBodies.delete(req);
        // counted as arrived only if its arrival was counted (the counts stay paired)
        const arrived = !pending || pending.state === 'counted';
        admission.release(decision.charge, 'http', decision.client, decision.reserved, arrived);
      });
      const socket = req.socket;
      if (options.minBodyBytesPerSecond > 0 && socket && declared !== 0) {
        reading.set(socket, {
          startedMs: options.now(),
          bytesAtStart: socket.bytesRead,
          declared,
          cutOff: () => {
            reading.delete(socket);
            metrics.refusedRequests.inc({ receiver: route.receiver, signal: route.signal, reason: 'slow_body' });
            metrics.requests.inc({ receiver: route.receiver, signal: route.signal, code: '408' });
            const message = `request body arrived slower than ${options.minBodyBytesPerSecond} bytes/s (receivers.otlp.http.minBodyBytesPerSecond); send it faster or in smaller requests`;
            if (!socket.destroyed && socket.writable) {
              socket.end(`HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(JSON.stringify({ error: message }))}\r\n\r\n${JSON.stringify({ error: message })}`);
            }
            socket.destroySoon();
          },
        });
        // The body is read once the handler runs (preHandler) or the request ends.
        const done = () => reading.delete(socket);
        req.once('end', done);
        res.once('close', done);
      }
      return 'admitted';
    }
    const { type, body } = refusalAnswer(route, req, decision);
    // A small body is read and thrown away (cheaper than a new connection, and closing a
    // socket with unread bytes resets it, which can lose the 429 before the client reads
    // it); a large or unknown one is not worth reading: the connection closes.
    const drain = declared !== undefined && declared <= DRAIN_MAX_BYTES;
    const headers: Record<string, string | number> = { 'content-type': type, 'content-length': Buffer.byteLength(body), 'retry-after': String(decision.retryAfterSeconds) };
    if (!drain) headers.connection = 'close';
    res.writeHead(429, headers);
    res.end(body);
    if (drain) {
      // its body must follow at once; a client that stalls instead loses the connection
      req.resume();
      // checked after a poll phase: a loop running late would otherwise fire this before
      // reading a body already received, and cut the client's next request on the connection
      const timer = setTimeout(() => setImmediate(() => {
        if (!req.complete) req.socket?.destroy();
      }), DRAIN_WAIT_MS);
      timer.unref();
      req.once('end', () => clearTimeout(timer));
      req.once('close', () => clearTimeout(timer));
    }
    return 'refused';
  };

  /** Counts a refusal and gives its answer: the OTLP Status in the request's encoding, or JSON. */
  const refusalAnswer = (route: AdmissionRoute, req: IncomingMessage, decision: Extract<AdmissionDecision, { admitted: false }>) => {
    metrics.refusedRequests.inc({ receiver: route.receiver, signal: route.signal, reason: decision.reason });
    const tenant = options.tenantOf?.(req.headers.authorization);
    if (tenant !== undefined) metrics.tenantRefusedRequests.inc({ tenant, reason: decision.reason });
    metrics.requests.inc({ receiver: route.receiver, signal: route.signal, code: '429' });
    if (!route.otlp) return { type: 'application/json', body: JSON.stringify({ error: decision.message }) as string | Buffer };
    if ((req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-protobuf')) {
      return { type: 'application/x-protobuf', body: Buffer.from(encodeStatusProtobuf(RESOURCE_EXHAUSTED, decision.message)) as string | Buffer };
    }
    return { type: 'application/json', body: encodeStatusJson(RESOURCE_EXHAUSTED, decision.message) as string | Buffer };
  };

  // Admission runs in the listener's own 'request' callback, before fastify routes the
  // request or runs any hook: a refusal costs Node's header parse and one small write.
  const server = app.server as Server | undefined;
  if (server && typeof server.listeners === 'function') {
    const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    if (handlers.length > 0) {
      server.removeAllListeners('request');
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        const outcome = decide(req, res);
        if (outcome === 'refused') return;
        (req as IncomingMessage & { [DECIDED]?: true })[DECIDED] = true;
        for (const handler of handlers) handler.call(server, req, res);
      });
    }
  }
  // Requests that did not come through the listener (fastify's inject()) are decided here.
  app.addHook('onRequest', async (request, reply) => {
    if ((request.raw as IncomingMessage & { [DECIDED]?: true })[DECIDED]) return;
    if (decide(request.raw, reply.raw) === 'refused') reply.hijack();
  });
  // The body has been read: a request admitted before its body arrived counts now, or,
  // with the listener at its limit, is refused before it is decoded.
  app.addHook('preHandler', async (request, reply) => {
    const pending = (request.raw as IncomingMessage & { [PENDING]?: PendingBody })[PENDING];
    if (pending === undefined) return;
    // (a route that reads its body itself gets here before it arrived: counted, never refused
    // with its body unread, which would reset the connection)
    if (pending.state === 'pending') arrive(request.raw, pending, request.raw.complete);
    if (pending.state !== 'refused' || !pending.refusal) return;
    const { type, body } = refusalAnswer(pending.route, request.raw, pending.refusal);
    return reply.code(429).header('retry-after', String(pending.refusal.retryAfterSeconds)).type(type).send(body);
  });
  return { close: () => clearInterval(timer) };
}
