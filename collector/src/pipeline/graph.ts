import type { Clock } from '../core/clock.ts';
import type { Batch, Signal } from '@lookout/otlp';

/**
 * The pipeline as data: which component feeds which. An edge `from → to` says data goes
 * from `from` to `to`, so `to` must be running before `from` starts and must stop after
 * it (a receiver stops before the queue drains into the processors). A `reads` edge is
 * the other way round for lifetimes: `to` pulls from `from` (the SLO runtime reads the
 * SLI store), so `from` outlives `to`. The graph starts components in reverse
 * topological order and stops them in order, with one deadline for the whole shutdown.
 */

/** What the graph runs: one way to start, one way to stop (component/ names it Component). */
export interface Component {
  /** opens listeners, starts timers; the pipeline starts consumers before their producers */
  start(): Promise<void> | void;
  /**
   * Stops taking work and flushes what it holds, giving up at `deadline` (ms since the
   * epoch on the graph's clock). The pipeline stops producers before their consumers.
   */
  shutdown(deadline: number): Promise<void> | void;
  /** takes a batch from the queue (components that consume a signal) */
  consume?(batch: Batch): void | Promise<void>;
}

export type ComponentKind = 'receiver' | 'queue' | 'processor' | 'exporter' | 'probe' | 'alerting';

export interface PipelineNode {
  id: string;
  kind: ComponentKind;
  consumes: readonly Signal[];
  produces: readonly Signal[];
  component: Component;
}

export interface PipelineEdge {
  from: string;
  to: string;
  /** the signals handed over through the queue; absent for a direct link */
  signals?: readonly Signal[];
  /** `to` reads from `from` (pull) rather than being handed data */
  reads?: boolean;
}

export type ComponentState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' | 'abandoned';

export interface ComponentView {
  id: string;
  kind: ComponentKind;
  state: ComponentState;
  consumes: readonly Signal[];
  produces: readonly Signal[];
  /** ids this component hands data to */
  feeds: string[];
  /** items taken from the queue (consumers) or accepted (receivers) */
  itemsIn: number;
  /** items handed on (receivers: offered to the queue and taken) */
  itemsOut: number;
  /** why it failed or was abandoned at shutdown */
  error?: string;
}

export class PipelineGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineGraphError';
  }
}

/**
 * The order to stop in: for each edge, the component that must stop first comes first.
 * Ties keep the order the nodes were listed in. Throws PipelineGraphError on a duplicate
 * id, an edge naming an unknown id, or a cycle (named in full).
 */
export function stopOrder(ids: readonly string[], edges: readonly PipelineEdge[]): string[] {
  const known = new Set<string>();
  for (const id of ids) {
    if (known.has(id)) throw new PipelineGraphError(`component id '${id}' is listed twice in the pipeline; give each component its own id`);
    known.add(id);
  }
  const before = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) {
    for (const end of [edge.from, edge.to]) {
      if (!known.has(end)) {
        throw new PipelineGraphError(
          `pipeline edge ${edge.from} → ${edge.to} names '${end}', which is no component of the pipeline; known: ${[...known].join(', ')}`,
        );
      }
    }
    // push: from stops before to; reads: to stops before from
    const [first, then] = edge.reads ? [edge.to, edge.from] : [edge.from, edge.to];
    before.get(then)!.push(first);
  }
  const order: string[] = [];
  const mark = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    const state = mark.get(id);
    if (state === 'done') return;
    if (state === 'visiting') {
      const cycle = [...path.slice(path.indexOf(id)), id];
      throw new PipelineGraphError(`the pipeline has a cycle: ${cycle.join(' → ')}; a component cannot (even indirectly) feed itself`);
    }
    mark.set(id, 'visiting');
    for (const first of before.get(id)!) visit(first, [...path, id]);
    mark.set(id, 'done');
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}

interface NodeState {
  node: PipelineNode;
  state: ComponentState;
  itemsIn: number;
  itemsOut: number;
  error?: string;
}

export class PipelineGraph {
  /** stop order; start order is its reverse */
  readonly order: readonly string[];
  private readonly nodes = new Map<string, NodeState>();
  readonly edges: readonly PipelineEdge[];

