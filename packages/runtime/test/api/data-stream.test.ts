import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import type { Collector, KeyedProcessFunction, ProcessFunction, SinkFunction } from '../../src/api/functions.js';
import { createSumFunction } from '../../src/api/keyed-stream.js';
import type { StreamNode } from '../../src/graph/stream-graph.js';

function nodes(env: StreamExecutionEnvironment): StreamNode[] {
  return [...env.getStreamGraph().nodes];
}

describe('sources', () => {
  it('records a generator source with its rate, rate control and count', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 4 });
    const gen = (i: number) => ({ key: i, value: i / 2 });
    env.fromGenerator(gen, { ratePerSecond: 5000, rateControl: 'producer', count: 1_000_000 }).discard();
    env.fromGenerator((i) => i).discard();
    const [first, , second] = nodes(env);
    expect(first).toMatchObject({
      kind: 'source-generator',
      name: 'Source: Generator Source',
      parallelism: 4,
      chainingStrategy: 'head',
      options: { ratePerSecond: 5000, rateControl: 'producer', count: 1_000_000 },
      outputSerializer: { kind: 'msgpackr' },
    });
    expect(first.fn).toBe(gen);
    expect(second.options).toEqual({ ratePerSecond: Infinity, rateControl: undefined, count: Infinity });
  });

  it('validates generator options', () => {
    const env = new StreamExecutionEnvironment();
    for (const options of [{ ratePerSecond: 0 }, { ratePerSecond: -5 }, { ratePerSecond: NaN }, { count: -1 }, { count: 1.5 }, { rateControl: '' }]) {
      expect(() => env.fromGenerator((i) => i, options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_RT_BAD_ARGUMENT' }),
      );
    }
    expect(() => env.fromGenerator('nope' as never)).toThrow(/needs a function/);
    expect(() => env.fromGenerator((i) => i, { shape: { key: 'int33' as never } })).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_SHAPE' }));
  });

  it('records collection and file sources, which run as one subtask', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 3 });
    const items = ['a', 'b', 'c'];
    env.fromCollection(items).discard();
    items.push('d'); // copied at the call
    env.readTextFile('/data/in.txt').discard();
    const [collection, , file] = nodes(env);
    expect(collection).toMatchObject({ kind: 'source-collection', parallelism: 1, options: { count: 3 } });
    expect([0, 1, 2].map((i) => (collection.fn as (i: number) => unknown)(i))).toEqual(['a', 'b', 'c']);
    expect(file).toMatchObject({ kind: 'source-file', name: 'Source: File Source', parallelism: 1, options: { path: '/data/in.txt' } });
    expect(() => env.fromElements(1).setParallelism(2)).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_GRAPH' }));
    expect(() => env.readTextFile('')).toThrow(/non-empty path/);
  });
});

