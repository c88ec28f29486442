import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { Signal } from '@lookout/otlp';
import { encodeStatusJson, encodeStatusProtobuf } from '@lookout/otlp';
import type { SelfMetrics } from '../pipeline/self-metrics.ts';
import { bodyTooSlow, declaredLength, type Admission, type QueueDepth } from './admission.ts';

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
  // One timer for every body being read: each tick, a body below the minimum rate is cut off.
  const reading = new Map<import('node:net').Socket, { startedMs: number; bytesAtStart: number; declared: number | undefined; cutOff: () => void }>();
  const timer = setInterval(() => {
    const at = options.now();
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
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST') return;
    const query = request.url.indexOf('?');
    const route = routes.get(query >= 0 ? request.url.slice(0, query) : request.url);
    if (!route) return;
    const declared = declaredLength(request.headers['content-length']);
    const decision = admission.admit(declared, route.bodyLimit, options.queueDepth());
    if (decision.admitted) {
      let released = false;
      reply.raw.once('close', () => {
        if (released) return;
        released = true;
        admission.release(decision.charge);
      });
      const socket = request.raw.socket;
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
        request.raw.once('end', done);
        reply.raw.once('close', done);
      }
      return;
    }
    metrics.refusedRequests.inc({ receiver: route.receiver, signal: route.signal, reason: decision.reason });
    metrics.requests.inc({ receiver: route.receiver, signal: route.signal, code: '429' });
    reply.code(429).header('retry-after', String(decision.retryAfterSeconds)).header('connection', 'close');
    if (!route.otlp) return reply.type('application/json').send({ error: decision.message });
    if ((request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-protobuf')) {
      return reply.type('application/x-protobuf').send(Buffer.from(encodeStatusProtobuf(RESOURCE_EXHAUSTED, decision.message)));
    }
    return reply.type('application/json').send(encodeStatusJson(RESOURCE_EXHAUSTED, decision.message));
  });
  return { close: () => clearInterval(timer) };
}
