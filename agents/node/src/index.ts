export { start, shutdown, runningAgent, AGENT_VERSION, type LookoutAgent } from './agent.ts';
export { readAgentConfig, INSTRUMENTATION_NAMES, type AgentConfig, type AgentOptions, type ConfigProblem, type InstrumentationName } from './config.ts';
export { setRoute } from './http-server-spans.ts';
export { AgentMetrics } from './agent-metrics.ts';
export { OVERFLOW_ROUTE, RequestHistogram, UNKNOWN_ROUTE } from './request-histogram.ts';
export { lookoutFastify } from './fastify-plugin.ts';
export { DEFAULT_DURATION_BUCKETS_SECONDS, REQUEST_DURATION_SECONDS, REQUEST_LABELS, statusClass } from './request-series.ts';