describe('DataStream', () => {
  it('keeps every user function object on its node, with Flink default names', () => {
    const env = new StreamExecutionEnvironment();
    const map = (x: number) => x + 1;
    const flatMap = (x: number, out: Collector<number>) => out.collect(x);
    const filter = (x: number) => x > 0;
    const process: ProcessFunction<number, string> = { processElement: (x, _ctx, out) => out.collect(String(x)) };
    const sink: SinkFunction<string> = { invoke: () => {} };
    env.fromElements(1).map(map).flatMap(flatMap).filter(filter).process(process).addSink(sink);
    expect(nodes(env).map((n) => [n.kind, n.name])).toEqual([
      ['source-collection', 'Source: Collection Source'],
      ['map', 'Map'],
      ['flatMap', 'Flat Map'],
      ['filter', 'Filter'],
      ['process', 'Process'],
      ['sink-function', 'Sink: Unnamed'],
    ]);
    expect(nodes(env).slice(1).map((n) => n.fn)).toEqual([map, flatMap, filter, process, sink]);
    expect(nodes(env)[1].fn).toBe(map);
  });

  it('records the built-in sinks with their options', () => {
    const env = new StreamExecutionEnvironment();
    const stream = env.fromElements('x');
    stream.print();
    stream.print('out');
    stream.printToErr();
    stream.writeAsText('/tmp/x.txt');
    stream.discard();
    expect(nodes(env).slice(1).map((n) => [n.kind, n.name, n.options])).toEqual([
      ['sink-print', 'Sink: Print to Std. Out', { prefix: undefined, target: 'stdout' }],
      ['sink-print', 'Sink: Print to Std. Out', { prefix: 'out', target: 'stdout' }],
      ['sink-print', 'Sink: Print to Std. Err', { prefix: undefined, target: 'stderr' }],
      ['sink-file', 'Sink: Text File Sink', { path: '/tmp/x.txt' }],
      ['sink-discard', 'Sink: Discarding Sink', {}],
    ]);
  });

  it('applies operator settings: name, uid, parallelism, max parallelism, chaining, slot sharing group', () => {
    const env = new StreamExecutionEnvironment();
    env
      .fromGenerator((i) => i)
      .map((x) => x)
      .name('m')
      .uid('m-uid')
      .setParallelism(3)
      .setMaxParallelism(64)
      .disableChaining()
      .slotSharingGroup('g')
      .discard()
      .name('d')
      .uid('d-uid')
      .setParallelism(2)
      .startNewChain()
      .slotSharingGroup('h');
    const [, m, d] = nodes(env);
    expect(m).toMatchObject({ name: 'm', uid: 'm-uid', parallelism: 3, maxParallelism: 64, chainingStrategy: 'never', slotSharingGroup: 'g' });
    expect(d).toMatchObject({ name: 'Sink: d', uid: 'd-uid', parallelism: 2, chainingStrategy: 'head', slotSharingGroup: 'h' });
  });

  it('rejects bad arguments with ERR_RT_BAD_ARGUMENT', () => {
    const env = new StreamExecutionEnvironment();
    const stream = env.fromElements(1);
    const bad = [
      () => stream.map(undefined as never),
      () => stream.filter({} as never),
      () => stream.process((() => {}) as never),
      () => stream.keyBy('key' as never),
      () => stream.addSink({} as never),
      () => stream.map((x) => x).name(''),
      () => stream.map((x) => x).uid(''),
      () => stream.map((x) => x).setParallelism(0),
      () => stream.map((x) => x).setMaxParallelism(40_000),
      () => stream.union({} as never),
    ];
    for (const call of bad) expect(call).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_ARGUMENT' }));
  });
});

describe('KeyedStream', () => {
  type Click = { user: string; count: number; page: string };

  it('records keyed operators with the keyBy key selector, behind a hash edge', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const byUser = (c: Click) => c.user;
    const keyed = env.fromElements<Click>({ user: 'a', count: 1, page: '/' }).keyBy(byUser);
    const reduce = (a: Click, b: Click) => ({ ...a, count: a.count + b.count });
    const process: KeyedProcessFunction<string, Click, string> = {
      processElement: (value, ctx, out) => out.collect(`${ctx.getCurrentKey()}:${value.page}`),
    };
    keyed.reduce(reduce).discard();
    keyed.sum('count').discard();
    keyed.process(process).discard();
    keyed.map((c) => c.page).discard();
    expect(keyed.keySelector).toBe(byUser);
    const graph = env.getStreamGraph();
    const keyedNodes = graph.nodes.filter((n) => n.kind.startsWith('keyed-'));
    expect(keyedNodes.map((n) => [n.kind, n.name, n.keySelector === byUser])).toEqual([
      ['keyed-reduce', 'Keyed Reduce', true],
      ['keyed-sum', 'Keyed Aggregation', true],
      ['keyed-process', 'KeyedProcess', true],
    ]);
    expect(keyedNodes[0].fn).toBe(reduce);
    expect(keyedNodes[1].options).toEqual({ field: 'count' });
    expect(keyedNodes[2].fn).toBe(process);
    const intoKeyed = graph.edges.filter((e) => e.partitioner.kind === 'hash');
    expect(intoKeyed).toHaveLength(4);
    expect(intoKeyed.every((e) => e.keySelector === byUser)).toBe(true);
    expect(graph.nodes.find((n) => n.kind === 'map')!.keySelector).toBeUndefined();
  });

  it("sums a field, keeping the running record's other fields, or sums numbers", () => {
    const sumCount = createSumFunction('count');
    expect(sumCount({ user: 'a', count: 2, page: '/a' }, { user: 'a', count: 3, page: '/b' })).toEqual({ user: 'a', count: 5, page: '/a' });
    expect(createSumFunction(undefined)(2, 3.5)).toBe(5.5);
    expect(() => sumCount({ count: 'x' }, { count: 1 })).toThrow(/field "count" is "x"/);
    const env = new StreamExecutionEnvironment();
    const numbers = env.fromElements(1, 2, 3).keyBy((x) => x % 2).sum();
    expect(numbers.transformation.body).toMatchObject({ type: 'operator', operator: { kind: 'keyed-sum', options: { field: undefined } } });
  });
});
