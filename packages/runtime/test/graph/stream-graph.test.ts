import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import type { StreamGraph, StreamNode } from '../../src/graph/stream-graph.js';

type Rec = { key: number; value: number };
const SHAPE = { key: 'int32', value: 'float64' } as const;

function node(graph: StreamGraph, name: string): StreamNode {
  const found = graph.nodes.filter((n) => n.name === name);
  expect(found, `one node named ${name}`).toHaveLength(1);
  return found[0];
}

function edgeInto(graph: StreamGraph, name: string) {
  const target = node(graph, name);
  expect(target.inEdges).toHaveLength(1);
  return target.inEdges[0];
}

/** A small program with a keyBy, a rebalance and a rescale; built twice it must give the same ids. */
function buildProgram(options: { extraFirst?: boolean; uids?: boolean } = {}): StreamGraph {
  const env = new StreamExecutionEnvironment({ parallelism: 2 });
  if (options.extraFirst) env.fromElements(1, 2, 3).name('extra').discard();
  const source = env.fromGenerator<Rec>((i) => ({ key: i % 7, value: i }), { shape: SHAPE }).name('gen');
  const mapped = source.map((r) => ({ ...r, value: r.value * 2 })).name('double');
  if (options.uids) {
    source.uid('gen-uid');
    mapped.uid('double-uid');
  }
  mapped.keyBy((r) => r.key).reduce((a, b) => ({ key: a.key, value: a.value + b.value })).name('total').print();
  mapped.rebalance().filter((r) => r.value > 1).setParallelism(3).name('positive').discard();
  return env.getStreamGraph('ids');
}

