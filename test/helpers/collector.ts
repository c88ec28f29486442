import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../collector/src/collector.ts';
import type { Batch, Signal } from '@lookout/otlp';

export interface TestCollector {
  collector: RunningCollector;
  batches: Record<Signal, Batch[]>;
  /** waits until at least `items` items of the signal have been delivered */
  waitForItems(signal: Signal, items: number, timeoutMs?: number): Promise<Batch[]>;
  clear(): void;
  close(): Promise<void>;
}

/**
 * A collector on random loopback ports with a consumer that keeps every batch. `yaml`
 * is extra config (merged over the test defaults) in lookout.yaml form.
 */
export async function startTestCollector(yaml = '', env: NodeJS.ProcessEnv = {}): Promise<TestCollector> {
  const base = 'receivers:\n  otlp:\n    http: { port: 0 }\n    grpc: { port: 0 }\nlog:\n  level: warn\n';
  const config = parseConfig(mergeYaml(base, yaml), 'test.yaml', env);
  const batches: Record<Signal, Batch[]> = { traces: [], metrics: [], logs: [] };
  const consumers = (['traces', 'metrics', 'logs'] as const).map((signal) => ({
    signal,
    name: 'test-capture',
    consume: (batch: Batch) => void batches[signal].push(batch),
  }));
  const collector = await startCollector(config, { consumers });
  return {
    collector,
    batches,
    async waitForItems(signal, items, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const have = batches[signal].reduce((n, b) => n + b.items, 0);
        if (have >= items) return batches[signal];
        if (Date.now() > deadline) throw new Error(`expected ${items} ${signal} items, got ${have} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    clear() {
      batches.traces.length = 0;
      batches.metrics.length = 0;
      batches.logs.length = 0;
    },
    close: () => collector.close(),
  };
}

/** Merges two small YAML documents (objects only) so tests can override defaults. */
function mergeYaml(base: string, extra: string): string {
  return extra.trim() === '' ? base : JSON.stringify(deepMerge(parseYaml(base), parseYaml(extra)));
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [key, value] of Object.entries(b as Record<string, unknown>)) out[key] = deepMerge(out[key], value);
    return out;
  }
  return b === undefined ? a : b;
}
