import type { BoundedQueue } from './bounded-queue.ts';
import type { PipelineNode } from './graph.ts';

/**
 * The queue as a node of the pipeline: its shutdown stops taking batches (receivers then
 * answer 503 / UNAVAILABLE) and delivers what it holds to every consumer, giving up at
 * the deadline (what is still queued then is lost, and the graph says it was abandoned).
 */
export function queueNode(queue: BoundedQueue): PipelineNode {
  return {
    id: 'queue',
    kind: 'queue',
    consumes: ['traces', 'metrics', 'logs'],
    produces: ['traces', 'metrics', 'logs'],
    component: {
      start() {},
      // the graph gives up on it at the deadline
      shutdown: () => queue.close(),
    },
  };
}