describe('generateStreamGraph', () => {
  it('builds one node per operator, in creation order, with Source:/Sink: prefixes', () => {
    const graph = buildProgram();
    expect(graph.nodes.map((n) => `${n.name}|${n.kind}|${n.parallelism}`)).toEqual([
      'Source: gen|source-generator|2',
      'double|map|2',
      'total|keyed-reduce|2',
      'Sink: Print to Std. Out|sink-print|2',
      'positive|filter|3',
      'Sink: Discarding Sink|sink-discard|2',
    ]);
    expect(graph.edges).toHaveLength(5);
    expect(graph.jobName).toBe('ids');
  });

  it('gives the same program the same operator and edge ids every time', () => {
    const first = buildProgram();
    const second = buildProgram();
    expect(second.nodes.map((n) => n.id)).toEqual(first.nodes.map((n) => n.id));
    expect(second.edges.map((e) => e.id)).toEqual(first.edges.map((e) => e.id));
    for (const n of first.nodes) expect(n.id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(first.nodes.map((n) => n.id)).size).toBe(first.nodes.length);
  });

  it('derives ids from the uid alone when one is set, so they survive changes elsewhere', () => {
    const plain = buildProgram();
    const shifted = buildProgram({ extraFirst: true });
    expect(node(shifted, 'Source: gen').id).not.toBe(node(plain, 'Source: gen').id);

    const withUids = buildProgram({ uids: true });
    const shiftedWithUids = buildProgram({ uids: true, extraFirst: true });
    expect(node(shiftedWithUids, 'Source: gen').id).toBe(node(withUids, 'Source: gen').id);
    expect(node(shiftedWithUids, 'double').id).toBe(node(withUids, 'double').id);
    expect(node(withUids, 'double').uid).toBe('double-uid');
    expect(node(withUids, 'Source: gen').id).not.toBe(node(plain, 'Source: gen').id);
  });

  it('rejects two operators with the same uid', () => {
    const env = new StreamExecutionEnvironment();
    env.fromElements(1).uid('same').map((x) => x).uid('same').discard();
    expect(() => env.getStreamGraph()).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_GRAPH', message: expect.stringMatching(/same uid "same"/) }));
  });

  it('uses forward between equal parallelisms and rebalance otherwise, unless a partitioner is set', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const source = env.fromGenerator((i) => i).name('gen');
    source.map((x) => x).name('same').discard().name('d1');
    source.map((x) => x).name('wider').setParallelism(4).discard().name('d2');
    source.shuffle().map((x) => x).name('shuffled').discard().name('d3');
    source.broadcast().rebalance().map((x) => x).name('closest wins').discard().name('d4');
    const graph = env.getStreamGraph();
    expect(edgeInto(graph, 'same').partitioner).toEqual({ kind: 'forward' });
    expect(edgeInto(graph, 'wider').partitioner).toEqual({ kind: 'rebalance' });
    expect(edgeInto(graph, 'shuffled').partitioner).toEqual({ kind: 'shuffle' });
    expect(edgeInto(graph, 'closest wins').partitioner).toEqual({ kind: 'rebalance' });
    expect(edgeInto(graph, 'Sink: d2').partitioner).toEqual({ kind: 'rebalance' });
  });

  it('rejects forward between different parallelisms', () => {
    const env = new StreamExecutionEnvironment();
    env.fromGenerator((i) => i).forward().map((x) => x).setParallelism(2).discard();
    expect(() => env.getStreamGraph()).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_GRAPH', message: expect.stringMatching(/forward partitioning/) }));
  });

  it("hashes keyBy edges with the consumer's max parallelism and keeps the key selector on edge and node", () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const keyOf = (r: Rec) => r.key;
    const reduce = (a: Rec, b: Rec) => b;
    env.fromGenerator<Rec>((i) => ({ key: i, value: i })).keyBy(keyOf).reduce(reduce).setMaxParallelism(256).name('r').discard();
    const graph = env.getStreamGraph();
    const edge = edgeInto(graph, 'r');
    expect(edge.partitioner).toEqual({ kind: 'hash', maxParallelism: 256 });
    expect(edge.keySelector).toBe(keyOf);
    const r = node(graph, 'r');
    expect(r.kind).toBe('keyed-reduce');
    expect(r.keySelector).toBe(keyOf);
    expect(r.fn).toBe(reduce);
  });

  it('puts a typed serializer on edges of declared shapes and msgpackr on the rest', () => {
    const env = new StreamExecutionEnvironment();
    const source = env.fromGenerator<Rec>((i) => ({ key: i, value: i }), { shape: SHAPE }).name('typed');
    const filtered = source.filter((r) => r.key > 0).name('filtered');
    const mapped = filtered.map((r) => ({ word: String(r.key) })).name('mapped');
    const declared = mapped.map((w) => ({ n: w.word.length })).returns({ n: 'int32' }).name('declared');
    const keyed = source.keyBy((r) => r.key).sum('value').name('summed');
    declared.discard().name('s1');
    keyed.discard().name('s2');
    source.union(filtered).map((r) => r).name('after union').discard().name('s3');
    (mapped as unknown as typeof filtered).union(filtered).map((r) => r).name('after mixed union').discard().name('s4');
    const graph = env.getStreamGraph();
    const typed = { kind: 'typed', shape: SHAPE };
    expect(edgeInto(graph, 'filtered').serializer).toEqual(typed);
    expect(edgeInto(graph, 'mapped').serializer).toEqual(typed);
    expect(edgeInto(graph, 'declared').serializer).toEqual({ kind: 'msgpackr' });
    expect(edgeInto(graph, 'Sink: s1').serializer).toEqual({ kind: 'typed', shape: { n: 'int32' } });
    expect(edgeInto(graph, 'Sink: s2').serializer).toEqual(typed);
    expect(node(graph, 'after union').inEdges.map((e) => e.serializer)).toEqual([typed, typed]);
    expect(edgeInto(graph, 'Sink: s3').serializer).toEqual({ kind: 'msgpackr' });
    expect(node(graph, 'after mixed union').inEdges.map((e) => e.serializer.kind)).toEqual(['msgpackr', 'typed']);
  });

  it('inherits the slot sharing group when all inputs share one, else uses default', () => {
    const env = new StreamExecutionEnvironment();
    const a = env.fromGenerator((i) => i).name('a').slotSharingGroup('sources');
    const b = env.fromGenerator((i) => i).name('b');
    a.map((x) => x).name('after a').discard().name('sa');
    a.union(b).map((x) => x).name('after union').discard().name('su');
    const graph = env.getStreamGraph();
    expect(node(graph, 'after a').slotSharingGroup).toBe('sources');
    expect(node(graph, 'Sink: sa').slotSharingGroup).toBe('sources');
    expect(node(graph, 'after union').slotSharingGroup).toBe('default');
    expect(node(graph, 'Source: b').slotSharingGroup).toBe('default');
  });

  it('resolves max parallelism: the operator, else the environment, else derived from the parallelism', () => {
    const env = new StreamExecutionEnvironment();
    const source = env.fromGenerator((i) => i).name('derived').setParallelism(100);
    source.map((x) => x).name('own').setParallelism(100).setMaxParallelism(1000).discard().name('s').setParallelism(100);
    expect(node(env.getStreamGraph(), 'Source: derived').maxParallelism).toBe(256);
    expect(node(env.getStreamGraph(), 'own').maxParallelism).toBe(1000);
    env.setMaxParallelism(512);
    expect(node(env.getStreamGraph(), 'Source: derived').maxParallelism).toBe(512);
    env.setMaxParallelism(64);
    expect(() => env.getStreamGraph()).toThrow(/parallelism 100 above its max parallelism 64/);
  });

  it('rejects a program without operators', () => {
    expect(() => new StreamExecutionEnvironment().getStreamGraph()).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_GRAPH' }));
  });
});
