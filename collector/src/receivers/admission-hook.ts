import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { Signal } from '../model/telemetry.ts';
import { encodeStatusJson, encodeStatusProtobuf } from '../otlp/index.ts';
import type { SelfMetrics } from '../pipeline/self-metrics.ts';
import { declaredLength, type Admission, type QueueDepth } from './admission.ts';

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
  options: { admission: Admission; queueDepth: () => QueueDepth; routes: ReadonlyMap<string, AdmissionRoute>; metrics: SelfMetrics; registry: Registry },
): void {
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
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST') return;
    const query = request.url.indexOf('?');
    const route = routes.get(query >= 0 ? request.url.slice(0, query) : request.url);
    if (!route) return;
    const decision = admission.admit(declaredLength(request.headers['content-length']), route.bodyLimit, options.queueDepth());
    if (decision.admitted) {
      let released = false;
      reply.raw.once('close', () => {
        if (released) return;
        released = true;
        admission.release(decision.charge);
      });
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
}
