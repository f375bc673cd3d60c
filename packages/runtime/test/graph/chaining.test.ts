import { describe, expect, it } from 'vitest';
import type { SingleOutputStreamOperator } from '../../src/api/data-stream.js';
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import { chainBreakReason, isChainable } from '../../src/graph/chaining.js';
import { createJobGraph } from '../../src/graph/job-graph.js';
import type { StreamGraph, StreamNode } from '../../src/graph/stream-graph.js';

/** The vertex names of a program: `source -> map -> sink` unless a rule breaks the chain. */
function chains(build: (env: StreamExecutionEnvironment) => void, config = {}): string[] {
  const env = new StreamExecutionEnvironment({ parallelism: 2, ...config });
  build(env);
  return createJobGraph(env.getStreamGraph()).vertices.map((vertex) => vertex.name);
}

function source(env: StreamExecutionEnvironment): SingleOutputStreamOperator<number> {
  return env.fromGenerator((i) => i).name('gen');
}

/** A copy of `graph` with one node changed, for rules the API cannot break on its own. */
function withNode(graph: StreamGraph, name: string, change: Partial<StreamNode>): StreamGraph {
  const nodes = graph.nodes.map((n) => (n.name === name ? ({ ...n, ...change } as StreamNode) : n));
  return { ...graph, nodes, nodesById: new Map(nodes.map((n) => [n.id, n])) };
}

describe('operator chaining', () => {
  it('chains forward edges of equal parallelism into one vertex', () => {
    expect(chains((env) => source(env).map((x) => x).filter((x) => x > 0).print())).toEqual([
      'Source: gen -> Map -> Filter -> Sink: Print to Std. Out',
    ]);
  });

  it('chains a fork, naming it as Flink does', () => {
    expect(
      chains((env) => {
        const mapped = source(env).map((x) => x);
        mapped.filter((x) => x > 0).print();
        mapped.discard();
      }),
    ).toEqual(['Source: gen -> Map -> (Filter -> Sink: Print to Std. Out, Sink: Discarding Sink)']);
  });

  it('breaks at an operator with more than one input', () => {
    expect(chains((env) => source(env).union(source(env).name('gen2')).map((x) => x).discard())).toEqual([
      'Source: gen',
      'Source: gen2',
      'Map -> Sink: Discarding Sink',
    ]);
  });

  it('breaks everywhere when chaining is disabled for the job', () => {
    expect(chains((env) => source(env).map((x) => x).discard(), { isChainingEnabled: false })).toEqual([
      'Source: gen',
      'Map',
      'Sink: Discarding Sink',
    ]);
  });

  it('breaks at every partitioner but forward, keyBy included', () => {
    for (const partition of ['rebalance', 'rescale', 'shuffle', 'broadcast', 'global'] as const) {
      expect(chains((env) => source(env)[partition]().map((x) => x).discard()), partition).toEqual([
        'Source: gen',
        'Map -> Sink: Discarding Sink',
      ]);
    }
    expect(chains((env) => source(env).forward().map((x) => x).discard())).toEqual(['Source: gen -> Map -> Sink: Discarding Sink']);
    expect(chains((env) => source(env).keyBy((x) => x % 3).sum().discard())).toEqual([
      'Source: gen',
      'Keyed Aggregation -> Sink: Discarding Sink',
    ]);
  });

  it('breaks where the parallelism changes', () => {
    expect(chains((env) => source(env).map((x) => x).setParallelism(3).discard().setParallelism(3))).toEqual([
      'Source: gen',
      'Map -> Sink: Discarding Sink',
    ]);
    // With the API a parallelism change always comes with a rebalance; the rule also holds on its own.
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    source(env).map((x) => x).discard();
    const graph = withNode(env.getStreamGraph(), 'Map', { parallelism: 3 });
    expect(chainBreakReason(graph.nodes[0].outEdges[0], graph)).toBe('the parallelism changes from 2 to 3');
  });

  it('breaks between slot sharing groups', () => {
    expect(chains((env) => source(env).map((x) => x).slotSharingGroup('other').discard())).toEqual([
      'Source: gen',
      'Map -> Sink: Discarding Sink',
    ]);
  });

  it('breaks on both sides of disableChaining()', () => {
    expect(chains((env) => source(env).map((x) => x).disableChaining().filter((x) => x > 0).discard())).toEqual([
      'Source: gen',
      'Map',
      'Filter -> Sink: Discarding Sink',
    ]);
    expect(chains((env) => source(env).map((x) => x).discard().disableChaining())).toEqual(['Source: gen -> Map', 'Sink: Discarding Sink']);
  });

  it('breaks before startNewChain() only', () => {
    expect(chains((env) => source(env).map((x) => x).startNewChain().filter((x) => x > 0).discard())).toEqual([
      'Source: gen',
      'Map -> Filter -> Sink: Discarding Sink',
    ]);
  });

  it('never chains after a sink', () => {
    const env = new StreamExecutionEnvironment();
    source(env).map((x) => x).discard();
    const graph = withNode(env.getStreamGraph(), 'Source: gen', { kind: 'sink-discard' } as Partial<StreamNode>);
    expect(chainBreakReason(graph.nodes[0].outEdges[0], graph)).toBe('"Source: gen" is a sink');
  });

  it('gives the reason each rule breaks a chain', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const gen = source(env);
    gen.rebalance().map((x) => x).name('rebalanced').discard();
    gen.map((x) => x).name('grouped').slotSharingGroup('g').discard();
    gen.map((x) => x).name('new chain').startNewChain().discard();
    gen.map((x) => x).name('unchained').disableChaining().discard();
    gen.map((x) => x).name('chained').discard();
    const graph = env.getStreamGraph();
    const reasons = graph.nodes[0].outEdges.map((edge) => chainBreakReason(edge, graph));
    expect(reasons).toEqual([
      'the partitioner is REBALANCE',
      'the slot sharing group changes from "default" to "g"',
      '"new chain" starts a new chain',
      '"unchained" has chaining disabled',
      undefined,
    ]);
    expect(isChainable(graph.nodes[0].outEdges[4], graph)).toBe(true);
  });
});
