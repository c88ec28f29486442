import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accessOfPath } from './read-auth.ts';

/**
 * Abandoned requests (issue 12, defect 3): a request whose client has gone before its
 * batch is queued is neither queued nor acknowledged. Exporters retry a request they
 * gave up on, so ingesting it anyway would count its items twice (in the SLIs too).
 * `ingest()` asks the predicate before decoding and again just before the queue.
 */
export type ClientGone = () => boolean;

/**
 * An HTTP client is gone when its request was aborted (the body never completed), or
 * its connection was closed or half-closed: Node's server ends its side of a socket
 * whose peer sent FIN, so nothing could carry our answer.
 */
export function httpClientGone(request: FastifyRequest, reply: FastifyReply): ClientGone {
  return () => {
    const raw = request.raw;
    if (raw.aborted) return true;
    const socket = raw.socket as (typeof raw.socket & { destroyed?: boolean; writable?: boolean }) | null;
    // strict checks: an injected request (fastify inject(), no real socket) leaves them unset
    if (!socket || socket.destroyed === true || socket.writable === false) return true;
    return reply.raw.destroyed;
  };
}

/** The HTTP/2 stream under a grpc-js call, when its internals are as grpc-js 1.x has them. */
type InnerCall = { stream?: { destroyed?: boolean; closed?: boolean }; nextCall?: InnerCall };

/**
 * A gRPC call is gone when the client cancelled it (deadline passed, or it disconnected).
 * grpc-js sets `cancelled` a tick after the stream closes, so a call whose message and
 * RST_STREAM arrived together would still look alive: the stream itself is read too
 * (closed = reset or fully closed; a client's half-close leaves it open).
 */
export function grpcClientGone(call: ServerUnaryCall<unknown, unknown>): ClientGone {
  return () => {
    if (call.cancelled) return true;
    let inner = (call as unknown as { call?: InnerCall }).call;
    for (let depth = 0; inner && depth < 8; depth++, inner = inner.nextCall) {
      if (inner.stream) return inner.stream.destroyed === true || inner.stream.closed === true;
    }
    return false;
  };
}

/** Resolves after the event loop's next poll phase (two check phases from now). */
function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Node reads a request's body and the client's FIN/RST in different loop turns: a
 * handler that decodes and queues at once acknowledges a request whose client already
 * left (under load the whole request, then the close, wait in the kernel together).
 * This hook lets one poll phase pass between the body's end and the handler of every
 * ingest route, so the close is seen and `ingest()` refuses the request before its
 * decoding. It costs each ingest request one loop turn of latency, no CPU.
 */
export function installAbandonedRequestCheck(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    if (request.method === 'POST' && accessOfPath(request.url, false) === 'ingest') await afterNextPoll();
  });
}
