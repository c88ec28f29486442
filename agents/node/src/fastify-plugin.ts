import type { FastifyPluginCallback } from 'fastify';
import { REQUEST_STATE, type RequestState } from './http-server-spans.ts';

type RawWithState = { [REQUEST_STATE]?: RequestState };

/**
 * `app.register(lookoutFastify)`: sets the route template (`/users/:id`) of every
 * request as soon as fastify has routed it, so spans and the request histogram carry
 * it even for requests rejected before the handler (validation, auth hooks). Without
 * the plugin the agent still learns the route when the handler runs.
 */
export const lookoutFastify: FastifyPluginCallback = (fastify, _options, done) => {
  fastify.addHook('onRequest', (request, _reply, next) => {
    const state = (request.raw as RawWithState)[REQUEST_STATE];
    const url = request.routeOptions.url;
    if (state !== undefined && url) state.route = url;
    next();
  });
  done();
};

// What fastify-plugin would set: apply to the whole app, not an encapsulated child.
const meta = lookoutFastify as unknown as Record<symbol, unknown>;
meta[Symbol.for('skip-override')] = true;
meta[Symbol.for('fastify.display-name')] = '@lookout/agent';
meta[Symbol.for('plugin-meta')] = { name: '@lookout/agent', fastify: '>=5' };

export default lookoutFastify;
