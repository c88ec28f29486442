import { describe, expect, it } from 'vitest';
import { labelProblem, LogsBatchBuilder, LruCache, parseLabelList, parseLokiLabels, resourceFromLabels, streamKey } from './log-batch.ts';
import { newRecord } from '../logs/index.ts';

describe('parseLokiLabels', () => {
  it('reads Prometheus label syntax with Go escapes, spaces and a trailing comma', () => {
    expect({ ...(parseLokiLabels('{job="varlogs", filename="/var/log/a b.log",msg="say \\"hi\\"\\n",}') as object) }).toEqual({
      job: 'varlogs',
      filename: '/var/log/a b.log',
      msg: 'say "hi"\n',
    });
    expect({ ...(parseLokiLabels(' {} ') as object) }).toEqual({});
  });

  it.each([
    ['job="x"', /expected '\{' at character 0/],
    ['{job=x}', /expected a double-quoted value for label job/],
    ['{job="x"', /expected ',' or '\}'/],
    ['{job="x} ', /unterminated value of label job/],
    ['{1job="x"}', /expected a label name/],
    ['{job="\\q"}', /unknown escape \\q in the value of label job/],
    ['{job="x"} extra', /unexpected text after the closing brace/],
  ])('says where %s is wrong and how labels are written', (text, message) => {
    const result = parseLokiLabels(text);
    expect(typeof result).toBe('string');
    expect(result).toMatch(message);
    expect(result).toMatch(/write labels as \{name="value", …\}/);
  });
});

describe('parseLabelList and labelProblem', () => {
  it('reads name=value pairs separated by commas', () => {
    expect({ ...(parseLabelList(' service=shop , env=prod,,empty=') as object) }).toEqual({ service: 'shop', env: 'prod', empty: '' });
    expect(parseLabelList('service')).toMatch(/'service' is not name=value; write e.g. X-Lookout-Labels: service=shop,env=prod/);
  });

  it('bounds label names, counts and value sizes', () => {
    expect(labelProblem({ 'service.name': 'a', _x: 'b' }, 'here')).toBeUndefined();
    expect(labelProblem({ 'a-b': 'x' }, 'here')).toMatch(/^here: label name 'a-b' is not valid; use letters, digits/);
    expect(labelProblem(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v'])), 'here')).toMatch(/33 labels, at most 32/);
    expect(labelProblem({ big: 'x'.repeat(2000) }, 'here')).toMatch(/label 'big' is 2000 characters long, at most 1024/);
  });
});

describe('streams and batches', () => {
  it('keys a stream by tenant and labels, whatever their order', () => {
    expect(streamKey('t', { a: '1', b: '2' })).toBe(streamKey('t', { b: '2', a: '1' }));
    expect(streamKey('t', { a: '1' })).not.toBe(streamKey('u', { a: '1' }));
    expect(streamKey('t', { a: '1b' })).not.toBe(streamKey('t', { a: '1', b: '' }));
  });

  it('LRU keeps the most recently used entries within its capacity', () => {
    const cache = new LruCache<number>(2);
    let created = 0;
    const get = (key: string) => cache.getOrCreate(key, () => ++created);
    expect(get('a')).toBe(1);
    expect(get('b')).toBe(2);
    expect(get('a')).toBe(1); // a is now the newest
    expect(get('c')).toBe(3); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.evictions).toBe(1);
    expect(get('a')).toBe(1);
    expect(get('b')).toBe(4);
  });

  it('groups records into one resource per stream, service.name from the labels', () => {
    const builder = new LogsBatchBuilder('scope');
    const labels = { app: 'web', env: 'prod' };
    builder.add('k1', () => resourceFromLabels(labels), newRecord('one', 0));
    builder.add('k2', () => resourceFromLabels({ job: 'nginx' }), newRecord('two', 0));
    builder.add('k1', () => resourceFromLabels(labels), newRecord('three', 0));
    expect(builder.items).toBe(3);
    const data = builder.take();
    expect(builder.items).toBe(0);
    expect(data.resourceLogs).toHaveLength(2);
    expect({ ...data.resourceLogs[0]!.resource.attributes }).toEqual({ app: 'web', env: 'prod', 'service.name': 'web' });
    expect(data.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((r) => r.body)).toEqual(['one', 'three']);
    expect(data.resourceLogs[1]!.resource.attributes['service.name']).toBe('nginx');
    expect(data.resourceLogs[0]!.scopeLogs[0]!.scope.name).toBe('scope');
  });
});
