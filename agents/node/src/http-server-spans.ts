import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  propagation,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { RPCType } from '@opentelemetry/core';
import { normalizeMethod } from './agent-metrics.ts';
import { UNKNOWN_ROUTE } from './request-histogram.ts';
import type { LookoutContextManager } from './context-manager.ts';
import { RequestContext } from './request-context.ts';

/** Per-request state, shared with the fastify plugin and express through the RPC metadata. */
export interface RequestState {
  type: RPCType.HTTP;
  span?: Span;
  /** route template, set by the fastify plugin, the express instrumentation or setRoute() */
  route?: string;
  method: string;
  startMs: number;
}

/** A global symbol, so copies of this module loaded as ESM and CJS share the state. */
export const REQUEST_STATE = Symbol.for('lookout.agent.request-state');

type WithState = { [REQUEST_STATE]?: RequestState };

/** Starts the server span of a request under `parent` (the extracted remote context, or ROOT). */
export type StartServerSpan = (name: string, attributes: Attributes, parent: Context, startEpochMs: number) => Span;

/** Server spans through an SDK tracer (used when a non-default sampler is configured). */
export function sdkServerSpans(tracer: Tracer): StartServerSpan {
  return (name, attributes, parent, startEpochMs) => tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime: startEpochMs }, parent);
}

export interface HttpServerSpansOptions {
  /** undefined: no spans, only the request histogram */
  startSpan?: StartServerSpan;
  contextManager: LookoutContextManager;
  /** called once per finished request, for the request histogram */
  observe?: (route: string, method: string, statusCode: number, seconds: number) => void;
  /** extract on every request (non-default propagators); else only when a traceparent header is present */
  alwaysExtract: boolean;
  /** servers whose requests are not instrumented (the agent's own /metrics server) */
  ignoredServers: WeakSet<Server>;
  now?: () => number;
}

interface RequestStartMessage {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket;
  server: Server;
}

/** Sets the route template of a request (for frameworks without an instrumentation). */
export function setRoute(requestOrResponse: IncomingMessage | ServerResponse, route: string): void {
  const state = (requestOrResponse as WithState)[REQUEST_STATE];
  if (state !== undefined) state.route = route;
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Per socket: responses begun and not yet finished (more than one when pipelined). */
const OPEN_RESPONSES = Symbol('lookout.agent.open-responses');
type WithOpenResponses = { [OPEN_RESPONSES]?: Array<ServerResponse & WithState> };

/**
 * Server spans and request timing from Node's own diagnostics channels:
 * 'http.server.request.start' (published right before the 'request' event) starts
 * the span, 'http.server.response.finish' ends it. No listener per request: a response
 * that never finishes (the client went away, the socket was destroyed) is ended, as
 * aborted, by one 'close' listener per socket. Minimal attributes: method, path,
 * scheme, status, route. Returns a function that stops it.
 */
export function instrumentHttpServer(options: HttpServerSpansOptions): () => void {
  const { startSpan, contextManager, observe, alwaysExtract, ignoredServers } = options;
  const now = options.now ?? (() => performance.now());

  function endRequest(response: ServerResponse & WithState, aborted: boolean): void {
    const state = response[REQUEST_STATE];
    if (state === undefined) return;
    response[REQUEST_STATE] = undefined;
    try {
      const statusCode = response.statusCode;
      const route = state.route;
      observe?.(route ?? UNKNOWN_ROUTE, state.method, statusCode, (now() - state.startMs) / 1000);
      const span = state.span;
      if (span !== undefined) {
        span.setAttribute('http.response.status_code', statusCode);
        if (route !== undefined) {
          span.setAttribute('http.route', route);
          span.updateName(`${state.method} ${route}`);
        }
        if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        if (aborted) span.setAttribute('http.aborted', true);
        span.end();
      }
    } catch {
      // never let telemetry break the response path
    }
  }

  function onResponseFinish(message: unknown): void {
    const { response, socket } = message as RequestStartMessage;
    const open = (socket as (Socket & WithOpenResponses) | undefined)?.[OPEN_RESPONSES];
    if (open !== undefined) {
      // Responses finish in order: the first is the one in all but odd cases.
      const index = open[0] === response ? 0 : open.indexOf(response as ServerResponse & WithState);
      if (index === 0) open.shift();
      else if (index > 0) open.splice(index, 1);
    }
    endRequest(response as ServerResponse & WithState, false);
  }

  function onSocketClose(this: Socket & WithOpenResponses): void {
    const open = this[OPEN_RESPONSES];
    if (open === undefined || open.length === 0) return;
    this[OPEN_RESPONSES] = [];
    for (const response of open) endRequest(response, !response.writableFinished);
  }

  function onRequestStart(message: unknown): void {
    try {
      const { request, response, socket, server } = message as RequestStartMessage;
      if (ignoredServers.has(server)) return;
      const method = normalizeMethod(request.method);
      const state: RequestState = { type: RPCType.HTTP, method, startMs: now() };
      (response as WithState)[REQUEST_STATE] = state;
      (request as WithState)[REQUEST_STATE] = state;
      const tracked = socket as Socket & WithOpenResponses;
      let open = tracked[OPEN_RESPONSES];
      if (open === undefined) {
        tracked[OPEN_RESPONSES] = open = [];
        socket.once('close', onSocketClose);
      }
      open.push(response);
      if (startSpan === undefined) return;
      const headers = request.headers;
      const parent =
        alwaysExtract || headers.traceparent !== undefined ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
      const span = startSpan(
        method,
        {
          'http.request.method': method,
          'url.path': pathOf(request.url),
          'url.scheme': (socket as Socket & { encrypted?: boolean }).encrypted ? 'https' : 'http',
        },
        parent,
        performance.timeOrigin + state.startMs,
      );
      state.span = span;
      // Active for the rest of this parser callback: the 'request' handlers run next.
      contextManager.enterWith(new RequestContext(parent, span, state));
    } catch {
      // a broken message must not reach the server
    }
  }

  subscribe('http.server.request.start', onRequestStart);
  subscribe('http.server.response.finish', onResponseFinish);
  return () => {
    unsubscribe('http.server.request.start', onRequestStart);
    unsubscribe('http.server.response.finish', onResponseFinish);
  };
}
