import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/helpers/manual-clock.ts';
import type { Batch } from '@lookout/otlp';
import { PipelineGraph, PipelineGraphError, stopOrder, type Component, type PipelineEdge, type PipelineNode } from './graph.ts';

function recorder() {
  const events: string[] = [];
  const node = (id: string, overrides: Partial<Component> = {}): PipelineNode => ({
    id,
    kind: 'processor',
    consumes: [],
    produces: [],
    component: {
      start: () => void events.push(`start ${id}`),
      shutdown: () => void events.push(`stop ${id}`),
      ...overrides,
    },
  });
  return { events, node };
}

const RECEIVER_TO_EXPORTER: PipelineEdge[] = [
  { from: 'otlp-http', to: 'queue' },
  { from: 'syslog', to: 'queue' },
  { from: 'queue', to: 'request-series', signals: ['traces'] },
  { from: 'queue', to: 'loki-exporter', signals: ['logs'] },
];

describe('stopOrder', () => {
  it('puts producers before their consumers, keeping the listed order between unrelated components', () => {
    expect(stopOrder(['loki-exporter', 'request-series', 'queue', 'otlp-http', 'syslog'], RECEIVER_TO_EXPORTER)).toEqual([
      'otlp-http',
      'syslog',
      'queue',
      'loki-exporter',
      'request-series',
    ]);
  });

  it('stops a reader before what it reads from', () => {
    const order = stopOrder(['request-series', 'alerting', 'probes'], [
      { from: 'request-series', to: 'alerting', reads: true },
      { from: 'probes', to: 'alerting' },
    ]);
    expect(order).toEqual(['probes', 'alerting', 'request-series']);
  });

  it('rejects a cycle and names it', () => {
    expect(() =>
      stopOrder(['a', 'b', 'c'], [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
      ]),
    ).toThrow(/cycle: (a → c → b → a|a → b → c → a|b → a → c → b|c → b → a → c)/);
    expect(() => stopOrder(['a'], [{ from: 'a', to: 'a' }])).toThrow(PipelineGraphError);
  });

  it('rejects an edge naming an unknown component, and lists the known ones', () => {
    expect(() => stopOrder(['queue', 'otlp-http'], [{ from: 'otlp-http', to: 'qeueu' }])).toThrow(
      "pipeline edge otlp-http → qeueu names 'qeueu', which is no component of the pipeline; known: queue, otlp-http",
    );
  });

  it('rejects an id listed twice', () => {
    expect(() => stopOrder(['queue', 'queue'], [])).toThrow(/'queue' is listed twice/);
  });
});

describe('PipelineGraph', () => {
  it('starts consumers first and stops producers first', async () => {
    const { events, node } = recorder();
    const graph = new PipelineGraph(
      ['otlp-http', 'syslog', 'queue', 'request-series', 'loki-exporter'].map((id) => node(id)),
      RECEIVER_TO_EXPORTER,
      new ManualClock(),
    );
    await graph.start();
    await graph.shutdown(Date.parse('2024-05-01T12:00:10Z'));
    expect(events).toEqual([
      'start loki-exporter',
      'start request-series',
      'start queue',
      'start syslog',
      'start otlp-http',
      'stop otlp-http',
      'stop syslog',
      'stop queue',
      'stop request-series',
      'stop loki-exporter',
    ]);
    expect(graph.describe().map((c) => c.state)).toEqual(['stopped', 'stopped', 'stopped', 'stopped', 'stopped']);
  });

  it('abandons a component that misses the deadline and still stops the ones after it', async () => {
    const clock = new ManualClock();
    const { events, node } = recorder();
    const graph = new PipelineGraph(
      [
        node('queue', { shutdown: () => new Promise<void>(() => events.push('stop queue (never settles)')) }),
        node('exporter'),
      ],
      [{ from: 'queue', to: 'exporter' }],
      clock,
    );
    await graph.start();
    const stopping = graph.shutdown(clock.now() + 2000);
    await Promise.resolve();
    clock.advance(2000);
    await stopping;
    expect(events).toEqual(['start exporter', 'start queue', 'stop queue (never settles)', 'stop exporter']);
    const [queue, exporter] = graph.describe();
    expect(queue).toMatchObject({ id: 'queue', state: 'abandoned', error: expect.stringMatching(/deadline/) });
    expect(exporter).toMatchObject({ id: 'exporter', state: 'stopped' });
  });

  it('gives each component the deadline, and a later one only what is left', async () => {
    const clock = new ManualClock();
    const seen: Array<[string, number]> = [];
    const node = (id: string, spendMs: number): PipelineNode => ({
      id,
      kind: 'processor',
      consumes: [],
      produces: [],
      component: {
        start() {},
        shutdown(deadline) {
          seen.push([id, deadline - clock.now()]);
          clock.advance(spendMs);
        },
      },
    });
    const graph = new PipelineGraph([node('a', 1500), node('b', 0)], [{ from: 'a', to: 'b' }], clock);
    await graph.start();
    await graph.shutdown(clock.now() + 2000);
    expect(seen).toEqual([
      ['a', 2000],
      ['b', 500],
    ]);
  });

  it('when a start fails, stops what already started and rethrows', async () => {
    const { events, node } = recorder();
    const graph = new PipelineGraph(
      [
        node('syslog', {
          start: () => {
            throw new Error('cannot listen on 127.0.0.1:514: the port is in use');
          },
        }),
        node('queue'),
        node('exporter'),
      ],
      [
        { from: 'syslog', to: 'queue' },
        { from: 'queue', to: 'exporter' },
      ],
      new ManualClock(),
    );
    await expect(graph.start()).rejects.toThrow(/port is in use/);
    expect(events).toEqual(['start exporter', 'start queue', 'stop queue', 'stop exporter']);
    expect(graph.describe().find((c) => c.id === 'syslog')).toMatchObject({ state: 'failed', error: expect.stringMatching(/in use/) });
  });

  it('counts the items a consumer takes and lists whom each component feeds', async () => {
    const taken: number[] = [];
    const graph = new PipelineGraph(
      [
        { id: 'queue', kind: 'queue', consumes: [], produces: [], component: { start() {}, shutdown() {} } },
        {
          id: 'log-metrics',
          kind: 'processor',
          consumes: ['logs'],
          produces: ['metrics'],
          component: { start() {}, shutdown() {}, consume: (batch) => void taken.push(batch.items) },
        },
      ],
      [{ from: 'queue', to: 'log-metrics', signals: ['logs'] }],
      new ManualClock(),
    );
    const consume = graph.consumerOf('log-metrics');
    await consume({ signal: 'logs', items: 3 } as Batch);
    await consume({ signal: 'logs', items: 4 } as Batch);
    expect(taken).toEqual([3, 4]);
    expect(graph.describe()).toEqual([
      { id: 'queue', kind: 'queue', state: 'created', consumes: [], produces: [], feeds: ['log-metrics'], itemsIn: 0, itemsOut: 0 },
      { id: 'log-metrics', kind: 'processor', state: 'created', consumes: ['logs'], produces: ['metrics'], feeds: [], itemsIn: 7, itemsOut: 0 },
    ]);
    expect(() => graph.consumerOf('queue')).toThrow(/takes no batches/);
  });
});
