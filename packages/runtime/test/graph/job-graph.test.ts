import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import { createJobGraph, requiredSlots } from '../../src/graph/job-graph.js';

describe('createJobGraph', () => {
  it('turns each non-chained stream edge into a job edge with its partitioner, pattern, serializer and indices', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const keyOf = (r: { key: number }) => r.key;
    const source = env.fromGenerator((i) => ({ key: i }), { shape: { key: 'int32' } }).name('gen');
    const mapped = source.map((r) => r).name('m').returns({ key: 'int32' });
    mapped.keyBy(keyOf).reduce((a) => a).name('r').discard();
    mapped.rescale().map((r) => r.key).name('side').setParallelism(4).discard();
    const jobGraph = createJobGraph(env.getStreamGraph());
    const [head, reduce, side, sideSink] = jobGraph.vertices;
    expect(jobGraph.vertices.map((v) => v.name)).toEqual([
      'Source: gen -> m',
      'r -> Sink: Discarding Sink',
      'side',
      'Sink: Discarding Sink',
    ]);
    expect(head.id).toBe(head.operators[0].id);
    expect(head.chainedEdges.map((e) => e.name)).toEqual(['Source: gen -> m']);
    expect(jobGraph.edges.map((e) => [e.name, e.partitioner.kind, e.distributionPattern, e.serializer.kind, e.resultPartitionIndex, e.inputGateIndex])).toEqual([
      ['m -> r', 'hash', 'ALL_TO_ALL', 'typed', 0, 0],
      ['m -> side', 'rescale', 'POINTWISE', 'typed', 1, 0],
      ['side -> Sink: Discarding Sink', 'rebalance', 'ALL_TO_ALL', 'msgpackr', 0, 0],
    ]);
    const [toReduce] = jobGraph.edges;
    expect(toReduce.sourceVertexId).toBe(head.id);
    expect(toReduce.sourceOperatorId).toBe(head.operators[1].id);
    expect(toReduce.targetVertexId).toBe(reduce.id);
    expect(toReduce.targetOperatorId).toBe(reduce.id);
    expect(toReduce.keySelector).toBe(keyOf);
    expect(head.outputs.map((e) => e.id)).toEqual([jobGraph.edges[0].id, jobGraph.edges[1].id]);
    expect(side.inputs).toEqual([jobGraph.edges[1]]);
    expect(sideSink.parallelism).toBe(2);
    expect(jobGraph.verticesById.get(side.id)).toBe(side);
  });

  it("orders a union's input gates as the union's inputs", () => {
    const env = new StreamExecutionEnvironment();
    const a = env.fromElements(1).name('a');
    const b = env.fromElements(2).name('b');
    b.union(a).map((x) => x).name('m').discard();
    const jobGraph = createJobGraph(env.getStreamGraph());
    const m = jobGraph.vertices.find((v) => v.name.startsWith('m'))!;
    expect(m.inputs.map((e) => [e.name, e.inputGateIndex])).toEqual([
      ['Source: b -> m', 0],
      ['Source: a -> m', 1],
    ]);
  });

  it('gives a stream unioned with itself two edges with their own ids and input gates', () => {
    const env = new StreamExecutionEnvironment();
    const a = env.fromElements(1).name('a');
    a.union(a).map((x) => x).name('m').discard();
    const [, m] = createJobGraph(env.getStreamGraph()).vertices;
    expect(m.inputs.map((e) => e.inputGateIndex)).toEqual([0, 1]);
    expect(new Set(m.inputs.map((e) => e.id)).size).toBe(2);
  });
});

describe('requiredSlots', () => {
  it('is the largest parallelism of the job when everything shares the default group', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    env.fromGenerator((i) => i).map((x) => x).setParallelism(4).rebalance().discard().setParallelism(3);
    expect(requiredSlots(env.getJobGraph())).toBe(4);
  });

  it('adds up the largest parallelism of each slot sharing group', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const source = env.fromGenerator((i) => i).setParallelism(4);
    source.map((x) => x).slotSharingGroup('heavy').setParallelism(3).discard().setParallelism(5);
    source.map((x) => x).setParallelism(1).discard().setParallelism(1);
    // default: max(4, 1, 1) = 4; heavy: map 3 and its sink (inherits heavy) 5 → 5.
    expect(requiredSlots(env.getJobGraph())).toBe(9);
  });
});