  constructor(
    nodes: readonly PipelineNode[],
    edges: readonly PipelineEdge[],
    private readonly clock: Clock,
  ) {
    this.order = stopOrder(
      nodes.map((n) => n.id),
      edges,
    );
    for (const node of nodes) this.nodes.set(node.id, { node, state: 'created', itemsIn: 0, itemsOut: 0 });
    this.edges = edges;
  }

  component(id: string): Component | undefined {
    return this.nodes.get(id)?.node.component;
  }

  /**
   * The consumer to register on the queue for a node: it counts the items it takes.
   * Throws when the node does not consume batches.
   */
  /** Counts items a consumer took when something other than consumerOf() hands them over. */
  countIn(id: string, items: number): void {
    const entry = this.nodes.get(id);
    if (entry) entry.itemsIn += items;
  }

  consumerOf(id: string): (batch: Batch) => void | Promise<void> {
    const entry = this.nodes.get(id);
    const consume = entry?.node.component.consume?.bind(entry.node.component);
    if (!entry || !consume) throw new PipelineGraphError(`component '${id}' takes no batches from the queue; give it consume() or remove the edge`);
    return (batch) => {
      entry.itemsIn += batch.items;
      return consume(batch);
    };
  }

  /**
   * Starts every component, consumers before their producers. When one fails, those
   * already started are shut down (by `failureDeadlineMs` from now) and the error is
   * rethrown.
   */
  async start(failureDeadlineMs = 5000): Promise<void> {
    const started: string[] = [];
    for (const id of [...this.order].reverse()) {
      const entry = this.nodes.get(id)!;
      entry.state = 'starting';
      try {
        await entry.node.component.start();
        entry.state = 'running';
        started.push(id);
      } catch (error) {
        entry.state = 'failed';
        entry.error = (error as Error).message;
        await this.stopEach(
          this.order.filter((s) => started.includes(s)),
          this.clock.now() + failureDeadlineMs,
        );
        throw error;
      }
    }
  }

  /**
   * Stops every running component in order, producers first. Each gets what is left of
   * the deadline; one that has not finished by then is abandoned (its state says so) and
   * the rest still get their turn, so one stuck exporter cannot hold the process.
   */
  async shutdown(deadline: number): Promise<void> {
    await this.stopEach(
      this.order.filter((id) => {
        const state = this.nodes.get(id)!.state;
        return state === 'running' || state === 'created';
      }),
      deadline,
    );
  }

  private async stopEach(ids: readonly string[], deadline: number): Promise<void> {
    for (const id of ids) {
      const entry = this.nodes.get(id)!;
      entry.state = 'stopping';
      const left = Math.max(0, deadline - this.clock.now());
      let timer: unknown;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = this.clock.setTimer(() => resolve('timeout'), left);
      });
      try {
        const outcome = await Promise.race([Promise.resolve(entry.node.component.shutdown(deadline)).then(() => 'done' as const), timedOut]);
        if (outcome === 'timeout') {
          entry.state = 'abandoned';
          entry.error = `did not stop by the shutdown deadline (shutdownTimeout)`;
        } else {
          entry.state = 'stopped';
        }
      } catch (error) {
        entry.state = 'failed';
        entry.error = (error as Error).message;
      } finally {
        this.clock.clearTimer(timer);
      }
    }
  }

  /**
   * The running graph, for GET /api/v1/pipeline. `counted` gives the counts of components
   * that count themselves (receivers: received and accepted, from the self-metrics).
   */
  describe(counted: ReadonlyMap<string, { itemsIn: number; itemsOut: number }> = new Map()): ComponentView[] {
    return this.order.map((id) => {
      const { node, state, error } = this.nodes.get(id)!;
      const { itemsIn, itemsOut } = counted.get(id) ?? this.nodes.get(id)!;
      return {
        id,
        kind: node.kind,
        state,
        consumes: node.consumes,
        produces: node.produces,
        feeds: this.edges.filter((e) => e.from === id && !e.reads).map((e) => e.to),
        itemsIn,
        itemsOut,
        ...(error ? { error } : {}),
      };
    });
  }
}
